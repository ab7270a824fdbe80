import t from 'tap'
import { blkioToIoWeight, sharesToWeight, swapToV2 } from '../../../src/cgroups/resources'
import { v1Writes } from '../../../src/cgroups/writes-v1'
import { v2Writes } from '../../../src/cgroups/writes-v2'

const files = (ws: { file: string; value: string }[]): string[] => ws.map((w) => `${w.file}=${w.value}`)

t.test('v1 file names and values', async (t) => {
  t.same(v1Writes({
    memory: { limit: 1 << 30, reservation: 1 << 29, swap: 2 * 2 ** 30 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 100 },
  }), [
    { controller: 'cpuset', file: 'cpuset.cpus', value: '0-1' },
    { controller: 'cpuset', file: 'cpuset.mems', value: '0' },
    { controller: 'memory', file: 'memory.limit_in_bytes', value: '1073741824' },
    { controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: '2147483648' },
    { controller: 'memory', file: 'memory.soft_limit_in_bytes', value: '536870912' },
    { controller: 'cpu', file: 'cpu.shares', value: '512', verify: true },
    { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
    { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '50000' },
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

t.test('v1 memory write order follows the current limit (runc setMemoryAndSwap)', async (t) => {
  const r = { memory: { limit: 2000, swap: 4000 } }
  t.same(files(v1Writes(r, { memoryLimit: 1000 })), ['memory.memsw.limit_in_bytes=4000', 'memory.limit_in_bytes=2000'], 'growing: swap first')
  t.same(files(v1Writes(r, { memoryLimit: 8000 })), ['memory.limit_in_bytes=2000', 'memory.memsw.limit_in_bytes=4000'], 'shrinking: limit first')
})

t.test('v1: every other resource', async (t) => {
  t.same(files(v1Writes({
    memory: { kernel: 100, kernelTCP: 200, disableOOMKiller: true, useHierarchy: true, swappiness: 10 },
    cpu: { burst: 5, realtimePeriod: 1000, realtimeRuntime: 500, idle: 1 },
    blockIO: {
      weight: 300, leafWeight: 200, weightDevice: [{ major: 8, minor: 0, weight: 400, leafWeight: 100 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }], throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2 }],
      throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 3 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 4 }],
    },
    hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
    network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }] },
    rdma: { mlx4_0: { hcaHandles: 2, hcaObjects: 2000 } },
  })), [
    'memory.kmem.limit_in_bytes=100', 'memory.kmem.tcp.limit_in_bytes=200', 'memory.oom_control=1',
    'memory.use_hierarchy=1', 'memory.swappiness=10',
    'cpu.cfs_burst_us=5', 'cpu.rt_period_us=1000', 'cpu.rt_runtime_us=500', 'cpu.idle=1',
    'blkio.weight=300', 'blkio.leaf_weight=200', 'blkio.weight_device=8:0 400', 'blkio.leaf_weight_device=8:0 100',
    'blkio.throttle.read_bps_device=8:0 1', 'blkio.throttle.write_bps_device=8:0 2',
    'blkio.throttle.read_iops_device=8:0 3', 'blkio.throttle.write_iops_device=8:0 4',
    'hugetlb.2MB.limit_in_bytes=4194304', 'hugetlb.2MB.rsvd.limit_in_bytes=4194304',
    'net_cls.classid=1048577', 'net_prio.ifpriomap=eth0 5', 'rdma.max=mlx4_0 hca_handle=2 hca_object=2000',
  ])
  t.same(v1Writes({ blockIO: { weight: 300 } })[0].prefer, { file: 'blkio.bfq.weight', value: '300' }, 'BFQ file preferred')
  t.same(files(v1Writes({ memory: { swappiness: -1 } })), [], 'swappiness -1: kernel default')
})

t.test('v2: every other resource, unified last', async (t) => {
  t.same(files(v2Writes({
    cpu: { burst: 5, idle: 1 },
    blockIO: { weight: 10, weightDevice: [{ major: 8, minor: 0, weight: 1000 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 9 }],
      throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 7 }] },
    hugepageLimits: [{ pageSize: '1GB', limit: 1073741824 }],
    rdma: { mlx5_1: { hcaHandles: 3 } },
    unified: { 'memory.high': '5000', 'cgroup.freeze': '0' },
  })), [
    'cpu.max.burst=5', 'cpu.idle=1', 'io.weight=1', 'io.weight=8:0 10000', 'io.max=8:0 rbps=9', 'io.max=8:16 wiops=7',
    'hugetlb.1GB.max=1073741824', 'hugetlb.1GB.rsvd.max=1073741824', 'rdma.max=mlx5_1 hca_handle=3',
    'memory.high=5000', 'cgroup.freeze=0',
  ])
  t.same(v2Writes({ blockIO: { weight: 500 } })[0].prefer, { file: 'io.bfq.weight', value: '500' })
  t.equal(blkioToIoWeight(500), 4950)
  t.throws(() => v2Writes({ cpu: { realtimeRuntime: 5 } }), { kind: 'config', message: /realtime runtime and period are not supported on cgroup v2/ })
  t.throws(() => v2Writes({ network: { classID: 1 } }), { kind: 'config', message: /net_cls and net_prio are not supported on cgroup v2/ })
})

t.test('bad values are config errors naming the field, before any write', async (t) => {
  t.throws(() => v1Writes({ memory: { swappiness: 101 } }), { kind: 'config', message: 'linux.resources.memory.swappiness: invalid value 101 (valid range is 0-100)' })
  t.throws(() => v1Writes({ blockIO: { weight: 5 } }), { message: 'linux.resources.blockIO.weight: invalid value 5 (valid range is 10-1000)' })
  t.throws(() => v2Writes({ hugepageLimits: [{ pageSize: '2 MB', limit: 1 }] }), { message: 'linux.resources.hugepageLimits[0].pageSize: invalid page size "2 MB"' })
  t.throws(() => v2Writes({ unified: { '../x': '1' } }), { message: 'linux.resources.unified: invalid key "../x"' })
  t.throws(() => v1Writes({ unified: { 'memory.high': '1' } }), { message: 'linux.resources.unified: cannot use unified on cgroup v1' })
})
