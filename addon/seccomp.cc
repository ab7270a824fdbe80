// seccompCompile: a profile (numbers already resolved by TS) → raw BPF,
// built with libseccomp in the parent. The init then needs only the
// seccomp() syscall and no library (crun's split, libcrun/seccomp.c).
#include <seccomp.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "fd.h"
#include "seccomp-enosys.h"

namespace tsrun {
namespace {

struct Rule {
  std::string syscall;
  uint32_t action;
  std::vector<scmp_arg_cmp> args;
};

struct Profile {
  uint32_t defaultAction;
  std::vector<uint32_t> arches;
  std::vector<Rule> rules;
};

// SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry their data in the low 16 bits. TS
// normally folds the errno in already; if it passed the bare action and the
// errno apart, fold it here. Any other action is left as it is.
uint32_t WithErrno(uint32_t action, uint32_t err) {
  uint32_t kind = action & 0xffff0000U;
  bool hasData = kind == SCMP_ACT_ERRNO(0) || kind == SCMP_ACT_TRACE(0);
  return hasData && (action & 0xffffU) == 0 ? action | (err & 0xffffU) : action;
}

uint32_t U32(Napi::Object o, const char* key) { return o.Get(key).As<Napi::Number>().Uint32Value(); }

uint64_t U64(Napi::Value v) {
  bool lossless;
  if (v.IsBigInt()) return v.As<Napi::BigInt>().Uint64Value(&lossless);
  return static_cast<uint64_t>(v.As<Napi::Number>().Int64Value());
}

Profile Unpack(Napi::Object p) {
  Profile out;
  out.defaultAction = WithErrno(U32(p, "defaultAction"), U32(p, "defaultErrno"));
  Napi::Array arches = p.Get("architectures").As<Napi::Array>();
  for (uint32_t i = 0; i < arches.Length(); i++) out.arches.push_back(arches.Get(i).As<Napi::Number>().Uint32Value());
  Napi::Array rules = p.Get("rules").As<Napi::Array>();
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object r = rules.Get(i).As<Napi::Object>();
    Rule rule{r.Get("syscall").As<Napi::String>().Utf8Value(), WithErrno(U32(r, "action"), U32(r, "errno")), {}};
    Napi::Array args = r.Get("args").As<Napi::Array>();
    for (uint32_t j = 0; j < args.Length(); j++) {
      Napi::Object a = args.Get(j).As<Napi::Object>();
      rule.args.push_back({U32(a, "index"), static_cast<scmp_compare>(U32(a, "op")), U64(a.Get("value")),
                           U64(a.Get("valueTwo"))});
    }
    out.rules.push_back(std::move(rule));
  }
  return out;
}

using Ctx = std::unique_ptr<void, decltype(&seccomp_release)>;

// libseccomp ANDs the conditions of one rule and rejects two on the same
// argument; runc and crun then add one rule per condition (OR), and so do we.
// A refused rule throws with `rule` = its index, for TS to name the entry.
void AddRule(Napi::Env env, scmp_filter_ctx ctx, int nr, const Rule& r, uint32_t index) {
  bool sameArgTwice = false;
  for (size_t i = 0; i < r.args.size(); i++)
    for (size_t j = 0; j < i; j++) sameArgTwice |= r.args[i].arg == r.args[j].arg;
  int ret = 0;
  if (!sameArgTwice) {
    ret = seccomp_rule_add_array(ctx, r.action, nr, r.args.size(), r.args.data());
  } else {
    for (size_t i = 0; i < r.args.size() && ret == 0; i++)
      ret = seccomp_rule_add_array(ctx, r.action, nr, 1, &r.args[i]);
  }
  if (ret < 0) {
    Napi::Error e = ErrnoError(env, -ret, "seccomp_rule_add", r.syscall);
    e.Set("rule", Napi::Number::New(env, index));
    throw e;
  }
}

void AddArches(Napi::Env env, scmp_filter_ctx ctx, const std::vector<uint32_t>& arches) {
  // The native arch stays in the filter whether listed or not, as in runc
  // and crun: removing it would turn every native syscall into KILL.
  for (uint32_t arch : arches) {
    int ret = seccomp_arch_add(ctx, arch);
    if (ret < 0 && ret != -EEXIST) ThrowErrno(env, -ret, "seccomp_arch_add", std::to_string(arch));
  }
}

// libseccomp 2.5 exports only to an fd; a memfd keeps it off the disk.
// `stub` goes in front (its jumps are relative, so the filter is unchanged).
Napi::Buffer<uint8_t> ExportBpf(Napi::Env env, scmp_filter_ctx ctx, const std::vector<sock_filter>& stub) {
  Fd mem(memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (mem.get() < 0) ThrowErrno(env, errno, "memfd_create");
  int ret = seccomp_export_bpf(ctx, mem.get());
  if (ret < 0) ThrowErrno(env, -ret, "seccomp_export_bpf");
  struct stat st;
  if (fstat(mem.get(), &st) < 0) ThrowErrno(env, errno, "fstat");
  size_t head = stub.size() * sizeof(sock_filter);
  auto out = Napi::Buffer<uint8_t>::New(env, head + st.st_size);
  memcpy(out.Data(), stub.data(), head);
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = pread(mem.get(), out.Data() + head + done, st.st_size - done, done);
    if (n <= 0) ThrowErrno(env, n < 0 ? errno : EIO, "pread");
    done += n;
  }
  return out;
}

}  // namespace

Napi::Value SeccompCompile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Profile p = Unpack(info[0].As<Napi::Object>());
  Ctx ctx(seccomp_init(p.defaultAction), seccomp_release);
  if (!ctx) ThrowErrno(env, EINVAL, "seccomp_init");
  AddArches(env, ctx.get(), p.arches);
  // Binary-tree dispatch for long profiles, with runc's threshold (libseccomp
  // <= 2.5.4 misbehaves with it on empty filters). Older libseccomp: no-op.
  if (p.rules.size() > 32) seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (uint32_t i = 0; i < p.rules.size(); i++) {
    const Rule& r = p.rules[i];
    // A rule with the default action is a no-op that libseccomp refuses.
    if (r.action == p.defaultAction) continue;
    // A name this libseccomp does not know is skipped, as runc does: the
    // profile may name syscalls newer than the library or kernel.
    int nr = seccomp_syscall_resolve_name(r.syscall.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    AddRule(env, ctx.get(), nr, r, i);
  }
  std::vector<std::string> names;
  for (const Rule& r : p.rules) names.push_back(r.syscall);
  return ExportBpf(env, ctx.get(), EnosysStub(p.defaultAction, p.arches, names));
}

// The kernel checks the flags before it reads the program: EFAULT for a
// NULL program means the flags were accepted (runc's probe, seccomp_linux.go).
Napi::Value SeccompFlagsSupported(const Napi::CallbackInfo& info) {
  uint32_t flags = info[0].As<Napi::Number>().Uint32Value();
  bool ok = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, nullptr) < 0 && errno == EFAULT;
  return Napi::Boolean::New(info.Env(), ok);
}

Napi::Value SeccompVersion(const Napi::CallbackInfo& info) {
  const scmp_version* v = seccomp_version();
  std::string s = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
  return Napi::String::New(info.Env(), s);
}

}  // namespace tsrun
