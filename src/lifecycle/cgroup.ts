// The container's cgroup at create time. As root a failure is fatal; a
// rootless tsrun (runc's rootless cgroup manager) that may not create the
// cgroup runs the container in its own cgroup instead, unless the config
// asked for a cgroup it must have: an explicit cgroupsPath or limits.
import * as fs from '../fsys'
import type { Spec } from '../bundle/spec.generated'
import { withDeviceRules } from '../cgroups/devices'
import { openCgroup, type CgroupDriver } from '../cgroups/driver'
import { TsrunError, wrap } from '../errors'
import { lockContainer } from '../state/lock'
import { deriveStatus, type LiveStatus } from '../state/status'
import { readState } from '../state/store'
import type { StateRecord } from '../state/store'
import type { SpawnResult } from '../addon'
import type { GlobalOptions } from './index'
import type { Rollback } from './rollback'

/** What the kernel answers an unprivileged user (EROFS: a read-only cgroupfs). */
const NO_ACCESS = new Set(['EACCES', 'EPERM', 'EROFS'])

/** The cgroup made (with its undo pushed), or null when a rootless container goes without. */
export function createCgroup(spec: Spec, rec: StateRecord, rootless: boolean, undo: Rollback): CgroupDriver | null {
  if (rec.cgroup === null) return null
  const cg = openCgroup(rec.cgroup)
  undo.push('cgroup', () => cg.destroy())
  try {
    cg.create(withDeviceRules(spec.linux))
  } catch (err) {
    if (!rootless || spec.linux?.cgroupsPath || hasLimits(spec) || !NO_ACCESS.has(errnoCode(err))) throw err
    rec.cgroup = null
    return null
  }
  return cg
}

/**
 * Starts a tsrun-init (`spawn` calls addon.spawnInit with the fds it is
 * given and `into`) so that it never runs outside cg: born in cg's cgroup2
 * dir (CLONE_INTO_CGROUP) where there is one, and joining each v1 hierarchy
 * itself by writing "0" into the `tasks` fds it gets as plan.cgroupFds. No
 * whole process is moved, so no call waits on the kernel's threadgroup lock.
 * `join` places the child where the kernel could not at clone; call it once
 * the child's undo is registered.
 */
export function spawnInCgroup(cg: CgroupDriver | null, plan: { cgroupFds: number[] },
  spawn: (fds: number[], into: string | undefined) => SpawnResult): { child: SpawnResult; join: () => void } {
  plan.cgroupFds = openSelfJoin(cg)
  const into = cg?.cgroup2Dir ?? undefined
  let child: SpawnResult
  try {
    child = spawn(plan.cgroupFds, into)
  } finally {
    closeAll(plan.cgroupFds)
  }
  return { child, join: () => cg?.apply(child.pid, true, child.intoCgroup ? into : undefined) }
}

function openSelfJoin(cg: CgroupDriver | null): number[] {
  const fds: number[] = []
  for (const file of cg?.selfJoinFiles() ?? []) {
    try {
      fds.push(fs.openSync(file, fs.constants.O_WRONLY))
    } catch (err) {
      closeAll(fds)
      throw new TsrunError('system', `open ${file}`, { cause: err })
    }
  }
  return fds
}

function closeAll(fds: number[]): void {
  for (const fd of fds) fs.closeSync(fd)
}

/** Device rules are left out: a rootless container cannot make device nodes anyway. */
function hasLimits(spec: Spec): boolean {
  return Object.keys(spec.linux?.resources ?? {}).some((k) => k !== 'devices')
}

function errnoCode(err: unknown): string {
  let e = err as { code?: string; cause?: unknown } | undefined
  while (e && e.code === undefined) e = e.cause as typeof e
  return e?.code ?? ''
}

/** Runs `act` under the container lock with its live status and cgroup. */
export function withCgroup(g: GlobalOptions, id: string, op: string, act: (status: LiveStatus, cg: CgroupDriver, rec: StateRecord) => void): void {
  try {
    const lock = lockContainer(g.root, id)
    try {
      const rec = readState(g.root, id)
      const status = deriveStatus(g.root, rec)
      // Only a rootless container without cgroup access has none (lifecycle/cgroup.ts).
      if (!rec.cgroup) throw new TsrunError('state', 'container has no cgroup of its own (rootless, without cgroup access)')
      act(status, openCgroup(rec.cgroup), rec)
    } finally {
      lock.release()
    }
  } catch (err) {
    throw wrap(`${op} ${id}`, err)
  }
}
