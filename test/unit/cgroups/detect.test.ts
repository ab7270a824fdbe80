import t from 'tap'
import { parseMountinfo, layoutFrom, parseProcCgroup } from '../../../src/cgroups/detect'
import { HYBRID } from './fixtures/mountinfo'

// A systemd-style host with joint mounts, optional fields and a second (bind) mount of one hierarchy.
const JOINT = `31 23 0:28 / /sys/fs/cgroup ro shared:9 - tmpfs tmpfs ro,mode=755
34 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw shared:14 - cgroup cgroup rw,cpu,cpuacct
35 31 0:31 / /sys/fs/cgroup/net_cls,net_prio rw shared:15 - cgroup cgroup rw,net_cls,net_prio
36 31 0:32 / /sys/fs/cgroup/cpuset rw shared:16 - cgroup cgroup rw,cpuset,clone_children
90 20 0:30 /docker/abc /mnt/with\\040space rw - cgroup cgroup rw,cpu,cpuacct
`

t.test('hybrid host', async (t) => {
  const { v1, v2 } = parseMountinfo(HYBRID)
  t.same(v1.map((m) => m.controllers), [['cpu'], ['cpuacct'], ['memory'], ['freezer'], ['pids'], ['name=systemd']])
  t.same(v2, [{ mountpoint: '/sys/fs/cgroup/unified', root: '/' }])
  const l = layoutFrom(0x01021994 /* tmpfs */, HYBRID)
  t.equal(l.mode, 'v1')
  t.same(l.mode === 'v1' && l.unified, { mountpoint: '/sys/fs/cgroup/unified', root: '/' })
})

t.test('joint mounts, options that are not controllers, first mount of a hierarchy wins', async (t) => {
  const { v1 } = parseMountinfo(JOINT)
  t.same(v1, [
    { mountpoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', controllers: ['cpu', 'cpuacct'] },
    { mountpoint: '/sys/fs/cgroup/net_cls,net_prio', root: '/', controllers: ['net_cls', 'net_prio'] },
    { mountpoint: '/sys/fs/cgroup/cpuset', root: '/', controllers: ['cpuset'] },
  ])
  const l = layoutFrom(0x01021994, JOINT)
  t.same(l.mode === 'v1' && l.unified, null, 'pure v1: no cgroup2 mount')
})

t.test('mountinfo escapes are decoded', async (t) => {
  const { v1 } = parseMountinfo('90 20 0:30 /a\\040b /mnt/x\\134y rw - cgroup cgroup rw,pids\n')
  t.same(v1, [{ mountpoint: '/mnt/x\\y', root: '/a b', controllers: ['pids'] }])
})

t.test('cgroup2 at /sys/fs/cgroup is v2 whatever mountinfo says', async (t) => {
  t.same(layoutFrom(0x63677270, ''), { mode: 'v2', unified: '/sys/fs/cgroup' })
})

t.test('/proc/self/cgroup', async (t) => {
  const m = parseProcCgroup('10:hugetlb:/\n4:memory:/process_api/0e9b\n1:cpu,cpuacct:/x\n9:name=systemd:/s\n0::/user.slice/a.scope\n')
  t.same([...m.entries()], [
    ['hugetlb', '/'], ['memory', '/process_api/0e9b'], ['cpu', '/x'], ['cpuacct', '/x'],
    ['name=systemd', '/s'], ['', '/user.slice/a.scope'],
  ])
})
