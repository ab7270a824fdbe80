// The parent's half of the sync protocol with tsrun-init (drawn in
// addon/init/protocol.h): send the plan, answer the init's requests until it
// is READY, or turn its ERROR into one TsrunError naming the failed step.
import * as fs from '../fsys'
import { addon, type Message, type SpawnResult } from '../addon'
import { TsrunError } from '../errors'
import { MsgType, decodeError, encodePlan, formatInitError } from '../plan/protocol'
import type { InitPlan } from '../plan/types'

export interface InitRequests {
  /** the init unshared its user namespace: write its id maps */
  writeUserMaps(): void
  /** the init forked the container process into its pid namespace */
  childPid(pid: number): void
  /** run prestart/createRuntime hooks; returns the state JSON for the init's own hooks */
  runtimeHooks(pid: number): string
  /** pass the seccomp notify fd of the process `pid` on to its listener (we close fd after) */
  seccompFd(fd: number, pid: number): void
}

/** Runs the conversation up to READY; returns the container process's pid. */
export function talkToInit(child: SpawnResult, plan: InitPlan, req: InitRequests): number {
  addon.sendMsg(child.sock, MsgType.PLAN, encodePlan(plan))
  let pid = child.pid
  for (;;) {
    const m = addon.recvMsg(child.sock, -1)
    if (m === null) throw initVanished(child)
    if (m.type === MsgType.SECCOMP_FD) {
      withFd(m, (fd) => req.seccompFd(fd, pid))
      continue
    }
    m.fds.forEach((fd) => fs.closeSync(fd))
    switch (m.type) {
      case MsgType.USERNS_MAP_PLEASE:
        req.writeUserMaps()
        addon.sendMsg(child.sock, MsgType.USERNS_MAP_DONE)
        break
      case MsgType.CHILD_PID:
        pid = m.payload.readUInt32LE(0)
        req.childPid(pid)
        break
      case MsgType.HOOKS_PLEASE:
        addon.sendMsg(child.sock, MsgType.HOOKS_DONE, Buffer.from(req.runtimeHooks(pid)))
        break
      case MsgType.READY:
        return pid
      case MsgType.ERROR:
        throw initError(m.payload)
      default:
        throw new TsrunError('init', `unexpected message ${m.type} from tsrun-init`)
    }
  }
}

/**
 * The parent has recorded the container: let the init go on to wait on the
 * exec fifo. `state` is what its startContainer hooks get ("created", as runc
 * gives them), replacing the "creating" state createContainer hooks got. The
 * init clears PR_SET_PDEATHSIG before it closes its end, so waiting for that
 * EOF keeps our exit from killing it.
 */
export function releaseInit(sock: number, state?: string): void {
  let m
  try {
    addon.sendMsg(sock, MsgType.GO, state === undefined ? undefined : Buffer.from(state))
    m = addon.recvMsg(sock, -1)
  } finally {
    fs.closeSync(sock)
  }
  if (m !== null) {
    m.fds.forEach((fd) => fs.closeSync(fd))
    throw m.type === MsgType.ERROR ? initError(m.payload) : new TsrunError('init', `unexpected message ${m.type} from tsrun-init`)
  }
}

/** Runs `use` on the one fd `m` carried, and closes every fd it brought. */
function withFd(m: Message, use: (fd: number) => void): void {
  try {
    if (m.fds.length !== 1) throw new TsrunError('init', `message ${m.type} from tsrun-init carried ${m.fds.length} fds, not 1`)
    use(m.fds[0])
  } finally {
    m.fds.forEach((fd) => fs.closeSync(fd))
  }
}

function initError(payload: Buffer): TsrunError {
  return new TsrunError('init', formatInitError(decodeError(payload)))
}

function initVanished(child: SpawnResult): TsrunError {
  let how = 'exited'
  try {
    const st = addon.reapPidfd(child.pidfd)
    if (st?.signal) how = `was killed by signal ${st.signal}`
    else if (st?.code !== null && st?.code !== undefined) how = `exited with status ${st.code}`
  } catch { /* not reapable: the generic text stands */ }
  return new TsrunError('init', `tsrun-init ${how} before reporting`)
}
