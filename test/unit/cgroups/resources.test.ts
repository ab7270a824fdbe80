import t from 'tap'
import { v1Writes, v2Writes, sharesToWeight, swapToV2 } from '../../../src/cgroups/resources'

const files = (ws: { file: string; value: string }[]): string[] => ws.map((w) => `${w.file}=${w.value}`)

t.test('v1 file names and values', async (t) => {
  t.same(v1Writes({
    memory: { limit: 1 << 30, reservation: 1 << 29, swap: 2 * 2 ** 30 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 100 },
  }), [
    { controller: 'memory', file: 'memory.limit_in_bytes', value: '1073741824' },
    { controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: '2147483648' },
    { controller: 'memory', file: 'memory.soft_limit_in_bytes', value: '536870912' },
    { controller: 'cpu', file: 'cpu.shares', value: '512' },
    { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
    { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '50000' },
    { controller: 'cpuset', file: 'cpuset.cpus', value: '0-1' },
    { controller: 'cpuset', file: 'cpuset.mems', value: '0' },
    { controller: 'pids', file: 'pids.max', value: '100' },
  ])
})

t.test('v1 memory ordering and unlimited (runc setMemoryAndSwap)', async (t) => {
  t.same(v1Writes({ memory: { limit: -1 } }), [
    { controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: '-1', optional: true },
    { controller: 'memory', file: 'memory.limit_in_bytes', value: '-1' },
  ], 'memory -1 alone: both unlimited, memsw only if present')
  t.same(files(v1Writes({ memory: { limit: 1000, swap: -1 } })),
    ['memory.memsw.limit_in_bytes=-1', 'memory.limit_in_bytes=1000'], 'swap -1 first')
  t.same(files(v1Writes({ memory: { swap: 5000 } })), ['memory.memsw.limit_in_bytes=5000'])
  t.same(v1Writes({ memory: {}, cpu: {}, pids: { limit: 0 } }), [], 'unset and zero write nothing')
  t.same(files(v1Writes({ pids: { limit: -1 } })), ['pids.max=max'])
})

t.test('v2 file names and conversions', async (t) => {
  t.same(v2Writes({
    memory: { limit: 1 << 30, reservation: 1 << 29, swap: 2 * 2 ** 30 },
    cpu: { shares: 1024, quota: 50000, cpus: '0', mems: '0' },
    pids: { limit: 100 },
  }), [
    { controller: 'memory', file: 'memory.swap.max', value: '1073741824' },
    { controller: 'memory', file: 'memory.max', value: '1073741824' },
    { controller: 'memory', file: 'memory.low', value: '536870912' },
    { controller: 'cpu', file: 'cpu.weight', value: '39' },
    { controller: 'cpu', file: 'cpu.max', value: '50000 100000' },
    { controller: 'cpuset', file: 'cpuset.cpus', value: '0' },
    { controller: 'cpuset', file: 'cpuset.mems', value: '0' },
    { controller: 'pids', file: 'pids.max', value: '100' },
  ])
  t.same(files(v2Writes({ memory: { limit: -1 } })), ['memory.swap.max=max', 'memory.max=max'])
  t.same(files(v2Writes({ memory: { limit: 1000, swap: 1000 } })), ['memory.swap.max=0', 'memory.max=1000'], 'swap == memory: no swap')
  t.same(files(v2Writes({ memory: { limit: 1000 } })), ['memory.max=1000'], 'swap unset: left alone')
  t.same(files(v2Writes({ cpu: { period: 20000 } })), ['cpu.max=max 20000'])
  t.same(files(v2Writes({ cpu: { quota: -1 } })), ['cpu.max=max 100000'])
  t.same(files(v2Writes({ pids: { limit: -1 } })), ['pids.max=max'])
  t.same(v2Writes({}), [])
})

t.test('runc conversions', async (t) => {
  // Values from runc's cgroups/utils_test.go and the formula's end points.
  t.equal(sharesToWeight(0), 0)
  t.equal(sharesToWeight(2), 1)
  t.equal(sharesToWeight(1024), 39)
  t.equal(sharesToWeight(262144), 10000)
  t.equal(swapToV2(0, -1), -1)
  t.equal(swapToV2(-1, 1000), -1)
  t.equal(swapToV2(3000, 1000), 2000)
  t.throws(() => swapToV2(3000, 0), { kind: 'config', message: 'unable to set swap limit without memory limit' })
  t.throws(() => swapToV2(500, 1000), { message: 'memory+swap limit should be >= memory limit' })
  t.throws(() => swapToV2(500, -5), { message: 'invalid memory value: -5' })
})
