// Every function the addon exports, one line each; addon.cc registers them.
// Grouped by the file that defines them.
#pragma once

#include <napi.h>

namespace tsrun {

// spawn.cc
Napi::Value SpawnInit(const Napi::CallbackInfo& info);
// msg.cc
Napi::Value SendMsg(const Napi::CallbackInfo& info);
Napi::Value RecvMsg(const Napi::CallbackInfo& info);
Napi::Value WaitReadableFd(const Napi::CallbackInfo& info);
// pidfd.cc
Napi::Value PidfdOpen(const Napi::CallbackInfo& info);
Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info);
Napi::Value WaitPidfd(const Napi::CallbackInfo& info);
Napi::Value WaitPidfdSync(const Napi::CallbackInfo& info);
Napi::Value ForwardSignals(const Napi::CallbackInfo& info);
Napi::Value ReleaseSignals(const Napi::CallbackInfo& info);
Napi::Value StopForwarding(const Napi::CallbackInfo& info);
Napi::Value ReapPidfd(const Napi::CallbackInfo& info);
Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info);
Napi::Value SchedSetaffinity(const Napi::CallbackInfo& info);
// files.cc
Napi::Value Flock(const Napi::CallbackInfo& info);
Napi::Value Mkfifo(const Napi::CallbackInfo& info);
Napi::Value AwaitExecFifo(const Napi::CallbackInfo& info);
// fsops.cc
Napi::Value FsOpen(const Napi::CallbackInfo& info);
Napi::Value FsClose(const Napi::CallbackInfo& info);
Napi::Value FsRead(const Napi::CallbackInfo& info);
Napi::Value FsWrite(const Napi::CallbackInfo& info);
Napi::Value FsReadFile(const Napi::CallbackInfo& info);
Napi::Value FsMkdir(const Napi::CallbackInfo& info);
Napi::Value FsRmdir(const Napi::CallbackInfo& info);
Napi::Value FsUnlink(const Napi::CallbackInfo& info);
Napi::Value FsRename(const Napi::CallbackInfo& info);
Napi::Value FsChmod(const Napi::CallbackInfo& info);
Napi::Value FsStat(const Napi::CallbackInfo& info);
Napi::Value FsFstat(const Napi::CallbackInfo& info);
Napi::Value FsStatfs(const Napi::CallbackInfo& info);
Napi::Value FsReaddir(const Napi::CallbackInfo& info);
Napi::Value FsRealpath(const Napi::CallbackInfo& info);
Napi::Value FsAccess(const Napi::CallbackInfo& info);
// fdpass.cc
Napi::Value ConnectUnix(const Napi::CallbackInfo& info);
Napi::Value SendFd(const Napi::CallbackInfo& info);
// sendmsg of data with one fd as SCM_RIGHTS (EINTR retried); -1 and errno on failure.
ssize_t SendWithFd(int sock, const void* data, size_t len, int fd);
Napi::Value SocketPair(const Napi::CallbackInfo& info);
Napi::Value RecvFd(const Napi::CallbackInfo& info);
// notify.cc
Napi::Value BindUnixgram(const Napi::CallbackInfo& info);
Napi::Value AwaitReady(const Napi::CallbackInfo& info);
Napi::Value SdNotify(const Napi::CallbackInfo& info);
// tty.cc
Napi::Value SetWinsize(const Napi::CallbackInfo& info);
Napi::Value MakeRaw(const Napi::CallbackInfo& info);
Napi::Value SetTermios(const Napi::CallbackInfo& info);
// seccomp.cc
Napi::Value SeccompCompile(const Napi::CallbackInfo& info);
Napi::Value SeccompVersion(const Napi::CallbackInfo& info);
Napi::Value SeccompFlagsSupported(const Napi::CallbackInfo& info);
// bpf.cc
Napi::Value AttachDeviceProgram(const Napi::CallbackInfo& info);
// cgroup-events.cc
Napi::Value OomEventfd(const Napi::CallbackInfo& info);
Napi::Value InotifyModify(const Napi::CallbackInfo& info);
Napi::Value AwaitEvent(const Napi::CallbackInfo& info);
// netdev.cc
Napi::Value MoveNetDevice(const Napi::CallbackInfo& info);

}  // namespace tsrun
