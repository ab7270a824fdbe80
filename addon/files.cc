// Small file operations Node's fs lacks: flock (state-dir lock held for a
// whole command), mkfifo (the exec fifo) and the reader side of the exec
// fifo handshake that `start` performs.
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "addon.h"
#include "errors.h"
#include "fd.h"

namespace tsrun {

Napi::Value Flock(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int op = info[1].As<Napi::Number>().Int32Value();
  if (RetryEintr([&] { return flock(fd, op); }) < 0) ThrowErrno(info.Env(), errno, "flock");
  return info.Env().Undefined();
}

Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  mode_t mode = info[1].As<Napi::Number>().Uint32Value();
  if (mkfifo(path.c_str(), mode) < 0) ThrowErrno(info.Env(), errno, "mkfifo", path);
  return info.Env().Undefined();
}

// Opens the exec fifo for reading and waits for the init's one byte. The open
// is non-blocking and the wait polls the init's pidfd too, so a dead init
// never leaves `start` hanging (runc's awaitFifoOpen does the same with a
// goroutine). Returns true when the byte arrived, false when the init exited
// (or closed the fifo) without writing it.
Napi::Value AwaitExecFifo(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int pidfd = info[1].As<Napi::Number>().Int32Value();
  Fd fifo(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fifo.get() < 0) ThrowErrno(info.Env(), errno, "open", path);
  for (;;) {
    struct pollfd fds[2] = {{fifo.get(), POLLIN, 0}, {pidfd, POLLIN, 0}};
    if (RetryEintr([&] { return poll(fds, 2, -1); }) < 0) ThrowErrno(info.Env(), errno, "poll", path);
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      char byte;
      ssize_t n = RetryEintr([&] { return read(fifo.get(), &byte, 1); });
      if (n == 1) return Napi::Boolean::New(info.Env(), true);
      if (n == 0) return Napi::Boolean::New(info.Env(), false);
      if (errno != EAGAIN) ThrowErrno(info.Env(), errno, "read", path);
    }
    // The init is gone: one last non-blocking read catches a byte written just before it exited.
    if (fds[1].revents & POLLIN) {
      char byte;
      return Napi::Boolean::New(info.Env(), read(fifo.get(), &byte, 1) == 1);
    }
  }
}

}  // namespace tsrun
