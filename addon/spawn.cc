// spawnInit: start tsrun-init (optionally in new namespaces) without running
// any of our own code in a copy of Node. Forking a multi-threaded Node is
// unsafe and costs in proportion to its RSS, so we clone with CLONE_VM|
// CLONE_VFORK: the child borrows our memory for the few instructions until
// execveat, and we sleep until it has exec'd or died (ARCHITECTURE.md).
// Given a cgroup2 directory, the child is created in it (clone3 with
// CLONE_INTO_CGROUP): no moment outside its cgroup, and no cgroup.procs write.
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "fd.h"

namespace tsrun {
namespace {

struct SpawnArgs {
  std::string initPath;
  int cloneFlags;
  std::vector<int> inheritFds;
  std::string cgroupDir;  // empty: the child starts in our cgroups
};

// Everything the child reads is prepared here by the parent: the child runs
// on our memory and must not allocate, take locks or throw.
struct ChildCtx {
  int memfd;
  const std::vector<int>* clearCloexec;  // inheritFds + the child's socket end
  char* const* argv;
  // Written by the child only when it fails before exec; CLONE_VFORK means we
  // read it after the child is gone, so there is no race.
  const char* failedCall;
  int failedErrno;
};

int ChildMain(void* p) {
  auto* c = static_cast<ChildCtx*>(p);
  static char* const kEmptyEnv[] = {nullptr};
  // The child's fd table is a copy (no CLONE_FILES): clearing CLOEXEC here
  // leaves the parent's fds as they are.
  for (int fd : *c->clearCloexec) {
    if (fcntl(fd, F_SETFD, 0) < 0) {
      c->failedCall = "fcntl";
      c->failedErrno = errno;
      _exit(127);
    }
  }
  execveat(c->memfd, "", c->argv, kEmptyEnv, AT_EMPTY_PATH);
  c->failedCall = "execveat";
  c->failedErrno = errno;
  _exit(127);
}

// A sealed, close-on-exec in-memory copy of the init: /proc/PID/exe in the
// container is then never node and never a writable host file
// (CVE-2019-5736, the runc /proc/self/exe overwrite).
int SealedCopy(Napi::Env env, const std::string& path) {
  Fd src(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (src.get() < 0) ThrowErrno(env, errno, "open", path);
  struct stat st;
  if (fstat(src.get(), &st) < 0) ThrowErrno(env, errno, "fstat", path);
  Fd mem(memfd_create("tsrun-init", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (mem.get() < 0) ThrowErrno(env, errno, "memfd_create", path);
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = RetryEintr([&] { return sendfile(mem.get(), src.get(), &done, st.st_size - done); });
    if (n < 0) ThrowErrno(env, errno, "sendfile", path);
    if (n == 0) ThrowErrno(env, EIO, "sendfile", path);  // file shrank under us
  }
  int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (fcntl(mem.get(), F_ADD_SEALS, seals) < 0) ThrowErrno(env, errno, "fcntl F_ADD_SEALS", path);
  return mem.release();
}

// The child's stack: private, sized for a handful of syscalls.
class Stack {
 public:
  static constexpr size_t kSize = 64 * 1024;
  explicit Stack(Napi::Env env) {
    base_ = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base_ == MAP_FAILED) ThrowErrno(env, errno, "mmap");
  }
  ~Stack() { munmap(base_, kSize); }
  void* base() const { return base_; }
  void* top() const { return static_cast<char*>(base_) + kSize; }
 private:
  void* base_;
};

struct Spawned { pid_t pid; int pidfd; bool intoCgroup; };

// clone3 returns in the child on the new stack, where no C++ frame of ours
// exists, so the child's side must be assembly (glibc keeps its clone3
// wrapper private): align the stack, call fn(arg), exit with its result.
// rdx (fn) and r8 (arg) survive the syscall; rcx and r11 do not.
// long tsrun_clone3(clone_args*, size_t, int (*fn)(void*), void* arg): pid or -errno.
extern "C" long tsrun_clone3(clone_args* args, size_t size, int (*fn)(void*), void* arg);
asm(R"(
  .text
  .globl tsrun_clone3
  .hidden tsrun_clone3
  .type tsrun_clone3, @function
tsrun_clone3:
  mov %rcx, %r8
  mov $435, %eax
  syscall
  test %rax, %rax
  jz 1f
  ret
1:
  xor %ebp, %ebp
  and $-16, %rsp
  mov %r8, %rdi
  call *%rdx
  mov %eax, %edi
  mov $60, %eax
  syscall
  hlt
  .size tsrun_clone3, .-tsrun_clone3
)");

// What a kernel without clone3 (ENOSYS, also a seccomp filter's answer for
// a syscall it does not know), or without CLONE_INTO_CGROUP (5.3-5.6: E2BIG
// for the larger clone_args, EINVAL for the flag) says. Anything else (EBUSY
// for a cgroup with controllers in its subtree, EBADF for a v1 directory) is
// the same refusal a cgroup.procs write would get, and is thrown.
bool Unsupported(int err) { return err == ENOSYS || err == E2BIG || err == EINVAL; }

// Every signal is blocked around the clone: a Node handler running on the
// child's side of our shared memory would corrupt the parent. The init
// unblocks them after exec.
class SignalsBlocked {
 public:
  SignalsBlocked() { sigset_t all; sigfillset(&all); pthread_sigmask(SIG_SETMASK, &all, &old_); }
  ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
 private:
  sigset_t old_;
};

// Clones and waits (CLONE_VFORK) until the child has exec'd or failed.
Spawned CloneExec(Napi::Env env, const SpawnArgs& a, ChildCtx* ctx) {
  Stack stack(env);
  int pidfd = -1;
  uint64_t flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | static_cast<uint32_t>(a.cloneFlags);
  if (!a.cgroupDir.empty()) {
    Fd dir(open(a.cgroupDir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) ThrowErrno(env, errno, "open", a.cgroupDir);
    clone_args args = {};
    args.flags = flags | CLONE_INTO_CGROUP;
    args.pidfd = reinterpret_cast<uintptr_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    args.stack = reinterpret_cast<uintptr_t>(stack.base());
    args.stack_size = Stack::kSize;
    args.cgroup = static_cast<uint64_t>(dir.get());
    long pid;
    {
      SignalsBlocked blocked;
      pid = tsrun_clone3(&args, sizeof args, ChildMain, ctx);
    }
    if (pid >= 0) return {static_cast<pid_t>(pid), pidfd, true};
    if (!Unsupported(static_cast<int>(-pid))) ThrowErrno(env, static_cast<int>(-pid), "clone3", a.cgroupDir);
  }
  pid_t pid;
  int err;
  {
    SignalsBlocked blocked;
    pid = clone(ChildMain, stack.top(), static_cast<int>(flags) | SIGCHLD, ctx, &pidfd);
    err = errno;
  }
  if (pid < 0) ThrowErrno(env, err, "clone", a.initPath);
  return {pid, pidfd, false};
}

SpawnArgs Unpack(const Napi::CallbackInfo& info) {
  SpawnArgs a;
  a.initPath = info[0].As<Napi::String>().Utf8Value();
  a.cloneFlags = static_cast<int>(info[1].As<Napi::Number>().Uint32Value());
  Napi::Array fds = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < fds.Length(); i++)
    a.inheritFds.push_back(fds.Get(i).As<Napi::Number>().Int32Value());
  if (info.Length() > 3 && info[3].IsString()) a.cgroupDir = info[3].As<Napi::String>().Utf8Value();
  return a;
}

}  // namespace

Napi::Value SpawnInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SpawnArgs a = Unpack(info);
  // clone() takes the exit signal in the low byte (CSIGNAL); a flag there
  // (CLONE_NEWTIME is 0x80) would silently become a signal number.
  if (a.cloneFlags & CSIGNAL) ThrowErrno(env, EINVAL, "clone", a.initPath);
  // Check the fds here, where a bad one can be named, not in the child.
  for (int fd : a.inheritFds)
    if (fcntl(fd, F_GETFD) < 0) ThrowErrno(env, errno, "fcntl", "fd " + std::to_string(fd));

  Fd mem(SealedCopy(env, a.initPath));
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) ThrowErrno(env, errno, "socketpair");
  Fd ours(sv[0]), theirs(sv[1]);

  std::vector<int> clear = a.inheritFds;
  clear.push_back(theirs.get());
  std::string sockArg = std::to_string(theirs.get());
  char* argv[] = {const_cast<char*>("tsrun-init"), sockArg.data(), nullptr};
  ChildCtx ctx = {mem.get(), &clear, argv, nullptr, 0};

  Spawned s = CloneExec(env, a, &ctx);
  if (ctx.failedCall != nullptr) {
    // The child has already _exit(127)ed; reap it so no zombie is left.
    siginfo_t si;
    RetryEintr([&] { return waitid(P_PIDFD, s.pidfd, &si, WEXITED); });
    close(s.pidfd);
    ThrowErrno(env, ctx.failedErrno, ctx.failedCall, a.initPath);
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("pid", s.pid);
  r.Set("pidfd", s.pidfd);
  r.Set("sock", ours.release());
  r.Set("intoCgroup", s.intoCgroup);
  return r;
}

}  // namespace tsrun
