// Runs OCI hooks in the runtime namespace (prestart, createRuntime, poststart,
// poststop; createContainer/startContainer run inside the init). Like runc's
// configs.Command.Run: the state JSON on stdin, stdout and stderr captured and
// quoted in the error, the hook killed (SIGKILL) when its timeout passes.

import type { SpawnSyncReturns } from 'child_process'
import { TsrunError } from '../errors'

/** One entry of config.json's hooks.<kind> array. */
export interface Hook {
  path: string
  /** argv including argv[0]; absent → [path] */
  args?: string[]
  /** exact environment; absent → tsrun's own environment (Go's exec.Cmd with
   *  Env nil, which is what runc 1.1.5 gives its hooks) */
  env?: string[]
  /** seconds; absent or 0 → wait forever */
  timeout?: number
}

// Generous: the output only ends up quoted in an error, but a hook that
// fills a small buffer must not be killed for it (ENOBUFS).
const MAX_OUTPUT = 64 * 1024 * 1024
// How much of a failing hook's stdout/stderr goes into the message.
const QUOTE_BYTES = 4096

/**
 * Runs `hooks` in order. Without warnOnly the first failure throws
 * TsrunError('hook', "<kind> hook <i> (<path>): exit status 1, stderr: ...").
 * With warnOnly (poststart/poststop: the spec says warn and go on) every hook
 * runs and the failures are returned for the caller to log.
 */
export function runHooks(kind: string, hooks: Hook[] | undefined, stateJson: string,
  opts: { warnOnly: boolean }): TsrunError[] {
  const warnings: TsrunError[] = []
  if (!hooks || hooks.length === 0) return warnings
  // child_process costs a few ms to load; only commands with hooks pay it.
  const cp = require('child_process') as typeof import('child_process')
  hooks.forEach((hook, i) => {
    const err = runOne(cp, kind, i, hook, stateJson)
    if (err === null) return
    if (!opts.warnOnly) throw err
    warnings.push(err)
  })
  return warnings
}

function runOne(cp: typeof import('child_process'), kind: string, i: number, hook: Hook,
  stateJson: string): TsrunError | null {
  const what = `${kind} hook ${i} (${hook.path})`
  const args = hook.args && hook.args.length > 0 ? hook.args : [hook.path]
  const timeout = (hook.timeout ?? 0) > 0 ? (hook.timeout as number) * 1000 : undefined
  // A path without '/' is relative to the cwd (execve), never a $PATH lookup.
  const file = hook.path.includes('/') ? hook.path : './' + hook.path
  const r: SpawnSyncReturns<Buffer> = cp.spawnSync(file, args.slice(1), {
    argv0: args[0],
    env: hook.env ? envObject(hook.env) : process.env,
    input: stateJson,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout,
    killSignal: 'SIGKILL',
    maxBuffer: MAX_OUTPUT,
  })
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code
  // EPIPE: the hook exited without reading its stdin — allowed (Go's exec
  // ignores it too); its exit status decides.
  if (r.error && code !== 'EPIPE') {
    if (code === 'ETIMEDOUT') {
      return new TsrunError('hook', `${what}: timeout after ${hook.timeout}s`)
    }
    return new TsrunError('hook', what, { cause: r.error })
  }
  if (r.status === 0) return null
  const how = r.signal ? `signal: ${r.signal}` : `exit status ${r.status}`
  return new TsrunError('hook', `${what}: ${how}${quote('stdout', r.stdout)}${quote('stderr', r.stderr)}`)
}

/** "K=V" list → object; the last duplicate wins (as Go's exec dedups). */
function envObject(env: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const kv of env) {
    const eq = kv.indexOf('=')
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1)
  }
  return out
}

function quote(name: string, buf: Buffer | null): string {
  const text = buf ? buf.subarray(Math.max(0, buf.length - QUOTE_BYTES)).toString('utf8').trim() : ''
  return text ? `, ${name}: ${text}` : ''
}
