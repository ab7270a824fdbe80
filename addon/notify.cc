// sd_notify proxying (NOTIFY_SOCKET), as runc's notify_socket.go: the
// container gets a datagram socket of its own (bound in the state dir,
// bind-mounted at /run/notify); tsrun waits for its READY= and passes it on
// to the host's socket with MAINPID and a BARRIER (sd_notify_barrier), so the
// service manager knows the service is up and which process to watch.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "addon.h"
#include "errors.h"
#include "fd.h"

namespace tsrun {
namespace {

// A leading '@' names an abstract socket, as systemd and Go write it.
socklen_t UnixAddr(Napi::Env env, const std::string& path, sockaddr_un* addr) {
  *addr = {};
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr->sun_path) ThrowErrno(env, ENAMETOOLONG, "socket", path);
  memcpy(addr->sun_path, path.data(), path.size());
  if (path[0] == '@') addr->sun_path[0] = 0;
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));
}

void SendAll(Napi::Env env, int sock, const std::string& msg, const std::string& path) {
  if (RetryEintr([&] { return send(sock, msg.data(), msg.size(), MSG_NOSIGNAL); }) < 0) ThrowErrno(env, errno, "send", path);
}

// The barrier: a pipe's write end travels with BARRIER=1; the manager
// closes it once it has processed everything sent before.
void Barrier(Napi::Env env, int sock, const std::string& path, int timeoutMs) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) ThrowErrno(env, errno, "pipe2");
  Fd r(p[0]), w(p[1]);
  static const char kBarrier[] = "BARRIER=1";
  if (SendWithFd(sock, kBarrier, sizeof kBarrier - 1, w.get()) < 0) ThrowErrno(env, errno, "sendmsg", path);
  close(w.release());  // ours must go, or the manager closing its copy is no hang-up
  pollfd pfd = {r.get(), POLLHUP, 0};
  int n = RetryEintr([&] { return poll(&pfd, 1, timeoutMs); });
  if (n < 0) ThrowErrno(env, errno, "poll", path);
  if (n == 0) ThrowErrno(env, ETIMEDOUT, "sd_notify barrier", path);
}

}  // namespace

Napi::Value BindUnixgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  sockaddr_un addr;
  socklen_t len = UnixAddr(env, path, &addr);
  Fd sock(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) ThrowErrno(env, errno, "socket", path);
  if (bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), len) < 0) ThrowErrno(env, errno, "bind", path);
  // Any user in the container may notify, as with runc.
  if (chmod(path.c_str(), 0777) < 0) ThrowErrno(env, errno, "chmod", path);
  return Napi::Number::New(env, sock.release());
}

// Reads datagrams until one has a READY= line (returned) or the process
// behind pidfd has exited (null), whichever comes first.
Napi::Value AwaitReady(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  int pidfd = info[1].As<Napi::Number>().Int32Value();
  char buf[4096];
  for (;;) {
    pollfd fds[2] = {{sock, POLLIN, 0}, {pidfd, POLLIN, 0}};
    if (RetryEintr([&] { return poll(fds, 2, -1); }) < 0) ThrowErrno(env, errno, "poll");
    if (fds[0].revents & POLLIN) {
      ssize_t n = RetryEintr([&] { return recv(sock, buf, sizeof buf, MSG_DONTWAIT); });
      if (n < 0 && errno != EAGAIN) ThrowErrno(env, errno, "recv");
      std::string msg(buf, n > 0 ? n : 0);
      for (size_t at = 0; at < msg.size();) {
        size_t end = msg.find('\n', at);
        if (end == std::string::npos) end = msg.size();
        if (msg.compare(at, 6, "READY=") == 0) return Napi::String::New(env, msg.substr(at, end - at));
        at = end + 1;
      }
      continue;
    }
    if (fds[1].revents & POLLIN) return env.Null();
  }
}

// Sends each message as one datagram to the socket at path, then waits for
// the barrier (up to timeoutMs).
Napi::Value SdNotify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Array msgs = info[1].As<Napi::Array>();
  int timeoutMs = info[2].As<Napi::Number>().Int32Value();
  sockaddr_un addr;
  socklen_t len = UnixAddr(env, path, &addr);
  Fd sock(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) ThrowErrno(env, errno, "socket", path);
  if (connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), len) < 0) ThrowErrno(env, errno, "connect", path);
  for (uint32_t i = 0; i < msgs.Length(); i++) SendAll(env, sock.get(), msgs.Get(i).As<Napi::String>().Utf8Value(), path);
  Barrier(env, sock.get(), path, timeoutMs);
  return env.Undefined();
}

}  // namespace tsrun
