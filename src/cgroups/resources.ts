// linux.resources → cgroup file writes: the shared vocabulary (a write, the
// checks before any write) and runc's v1 → v2 conversions
// (cgroups/utils.go). writes-v1.ts and writes-v2.ts build the lists; they are
// pure (no I/O) so tests assert the exact order, and the drivers write them.

import type { LinuxResources } from '../bundle/spec.generated'
import { TsrunError } from '../errors'

export type Resources = LinuxResources

export interface CgroupWrite {
  /** controller whose directory gets the write (v1 hierarchy / v2 subtree_control name) */
  controller: string
  file: string
  value: string
  /** skip when the file does not exist (e.g. memsw without swap accounting) */
  optional?: boolean
  /** read back and compare: the kernel clamps cpu.shares silently (runc checks too) */
  verify?: boolean
  /** write this instead when its file exists (BFQ's weight files replace CFQ's) */
  prefer?: { file: string; value: string }
}

export const str = (v: number): string => String(v)

/** A list builder: w(controller, file, value) in call order. */
export function writer(): { out: CgroupWrite[]; w: (c: string, f: string, v: string, extra?: Partial<CgroupWrite>) => void } {
  const out: CgroupWrite[] = []
  return { out, w: (controller, file, value, extra) => { out.push({ controller, file, value, ...extra }) } }
}

/**
 * Checks no kernel would make for us, before the first write, so a bad value
 * is a config error naming the field (runc's validator and fs checks).
 */
export function checkResources(r: Resources): void {
  const bad = (field: string, why: string): never => {
    throw new TsrunError('config', `linux.resources.${field}: ${why}`)
  }
  const sw = r.memory?.swappiness
  if (sw !== undefined && sw !== -1 && (sw < 0 || sw > 100)) bad('memory.swappiness', `invalid value ${sw} (valid range is 0-100)`)
  const w = r.blockIO?.weight
  if (w !== undefined && w !== 0 && (w < 10 || w > 1000)) bad('blockIO.weight', `invalid value ${w} (valid range is 10-1000)`)
  r.hugepageLimits?.forEach((h, i) => {
    if (!/^\d+[KMGTPE]?B$/.test(h.pageSize)) bad(`hugepageLimits[${i}].pageSize`, `invalid page size ${JSON.stringify(h.pageSize)}`)
  })
  for (const k of Object.keys(r.unified ?? {})) {
    if (k.includes('/') || k === '' || k.startsWith('.')) bad('unified', `invalid key ${JSON.stringify(k)}`)
  }
  for (const name of Object.keys(r.rdma ?? {})) {
    if (/\s/.test(name) || name === '') bad('rdma', `invalid device name ${JSON.stringify(name)}`)
  }
}

/** runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] → [1, 10000]. */
export function sharesToWeight(shares: number): number {
  return shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142)
}

/** runc's ConvertBlkIOToIOWeightValue: [10, 1000] → [1, 10000]. */
export function blkioToIoWeight(weight: number): number {
  return weight === 0 ? 0 : 1 + Math.floor(((weight - 10) * 9999) / 990)
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

/** "major:minor" of a device entry. */
export const dev = (d: { major: number; minor: number }): string => `${d.major}:${d.minor}`

type Throttle = { major: number; minor: number; rate: number }

/** The four throttle lists with their v1 file stem and v2 io.max key. */
export function throttles(io: NonNullable<Resources['blockIO']>): { v1: string; v2: string; d: Throttle }[] {
  const lists: [Throttle[] | undefined, string, string][] = [
    [io.throttleReadBpsDevice, 'read_bps', 'rbps'], [io.throttleWriteBpsDevice, 'write_bps', 'wbps'],
    [io.throttleReadIOPSDevice, 'read_iops', 'riops'], [io.throttleWriteIOPSDevice, 'write_iops', 'wiops'],
  ]
  return lists.flatMap(([l, v1, v2]) => (l ?? []).map((d) => ({ v1, v2, d })))
}

/** rdma.max lines, one per device: "mlx4_0 hca_handle=2 hca_object=2000". */
export function rdmaLines(rdma: Resources['rdma']): string[] {
  return Object.entries(rdma ?? {}).flatMap(([name, l]) => {
    const parts = [
      ...(l.hcaHandles !== undefined ? [`hca_handle=${l.hcaHandles}`] : []),
      ...(l.hcaObjects !== undefined ? [`hca_object=${l.hcaObjects}`] : []),
    ]
    return parts.length > 0 ? [`${name} ${parts.join(' ')}`] : []
  })
}
