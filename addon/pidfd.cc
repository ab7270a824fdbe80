// Process handles by pidfd: no pid-reuse race between looking a process up
// and signalling or reaping it.
// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in later releases).
extern "C" {
#include <sys/pidfd.h>
}
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <vector>

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

// Signal forwarding in the foreground without the event loop: the handler
// passes each signal on by itself (pidfd_send_signal is a bare syscall, so
// async-signal-safe) while the main thread blocks in waitid. It is set with
// sigaction, so whichever thread the kernel picks runs it. Until released
// (the process has started) signals are held in a mask, as runc buffers
// them: the init must not get them before it execs the process.
volatile sig_atomic_t forwardTo = -1;
volatile sig_atomic_t released = 0;
uint64_t held = 0;  // bit N: signal N arrived and is not sent yet
struct Saved { int sig; struct sigaction old; };
std::vector<Saved> saved;

// Each held signal is sent once: the exchange hands every bit to one caller.
void SendHeld() {
  uint64_t bits = __atomic_exchange_n(&held, 0, __ATOMIC_SEQ_CST);
  for (int sig = 1; sig < 64; sig++)
    if (bits & (1ULL << sig)) pidfd_send_signal(forwardTo, sig, nullptr, 0);  // ESRCH once gone: the wait returns
}

void Forward(int sig) {
  int e = errno;
  __atomic_fetch_or(&held, 1ULL << sig, __ATOMIC_SEQ_CST);
  if (released) SendHeld();
  errno = e;
}

void RestoreSignals() {
  for (const Saved& s : saved) sigaction(s.sig, &s.old, nullptr);
  saved.clear();
  released = 0;
  forwardTo = -1;
  held = 0;
}

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

Napi::Value WaitPidfdSync(const Napi::CallbackInfo& info) {
  siginfo_t si = {};
  if (RetryEintr([&] { return waitid(P_PIDFD, IntArg(info, 0), &si, WEXITED); }) < 0)
    ThrowErrno(info.Env(), errno, "waitid");
  return ExitStatus(info.Env(), si);
}

Napi::Value ForwardSignals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RestoreSignals();
  forwardTo = IntArg(info, 0);
  Napi::Array sigs = info[1].As<Napi::Array>();
  struct sigaction sa = {};
  sa.sa_handler = Forward;
  sa.sa_flags = SA_RESTART;
  sigfillset(&sa.sa_mask);
  for (uint32_t i = 0; i < sigs.Length(); i++) {
    Saved s = {sigs.Get(i).As<Napi::Number>().Int32Value(), {}};
    if (s.sig <= 0 || s.sig >= 64) {
      RestoreSignals();
      ThrowErrno(env, EINVAL, "sigaction", std::to_string(s.sig));
    }
    if (sigaction(s.sig, &sa, &s.old) < 0) {
      int err = errno;
      RestoreSignals();
      ThrowErrno(env, err, "sigaction", std::to_string(s.sig));
    }
    saved.push_back(s);
  }
  return env.Undefined();
}

Napi::Value ReleaseSignals(const Napi::CallbackInfo& info) {
  released = 1;
  SendHeld();
  return info.Env().Undefined();
}

Napi::Value StopForwarding(const Napi::CallbackInfo& info) {
  RestoreSignals();
  return info.Env().Undefined();
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
