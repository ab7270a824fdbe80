// The lifecycle operations the CLI calls. Each is loaded on first use, so a
// command pays only for the modules it runs (state never loads create's
// bundle validator, plan compiler or hooks). require, not import(): tap's
// TypeScript loader cannot resolve a dynamic import of a .ts sibling.
import type { ContainerState } from './oci-state'

export type { ContainerState }

export interface GlobalOptions {
  root: string
  log?: string
  logFormat: 'text' | 'json'
  debug: boolean
  systemdCgroup: boolean
  /** no root on the host: missing cgroup access is not an error, setgroups is denied */
  rootless: boolean
}

export interface CreateOptions {
  id: string
  bundle: string
  pidFile?: string
  consoleSocket?: string
  pidfdSocket?: string
  noPivot: boolean
  noNewKeyring: boolean
  preserveFds: number
}

export interface RunOptions extends CreateOptions {
  detach: boolean
  keep: boolean
}

export interface ExecOptions {
  id: string
  /** --process: a process.json; the flags below then don't apply (runc ignores them too) */
  processFile?: string
  /** the command, when there is no --process */
  args: string[]
  tty: boolean
  detach: boolean
  pidFile?: string
  consoleSocket?: string
  pidfdSocket?: string
  env: string[]
  cwd?: string
  /** uid[:gid] */
  user?: string
  additionalGids: string[]
  caps: string[]
  noNewPrivs: boolean
  apparmor?: string
  processLabel?: string
  preserveFds: number
  ignorePaused: boolean
  /** --cgroup: [<controller>[,<controller>]:]<path>, as given */
  cgroup: string[]
}

export async function exec(g: GlobalOptions, o: ExecOptions): Promise<number> {
  return (require('./exec') as typeof import('./exec')).exec(g, o)
}

export async function create(g: GlobalOptions, o: CreateOptions): Promise<void> {
  return (require('./create') as typeof import('./create')).create(g, o)
}

export async function start(g: GlobalOptions, o: { id: string }): Promise<void> {
  return (require('./start') as typeof import('./start')).start(g, o.id)
}

export async function run(g: GlobalOptions, o: RunOptions): Promise<number> {
  return (require('./run') as typeof import('./run')).run(g, o)
}

export async function state(g: GlobalOptions, o: { id: string }): Promise<ContainerState> {
  return (require('./oci-state') as typeof import('./oci-state')).state(g, o.id)
}

export async function kill(g: GlobalOptions, o: { id: string; signal: number; all: boolean }): Promise<void> {
  return (require('./kill') as typeof import('./kill')).kill(g, o)
}

export async function remove(g: GlobalOptions, o: { id: string; force: boolean }): Promise<void> {
  return (require('./delete') as typeof import('./delete')).remove(g, o)
}

export async function list(g: GlobalOptions): Promise<ContainerState[]> {
  return (require('./oci-state') as typeof import('./oci-state')).list(g)
}

export async function pause(g: GlobalOptions, o: { id: string }): Promise<void> {
  return (require('./pause') as typeof import('./pause')).pause(g, o.id)
}

export async function resume(g: GlobalOptions, o: { id: string }): Promise<void> {
  return (require('./pause') as typeof import('./pause')).resume(g, o.id)
}

export async function processes(g: GlobalOptions, o: { id: string }): Promise<number[]> {
  return (require('./ps') as typeof import('./ps')).processes(g, o.id)
}

export async function psTable(o: { id: string; pids: number[]; psArgs: string[] }): Promise<string> {
  return (require('./ps') as typeof import('./ps')).psTable(o.id, o.pids, o.psArgs)
}

export async function update(g: GlobalOptions, o: { id: string; resources: import('../bundle/spec.generated').LinuxResources;
  rdt: import('../bundle/spec.generated').LinuxIntelRdt }): Promise<void> {
  return (require('./update') as typeof import('./update')).update(g, o.id, o.resources, o.rdt)
}

export async function events(g: GlobalOptions, o: { id: string; stats: boolean; intervalMs: number }): Promise<void> {
  return (require('./events') as typeof import('./events')).events(g, o)
}
