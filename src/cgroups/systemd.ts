// --systemd-cgroup: cgroupsPath is "slice:prefix:name" (runc's specconv),
// the container's cgroup a transient scope "<prefix>-<name>.scope" in that
// slice, made by systemd over D-Bus (systemd-unit.ts). Its directories are
// where systemd puts the unit, in every hierarchy: systemd makes and joins
// those it manages, tsrun the rest, and the limits are written through the
// v1/v2 drivers as without systemd. Without systemd create fails with one
// clear line before any side effect.
import * as fs from '../fsys'
import { TsrunError } from '../errors'
import type { Layout } from './detect'
import type { CgroupDriver, CgroupRecord, FreezerState } from './driver'
import type { Resources } from './resources'
import type { OomWatch } from './oom-watch'
import type { Stats } from './stats'
import type { ScopeUnit } from './systemd-unit'

export interface SystemdUnit extends ScopeUnit {
  /** where the unit's cgroup is, below the hierarchy's root: /a.slice/a-b.slice/tsrun-x.scope */
  path: string
}

/** runc's defaults for an empty cgroupsPath: system.slice, prefix "runc" (here "tsrun"), the id. */
export function parseSystemdPath(cgroupsPath: string | undefined, id: string): SystemdUnit {
  const parts = cgroupsPath ? cgroupsPath.split(':') : ['system.slice', 'tsrun', id]
  if (parts.length !== 3) {
    throw new TsrunError('config', `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${JSON.stringify(cgroupsPath)} instead`)
  }
  const [slice, prefix, name] = [parts[0] || 'system.slice', parts[1], parts[2]]
  const unit = name.endsWith('.slice') ? name : `${prefix ? `${prefix}-` : ''}${name}.scope`
  if (name === '' || unit.includes('/')) throw new TsrunError('config', `invalid systemd unit name ${JSON.stringify(unit)}`)
  return { slice, unit, path: `${expandSlice(slice)}/${unit}` }
}

/** systemd's slice nesting: "a-b-c.slice" lives at /a.slice/a-b.slice/a-b-c.slice; "-.slice" is the root. */
export function expandSlice(slice: string): string {
  const bad = (): never => { throw new TsrunError('config', `invalid slice name: ${slice}`) }
  if (!slice.endsWith('.slice') || slice.includes('/')) bad()
  const base = slice.slice(0, -'.slice'.length)
  if (base === '-') return ''
  if (base === '' || base.startsWith('-') || base.endsWith('-') || base.includes('--')) bad()
  let prefix = ''
  let out = ''
  for (const component of base.split('-')) {
    prefix = prefix ? `${prefix}-${component}` : component
    out += `/${prefix}.slice`
  }
  return out
}

/** runc's IsRunningSystemd (sd_booted): /run/systemd/system exists. */
export function checkSystemd(unit: SystemdUnit): void {
  if (!fs.existsSync('/run/systemd/system')) {
    throw new TsrunError('config', `systemd cgroup flag passed, but systemd is not running (no /run/systemd/system): cannot create ${unit.unit} in ${unit.slice}`)
  }
}

/**
 * The unit's directories (runc's initPaths / getSubsystemPath): the
 * hierarchy's mountpoint, the slice's path, the unit — on v1 in every
 * hierarchy, and on a hybrid host the cgroup2 mount too.
 */
export function systemdRecord(unit: SystemdUnit, layout: Layout): CgroupRecord {
  const systemd: ScopeUnit = { unit: unit.unit, slice: unit.slice }
  if (layout.mode === 'v2') return { driver: 'v2', mount: layout.unified, path: layout.unified + unit.path, systemd }
  const paths: Record<string, string> = {}
  for (const m of layout.mounts) for (const c of m.controllers) paths[c] = m.mountpoint + unit.path
  if (layout.unified) paths[''] = layout.unified.mountpoint + unit.path
  return { driver: 'v1', paths, systemd }
}

/**
 * The systemd driver wraps the v1/v2 one for the same directories. A scope
 * cannot start empty, so create() only keeps the resources, and the first
 * apply() — the init's, the point where the other drivers join it — starts
 * the unit with the init in it, then makes and joins what systemd did not
 * and writes the limits. Later apply()s (exec) only join; set() (update)
 * tells systemd the new limits before writing them.
 */
export class SystemdDriver implements CgroupDriver {
  private pending: Resources | null = null
  /** The unit's dirs exist only once systemd has started it with the init inside. */
  readonly cgroup2Dir = null

  constructor(readonly record: CgroupRecord & { systemd: ScopeUnit }, private readonly fsDriver: CgroupDriver) {}

  create(resources: Resources = {}): void {
    this.pending = resources
  }

  /** None before the unit exists: its directories are made when it starts. */
  selfJoinFiles(): string[] {
    return this.pending === null ? this.fsDriver.selfJoinFiles() : []
  }

  apply(pid: number, selfJoined = false): void {
    if (this.pending === null) return this.fsDriver.apply(pid, selfJoined)
    const sd = require('./systemd-unit') as typeof import('./systemd-unit')
    const { props, resources } = sd.unitProperties(this.record.systemd, pid, this.pending, this.record.driver === 'v2')
    const bus = sd.connectSystemd()
    // From here on there may be a unit for destroy() to stop.
    this.pending = null
    try {
      sd.startUnit(bus, this.record.systemd.unit, props)
    } finally {
      bus.close()
    }
    this.fsDriver.create(resources)
    this.fsDriver.apply(pid)
  }

  /** update: systemd first, so it keeps the new limits when it re-applies its own (runc's Set). */
  set(resources: Resources): void {
    const sd = require('./systemd-unit') as typeof import('./systemd-unit')
    const limits = sd.resourceProperties(resources, this.record.driver === 'v2')
    if (limits.props.length > 0) {
      const bus = sd.connectSystemd()
      try {
        sd.setUnitProperties(bus, this.record.systemd.unit, limits.props)
      } finally {
        bus.close()
      }
    }
    this.fsDriver.set(limits.resources)
  }

  pids(): number[] {
    return this.fsDriver.pids()
  }

  freeze(): void {
    this.fsDriver.freeze()
  }

  thaw(): void {
    this.fsDriver.thaw()
  }

  freezerState(): FreezerState {
    return this.fsDriver.freezerState()
  }

  killAll(signal: number): void {
    this.fsDriver.killAll(signal)
  }

  stats(): Stats {
    return this.fsDriver.stats()
  }

  watchOom(): OomWatch {
    return this.fsDriver.watchOom()
  }

  /**
   * StopUnit (a create that failed before the unit was asked for has none),
   * then every directory, systemd's leftovers and ours, as runc's Destroy:
   * removed even when systemd could not be reached, which is then the error.
   */
  destroy(): void {
    let stopErr: unknown = null
    if (this.pending === null) {
      const sd = require('./systemd-unit') as typeof import('./systemd-unit')
      try {
        const bus = sd.connectSystemd()
        try {
          sd.stopUnit(bus, this.record.systemd.unit)
        } finally {
          bus.close()
        }
      } catch (err) {
        stopErr = err
      }
    }
    this.fsDriver.destroy()
    if (stopErr !== null) throw stopErr
  }
}
