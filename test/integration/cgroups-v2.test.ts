// The cgroup v2 driver on a hybrid host: each tsrun call runs in a private
// mount namespace with the cgroup2 hierarchy mounted at /sys/fs/cgroup, so
// tsrun detects a unified layout (the hierarchy is the host's
// /sys/fs/cgroup/unified, where the test looks). Devices are enforced by the
// BPF program alone: the container's v1 devices cgroup allows everything.
import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { CLI, Sandbox, blockedInPoll, cliArgv, results, skipReason, waitFor, type Result } from './harness'

const UNIFIED = '/sys/fs/cgroup/unified'
const skip = skipReason() ?? (fs.existsSync(path.join(UNIFIED, 'cgroup.procs')) ? null : `no cgroup2 mount at ${UNIFIED}`)
if (skip) t.plan(0, skip)

/** tsrun in a mount namespace whose /sys/fs/cgroup is the cgroup2 hierarchy; output through files. */
function v2(s: Sandbox, args: string[], input?: string): Result {
  const out = path.join(s.dir, `v2-${args[0]}-${Date.now()}.out`)
  const err = `${out}.err`
  const fds = [fs.openSync(out, 'w+'), fs.openSync(err, 'w+')]
  try {
    const r = spawnSync('unshare', nsArgs(s, args), { stdio: [input === undefined ? 'ignore' : 'pipe', fds[0], fds[1]], input, timeout: 60_000 })
    return { status: r.status, signal: r.signal, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') }
  } finally {
    fds.forEach((fd) => fs.closeSync(fd))
  }
}

const nsArgs = (s: Sandbox, args: string[]): string[] => ['-m', '--propagation', 'private', 'sh', '-c',
  'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"', 'sh', '/usr/bin/env', '-u', 'NODE_OPTIONS', CLI, '--root', s.root, ...args]

/** v2() started in the background (unshare, sh and env each exec the next: the pid ends up tsrun's). */
function v2Spawn(s: Sandbox, args: string[]): { pid: number; done: Promise<Result> } {
  const child = spawn('unshare', nsArgs(s, args), { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const done = new Promise<Result>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })))
  return { pid: child.pid!, done }
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

  // Streaming: inotify on cgroup.events (this mount has no memory controller,
  // so no memory.events to watch and no OOM to see); ends with the container.
  const stream = v2Spawn(s, ['events', '--interval', '1h', id])
  t.teardown(() => { try { process.kill(stream.pid, 'SIGKILL') } catch { /* ended */ } })
  const waiting = (): boolean => {
    const p = blockedInPoll(stream.pid)
    return p !== null && p.fds.join(' ') === 'anon_inode:inotify anon_inode:[pidfd]' && p.timeoutMs > 60_000
  }
  t.ok(await waitFor(waiting), 'events waits on inotify and the pidfd, not on a timer')

  t.equal(v2(s, ['kill', '--all', id, 'KILL']).status, 0)
  t.ok(await waitFor(() => statusOf(s, id) === 'stopped'), 'cgroup.kill stopped everything')
  t.same(await stream.done, { status: 0, signal: null, stdout: '', stderr: '' }, 'events ended with the container, an hour before its first stats')
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

/**
 * `create` run by `argv` under strace -f (clone3 and write calls, fds shown with their paths);
 * `inspect` sees the created container, then delete -f (by `cli`, in the same layout as `argv`)
 * ends the traced init and with it strace.
 */
async function tracedCreate(t: Test, s: Sandbox, id: string, argv: string[], cli: (args: string[]) => Result, inspect: (pid: number) => void): Promise<string[]> {
  const status = (): string => (JSON.parse(cli(['state', id]).stdout || '{}') as { status?: string }).status ?? 'gone'
  const trace = path.join(s.dir, `${id}.strace`)
  const st = spawn('strace', ['-f', '-y', '-qq', '-e', 'trace=clone3,write', '-e', 'signal=none', '-o', trace, ...argv], { stdio: 'ignore' })
  let ended = false
  const done = new Promise((resolve) => st.on('close', () => { ended = true; resolve(null) }))
  t.teardown(() => { try { st.kill('SIGKILL') } catch { /* ended */ } })
  // strace ends early only when create failed (a created init keeps it going).
  await waitFor(() => ended || status() === 'created', 30_000)
  if (!t.equal(status(), 'created', 'created under strace')) return []
  inspect((JSON.parse(cli(['state', id]).stdout) as { pid: number }).pid)
  t.equal(cli(['delete', '-f', id]).status, 0)
  await done
  return fs.readFileSync(trace, 'utf8').split('\n')
}

/** The clone3 that made the init: the one with CLONE_VFORK (glibc starts threads with clone3 too). */
const initClone = (trace: string[]): string => trace.find((l) => /clone3\(\{flags=[^}]*CLONE_VFORK/.test(l)) ?? ''
/** Writes of `pid` into a cgroup.procs whose path matches `dir`. */
const procsWrites = (trace: string[], pid: number, dir: RegExp): string[] => trace.filter((l) => {
  const m = /write\(\d+<([^>]*)\/cgroup\.procs>, "(\d+)"/.exec(l)
  return m !== null && dir.test(m[1]) && m[2] === String(pid)
})

t.test('v2: the init is created in its cgroup (clone3 CLONE_INTO_CGROUP), no cgroup.procs write', async (t) => {
  const s = new Sandbox(t, 'v2into')
  s.config((c) => { c.process.args = ['true'] })
  const id = s.id()
  let pid = 0
  const trace = await tracedCreate(t, s, id, ['unshare', ...nsArgs(s, ['create', '-b', s.bundle, id])], (args) => v2(s, args), (p) => {
    pid = p
    t.ok(fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').split('\n').includes(`0::/${id}`), 'the init is in <mount>/<id>')
  })
  t.match(initClone(trace), /CLONE_INTO_CGROUP.*cgroup=\d+/, 'clone3 carried CLONE_INTO_CGROUP and a cgroup fd')
  t.same(procsWrites(trace, pid, /./), [], "no write of the init's pid to any cgroup.procs")
  t.notOk(fs.existsSync(path.join(UNIFIED, id)), 'delete removed the cgroup')
})

t.test('hybrid: created in the unified dir, no cgroup.procs write at all', async (t) => {
  const s = new Sandbox(t, 'hybinto')
  s.config((c) => { c.process.args = ['true'] })
  const id = s.id()
  let pid = 0
  let unified = ''
  let memory = ''
  const trace = await tracedCreate(t, s, id, [...cliArgv(['--root', s.root, 'create', '-b', s.bundle, id]).flat()], (args) => s.tsrun(args), (p) => {
    pid = p
    const lines = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').split('\n')
    unified = lines.find((l) => l.startsWith('0::'))?.slice(3) ?? ''
    memory = lines.find((l) => /^\d+:memory:/.test(l))?.replace(/^\d+:memory:/, '') ?? ''
  })
  t.ok(unified.endsWith(`/${id}`), `the init is in the container's unified dir (${unified})`)
  t.match(initClone(trace), /CLONE_INTO_CGROUP.*cgroup=\d+/, 'clone3 carried CLONE_INTO_CGROUP and a cgroup fd')
  t.same(procsWrites(trace, pid, new RegExp(`^${UNIFIED}/`)), [], 'no write of its pid to a unified cgroup.procs')
  // The v1 hierarchies: joined by the init itself (its "0" into each tasks file), so no write of the pid anywhere.
  t.same(procsWrites(trace, pid, /./), [], "no write of the init's pid to any cgroup.procs")
  t.ok(memory.endsWith(`/${id}`), `the init is in its v1 memory cgroup (${memory})`)
  t.notOk(fs.existsSync(path.join(UNIFIED, unified)), 'delete removed the unified dir')
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
