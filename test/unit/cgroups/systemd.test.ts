// --systemd-cgroup's cgroupsPath rules (runc's specconv and ExpandSlice) and
// its error on a host without systemd.
import t from 'tap'
import * as fs from 'fs'
import { checkSystemd, expandSlice, parseSystemdPath } from '../../../src/cgroups/systemd'

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
