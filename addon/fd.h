// Small RAII and EINTR helpers shared by the addon's files.
#pragma once

#include <cerrno>
#include <unistd.h>

namespace tsrun {

// Owns one fd; closes it on every exit path (exceptions included).
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { if (fd_ >= 0) close(fd_); }
  int get() const { return fd_; }
  int release() { int fd = fd_; fd_ = -1; return fd; }
 private:
  int fd_;
};

// Retries a syscall interrupted by a signal (Node has handlers installed).
template <typename F>
auto RetryEintr(F f) -> decltype(f()) {
  decltype(f()) r;
  do r = f(); while (r < 0 && errno == EINTR);
  return r;
}

}  // namespace tsrun
