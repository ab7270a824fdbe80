// systemd's D-Bus API as the --systemd-cgroup driver uses it, after runc
// (opencontainers/cgroups systemd/{common,v1,v2,dbus}.go) and go-systemd's
// dbus package: the connection order, StartTransientUnit with the unit's
// properties and a wait for its job, StopUnit, ResetFailedUnit.
import { describe, TsrunError } from '../errors'
import { warn } from '../log'
import { Connection, DbusError, Variant, type DbusValue } from './dbus'
import { sharesToWeight, swapToV2, type Resources } from './resources'

const SYSTEMD = 'org.freedesktop.systemd1'
const OBJECT = '/org/freedesktop/systemd1'
const MANAGER = 'org.freedesktop.systemd1.Manager'
/** How long runc waits for systemd's job; a method reply gets as long. */
const TIMEOUT_MS = 30_000
/** systemd's USEC_INFINITY / "infinity" for the limits below. */
const INFINITY = 2n ** 64n - 1n

export type Property = [string, Variant]

export interface ScopeUnit {
  unit: string
  slice: string
}

/**
 * go-systemd's NewWithContext: the system bus (with Hello), else, for root,
 * systemd's private socket (peer to peer: no bus daemon, no Hello).
 */
export function connectSystemd(): Connection {
  let busErr: unknown
  try {
    const bus = Connection.open(systemBusPath(), true, TIMEOUT_MS)
    // The bus only forwards the signals we ask for; the job's end is one.
    bus.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch', 's',
      [`type='signal',interface='${MANAGER}',member='JobRemoved'`], TIMEOUT_MS)
    return bus
  } catch (err) {
    busErr = err
  }
  if (process.getuid?.() !== 0) throw new TsrunError('system', 'connect to systemd', { cause: busErr })
  try {
    return Connection.open('/run/systemd/private', false, TIMEOUT_MS)
  } catch (err) {
    throw new TsrunError('system', `connect to systemd: ${describe(busErr)}; ${describe(err)}`)
  }
}

/** DBUS_SYSTEM_BUS_ADDRESS's first unix:path= address, else the standard socket. */
export function systemBusPath(address = process.env.DBUS_SYSTEM_BUS_ADDRESS): string {
  if (!address) return '/run/dbus/system_bus_socket'
  for (const a of address.split(';')) {
    const m = /^unix:(.*)$/.exec(a)
    const p = m?.[1].split(',').find((kv) => kv.startsWith('path='))
    if (p !== undefined) return decodeURIComponent(p.slice('path='.length))
  }
  throw new TsrunError('config', `DBUS_SYSTEM_BUS_ADDRESS=${address}: no unix:path= address (the only kind tsrun can use)`)
}

function manager(c: Connection, member: string, sig: string, args: DbusValue[]): DbusValue[] {
  return c.call(SYSTEMD, OBJECT, MANAGER, member, sig, args, TIMEOUT_MS)
}

/** The JobRemoved result of `job` ("done", "failed", ...), or null after the timeout. */
function jobResult(c: Connection, job: DbusValue): string | null {
  const body = c.signal(MANAGER, 'JobRemoved', (b) => b[1] === job, Date.now() + TIMEOUT_MS)
  return body === null ? null : String(body[3])
}

function isError(err: unknown, name: string): boolean {
  return err instanceof DbusError && err.dbusName === `org.freedesktop.systemd1.${name}`
}

function resetFailed(c: Connection, unit: string): void {
  try {
    manager(c, 'ResetFailedUnit', 's', [unit])
  } catch {
    // Only a failed unit has anything to reset; systemd says NoSuchUnit or
    // not-failed otherwise, and either way there is nothing left to do.
  }
}

/**
 * StartTransientUnit in "replace" mode, then the wait for its job. A unit
 * of that name left over (failed) is reset and the start retried once, as runc.
 */
export function startUnit(c: Connection, unit: string, props: Property[]): void {
  let job: DbusValue
  try {
    job = manager(c, 'StartTransientUnit', 'ssa(sv)a(sa(sv))', [unit, 'replace', props, []])[0]
  } catch (err) {
    if (!isError(err, 'UnitExists')) throw new TsrunError('system', `start systemd unit ${unit}`, { cause: err })
    resetFailed(c, unit)
    try {
      job = manager(c, 'StartTransientUnit', 'ssa(sv)a(sa(sv))', [unit, 'replace', props, []])[0]
    } catch (again) {
      throw new TsrunError('system', `start systemd unit ${unit}`, { cause: again })
    }
  }
  const result = jobResult(c, job)
  if (result === 'done') return
  resetFailed(c, unit)
  if (result === null) throw new TsrunError('system', `timeout waiting ${TIMEOUT_MS / 1000}s for systemd to create ${unit}`)
  throw new TsrunError('system', `error creating systemd unit ${unit}: got ${result}`)
}

/** StopUnit and the wait for its job; a unit already gone is fine. */
export function stopUnit(c: Connection, unit: string): void {
  let job: DbusValue
  try {
    job = manager(c, 'StopUnit', 'ss', [unit, 'replace'])[0]
  } catch (err) {
    if (isError(err, 'NoSuchUnit')) return
    throw new TsrunError('system', `stop systemd unit ${unit}`, { cause: err })
  }
  const result = jobResult(c, job)
  if (result === null) throw new TsrunError('system', `timeout waiting ${TIMEOUT_MS / 1000}s for systemd to remove ${unit}`)
  // runc goes on too: the cgroup dirs are removed next either way.
  if (result !== 'done') warn(`error removing systemd unit ${unit}: got ${result}; continuing`)
  resetFailed(c, unit)
}

const prop = (name: string, sig: string, value: DbusValue): Property => [name, new Variant(sig, value)]
const u64 = (v: number): bigint => BigInt.asUintN(64, BigInt(v))

/** SetUnitProperties for a running unit (runtime only, as runc: lost on reboot like the unit). */
export function setUnitProperties(c: Connection, unit: string, props: Property[]): void {
  try {
    manager(c, 'SetUnitProperties', 'sba(sv)', [unit, true, props])
  } catch (err) {
    throw new TsrunError('system', `set properties of systemd unit ${unit}`, { cause: err })
  }
}

/**
 * The unit's properties, as runc's Apply: what the unit is, where it goes,
 * its first process, accounting on, then the limits (resourceProperties).
 */
export function unitProperties(s: ScopeUnit, pid: number, r: Resources, unified: boolean): { props: Property[]; resources: Resources } {
  const props: Property[] = [prop('Description', 's', `tsrun container ${s.unit}`)]
  if (s.unit.endsWith('.slice')) {
    props.push(prop('Wants', 'as', [s.slice]))
  } else {
    props.push(prop('Slice', 's', s.slice), prop('Delegate', 'b', true))
  }
  props.push(prop('PIDs', 'au', [pid]))
  for (const a of ['Memory', 'CPU', unified ? 'IO' : 'BlockIO', 'Tasks']) props.push(prop(`${a}Accounting`, 'b', true))
  props.push(prop('DefaultDependencies', 'b', false))
  const limits = resourceProperties(r, unified)
  return { props: [...props, ...limits.props], resources: limits.resources }
}

/**
 * The limits systemd knows, as runc's genV1/genV2ResourcesProperties. Returns
 * the resources to write to cgroupfs after: the cpu quota rounded up as
 * systemd rounds it, so both agree.
 */
export function resourceProperties(r: Resources, unified: boolean): { props: Property[]; resources: Resources } {
  const props: Property[] = []
  const mem = r.memory ?? {}
  const cpu = { ...r.cpu }
  if (unified) {
    if (mem.limit) props.push(prop('MemoryMax', 't', u64(mem.limit)))
    if (mem.reservation) props.push(prop('MemoryLow', 't', u64(mem.reservation)))
    const swap = swapToV2(mem.swap ?? 0, mem.limit ?? 0)
    if (swap !== 0) props.push(prop('MemorySwapMax', 't', u64(swap)))
    if (cpu.shares) props.push(prop('CPUWeight', 't', u64(sharesToWeight(cpu.shares))))
  } else {
    if (mem.limit) props.push(prop('MemoryLimit', 't', u64(mem.limit)))
    if (cpu.shares) props.push(prop('CPUShares', 't', u64(cpu.shares)))
  }
  props.push(...quotaProperties(cpu))
  if (!unified && r.blockIO?.weight) props.push(prop('BlockIOWeight', 't', u64(r.blockIO.weight)))
  const pids = r.pids?.limit
  // systemd refuses TasksMax=0: runc asks for 1.
  if (pids !== undefined && pids !== null) props.push(prop('TasksMax', 't', pids < 0 ? INFINITY : u64(Math.max(pids, 1))))
  if (cpu.cpus) props.push(prop('AllowedCPUs', 'ay', rangeToBits(cpu.cpus, 'cpu.cpus')))
  if (cpu.mems) props.push(prop('AllowedMemoryNodes', 'ay', rangeToBits(cpu.mems, 'cpu.mems')))
  return { props, resources: r.cpu ? { ...r, cpu } : r }
}

/**
 * runc's addCPUQuota. systemd keeps the quota as a whole percent of a CPU,
 * so a quota per second that is not a multiple of 10 ms is rounded up, and
 * `cpu.quota` with it, to write the same value to cgroupfs.
 */
function quotaProperties(cpu: NonNullable<Resources['cpu']>): Property[] {
  const out: Property[] = []
  const period = cpu.period ?? 0
  if (period !== 0) out.push(prop('CPUQuotaPeriodUSec', 't', u64(period)))
  const quota = cpu.quota ?? 0
  if (quota === 0 && period === 0) return out
  let perSec = INFINITY
  if (quota > 0) {
    const p = period || 100000
    perSec = (BigInt(quota) * 1000000n) / BigInt(p)
    if (perSec % 10000n !== 0n) {
      perSec = (perSec / 10000n + 1n) * 10000n
      cpu.quota = Number((perSec * BigInt(p)) / 1000000n)
    }
  }
  out.push(prop('CPUQuotaPerSecUSec', 't', perSec))
  return out
}

/** runc's RangeToBits: "1,3-5" → a bitmask, lowest CPU in the first byte's lowest bit. */
export function rangeToBits(list: string, field: string): number[] {
  const bytes: number[] = []
  const bad = (): never => { throw new TsrunError('config', `linux.resources.${field}: invalid list ${JSON.stringify(list)}`) }
  for (const part of list.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part) ?? bad()
    const [lo, hi] = [Number(m[1]), Number(m[2] ?? m[1])]
    if (lo > hi || hi > 65535) bad()
    for (let i = lo; i <= hi; i++) {
      while (bytes.length <= i >> 3) bytes.push(0)
      bytes[i >> 3] |= 1 << (i & 7)
    }
  }
  return bytes.length > 0 ? bytes : bad()
}
