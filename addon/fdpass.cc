// --console-socket support: connect to the caller's AF_UNIX socket and pass
// the pty master over it with SCM_RIGHTS, as runc's utils.SendFile does; and
// the receiving end, for the pty tsrun relays itself (run/exec -t in the
// foreground), over a socketpair.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "fd.h"

namespace tsrun {

Napi::Value ConnectUnix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) ThrowErrno(env, ENAMETOOLONG, "connect", path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) ThrowErrno(env, errno, "socket", path);
  // connect is not restartable after EINTR on a stream socket; a signal
  // here is a real failure.
  if (connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    ThrowErrno(env, errno, "connect", path);
  return Napi::Number::New(env, sock.release());
}

ssize_t SendWithFd(int sock, const void* data, size_t len, int fd) {
  iovec iov = {const_cast<void*>(data), len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  cmsghdr* cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  return RetryEintr([&] { return sendmsg(sock, &mh, MSG_NOSIGNAL); });
}

Napi::Value SendFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  std::string name = info[2].As<Napi::String>().Utf8Value();
  // A stream socket drops ancillary data sent with zero bytes, so an empty
  // name still sends one NUL byte.
  if (SendWithFd(sock, name.c_str(), name.empty() ? 1 : name.size(), fd) < 0) ThrowErrno(env, errno, "sendmsg");
  return env.Undefined();
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) ThrowErrno(info.Env(), errno, "socketpair");
  Napi::Array r = Napi::Array::New(info.Env(), 2);
  r.Set(0u, sv[0]);
  r.Set(1u, sv[1]);
  return r;
}

// Receives one message carrying exactly one fd (the console socket's shape);
// the fd arrives close-on-exec. Anything else is EBADMSG, with any fds that
// did arrive closed.
Napi::Value RecvFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  char name[4096];
  iovec iov = {name, sizeof name};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
  msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t n = RetryEintr([&] { return recvmsg(sock, &mh, MSG_CMSG_CLOEXEC); });
  if (n < 0) ThrowErrno(env, errno, "recvmsg");
  std::vector<int> fds;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm != nullptr; cm = CMSG_NXTHDR(&mh, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
      fds.push_back(fd);
    }
  }
  if (fds.size() != 1 || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
    for (int fd : fds) close(fd);
    ThrowErrno(env, EBADMSG, "recvmsg");
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("fd", fds[0]);
  r.Set("name", Napi::String::New(env, name, n));
  return r;
}

}  // namespace tsrun
