// --systemd-cgroup: cgroupsPath is "slice:prefix:name" (runc's specconv),
// the container's cgroup a transient scope "<prefix>-<name>.scope" in that
// slice, made by systemd over D-Bus. Parsing and the slice rules are here;
// systemd itself is checked before any side effect, so without it create
// fails with one clear line and leaves nothing.
import * as fs from 'fs'
import { TsrunError } from '../errors'

export interface SystemdUnit {
  slice: string
  /** the scope's unit name, or a slice when `name` is one */
  unit: string
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

/**
 * The systemd driver's cgroup, once systemd is known to run (runc's
 * IsRunningSystemd: /run/systemd/system exists). Creating the transient
 * unit over D-Bus is not part of this build: a host running systemd gets a
 * clear error too, never a cgroup systemd does not know about.
 */
export function checkSystemd(unit: SystemdUnit): never {
  if (!fs.existsSync('/run/systemd/system')) {
    throw new TsrunError('config', `systemd cgroup flag passed, but systemd is not running (no /run/systemd/system): cannot create ${unit.unit} in ${unit.slice}`)
  }
  throw new TsrunError('config', `systemd cgroup driver: creating transient unit ${unit.unit} over D-Bus is not supported by this build`)
}
