// Waiting in the foreground (run, exec): the signals tsrun gets go to the
// process, and its end becomes tsrun's exit code.
import * as os from 'node:os'
import { addon, type ExitStatus } from '../addon'

/** What a shell's Ctrl-C, a service manager's stop and friends deliver to tsrun. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH']

/**
 * Forwards FORWARDED to the process behind pidfd until the returned stop()
 * is called; SIGWINCH goes to `onWinch` instead when tsrun relays a pty (the
 * pty's size change signals the process itself). Handlers run from the
 * event loop, so never before the caller's synchronous work is done.
 */
export function forwardSignals(pidfd: number, onWinch?: () => void): () => void {
  const forward = (sig: NodeJS.Signals): void => {
    if (sig === 'SIGWINCH' && onWinch) return onWinch()
    try {
      addon.pidfdSendSignal(pidfd, os.constants.signals[sig])
    } catch { /* already gone: the wait returns */ }
  }
  for (const s of FORWARDED) process.on(s, forward)
  return () => { for (const s of FORWARDED) process.off(s, forward) }
}

/** runc's exit code: the status, or 128+N when killed by signal N. */
export function exitCodeOf(status: ExitStatus): number {
  return status.signal !== null ? 128 + status.signal : (status.code ?? 0)
}
