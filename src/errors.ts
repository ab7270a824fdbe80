// One error type for the whole runtime. Each layer adds what it was doing
// (ES2022 `cause`); the CLI renders the chain once as
// "tsrun: <op>: <detail>: <cause...>" and as one JSON log line.

/** Error kinds callers branch on; the CLI maps them to exit codes and runc's phrases. */
export type ErrorKind =
  | 'usage'        // bad flags / arguments (exit 1, like runc)
  | 'config'       // config.json invalid
  | 'notfound'     // container does not exist
  | 'exists'       // container id already exists
  | 'state'        // operation not valid in the container's status
  | 'system'       // a syscall or file operation failed
  | 'init'         // tsrun-init reported a failed step
  | 'hook'         // a hook failed

export class TsrunError extends Error {
  readonly kind: ErrorKind
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.kind = kind
    this.name = 'TsrunError'
  }
}

/** Wraps `err` with what we were doing; keeps the kind of an inner TsrunError. */
export function wrap(what: string, err: unknown): TsrunError {
  const kind = err instanceof TsrunError ? err.kind : 'system'
  return new TsrunError(kind, what, { cause: err })
}

/** "a: b: c" from an error and its causes, without stacks or source positions. */
export function describe(err: unknown): string {
  const parts: string[] = []
  let e: unknown = err
  while (e !== undefined && e !== null) {
    if (e instanceof Error) {
      // First line only: some causes (require's "Require stack:") run on,
      // and the CLI's promise is one line.
      if (e.message) parts.push(e.message.split('\n', 1)[0])
      e = (e as Error & { cause?: unknown }).cause
    } else {
      parts.push(String(e))
      break
    }
  }
  return parts.join(': ')
}
