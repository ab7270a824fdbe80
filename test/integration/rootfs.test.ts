// The container's root as it sees it: pivot_root (and --no-pivot's
// MS_MOVE + chroot) leave nothing of the host reachable; root.readonly;
// maskedPaths (files become /dev/null, directories an empty read-only
// tmpfs) and readonlyPaths (EROFS), including what runc spec's defaults
// protect in /proc.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type MountInfo, type Result, Sandbox, parseMountinfo, skipReason, results } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const MOUNTINFO = 'sed "s/^/mi /" /proc/self/mountinfo'

const mountsOf = (r: Result): MountInfo[] =>
  parseMountinfo(r.stdout.split('\n').filter((l) => l.startsWith('mi ')).map((l) => l.slice(3)).join('\n'))

const at = (mi: MountInfo[], p: string): MountInfo | undefined => mi.filter((m) => m.mountPoint === p).pop()

/** Prints how a write to each path fails (or "ok"); ": >" opens for writing and writes nothing. */
const tryWrite = (name: string, p: string): string =>
  `(sh -c ': > ${p}' 2>&1 && echo ok) | tail -n 1 | sed "s/^/res ${name} /"`

t.test('pivot_root and --no-pivot: the rootfs is /, the host is out of reach', async (t) => {
  const s = new Sandbox(t, 'rootfs-pivot')
  fs.writeFileSync(path.join(s.bundle, 'rootfs', 'tsrun-marker'), 'in the rootfs\n')
  s.config((c) => {
    c.process.args = ['sh', '-c', [
      MOUNTINFO,
      'echo "res marker $(cat /tsrun-marker)"',
      'echo "res root-ls $(ls -A / | tr "\\n" " ")"',
      'echo "res proc1-root-ls $(ls -A /proc/1/root/ | tr "\\n" " ")"',
      `echo "res sandbox $(ls -d ${s.dir} 2>&1)"`,
      'echo "res proc $(cat /proc/1/comm)"',
    ].join('\n')]
  })
  const imageTop = fs.readdirSync(path.join(s.bundle, 'rootfs')).sort()
  // The container makes no new top-level entry: its mounts are all under existing dirs.
  for (const noPivot of [false, true]) {
    const what = noPivot ? '--no-pivot' : 'pivot_root'
    const r = s.run(s.id(noPivot ? '-nopivot' : '-pivot'), noPivot ? ['--no-pivot'] : [])
    t.equal(r.status, 0, `${what}: ${r.stderr}`)
    const res = results(r)
    t.equal(res.get('marker'), 'in the rootfs', `${what}: the rootfs is /`)
    t.same((res.get('root-ls') ?? '').trim().split(' ').sort(), imageTop, `${what}: / lists the image`)
    t.equal(res.get('proc1-root-ls'), res.get('root-ls'), `${what}: /proc/1/root is the same root`)
    t.match(res.get('sandbox'), /No such file or directory/, `${what}: the host's ${s.dir} is not reachable`)
    t.equal(res.get('proc'), 'sh', `${what}: /proc is the container's (pid 1 is sh)`)
    const mi = mountsOf(r)
    t.equal(mi[0]?.mountPoint, '/', `${what}: the first mount is /`)
    t.equal(mi[0]?.root, path.join(s.bundle, 'rootfs'), `${what}: / is the bundle's rootfs`)
    const foreign = mi.map((m) => m.mountPoint).filter((p) => !/^\/(proc|dev|sys)(\/|$)/.test(p) && p !== '/')
    t.same(foreign, [], `${what}: no mount of the host's in mountinfo (${mi.length} mounts)`)
    // Each mount point once: nothing of the host hides under the container's own mounts.
    const points = mi.map((m) => m.mountPoint)
    t.same(points.filter((p, i) => points.indexOf(p) !== i), [], `${what}: no mount point twice`)
    t.ok(at(mi, '/dev/pts')?.superOptions.includes('ptmxmode=666'), `${what}: /dev/pts is the container's devpts instance`)
  }
})

t.test('root.readonly: / read-only but mounts on it writable, or / writable', async (t) => {
  const s = new Sandbox(t, 'rootfs-ro')
  const script = [
    MOUNTINFO,
    tryWrite('root', '/tsrun-written'),
    tryWrite('tmp', '/tmp/tsrun-written'),
    tryWrite('dev', '/dev/shm/tsrun-written'),
  ].join('\n')
  for (const readonly of [true, false]) {
    s.config((c) => {
      c.root.readonly = readonly
      c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] })
      c.process.args = ['sh', '-c', script]
    })
    const r = s.run(s.id(readonly ? '-ro' : '-rw'))
    t.equal(r.status, 0, r.stderr)
    const res = results(r)
    const root = at(mountsOf(r), '/')
    if (readonly) {
      t.match(res.get('root'), /Read-only file system/, 'readonly: writing / fails with EROFS')
      t.ok(root?.options.includes('ro'), 'readonly: / is ro in mountinfo')
      t.notOk(fs.existsSync(path.join(s.bundle, 'rootfs', 'tsrun-written')), 'readonly: nothing written to the rootfs')
    } else {
      t.equal(res.get('root'), 'ok', 'writable: / takes a write')
      t.ok(root?.options.includes('rw'), 'writable: / is rw in mountinfo')
      t.ok(fs.existsSync(path.join(s.bundle, 'rootfs', 'tsrun-written')), 'writable: the file is in the rootfs')
    }
    t.equal(res.get('tmp'), 'ok', `readonly ${readonly}: the /tmp tmpfs is writable`)
    t.equal(res.get('dev'), 'ok', `readonly ${readonly}: /dev/shm is writable`)
  }
})

t.test('maskedPaths and readonlyPaths, runc spec\'s and the config\'s own', async (t) => {
  const s = new Sandbox(t, 'rootfs-mask')
  const rootfs = path.join(s.bundle, 'rootfs')
  fs.writeFileSync(path.join(rootfs, 'etc', 'tsrun-secret'), 'secret\n')
  fs.mkdirSync(path.join(rootfs, 'tsrun-secret-dir'))
  fs.writeFileSync(path.join(rootfs, 'tsrun-secret-dir', 'inside'), 'secret\n')
  fs.mkdirSync(path.join(rootfs, 'tsrun-ro-dir'))
  fs.writeFileSync(path.join(rootfs, 'tsrun-ro-dir', 'file'), 'readable\n')
  s.config((c) => {
    c.root.readonly = false
    c.linux.maskedPaths.push('/etc/tsrun-secret', '/tsrun-secret-dir', '/tsrun-not-there')
    c.linux.readonlyPaths.push('/tsrun-ro-dir', '/tsrun-not-there-either')
    c.process.args = ['sh', '-c', [
      MOUNTINFO,
      'echo "res file $(cat /etc/tsrun-secret | wc -c)"',
      'echo "res file-node $(stat -c "%F %t:%T" /etc/tsrun-secret)"',
      'echo "res dir $(ls -A /tsrun-secret-dir | wc -l)"',
      tryWrite('dir-write', '/tsrun-secret-dir/x'),
      tryWrite('file-write', '/etc/tsrun-secret'),
      'echo "res keys-node $(stat -c "%F %t:%T" /proc/keys)"',
      'echo "res firmware $(ls -A /sys/firmware | wc -l)"',
      tryWrite('ro-dir', '/tsrun-ro-dir/x'),
      'echo "res ro-read $(cat /tsrun-ro-dir/file)"',
      tryWrite('rw-control', '/tsrun-rw-control'),
      tryWrite('proc-sys', '/proc/sys/kernel/hostname'),
      tryWrite('sysrq', '/proc/sysrq-trigger'),
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  const mi = mountsOf(r)

  t.equal(res.get('file'), '0', 'masked file reads empty')
  t.equal(res.get('file-node'), 'character special file 1:3', 'masked file is /dev/null')
  t.equal(res.get('file-write'), 'ok', 'writing it goes to /dev/null...')
  t.equal(fs.readFileSync(path.join(rootfs, 'etc', 'tsrun-secret'), 'utf8'), 'secret\n', '...and leaves the file alone')
  t.equal(res.get('dir'), '0', 'masked directory is empty')
  t.match(res.get('dir-write'), /Read-only file system/, 'masked directory is read-only')
  const dirMount = at(mi, '/tsrun-secret-dir')
  t.equal(dirMount?.fstype, 'tmpfs', 'masked directory: a tmpfs')
  t.ok(dirMount?.options.includes('ro'), 'masked directory: ro in mountinfo')

  t.equal(res.get('keys-node'), 'character special file 1:3', 'runc spec: /proc/keys masked')
  t.equal(res.get('firmware'), '0', 'runc spec: /sys/firmware masked')
  t.equal(at(mi, '/sys/firmware')?.fstype, 'tmpfs', 'runc spec: /sys/firmware a tmpfs')

  t.match(res.get('ro-dir'), /Read-only file system/, 'readonly path: write fails with EROFS')
  t.equal(res.get('ro-read'), 'readable', 'readonly path: still readable')
  t.equal(res.get('rw-control'), 'ok', 'the rest of / stays writable')
  t.ok(at(mi, '/tsrun-ro-dir')?.options.includes('ro'), 'readonly path: ro in mountinfo')
  t.match(res.get('proc-sys'), /Read-only file system/, 'runc spec: /proc/sys read-only')
  if (fs.existsSync('/proc/sysrq-trigger')) t.match(res.get('sysrq'), /Read-only file system/, 'runc spec: /proc/sysrq-trigger read-only')
  else t.match(res.get('sysrq'), /nonexistent|No such file/, 'no /proc/sysrq-trigger on this kernel (no CONFIG_MAGIC_SYSRQ)')
  for (const p of ['/proc/sys', '/proc/sysrq-trigger', '/proc/bus', '/proc/fs', '/proc/irq']) {
    const m = at(mi, p)
    if (fs.existsSync(p)) t.ok(m?.options.includes('ro'), `${p}: ro bind in mountinfo`)
  }
  t.notOk(fs.existsSync(path.join(rootfs, 'tsrun-not-there')), 'a missing masked path is skipped, not made')
})
