// Which mapping an idmapped mount gets (runc 1.2's specconv): its own, else
// the container's new user namespace's maps, else the joined namespace; and
// compilePlan points each at the right plan mount past a "cgroup" mount's
// expansion into several.
import t from 'tap'
import { compilePlan } from '../../../src/plan/compile'
import { compileIdmap, containerIds, renderIdMap } from '../../../src/plan/idmap'
import { planNamespaces } from '../../../src/plan/namespaces'

const OWN = [{ containerID: 0, hostID: 100000, size: 65536 }]
const MOUNT_MAP = [{ containerID: 1000, hostID: 101000, size: 1 }, { containerID: 0, hostID: 5, size: 2 }]

t.test('renderIdMap: one line per range', async (t) => {
  t.equal(renderIdMap(MOUNT_MAP), '1000 101000 1\n0 5 2\n')
  t.equal(renderIdMap([]), '')
})

t.test('compileIdmap', async (t) => {
  const newUserns = containerIds({ uidMappings: OWN, gidMappings: OWN }, planNamespaces([{ type: 'user' }, { type: 'mount' }]))
  const joined = containerIds({}, planNamespaces([{ type: 'user', path: '/proc/9/ns/user' }, { type: 'mount' }]))
  t.equal(compileIdmap({ options: ['rbind', 'ro'] }, 3, newUserns), null, 'a plain bind is not idmapped')
  t.same(compileIdmap({ options: ['rbind', 'idmap'] }, 3, newUserns),
    { mount: 3, uidMap: '0 100000 65536\n', gidMap: '0 100000 65536\n', usernsPath: '', recursive: false },
    'idmap alone: the container\'s maps, top mount only')
  t.same(compileIdmap({ options: ['rbind', 'ridmap'] }, 1, joined),
    { mount: 1, uidMap: '', gidMap: '', usernsPath: '/proc/9/ns/user', recursive: true }, 'ridmap with a joined namespace: its path')
  t.same(compileIdmap({ options: ['bind'], uidMappings: MOUNT_MAP, gidMappings: OWN }, 0, joined),
    { mount: 0, uidMap: '1000 101000 1\n0 5 2\n', gidMap: '0 100000 65536\n', usernsPath: '', recursive: false },
    'the mount\'s own mappings win, without an option')
  t.equal(compileIdmap({ options: ['ridmap', 'idmap'] }, 0, newUserns)?.recursive, false, 'the last of idmap/ridmap wins')
})

t.test('compilePlan: idmaps index the plan mounts, options idmap/ridmap are not mount data', async (t) => {
  const { plan } = compilePlan({
    ociVersion: '1.3.0',
    root: { path: '/r' },
    mounts: [
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' },
      { destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'ridmap'] },
    ],
    linux: { namespaces: [{ type: 'mount' }, { type: 'user' }], uidMappings: OWN, gidMappings: OWN },
  }, {
    id: 'c', bundle: '/b', rootfs: '/r', fifoPath: '/f', noPivot: false, consoleSocketFd: -1, preserveFds: 0, noNewKeyring: false,
    cgroup: {
      layout: { mode: 'v1', mounts: [{ mountpoint: '/sys/fs/cgroup/cpu', root: '/', controllers: ['cpu'] }], unified: null },
      record: { driver: 'v1', paths: { cpu: '/sys/fs/cgroup/cpu/c' } },
    },
  })
  t.equal(plan.mounts.length, 3, 'the cgroup mount became a tmpfs and a bind')
  t.same(plan.idmaps, [{ mount: 2, uidMap: '0 100000 65536\n', gidMap: '0 100000 65536\n', usernsPath: '', recursive: true }])
  t.equal(plan.mounts[2].destination, '/data', 'index 2 is /data')
  t.equal(plan.mounts[2].data, '', 'ridmap is not passed as data')
})
