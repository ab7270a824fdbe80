// /dev as the container sees it (runtime-spec config-linux.md "Default
// Devices" and #devices, runc's default symlinks): the six default nodes
// with their numbers and modes, devpts and /dev/ptmx, /dev/shm, the fd
// links, linux.devices made as specified, and bind-mounted host nodes in a
// user namespace, where mknod is not allowed.
import t from 'tap'
import * as fs from 'node:fs'
import { Sandbox, parseMountinfo, skipReason, results } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

/** "res <name> <type> <major>:<minor> <mode> <uid>:<gid>" for each path (busybox stat: numbers in hex). */
const statLines = (paths: string[]): string =>
  paths.map((p) => `echo "res ${p} $(stat -c '%F %t:%T %a %u:%g' ${p})"`).join('\n')

const DEFAULTS: Array<[string, string]> = [
  ['/dev/null', '1:3'], ['/dev/zero', '1:5'], ['/dev/full', '1:7'],
  ['/dev/random', '1:8'], ['/dev/urandom', '1:9'], ['/dev/tty', '5:0'],
]

t.test('default devices, devpts, shm and the /dev symlinks', async (t) => {
  const s = new Sandbox(t, 'dev-default')
  s.config((c) => {
    c.process.args = ['sh', '-c', [
      statLines(DEFAULTS.map(([p]) => p)),
      ...['ptmx', 'fd', 'stdin', 'stdout', 'stderr', 'core'].map((l) => `echo "res link-${l} $(readlink /dev/${l})"`),
      'echo "res ls $(ls -A /dev | tr "\\n" " ")"',
      'echo x > /dev/null && echo "res null-write ok"',
      'echo "res zero $(head -c 3 /dev/zero | od -An -tx1)"',
      'sh -c "echo x > /dev/full" 2>&1 | sed "s/^/res full /"',
      'echo "res urandom $(head -c 16 /dev/urandom | wc -c)"',
      'echo "res stdin $(echo via-stdin | cat /dev/stdin)"',
      // Opening /dev/ptmx allocates pts 0 in the container's own devpts instance.
      'exec 3<>/dev/ptmx && echo "res pts $(ls /dev/pts | tr "\\n" " ")"',
      'sed "s/^/mi /" /proc/self/mountinfo',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  for (const [p, nums] of DEFAULTS) t.equal(res.get(p), `character special file ${nums} 666 0:0`, `${p}: char ${nums}, 0666, root`)
  t.equal(res.get('link-ptmx'), 'pts/ptmx', '/dev/ptmx -> pts/ptmx')
  t.equal(res.get('link-fd'), '/proc/self/fd', '/dev/fd')
  t.equal(res.get('link-stdin'), '/proc/self/fd/0', '/dev/stdin')
  t.equal(res.get('link-stdout'), '/proc/self/fd/1', '/dev/stdout')
  t.equal(res.get('link-stderr'), '/proc/self/fd/2', '/dev/stderr')
  const kcore = fs.existsSync('/proc/kcore')
  t.equal(res.get('link-core'), kcore ? '/proc/kcore' : '', `/dev/core ${kcore ? '-> /proc/kcore' : 'absent: the host has no /proc/kcore'}`)
  const want = ['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']
  if (kcore) want.push('core')
  t.same((res.get('ls') ?? '').trim().split(' ').sort(), want.sort(), '/dev holds exactly what runc puts there')
  t.equal(res.get('null-write'), 'ok', '/dev/null writable')
  t.equal(res.get('zero')?.trim(), '00 00 00', '/dev/zero reads zeros')
  t.match(res.get('full'), /No space left on device/, '/dev/full: ENOSPC')
  t.equal(res.get('urandom'), '16', '/dev/urandom readable')
  t.equal(res.get('stdin'), 'via-stdin', '/dev/stdin leads to fd 0')
  t.equal(res.get('pts'), '0 ptmx ', 'the ptmx link allocates in the container\'s devpts')
  const mi = parseMountinfo(r.stdout.split('\n').filter((l) => l.startsWith('mi ')).map((l) => l.slice(3)).join('\n'))
  const at = (p: string): string | undefined => mi.filter((m) => m.mountPoint === p).pop()?.fstype
  t.equal(at('/dev'), 'tmpfs', '/dev is a tmpfs')
  t.equal(at('/dev/pts'), 'devpts', '/dev/pts is devpts')
  t.equal(at('/dev/shm'), 'tmpfs', '/dev/shm is a tmpfs')
  t.ok(mi.find((m) => m.mountPoint === '/dev/pts')?.superOptions.includes('ptmxmode=666'), 'devpts ptmxmode=666 (newinstance)')
})

t.test('linux.devices are made as specified', async (t) => {
  const s = new Sandbox(t, 'dev-config')
  const devices = [
    { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 1000, gid: 1001 },
    { path: '/dev/net/tun', type: 'c', major: 10, minor: 200, fileMode: 0o620, uid: 0, gid: 0 },
    { path: '/dev/tsrun-loop', type: 'b', major: 7, minor: 0, fileMode: 0o640, uid: 0, gid: 6 },
    { path: '/dev/tsrun-fifo', type: 'p', fileMode: 0o604, uid: 5, gid: 7 },
    // An entry for a default device replaces the default.
    { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o600, uid: 0, gid: 0 },
  ]
  s.config((c) => {
    c.linux.devices = devices
    c.process.args = ['sh', '-c', statLines(devices.map((d) => d.path))]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('/dev/fuse'), 'character special file a:e5 600 1000:1001', 'fuse: char 10:229 (hex a:e5), 0600, 1000:1001')
  t.equal(res.get('/dev/net/tun'), 'character special file a:c8 620 0:0', 'net/tun: in a directory made for it')
  t.equal(res.get('/dev/tsrun-loop'), 'block special file 7:0 640 0:6', 'a block device')
  t.equal(res.get('/dev/tsrun-fifo'), 'fifo 0:0 604 5:7', 'a fifo')
  t.equal(res.get('/dev/zero'), 'character special file 1:5 600 0:0', 'the config\'s mode wins over the default')
})

t.test('in a user namespace the default devices are the host\'s nodes, bind-mounted', async (t) => {
  const s = new Sandbox(t, 'dev-userns')
  fs.chmodSync(s.dir, 0o755)  // the container's root (uid 100000) must reach its rootfs
  s.config((c) => {
    c.linux.namespaces.push({ type: 'user' })
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
    c.process.args = ['sh', '-c', [
      statLines(DEFAULTS.map(([p]) => p)),
      'echo x > /dev/null && echo "res null-write ok"',
      'sed "s/^/mi /" /proc/self/mountinfo',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  const mi = parseMountinfo(r.stdout.split('\n').filter((l) => l.startsWith('mi ')).map((l) => l.slice(3)).join('\n'))
  for (const [p, nums] of DEFAULTS) {
    // The host's root owns them: unmapped, so the overflow ids.
    t.equal(res.get(p), `character special file ${nums} 666 65534:65534`, `${p}: the host's ${nums}`)
    t.ok(mi.some((m) => m.mountPoint === p), `${p} is a bind mount`)
  }
  t.equal(res.get('null-write'), 'ok', '/dev/null writable')
})
