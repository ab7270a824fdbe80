// exec: a new process in a running container. tsrun-init joins the
// container through a pidfd of its init (namespaces, root) after the parent
// has put it in the container's cgroup, then sets the process up as create
// does (rlimits, LSM label, console, cwd, user, caps, seccomp) and execs.
// Nothing but stdio, --preserve-fds (and $LISTEN_FDS) and the console
// socket reaches the process (CVE-2024-21626 class).
import * as fs from '../fsys'
import * as path from '../paths'
import { addon, initPath } from '../addon'
import type { Spec } from '../bundle/spec.generated'
import { openCgroup } from '../cgroups/driver'
import { subCgroup } from '../cgroups/path'
import { TsrunError, wrap } from '../errors'
import type { Relay } from '../console/relay'
import { compileExecPlan, execAffinity } from '../plan/exec'
import { NAMESPACE_FLAGS } from '../plan/constants'
import { deriveStatus, initAlive } from '../state/status'
import { EXEC_CONFIG_FILE, containerDir, readState, type StateRecord } from '../state/store'
import { spawnInCgroup } from './cgroup'
import { joinRdtForExec } from './intelrdt'
import { checkConsole, inheritedFds, recordPidFile, sendPidfd } from './create'
import { execProcess, subCgroupPaths } from './exec-process'
import { exitCodeOf, forwardSignals, waitForExit } from './foreground'
import { releaseInit, talkToInit } from './init-channel'
import { killAndReap, processPidfd } from './process'
import { hookState } from './oci-state'
import { Rollback } from './rollback'
import { sendToListener } from './seccomp-listener'
import type { ExecOptions, GlobalOptions } from './index'

/** runc's: every failure of exec exits 255 with "exec failed: ...". */
function execFailed(err: unknown): TsrunError {
  return Object.assign(wrap('exec failed', err), { exitCode: 255 })
}

export async function exec(g: GlobalOptions, o: ExecOptions): Promise<number> {
  let started: Started
  try {
    started = startProcess(g, o)
  } catch (err) {
    throw execFailed(err)
  }
  if (o.detach) {
    // A detached process with a pty has it on the console socket: no relay here.
    fs.closeSync(started.pidfd)
    return 0
  }
  return waitForeground(started)
}

interface Started {
  pidfd: number
  /** -t in the foreground without --console-socket: tsrun relays the pty */
  relay: Relay | null
}

function startProcess(g: GlobalOptions, o: ExecOptions): Started {
  const rec = readState(g.root, o.id)
  const status = deriveStatus(g.root, rec)
  if (status === 'stopped' || status === 'creating') throw new TsrunError('state', 'cannot exec in a stopped container')
  if (status === 'paused' && !o.ignorePaused) {
    throw new TsrunError('state', 'cannot exec in a paused container (use --ignore-paused to override)')
  }
  const spec = readExecConfig(g.root, o.id)
  const proc = execProcess(spec, o)
  const subs = subCgroupPaths(o.cgroup)
  if (o.preserveFds < 0) throw new TsrunError('usage', `--preserve-fds must be a positive number: ${o.preserveFds}`)
  const terminal = proc.terminal === true
  checkConsole(terminal, o.consoleSocket, o.detach)
  const undo = new Rollback()
  try {
    const initPidfd = openInit(rec)
    undo.push('container pidfd', () => fs.closeSync(initPidfd))
    let consoleFd = -1
    let relay: Relay | null = null
    let ours = -1
    if (o.consoleSocket) {
      consoleFd = addon.connectUnix(o.consoleSocket)
    } else if (terminal) {
      [ours, consoleFd] = addon.socketPair()
      const mine = ours
      undo.push('console', () => fs.closeSync(mine))
    }
    const fd = consoleFd
    if (fd >= 0) undo.push('console socket', () => fs.closeSync(fd))
    const plan = compileExecPlan(spec, proc, {
      id: o.id, pid: rec.pid, pidfd: initPidfd, namespaces: namespacesOf(rec.pid),
      consoleSocketFd: consoleFd, preserveFds: o.preserveFds,
    })
    // The process forked into the container's pid ns is reparented when
    // its parent, the init, exits: to us, to wait for it in the foreground;
    // detached, to whoever reaps for us (the shim is a subreaper).
    if (!o.detach && plan.forkForPidns) addon.setChildSubreaper()
    const cg = rec.cgroup ? openCgroup(subs.size > 0 ? subCgroup(rec.cgroup, subs) : rec.cgroup) : null
    const { child, join } = spawnInCgroup(cg, plan, (fds, into) =>
      addon.spawnInit(initPath, 0, [...inheritedFds(o.preserveFds, consoleFd), initPidfd, ...fds], into))
    const owned = { pidfd: child.pidfd }
    undo.push('init process', () => { fs.closeSync(child.sock); if (owned.pidfd >= 0) killAndReap(owned.pidfd) })
    // execCPUAffinity.initial: where the process runs until its cgroup
    // (and then `final`, set by the init) decides.
    setInitialAffinity(child.pid, execAffinity(spec, proc).initial)
    join()
    joinRdtForExec(rec, child.pid)
    const pid = talkToInit(child, plan, {
      writeUserMaps: () => { throw new TsrunError('init', 'unexpected id-map request from tsrun-init') },
      childPid: () => {},
      runtimeHooks: () => { throw new TsrunError('init', 'unexpected hooks request from tsrun-init') },
      // As runc: the state is the container's (its init's pid), the pid the new process's.
      seccompFd: (fd, pid) => sendToListener(spec.linux?.seccomp, fd, pid, hookState(rec, 'running')),
    })
    const pidfd = processPidfd(child, pid, undo, () => { owned.pidfd = -1 })
    if (ours >= 0) {
      // Raw before the process runs: what it prints first already sees our terminal as its own.
      relay = (require('../console/relay') as typeof import('../console/relay')).relayPty(addon.recvFd(ours).fd)
      const r = relay
      undo.push('relay', () => r.restore())
    }
    recordPidFile(o.pidFile, pid, undo)
    releaseInit(child.sock)
    if (o.pidfdSocket) sendPidfd(o.pidfdSocket, pidfd)
    undo.commit()
    fs.closeSync(initPidfd)
    if (consoleFd >= 0) fs.closeSync(consoleFd)
    if (ours >= 0) fs.closeSync(ours)
    return { pidfd, relay }
  } catch (err) {
    undo.run()
    throw err
  }
}

function setInitialAffinity(pid: number, cpus: number[]): void {
  if (cpus.length === 0) return
  try {
    addon.schedSetaffinity(pid, cpus)
  } catch (err) {
    throw new TsrunError('system', `execCPUAffinity initial ${cpus.join(',')}`, { cause: err })
  }
}

function openInit(rec: StateRecord): number {
  let pidfd: number
  try {
    pidfd = addon.pidfdOpen(rec.pid)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw new TsrunError('state', 'cannot exec in a stopped container')
    throw err
  }
  // Checked after pidfd_open: from here the fd pins the process we verified.
  if (!initAlive(rec)) {
    fs.closeSync(pidfd)
    throw new TsrunError('state', 'cannot exec in a stopped container')
  }
  return pidfd
}

/** /proc/<pid>/ns file names by namespace type. */
const NS_FILES: Record<string, string> = {
  mount: 'mnt', cgroup: 'cgroup', uts: 'uts', ipc: 'ipc', user: 'user', pid: 'pid', network: 'net', time: 'time',
}

/**
 * The container's namespaces that are not tsrun's own: setns() into the
 * user ns we are in already is EINVAL, and the others would be no-ops.
 * A kernel without a namespace type has no file for it on either side.
 */
function namespacesOf(pid: number): number {
  let flags = 0
  for (const [type, file] of Object.entries(NS_FILES)) {
    let theirs: fs.Stats
    let mine: fs.Stats
    try {
      theirs = fs.statSync(`/proc/${pid}/ns/${file}`)
      mine = fs.statSync(`/proc/self/ns/${file}`)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw new TsrunError('system', `stat /proc/${pid}/ns/${file}`, { cause: err })
    }
    if (theirs.ino !== mine.ino || theirs.dev !== mine.dev) flags |= NAMESPACE_FLAGS[type]
  }
  return flags
}

/** What create stored of the container's config for exec. */
function readExecConfig(root: string, id: string): Spec {
  const file = path.join(containerDir(root, id), EXEC_CONFIG_FILE)
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Spec
  } catch (err) {
    throw new TsrunError('system', `read ${file}`, { cause: err })
  }
}

async function waitForeground(s: Started): Promise<number> {
  const relay = s.relay
  const stop = forwardSignals(s.pidfd, relay ? () => relay.resize() : undefined)
  try {
    const status = await waitForExit(s.pidfd, relay !== null)
    if (relay) await relay.finish()
    return exitCodeOf(status)
  } finally {
    stop()
    relay?.restore()
    fs.closeSync(s.pidfd)
  }
}
