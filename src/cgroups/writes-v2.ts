// linux.resources → cgroup v2 file writes, with runc's conversions from the
// v1 terms the spec uses (cgroups/fs2/*.go, runc 1.2 for burst and idle).
// Devices are not files on v2 (devices-bpf.ts); unified keys go last, so a
// raw key/value overrides what the conversions wrote, as runc.

import { TsrunError } from '../errors'
import {
  blkioToIoWeight, checkResources, dev, rdmaLines, sharesToWeight, str, swapToV2, throttles, writer,
  type CgroupWrite, type Resources,
} from './resources'

/** v2 "max" for -1, nothing for 0 (unset), else the number (runc's numToStr). */
const v2num = (v: number): string => (v === -1 ? 'max' : v === 0 ? '' : str(v))

export function v2Writes(r: Resources): CgroupWrite[] {
  checkResources(r)
  const { out, w } = writer()
  const cpu = r.cpu ?? {}
  if (cpu.realtimePeriod || cpu.realtimeRuntime) {
    throw new TsrunError('config', 'linux.resources.cpu: realtime runtime and period are not supported on cgroup v2')
  }
  if (r.network?.classID || (r.network?.priorities ?? []).length > 0) {
    throw new TsrunError('config', 'linux.resources.network: net_cls and net_prio are not supported on cgroup v2')
  }
  out.push(...memoryWrites(r.memory ?? {}))
  const weight = sharesToWeight(cpu.shares ?? 0)
  if (weight !== 0) w('cpu', 'cpu.weight', str(weight))
  if (cpu.quota || cpu.period) {
    const quota = cpu.quota && cpu.quota > 0 ? str(cpu.quota) : 'max'
    // runc writes the kernel's default period when none is given.
    w('cpu', 'cpu.max', `${quota} ${cpu.period || 100000}`)
  }
  if (cpu.burst !== undefined) w('cpu', 'cpu.max.burst', str(cpu.burst))
  if (cpu.idle !== undefined) w('cpu', 'cpu.idle', str(cpu.idle))
  if (cpu.cpus) w('cpuset', 'cpuset.cpus', cpu.cpus)
  if (cpu.mems) w('cpuset', 'cpuset.mems', cpu.mems)
  const pids = r.pids?.limit ?? 0
  if (pids !== 0) w('pids', 'pids.max', pids > 0 ? str(pids) : 'max')
  out.push(...ioWrites(r.blockIO ?? {}))
  for (const h of r.hugepageLimits ?? []) {
    w('hugetlb', `hugetlb.${h.pageSize}.max`, str(h.limit))
    w('hugetlb', `hugetlb.${h.pageSize}.rsvd.max`, str(h.limit), { optional: true })
  }
  for (const line of rdmaLines(r.rdma)) w('rdma', 'rdma.max', line)
  for (const [k, v] of Object.entries(r.unified ?? {})) w(k.split('.')[0], k, v)
  return out
}

function memoryWrites(mem: NonNullable<Resources['memory']>): CgroupWrite[] {
  const { out, w } = writer()
  if (!mem.limit && !mem.swap && !mem.reservation) return out
  const limit = mem.limit ?? 0
  const swap = swapToV2(mem.swap ?? 0, limit)
  // swap == memory (v1 terms) means "no swap at all": write 0; an unset swap writes nothing.
  const s = swap === 0 && (mem.swap ?? 0) > 0 ? '0' : v2num(swap)
  if (s !== '') w('memory', 'memory.swap.max', s)
  if (v2num(limit) !== '') w('memory', 'memory.max', v2num(limit))
  if (v2num(mem.reservation ?? 0) !== '') w('memory', 'memory.low', v2num(mem.reservation ?? 0))
  return out
}

function ioWrites(io: NonNullable<Resources['blockIO']>): CgroupWrite[] {
  const { out, w } = writer()
  // BFQ takes the v1 weight as is; io.weight has v2's range.
  if (io.weight) {
    w('io', 'io.weight', str(blkioToIoWeight(io.weight)), { prefer: { file: 'io.bfq.weight', value: str(io.weight) } })
  }
  for (const d of io.weightDevice ?? []) {
    if (d.weight) {
      w('io', 'io.weight', `${dev(d)} ${blkioToIoWeight(d.weight)}`,
        { prefer: { file: 'io.bfq.weight_device', value: `${dev(d)} ${d.weight}` } })
    }
  }
  for (const t of throttles(io)) w('io', 'io.max', `${dev(t.d)} ${t.v2}=${t.d.rate}`)
  return out
}
