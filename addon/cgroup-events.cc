// OOM notices from a cgroup, the kernel's way rather than by polling a
// counter (runc's notify_linux.go and notify_v2_linux.go): on v1 an eventfd
// registered with cgroup.event_control for memory.oom_control; on v2 an
// inotify watch on memory.events and cgroup.events. awaitEvent waits for one
// of them, or for the container's init to exit, on a libuv threadpool thread,
// so the event loop is never blocked and JS runs only on the main thread.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <string>

#include "addon.h"
#include "errors.h"
#include "fd.h"

namespace tsrun {
namespace {

// Reads until EAGAIN: the eventfd's counter or every queued inotify event.
// What woke us is re-read from the cgroup files, not from these bytes.
int Drain(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = RetryEintr([&] { return read(fd, buf, sizeof buf); });
    if (n < 0) return errno == EAGAIN ? 0 : errno;
    if (n == 0) return 0;
  }
}

class EventWorker : public Napi::AsyncWorker {
 public:
  EventWorker(Napi::Env env, int fd, int pidfd, int timeoutMs)
      : Napi::AsyncWorker(env, "tsrun.awaitEvent"), fd_(fd), pidfd_(pidfd), timeoutMs_(timeoutMs), deferred_(env) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    // fd -1 is skipped by poll: only the exit or the timeout can wake us then.
    pollfd fds[2] = {{fd_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    int n = RetryEintr([&] { return poll(fds, 2, timeoutMs_); });
    if (n < 0) { err_ = errno; call_ = "poll"; return; }
    // An event before the exit: an OOM kill of the init itself is still reported.
    if (fds[0].revents != 0) {
      what_ = "event";
      if ((err_ = Drain(fd_)) != 0) call_ = "read";
    } else if (fds[1].revents != 0) {
      what_ = "exit";
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_ != 0) deferred_.Reject(ErrnoError(env, err_, call_).Value());
    else deferred_.Resolve(Napi::String::New(env, what_));
  }

 private:
  int fd_, pidfd_, timeoutMs_;
  int err_ = 0;
  const char* call_ = "";
  const char* what_ = "timeout";
  Napi::Promise::Deferred deferred_;
};

}  // namespace

// eventfd (non-blocking, CLOEXEC) signalled on every OOM in the memory
// cgroup at dir, and once more when the cgroup is removed. The kernel keeps
// its own reference to memory.oom_control, so only the eventfd stays open.
Napi::Value OomEventfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  std::string control = dir + "/memory.oom_control", reg = dir + "/cgroup.event_control";
  Fd oom(open(control.c_str(), O_RDONLY | O_CLOEXEC));
  if (oom.get() < 0) ThrowErrno(env, errno, "open", control);
  Fd efd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (efd.get() < 0) ThrowErrno(env, errno, "eventfd");
  Fd ctl(open(reg.c_str(), O_WRONLY | O_CLOEXEC));
  if (ctl.get() < 0) ThrowErrno(env, errno, "open", reg);
  std::string line = std::to_string(efd.get()) + " " + std::to_string(oom.get());
  if (RetryEintr([&] { return write(ctl.get(), line.data(), line.size()); }) < 0) ThrowErrno(env, errno, "write", reg);
  return Napi::Number::New(env, efd.release());
}

// inotify fd (non-blocking, CLOEXEC) with an IN_MODIFY watch on each path:
// cgroupfs files report their changes so (cgroup.events, memory.events).
Napi::Value InotifyModify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array paths = info[0].As<Napi::Array>();
  Fd fd(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (fd.get() < 0) ThrowErrno(env, errno, "inotify_init1");
  for (uint32_t i = 0; i < paths.Length(); i++) {
    std::string p = paths.Get(i).As<Napi::String>().Utf8Value();
    if (inotify_add_watch(fd.get(), p.c_str(), IN_MODIFY) < 0) ThrowErrno(env, errno, "inotify_add_watch", p);
  }
  return Napi::Number::New(env, fd.release());
}

// Resolves "event" (fd readable, drained), "exit" (pidfd readable) or
// "timeout" after timeoutMs (-1: none).
Napi::Value AwaitEvent(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int pidfd = info[1].As<Napi::Number>().Int32Value();
  int timeoutMs = info[2].As<Napi::Number>().Int32Value();
  auto* w = new EventWorker(info.Env(), fd, pidfd, timeoutMs);  // deletes itself when done
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace tsrun
