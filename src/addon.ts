// The only importer of the native addon (build/Release/tsrun.node). The
// .node file is loaded on first use, not on import, so commands that never
// touch a syscall (state, list, spec) pay nothing for it.
//
// Native errors are shaped like Node's system errors: {code: 'EPERM',
// errno: -1 (negative, as Node's), syscall, path?}, message
// "<syscall> <path>: <strerror>". Branch on err.code.

import * as path from './paths'
import { besideExecutable, compiled } from './engine'
import { TsrunError } from './errors'

/** intoCgroup: the child was created in spawnInit's cgroupDir (clone3 CLONE_INTO_CGROUP). */
export interface SpawnResult { pid: number; pidfd: number; sock: number; intoCgroup: boolean }
/** How a process ended: exactly one of the two is a number. */
export interface ExitStatus { code: number | null; signal: number | null }
/** One init message; `fds` came with it as SCM_RIGHTS (CLOEXEC, the caller closes them). */
export interface Message { type: number; payload: Buffer; fds: number[] }

export interface SeccompArg { index: number; op: number; value: bigint; valueTwo: bigint }
export interface SeccompRule { syscall: string; action: number; errno: number; args: SeccompArg[] }
/** Numbers are libseccomp's raw values (SCMP_ACT_*, SCMP_ARCH_*, SCMP_CMP_*), see SCMP below. */
export interface SeccompProfile { defaultAction: number; defaultErrno: number; architectures: number[]; rules: SeccompRule[] }

export interface Addon {
  /**
   * Starts `initPath` from a sealed memfd copy, as `tsrun-init <sockfd>` with an empty environment, via
   * clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD|cloneFlags); returns once it has exec'd. Only the child's
   * socket end and `inheritFds` survive the exec (the parent's copies stay CLOEXEC). pidfd and sock are CLOEXEC.
   * cloneFlags may not use the low byte (CLONE_NEWTIME is 0x80, clone() reads it as the exit signal): EINVAL.
   * cgroupDir, a cgroup2 directory: the child is created in it by clone3(CLONE_INTO_CGROUP), or, where the
   * kernel has no clone3 or no CLONE_INTO_CGROUP (ENOSYS, E2BIG, EINVAL), by clone() in our cgroup
   * (intoCgroup false: the caller moves it). Any other refusal throws (syscall 'clone3').
   */
  spawnInit(initPath: string, cloneFlags: number, inheritFds: number[], cgroupDir?: string): SpawnResult
  /** Sends one SEQPACKET message: u32 LE type + payload. */
  sendMsg(sock: number, type: number, payload?: Uint8Array): void
  /** Receives one message; null when the peer has closed. timeoutMs -1 waits forever; throws ETIMEDOUT. */
  recvMsg(sock: number, timeoutMs: number): Message | null
  /** poll(2) for POLLIN (or hang-up) on fd; false after timeoutMs. */
  waitReadable(fd: number, timeoutMs: number): boolean
  pidfdOpen(pid: number): number
  pidfdSendSignal(pidfd: number, sig: number): void
  /** Waits (on the libuv threadpool) for the process to exit and reaps it. */
  waitPidfd(pidfd: number): Promise<ExitStatus>
  /** Waits on this thread for the process to exit and reaps it: for a wait with nothing else to do. */
  waitPidfdSync(pidfd: number): ExitStatus
  /**
   * Until stopForwarding(), each of `signals` (1..63) tsrun gets is sent on to the process behind
   * pidfd by a native handler (so also while this thread blocks): held until releaseSignals(), then
   * at once. The previous dispositions are kept and restored.
   */
  forwardSignals(pidfd: number, signals: number[]): void
  releaseSignals(): void
  stopForwarding(): void
  /** Reaps the process if it has exited; null while it runs. */
  reapPidfd(pidfd: number): ExitStatus | null
  setChildSubreaper(): void
  /** flock(2); op from LOCK_*; with LOCK_NB a held lock throws EWOULDBLOCK (=== EAGAIN). */
  flock(fd: number, op: number): void
  mkfifo(path: string, mode: number): void
  /**
   * Opens the exec fifo for reading (non-blocking) and waits until the init writes its byte (true) or
   * the process behind pidfd exits / closes the fifo without writing (false).
   */
  awaitExecFifo(path: string, pidfd: number): boolean
  /** Connects an AF_UNIX SOCK_STREAM socket (CLOEXEC) and returns its fd. */
  connectUnix(path: string): number
  /** Sends `fd` with SCM_RIGHTS in one message whose data is `name`. */
  sendFd(sock: number, fd: number, name: string): void
  /** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC). */
  socketPair(): [number, number]
  /** Receives one message carrying exactly one fd (CLOEXEC), else EBADMSG. */
  recvFd(sock: number): { fd: number; name: string }
  /** A SOCK_DGRAM socket bound at path (a leading '@': abstract), mode 0777; CLOEXEC. */
  bindUnixgram(path: string): number
  /** Reads datagrams until a READY= line arrives (returned) or the process behind pidfd exits (null). */
  awaitReady(sock: number, pidfd: number): string | null
  /** Sends each message as one datagram to the socket at path, then an sd_notify barrier (ETIMEDOUT after timeoutMs). */
  sdNotify(path: string, messages: string[], timeoutMs: number): void
  /** ioctl TIOCSWINSZ on a terminal fd. */
  setWinsize(fd: number, columns: number, rows: number): void
  /** cfmakeraw on a terminal (OPOST off too, unlike libuv's raw mode); returns the termios it replaced. */
  makeRaw(fd: number): Buffer
  /** Puts back a termios makeRaw returned. */
  setTermios(fd: number, saved: Buffer): void
  /**
   * Compiles a profile to raw BPF (struct sock_filter[], 8 bytes each) with libseccomp. Skips syscall
   * names libseccomp does not know and rules whose action is the default, as runc does; under a refusing
   * default, prepends runc's stub giving ENOSYS to syscalls newer than the profile. A rule libseccomp
   * refuses throws with `rule`, its index.
   */
  seccompCompile(profile: SeccompProfile): Buffer
  /**
   * An eventfd (non-blocking, CLOEXEC) registered through dir/cgroup.event_control for dir/memory.oom_control
   * (cgroup v1): signalled on each OOM in the memory cgroup at dir, and when the cgroup is removed.
   */
  oomEventfd(dir: string): number
  /** An inotify fd (non-blocking, CLOEXEC) with an IN_MODIFY watch on each path (cgroup2's *.events files). */
  inotifyModify(paths: string[]): number
  /**
   * Waits on the libuv threadpool until fd is readable ("event", fd drained), the process behind pidfd has
   * exited ("exit"), or timeoutMs passed ("timeout"; -1 waits forever). fd -1: only exit or timeout.
   */
  awaitEvent(fd: number, pidfd: number, timeoutMs: number): Promise<'event' | 'exit' | 'timeout'>
  /** libseccomp's version, e.g. "2.5.4". */
  seccompVersion(): string
  /**
   * Moves host interface `name` into the network namespace at `netnsPath` as `newName`, with its
   * permanent global addresses, and sets it up there. Throws with syscall = the step ("find link",
   * "link down", "move to the container's network namespace", "add address", "link up").
   */
  moveNetDevice(name: string, newName: string, netnsPath: string): void
  /** Whether this kernel's seccomp(2) accepts these SECCOMP_FILTER_FLAG_* bits together. */
  seccompFlagsSupported(flags: number): boolean
  /** sched_setaffinity(2) of `pid` to exactly these CPUs. */
  schedSetaffinity(pid: number, cpus: number[]): void
  /**
   * Loads `insns` (struct bpf_insn array) as a BPF_PROG_TYPE_CGROUP_DEVICE
   * program and attaches it to the cgroup v2 directory `cgroupDir`
   * (BPF_F_ALLOW_MULTI). Errors: "bpf prog load <verifier's last line>", "bpf prog attach <dir>".
   */
  attachDeviceProgram(cgroupDir: string, insns: Buffer): void
}

// dist/tsrun.js (the bundle) and src/addon.ts (tests) both sit one level below the package root;
// the compiled dist/tsrun has copies beside it (.ci/postbuild.mjs).
const beside = (file: string) => compiled ? besideExecutable(file) : path.join(__dirname, '..', 'build', 'Release', file)
export const addonPath = beside('tsrun.node')
/** The init program spawnInit runs; built next to the addon. */
export const initPath = beside('tsrun-init')

let native: Addon | undefined

function load(): Addon {
  if (native !== undefined) return native
  // process.dlopen, not require: the path is known, and under Bun the first
  // require() of a file sets up its module resolver (0.3 ms of every call
  // that uses the addon, measured).
  const mod = { exports: {} as Addon }
  try {
    process.dlopen(mod, addonPath)
    native = mod.exports
  } catch (err) {
    // node:fs here, not ./fsys: that is the addon.
    if (!(require('fs') as typeof import('fs')).existsSync(addonPath)) {
      throw new TsrunError('system', 'native addon not built: run npm run build', { cause: err })
    }
    // Most often a missing shared library (libseccomp.so.2); dlopen's text says which.
    throw new TsrunError('system', `cannot load native addon ${addonPath}`, { cause: err })
  }
  return native
}

/** The native functions; the addon is loaded on the first property access. */
export const addon: Addon = new Proxy({} as Addon, {
  get: (_target, name) => load()[name as keyof Addon],
})

// flock(2) operations.
export const LOCK_SH = 1
export const LOCK_EX = 2
export const LOCK_NB = 4
export const LOCK_UN = 8

// libseccomp's numbers (seccomp.h), checked against the header by test/unit/addon/constants.test.ts.
export const SCMP = {
  ACT: {
    KILL_PROCESS: 0x80000000,
    KILL_THREAD: 0x00000000,
    KILL: 0x00000000,
    TRAP: 0x00030000,
    ERRNO: (errno: number) => 0x00050000 | (errno & 0xffff),
    TRACE: (msgNum: number) => 0x7ff00000 | (msgNum & 0xffff),
    LOG: 0x7ffc0000,
    ALLOW: 0x7fff0000,
    NOTIFY: 0x7fc00000,
  },
  CMP: { NE: 1, LT: 2, LE: 3, EQ: 4, GE: 5, GT: 6, MASKED_EQ: 7 },
  /** Keyed as the OCI spec names them, without the SCMP_ARCH_ prefix. */
  ARCH: {
    X86: 0x40000003,
    X86_64: 0xc000003e,
    X32: 0x4000003e,
    ARM: 0x40000028,
    AARCH64: 0xc00000b7,
    MIPS: 0x00000008,
    MIPS64: 0x80000008,
    MIPS64N32: 0xa0000008,
    MIPSEL: 0x40000008,
    MIPSEL64: 0xc0000008,
    MIPSEL64N32: 0xe0000008,
    PPC: 0x00000014,
    PPC64: 0x80000015,
    PPC64LE: 0xc0000015,
    S390: 0x00000016,
    S390X: 0x80000016,
    PARISC: 0x0000000f,
    PARISC64: 0x8000000f,
    RISCV64: 0xc00000f3,
  } as Record<string, number>,
} as const
