// The pty master tsrun relays for run/exec -t in the foreground: its window
// size follows tsrun's own terminal (SIGWINCH), as runc's console does.
#include <sys/ioctl.h>
#include <termios.h>

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

}  // namespace tsrun
