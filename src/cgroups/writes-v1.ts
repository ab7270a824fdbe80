// linux.resources → cgroup v1 file writes, in runc's order (cgroups/fs/*.go,
// with runc 1.2's burst and idle): cpuset, devices, memory, cpu, pids, blkio,
// hugetlb, net_cls, net_prio, rdma. Pure: the caller passes what it read.

import { TsrunError } from '../errors'
import { deviceWrites } from './devices'
import { checkResources, dev, rdmaLines, str, throttles, writer, type CgroupWrite, type Resources } from './resources'

/** What the order of some writes depends on, read from the cgroup by the driver. */
export interface V1Now {
  /** memory.limit_in_bytes now (a fresh cgroup's is huge) */
  memoryLimit: number
}

export function v1Writes(r: Resources, now: V1Now = { memoryLimit: Infinity }): CgroupWrite[] {
  checkResources(r)
  if (r.unified && Object.keys(r.unified).length > 0) {
    throw new TsrunError('config', 'linux.resources.unified: cannot use unified on cgroup v1')
  }
  const { out, w } = writer()
  const cpu = r.cpu ?? {}
  if (cpu.cpus) w('cpuset', 'cpuset.cpus', cpu.cpus)
  if (cpu.mems) w('cpuset', 'cpuset.mems', cpu.mems)
  if (r.devices) out.push(...deviceWrites(r.devices))
  out.push(...memoryWrites(r.memory ?? {}, now))
  out.push(...cpuWrites(cpu))
  const pids = r.pids?.limit ?? 0
  if (pids !== 0) w('pids', 'pids.max', pids > 0 ? str(pids) : 'max')
  out.push(...blkioWrites(r.blockIO ?? {}))
  for (const h of r.hugepageLimits ?? []) {
    w('hugetlb', `hugetlb.${h.pageSize}.limit_in_bytes`, str(h.limit))
    // Reservations count too since Linux 5.7; runc 1.2 keeps both in step.
    w('hugetlb', `hugetlb.${h.pageSize}.rsvd.limit_in_bytes`, str(h.limit), { optional: true })
  }
  const net = r.network ?? {}
  if (net.classID) w('net_cls', 'net_cls.classid', str(net.classID))
  for (const p of net.priorities ?? []) w('net_prio', 'net_prio.ifpriomap', `${p.name} ${p.priority}`)
  for (const line of rdmaLines(r.rdma)) w('rdma', 'rdma.max', line)
  return out
}

/** runc's setMemoryAndSwap: memsw must stay >= the limit after every single write. */
function memoryWrites(mem: NonNullable<Resources['memory']>, now: V1Now): CgroupWrite[] {
  const { out, w } = writer()
  const limit = mem.limit ?? 0
  let swap = mem.swap ?? 0
  // memory -1 without a swap value means "both unlimited" (memsw only if the
  // kernel has swap accounting).
  const bothUnlimited = limit === -1 && swap === 0
  if (bothUnlimited) swap = -1
  const setLimit = (): void => { if (limit !== 0) w('memory', 'memory.limit_in_bytes', str(limit)) }
  const setSwap = (): void => {
    if (swap !== 0) w('memory', 'memory.memsw.limit_in_bytes', str(swap), bothUnlimited ? { optional: true } : undefined)
  }
  if (limit !== 0 && swap !== 0 && (swap === -1 || now.memoryLimit < swap)) {
    setSwap()
    setLimit()
  } else {
    setLimit()
    setSwap()
  }
  // Kernel memory limits exist as files on some kernels only (and are
  // ignored by 6.x); a kernel without them has nothing to limit.
  if (mem.kernel) w('memory', 'memory.kmem.limit_in_bytes', str(mem.kernel), { optional: true })
  if (mem.kernelTCP) w('memory', 'memory.kmem.tcp.limit_in_bytes', str(mem.kernelTCP), { optional: true })
  if (mem.reservation) w('memory', 'memory.soft_limit_in_bytes', str(mem.reservation))
  if (mem.disableOOMKiller) w('memory', 'memory.oom_control', '1')
  if (mem.useHierarchy !== undefined) w('memory', 'memory.use_hierarchy', mem.useHierarchy ? '1' : '0')
  if (mem.swappiness !== undefined && mem.swappiness !== -1) w('memory', 'memory.swappiness', str(mem.swappiness))
  return out
}

function cpuWrites(cpu: NonNullable<Resources['cpu']>): CgroupWrite[] {
  const { out, w } = writer()
  if (cpu.shares) w('cpu', 'cpu.shares', str(cpu.shares), { verify: true })
  // The period goes first: the quota is checked against it. (runc retries a
  // refused smaller period after the quota; a fresh cgroup never refuses.)
  if (cpu.period) w('cpu', 'cpu.cfs_period_us', str(cpu.period))
  if (cpu.quota) w('cpu', 'cpu.cfs_quota_us', str(cpu.quota))
  if (cpu.burst !== undefined) w('cpu', 'cpu.cfs_burst_us', str(cpu.burst))
  // Realtime period before runtime: the runtime must fit in the period.
  if (cpu.realtimePeriod) w('cpu', 'cpu.rt_period_us', str(cpu.realtimePeriod))
  if (cpu.realtimeRuntime) w('cpu', 'cpu.rt_runtime_us', str(cpu.realtimeRuntime))
  if (cpu.idle !== undefined) w('cpu', 'cpu.idle', str(cpu.idle))
  return out
}

function blkioWrites(io: NonNullable<Resources['blockIO']>): CgroupWrite[] {
  const { out, w } = writer()
  if (io.weight) w('blkio', 'blkio.weight', str(io.weight), { prefer: { file: 'blkio.bfq.weight', value: str(io.weight) } })
  if (io.leafWeight) w('blkio', 'blkio.leaf_weight', str(io.leafWeight))
  for (const d of io.weightDevice ?? []) {
    const v = `${dev(d)} ${d.weight}`
    if (d.weight) w('blkio', 'blkio.weight_device', v, { prefer: { file: 'blkio.bfq.weight_device', value: v } })
    if (d.leafWeight) w('blkio', 'blkio.leaf_weight_device', `${dev(d)} ${d.leafWeight}`)
  }
  for (const t of throttles(io)) w('blkio', `blkio.throttle.${t.v1}_device`, `${dev(t.d)} ${t.d.rate}`)
  return out
}
