// cgroup v1 driver on temp-dir fixtures (youki's set_fixture idea): the
// knobs exist as empty files, the driver writes, the test reads them back.
import t from 'tap'
import * as fs from 'fs'
import { V1Driver } from '../../../src/cgroups/v1'
import { fixture, read } from './fixture'


t.test('create writes resources into each hierarchy; apply joins all', async (t) => {
  const base = fixture(t, {
    'memory/c/memory.limit_in_bytes': '', 'memory/c/memory.memsw.limit_in_bytes': '',
    'memory/c/memory.soft_limit_in_bytes': '', 'memory/c/cgroup.procs': '',
    'cpu,cpuacct/c/cpu.shares': '', 'cpu,cpuacct/c/cpu.cfs_quota_us': '', 'cpu,cpuacct/c/cpu.cfs_period_us': '',
    'cpu,cpuacct/c/cgroup.procs': '',
    'cpuset/cpuset.cpus': '0-3\n', 'cpuset/cpuset.mems': '0\n',
    'cpuset/c/cpuset.cpus': '', 'cpuset/c/cpuset.mems': '', 'cpuset/c/cgroup.procs': '',
    'pids/c/pids.max': '', 'pids/c/cgroup.procs': '',
    'unified/c/cgroup.procs': '',
  })
  const d = new V1Driver({ driver: 'v1', paths: {
    memory: `${base}/memory/c`, cpu: `${base}/cpu,cpuacct/c`, cpuacct: `${base}/cpu,cpuacct/c`,
    cpuset: `${base}/cpuset/c`, pids: `${base}/pids/c`, '': `${base}/unified/c`,
  } })
  d.create({ memory: { limit: 1000, swap: 3000, reservation: 500 }, cpu: { shares: 512, quota: 2000, period: 4000, cpus: '1' }, pids: { limit: 7 } })
  t.equal(read(base, 'memory/c/memory.limit_in_bytes'), '1000')
  t.equal(read(base, 'memory/c/memory.memsw.limit_in_bytes'), '3000')
  t.equal(read(base, 'memory/c/memory.soft_limit_in_bytes'), '500')
  t.equal(read(base, 'cpu,cpuacct/c/cpu.shares'), '512')
  t.equal(read(base, 'cpu,cpuacct/c/cpu.cfs_quota_us'), '2000')
  t.equal(read(base, 'cpu,cpuacct/c/cpu.cfs_period_us'), '4000')
  t.equal(read(base, 'cpuset/c/cpuset.cpus'), '1', 'set by the spec')
  t.equal(read(base, 'cpuset/c/cpuset.mems'), '0\n', 'inherited from the parent')
  t.equal(read(base, 'pids/c/pids.max'), '7')
  d.apply(4242)
  for (const dir of ['memory/c', 'cpu,cpuacct/c', 'cpuset/c', 'pids/c', 'unified/c']) {
    t.equal(read(base, `${dir}/cgroup.procs`), '4242', `joined ${dir} once`)
  }
})

t.test('optional memsw is skipped without swap accounting; missing hierarchy is a config error', async (t) => {
  const base = fixture(t, { 'memory/c/memory.limit_in_bytes': '' })
  const d = new V1Driver({ driver: 'v1', paths: { memory: `${base}/memory/c` } })
  d.create({ memory: { limit: -1 } })
  t.equal(read(base, 'memory/c/memory.limit_in_bytes'), '-1')
  t.notOk(fs.existsSync(`${base}/memory/c/memory.memsw.limit_in_bytes`), 'never created a stray file')
  t.throws(() => d.create({ pids: { limit: 1 } }), { kind: 'config', message: /controller pids is not mounted/ })
})

t.test('a failed write names the file and value', async (t) => {
  const base = fixture(t, { 'pids/c/.keep': '' })
  const d = new V1Driver({ driver: 'v1', paths: { pids: `${base}/pids/c` } })
  t.throws(() => d.create({ pids: { limit: 9 } }), {
    kind: 'system', message: `write "9" to ${base}/pids/c/pids.max`, cause: { code: 'ENOENT' },
  })
})

t.test('pids are read recursively from the freezer hierarchy; freezer state', async (t) => {
  const base = fixture(t, {
    'freezer/c/cgroup.procs': '1\n2\n', 'freezer/c/sub/cgroup.procs': '3\n', 'freezer/c/freezer.state': 'THAWED\n',
    'pids/c/cgroup.procs': '99\n',
  })
  const d = new V1Driver({ driver: 'v1', paths: { freezer: `${base}/freezer/c`, pids: `${base}/pids/c` } })
  t.same(d.pids().sort(), [1, 2, 3])
  t.equal(d.freezerState(), 'THAWED')
  d.thaw()
  t.equal(read(base, 'freezer/c/freezer.state'), 'THAWED')
  t.equal(new V1Driver({ driver: 'v1', paths: { pids: `${base}/pids/c` } }).freezerState(), '', 'no freezer hierarchy')
  t.same(new V1Driver({ driver: 'v1', paths: { pids: `${base}/pids/c` } }).pids(), [99])
})

t.test('destroy removes sub-cgroups first, tolerates gone dirs, reports leftovers', async (t) => {
  const base = fixture(t, {})
  fs.mkdirSync(`${base}/pids/c/sub`, { recursive: true })
  fs.mkdirSync(`${base}/memory/c`, { recursive: true })
  new V1Driver({ driver: 'v1', paths: { pids: `${base}/pids/c`, memory: `${base}/memory/c`, cpu: `${base}/gone` } }).destroy()
  t.notOk(fs.existsSync(`${base}/pids/c`))
  t.notOk(fs.existsSync(`${base}/memory/c`))
  fs.mkdirSync(`${base}/busy`)
  fs.writeFileSync(`${base}/busy/file`, '') // rmdir can never succeed: ENOTEMPTY
  t.throws(() => new V1Driver({ driver: 'v1', paths: { pids: `${base}/busy` } }).destroy(), {
    kind: 'system', message: `remove cgroup ${base}/busy`, cause: { code: 'ENOTEMPTY' },
  })
})
