// linux.resources → the cgroup file writes, in order, for a freshly created
// cgroup. Pure (no I/O) so tests assert the exact list; the drivers write it.
// Values and ordering follow runc 1.1.5 (cgroups/fs/*.go, cgroups/fs2/*.go,
// and the conversions in cgroups/utils.go).

import { TsrunError } from '../errors'

/** The subset of the OCI LinuxResources handled so far (structurally the spec's type). */
export interface Resources {
  memory?: { limit?: number; reservation?: number; swap?: number }
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string }
  pids?: { limit?: number }
}

export interface CgroupWrite {
  /** controller whose directory gets the write (v1 hierarchy / v2 subtree_control name) */
  controller: string
  file: string
  value: string
  /** skip when the file does not exist (e.g. memsw without swap accounting) */
  optional?: boolean
}

const n = (v: number): string => String(v)

export function v1Writes(r: Resources): CgroupWrite[] {
  const out: CgroupWrite[] = []
  const w = (controller: string, file: string, value: string, optional?: boolean): void => {
    out.push(optional ? { controller, file, value, optional } : { controller, file, value })
  }
  const mem = r.memory ?? {}
  const limit = mem.limit ?? 0
  const swap = mem.swap ?? 0
  // memory -1 without a swap value means "both unlimited" (memsw only if the
  // kernel has swap accounting); memsw must stay >= limit, so -1 goes first.
  const both = limit === -1 && swap === 0
  if (both || swap === -1) {
    w('memory', 'memory.memsw.limit_in_bytes', '-1', both)
    if (limit !== 0) w('memory', 'memory.limit_in_bytes', n(limit))
  } else {
    if (limit !== 0) w('memory', 'memory.limit_in_bytes', n(limit))
    if (swap !== 0) w('memory', 'memory.memsw.limit_in_bytes', n(swap))
  }
  if (mem.reservation) w('memory', 'memory.soft_limit_in_bytes', n(mem.reservation))
  const cpu = r.cpu ?? {}
  if (cpu.shares) w('cpu', 'cpu.shares', n(cpu.shares))
  if (cpu.period) w('cpu', 'cpu.cfs_period_us', n(cpu.period))
  if (cpu.quota) w('cpu', 'cpu.cfs_quota_us', n(cpu.quota))
  if (cpu.cpus) w('cpuset', 'cpuset.cpus', cpu.cpus)
  if (cpu.mems) w('cpuset', 'cpuset.mems', cpu.mems)
  const pids = r.pids?.limit ?? 0
  if (pids !== 0) w('pids', 'pids.max', pids > 0 ? n(pids) : 'max')
  return out
}

/** runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] → [1, 10000]. */
export function sharesToWeight(shares: number): number {
  return shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142)
}

/** runc's ConvertMemorySwapToCgroupV2Value: v1's memory+swap → v2's swap alone. */
export function swapToV2(swap: number, memory: number): number {
  if (memory === -1 && swap === 0) return -1
  if (swap === -1 || swap === 0) return swap
  if (memory === 0 || memory === -1) throw new TsrunError('config', 'unable to set swap limit without memory limit')
  if (memory < 0) throw new TsrunError('config', `invalid memory value: ${memory}`)
  if (swap < memory) throw new TsrunError('config', 'memory+swap limit should be >= memory limit')
  return swap - memory
}

/** v2 "max" for -1, nothing for 0 (unset), else the number (runc's numToStr). */
const v2num = (v: number): string => (v === -1 ? 'max' : v === 0 ? '' : n(v))

export function v2Writes(r: Resources): CgroupWrite[] {
  const out: CgroupWrite[] = []
  const w = (controller: string, file: string, value: string): void => { out.push({ controller, file, value }) }
  const mem = r.memory ?? {}
  if (mem.limit || mem.swap || mem.reservation) {
    const limit = mem.limit ?? 0
    const swap = swapToV2(mem.swap ?? 0, limit)
    // swap == memory (v1 terms) means "no swap at all": write 0; an unset swap writes nothing.
    const s = swap === 0 && (mem.swap ?? 0) > 0 ? '0' : v2num(swap)
    if (s !== '') w('memory', 'memory.swap.max', s)
    if (v2num(limit) !== '') w('memory', 'memory.max', v2num(limit))
    if (v2num(mem.reservation ?? 0) !== '') w('memory', 'memory.low', v2num(mem.reservation ?? 0))
  }
  const cpu = r.cpu ?? {}
  const weight = sharesToWeight(cpu.shares ?? 0)
  if (weight !== 0) w('cpu', 'cpu.weight', n(weight))
  if (cpu.quota || cpu.period) {
    w('cpu', 'cpu.max', `${cpu.quota && cpu.quota > 0 ? n(cpu.quota) : 'max'} ${cpu.period || 100000}`)
  }
  if (cpu.cpus) w('cpuset', 'cpuset.cpus', cpu.cpus)
  if (cpu.mems) w('cpuset', 'cpuset.mems', cpu.mems)
  const pids = r.pids?.limit ?? 0
  if (pids !== 0) w('pids', 'pids.max', pids > 0 ? n(pids) : 'max')
  return out
}
