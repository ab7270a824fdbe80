// tsrun run by a user without root (runc's rootless mode): the config
// `spec --rootless` writes works for the whole lifecycle, the state lives
// in $XDG_RUNTIME_DIR/tsrun, setgroups is denied before the gid map is
// written, no cgroup is made (the user may not), and the container's root
// is that user on the host, nothing more.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Test } from 'tap'
import { CLI, type Config, type Result, Sandbox, results, skipReason } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

/** nobody: a real user with no rights on the host. */
const USER = 65534

/** Runs the CLI as USER with its own XDG_RUNTIME_DIR and no --root. */
function asUser(s: Sandbox, xdg: string, args: string[], cwd = s.bundle): Result {
  const out = path.join(s.dir, 'rootless.out')
  const err = path.join(s.dir, 'rootless.err')
  const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')]
  try {
    const r = spawnSync('setpriv', [`--reuid=${USER}`, `--regid=${USER}`, '--clear-groups',
      'env', '-u', 'NODE_OPTIONS', `XDG_RUNTIME_DIR=${xdg}`, CLI, ...args], { cwd, timeout: 60_000, stdio: ['ignore', fds[0], fds[1]] })
    return { status: r.status, signal: r.signal, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') }
  } finally {
    fds.forEach((fd) => fs.closeSync(fd))
  }
}

/** A sandbox USER can use: its bundle dir, a private XDG_RUNTIME_DIR, and `spec --rootless` written by USER. */
function rootlessSandbox(t: Test, name: string): { s: Sandbox; xdg: string } {
  const s = new Sandbox(t, name)
  fs.chmodSync(s.dir, 0o755)
  fs.chownSync(s.bundle, USER, USER)
  const xdg = path.join(s.dir, 'xdg')
  fs.mkdirSync(xdg, { mode: 0o700 })
  fs.chownSync(xdg, USER, USER)
  const r = asUser(s, xdg, ['spec', '--rootless'])
  t.equal(r.status, 0, `spec --rootless: ${r.stderr}`)
  return { s, xdg }
}

function editConfig(s: Sandbox, edit: (c: Config) => void): void {
  const file = path.join(s.bundle, 'config.json')
  const c = JSON.parse(fs.readFileSync(file, 'utf8'))
  edit(c)
  fs.writeFileSync(file, JSON.stringify(c))
}

t.test('run: the user namespace maps the caller, setgroups is denied, the host is out of reach', async (t) => {
  const { s, xdg } = rootlessSandbox(t, 'rootless-run')
  // A host file only root may write, bound into the container.
  const hostFile = path.join(s.dir, 'root-owned')
  fs.writeFileSync(hostFile, 'host\n', { mode: 0o644 })
  const shared = path.join(s.dir, 'shared')
  fs.mkdirSync(shared)
  fs.chownSync(shared, USER, USER)
  fs.mkdirSync(path.join(s.bundle, 'rootfs', 'shared'))
  fs.writeFileSync(path.join(s.bundle, 'rootfs', 'root-owned'), '')
  editConfig(s, (c) => {
    c.process.terminal = false
    c.mounts.push({ destination: '/root-owned', type: 'bind', source: hostFile, options: ['bind', 'rw'] })
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] })
    c.process.args = ['sh', '-c', [
      'echo "res uidmap $(cat /proc/self/uid_map)"',
      'echo "res gidmap $(cat /proc/self/gid_map)"',
      'echo "res setgroups $(cat /proc/self/setgroups)"',
      'echo "res ids $(id -u):$(id -g)"',
      'echo "res cgroup-ns $(readlink /proc/self/ns/cgroup)"',
      '(echo pwned > /root-owned) 2>/dev/null && echo "res write-root-file yes" || echo "res write-root-file no"',
      'touch /shared/made-inside && echo "res made ok"',
    ].join('\n')]
  })
  const id = s.id()
  try {
    const r = asUser(s, xdg, ['run', id])
    t.equal(r.status, 0, r.stderr)
    const res = results(r)
    t.equal(res.get('uidmap')?.trim().split(/\s+/).join(' '), `0 ${USER} 1`, 'uid_map: container root is the caller')
    t.equal(res.get('gidmap')?.trim().split(/\s+/).join(' '), `0 ${USER} 1`, 'gid_map: the caller\'s group')
    t.equal(res.get('setgroups'), 'deny', 'setgroups denied (needed for an unprivileged gid_map)')
    t.equal(res.get('ids'), '0:0', 'root inside')
    t.equal(res.get('write-root-file'), 'no', 'the container\'s root cannot write a host root file')
    t.equal(fs.readFileSync(hostFile, 'utf8'), 'host\n', 'the host file is unchanged')
    t.equal(res.get('made'), 'ok', 'the container wrote into a dir the user owns')
    const st = fs.statSync(path.join(shared, 'made-inside'))
    t.same([st.uid, st.gid], [USER, USER], 'a file made by the container\'s root belongs to the user on the host')
    t.same(fs.readdirSync(path.join(xdg, 'tsrun')), [], 'the state dir under $XDG_RUNTIME_DIR/tsrun is gone after run')
  } finally {
    asUser(s, xdg, ['delete', '-f', id])
  }
})

t.test('create, start, state, exec, ps, kill, delete as the user; state in $XDG_RUNTIME_DIR/tsrun', async (t) => {
  const { s, xdg } = rootlessSandbox(t, 'rootless-life')
  editConfig(s, (c) => {
    c.process.terminal = false
    c.process.args = ['sleep', '600']
  })
  const id = s.id()
  try {
    let r = asUser(s, xdg, ['create', id])
    t.equal(r.status, 0, `create: ${r.stderr}`)
    const stateFile = path.join(xdg, 'tsrun', id, 'state.json')
    t.ok(fs.existsSync(stateFile), 'state.json under $XDG_RUNTIME_DIR/tsrun')
    t.equal(fs.statSync(stateFile).uid, USER, 'owned by the user')
    r = asUser(s, xdg, ['state', id])
    const created = JSON.parse(r.stdout)
    t.equal(created.status, 'created', 'created')
    t.equal(fs.readFileSync(`/proc/${created.pid}/uid_map`, 'utf8').trim().split(/\s+/).join(' '), `0 ${USER} 1`, 'the init runs mapped')
    t.equal(fs.statSync(`/proc/${created.pid}`).uid, USER, 'the container process is the user\'s on the host')
    r = asUser(s, xdg, ['start', id])
    t.equal(r.status, 0, `start: ${r.stderr}`)
    t.equal(JSON.parse(asUser(s, xdg, ['state', id]).stdout).status, 'running', 'running')
    r = asUser(s, xdg, ['ps', '--format', 'json', id])
    t.same(JSON.parse(r.stdout), [created.pid], 'ps: without a cgroup of its own, the init')
    r = asUser(s, xdg, ['exec', id, 'sh', '-c', 'echo "res exec $(id -u) $(cat /proc/self/setgroups)"'])
    t.equal(results(r).get('exec'), '0 deny', `exec joins the user namespace as its root: ${r.stderr}`)
    r = asUser(s, xdg, ['pause', id])
    t.equal(r.status, 1, 'pause: impossible without a cgroup')
    t.equal(r.stderr.trim(), `tsrun: pause ${id}: container has no cgroup of its own (rootless, without cgroup access)`, 'pause says why')
    t.match(asUser(s, xdg, ['list']).stdout, new RegExp(`${id}\\s+${created.pid}\\s+running`), 'list shows it')
    r = asUser(s, xdg, ['kill', id, 'KILL'])
    t.equal(r.status, 0, `kill: ${r.stderr}`)
    r = asUser(s, xdg, ['delete', id])
    // The kill is asynchronous: a still-running container needs -f.
    if (r.status !== 0) r = asUser(s, xdg, ['delete', '-f', id])
    t.equal(r.status, 0, `delete: ${r.stderr}`)
    t.same(fs.readdirSync(path.join(xdg, 'tsrun')), [], 'nothing left under $XDG_RUNTIME_DIR/tsrun')
  } finally {
    asUser(s, xdg, ['delete', '-f', id])
  }
})

t.test('bad input without root: clear errors, nothing left behind', async (t) => {
  const { s, xdg } = rootlessSandbox(t, 'rootless-bad')
  const cases: Array<[string, (c: Config) => void, RegExp]> = [
    ['a uid range the user does not own', (c) => { c.linux.uidMappings = [{ containerID: 0, hostID: USER, size: 2 }] },
      /write uid_map "0 65534 2" \(without root, only a single range mapping the caller's own id is allowed\): operation not permitted$/m],
    ['an idmapped mount', (c) => {
      c.mounts.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['bind'],
        uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] })
    }, /config.json: \/mounts\/\d+: id-mapped mounts are not supported for rootless containers/],
    ['a cgroup limit it cannot set', (c) => { c.linux.resources = { pids: { limit: 10 } } }, /create cgroup .*: EACCES/],
  ]
  const orig = fs.readFileSync(path.join(s.bundle, 'config.json'), 'utf8')
  for (const [what, edit, want] of cases) {
    fs.writeFileSync(path.join(s.bundle, 'config.json'), orig)
    editConfig(s, (c) => { c.process.terminal = false; edit(c) })
    const id = s.id(`-${cases.findIndex((x) => x[0] === what)}`)
    const r = asUser(s, xdg, ['run', id])
    t.equal(r.status, 1, `${what}: fails`)
    t.match(r.stderr, want, `${what}: says why`)
    t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`)
    t.same(fs.existsSync(path.join(xdg, 'tsrun')) ? fs.readdirSync(path.join(xdg, 'tsrun')) : [], [], `${what}: no state left`)
  }
})
