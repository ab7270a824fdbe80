// `kill ID [SIGNAL]` parsing, as runc 1.1.5's parseSignal: a decimal number
// (strconv.Atoi: optional sign, no hex) is taken as is and left to the kernel
// to judge; otherwise a name, case-insensitive, with or without "SIG", from
// the 31 classic signals golang.org/x/sys/unix knows (no SIGIOT, SIGPOLL or
// SIGRTMIN+n, which runc rejects too).
import { SIGNALS } from '../signals'
import { UsageError } from './parse'
import { goQuote } from './json'

const NAMES = new Set([
  'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM',
  'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO',
  'PWR', 'SYS',
])

const INT32_MAX = 2 ** 31 - 1

/** Signal number for `raw`; undefined (argument absent) is SIGTERM. */
export function parseSignal(raw: string | undefined): number {
  if (raw === undefined || raw === '') return SIGNALS.SIGTERM
  if (/^[+-]?[0-9]+$/.test(raw)) {
    const n = Number(raw)
    // Go would pass any int64 on to kill(2); an int outside the kernel's range is not a signal.
    if (Math.abs(n) <= INT32_MAX) return n
  } else {
    const upper = raw.toUpperCase()
    const name = upper.startsWith('SIG') ? upper.slice(3) : upper
    const num = (SIGNALS as Record<string, number | undefined>)['SIG' + name]
    if (NAMES.has(name) && num !== undefined) return num
  }
  throw new UsageError(`unknown signal ${goQuote(raw)}`)
}
