import t from 'tap'
import { cleanPath, ownCgroupRecord, resolveCgroup } from '../../../src/cgroups/path'
import { layoutFrom, parseProcCgroup } from '../../../src/cgroups/detect'
import { HYBRID } from './fixtures/mountinfo'

t.test('cleanPath is Go utils.CleanPath', async (t) => {
  const table: [string, string][] = [
    ['', ''], ['/', '/'], ['/a/b/', '/a/b'], ['/a/../../b', '/b'], ['/../..', '/'],
    ['a', 'a'], ['a/b/', 'a/b'], ['../../etc', 'etc'], ['a/../..', '.'], ['..', '.'], ['./x//y', 'x/y'],
  ]
  for (const [input, want] of table) t.equal(cleanPath(input), want, JSON.stringify(input))
})

const hybrid = layoutFrom(0x01021994, HYBRID)
// As on this machine: memory lives in a sub-cgroup of its hierarchy, the rest at the root.
const own = parseProcCgroup('9:name=systemd:/\n8:pids:/\n6:freezer:/\n4:memory:/process_api/0e9b\n2:cpuacct:/\n1:cpu:/\n0::/\n')

// Matches what runc 1.1.5 recorded for `runc run` with no cgroupsPath on this host.
t.test('v1 hybrid, no cgroupsPath: <own cgroup>/<id> per hierarchy, unified at its mount', async (t) => {
  t.same(resolveCgroup(undefined, 'cgt1', hybrid, own), {
    driver: 'v1',
    paths: {
      cpu: '/sys/fs/cgroup/cpu/cgt1', cpuacct: '/sys/fs/cgroup/cpuacct/cgt1',
      memory: '/sys/fs/cgroup/memory/process_api/0e9b/cgt1', freezer: '/sys/fs/cgroup/freezer/cgt1',
      pids: '/sys/fs/cgroup/pids/cgt1', 'name=systemd': '/sys/fs/cgroup/systemd/cgt1',
      '': '/sys/fs/cgroup/unified/cgt1',
    },
  })
})

t.test('v1 absolute path: under each mountpoint as given (cleaned)', async (t) => {
  const r = resolveCgroup('/a/../b/c/', 'id', hybrid, own)
  t.equal(r.driver === 'v1' && r.paths.memory, '/sys/fs/cgroup/memory/b/c')
  t.equal(r.driver === 'v1' && r.paths[''], '/sys/fs/cgroup/unified/b/c')
})

t.test('v1 relative path cannot climb out of our cgroup', async (t) => {
  const r = resolveCgroup('../../x', 'id', hybrid, own)
  t.equal(r.driver === 'v1' && r.paths.memory, '/sys/fs/cgroup/memory/process_api/0e9b/x')
})

t.test('v1 nested: own path is made relative to the mount root', async (t) => {
  const nested = layoutFrom(0x01021994, '39 31 0:36 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n')
  const r = resolveCgroup('rel', 'id', nested, parseProcCgroup('8:pids:/docker/abc/sub\n'))
  t.same(r, { driver: 'v1', paths: { pids: '/sys/fs/cgroup/pids/sub/rel' } })
})

t.test('v1: a hierarchy we are not in is skipped', async (t) => {
  const r = resolveCgroup('rel', 'id', hybrid, parseProcCgroup('8:pids:/\n'))
  t.same(r, { driver: 'v1', paths: { pids: '/sys/fs/cgroup/pids/rel', '': '/sys/fs/cgroup/unified/rel' } })
})

t.test('v2: absolute as given, relative under the parent of our cgroup', async (t) => {
  const v2 = layoutFrom(0x63677270, '')
  const mine = parseProcCgroup('0::/user.slice/user-0.slice/session-1.scope\n')
  t.same(resolveCgroup('/machine/c1', 'id', v2, mine), { driver: 'v2', mount: '/sys/fs/cgroup', path: '/sys/fs/cgroup/machine/c1' })
  t.same(resolveCgroup('', 'c1', v2, mine), { driver: 'v2', mount: '/sys/fs/cgroup', path: '/sys/fs/cgroup/user.slice/user-0.slice/c1' })
  t.same(resolveCgroup(undefined, 'c1', v2, parseProcCgroup('0::/\n')), { driver: 'v2', mount: '/sys/fs/cgroup', path: '/sys/fs/cgroup/c1' })
})

t.test('ownCgroupRecord: the cgroups we are in, per hierarchy (a rootless container without its own)', async (t) => {
  t.same(ownCgroupRecord(hybrid, own), {
    driver: 'v1',
    paths: {
      cpu: '/sys/fs/cgroup/cpu', cpuacct: '/sys/fs/cgroup/cpuacct',
      memory: '/sys/fs/cgroup/memory/process_api/0e9b', freezer: '/sys/fs/cgroup/freezer',
      pids: '/sys/fs/cgroup/pids', 'name=systemd': '/sys/fs/cgroup/systemd', '': '/sys/fs/cgroup/unified',
    },
  })
  const v2 = { mode: 'v2', unified: '/sys/fs/cgroup' } as const
  t.same(ownCgroupRecord(v2, parseProcCgroup('0::/user.slice/u-1000.slice/session-3.scope\n')),
    { driver: 'v2', mount: '/sys/fs/cgroup', path: '/sys/fs/cgroup/user.slice/u-1000.slice/session-3.scope' })
})
