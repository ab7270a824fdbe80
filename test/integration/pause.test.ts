// pause, resume and ps on real containers (runc's tests/integration/pause.bats
// and ps.bats): a paused container's cgroup is frozen and its processes make
// no progress until resume; kill and delete -f still work on it; ps lists
// exactly the processes of the container's cgroup. Messages are runc 1.1.5's.
import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Sandbox, leftovers, skipReason, statePid, waitFor } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

/** Writes a line to /shared/ticks every 0.1 s; a background sleep is a second process. */
const TICKER = 'sleep 1000 & while true; do echo x >> /shared/ticks; sleep 0.1; done'

/** A sandbox whose <dir>/shared is the container's writable /shared, and config running `script`. */
function sandbox(t: Test, name: string, script: string): { s: Sandbox; ticks: string } {
  const s = new Sandbox(t, name)
  const shared = path.join(s.dir, 'shared')
  fs.mkdirSync(shared)
  fs.mkdirSync(path.join(s.bundle, 'rootfs', 'shared'))
  s.config((c) => {
    c.process.args = ['sh', '-c', script]
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] })
  })
  return { s, ticks: path.join(shared, 'ticks') }
}

function runDetached(t: Test, s: Sandbox, id: string): void {
  const r = s.tsrunDetached(['run', '-d', '-b', s.bundle, id], id)
  t.equal(r.status, 0, `run -d: ${r.stderr}`)
}

const statusOf = (s: Sandbox, id: string): string => {
  const r = s.tsrun(['state', id])
  return r.status === 0 ? (JSON.parse(r.stdout) as { status: string }).status : `error: ${r.stderr}`
}

const size = (f: string): number => (fs.existsSync(f) ? fs.statSync(f).size : 0)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** What the host's freezer says of the cgroup `pid` is in: v1 freezer.state, or v2 cgroup.events. */
function freezerOf(pid: number): string {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')
  const v1 = lines.find((l) => /^\d+:([^:]*,)?freezer(,[^:]*)?:/.test(l))
  if (v1) return fs.readFileSync(path.join('/sys/fs/cgroup/freezer', v1.split(':')[2], 'freezer.state'), 'utf8').trim()
  const v2 = lines.find((l) => l.startsWith('0::'))!.slice(3)
  return /^frozen 1$/m.test(fs.readFileSync(path.join('/sys/fs/cgroup', v2, 'cgroup.events'), 'utf8')) ? 'FROZEN' : 'THAWED'
}

/** The init and its children as the host sees them, sorted. */
function treeOf(pid: number): number[] {
  const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  return [pid, ...kids].sort((a, b) => a - b)
}

t.test('pause freezes the container, resume lets it go on', async (t) => {
  const { s, ticks } = sandbox(t, 'pause', TICKER)
  const id = s.id()
  runDetached(t, s, id)
  const pid = statePid(s, id)
  t.ok(await waitFor(() => size(ticks) > 0), 'the container ticks')

  let r = s.tsrun(['pause', id])
  t.same([r.status, r.stdout, r.stderr], [0, '', ''], 'pause')
  t.equal(statusOf(s, id), 'paused')
  t.equal(freezerOf(pid), 'FROZEN')
  const frozenAt = size(ticks)
  await sleep(500)
  t.equal(size(ticks), frozenAt, 'no progress while paused')

  r = s.tsrun(['pause', id])
  t.same([r.status, r.stderr], [1, `tsrun: pause ${id}: container not running\n`], 'pause of a paused container')

  r = s.tsrun(['resume', id])
  t.same([r.status, r.stdout, r.stderr], [0, '', ''], 'resume')
  t.equal(statusOf(s, id), 'running')
  t.equal(freezerOf(pid), 'THAWED')
  t.ok(await waitFor(() => size(ticks) > frozenAt), 'progress again after resume')

  r = s.tsrun(['resume', id])
  t.same([r.status, r.stderr], [1, `tsrun: resume ${id}: container not paused\n`], 'resume of a running container')
})

t.test('ps lists exactly the container\'s processes', async (t) => {
  const { s } = sandbox(t, 'ps', 'sleep 1000 & wait')
  const id = s.id()
  runDetached(t, s, id)
  const pid = statePid(s, id)
  t.ok(await waitFor(() => treeOf(pid).length === 2), 'init and its background child')
  const want = treeOf(pid)

  let r = s.tsrun(['ps', '--format', 'json', id])
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^\[\d+(,\d+)*\]\n$/, 'compact JSON array, one line')
  t.same((JSON.parse(r.stdout) as number[]).sort((a, b) => a - b), want)

  r = s.tsrun(['ps', id])
  t.equal(r.status, 0, r.stderr)
  const [header, ...rows] = r.stdout.trimEnd().split('\n')
  t.match(header, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/, 'ps -ef header')
  t.same(rows.map((l) => Number(l.trim().split(/\s+/)[1])).sort((a, b) => a - b), want, 'only the container\'s rows')
  t.ok(rows.some((l) => l.endsWith('sleep 1000')))

  // Everything after the id goes to ps(1), -f included; the PID column is found by name.
  r = s.tsrun(['ps', id, '-f', '-e'])
  t.same([r.status, r.stdout.split('\n')[0]], [0, header], '-f -e: ps\'s own -f')
  r = s.tsrun(['ps', id, '-e', '-o', 'stat,pid'])
  t.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  t.match(lines[0], /^STAT\s+PID$/)
  t.same(lines.slice(1).map((l) => Number(l.trim().split(/\s+/)[1])).sort((a, b) => a - b), want)

  r = s.tsrun(['ps', '-f', 'xml', id])
  t.same([r.status, r.stderr], [1, 'tsrun: invalid format option\n'])
})

t.test('errors: unknown id, created and stopped containers', async (t) => {
  const { s } = sandbox(t, 'pause-err', 'true')
  for (const cmd of ['pause', 'resume', 'ps']) {
    const r = s.tsrun([cmd, 'nosuch'])
    t.same([r.status, r.stderr], [1, `tsrun: ${cmd} nosuch: container does not exist\n`], `${cmd} of an unknown id`)
  }

  // runc 1.1.5 pauses a created container too; resume brings it back to created.
  const created = s.id('-created')
  t.equal(s.tsrunDetached(['create', '-b', s.bundle, created], 'created').status, 0)
  t.equal(s.tsrun(['pause', created]).status, 0, 'pause of a created container')
  t.equal(statusOf(s, created), 'paused')
  t.equal(s.tsrun(['resume', created]).status, 0)
  t.equal(statusOf(s, created), 'created')
  t.equal(s.tsrun(['delete', '-f', created]).status, 0)

  const stopped = s.id('-stopped')
  runDetached(t, s, stopped)
  t.ok(await waitFor(() => statusOf(s, stopped) === 'stopped'), 'the container has exited')
  let r = s.tsrun(['pause', stopped])
  t.same([r.status, r.stderr], [1, `tsrun: pause ${stopped}: container not running\n`])
  r = s.tsrun(['resume', stopped])
  t.same([r.status, r.stderr], [1, `tsrun: resume ${stopped}: container not paused\n`])
  t.same(s.tsrun(['ps', '-f', 'json', stopped]).stdout, 'null\n', 'no pids: null, as Go encodes a nil slice')
  t.match(s.tsrun(['ps', stopped]).stdout, /^UID\s+PID[^\n]*CMD\n$/, 'the header only')
})

t.test('kill KILL of a paused container stops it', async (t) => {
  const { s } = sandbox(t, 'pause-kill', TICKER)
  const id = s.id()
  runDetached(t, s, id)
  t.equal(s.tsrun(['pause', id]).status, 0)
  const r = s.tsrun(['kill', id, 'KILL'])
  t.same([r.status, r.stderr], [0, ''])
  t.ok(await waitFor(() => statusOf(s, id) === 'stopped'), 'stopped (runc thaws after SIGKILL)')
  t.equal(s.tsrun(['delete', id]).status, 0)
})

t.test('delete -f of a paused container leaves nothing', async (t) => {
  const { s } = sandbox(t, 'pause-delete', TICKER)
  const id = s.id()
  runDetached(t, s, id)
  t.equal(s.tsrun(['pause', id]).status, 0)
  let r = s.tsrun(['delete', id])
  t.same([r.status, r.stderr], [1, `tsrun: delete ${id}: cannot delete container ${id} that is not stopped: paused\n`])
  r = s.tsrun(['delete', '-f', id])
  t.same([r.status, r.stderr], [0, ''])
  t.match(s.tsrun(['state', id]).stderr, 'container does not exist')
  // Its processes die once thawed; the init is reaped by the host's pid 1 in its own time.
  t.ok(await waitFor(() => leftovers(s).length === 0), `nothing left: ${leftovers(s).join('; ')}`)
})
