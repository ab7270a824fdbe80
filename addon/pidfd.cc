// Process handles by pidfd: no pid-reuse race between looking a process up
// and signalling or reaping it.
// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in later releases).
extern "C" {
#include <sys/pidfd.h>
}
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <algorithm>

#include "addon.h"
#include "errors.h"
#include "fd.h"

namespace tsrun {
namespace {

// waitid's answer as {code, signal}: exactly one is a number.
Napi::Value ExitStatus(Napi::Env env, const siginfo_t& si) {
  Napi::Object r = Napi::Object::New(env);
  bool exited = si.si_code == CLD_EXITED;
  r.Set("code", exited ? Napi::Value::From(env, si.si_status) : env.Null());
  r.Set("signal", exited ? env.Null() : Napi::Value::From(env, si.si_status));
  return r;
}

// Blocks in waitid on a libuv threadpool thread; the promise settles on the
// main thread (OnOK), so no JS ever runs off-thread.
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, int pidfd)
      : Napi::AsyncWorker(env, "tsrun.waitPidfd"), pidfd_(pidfd), deferred_(env) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    if (RetryEintr([&] { return waitid(P_PIDFD, pidfd_, &si_, WEXITED); }) < 0) err_ = errno;
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_ != 0) deferred_.Reject(ErrnoError(env, err_, "waitid").Value());
    else deferred_.Resolve(ExitStatus(env, si_));
  }

 private:
  int pidfd_;
  int err_ = 0;
  siginfo_t si_ = {};
  Napi::Promise::Deferred deferred_;
};

int IntArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

}  // namespace

Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  int pid = IntArg(info, 0);
  int fd = pidfd_open(pid, 0);  // pidfds are always close-on-exec
  if (fd < 0) ThrowErrno(info.Env(), errno, "pidfd_open", std::to_string(pid));
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info) {
  int pidfd = IntArg(info, 0), sig = IntArg(info, 1);
  if (pidfd_send_signal(pidfd, sig, nullptr, 0) < 0) ThrowErrno(info.Env(), errno, "pidfd_send_signal");
  return info.Env().Undefined();
}

Napi::Value WaitPidfd(const Napi::CallbackInfo& info) {
  auto* w = new WaitWorker(info.Env(), IntArg(info, 0));  // deletes itself when done
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value ReapPidfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  siginfo_t si = {};  // si_pid stays 0 when WNOHANG finds nothing to reap
  if (RetryEintr([&] { return waitid(P_PIDFD, IntArg(info, 0), &si, WEXITED | WNOHANG); }) < 0)
    ThrowErrno(env, errno, "waitid");
  return si.si_pid == 0 ? env.Null() : ExitStatus(env, si);
}

Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) ThrowErrno(info.Env(), errno, "prctl PR_SET_CHILD_SUBREAPER");
  return info.Env().Undefined();
}

// exec's execCPUAffinity.initial, set on the new process before it enters
// the container's cgroup. The mask is sized for the highest CPU asked for.
Napi::Value SchedSetaffinity(const Napi::CallbackInfo& info) {
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  Napi::Array cpus = info[1].As<Napi::Array>();
  size_t max = 0;
  for (uint32_t i = 0; i < cpus.Length(); i++) max = std::max<size_t>(max, cpus.Get(i).As<Napi::Number>().Uint32Value());
  cpu_set_t* set = CPU_ALLOC(max + 1);
  if (set == nullptr) ThrowErrno(info.Env(), ENOMEM, "sched_setaffinity");
  size_t size = CPU_ALLOC_SIZE(max + 1);
  CPU_ZERO_S(size, set);
  for (uint32_t i = 0; i < cpus.Length(); i++) CPU_SET_S(cpus.Get(i).As<Napi::Number>().Uint32Value(), size, set);
  int r = sched_setaffinity(pid, size, set);
  int err = errno;
  CPU_FREE(set);
  if (r < 0) ThrowErrno(info.Env(), err, "sched_setaffinity");
  return info.Env().Undefined();
}

}  // namespace tsrun
