// The process exec starts: a --process file (containerd, podman), or the
// container's own process with the command line's args and overrides, as
// runc's exec.go getProcess builds it.
import * as fs from '../fsys'
import { parseJson } from '../bundle/load'
import type { Process, Spec } from '../bundle/spec.generated'
import { validateProcessFile } from '../bundle/validate'
import { checkProcess } from '../bundle/checks-process'
import { TsrunError } from '../errors'
import type { ExecOptions } from './index'

export function execProcess(spec: Spec, o: ExecOptions): Process {
  if (o.processFile) return readProcessFile(o.processFile)
  if (!spec.process) throw new TsrunError('config', 'the container\'s config.json has no process to start from: use --process')
  if (o.args.length === 0) throw new TsrunError('usage', 'process args cannot be empty')
  const base = structuredClone(spec.process)
  const p: Process = { ...base, args: o.args, terminal: o.tty, env: [...(base.env ?? []), ...o.env] }
  if (o.cwd) p.cwd = o.cwd
  if (o.apparmor) p.apparmorProfile = o.apparmor
  if (o.processLabel) p.selinuxLabel = o.processLabel
  if (o.noNewPrivs) p.noNewPrivileges = true
  if (o.caps.length > 0) p.capabilities = withCaps(base.capabilities ?? {}, o.caps)
  if (o.user) p.user = { ...p.user, ...parseUser(o.user) }
  if (o.additionalGids.length > 0) p.user.additionalGids = [...(p.user.additionalGids ?? []), ...o.additionalGids.map(gid)]
  checkProcess(p, { base: '', file: 'exec', requireArgs: true })
  return p
}

function readProcessFile(file: string): Process {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new TsrunError('config', `process ${file}`, { cause: err })
  }
  return validateProcessFile(parseJson(text, file), file)
}

/**
 * --cap adds to bounding, effective and permitted; to ambient only when the
 * config has inheritable caps, since an ambient cap must be inheritable
 * (runc's rule).
 */
function withCaps(caps: NonNullable<Process['capabilities']>, add: string[]): NonNullable<Process['capabilities']> {
  const plus = (set: string[] | undefined) => [...(set ?? []), ...add]
  return {
    ...caps,
    bounding: plus(caps.bounding),
    effective: plus(caps.effective),
    permitted: plus(caps.permitted),
    ...(caps.inheritable ? { ambient: plus(caps.ambient) } : {}),
  }
}

/** -u uid[:gid], numbers only, as runc. */
function parseUser(user: string): { uid: number; gid?: number } {
  const [uid, gid] = user.split(/:(.*)/s)
  const num = (s: string, what: string): number => {
    if (!/^\+?\d+$/.test(s) || Number(s) > 0xffffffff) throw new TsrunError('usage', `bad ${what}: ${JSON.stringify(s)} is not a number`)
    return Number(s)
  }
  return gid === undefined ? { uid: num(uid, 'uid') } : { uid: num(uid, 'uid'), gid: num(gid, 'gid') }
}

function gid(s: string): number {
  if (!/^[-+]?\d+$/.test(s)) throw new TsrunError('usage', `invalid additional gid ${JSON.stringify(s)}`)
  const n = Number(s)
  if (n < 0 || n > 0xffffffff) throw new TsrunError('usage', `additional-gids must be a positive number ${s}`)
  return n
}

/** runc's getSubCgroupPaths: "path" alone, or "ctrl[,ctrl]:path" per v1 controller. */
export function subCgroupPaths(args: string[]): Map<string, string> {
  const paths = new Map<string, string>()
  for (const a of args) {
    const colon = a.indexOf(':')
    if (colon < 0) {
      if (args.length !== 1) throw new TsrunError('usage', `invalid --cgroup argument: ${a} (missing <controller>: prefix)`)
      paths.set('', a)
      continue
    }
    for (const ctrl of a.slice(0, colon).split(',')) {
      if (ctrl === '') throw new TsrunError('usage', `invalid --cgroup argument: ${a} (empty <controller> prefix)`)
      if (paths.has(ctrl)) throw new TsrunError('usage', `invalid --cgroup argument(s): controller ${ctrl} specified multiple times`)
      paths.set(ctrl, a.slice(colon + 1))
    }
  }
  return paths
}
