// The cgroup v2 driver on a hybrid host: each tsrun call runs in a private
// mount namespace with the cgroup2 hierarchy mounted at /sys/fs/cgroup, so
// tsrun detects a unified layout (the hierarchy is the host's
// /sys/fs/cgroup/unified, where the test looks). Devices are enforced by the
// BPF program alone: the container's v1 devices cgroup allows everything.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { CLI, Sandbox, results, skipReason, waitFor, type Result } from './harness'

const UNIFIED = '/sys/fs/cgroup/unified'
const skip = skipReason() ?? (fs.existsSync(path.join(UNIFIED, 'cgroup.procs')) ? null : `no cgroup2 mount at ${UNIFIED}`)
if (skip) t.plan(0, skip)

/** tsrun in a mount namespace whose /sys/fs/cgroup is the cgroup2 hierarchy; output through files. */
function v2(s: Sandbox, args: string[], input?: string): Result {
  const out = path.join(s.dir, `v2-${args[0]}-${Date.now()}.out`)
  const err = `${out}.err`
  const fds = [fs.openSync(out, 'w+'), fs.openSync(err, 'w+')]
  try {
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"', 'sh',
      '/usr/bin/env', '-u', 'NODE_OPTIONS', CLI, '--root', s.root, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', fds[0], fds[1]], input, timeout: 60_000 })
    return { status: r.status, signal: r.signal, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') }
  } finally {
    fds.forEach((fd) => fs.closeSync(fd))
  }
}

const statusOf = (s: Sandbox, id: string): string => (JSON.parse(v2(s, ['state', id]).stdout || '{}') as { status?: string }).status ?? 'gone'

function runDetached(t: Test, s: Sandbox, id: string): void {
  const r = v2(s, ['run', '-d', '-b', s.bundle, id])
  t.equal(r.status, 0, `run -d: ${r.stderr}`)
}

t.test('a container in its own cgroup2 directory: join, pause, ps, events, kill --all, delete', async (t) => {
  const s = new Sandbox(t, 'v2')
  s.config((c) => {
    c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000']
    c.linux.resources.unified = { 'cgroup.max.descendants': '3' }
  })
  const id = s.id()
  runDetached(t, s, id)
  const dir = path.join(UNIFIED, id)
  t.equal(fs.readFileSync(path.join(dir, 'cgroup.max.descendants'), 'utf8').trim(), '3', 'a unified key, written as is')
  const pid = (JSON.parse(v2(s, ['state', id]).stdout) as { pid: number }).pid
  t.ok(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').includes(`0::/${id}`), 'the init is in <mount>/<id>')
  t.ok(await waitFor(() => fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim().split('\n').length === 2), 'both processes')

  t.equal(v2(s, ['pause', id]).status, 0)
  t.equal(statusOf(s, id), 'paused')
  t.match(fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8'), /^frozen 1$/m, 'cgroup.freeze did it')
  t.equal(v2(s, ['resume', id]).status, 0)
  t.equal(statusOf(s, id), 'running')

  const ps = v2(s, ['ps', '--format', 'json', id])
  t.equal((JSON.parse(ps.stdout) as number[]).length, 2, 'ps lists the cgroup')
  const ev = v2(s, ['events', '--stats', id])
  t.equal(ev.status, 0, ev.stderr)
  const data = (JSON.parse(ev.stdout) as { data: { cpu: { usage: { total: number } } } }).data
  t.ok(data.cpu.usage.total > 0, 'cpu usage from cpu.stat')

  t.equal(v2(s, ['kill', '--all', id, 'KILL']).status, 0)
  t.ok(await waitFor(() => statusOf(s, id) === 'stopped'), 'cgroup.kill stopped everything')
  t.equal(v2(s, ['delete', id]).status, 0)
  t.notOk(fs.existsSync(dir), 'delete removed the cgroup')
})

t.test('device rules are enforced by the BPF program', async (t) => {
  const s = new Sandbox(t, 'v2dev')
  s.config((c) => {
    c.process.args = ['sh', '-c', [
      'mknod /tmp/fuse c 10 229',
      'echo x > /dev/null && echo res null ok',
      'echo x > /tmp/fuse 2>/dev/null && echo res fuse-write ok || echo res fuse-write denied',
      'head -c0 /tmp/fuse 2>/dev/null && echo res fuse-read ok || echo res fuse-read denied',
    ].join('; ')]
    c.root.readonly = false
    c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] })
    for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_MKNOD')
    c.linux.resources.devices.push({ allow: true, type: 'c', major: 10, minor: 229, access: 'r' })
  })
  const id = s.id()
  const r = v2(s, ['run', '-b', s.bundle, id])
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('null'), 'ok', 'a default device')
  t.equal(res.get('fuse-read'), 'ok', 'read allowed by the rule')
  t.equal(res.get('fuse-write'), 'denied', 'write is not in the rule (root could open it without the program)')
  t.notOk(fs.existsSync(path.join(UNIFIED, id)), 'run removed the cgroup')
})

const pidsOnV2 = !skip && fs.readFileSync(path.join(UNIFIED, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('pids')
t.test('a resource whose controller is not enabled: one line, nothing left', { skip: pidsOnV2 && 'pids is enabled on this cgroup2 mount' }, async (t) => {
  const s = new Sandbox(t, 'v2bad')
  s.config((c) => { c.linux.resources.pids = { limit: 10 } })
  const id = s.id()
  const r = v2(s, ['create', '-b', s.bundle, id])
  t.equal(r.status, 1)
  t.match(r.stderr, new RegExp(`^tsrun: create ${id}: write "10" to /sys/fs/cgroup/${id}/pids.max: ENOENT`))
  t.equal(r.stderr.split('\n').length, 2, 'one line')
  t.notOk(fs.existsSync(path.join(UNIFIED, id)), 'no cgroup left')
  t.notOk(fs.existsSync(path.join(s.root, id)), 'no state left')
})
