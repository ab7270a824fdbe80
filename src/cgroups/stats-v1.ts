// Statistics from cgroup v1 hierarchies, as runc's cgroups/fs/*.go GetStats.
import * as fs from '../fsys'
import * as path from '../paths'
import {
  ZERO_ENTRY, emptyStats, hugePageSizes, parseList, readKeyed, readU64,
  type BlkioEntry, type MemoryEntry, type Stats, type U64,
} from './stats'

/** cpuacct.stat is in USER_HZ ticks (100 a second on Linux); runc reports nanoseconds. */
const NS_PER_TICK = 10_000_000n

export function statsV1(paths: Record<string, string>): Stats {
  const s = emptyStats()
  const { cpuacct, cpu, cpuset, memory, pids, blkio, hugetlb } = paths
  if (cpuacct) cpuacctStats(cpuacct, s)
  if (cpu) {
    const st = readKeyed(cpu, 'cpu.stat')
    s.cpu.throttling = { periods: st.nr_periods ?? 0n, throttledPeriods: st.nr_throttled ?? 0n, throttledTime: st.throttled_time ?? 0n }
  }
  if (cpuset) cpusetStats(cpuset, s)
  if (memory) memoryStats(memory, s)
  if (pids) {
    const max = readU64(pids, 'pids.max') ?? 0n
    s.pids = { current: readU64(pids, 'pids.current') ?? 0n, limit: max === 18446744073709551615n ? 0n : max }
  }
  if (blkio) blkioStats(blkio, s)
  if (hugetlb) {
    for (const ps of hugePageSizes()) {
      const f = (name: string): U64 => readU64(hugetlb, `hugetlb.${ps}.${name}`) ?? 0n
      s.hugetlb[ps] = { usage: f('usage_in_bytes'), max: f('max_usage_in_bytes'), failcnt: f('failcnt') }
    }
  }
  return s
}

function cpuacctStats(dir: string, s: Stats): void {
  const u = s.cpu.usage
  u.total = readU64(dir, 'cpuacct.usage') ?? 0n
  u.percpu = words(dir, 'cpuacct.usage_percpu').map(BigInt)
  // "cpu user system" then one line per cpu, in nanoseconds.
  for (const line of lines(dir, 'cpuacct.usage_all').slice(1)) {
    const [, user, sys] = line.split(/\s+/)
    u.percpuUser.push(BigInt(user))
    u.percpuKernel.push(BigInt(sys))
  }
  const st = readKeyed(dir, 'cpuacct.stat')
  u.user = (st.user ?? 0n) * NS_PER_TICK
  u.kernel = (st.system ?? 0n) * NS_PER_TICK
}

function cpusetStats(dir: string, s: Stats): void {
  s.cpuset.cpus = parseList(lines(dir, 'cpuset.cpus')[0] ?? '')
  s.cpuset.mems = parseList(lines(dir, 'cpuset.mems')[0] ?? '')
  for (const k of ['cpu_exclusive', 'mem_hardwall', 'mem_exclusive', 'memory_migrate', 'memory_spread_page',
    'memory_spread_slab', 'memory_pressure', 'sched_load_balance', 'sched_relax_domain_level']) {
    const v = lines(dir, `cpuset.${k}`)[0]
    s.cpuset.flags[k] = v !== undefined && /^-?\d+$/.test(v) ? BigInt(v) : 0n
  }
}

function memoryStats(dir: string, s: Stats): void {
  const entry = (prefix: string): MemoryEntry => {
    const usage = readU64(dir, `${prefix}.usage_in_bytes`)
    if (usage === null) return ZERO_ENTRY // no swap accounting, or no kmem files
    return { limit: readU64(dir, `${prefix}.limit_in_bytes`) ?? 0n, usage,
      max: readU64(dir, `${prefix}.max_usage_in_bytes`) ?? 0n, failcnt: readU64(dir, `${prefix}.failcnt`) ?? 0n }
  }
  const raw = readKeyed(dir, 'memory.stat')
  s.memory = { cache: raw.cache ?? 0n, usage: entry('memory'), swap: entry('memory.memsw'),
    kernel: entry('memory.kmem'), kernelTCP: entry('memory.kmem.tcp'), raw }
}

/** The first group of files that has entries: BFQ's, then the throttle counters (runc's order, CFQ is gone). */
function blkioStats(dir: string, s: Stats): void {
  for (const prefix of ['blkio.bfq.', 'blkio.throttle.']) {
    const bytes = blkioEntries(dir, `${prefix}io_service_bytes_recursive`)
    if (bytes.length === 0) continue
    s.blkio = { ioServiceBytesRecursive: bytes, ioServicedRecursive: blkioEntries(dir, `${prefix}io_serviced_recursive`) }
    return
  }
}

/** "8:0 Read 4096" lines; the "Total N" line has no device and is skipped, as runc. */
function blkioEntries(dir: string, file: string): BlkioEntry[] {
  const out: BlkioEntry[] = []
  for (const line of lines(dir, file)) {
    const f = line.split(' ')
    const dev = /^(\d+):(\d+)$/.exec(f[0])
    if (f.length < 3 || !dev) continue
    out.push({ major: BigInt(dev[1]), minor: BigInt(dev[2]), op: f[1], value: BigInt(f[2]) })
  }
  return out
}

function lines(dir: string, file: string): string[] {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)
  } catch {
    return []
  }
}

function words(dir: string, file: string): string[] {
  return lines(dir, file).join(' ').split(/\s+/).filter(Boolean)
}
