// Statistics from a cgroup v2 directory, in v1's terms as runc's
// cgroups/fs2 GetStats reports them (microseconds to nanoseconds, swap as
// memory+swap, io.stat as Read/Write entries).
import { ZERO_ENTRY, emptyStats, hugePageSizes, readKeyed, readU64, type BlkioEntry, type Stats, type U64 } from './stats'
import * as fs from '../fsys'
import * as path from '../paths'

const MAX = 18446744073709551615n

export function statsV2(dir: string): Stats {
  const s = emptyStats()
  const cpu = readKeyed(dir, 'cpu.stat')
  const us = (k: string): U64 => (cpu[k] ?? 0n) * 1000n
  s.cpu.usage = { ...s.cpu.usage, total: us('usage_usec'), user: us('user_usec'), kernel: us('system_usec') }
  s.cpu.throttling = { periods: cpu.nr_periods ?? 0n, throttledPeriods: cpu.nr_throttled ?? 0n, throttledTime: us('throttled_usec') }
  const raw = readKeyed(dir, 'memory.stat')
  const usage = readU64(dir, 'memory.current')
  if (usage !== null) {
    const mem = { limit: readU64(dir, 'memory.max') ?? 0n, usage, max: readU64(dir, 'memory.peak') ?? 0n, failcnt: readKeyed(dir, 'memory.events').max ?? 0n }
    const swapUsage = readU64(dir, 'memory.swap.current')
    const swapLimit = readU64(dir, 'memory.swap.max') ?? MAX
    const swap = swapUsage === null ? ZERO_ENTRY
      : { limit: swapLimit === MAX ? MAX : swapLimit + mem.limit, usage: swapUsage + usage, max: 0n, failcnt: 0n }
    s.memory = { cache: raw.file ?? 0n, usage: mem, swap, kernel: ZERO_ENTRY, kernelTCP: ZERO_ENTRY, raw }
  }
  const max = readU64(dir, 'pids.max') ?? 0n
  s.pids = { current: readU64(dir, 'pids.current') ?? 0n, limit: max === MAX ? 0n : max }
  s.blkio = ioStats(dir)
  for (const ps of hugePageSizes()) {
    const current = readU64(dir, `hugetlb.${ps}.current`)
    if (current !== null) s.hugetlb[ps] = { usage: current, max: 0n, failcnt: readKeyed(dir, `hugetlb.${ps}.events`).max ?? 0n }
  }
  return s
}

/** io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." → runc's Read/Write entries. */
function ioStats(dir: string): Stats['blkio'] {
  const out: Stats['blkio'] = { ioServiceBytesRecursive: [], ioServicedRecursive: [] }
  let text = ''
  try { text = fs.readFileSync(path.join(dir, 'io.stat'), 'utf8') } catch { return out }
  for (const line of text.split('\n')) {
    const [devPart, ...kvs] = line.trim().split(' ')
    const dev = /^(\d+):(\d+)$/.exec(devPart ?? '')
    if (!dev) continue
    const entry = (op: string, value: string): BlkioEntry => ({ major: BigInt(dev[1]), minor: BigInt(dev[2]), op, value: BigInt(value) })
    for (const kv of kvs) {
      const [k, v] = kv.split('=')
      if (k === 'rbytes') out.ioServiceBytesRecursive.push(entry('Read', v))
      else if (k === 'wbytes') out.ioServiceBytesRecursive.push(entry('Write', v))
      else if (k === 'rios') out.ioServicedRecursive.push(entry('Read', v))
      else if (k === 'wios') out.ioServicedRecursive.push(entry('Write', v))
    }
  }
  return out
}

/** memory.events' oom_kill count. */
export function oomKillsV2(dir: string): U64 {
  return readKeyed(dir, 'memory.events').oom_kill ?? 0n
}
