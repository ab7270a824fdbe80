// src/paths.ts against node:path (posix) on the cases tsrun meets and the
// odd ones: trailing and repeated slashes, dot segments, `..` above the root.
import t from 'tap'
import * as nodePath from 'path'
import * as paths from '../../src/paths'

const samples = [
  '', '.', '..', '/', '//', '///a', 'a', 'a/', 'a//b', '/a/b/', '/a/./b', '/a/../b', '/../a', '../../a', 'a/../..',
  'a/b/../../..', '/run/tsrun/ctr', '/run/tsrun/ctr/', './x/./y/.', 'x/..', '/x/..', '/a/b/c/../../d', 'a/.hidden',
  '/sys/fs/cgroup/cpu,cpuacct/tsrun', '.../a', 'a/...', '/a//b//',
]

t.test('normalize, dirname, basename, isAbsolute', async (t) => {
  for (const p of samples) {
    t.equal(paths.normalize(p), nodePath.normalize(p), `normalize(${JSON.stringify(p)})`)
    t.equal(paths.dirname(p), nodePath.dirname(p), `dirname(${JSON.stringify(p)})`)
    t.equal(paths.basename(p), nodePath.basename(p), `basename(${JSON.stringify(p)})`)
    t.equal(paths.isAbsolute(p), nodePath.isAbsolute(p), `isAbsolute(${JSON.stringify(p)})`)
  }
})

t.test('join', async (t) => {
  const cases: string[][] = [
    [], [''], ['', ''], ['/run/tsrun', 'ctr'], ['/run/tsrun/', '/ctr/'], ['a', '', 'b'], ['a', '..', '..', 'b'],
    ['/', 'x'], ['/a', '../../b'], ['a/', ''], ['.', '.'], ['/sys/fs/cgroup', 'memory', '/user.slice', 'x'],
    ['rootfs', 'dev/', 'pts'],
  ]
  for (const c of cases) t.equal(paths.join(...c), nodePath.join(...c), `join(${JSON.stringify(c)})`)
})

t.test('resolve and relative, against the working directory', async (t) => {
  const cases: string[][] = [[], [''], ['a'], ['/a', 'b'], ['/a', '/b', 'c'], ['a', '..', '..', '..'], ['/a/b/', './c/'], ['x', '', '/y/']]
  for (const c of cases) t.equal(paths.resolve(...c), nodePath.resolve(...c), `resolve(${JSON.stringify(c)})`)
  const pairs: [string, string][] = [['/a/b', '/a/b/c'], ['/a/b/c', '/a/d'], ['/', '/x'], ['/x', '/'], ['/a', '/a'], ['a', 'b/c'], ['/a/b', '/a/bc']]
  for (const [a, b] of pairs) t.equal(paths.relative(a, b), nodePath.relative(a, b), `relative(${a}, ${b})`)
})
