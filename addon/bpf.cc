// cgroup v2 device control: cgroup2 has no devices.allow/deny files, so the
// rules become a BPF_PROG_TYPE_CGROUP_DEVICE program (built in TS,
// src/cgroups/devices-bpf.ts) that this file loads and attaches to the
// cgroup directory, as runc's devicefilter and crun's ebpf_bpf.c do. The
// program stays attached while the cgroup exists; our fd is closed at once.
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "fd.h"

namespace tsrun {
namespace {

long Bpf(int cmd, bpf_attr* attr) {
  return RetryEintr([&] { return syscall(SYS_bpf, cmd, attr, sizeof(*attr)); });
}

int Load(const uint8_t* insns, size_t len, char* log, size_t logSize) {
  static const char license[] = "Apache";
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uintptr_t>(insns);
  load.insn_cnt = len / sizeof(bpf_insn);
  load.license = reinterpret_cast<uintptr_t>(license);
  load.log_buf = reinterpret_cast<uintptr_t>(log);
  load.log_size = logSize;
  load.log_level = log != nullptr ? 1 : 0;
  return static_cast<int>(Bpf(BPF_PROG_LOAD, &load));
}

}  // namespace

// attachDeviceProgram(cgroupDir, insns): loads the program and attaches it
// with BPF_F_ALLOW_MULTI (a fresh cgroup has none; the flag lets a parent's
// program and ours both apply, as the kernel's hierarchy rules require).
Napi::Value AttachDeviceProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  Napi::Buffer<uint8_t> insns = info[1].As<Napi::Buffer<uint8_t>>();

  Fd cg(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (cg.get() < 0) ThrowErrno(env, errno, "open", dir);

  Fd prog(Load(insns.Data(), insns.Length(), nullptr, 0));
  if (prog.get() < 0) {
    int err = errno;
    // Loaded again with the verifier's log (a log too small for a good
    // program is itself ENOSPC, so only on failure): its last line says why.
    std::vector<char> log(1 << 16);
    Fd again(Load(insns.Data(), insns.Length(), log.data(), log.size()));
    std::string why(log.data());
    while (!why.empty() && why.back() == '\n') why.pop_back();
    size_t nl = why.rfind('\n');
    ThrowErrno(env, err, "bpf prog load", nl == std::string::npos ? why : why.substr(nl + 1));
  }

  bpf_attr attach{};
  attach.target_fd = cg.get();
  attach.attach_bpf_fd = prog.get();
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attach) < 0) ThrowErrno(env, errno, "bpf prog attach", dir);
  return env.Undefined();
}

}  // namespace tsrun
