// Idmapped bind mounts (runtime-spec mounts[].uidMappings/gidMappings, the
// "idmap" and "ridmap" options): the ids the container sees on the mount,
// and the ids the host gets for files the container makes there, for a
// mount's own mapping, the container's mapping, a joined user namespace's,
// without a user namespace, and recursively or not over an rbind.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Config, Sandbox, heldUserNamespace, results, skipReason } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const RANGE = [{ containerID: 0, hostID: 100000, size: 65536 }]

/** "res <path> <uid>:<gid>" for each path, as the container stats it. */
const owners = (paths: string[]): string => paths.map((p) => `echo "res ${p} $(stat -c %u:%g ${p})"`).join('\n')

/** A sandbox with a host dir `src` holding a root-owned and a 1000-owned file, and /data in the rootfs. */
function withSource(t: Test, name: string): { s: Sandbox; src: string } {
  const s = new Sandbox(t, name)
  fs.chmodSync(s.dir, 0o755)  // a mapped root (host uid 100000) must reach the rootfs
  const src = path.join(s.dir, 'src')
  fs.mkdirSync(src, { mode: 0o777 })
  fs.writeFileSync(path.join(src, 'root-file'), '')
  fs.writeFileSync(path.join(src, 'u1000'), '')
  fs.chownSync(path.join(src, 'u1000'), 1000, 1000)
  fs.mkdirSync(path.join(s.bundle, 'rootfs', 'data'))
  return { s, src }
}

function userns(c: Config): void {
  c.linux.namespaces.push({ type: 'user' })
  c.linux.uidMappings = RANGE
  c.linux.gidMappings = RANGE
}

const hostOwner = (file: string): string => {
  const st = fs.statSync(file)
  return `${st.uid}:${st.gid}`
}

t.test('"idmap" alone takes the container\'s mapping: host root files are root\'s inside, and its files are root\'s on the host', async (t) => {
  const { s, src } = withSource(t, 'idmap-own')
  s.config((c) => {
    userns(c)
    c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['bind', 'idmap'] })
    c.process.args = ['sh', '-c', [owners(['/data/root-file', '/data/u1000']), 'touch /data/made && echo "res made ok"'].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('/data/root-file'), '0:0', 'a file of the host\'s root is root\'s inside')
  t.equal(res.get('/data/u1000'), '1000:1000', 'uid 1000 on disk is 1000 inside')
  t.equal(res.get('made'), 'ok', 'the container\'s root may write the root-owned dir through the mapping')
  t.equal(hostOwner(path.join(src, 'made')), '0:0', 'what it made is 0:0 on disk, not 100000')
})

t.test('a mount\'s own uidMappings/gidMappings, with a user namespace and without one', async (t) => {
  const { s, src } = withSource(t, 'idmap-maps')
  const maps = {
    uidMappings: [{ containerID: 1000, hostID: 101000, size: 1 }],
    gidMappings: [{ containerID: 1000, hostID: 102000, size: 1 }],
  }
  s.config((c) => {
    userns(c)
    c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['rbind'], ...maps })
    c.process.args = ['sh', '-c', owners(['/data/root-file', '/data/u1000'])]
  })
  let r = s.run(s.id('-userns'))
  t.equal(r.status, 0, r.stderr)
  let res = results(r)
  // On disk 1000 → host 101000/102000 → inside 1000/2000; disk 0 is outside the mount's map.
  t.equal(res.get('/data/u1000'), '1000:2000', 'disk 1000:1000 is host 101000:102000, which the container\'s map shows as 1000:2000')
  t.equal(res.get('/data/root-file'), '65534:65534', 'ids outside the mount\'s map are the overflow ids')

  s.config((c) => {
    c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['rbind'], ...maps })
    c.process.args = ['sh', '-c', owners(['/data/root-file', '/data/u1000'])]
  })
  r = s.run(s.id('-host'))
  t.equal(r.status, 0, r.stderr)
  res = results(r)
  t.equal(res.get('/data/u1000'), '101000:102000', 'without a user namespace the container sees the mapped host ids')
  t.equal(res.get('/data/root-file'), '65534:65534', 'and the overflow ids for the rest')
})

t.test('"ridmap" maps every mount of an rbind, "idmap" only its top', async (t) => {
  const { s, src } = withSource(t, 'idmap-rec')
  // A mount below the source: a bind of another host dir.
  const inner = path.join(s.dir, 'inner')
  fs.mkdirSync(inner)
  fs.writeFileSync(path.join(inner, 'root-file'), '')
  fs.mkdirSync(path.join(src, 'sub'))
  const sub = path.join(src, 'sub')
  t.equal(spawnSync('mount', ['--bind', inner, sub]).status, 0, 'bind inner under the source')
  try {
    s.config((c) => {
      userns(c)
      c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['rbind', 'ridmap'] })
      c.process.args = ['sh', '-c', owners(['/data/root-file', '/data/sub/root-file'])]
    })
    let r = s.run(s.id('-r'))
    t.equal(r.status, 0, r.stderr)
    let res = results(r)
    t.equal(res.get('/data/root-file'), '0:0', 'ridmap: the top mount is mapped')
    t.equal(res.get('/data/sub/root-file'), '0:0', 'ridmap: so is the mount below it')

    s.config((c) => {
      userns(c)
      c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['rbind', 'idmap'] })
      c.process.args = ['sh', '-c', owners(['/data/root-file', '/data/sub/root-file'])]
    })
    r = s.run(s.id('-t'))
    t.equal(r.status, 0, r.stderr)
    res = results(r)
    t.equal(res.get('/data/root-file'), '0:0', 'idmap: the top mount is mapped')
    t.equal(res.get('/data/sub/root-file'), '65534:65534', 'idmap: the mount below keeps the host\'s ids (unmapped inside)')
  } finally {
    spawnSync('umount', [sub])
  }
})

t.test('"idmap" with a user namespace joined by path takes that namespace\'s mapping', async (t) => {
  const { s, src } = withSource(t, 'idmap-join')
  const nsPath = await heldUserNamespace(t, '0 100000 65536', '0 100000 65536')
  s.config((c) => {
    c.linux.namespaces.push({ type: 'user', path: nsPath })
    c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['bind', 'idmap'] })
    c.process.args = ['sh', '-c', [owners(['/data/root-file', '/data/u1000']), 'echo "res map $(cat /proc/self/uid_map)"'].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('map')?.trim().split(/\s+/).join(' '), '0 100000 65536', 'in the joined namespace')
  t.equal(res.get('/data/root-file'), '0:0', 'root-owned on disk is root inside')
  t.equal(res.get('/data/u1000'), '1000:1000', '1000 on disk is 1000 inside')
})

t.test('bad idmapped mounts: one clear line, nothing left behind', async (t) => {
  const { s, src } = withSource(t, 'idmap-bad')
  const cases: Array<[string, (c: Config) => void, RegExp]> = [
    ['idmap on a tmpfs', (c) => { c.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['idmap'] }) },
      /config.json: \/mounts\/\d+: id-mapped mounts are only supported for bind-mounts/],
    ['only a uid map', (c) => { c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['bind'], uidMappings: RANGE }) },
      /config.json: \/mounts\/\d+: id-mapped mounts must have both uid and gid mappings specified/],
    ['idmap with nothing to map with', (c) => { c.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['bind', 'idmap'] }) },
      /config.json: \/mounts\/\d+: id-mapped mounts must have both uid and gid mappings specified/],
    ['a filesystem without idmap support', (c) => {
      userns(c)
      c.mounts.push({ destination: '/data', type: 'bind', source: '/proc/sys', options: ['rbind', 'idmap'] })
    }, /tsrun: create .*: idmapped mount \/proc\/sys on \/data \(does its filesystem support idmapped mounts\?\): invalid argument/i],
    ['a missing source', (c) => {
      userns(c)
      c.mounts.push({ destination: '/data', type: 'bind', source: path.join(s.dir, 'nope'), options: ['bind', 'idmap'] })
    }, /idmapped mount open_tree .*\/nope: no such file or directory/i],
  ]
  cases.forEach(([what, edit, want], i) => {
    s.config(edit)
    const r = s.run(s.id(`-${i}`))
    t.equal(r.status, 1, `${what}: fails`)
    t.match(r.stderr, want, `${what}: says why`)
    t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`)
    t.same(fs.existsSync(s.root) ? fs.readdirSync(s.root) : [], [], `${what}: no state left`)
  })
})
