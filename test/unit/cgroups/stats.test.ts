// Stats read from fixture cgroups (v1 and v2) and written in runc's events
// JSON: key order, omitempty, exact uint64s, sorted map keys.
import t from 'tap'
import { eventJson } from '../../../src/cgroups/stats'
import { statsV1 } from '../../../src/cgroups/stats-v1'
import { oomKillsV2, statsV2 } from '../../../src/cgroups/stats-v2'
import { fixture } from './fixture'

t.test('v1: every controller, in runc 1.1.5 shape', async (t) => {
  const base = fixture(t, {
    'cpuacct/cpuacct.usage': '3000\n', 'cpuacct/cpuacct.usage_percpu': '1000 2000 \n',
    'cpuacct/cpuacct.usage_all': 'cpu user system\n0 600 400\n1 1500 500\n', 'cpuacct/cpuacct.stat': 'user 2\nsystem 1\n',
    'cpu/cpu.stat': 'nr_periods 5\nnr_throttled 2\nthrottled_time 700\n',
    'cpuset/cpuset.cpus': '0-1,3\n', 'cpuset/cpuset.mems': '0\n', 'cpuset/cpuset.sched_relax_domain_level': '-1\n',
    'memory/memory.stat': 'rss 10\ncache 20\n', 'memory/memory.usage_in_bytes': '300\n', 'memory/memory.limit_in_bytes': '9223372036854771712\n',
    'memory/memory.max_usage_in_bytes': '400\n', 'memory/memory.failcnt': '0\n', 'memory/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n',
    'pids/pids.current': '4\n', 'pids/pids.max': 'max\n',
    'blkio/blkio.bfq.io_service_bytes_recursive': '', 'blkio/blkio.throttle.io_service_bytes_recursive': '254:0 Read 4096\n254:0 Write 0\nTotal 4096\n',
    'blkio/blkio.throttle.io_serviced_recursive': '254:0 Read 1\nTotal 1\n',
  })
  const p = (c: string): string => `${base}/${c}`
  const paths = { cpuacct: p('cpuacct'), cpu: p('cpu'), cpuset: p('cpuset'), memory: p('memory'), pids: p('pids'), blkio: p('blkio') }
  const json = eventJson('stats', 'c1', statsV1(paths))
  const d = JSON.parse(json).data
  t.same(d.cpu, { usage: { total: 3000, percpu: [1000, 2000], percpu_kernel: [400, 500], percpu_user: [600, 1500], kernel: 10000000, user: 20000000 },
    throttling: { periods: 5, throttledPeriods: 2, throttledTime: 700 } })
  t.same(d.cpuset.cpus, [0, 1, 3])
  t.equal(d.cpuset.sched_relax_domain_level, -1)
  t.match(json, /"usage":\{"limit":9223372036854771712,"usage":300,"max":400,"failcnt":0\}/, 'exact uint64, omitempty inside entries')
  t.same(d.memory.swap, { limit: 0, failcnt: 0 }, 'no swap accounting: a zero entry')
  t.equal(d.memory.cache, 20)
  t.same(Object.keys(d.memory.raw), ['cache', 'rss'], 'map keys sorted as Go does')
  t.same(d.pids, { current: 4 }, 'max is no limit: omitted')
  t.same(d.blkio, { ioServiceBytesRecursive: [{ major: 254, op: 'Read', value: 4096 }, { major: 254, op: 'Write' }],
    ioServicedRecursive: [{ major: 254, op: 'Read', value: 1 }] }, 'empty BFQ files: the throttle counters; zero fields omitted')
  t.same([d.hugetlb, d.intel_rdt, d.network_interfaces], [{}, {}, null])
  t.equal(eventJson('oom', 'c1'), '{"type":"oom","id":"c1"}')
})

t.test('v2: microseconds to nanoseconds, swap as memory+swap, io.stat', async (t) => {
  const base = fixture(t, {
    'cpu.stat': 'usage_usec 5\nuser_usec 3\nsystem_usec 2\nnr_periods 1\nnr_throttled 1\nthrottled_usec 4\n',
    'memory.current': '1000\n', 'memory.max': '4000\n', 'memory.swap.current': '10\n', 'memory.swap.max': 'max\n',
    'memory.events': 'low 0\nhigh 0\nmax 7\noom 1\noom_kill 2\n', 'memory.stat': 'anon 5\nfile 6\n',
    'pids.current': '2\n', 'pids.max': '9\n', 'io.stat': '8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n',
  })
  const d = JSON.parse(eventJson('stats', 'c2', statsV2(base))).data
  t.same(d.cpu, { usage: { total: 5000, kernel: 2000, user: 3000 }, throttling: { periods: 1, throttledPeriods: 1, throttledTime: 4000 } })
  t.same(d.memory.usage, { limit: 4000, usage: 1000, failcnt: 7 })
  t.same(d.memory.swap, { limit: 18446744073709551615, usage: 1010, failcnt: 0 })
  t.equal(d.memory.cache, 6)
  t.same(d.pids, { current: 2, limit: 9 })
  t.same(d.blkio.ioServiceBytesRecursive, [{ major: 8, op: 'Read', value: 100 }, { major: 8, op: 'Write', value: 200 }])
  t.same(d.blkio.ioServicedRecursive, [{ major: 8, op: 'Read', value: 1 }, { major: 8, op: 'Write', value: 2 }])
  t.equal(oomKillsV2(base), 2n)
})
