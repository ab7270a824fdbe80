// The file operations of src/fsys.ts for the compiled dist/tsrun. Bun's
// node:fs is a JavaScript builtin that costs ~1 ms and ~4 MB of RSS to load
// on every call (measured: a compiled program that only requires it, against
// one that does nothing); these are the syscalls themselves, one N-API call
// each. Errors are Node's fs errors to the letter (code, negative errno,
// syscall, path, dest and libuv's message), so callers and the CLI's output
// are the same on both engines.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "addon.h"
#include "fd.h"

namespace tsrun {
namespace {

// libuv's wording where it differs from strerror's; the rest is strerror in lower case.
const char* UvText(int err) {
  switch (err) {
    case EEXIST: return "file already exists";
    case EISDIR: return "illegal operation on a directory";
    case EBUSY: return "resource busy or locked";
    case ELOOP: return "too many symbolic links encountered";
    case EXDEV: return "cross-device link not permitted";
    case EAGAIN: return "resource temporarily unavailable";
    case ENOTSUP: return "operation not supported on socket";
    case EMFILE: return "too many open files";
    case EFAULT: return "bad address in system call argument";
    default: return nullptr;
  }
}

[[noreturn]] void ThrowFs(Napi::Env env, int err, const char* syscall, const std::string& path = "",
                          const std::string& dest = "") {
  std::string text;
  if (const char* uv = UvText(err)) {
    text = uv;
  } else {
    text = strerror(err);
    if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  const char* name = strerrorname_np(err);
  std::string code = name != nullptr ? name : "UNKNOWN";
  std::string msg = code + ": " + text + ", " + syscall;
  if (!path.empty()) msg += " '" + path + "'";
  if (!dest.empty()) msg += " -> '" + dest + "'";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("code", Napi::String::New(env, code));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  if (!dest.empty()) e.Set("dest", Napi::String::New(env, dest));
  throw e;
}

std::string Str(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::String>().Utf8Value(); }
int Int(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

// dev, ino, mode, nlink, uid, gid, rdev, size: the Stats fields src/fsys.ts gives.
Napi::Value StatArray(Napi::Env env, const struct stat& st) {
  const double v[] = {static_cast<double>(st.st_dev), static_cast<double>(st.st_ino), static_cast<double>(st.st_mode),
                      static_cast<double>(st.st_nlink), static_cast<double>(st.st_uid), static_cast<double>(st.st_gid),
                      static_cast<double>(st.st_rdev), static_cast<double>(st.st_size)};
  Napi::Array a = Napi::Array::New(env, std::size(v));
  for (size_t i = 0; i < std::size(v); i++) a.Set(i, v[i]);
  return a;
}

// Reads to EOF: /proc and cgroupfs files report size 0. A failed read names
// no path, as Node's.
std::string ReadAll(Napi::Env env, int fd) {
  std::string out;
  struct stat st;
  size_t chunk = fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 4096;
  for (;;) {
    size_t at = out.size();
    out.resize(at + chunk);
    ssize_t n = RetryEintr([&] { return read(fd, &out[at], chunk); });
    if (n < 0) ThrowFs(env, errno, "read");
    out.resize(at + static_cast<size_t>(n));
    if (n == 0) return out;
    chunk = std::max<size_t>(chunk, 4096);
  }
}

}  // namespace

// fsOpen(path, flags, mode): fd, close-on-exec as Node's.
Napi::Value FsOpen(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0);
  int fd = RetryEintr([&] { return open(path.c_str(), Int(info, 1) | O_CLOEXEC, static_cast<mode_t>(Int(info, 2))); });
  if (fd < 0) ThrowFs(info.Env(), errno, "open", path);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value FsClose(const Napi::CallbackInfo& info) {
  // A failed close still releases the fd (Linux): only EBADF is worth reporting.
  if (close(Int(info, 0)) < 0 && errno == EBADF) ThrowFs(info.Env(), EBADF, "close");
  return info.Env().Undefined();
}

// fsRead(fd, buf, offset, length, position): bytes read; position -1 reads at the file offset.
Napi::Value FsRead(const Napi::CallbackInfo& info) {
  Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
  size_t off = info[2].As<Napi::Number>().Uint32Value(), len = info[3].As<Napi::Number>().Uint32Value();
  int64_t pos = info[4].As<Napi::Number>().Int64Value();
  if (off + len > buf.ByteLength()) ThrowFs(info.Env(), EINVAL, "read");
  ssize_t n = RetryEintr([&] {
    return pos < 0 ? read(Int(info, 0), buf.Data() + off, len) : pread(Int(info, 0), buf.Data() + off, len, pos);
  });
  if (n < 0) ThrowFs(info.Env(), errno, "read");
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

// fsWrite(fd, data, offset): bytes written by one write(2) of data (a string: its UTF-8) from offset.
Napi::Value FsWrite(const Napi::CallbackInfo& info) {
  std::string text;
  const char* data;
  size_t size;
  if (info[1].IsString()) {
    text = Str(info, 1);
    data = text.data();
    size = text.size();
  } else {
    Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
    data = reinterpret_cast<const char*>(buf.Data());
    size = buf.ByteLength();
  }
  size_t off = info[2].As<Napi::Number>().Uint32Value();
  if (off > size) ThrowFs(info.Env(), EINVAL, "write");
  ssize_t n = RetryEintr([&] { return write(Int(info, 0), data + off, size - off); });
  if (n < 0) ThrowFs(info.Env(), errno, "write");
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

// fsReadFile(path | fd, text): the whole file, as a string (UTF-8) or a Buffer.
Napi::Value FsReadFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path, data;
  if (info[0].IsNumber()) {
    data = ReadAll(env, Int(info, 0));
  } else {
    path = Str(info, 0);
    Fd fd(RetryEintr([&] { return open(path.c_str(), O_RDONLY | O_CLOEXEC); }));
    if (fd.get() < 0) ThrowFs(env, errno, "open", path);
    data = ReadAll(env, fd.get());
  }
  if (info[1].ToBoolean()) return Napi::String::New(env, data);
  return Napi::Buffer<char>::Copy(env, data.data(), data.size());
}

// One path in, one syscall, nothing out.
template <typename F>
Napi::Value PathCall(const Napi::CallbackInfo& info, const char* syscall, F call) {
  std::string path = Str(info, 0);
  if (call(path.c_str()) < 0) ThrowFs(info.Env(), errno, syscall, path);
  return info.Env().Undefined();
}

Napi::Value FsMkdir(const Napi::CallbackInfo& info) {
  mode_t mode = static_cast<mode_t>(Int(info, 1));
  return PathCall(info, "mkdir", [mode](const char* p) { return mkdir(p, mode); });
}

Napi::Value FsRmdir(const Napi::CallbackInfo& info) { return PathCall(info, "rmdir", rmdir); }

Napi::Value FsUnlink(const Napi::CallbackInfo& info) { return PathCall(info, "unlink", unlink); }

Napi::Value FsChmod(const Napi::CallbackInfo& info) {
  mode_t mode = static_cast<mode_t>(Int(info, 1));
  return PathCall(info, "chmod", [mode](const char* p) { return chmod(p, mode); });
}

Napi::Value FsRename(const Napi::CallbackInfo& info) {
  std::string from = Str(info, 0), to = Str(info, 1);
  if (rename(from.c_str(), to.c_str()) < 0) ThrowFs(info.Env(), errno, "rename", from, to);
  return info.Env().Undefined();
}

// fsStat(path, followLinks, throwIfNoEntry): StatArray, or undefined for a missing path when asked.
Napi::Value FsStat(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0);
  bool follow = info[1].ToBoolean();
  struct stat st;
  if ((follow ? stat(path.c_str(), &st) : lstat(path.c_str(), &st)) < 0) {
    if ((errno == ENOENT || errno == ENOTDIR) && !info[2].ToBoolean()) return info.Env().Undefined();
    ThrowFs(info.Env(), errno, follow ? "stat" : "lstat", path);
  }
  return StatArray(info.Env(), st);
}

Napi::Value FsFstat(const Napi::CallbackInfo& info) {
  struct stat st;
  if (fstat(Int(info, 0), &st) < 0) ThrowFs(info.Env(), errno, "fstat");
  return StatArray(info.Env(), st);
}

// fsStatfs(path): the filesystem's type (f_type), all src/ asks of statfs.
Napi::Value FsStatfs(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0);
  struct statfs st;
  if (statfs(path.c_str(), &st) < 0) ThrowFs(info.Env(), errno, "statfs", path);
  return Napi::Number::New(info.Env(), static_cast<double>(st.f_type));
}

// fsReaddir(path): [name, d_type, name, d_type, ...] without . and ..
Napi::Value FsReaddir(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = Str(info, 0);
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) ThrowFs(env, errno, "scandir", path);
  std::vector<std::pair<std::string, int>> entries;
  errno = 0;
  while (struct dirent* e = readdir(dir)) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) entries.emplace_back(e->d_name, e->d_type);
  }
  int err = errno;
  closedir(dir);
  if (err != 0) ThrowFs(env, err, "scandir", path);
  Napi::Array a = Napi::Array::New(env, entries.size() * 2);
  for (size_t i = 0; i < entries.size(); i++) {
    a.Set(2 * i, Napi::String::New(env, entries[i].first));
    a.Set(2 * i + 1, Napi::Number::New(env, entries[i].second));
  }
  return a;
}

Napi::Value FsRealpath(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0);
  char out[PATH_MAX];
  if (realpath(path.c_str(), out) == nullptr) ThrowFs(info.Env(), errno, "realpath", path);
  return Napi::String::New(info.Env(), out);
}

// fsAccess(path, mode): whether access(2) allows it; never throws (existsSync).
Napi::Value FsAccess(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0);
  return Napi::Boolean::New(info.Env(), access(path.c_str(), Int(info, 1)) == 0);
}

}  // namespace tsrun
