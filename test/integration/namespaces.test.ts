// Namespaces as the container sees them (runtime-spec config-linux.md
// #namespaces): each type asked for is a new one (its /proc/self/ns link
// differs from ours), each type left out is ours, one given by path is
// exactly that one; the user namespace's id maps and the time namespace's
// offsets are what the config says.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Result, Sandbox, skipReason, waitFor } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const TYPES: Record<string, string> = {
  mount: 'mnt', pid: 'pid', network: 'net', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time',
}
const LINKS = Object.values(TYPES)

/** Prints "ns <name> <link>" for every namespace of the container's process. */
const PRINT_NS = `for n in ${LINKS.join(' ')}; do echo "ns $n $(readlink /proc/self/ns/$n)"; done`

const hostNs = (name: string): string => fs.readlinkSync(`/proc/self/ns/${name}`)

/** "key rest of line" lines → map (the last one wins). */
function lines(r: Result): Map<string, string> {
  return new Map(r.stdout.split('\n').filter(Boolean).map((l) => {
    const i = l.indexOf(' ')
    return (i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)]) as [string, string]
  }))
}

function nsOf(r: Result): Map<string, string> {
  const out = new Map<string, string>()
  for (const l of r.stdout.split('\n')) {
    const m = /^ns (\w+) (.*)$/.exec(l)
    if (m) out.set(m[1], m[2])
  }
  return out
}

const uptime = (text: string): number => Number(text.trim().split(/\s+/)[0])

t.test('all eight namespace types new, with id maps and time offsets', async (t) => {
  const s = new Sandbox(t, 'ns-all')
  // mkdtemp made the sandbox 0700: the container's root (host uid 100000)
  // must be able to reach its rootfs, as with runc.
  fs.chmodSync(s.dir, 0o755)
  const shared = path.join(s.dir, 'shared')
  fs.mkdirSync(shared)
  // The container's root is host uid 100000, which may not write our 0755 dirs.
  fs.chownSync(shared, 100000, 100000)
  // Nor create a mount point in the root-owned rootfs: it must exist already.
  fs.mkdirSync(path.join(s.bundle, 'rootfs', 'shared'))
  s.config((c) => {
    c.linux.namespaces = Object.keys(TYPES).map((type) => ({ type }))
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
    c.linux.timeOffsets = { boottime: { secs: 86400, nanosecs: 0 } }
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] })
    c.process.args = ['sh', '-c', [
      PRINT_NS,
      'echo "pid $$"',
      'echo "uidmap $(cat /proc/self/uid_map)"',
      'echo "gidmap $(cat /proc/self/gid_map)"',
      'echo "ids $(id -u) $(id -g)"',
      'echo "uptime $(cat /proc/uptime)"',
      'echo "offsets $(cat /proc/self/timens_offsets | tr -s " \\n" " ")"',
      'echo hi > /shared/made-inside && echo "wrote ok"',
    ].join('\n')]
  })
  const before = uptime(fs.readFileSync('/proc/uptime', 'utf8'))
  const r = s.run(s.id())
  const after = uptime(fs.readFileSync('/proc/uptime', 'utf8'))
  t.equal(r.status, 0, r.stderr)
  const ns = nsOf(r)
  for (const name of LINKS) {
    t.match(ns.get(name), /^\w+:\[\d+\]$/, `${name} link read`)
    t.not(ns.get(name), hostNs(name), `${name} namespace is new`)
  }
  const out = lines(r)
  t.equal(out.get('pid'), '1', 'the process is pid 1 of its pid namespace')
  t.equal(out.get('uidmap')?.trim().split(/\s+/).join(' '), '0 100000 65536', 'uid_map as configured')
  t.equal(out.get('gidmap')?.trim().split(/\s+/).join(' '), '0 100000 65536', 'gid_map as configured')
  t.equal(out.get('ids'), '0 0', 'root inside the user namespace')
  // boottime + 1 day: /proc/uptime reads CLOCK_BOOTTIME in the container's time ns.
  const inside = uptime(out.get('uptime') ?? 'NaN')
  t.ok(inside >= before + 86400 - 1 && inside <= after + 86400 + 1,
    `uptime inside ${inside} is the host's (${before}..${after}) + 86400`)
  t.match(out.get('offsets'), /boottime 86400 0/, 'timens_offsets shows the boottime offset')
  t.equal(out.get('wrote'), 'ok', 'the container wrote into its bind mount')
  const st = fs.statSync(path.join(shared, 'made-inside'))
  t.same([st.uid, st.gid], [100000, 100000], 'a file root creates inside is owned by 100000:100000 on the host')
})

t.test('namespaces not in the config are the runtime\'s', async (t) => {
  const s = new Sandbox(t, 'ns-host')
  // runc spec's six: user and time stay the host's.
  s.config((c) => { c.process.args = ['sh', '-c', `${PRINT_NS}; echo "pid $$"`] })
  let r = s.run(s.id('-six'))
  t.equal(r.status, 0, r.stderr)
  let ns = nsOf(r)
  for (const name of ['mnt', 'pid', 'net', 'ipc', 'uts', 'cgroup']) t.not(ns.get(name), hostNs(name), `${name} new`)
  for (const name of ['user', 'time']) t.equal(ns.get(name), hostNs(name), `${name} is the host's`)

  // Only a mount namespace (tsrun requires one): all else is ours, and the
  // process has a host pid.
  s.config((c) => {
    c.linux.namespaces = [{ type: 'mount' }]
    delete c.hostname
    c.process.args = ['sh', '-c', `${PRINT_NS}; echo "pid $$"`]
  })
  r = s.run(s.id('-mnt'))
  t.equal(r.status, 0, r.stderr)
  ns = nsOf(r)
  t.not(ns.get('mnt'), hostNs('mnt'), 'mnt new')
  for (const name of LINKS.filter((n) => n !== 'mnt')) t.equal(ns.get(name), hostNs(name), `${name} is the host's`)
  t.not(lines(r).get('pid'), '1', 'not pid 1 without a pid namespace')
})

t.test('joins namespaces given by path', async (t) => {
  const s = new Sandbox(t, 'ns-join')
  const netns = `tsrun-it-${path.basename(s.dir).replace(/^tsrun-it-/, '')}`
  const add = spawnSync('ip', ['netns', 'add', netns], { encoding: 'utf8' })
  if (add.status !== 0) {
    t.plan(0, `ip netns add failed: ${add.stderr.trim()}`)
    return
  }
  t.teardown(() => { spawnSync('ip', ['netns', 'del', netns]) })
  const netPath = `/run/netns/${netns}`

  // A pid, uts and ipc namespace held by a process of ours; --kill-child
  // takes its sleeping child (that pid ns's init) down with it.
  const holder = spawn('unshare', ['--pid', '--uts', '--ipc', '--fork', '--kill-child', 'sleep', '120'], { stdio: 'ignore' })
  t.teardown(() => { holder.kill('SIGKILL') })
  let sleeper = 0
  await waitFor(() => {
    const kids = fs.readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim()
    sleeper = Number(kids.split(' ')[0])
    // The child is ours once it has unshare's namespaces and runs sleep.
    return sleeper > 0 && fs.readFileSync(`/proc/${sleeper}/cmdline`, 'utf8').startsWith('sleep')
  })
  t.ok(sleeper > 0, 'namespace holder running')
  const held = (n: string): string => fs.readlinkSync(`/proc/${sleeper}/ns/${n}`)

  s.config((c) => {
    c.linux.namespaces = [
      { type: 'mount' }, { type: 'cgroup' },
      { type: 'network', path: netPath },
      { type: 'pid', path: `/proc/${sleeper}/ns/pid` },
      { type: 'uts', path: `/proc/${sleeper}/ns/uts` },
      { type: 'ipc', path: `/proc/${sleeper}/ns/ipc` },
    ]
    c.hostname = 'tsrun-joined'
    c.process.args = ['sh', '-c', `${PRINT_NS}; echo "pid $$"; echo "host $(hostname)"`]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const ns = nsOf(r)
  t.equal(ns.get('net'), `net:[${fs.statSync(netPath).ino}]`, 'net: the ip netns file\'s namespace')
  for (const name of ['pid', 'uts', 'ipc']) t.equal(ns.get(name), held(name), `${name}: the holder's namespace`)
  t.not(ns.get('mnt'), hostNs('mnt'), 'mnt still new')
  t.not(ns.get('cgroup'), hostNs('cgroup'), 'cgroup still new')
  t.not(lines(r).get('pid'), '1', 'in a joined pid namespace whose init is the holder')
  // The hostname was set in the joined uts namespace: the holder sees it.
  t.equal(lines(r).get('host'), 'tsrun-joined')
  const seen = spawnSync('nsenter', ['-t', String(sleeper), '-u', 'hostname'], { encoding: 'utf8' }).stdout.trim()
  t.equal(seen, 'tsrun-joined', 'the holder\'s uts namespace got the hostname')
})

t.test('without a mount namespace: the host mount ns, a chroot, and no mount left on the host', async (t) => {
  const s = new Sandbox(t, 'ns-nomnt')
  const before = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length
  s.config((c) => {
    c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'mount' && n.type !== 'uts')
    delete c.hostname
    delete c.linux.maskedPaths
    delete c.linux.readonlyPaths
    c.root.readonly = false
    c.process.noNewPrivileges = false
    // A profile already in force during the init's fd cleanup (no no_new_privs) that refuses close_range.
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['close_range'], action: 'SCMP_ACT_ERRNO' }] }
    c.process.args = ['sh', '-c', 'ls /; ls /proc | wc -l']
  })
  const id = s.id()
  const r = s.tsrun(['create', '-b', s.bundle, id])
  t.equal(r.status, 0, r.stderr)
  t.match(r.stderr, /no mount namespace: mounts, devices not applied/, 'says what it did not apply')
  const pid = Number(JSON.parse(s.tsrun(['state', id]).stdout).pid)
  t.equal(fs.readlinkSync(`/proc/${pid}/ns/mnt`), fs.readlinkSync('/proc/self/ns/mnt'), 'the host mount namespace')
  t.equal(fs.readlinkSync(`/proc/${pid}/root`), path.join(s.bundle, 'rootfs'), 'chrooted into the rootfs')
  t.equal(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length, before, 'no mount added to the host')
  t.equal(s.tsrun(['delete', '-f', id]).status, 0)
})
