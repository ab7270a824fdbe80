// The one way the addon reports a failed syscall: an Error shaped like Node's
// own system errors ({code: 'EPERM', errno: -1, syscall, path?}), so callers
// branch on err.code exactly as they do for fs errors. errno is negative, as
// in Node (util.getSystemErrorName(err.errno) works). Message:
// "<syscall> <path>: <strerror>" (no path → "<syscall>: <strerror>").
#pragma once

#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace tsrun {

inline Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall,
                              const std::string& path = "") {
  std::string msg = syscall;
  if (!path.empty()) msg += " " + path;
  msg += ": ";
  msg += strerror(err);
  Napi::Error e = Napi::Error::New(env, msg);
  const char* name = strerrorname_np(err);
  e.Set("code", Napi::String::New(env, name != nullptr ? name : "UNKNOWN"));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  return e;
}

[[noreturn]] inline void ThrowErrno(Napi::Env env, int err, const char* syscall,
                                    const std::string& path = "") {
  throw ErrnoError(env, err, syscall, path);
}

}  // namespace tsrun
