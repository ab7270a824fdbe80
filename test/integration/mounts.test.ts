// config.json mounts as the container sees them (runtime-spec config.md
// #mounts, runc's specconv option table): bind and rbind, per-mount flags,
// atime modes, propagation, filesystem data, the filesystems runc spec
// mounts, the cgroup view, destinations created in the rootfs, symlinks in
// the rootfs that aim at the host, and rootfsPropagation. Each container
// prints /proc/self/mountinfo ("mi " lines) and what it tried ("res " lines).
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Config, type MountInfo, type Result, Sandbox, createOnPipes, parseMountinfo, skipReason, results } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const MOUNTINFO = 'sed "s/^/mi /" /proc/self/mountinfo'

function mountsOf(r: Result): MountInfo[] {
  return parseMountinfo(r.stdout.split('\n').filter((l) => l.startsWith('mi ')).map((l) => l.slice(3)).join('\n'))
}

/** The topmost mount at `point` (the last one listed). */
function at(mounts: MountInfo[], point: string): MountInfo | undefined {
  return mounts.filter((m) => m.mountPoint === point).pop()
}

/** Registers a host mount for removal before the sandbox's own teardown checks for leftovers. */
function hostMount(t: Test, args: string[], target: string): void {
  const r = spawnSync('mount', [...args, target], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`mount ${args.join(' ')} ${target}: ${r.stderr}`)
  // Teardowns run last-registered first: this one precedes the sandbox's.
  t.teardown(() => { spawnSync('umount', ['-R', '-l', target]) })
}

/** Host source dirs: src (a file and a script), rsrc with a tmpfs submount. */
function sources(t: Test, s: Sandbox): { src: string; rsrc: string } {
  const src = path.join(s.dir, 'src')
  const rsrc = path.join(s.dir, 'rsrc')
  fs.mkdirSync(src)
  fs.writeFileSync(path.join(src, 'hello'), 'hello\n')
  fs.writeFileSync(path.join(src, 'script'), '#!/bin/sh\necho ran\n', { mode: 0o755 })
  fs.mkdirSync(path.join(rsrc, 'sub'), { recursive: true })
  hostMount(t, ['-t', 'tmpfs', 'tsrun-it-sub'], path.join(rsrc, 'sub'))
  fs.writeFileSync(path.join(rsrc, 'sub', 'inner'), 'inner\n')
  return { src, rsrc }
}

t.test('bind flags, atime modes, filesystem data, created destinations', async (t) => {
  const s = new Sandbox(t, 'mnt-flags')
  const { src, rsrc } = sources(t, s)
  s.config((c) => {
    c.mounts.push(
      { destination: '/m/ro', type: 'bind', source: src, options: ['bind', 'ro'] },
      { destination: '/m/rw', type: 'bind', source: src, options: ['bind', 'rw'] },
      { destination: '/m/flags', type: 'bind', source: src, options: ['bind', 'nosuid', 'nodev', 'noexec'] },
      { destination: '/m/norec', type: 'bind', source: rsrc, options: ['bind'] },
      { destination: '/m/rec', type: 'bind', source: rsrc, options: ['rbind'] },
      { destination: '/m/relatime', type: 'tmpfs', source: 'tmpfs', options: ['relatime'] },
      { destination: '/m/noatime', type: 'tmpfs', source: 'tmpfs', options: ['noatime'] },
      { destination: '/m/strictatime', type: 'tmpfs', source: 'tmpfs', options: ['strictatime'] },
      { destination: '/m/tmpfs', type: 'tmpfs', source: 'tsrun-data', options: ['nosuid', 'size=1m', 'mode=0710', 'nr_inodes=100'] },
      // Neither exists in the image: a directory chain and a file are made in the rootfs.
      { destination: '/new/deep/dir', type: 'tmpfs', source: 'tmpfs', options: [] },
      { destination: '/newfile/hello.txt', type: 'bind', source: path.join(src, 'hello'), options: ['bind', 'ro'] },
    )
    c.process.args = ['sh', '-c', [
      MOUNTINFO,
      'echo "res ro-read $(cat /m/ro/hello)"',
      'touch /m/ro/x 2>&1 | sed "s/^/res ro-write /"',
      'touch /m/rw/from-container && echo "res rw-write ok"',
      '/m/flags/script; echo "res noexec-rc $?"',
      'echo "res exec $(/m/rw/script)"',
      'echo "res norec $(ls /m/norec/sub)"',
      'echo "res rec $(cat /m/rec/sub/inner)"',
      'echo "res tmpfs-mode $(stat -c %a /m/tmpfs)"',
      'echo "res newfile $(cat /newfile/hello.txt)"',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  const mi = mountsOf(r)

  t.equal(res.get('ro-read'), 'hello', 'ro bind readable')
  t.match(res.get('ro-write'), /Read-only file system/, 'ro bind: write fails with EROFS')
  t.ok(at(mi, '/m/ro')?.options.includes('ro'), 'ro in mountinfo')
  t.equal(res.get('rw-write'), 'ok', 'rw bind writable')
  t.ok(fs.existsSync(path.join(src, 'from-container')), 'the write reached the host directory')

  const flags = at(mi, '/m/flags')
  for (const f of ['nosuid', 'nodev', 'noexec']) t.ok(flags?.options.includes(f), `${f} in mountinfo`)
  t.equal(res.get('noexec-rc'), '126', 'a script on a noexec mount does not run')
  t.equal(res.get('exec'), 'ran', 'the same script runs from an exec mount')
  t.notOk(at(mi, '/m/rw')?.options.includes('noexec'), 'no noexec where not asked')

  t.equal(res.get('norec'), '', 'bind: the submount is not carried (empty dir)')
  t.notOk(at(mi, '/m/norec/sub'), 'bind: no submount in mountinfo')
  t.equal(res.get('rec'), 'inner', 'rbind: the submount is carried')
  t.equal(at(mi, '/m/rec/sub')?.fstype, 'tmpfs', 'rbind: the submount is in mountinfo')

  t.ok(at(mi, '/m/relatime')?.options.includes('relatime'), 'relatime')
  t.ok(at(mi, '/m/noatime')?.options.includes('noatime'), 'noatime')
  const strict = at(mi, '/m/strictatime')?.options ?? ['missing']
  t.notOk(strict.includes('relatime') || strict.includes('noatime') || strict.includes('missing'),
    `strictatime shows neither relatime nor noatime (${strict.join(',')})`)

  const tmpfs = at(mi, '/m/tmpfs')
  t.equal(tmpfs?.source, 'tsrun-data', 'tmpfs source as configured')
  for (const o of ['size=1024k', 'nr_inodes=100', 'mode=710']) t.ok(tmpfs?.superOptions.includes(o), `tmpfs data ${o}`)
  t.ok(tmpfs?.options.includes('nosuid'), 'tmpfs flag next to data')
  t.equal(res.get('tmpfs-mode'), '710', 'tmpfs root has the mode from data')

  t.equal(at(mi, '/new/deep/dir')?.fstype, 'tmpfs', 'mounted on a created directory chain')
  t.ok(fs.statSync(path.join(s.bundle, 'rootfs', 'new', 'deep', 'dir')).isDirectory(), 'the chain was made in the rootfs')
  t.equal(res.get('newfile'), 'hello', 'file bind on a created file')
  t.ok(fs.statSync(path.join(s.bundle, 'rootfs', 'newfile', 'hello.txt')).isFile(), 'the mount point is a file in the rootfs')
})

t.test('runc spec filesystems: proc, sysfs, mqueue, devpts with data, tmpfs', async (t) => {
  const s = new Sandbox(t, 'mnt-fs')
  s.config((c) => { c.process.args = ['sh', '-c', MOUNTINFO] })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const mi = mountsOf(r)
  t.equal(mi[0]?.mountPoint, '/', 'the root comes first')
  const want: Array<[string, string, string[], string[]]> = [
    ['/proc', 'proc', [], []],
    ['/dev', 'tmpfs', ['nosuid'], ['size=65536k', 'mode=755']],
    ['/dev/pts', 'devpts', ['nosuid', 'noexec'], ['gid=5', 'mode=620', 'ptmxmode=666']],
    ['/dev/shm', 'tmpfs', ['nosuid', 'nodev', 'noexec'], ['size=65536k']],
    ['/dev/mqueue', 'mqueue', ['nosuid', 'nodev', 'noexec'], []],
    ['/sys', 'sysfs', ['ro', 'nosuid', 'nodev', 'noexec'], []],
  ]
  for (const [point, fstype, opts, data] of want) {
    const m = at(mi, point)
    t.equal(m?.fstype, fstype, `${point} is ${fstype}`)
    for (const o of opts) t.ok(m?.options.includes(o), `${point} ${o}`)
    for (const d of data) t.ok(m?.superOptions.includes(d), `${point} data ${d}`)
  }
  // runc spec's /dev is strictatime: neither relatime nor noatime.
  t.notOk(at(mi, '/dev')?.options.some((o) => o === 'relatime' || o === 'noatime'), '/dev strictatime')
})

const V2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers')

t.test('the cgroup mount shows the container\'s own cgroup, read-only', async (t) => {
  const s = new Sandbox(t, 'mnt-cg')
  const dir = V2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids'
  const script = [
    MOUNTINFO,
    `echo "res pids.max $(cat ${dir}/pids.max)"`,
    `echo "res procs $(cat ${dir}/cgroup.procs | tr "\\n" " ")"`,
    `echo "res self $(grep -E '${V2 ? '^0::' : ':pids:'}' /proc/self/cgroup)"`,
    `sh -c 'echo 5 > ${dir}/pids.max' 2>&1 | sed "s/^/res write /"`,
  ].join('\n')
  const edit = (cgroupns: boolean) => (c: Config): void => {
    c.linux.resources.pids = { limit: 77 }
    if (!cgroupns) c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'cgroup')
    c.process.args = ['sh', '-c', script]
  }
  for (const cgroupns of [true, false]) {
    s.config(edit(cgroupns))
    const r = s.run(s.id(cgroupns ? '-ns' : '-nons'))
    t.equal(r.status, 0, r.stderr)
    const res = results(r)
    const what = cgroupns ? 'with a cgroup ns' : 'without a cgroup ns'
    t.equal(res.get('pids.max'), '77', `${what}: pids.max is the container's limit`)
    const procs = (res.get('procs') ?? '').trim().split(' ').map(Number)
    // Only the container's processes: sh (pid 1), cat, and the $(...) subshell.
    t.ok(procs.includes(1) && procs.every((p) => p > 0 && p < 10), `${what}: cgroup.procs lists only the container (${procs.join(',')})`)
    if (cgroupns) t.match(res.get('self'), /:\/$/, 'with a cgroup ns the container\'s cgroup is its root')
    t.match(res.get('write'), /Read-only file system/, `${what}: cgroup files are read-only`)
    const mi = mountsOf(r)
    t.ok(at(mi, '/sys/fs/cgroup')?.options.includes('ro'), `${what}: /sys/fs/cgroup ro`)
    if (!V2) t.ok(at(mi, '/sys/fs/cgroup/pids')?.options.includes('ro'), `${what}: each hierarchy ro`)
  }
})

t.test('a symlink in the rootfs never leads a mount to the host', async (t) => {
  const s = new Sandbox(t, 'mnt-link')
  const { src } = sources(t, s)
  const rootfs = path.join(s.bundle, 'rootfs')
  // Host dirs the symlinks name; each holds a marker the container must not see.
  const targets = ['abs', 'rel', 'dangling'].map((n) => path.join(s.dir, `host-${n}`))
  for (const d of targets) {
    fs.mkdirSync(d)
    fs.writeFileSync(path.join(d, 'host-only'), 'host\n')
  }
  const [abs, rel, dangling] = targets
  fs.symlinkSync(abs, path.join(rootfs, 'evil-abs'))
  fs.symlinkSync(`../../../../../../../..${rel}`, path.join(rootfs, 'etc', 'evil-rel'))
  fs.symlinkSync(dangling, path.join(rootfs, 'evil-dangling'))
  // In the rootfs the first two lead to real directories (as the container
  // sees them); the last one leads nowhere.
  fs.mkdirSync(path.join(rootfs, abs), { recursive: true })
  fs.mkdirSync(path.join(rootfs, rel), { recursive: true })
  const snapshot = (): string[] => targets.map((d) => fs.readdirSync(d).join(','))

  s.config((c) => {
    c.root.readonly = false
    c.mounts.push(
      { destination: '/evil-abs/sub', type: 'bind', source: src, options: ['bind'] },
      { destination: '/etc/evil-rel', type: 'tmpfs', source: 'tsrun-evil', options: [] },
    )
    c.process.args = ['sh', '-c', [
      MOUNTINFO,
      'echo "res abs $(cat /evil-abs/sub/hello)"',
      'echo "res rel-host $(ls /etc/evil-rel)"',
      'touch /etc/evil-rel/x /evil-abs/sub/../written && echo "res wrote ok"',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  const mi = mountsOf(r)
  t.equal(res.get('abs'), 'hello', 'absolute link: the bind is reachable through the link')
  t.equal(at(mi, path.join(abs, 'sub'))?.root, src, 'absolute link: mounted at the link\'s target inside the rootfs')
  t.equal(at(mi, rel)?.source, 'tsrun-evil', 'relative link: the tmpfs sits at the target inside the rootfs')
  t.equal(res.get('rel-host'), '', 'the host directory\'s files are not visible')
  t.equal(res.get('wrote'), 'ok')
  t.same(snapshot(), ['host-only', 'host-only', 'host-only'], 'the host directories are untouched')
  t.ok(fs.existsSync(path.join(rootfs, abs, 'sub')), 'the mount point was made inside the rootfs')
  t.ok(fs.existsSync(path.join(rootfs, abs, 'written')), 'the container wrote inside the rootfs')

  // Links whose target does not exist inside the rootfs: the target is made
  // there, as runc does (images ship /etc/resolv.conf -> ../run/systemd/...,
  // which engines bind a file onto).
  fs.symlinkSync('../run/tsrun/resolv.conf', path.join(rootfs, 'etc', 'resolv-link'))
  s.config((c) => {
    c.mounts.push(
      { destination: '/evil-dangling/sub', type: 'bind', source: src, options: ['bind'] },
      { destination: '/etc/resolv-link', type: 'bind', source: path.join(src, 'hello'), options: ['bind', 'ro'] },
    )
    c.process.args = ['sh', '-c', 'echo "res dangling $(cat /evil-dangling/sub/hello)"; echo "res file $(cat /etc/resolv-link)"']
  })
  const d = s.run(s.id('-dangling'))
  t.equal(d.status, 0, d.stderr)
  t.equal(results(d).get('dangling'), 'hello', 'dangling link: mounted at its target inside the rootfs')
  t.ok(fs.statSync(path.join(rootfs, dangling, 'sub')).isDirectory(), 'dangling link: target made inside the rootfs')
  t.equal(results(d).get('file'), 'hello', 'dangling relative link to a file: bind on its target')
  t.ok(fs.statSync(path.join(rootfs, 'run', 'tsrun', 'resolv.conf')).isFile(), 'the target file was made inside the rootfs')
  t.same(snapshot(), ['host-only', 'host-only', 'host-only'], 'the host directories are still untouched')
})

t.test('propagation: shared, slave and private binds, as mountinfo and the kernel see them', async (t) => {
  const s = new Sandbox(t, 'mnt-prop')
  const psrc = path.join(s.dir, 'psrc')
  fs.mkdirSync(psrc)
  hostMount(t, ['-t', 'tmpfs', 'tsrun-it-prop'], psrc)
  spawnSync('mount', ['--make-shared', psrc])
  fs.mkdirSync(path.join(psrc, 'sub'))
  const id = s.id()
  s.config((c) => {
    c.mounts.push(
      { destination: '/p/shared', type: 'bind', source: psrc, options: ['rbind', 'rshared'] },
      { destination: '/p/slave', type: 'bind', source: psrc, options: ['rbind', 'rslave'] },
      { destination: '/p/private', type: 'bind', source: psrc, options: ['rbind', 'rprivate'] },
    )
    c.process.args = ['sh', '-c', [
      MOUNTINFO,
      ...['shared', 'slave', 'private'].map((p) => `echo "res ${p} $(cat /p/${p}/sub/marker 2>/dev/null)"`),
    ].join('\n')]
  })
  // Mounts are in place once create returns: a host mount made now
  // reaches only the binds that receive propagation.
  const c = await createOnPipes(s, id)
  t.equal(c.status, 0, c.stderr)
  hostMount(t, ['-t', 'tmpfs', 'tsrun-it-late'], path.join(psrc, 'sub'))
  fs.writeFileSync(path.join(psrc, 'sub', 'marker'), 'propagated\n')
  t.equal(s.tsrun(['start', id]).status, 0, 'start')
  const r = await c.running.done
  const res = results(r)
  const mi = mountsOf(r)
  const opt = (p: string): string => (at(mi, `/p/${p}`)?.optional ?? ['missing']).join(' ')
  t.match(opt('shared'), /shared:\d+/, 'rshared: a peer group in mountinfo')
  t.match(opt('slave'), /master:\d+/, 'rslave: a master in mountinfo')
  t.notMatch(opt('slave'), /shared:/, 'rslave: not shared')
  t.equal(opt('private'), '', 'rprivate: no propagation fields')
  t.equal(res.get('slave'), 'propagated', 'a slave receives the host\'s later mount')
  t.equal(res.get('private'), '', 'a private bind does not')
})

t.test('rootfsPropagation sets the propagation of the container\'s /', async (t) => {
  const s = new Sandbox(t, 'mnt-rootprop')
  for (const [prop, want] of [['shared', /shared:\d+/], ['private', /^$/]] as const) {
    s.config((c) => {
      c.linux.rootfsPropagation = prop
      c.process.args = ['sh', '-c', MOUNTINFO]
    })
    const r = s.run(s.id(`-${prop}`))
    t.equal(r.status, 0, r.stderr)
    const root = mountsOf(r).find((m) => m.mountPoint === '/')
    t.match(root?.optional.join(' '), want, `${prop}: / is ${prop} (${root?.optional.join(' ')})`)
  }
})
