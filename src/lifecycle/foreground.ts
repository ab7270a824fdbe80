// Waiting in the foreground (run, exec): the signals tsrun gets go to the
// process, and its end becomes tsrun's exit code.
import { addon, type ExitStatus } from '../addon'
import { SIGNALS } from '../signals'

/** What a shell's Ctrl-C, a service manager's stop and friends deliver to tsrun. */
const FORWARDED: (keyof typeof SIGNALS & NodeJS.Signals)[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH']

/**
 * Forwards FORWARDED to the process behind pidfd until the returned stop()
 * is called; SIGWINCH goes to `onWinch` instead when tsrun relays a pty (the
 * pty's size change signals the process itself). Handlers run from the
 * event loop, so never before the caller's synchronous work is done.
 */
export function forwardSignals(pidfd: number, onWinch?: () => void): () => void {
  const forward = (sig: (typeof FORWARDED)[number]): void => {
    if (sig === 'SIGWINCH' && onWinch) return onWinch()
    try {
      addon.pidfdSendSignal(pidfd, SIGNALS[sig])
    } catch { /* already gone: the wait returns */ }
  }
  for (const s of FORWARDED) process.on(s, forward)
  return () => { for (const s of FORWARDED) process.off(s, forward) }
}

/** runc's exit code: the status, or 128+N when killed by signal N. */
export function exitCodeOf(status: ExitStatus): number {
  return status.signal !== null ? 128 + status.signal : (status.code ?? 0)
}
