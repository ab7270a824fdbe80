// create: reads top to bottom like runc's standard_init_linux.go. The state
// record ("creating") is written before the first side effect; every side
// effect pushes its undo the moment it succeeds; any failure rolls them back
// in reverse (kill the init before removing its cgroup, the cgroup before the
// state dir). A create killed half-way leaves a record `delete -f` cleans.
import * as fs from '../fsys'
import * as path from '../paths'
import { addon, initPath } from '../addon'
import { checkHost, selinuxEnabled } from '../bundle/checks-host'
import { loadBundle } from '../bundle/load'
import type { Spec } from '../bundle/spec.generated'
import { detectLayout } from '../cgroups/detect'
import { ownCgroup, planCgroup, type CgroupRecord } from '../cgroups/driver'
import { nowRfc3339Nano } from '../clock'
import { TsrunError, wrap } from '../errors'
import { runHooks } from '../hooks/run'
import { warn } from '../log'
import { compileHooks, compilePlan } from '../plan/compile'
import { compileEnv } from '../plan/env'
import type { InitPlan } from '../plan/types'
import { joinGroup } from '../resctrl/group'
import { lockContainer } from '../state/lock'
import { procStartTime } from '../state/status'
import {
  EXEC_CONFIG_FILE, FIFO_FILE, containerDir, createContainerDir, removeContainerDir, writeState,
  type StateRecord,
} from '../state/store'
import { validateId } from '../state/id'
import { createCgroup, spawnInCgroup } from './cgroup'
import { isRootlessEuid, writeIdMaps } from './idmap'
import { createRdtGroup, planRdt } from './intelrdt'
import { releaseInit, talkToInit } from './init-channel'
import { addNotifySocket, hostNotifySocket } from './notify'
import { moveNetDevices } from './netdevices'
import { hookState } from './oci-state'
import { killAndReap, processPidfd } from './process'
import { Rollback } from './rollback'
import { sendToListener } from './seccomp-listener'
import type { CreateOptions, GlobalOptions } from './index'

export interface Created {
  rec: StateRecord
  /** pidfd of the container's process */
  pidfd: number
  /** process.terminal: the pty master went to the console socket or to `consoleFd` */
  terminal: boolean
}

export async function create(g: GlobalOptions, o: CreateOptions): Promise<void> {
  fs.closeSync(createContainer(g, o, false).pidfd)
}

/**
 * Creates the container and returns with its process waiting on the exec
 * fifo. `subreaper`: make tsrun the reaper of a container process that the
 * init forks (pid namespace joined by path), so `run` can wait for it.
 * `consoleFd`: run's own console socket (a socketpair end) for a terminal
 * it relays itself, -1 for none.
 */
export function createContainer(g: GlobalOptions, o: CreateOptions, subreaper: boolean, consoleFd = -1): Created {
  validateId(o.id)
  const bundle = loadBundle(o.bundle, { requireProcess: false, noPivot: o.noPivot, rootless: isRootlessEuid() })
  bundle.warnings.forEach(warn)
  const spec = bundle.config
  checkHost(spec)
  // subreaper is asked for exactly when run waits in the foreground: create and run -d detach.
  checkConsole(spec.process?.terminal === true, o.consoleSocket, !subreaper)
  const dir = containerDir(g.root, o.id)
  const fifoPath = path.join(dir, FIFO_FILE)
  const cgroup = planCgroup(spec.linux?.cgroupsPath, o.id, g.systemdCgroup)
  const planFor = (record: CgroupRecord) => compilePlan(spec, {
    id: o.id, bundle: bundle.bundle, rootfs: bundle.rootfs, fifoPath,
    noPivot: o.noPivot, consoleSocketFd: -1, preserveFds: o.preserveFds, noNewKeyring: o.noNewKeyring,
    cgroup: { layout: detectLayout(), record }, selinux: selinuxEnabled(),
  })
  const compiled = planFor(cgroup)
  const { namespaces, warnings } = compiled
  let plan = compiled.plan
  warnings.forEach(warn)
  passListenFds(plan)
  const intelRdt = planRdt(spec, o.id)
  const rec: StateRecord = {
    id: o.id, pid: 0, startTime: '', bundle: bundle.bundle, rootfs: bundle.rootfs,
    created: nowRfc3339Nano(), owner: '', annotations: spec.annotations ?? {}, status: 'creating', cgroup,
    hooks: { poststart: compileHooks(spec.hooks?.poststart), poststop: compileHooks(spec.hooks?.poststop) },
    ...(spec.process ? {} : { noProcess: true }),
    ...(intelRdt ? { intelRdt } : {}),
  }

  const undo = new Rollback()
  try {
    createContainerDir(g.root, o.id)
    const lock = lockContainer(g.root, o.id)
    undo.push('state dir', () => { removeContainerDir(g.root, o.id); lock.release() })
    writeState(g.root, rec)
    saveExecConfig(dir, spec)
    // Without a mount namespace of its own the mount would land on the host: no proxy then.
    if (hostNotifySocket() && namespaces.has('mount')) addNotifySocket(plan, dir)
    addon.mkfifo(fifoPath, 0o622)
    // mkfifo obeys the umask; a non-root container user must still open it for writing.
    fs.chmodSync(fifoPath, 0o622)

    const cg = createCgroup(spec, rec, g.rootless, undo)
    if (cg === null) {
      writeState(g.root, rec)
      // "cgroup" mounts then show the cgroups the container stays in: ours.
      plan = planFor(ownCgroup()).plan
    }
    createRdtGroup(spec, rec, undo, () => writeState(g.root, rec))

    if (o.consoleSocket) {
      const fd = addon.connectUnix(o.consoleSocket)
      undo.push('console socket', () => fs.closeSync(fd))
      plan.consoleSocketFd = fd
    } else if (plan.terminal) {
      plan.consoleSocketFd = consoleFd
    }
    if (subreaper) addon.setChildSubreaper()
    const { child, join } = spawnInCgroup(cg, plan, (fds, into) =>
      addon.spawnInit(initPath, namespaces.cloneFlags, [...inheritedFds(plan.preserveFds, plan.consoleSocketFd), ...fds], into))
    // Fields become -1 once closed on the success path, so the undo never closes a reused fd number.
    const owned = { sock: child.sock, pidfd: child.pidfd }
    undo.push('init process', () => {
      // Killed before its socket closes: woken by the EOF, the init would
      // print its own error on the container's stderr (ours) first.
      if (owned.pidfd >= 0) killAndReap(owned.pidfd)
      if (owned.sock >= 0) fs.closeSync(owned.sock)
    })
    // Recorded at once: a tsrun killed from here on leaves a pid `delete -f` can kill.
    record(g, rec, child.pid)
    join()
    // runc's order: the cgroup, then resctrl; the init is still waiting for its plan.
    if (rec.intelRdt) joinGroup(rec.intelRdt, child.pid)

    const pid = talkToInit(child, plan, {
      writeUserMaps: () => writeMaps(spec, child.pid),
      childPid: (p) => record(g, rec, p),
      runtimeHooks: (pid) => {
        moveNetDevices(spec, pid)
        return runCreateHooks(spec, rec, pid)
      },
      seccompFd: (fd, pid) => sendToListener(spec.linux?.seccomp, fd, pid, hookState(rec, 'creating', pid)),
    })
    const pidfd = processPidfd(child, pid, undo, () => { owned.pidfd = -1 })

    rec.status = 'created'
    writeState(g.root, rec)
    recordPidFile(o.pidFile, pid, undo)
    if (o.pidfdSocket) sendPidfd(o.pidfdSocket, pidfd)
    owned.sock = -1
    releaseInit(child.sock, hookState(rec, 'created'))
    if (o.consoleSocket) fs.closeSync(plan.consoleSocketFd)
    undo.commit()
    lock.release()
    return { rec, pidfd, terminal: plan.terminal }
  } catch (err) {
    const left = undo.run()
    for (const l of left) warn(`rollback: ${l}`)
    throw wrap(`create ${o.id}`, err)
  }
}

/**
 * runc's checks (utils_linux.go runner.run), before any side effect: a
 * detached pty needs someone to receive its master, and a console socket
 * only ever gets a pty master.
 */
export function checkConsole(terminal: boolean, consoleSocket: string | undefined, detach: boolean): void {
  if (detach && terminal && !consoleSocket) {
    throw new TsrunError('usage', 'cannot allocate tty if tsrun will detach without setting console socket')
  }
  if ((!detach || !terminal) && consoleSocket) {
    throw new TsrunError('usage', 'cannot use console socket if tsrun will not detach or allocate tty')
  }
}

/**
 * systemd socket activation (sd_listen_fds(3)): when tsrun itself was handed
 * sockets (LISTEN_PID is our pid), they go on to the container as fds 3..,
 * before the --preserve-fds ones, and the process is told so with its own
 * pid (1), as runc does for create and run.
 */
function passListenFds(plan: InitPlan): void {
  const n = Number(process.env.LISTEN_FDS)
  if (process.env.LISTEN_PID !== String(process.pid) || !Number.isInteger(n) || n <= 0) return
  plan.env = compileEnv([...plan.env, `LISTEN_FDS=${n}`, 'LISTEN_PID=1'])
  plan.preserveFds += n
}

/**
 * Fds the init keeps: stdio (Node marks its own 0-2 close-on-exec), the
 * --preserve-fds range and the console socket.
 */
export function inheritedFds(preserveFds: number, consoleSocketFd: number): number[] {
  // A closed stdio slot stays closed (CI runs us with no stdin); the init fills it with /dev/null.
  const fds = [0, 1, 2].filter(isOpen)
  for (let i = 0; i < preserveFds; i++) fds.push(3 + i)
  if (consoleSocketFd >= 0) fds.push(consoleSocketFd)
  return fds
}

function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd)
    return true
  } catch {
    return false
  }
}

/**
 * What exec takes from the container (runc keeps the whole config in its
 * state): the process it starts from, and what of linux every exec'd
 * process gets (plan/compile.ts ProcessLinux). Saved once, so exec works even if the bundle changed.
 */
function saveExecConfig(dir: string, spec: Spec): void {
  const linux = spec.linux ?? {}
  const keep: Spec = {
    ociVersion: spec.ociVersion, process: spec.process,
    linux: { seccomp: linux.seccomp, personality: linux.personality, memoryPolicy: linux.memoryPolicy },
  }
  fs.writeFileSync(path.join(dir, EXEC_CONFIG_FILE), JSON.stringify(keep), { mode: 0o600 })
}

function record(g: GlobalOptions, rec: StateRecord, pid: number): void {
  const startTime = procStartTime(pid)
  if (startTime === null) throw new TsrunError('init', `container process ${pid} exited during create`)
  rec.pid = pid
  rec.startTime = startTime
  writeState(g.root, rec)
}

function writeMaps(spec: Spec, pid: number): void {
  writeIdMaps(pid, spec.linux?.uidMappings ?? [], spec.linux?.gidMappings ?? [], isRootlessEuid())
}

/** prestart and createRuntime hooks, in the runtime namespace, before pivot_root. */
function runCreateHooks(spec: Spec, rec: StateRecord, pid: number): string {
  // prestart is the legacy hook: tools written for it (runtime-spec 1.0)
  // expect the status it had when it ran at start, "created".
  runHooks('prestart', spec.hooks?.prestart, hookState(rec, 'created', pid), { warnOnly: false })
  const creating = hookState(rec, 'creating', pid)
  runHooks('createRuntime', spec.hooks?.createRuntime, creating, { warnOnly: false })
  return creating
}

/** --pidfd-socket: a pidfd of the process, in the console socket's framing (one message, one fd). */
export function sendPidfd(socketPath: string, pidfd: number): void {
  const sock = addon.connectUnix(socketPath)
  try {
    addon.sendFd(sock, pidfd, 'pidfd')
  } finally {
    fs.closeSync(sock)
  }
}

/** --pid-file, removed again if what follows fails. */
export function recordPidFile(file: string | undefined, pid: number, undo: Rollback): void {
  if (!file) return
  writePidFile(file, pid)
  undo.push('pid file', () => fs.rmSync(file, { force: true }))
}

/** The bare pid, no newline, via temp file + rename (runc's createPidFile). */
export function writePidFile(file: string, pid: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}`)
  fs.writeFileSync(tmp, String(pid), { mode: 0o644 })
  fs.renameSync(tmp, file)
}
