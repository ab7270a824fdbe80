// The pty master tsrun relays for run/exec -t in the foreground: its window
// size follows tsrun's own terminal (SIGWINCH), as runc's console does.
#include <sys/ioctl.h>
#include <termios.h>

#include <cstring>

#include "addon.h"
#include "errors.h"

namespace tsrun {

Napi::Value SetWinsize(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  winsize ws = {};
  ws.ws_col = static_cast<unsigned short>(info[1].As<Napi::Number>().Uint32Value());
  ws.ws_row = static_cast<unsigned short>(info[2].As<Napi::Number>().Uint32Value());
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) ThrowErrno(info.Env(), errno, "ioctl TIOCSWINSZ");
  return info.Env().Undefined();
}

// cfmakeraw, as runc's console.SetRaw: unlike libuv's raw mode it also
// clears OPOST, so the process's own "\r\n" is not turned into "\r\r\n".
// Returns the previous termios for SetTermios to put back.
Napi::Value MakeRaw(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  termios old;
  if (tcgetattr(fd, &old) < 0) ThrowErrno(info.Env(), errno, "tcgetattr");
  termios raw = old;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSANOW, &raw) < 0) ThrowErrno(info.Env(), errno, "tcsetattr");
  return Napi::Buffer<char>::Copy(info.Env(), reinterpret_cast<char*>(&old), sizeof old);
}

Napi::Value SetTermios(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<char> saved = info[1].As<Napi::Buffer<char>>();
  termios t;
  if (saved.Length() != sizeof t) ThrowErrno(info.Env(), EINVAL, "tcsetattr");
  memcpy(&t, saved.Data(), sizeof t);
  if (tcsetattr(fd, TCSANOW, &t) < 0) ThrowErrno(info.Env(), errno, "tcsetattr");
  return info.Env().Undefined();
}

}  // namespace tsrun
