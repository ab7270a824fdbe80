// Waiting in the foreground (run, exec): the signals tsrun gets go to the
// process, and its end becomes tsrun's exit code.
import { addon, type ExitStatus } from '../addon'
import { SIGNALS } from '../signals'

/** What a shell's Ctrl-C, a service manager's stop and friends deliver to tsrun. */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const

/**
 * Forwards FORWARDED to the process behind pidfd until the returned stop()
 * is called. The addon's handler passes them on, so no event loop is needed
 * and the wait can block; those that come before waitForExit are held until
 * it (a `run` sets this up before start, when the init must not get them).
 * SIGWINCH goes to `onWinch` instead when tsrun relays a pty (the pty's size
 * change signals the process itself); that handler runs from the event loop.
 */
export function forwardSignals(pidfd: number, onWinch?: () => void): () => void {
  const native = onWinch ? FORWARDED.filter((s) => s !== 'SIGWINCH') : FORWARDED
  addon.forwardSignals(pidfd, native.map((s) => SIGNALS[s]))
  if (onWinch) process.on('SIGWINCH', onWinch)
  return () => {
    addon.stopForwarding()
    if (onWinch) process.off('SIGWINCH', onWinch)
  }
}

/**
 * The process's exit, reaped. A pty relay needs the event loop while it
 * waits; without one the wait blocks this thread, which spares a worker
 * thread and the event loop's turn (measured, compiled: a foreground `run`
 * of /bin/true -1 ms, -1.1 ms of CPU).
 */
export async function waitForExit(pidfd: number, relaying: boolean): Promise<ExitStatus> {
  addon.releaseSignals()
  return relaying ? addon.waitPidfd(pidfd) : addon.waitPidfdSync(pidfd)
}

/** runc's exit code: the status, or 128+N when killed by signal N. */
export function exitCodeOf(status: ExitStatus): number {
  return status.signal !== null ? 128 + status.signal : (status.code ?? 0)
}
