// process.env → the environment the container's process gets, with runc's
// prepareEnv rules: every entry must be NAME=value, and a name given twice
// keeps its first place and its last value (Go's os.Setenv). Passed through
// verbatim, a duplicate would make getenv() (first match) disagree with runc
// (last value) and with tsrun-init's own PATH lookup (last PATH).
import { TsrunError } from '../errors'

export function compileEnv(env: string[]): string[] {
  const out: string[] = []
  const at = new Map<string, number>()
  env.forEach((kv, i) => {
    const eq = kv.indexOf('=')
    if (eq <= 0) throw new TsrunError('config', `process.env[${i}]: invalid environment variable: ${JSON.stringify(kv)}`)
    const name = kv.slice(0, eq)
    const where = at.get(name)
    if (where === undefined) {
      at.set(name, out.length)
      out.push(kv)
    } else {
      out[where] = kv
    }
  })
  return out
}
