// Device access rules: linux.resources.devices in order, then an allow rule
// for each linux.devices entry and runc's default allowed devices (specconv
// AllowedDevices), folded into one state the way the kernel's v1 devices
// controller does (runc's devices emulator): a default (allow or deny all)
// plus exceptions. v1 writes that state; v2 compiles it into a BPF program.

import type { LinuxDeviceCgroup } from '../bundle/spec.generated'
import type { CgroupWrite, Resources } from './resources'

export interface DeviceRule {
  type: 'a' | 'b' | 'c'
  /** -1 = any */
  major: number
  minor: number
  access: string
  allow: boolean
}

export interface DeviceState {
  defaultAllow: boolean
  /** exceptions to the default, in first-seen order */
  rules: DeviceRule[]
}

const rule = (type: 'b' | 'c', major: number, minor: number, access: string): LinuxDeviceCgroup =>
  ({ allow: true, type, major, minor, access })

/** runc 1.1.5's AllowedDevices: mknod of anything, the standard nodes, ptys, tun. */
export const DEFAULT_ALLOWED: LinuxDeviceCgroup[] = [
  { allow: true, type: 'c', access: 'm' }, { allow: true, type: 'b', access: 'm' },
  rule('c', 1, 3, 'rwm'), rule('c', 1, 8, 'rwm'), rule('c', 1, 7, 'rwm'), rule('c', 5, 0, 'rwm'),
  rule('c', 1, 5, 'rwm'), rule('c', 1, 9, 'rwm'), { allow: true, type: 'c', major: 136, access: 'rwm' },
  rule('c', 5, 2, 'rwm'), rule('c', 10, 200, 'rwm'),
]

/** The spec's rules, then linux.devices (rwm each), then the defaults. */
export function containerDeviceRules(resources: LinuxDeviceCgroup[] | undefined,
  devices: { type: string; major?: number; minor?: number }[] | undefined): LinuxDeviceCgroup[] {
  const own = (devices ?? []).filter((d) => d.type === 'b' || d.type === 'c' || d.type === 'u')
    .map((d) => rule(d.type === 'b' ? 'b' : 'c', d.major ?? -1, d.minor ?? -1, 'rwm'))
  return [...(resources ?? []), ...own, ...DEFAULT_ALLOWED]
}

/** linux.resources with the full device rule list create applies. */
export function withDeviceRules(linux: { resources?: Resources; devices?: { type: string; major?: number; minor?: number }[] } | undefined): Resources {
  const r = linux?.resources ?? {}
  return { ...r, devices: containerDeviceRules(r.devices, linux?.devices) }
}

function normalize(d: LinuxDeviceCgroup): DeviceRule {
  const type = d.type === 'b' || d.type === 'c' ? d.type : 'a'
  return { type, major: d.major ?? -1, minor: d.minor ?? -1, access: d.access || 'rwm', allow: d.allow }
}

const ACCESS = ['r', 'w', 'm']
const sameDev = (a: DeviceRule, b: DeviceRule): boolean => a.type === b.type && a.major === b.major && a.minor === b.minor

/** Applies the rules in order to a cgroup that starts allowing everything. */
export function emulate(list: LinuxDeviceCgroup[]): DeviceState {
  let state: DeviceState = { defaultAllow: true, rules: [] }
  for (const r of list.map(normalize)) {
    if (r.type === 'a') {
      // "a" resets the whole list, as the kernel does for devices.allow/deny "a".
      state = { defaultAllow: r.allow, rules: [] }
      continue
    }
    const i = state.rules.findIndex((x) => sameDev(x, r))
    if (r.allow === state.defaultAllow) {
      // Same as the default: take the access away from a matching exception.
      if (i < 0) continue
      const left = ACCESS.filter((a) => state.rules[i].access.includes(a) && !r.access.includes(a)).join('')
      if (left === '') state.rules.splice(i, 1)
      else state.rules[i] = { ...state.rules[i], access: left }
    } else if (i < 0) {
      state.rules.push({ ...r, access: ACCESS.filter((a) => r.access.includes(a)).join('') })
    } else {
      const acc = state.rules[i].access + r.access
      state.rules[i] = { ...state.rules[i], access: ACCESS.filter((a) => acc.includes(a)).join('') }
    }
  }
  return state
}

/** The kernel's rule text: "c 1:3 rwm", "*" for any. */
export function ruleText(r: Pick<DeviceRule, 'type' | 'major' | 'minor' | 'access'>): string {
  const n = (v: number): string => (v < 0 ? '*' : String(v))
  return r.type === 'a' ? 'a' : `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`
}

/** v1: reset to the default with "a", then one write per exception. */
export function deviceWrites(list: LinuxDeviceCgroup[]): CgroupWrite[] {
  const s = emulate(list)
  const reset = s.defaultAllow ? 'devices.allow' : 'devices.deny'
  const except = s.defaultAllow ? 'devices.deny' : 'devices.allow'
  return [
    { controller: 'devices', file: reset, value: 'a' },
    ...s.rules.map((r) => ({ controller: 'devices', file: except, value: ruleText(r) })),
  ]
}
