// Output and the error path. Every tsrun call loads this file: keep it tiny.
// stdout/stderr get one writeSync per message (no stream objects, nothing
// buffered when the process exits). Errors are rendered once, here:
// `tsrun: <describe(err)>` on stderr, and with --log the same text as one line
// in runc's logrus format (text: time="…" level=error msg="…", or JSON), which
// is what containerd and conmon read back from the log file on failure.
import { openSync, writeSync } from './fsys'
import { describe } from './errors'
import { sleepMs } from './sleep'
import { goJson, goQuote } from './cli/json'
import { rfc3339 } from './clock'

export interface LogConfig { log?: string; logFormat: 'text' | 'json'; debug: boolean }

let config: LogConfig = { logFormat: 'text', debug: false }
let logFd = -1

export function configure(c: LogConfig): void {
  config = c
  logFd = -1 // reopened on first use (tests configure more than once; the CLI once)
}

// TextEncoder, not Buffer.from: under Bun the first use of Buffer costs
// ~0.2 ms, more than the rest of `state`'s output.
export function writeAll(fd: number, text: string | Uint8Array): void {
  const buf = typeof text === 'string' ? new TextEncoder().encode(text) : text
  for (let off = 0; off < buf.length;) {
    try {
      off += writeSync(fd, buf, off)
    } catch (e) {
      // An inherited O_NONBLOCK pipe: wait a millisecond and retry, as Go's poller would.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e
      sleepMs(1)
    }
  }
}

/** Every byte tsrun writes goes through io.write (tests swap it, as go-runc's tests swap the binary). */
export const io: { write: (fd: number, text: string) => void } = { write: writeAll }

export const stdout = (text: string): void => io.write(1, text)
export const stderr = (text: string): void => io.write(2, text)

// logrus' TextFormatter leaves a value bare only if it is made of these.
const bare = (s: string) => /^[A-Za-z0-9\-._/@^+]*$/.test(s)

export function formatLine(level: string, msg: string, time = rfc3339()): string {
  // logrus JSONFormatter: keys sorted (level, msg, time), HTML-escaped like Go.
  if (config.logFormat === 'json') return goJson({ level, msg, time }) + '\n'
  const v = (s: string) => (bare(s) ? s : goQuote(s))
  return `time=${v(time)} level=${level} msg=${v(msg)}\n`
}

function appendLog(text: string): void {
  // runc opens it O_CREATE|O_WRONLY|O_APPEND|O_SYNC, 0644; we open on first use.
  if (logFd < 0) logFd = openSync(config.log!, 'as', 0o644)
  io.write(logFd, text)
}

/** A log line: to the --log file, or to stderr without one (runc's logrus default). Never throws. */
function emit(level: string, msg: string): void {
  const text = formatLine(level, msg)
  try {
    return config.log ? appendLog(text) : stderr(text)
  } catch {
    try { stderr(text) } catch { /* nowhere left to say it */ }
  }
}

export function debug(msg: string): void {
  if (config.debug) emit('debug', msg)
}

export function warn(msg: string): void {
  emit('warning', msg)
}

/** Renders a failure once and returns the exit code: the error's own (usage errors) or 1. */
export function fail(err: unknown): number {
  const msg = describe(err)
  const say = (text: string) => { try { stderr(text) } catch { /* stderr closed */ } }
  say(`tsrun: ${msg}\n`)
  if (config.log) {
    try {
      appendLog(formatLine('error', msg))
    } catch (e) {
      say(`tsrun: log ${config.log}: ${describe(e)}\n`)
    }
  }
  const code = (err as { exitCode?: unknown } | null)?.exitCode
  return typeof code === 'number' ? code : 1
}
