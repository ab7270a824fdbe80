// The cgroup driver interface (runc's Manager, crun's cgroup manager table)
// and the two entry points the lifecycle uses: planCgroup (where, before any
// side effect, so the state record can hold it) and openCgroup (act on it).
// Nothing here imports lifecycle, bundle or state.

import type { Resources } from './resources'
import type { OomWatch } from './oom-watch'
import type { Stats } from './stats'
import { detectLayout, ownCgroups } from './detect'
import { ownCgroupRecord, resolveCgroup } from './path'
import type { ScopeUnit } from './systemd-unit'

/** Stored in the state record; enough to find and destroy the cgroup later.
 *  `systemd`: the dirs are a systemd unit's (--systemd-cgroup). */
export type CgroupRecord =
  /** controller → dir (joint hierarchies repeat the dir); '' = the hybrid cgroup2 dir */
  | { driver: 'v1'; paths: Record<string, string>; systemd?: ScopeUnit }
  /** mount = the cgroup2 mountpoint (ancestors below it get controllers enabled) */
  | { driver: 'v2'; mount: string; path: string; systemd?: ScopeUnit }

/** '' when the cgroup has no freezer (v1 without a freezer hierarchy). */
export type FreezerState = 'THAWED' | 'FREEZING' | 'FROZEN' | ''

export interface CgroupDriver {
  readonly record: CgroupRecord
  /** Makes the dirs (v2: enables controllers in ancestors; v1 cpuset: copies
   *  cpus/mems down) and writes `resources`. Call before the init joins. */
  create(resources?: Resources): void
  /** Writes `resources` into the existing cgroup (create and update). */
  set(resources: Resources): void
  /**
   * The files a process joins by writing "0" into them itself, v1 `tasks`
   * (InitPlan.cgroupFds says why); [] on v2, where only a whole process moves.
   */
  selfJoinFiles(): string[]
  /** The dir on a cgroup2 hierarchy (v2; the hybrid host's unified dir) a
   *  process can be created in (clone3 CLONE_INTO_CGROUP), or null. */
  readonly cgroup2Dir: string | null
  /**
   * Moves `pid` into the cgroup (every hierarchy on v1), less
   * selfJoinFiles()' when `selfJoined` and less `joined`, the cgroup2Dir it
   * was created in. The systemd driver's first apply after create starts its
   * unit with `pid` in it.
   */
  apply(pid: number, selfJoined?: boolean, joined?: string): void
  /** Every pid in the cgroup and its sub-cgroups. */
  pids(): number[]
  freeze(): void
  thaw(): void
  freezerState(): FreezerState
  /** Signals every process in the cgroup (cgroup.kill for SIGKILL on v2). */
  killAll(signal: number): void
  /** Usage counters, in runc's events shape. */
  stats(): Stats
  /** Starts watching for OOM events (runc's notifyOnOOM); the caller closes it. */
  watchOom(): OomWatch
  /** rmdir everything, retrying on EBUSY; already gone is fine. */
  destroy(): void
}

/** Where a container's cgroup goes on this host (reads mountinfo and /proc/self/cgroup). */
export function planCgroup(cgroupsPath: string | undefined, id: string, systemd = false): CgroupRecord {
  if (systemd) {
    const { checkSystemd, parseSystemdPath, systemdRecord } = require('./systemd') as typeof import('./systemd')
    const unit = parseSystemdPath(cgroupsPath, id)
    checkSystemd(unit)
    return systemdRecord(unit, detectLayout())
  }
  return resolveCgroup(cgroupsPath, id, detectLayout(), ownCgroups())
}

/** tsrun's own cgroups, as a record (what a container without a cgroup of its own sees). */
export function ownCgroup(): CgroupRecord {
  return ownCgroupRecord(detectLayout(), ownCgroups())
}

/** The driver for `rec`; only its module is loaded (a call acts on one kind of cgroup). */
export function openCgroup(rec: CgroupRecord): CgroupDriver {
  const fs = rec.driver === 'v2'
    ? new (require('./v2') as typeof import('./v2')).V2Driver(rec)
    : new (require('./v1') as typeof import('./v1')).V1Driver(rec)
  if (!rec.systemd) return fs
  return new (require('./systemd') as typeof import('./systemd')).SystemdDriver({ ...rec, systemd: rec.systemd }, fs)
}
