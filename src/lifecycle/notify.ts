// NOTIFY_SOCKET (podman --sdnotify=container, a systemd unit running tsrun):
// the container gets a notify socket of its own, <state dir>/notify/
// notify.sock bind-mounted read-only at /run/notify, and tsrun passes its
// READY= on to the host's socket with MAINPID, as runc's notify_socket.go.
// create/run make the socket's directory and mount; start (and so run)
// binds it before the process runs and waits for READY= or the exit.
import * as fs from '../fsys'
import * as path from '../paths'
import { addon } from '../addon'
import { TsrunError } from '../errors'
import { compileEnv } from '../plan/env'
import { compileMount } from '../plan/mounts'
import type { InitPlan } from '../plan/types'

const DIR = 'notify'
const SOCKET = 'notify.sock'
const IN_CONTAINER = '/run/notify'
/** How long the host's manager may take to acknowledge (systemd's own default for sd_notify_barrier). */
const BARRIER_MS = 5000

/** The host's socket, when tsrun was started with one. */
export function hostNotifySocket(): string | undefined {
  return process.env.NOTIFY_SOCKET || undefined
}

/** create: the directory for the container's socket, its mount and NOTIFY_SOCKET in the process's env. */
export function addNotifySocket(plan: InitPlan, containerDir: string): void {
  const dir = path.join(containerDir, DIR)
  fs.mkdirSync(dir, { mode: 0o755 })
  const mount = { destination: IN_CONTAINER, source: dir, options: ['bind', 'nosuid', 'noexec', 'nodev', 'ro'] }
  plan.mounts.push(compileMount(mount, containerDir))
  plan.env = compileEnv([...plan.env, `NOTIFY_SOCKET=${IN_CONTAINER}/${SOCKET}`])
}

/** start: binds the container's socket if create made its directory; -1 when there is nothing to proxy. */
export function bindNotifySocket(containerDir: string): number {
  const dir = path.join(containerDir, DIR)
  if (!hostNotifySocket() || !fs.existsSync(dir)) return -1
  const sock = path.join(dir, SOCKET)
  fs.rmSync(sock, { force: true })
  return addon.bindUnixgram(sock)
}

/**
 * Waits for the container's READY= (or its exit, which ends the wait quietly)
 * and tells the host, naming `mainPid` as the process to watch: the
 * container's, or tsrun's own when it runs in the foreground (runc's choice).
 */
export function forwardReady(sock: number, pid: number, mainPid: number): void {
  const pidfd = addon.pidfdOpen(pid)
  let ready: string | null
  try {
    ready = addon.awaitReady(sock, pidfd)
  } finally {
    fs.closeSync(pidfd)
    fs.closeSync(sock)
  }
  if (ready === null) return
  try {
    addon.sdNotify(hostNotifySocket()!, [`${ready}\n`, `MAINPID=${mainPid}\n`], BARRIER_MS)
  } catch (err) {
    throw new TsrunError('system', `notify ${hostNotifySocket()}`, { cause: err })
  }
}
