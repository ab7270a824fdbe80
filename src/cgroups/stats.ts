// Container statistics in runc 1.1.5's `events` shape (types/events.go,
// filled as events.go's convertLibcontainerStats does): containerd's shim
// decodes these keys. Counters are uint64 in the kernel, so they are BigInts
// here and printed exactly (a limit of 2^63-4096 must not become ...2000).

import * as fs from '../fsys'
import * as path from '../paths'

export type U64 = bigint

export interface MemoryEntry { limit: U64; usage: U64; max: U64; failcnt: U64 }
export interface BlkioEntry { major: U64; minor: U64; op: string; value: U64 }
export interface HugetlbEntry { usage: U64; max: U64; failcnt: U64 }

export interface Stats {
  cpu: { usage: { total: U64; percpu: U64[]; percpuKernel: U64[]; percpuUser: U64[]; kernel: U64; user: U64 };
    throttling: { periods: U64; throttledPeriods: U64; throttledTime: U64 } }
  cpuset: { cpus: number[]; mems: number[]; flags: Record<string, U64> }
  memory: { cache: U64; usage: MemoryEntry; swap: MemoryEntry; kernel: MemoryEntry; kernelTCP: MemoryEntry; raw: Record<string, U64> }
  pids: { current: U64; limit: U64 }
  blkio: { ioServiceBytesRecursive: BlkioEntry[]; ioServicedRecursive: BlkioEntry[] }
  hugetlb: Record<string, HugetlbEntry>
}

export const ZERO_ENTRY: MemoryEntry = { limit: 0n, usage: 0n, max: 0n, failcnt: 0n }

export function emptyStats(): Stats {
  return {
    cpu: { usage: { total: 0n, percpu: [], percpuKernel: [], percpuUser: [], kernel: 0n, user: 0n },
      throttling: { periods: 0n, throttledPeriods: 0n, throttledTime: 0n } },
    cpuset: { cpus: [], mems: [], flags: {} },
    memory: { cache: 0n, usage: ZERO_ENTRY, swap: ZERO_ENTRY, kernel: ZERO_ENTRY, kernelTCP: ZERO_ENTRY, raw: {} },
    pids: { current: 0n, limit: 0n },
    blkio: { ioServiceBytesRecursive: [], ioServicedRecursive: [] },
    hugetlb: {},
  }
}

const MAX_U64 = 18446744073709551615n

/** A cgroup file's number ("max" is the largest uint64, as runc's GetCgroupParamUint); null if absent. */
export function readU64(dir: string, file: string): U64 | null {
  let text: string
  try {
    text = fs.readFileSync(path.join(dir, file), 'utf8').trim()
  } catch {
    return null
  }
  if (text === 'max') return MAX_U64
  // A negative value (memory.limit_in_bytes -1 on old kernels) reads as 0, as runc.
  return /^\d+$/.test(text) ? BigInt(text) : 0n
}

/** "key value" lines (memory.stat, cpu.stat, memory.events) into a map. */
export function readKeyed(dir: string, file: string): Record<string, U64> {
  const out: Record<string, U64> = {}
  let text = ''
  try { text = fs.readFileSync(path.join(dir, file), 'utf8') } catch { return out }
  for (const line of text.split('\n')) {
    const [k, v] = line.split(' ')
    if (k && v && /^\d+$/.test(v)) out[k] = BigInt(v)
  }
  return out
}

/** "0-2,5" → [0, 1, 2, 5] (cpuset lists). */
export function parseList(s: string): number[] {
  const out: number[] = []
  for (const part of s.trim().split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number)
    for (let i = a; i <= (b ?? a); i++) out.push(i)
  }
  return out
}

/** Page sizes of this host as cgroup files name them: hugepages-2048kB → "2MB". */
export function hugePageSizes(): string[] {
  let names: string[] = []
  try { names = fs.readdirSync('/sys/kernel/mm/hugepages') } catch { return [] }
  const units = ['KB', 'MB', 'GB', 'TB', 'PB']
  return names.map((n) => {
    let v = Number(/^hugepages-(\d+)kB$/.exec(n)?.[1] ?? 0)
    let u = 0
    while (v >= 1024 && v % 1024 === 0 && u < units.length - 1) { v /= 1024; u++ }
    return `${v}${units[u]}`
  }).filter((s) => !s.startsWith('0'))
}

/** Go encodes a map with its keys sorted. */
function sorted<T>(m: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** One `events` record as runc's json.Encoder writes it (key order and omitempty of types.Event);
 *  `intelRdt` is the container's resctrl part (src/resctrl/stats.ts), runc's {} without a group. */
export function eventJson(type: string, id: string, s?: Stats, intelRdt: Record<string, unknown> = {}): string {
  const nz = (v: U64): boolean => v !== 0n
  const omit = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => !(v === 0n || v === '' || (Array.isArray(v) && v.length === 0))))
  const entry = (e: MemoryEntry) => ({ limit: e.limit, ...omit({ usage: e.usage, max: e.max }), failcnt: e.failcnt })
  const blk = (l: BlkioEntry[]) => l.map((e) => omit({ major: e.major, minor: e.minor, op: e.op, value: e.value }))
  const data = s && {
    cpu: {
      usage: { ...omit({ total: s.cpu.usage.total, percpu: s.cpu.usage.percpu, percpu_kernel: s.cpu.usage.percpuKernel,
        percpu_user: s.cpu.usage.percpuUser }), kernel: s.cpu.usage.kernel, user: s.cpu.usage.user },
      throttling: omit({ ...s.cpu.throttling }),
    },
    cpuset: {
      ...omit({ cpus: s.cpuset.cpus }), cpu_exclusive: s.cpuset.flags.cpu_exclusive ?? 0n, ...omit({ mems: s.cpuset.mems }),
      ...Object.fromEntries(['mem_hardwall', 'mem_exclusive', 'memory_migrate', 'memory_spread_page', 'memory_spread_slab',
        'memory_pressure', 'sched_load_balance', 'sched_relax_domain_level'].map((k) => [k, s.cpuset.flags[k] ?? 0n])),
    },
    memory: {
      ...(nz(s.memory.cache) ? { cache: s.memory.cache } : {}), usage: entry(s.memory.usage), swap: entry(s.memory.swap),
      kernel: entry(s.memory.kernel), kernelTCP: entry(s.memory.kernelTCP),
      ...(Object.keys(s.memory.raw).length > 0 ? { raw: sorted(s.memory.raw) } : {}),
    },
    pids: omit({ ...s.pids }),
    blkio: omit({ ioServiceBytesRecursive: blk(s.blkio.ioServiceBytesRecursive), ioServicedRecursive: blk(s.blkio.ioServicedRecursive) }),
    hugetlb: Object.fromEntries(Object.entries(sorted(s.hugetlb)).map(([k, h]) => [k, { ...omit({ usage: h.usage, max: h.max }), failcnt: h.failcnt }])),
    intel_rdt: intelRdt,
    network_interfaces: null,
  }
  const json = JSON.stringify({ type, id, ...(data ? { data } : {}) }, (_, v: unknown) => (typeof v === 'bigint' ? `\u0000${v}` : v))
  // Go's encoder escapes <, > and & in strings; ids and ops never hold them.
  return json.replace(/"\\u0000(-?\d+)"/g, '$1')
}
