// A container in a user namespace, run by root (runtime-spec config-linux.md
// #user-namespace-mappings): several id ranges, setgroups left allowed (as
// runc does as root) so additionalGids apply, host ownership of what the
// container makes, capabilities (ambient ones too) for a non-root user in
// the namespace, device nodes from the host, and a root that is nobody on
// the host.
import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Config, Sandbox, heldUserNamespace, results, skipReason } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const UIDS = [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 1000, hostID: 300000, size: 1000 }]
const GIDS = [{ containerID: 0, hostID: 200000, size: 1000 }, { containerID: 1000, hostID: 400000, size: 1000 }]

/** A sandbox whose rootfs the mapped root (host 100000) can reach, with a host dir /shared everyone may write. */
function usernsSandbox(t: Test, name: string): { s: Sandbox; shared: string } {
  const s = new Sandbox(t, name)
  fs.chmodSync(s.dir, 0o755)
  const shared = path.join(s.dir, 'shared')
  fs.mkdirSync(shared)
  fs.chmodSync(shared, 0o1777)
  fs.mkdirSync(path.join(s.bundle, 'rootfs', 'shared'))
  return { s, shared }
}

function userns(c: Config, shared: string): void {
  c.linux.namespaces.push({ type: 'user' })
  c.linux.uidMappings = UIDS
  c.linux.gidMappings = GIDS
  c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] })
}

const maps = (text: string | undefined): string =>
  (text ?? '').trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).join(', ')

t.test('two ranges per map; setgroups allowed; files made inside belong to the mapped ids on the host', async (t) => {
  const { s, shared } = usernsSandbox(t, 'userns-ranges')
  s.config((c) => {
    userns(c, shared)
    c.process.user = { uid: 1500, gid: 1600, additionalGids: [10, 1700] }
    c.process.args = ['sh', '-c', [
      'echo "res uidmap $(cat /proc/self/uid_map | tr "\\n" ";")"',
      'echo "res gidmap $(cat /proc/self/gid_map | tr "\\n" ";")"',
      'echo "res setgroups $(cat /proc/self/setgroups)"',
      'echo "res ids $(id -u):$(id -g) $(id -G)"',
      'touch /shared/as-user && echo "res touched ok"',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(maps(res.get('uidmap')?.replace(/;/g, '\n')), '0 100000 1000, 1000 300000 1000', 'uid_map: both ranges')
  t.equal(maps(res.get('gidmap')?.replace(/;/g, '\n')), '0 200000 1000, 1000 400000 1000', 'gid_map: both ranges')
  t.equal(res.get('setgroups'), 'allow', 'setgroups stays allowed when root writes the maps (runc)')
  t.equal(res.get('ids'), '1500:1600 1600 10 1700', 'the user, its group and additionalGids from both ranges')
  const st = fs.statSync(path.join(shared, 'as-user'))
  t.same([st.uid, st.gid], [300500, 400600], 'uid 1500 is host 300500, gid 1600 host 400600 (the second ranges)')
})

t.test('the container\'s root is nobody on the host', async (t) => {
  const { s, shared } = usernsSandbox(t, 'userns-root')
  const secret = path.join(s.dir, 'secret')
  fs.writeFileSync(secret, 'secret\n', { mode: 0o600 })
  const rootFile = path.join(s.dir, 'root-file')
  fs.writeFileSync(rootFile, 'host\n', { mode: 0o644 })
  for (const f of ['secret', 'root-file']) fs.writeFileSync(path.join(s.bundle, 'rootfs', f), '')
  s.config((c) => {
    userns(c, shared)
    c.mounts.push({ destination: '/secret', type: 'bind', source: secret, options: ['bind'] })
    c.mounts.push({ destination: '/root-file', type: 'bind', source: rootFile, options: ['bind', 'rw'] })
    c.process.capabilities = Object.fromEntries(['bounding', 'effective', 'permitted'].map((k) => [k, ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER']]))
    c.process.args = ['sh', '-c', [
      'echo "res ids $(id -u):$(id -g)"',
      'cat /secret >/dev/null 2>&1 && echo "res read-secret yes" || echo "res read-secret no"',
      '(echo pwned > /root-file) 2>/dev/null && echo "res write-root yes" || echo "res write-root no"',
      'chown 0:0 /root-file 2>/dev/null && echo "res chown yes" || echo "res chown no"',
      'echo "res owner $(stat -c %u:%g /root-file)"',
      'touch /shared/by-root && echo "res made ok"',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('ids'), '0:0', 'root inside, with CAP_DAC_OVERRIDE and CAP_FOWNER')
  t.equal(res.get('owner'), '65534:65534', 'host root\'s files show as the overflow ids')
  t.equal(res.get('read-secret'), 'no', 'cannot read a host 0600 root file')
  t.equal(res.get('write-root'), 'no', 'cannot write a host 0644 root file')
  t.equal(res.get('chown'), 'no', 'cannot chown it')
  t.equal(fs.readFileSync(rootFile, 'utf8'), 'host\n', 'the host file is unchanged')
  t.equal(res.get('made'), 'ok', 'writes where the host lets anyone')
  const st = fs.statSync(path.join(shared, 'by-root'))
  t.same([st.uid, st.gid], [100000, 200000], 'what root makes is 100000:200000 on the host')
})

const CAP_NET_BIND_SERVICE = 10
const CAP_NET_RAW = 13
const CAP_KILL = 5
const hex = (caps: number[]): string => caps.reduce((m, c) => m | (1n << BigInt(c)), 0n).toString(16).padStart(16, '0')

t.test('a non-root user in the namespace gets its ambient capabilities', async (t) => {
  const { s, shared } = usernsSandbox(t, 'userns-caps')
  s.config((c) => {
    userns(c, shared)
    c.process.user = { uid: 1000, gid: 1000 }
    c.process.capabilities = {
      bounding: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
      permitted: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
      effective: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      inheritable: ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
      ambient: ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
    }
    c.process.args = ['sh', '-c', "grep -E '^(Uid|CapInh|CapPrm|CapEff|CapBnd|CapAmb):' /proc/self/status | sed 's/^/res /; s/:\\s*/ /; s/\\t/ /g'"]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('Uid')?.split(/\s+/)[0], '1000', 'uid 1000 in the namespace')
  t.equal(res.get('CapBnd'), hex([CAP_KILL, CAP_NET_BIND_SERVICE, CAP_NET_RAW]), 'bounding as configured')
  t.equal(res.get('CapAmb'), hex([CAP_NET_BIND_SERVICE, CAP_NET_RAW]), 'ambient raised')
  // execve of a file without capabilities by a non-root user: permitted and effective become the ambient set.
  t.equal(res.get('CapEff'), hex([CAP_NET_BIND_SERVICE, CAP_NET_RAW]), 'effective = ambient after execve')
  t.equal(res.get('CapPrm'), hex([CAP_NET_BIND_SERVICE, CAP_NET_RAW]), 'permitted = ambient after execve')
})

t.test('linux.devices in a user namespace are the host\'s nodes, bind-mounted', async (t) => {
  const { s, shared } = usernsSandbox(t, 'userns-dev')
  const host = fs.existsSync('/dev/fuse') ? fs.statSync('/dev/fuse') : null
  if (!host) {
    t.plan(0, 'the host has no /dev/fuse')
    return
  }
  s.config((c) => {
    userns(c, shared)
    c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }]
    c.process.args = ['sh', '-c', [
      "echo \"res fuse $(stat -c '%F %t:%T %a %u:%g' /dev/fuse)\"",
      'grep -q " /dev/fuse " /proc/self/mountinfo && echo "res bound yes"',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  // mknod is refused in a user namespace; the bind keeps the host node's mode and owner (runc too).
  t.equal(res.get('fuse'), `character special file a:e5 ${(host.mode & 0o777).toString(8)} 65534:65534`, 'char 10:229, the host node')
  t.equal(res.get('bound'), 'yes', 'a bind mount of the host\'s node')
})

t.test('bad id mappings: one clear line, nothing left behind', async (t) => {
  const { s, shared } = usernsSandbox(t, 'userns-bad')
  const cases: Array<[string, (c: Config) => void, RegExp]> = [
    ['overlapping uid ranges', (c) => { c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 5, hostID: 200000, size: 10 }] },
      /: write uid_map "0 100000 10, 5 200000 10" \(ranges overlap, or more than 340 of them\?\): invalid argument$/],
    ['a process uid outside the map', (c) => { c.process.user = { uid: 5000, gid: 0 } }, /: setresuid 5000 \(not mapped\): invalid argument$/],
    ['a process gid outside the map', (c) => { c.process.user = { uid: 0, gid: 5000 } }, /: setresgid 5000 \(not mapped\): invalid argument$/],
    ['maps without a user namespace', (c) => { c.linux.namespaces.pop() },
      /config.json: \/linux\/uidMappings: user namespace mappings specified, but user namespace isn't enabled in the config$/],
  ]
  cases.forEach(([what, edit, want], i) => {
    s.config((c) => { userns(c, shared); edit(c) })
    const r = s.run(s.id(`-${i}`))
    t.equal(r.status, 1, `${what}: fails`)
    t.match(r.stderr.trim(), want, `${what}: says why`)
    t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`)
    t.same(fs.existsSync(s.root) ? fs.readdirSync(s.root) : [], [], `${what}: no state left`)
  })
})

t.test('a user namespace joined by path; mappings given with it must be its own', async (t) => {
  const { s, shared } = usernsSandbox(t, 'userns-join')
  const nsPath = await heldUserNamespace(t, '0 100000 1000\n1000 300000 1000\n', '0 200000 1000\n')
  const join = (c: Config, uids?: unknown, gids?: unknown): void => {
    c.linux.namespaces.push({ type: 'user', path: nsPath })
    if (uids) c.linux.uidMappings = uids
    if (gids) c.linux.gidMappings = gids
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] })
    c.process.args = ['sh', '-c', [
      'echo "res userns $(readlink /proc/self/ns/user)"',
      'echo "res uidmap $(cat /proc/self/uid_map | tr -s " \\n" " ")"',
      'touch /shared/joined-$$ && echo "res made ok"',
    ].join('\n')]
  }
  s.config((c) => join(c))
  let r = s.run(s.id('-path'))
  t.equal(r.status, 0, r.stderr)
  let res = results(r)
  t.equal(res.get('userns'), fs.readlinkSync(nsPath), 'the process is in that user namespace')
  t.equal(res.get('uidmap')?.trim(), '0 100000 1000 1000 300000 1000', 'with its maps')
  t.equal(res.get('made'), 'ok', 'root there made a file')
  t.same(fs.readdirSync(shared).map((f) => hostOwner(path.join(shared, f))), ['100000:200000'], 'owned by its root\'s host ids')

  // containerd and CRI-O send the namespace's own maps along: accepted. The order of ranges does not matter.
  s.config((c) => join(c, [UIDS[1], UIDS[0]], [{ containerID: 0, hostID: 200000, size: 1000 }]))
  r = s.run(s.id('-same'))
  t.equal(r.status, 0, `the namespace's own maps: ${r.stderr}`)

  s.config((c) => join(c, [{ containerID: 0, hostID: 100000, size: 65536 }]))
  r = s.run(s.id('-other'))
  t.equal(r.status, 1, 'other maps: refused')
  t.equal(r.stderr.trim(), `tsrun: create ${s.id('-other')}: user namespace ${nsPath}: its uid_map is not linux.uidMappings: give a path or mappings, not both`, 'says why, in one line')
  t.same(fs.existsSync(s.root) ? fs.readdirSync(s.root) : [], [], 'no state left')
})

function hostOwner(file: string): string {
  const st = fs.statSync(file)
  return `${st.uid}:${st.gid}`
}
