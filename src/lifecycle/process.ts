// Signalling and reaping the container's processes through pidfds, so a
// recycled pid is never signalled by mistake.
import { SIGKILL } from '../signals'
import * as fs from '../fsys'
import { addon } from '../addon'
import { sleepMs } from '../sleep'
import { procStat } from '../state/status'
import type { Rollback } from './rollback'

/**
 * True once the process behind pidfd has exited. Signal 0 fails with ESRCH
 * only once the process is reaped; a zombie that is not our child waits for
 * its reaper (host pid 1, which may take seconds, or never reap), so a
 * zombie state in /proc counts as exited too.
 */
export function exited(pidfd: number): boolean {
  try {
    addon.pidfdSendSignal(pidfd, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true
    throw err
  }
  return zombie(pidfd)
}

/**
 * The pid comes from the pidfd's fdinfo. Should it be reaped and reused
 * between the two reads, /proc shows the new process once and the next
 * signal 0 reports ESRCH: never a wrong "exited".
 */
function zombie(pidfd: number): boolean {
  const m = /^Pid:\s*(-?\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${pidfd}`, 'utf8'))
  if (m === null) return false
  const pid = Number(m[1])
  if (pid <= 0) return true // -1: reaped
  const st = procStat(pid)
  return st === null || st.state === 'Z' || st.state === 'X'
}

/**
 * SIGKILLs the process, waits until it is gone (reaping it when it is our
 * child) and closes the pidfd. Used by rollback and delete -f.
 */
export function killAndReap(pidfd: number, timeoutMs = 10_000): void {
  try {
    try {
      addon.pidfdSendSignal(pidfd, SIGKILL)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
    }
    for (let waited = 0; waited < timeoutMs; waited += 1) {
      if (reaped(pidfd)) return
      sleepMs(1)
    }
  } finally {
    fs.closeSync(pidfd)
  }
}

function reaped(pidfd: number): boolean {
  try {
    return addon.reapPidfd(pidfd) !== null
  } catch (err) {
    // Not our child: it is gone once signal 0 says so (its reaper collects it).
    if ((err as NodeJS.ErrnoException).code === 'ECHILD') return exited(pidfd)
    throw err
  }
}

/** Waits for our child to exit on its own, reaps it and closes its pidfd. */
export function reapExited(pidfd: number): void {
  try {
    while (addon.reapPidfd(pidfd) === null) sleepMs(1)
  } finally {
    fs.closeSync(pidfd)
  }
}

/**
 * The container process's pidfd: the init's own, or, when the init forked
 * the process into its pid namespace and exits, a new one (undone by a
 * kill) once the init is reaped: the process is then ours (subreaper) or
 * pid 1's. `released` runs before the init's pidfd is closed here.
 */
export function processPidfd(init: { pid: number; pidfd: number }, pid: number, undo: Rollback, released: () => void): number {
  if (pid === init.pid) return init.pidfd
  const pidfd = addon.pidfdOpen(pid)
  undo.push('container process', () => killAndReap(pidfd))
  released()
  reapExited(init.pidfd)
  return pidfd
}
