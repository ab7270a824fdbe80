// --systemd-cgroup's cgroupsPath rules (runc's specconv and ExpandSlice),
// its error on a host without systemd, the unit's directories and the unit
// properties sent to systemd (runc's systemd/v1.go and v2.go).
import t from 'tap'
import * as fs from 'fs'
import { checkSystemd, expandSlice, parseSystemdPath, systemdRecord } from '../../../src/cgroups/systemd'
import { rangeToBits, resourceProperties, systemBusPath, unitProperties, type Property } from '../../../src/cgroups/systemd-unit'

t.test('slice:prefix:name', async (t) => {
  t.same(parseSystemdPath('system.slice:tsrun:abc', 'id'), { slice: 'system.slice', unit: 'tsrun-abc.scope', path: '/system.slice/tsrun-abc.scope' })
  t.same(parseSystemdPath(undefined, 'c1'), { slice: 'system.slice', unit: 'tsrun-c1.scope', path: '/system.slice/tsrun-c1.scope' }, 'empty: runc defaults')
  t.same(parseSystemdPath(':p:n', 'id').slice, 'system.slice', 'empty slice: system.slice')
  t.equal(parseSystemdPath('a-b.slice::n', 'id').path, '/a.slice/a-b.slice/n.scope', 'no prefix')
  t.equal(parseSystemdPath('-.slice:p:child.slice', 'id').path, '/child.slice', 'a name ending in .slice is a slice')
  t.throws(() => parseSystemdPath('/abs/path', 'id'), { kind: 'config', message: 'expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/abs/path" instead' })
  t.throws(() => parseSystemdPath('system.slice:p:', 'id'), { message: /invalid systemd unit name/ })
})

t.test('slice names nest by their dashes', async (t) => {
  t.equal(expandSlice('system.slice'), '/system.slice')
  t.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice')
  t.equal(expandSlice('-.slice'), '')
  for (const bad of ['system', 'a--b.slice', '-a.slice', 'a-.slice', 'a/b.slice', '.slice']) {
    t.throws(() => expandSlice(bad), { kind: 'config', message: `invalid slice name: ${bad}` }, bad)
  }
})

t.test('without systemd: a clear error, before anything is made', { skip: fs.existsSync('/run/systemd/system') && 'systemd runs here' }, async (t) => {
  t.throws(() => checkSystemd(parseSystemdPath('system.slice:tsrun:x', 'x')), {
    kind: 'config', message: 'systemd cgroup flag passed, but systemd is not running (no /run/systemd/system): cannot create tsrun-x.scope in system.slice',
  })
})

t.test('the unit\'s directories: every hierarchy, and the hybrid cgroup2 mount', async (t) => {
  const unit = parseSystemdPath('a-b.slice:tsrun:c1', 'c1')
  t.same(systemdRecord(unit, {
    mode: 'v1', unified: { mountpoint: '/sys/fs/cgroup/unified', root: '/' },
    mounts: [{ mountpoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', controllers: ['cpu', 'cpuacct'] },
      { mountpoint: '/sys/fs/cgroup/systemd', root: '/', controllers: ['name=systemd'] }],
  }), {
    driver: 'v1', systemd: { unit: 'tsrun-c1.scope', slice: 'a-b.slice' }, paths: {
      cpu: '/sys/fs/cgroup/cpu,cpuacct/a.slice/a-b.slice/tsrun-c1.scope', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/a.slice/a-b.slice/tsrun-c1.scope',
      'name=systemd': '/sys/fs/cgroup/systemd/a.slice/a-b.slice/tsrun-c1.scope', '': '/sys/fs/cgroup/unified/a.slice/a-b.slice/tsrun-c1.scope',
    },
  })
  t.same(systemdRecord(unit, { mode: 'v2', unified: '/sys/fs/cgroup' }), {
    driver: 'v2', mount: '/sys/fs/cgroup', path: '/sys/fs/cgroup/a.slice/a-b.slice/tsrun-c1.scope', systemd: { unit: 'tsrun-c1.scope', slice: 'a-b.slice' },
  })
})

const values = (props: Property[]): Record<string, unknown> => Object.fromEntries(props.map(([k, v]) => [k, [v.sig, v.value]]))

t.test('unit properties as runc sends them', async (t) => {
  const scope = { unit: 'tsrun-c1.scope', slice: 'system.slice' }
  const r = { memory: { limit: 1000, reservation: 500, swap: 3000 }, cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-9', mems: '1,3-5' }, pids: { limit: 0 }, blockIO: { weight: 100 } }
  const v1 = unitProperties(scope, 42, r, false)
  t.same(values(v1.props), {
    Description: ['s', 'tsrun container tsrun-c1.scope'], Slice: ['s', 'system.slice'], Delegate: ['b', true], PIDs: ['au', [42]],
    MemoryAccounting: ['b', true], CPUAccounting: ['b', true], BlockIOAccounting: ['b', true], TasksAccounting: ['b', true],
    DefaultDependencies: ['b', false], MemoryLimit: ['t', 1000n], CPUShares: ['t', 1024n], CPUQuotaPeriodUSec: ['t', 100000n],
    CPUQuotaPerSecUSec: ['t', 500000n], BlockIOWeight: ['t', 100n], TasksMax: ['t', 1n],
    AllowedCPUs: ['ay', [0xff, 0x03]], AllowedMemoryNodes: ['ay', [0x3a]],
  }, 'v1: legacy names; TasksMax 0 asks for 1')
  const v2 = values(unitProperties(scope, 42, { ...r, pids: { limit: -1 } }, true).props)
  t.same([v2.IOAccounting, v2.MemoryMax, v2.MemoryLow, v2.MemorySwapMax, v2.CPUWeight, v2.TasksMax, v2.MemoryLimit, v2.CPUShares, v2.BlockIOWeight],
    [['b', true], ['t', 1000n], ['t', 500n], ['t', 2000n], ['t', 39n], ['t', 2n ** 64n - 1n], undefined, undefined, undefined], 'v2: unified names, shares as weight, swap alone, -1 as infinity')
  t.same(values(unitProperties({ unit: 'x.slice', slice: 'a.slice' }, 1, {}, false).props).Wants, ['as', ['a.slice']], 'a slice wants its parent')
})

t.test('the cpu quota is rounded up to whole percents, in cgroupfs too', async (t) => {
  const { props, resources } = resourceProperties({ cpu: { quota: 33333, period: 100000 } }, false)
  t.same(values(props).CPUQuotaPerSecUSec, ['t', 340000n])
  t.equal(resources.cpu?.quota, 34000)
  t.same(values(resourceProperties({ cpu: { quota: -1 } }, false).props).CPUQuotaPerSecUSec, ['t', 2n ** 64n - 1n], 'no quota: infinity')
})

t.test('cpu lists as bitmasks; bus addresses', async (t) => {
  t.same(rangeToBits('0', 'cpu.cpus'), [1])
  t.same(rangeToBits(' 8 ,0', 'cpu.cpus'), [1, 1])
  for (const bad of ['', '3-1', 'x', '1-']) t.throws(() => rangeToBits(bad, 'cpu.cpus'), { kind: 'config', message: /linux\.resources\.cpu\.cpus: invalid list/ }, bad)
  t.equal(systemBusPath(undefined), '/run/dbus/system_bus_socket')
  t.equal(systemBusPath('tcp:host=x;unix:guid=1,path=/run/my%20bus'), '/run/my bus')
  t.throws(() => systemBusPath('unix:abstract=/tmp/x'), { kind: 'config', message: /no unix:path= address/ })
})
