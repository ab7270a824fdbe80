// sendMsg / recvMsg: the parent's side of the tsrun-init sync protocol. One
// SOCK_SEQPACKET message = u32 LE type + payload; the socket keeps message
// boundaries, so no length prefix is needed.
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "addon.h"
#include "errors.h"
#include "fd.h"

namespace tsrun {
namespace {

void PutLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint32_t GetLe32(const uint8_t* p) {
  return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
}

constexpr size_t kMaxFds = 4;

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

// Waits until sock is readable (or hung up); false on timeout. Signals
// (EINTR) do not restart the clock.
bool WaitReadable(Napi::Env env, int sock, int timeoutMs) {
  int64_t deadline = timeoutMs < 0 ? -1 : NowMs() + timeoutMs;
  for (;;) {
    int left = deadline < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, deadline - NowMs()));
    pollfd p = {sock, POLLIN, 0};
    int n = poll(&p, 1, left);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) ThrowErrno(env, errno, "poll");
  }
}

// The fds an SCM_RIGHTS message brought (CLOEXEC already), as a JS array;
// the caller owns them.
Napi::Array ReceivedFds(Napi::Env env, msghdr* mh) {
  Napi::Array fds = Napi::Array::New(env);
  for (cmsghdr* cm = CMSG_FIRSTHDR(mh); cm != nullptr; cm = CMSG_NXTHDR(mh, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
      fds.Set(fds.Length(), fd);
    }
  }
  return fds;
}

}  // namespace

Napi::Value SendMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  uint32_t type = info[1].As<Napi::Number>().Uint32Value();
  uint8_t head[4];
  PutLe32(head, type);
  // Two iovecs: the payload goes out straight from the JS buffer, uncopied.
  iovec iov[2] = {{head, sizeof head}, {nullptr, 0}};
  if (info.Length() > 2 && info[2].IsTypedArray()) {
    Napi::Uint8Array payload = info[2].As<Napi::Uint8Array>();
    iov[1] = {payload.Data(), payload.ByteLength()};
  }
  msghdr mh = {};
  mh.msg_iov = iov;
  mh.msg_iovlen = 2;
  // MSG_NOSIGNAL: a dead init must give EPIPE here, not SIGPIPE.
  if (RetryEintr([&] { return sendmsg(sock, &mh, MSG_NOSIGNAL); }) < 0) ThrowErrno(env, errno, "sendmsg");
  return env.Undefined();
}

Napi::Value RecvMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  int timeoutMs = info[1].As<Napi::Number>().Int32Value();
  if (!WaitReadable(env, sock, timeoutMs)) ThrowErrno(env, ETIMEDOUT, "recvmsg");
  // MSG_PEEK|MSG_TRUNC returns the queued message's full size (Linux >= 3.4
  // for SEQPACKET), so the payload buffer is allocated exactly once.
  ssize_t size = RetryEintr([&] { return recv(sock, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT); });
  // ECONNRESET: the init exited with our messages unread; for us that is EOF.
  if (size == 0 || (size < 0 && errno == ECONNRESET)) return env.Null();
  if (size < 0) ThrowErrno(env, errno, "recvmsg");
  if (size < 4) ThrowErrno(env, EBADMSG, "recvmsg");

  uint8_t head[4];
  Napi::Buffer<uint8_t> payload = Napi::Buffer<uint8_t>::New(env, size - 4);
  iovec iov[2] = {{head, sizeof head}, {payload.Data(), payload.Length()}};
  // Room for the few fds a message may carry (the seccomp listener's).
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxFds * sizeof(int))];
  msghdr mh = {};
  mh.msg_iov = iov;
  mh.msg_iovlen = 2;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t n = RetryEintr([&] { return recvmsg(sock, &mh, MSG_CMSG_CLOEXEC); });
  if (n < 0) ThrowErrno(env, errno, "recvmsg");
  Napi::Object r = Napi::Object::New(env);
  r.Set("type", GetLe32(head));
  r.Set("payload", payload);
  r.Set("fds", ReceivedFds(env, &mh));
  return r;
}

// For the D-Bus client (src/cgroups/dbus.ts), which reads its stream
// socket with plain blocking read(2) once this says data is there.
Napi::Value WaitReadableFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int timeoutMs = info[1].As<Napi::Number>().Int32Value();
  return Napi::Boolean::New(env, WaitReadable(env, fd, timeoutMs));
}

}  // namespace tsrun
