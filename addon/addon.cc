// The export table, and nothing else (sharp's sharp.cc habit): the whole
// native surface fits on one screen. Types live in src/addon.ts.
#include "addon.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace tsrun;
  const struct { const char* name; Napi::Function::Callback fn; } table[] = {
      {"spawnInit", SpawnInit},
      {"sendMsg", SendMsg},
      {"recvMsg", RecvMsg},
      {"waitReadable", WaitReadableFd},
      {"pidfdOpen", PidfdOpen},
      {"pidfdSendSignal", PidfdSendSignal},
      {"waitPidfd", WaitPidfd},
      {"waitPidfdSync", WaitPidfdSync},
      {"forwardSignals", ForwardSignals},
      {"releaseSignals", ReleaseSignals},
      {"stopForwarding", StopForwarding},
      {"reapPidfd", ReapPidfd},
      {"setChildSubreaper", SetChildSubreaper},
      {"flock", Flock},
      {"mkfifo", Mkfifo},
      {"awaitExecFifo", AwaitExecFifo},
      {"connectUnix", ConnectUnix},
      {"sendFd", SendFd},
      {"socketPair", SocketPair},
      {"recvFd", RecvFd},
      {"bindUnixgram", BindUnixgram},
      {"awaitReady", AwaitReady},
      {"sdNotify", SdNotify},
      {"setWinsize", SetWinsize},
      {"makeRaw", MakeRaw},
      {"setTermios", SetTermios},
      {"seccompCompile", SeccompCompile},
      {"seccompVersion", SeccompVersion},
      {"moveNetDevice", MoveNetDevice},
      {"seccompFlagsSupported", SeccompFlagsSupported},
      {"schedSetaffinity", SchedSetaffinity},
      {"attachDeviceProgram", AttachDeviceProgram},
      {"fsOpen", FsOpen},
      {"fsClose", FsClose},
      {"fsRead", FsRead},
      {"fsWrite", FsWrite},
      {"fsReadFile", FsReadFile},
      {"fsMkdir", FsMkdir},
      {"fsRmdir", FsRmdir},
      {"fsUnlink", FsUnlink},
      {"fsRename", FsRename},
      {"fsChmod", FsChmod},
      {"fsStat", FsStat},
      {"fsFstat", FsFstat},
      {"fsStatfs", FsStatfs},
      {"fsReaddir", FsReaddir},
      {"fsRealpath", FsRealpath},
      {"fsAccess", FsAccess},
      {"oomEventfd", OomEventfd},
      {"inotifyModify", InotifyModify},
      {"awaitEvent", AwaitEvent},
  };
  for (const auto& e : table) exports.Set(e.name, Napi::Function::New(env, e.fn, e.name));
  return exports;
}

}  // namespace

NODE_API_MODULE(tsrun, Init)
