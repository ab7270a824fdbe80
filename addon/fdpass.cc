// --console-socket support: connect to the caller's AF_UNIX socket and pass
// the pty master over it with SCM_RIGHTS, as runc's utils.SendFile does.
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

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

Napi::Value SendFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  std::string name = info[2].As<Napi::String>().Utf8Value();
  // A stream socket drops ancillary data sent with zero bytes, so an empty
  // name still sends one NUL byte.
  iovec iov = {name.data(), name.empty() ? 1 : name.size()};
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
  if (RetryEintr([&] { return sendmsg(sock, &mh, MSG_NOSIGNAL); }) < 0) ThrowErrno(env, errno, "sendmsg");
  return env.Undefined();
}

}  // namespace tsrun
