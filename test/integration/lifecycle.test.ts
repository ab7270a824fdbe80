// The container lifecycle as runc's clients drive it (runc's
// tests/integration/{run,create,start,kill,delete,list,state}.bats):
// `run` in the foreground (stdio, exit status, 128+N, signal forwarding),
// `run -d`, `run --keep`, create → state → start → kill → delete with the
// state JSON at every step, --pid-file, list, kill --all and runc's signal
// forms, delete with and without -f, start in the wrong state, and
// --preserve-fds. Every container is real; what its processes do is read
// from the host's /proc.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Result, Sandbox, skipReason, waitFor, within, TRAP_TERM, expectTermForwarded } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

interface OciState {
  ociVersion: string; id: string; pid: number; status: string; bundle: string; rootfs: string
  created: string; owner: string; annotations?: Record<string, string>
}

/** `state ID` parsed, or null when it fails. */
function stateOf(s: Sandbox, id: string): OciState | null {
  const r = s.tsrun(['state', id])
  return r.status === 0 ? (JSON.parse(r.stdout) as OciState) : null
}

const statusOf = (s: Sandbox, id: string): string | undefined => stateOf(s, id)?.status

/** /proc/<pid>/stat field 3, or null when there is no such process. */
function procState(pid: number): string | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[0]
  } catch {
    return null
  }
}

/** Running (zombies have exited: they only wait for their reaper). */
const alive = (pid: number): boolean => { const st = procState(pid); return st !== null && st !== 'Z' && st !== 'X' }

/** /proc/<pid>/cmdline, '' when the process is gone. */
function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return ''
  }
}

/** The direct children of a process (pids as the host sees them). */
function children(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/** The container's cgroup directories in every hierarchy (named after the id by default). */
function cgroupDirs(id: string): string[] {
  const r = spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '6', '-type', 'd', '-name', id], { encoding: 'utf8' })
  return r.stdout.split('\n').filter(Boolean)
}

/** `run -d` of the bundle as it is now; the container's output goes to <dir>/<name>.out. */
function runDetached(t: Test, s: Sandbox, id: string, name = id): { outFile: string } {
  const r = s.tsrunDetached(['run', '-d', '-b', s.bundle, id], name)
  t.equal(r.status, 0, `run -d ${id}: ${r.stderr}`)
  return r
}

const read = (f: string): string => fs.readFileSync(f, 'utf8')

t.test('run in the foreground: stdin, stdout and stderr pass through, the exit status comes back', async (t) => {
  const s = new Sandbox(t, 'lc-stdio')
  s.config((c) => { c.process.args = ['sh', '-c', 'cat; echo to-stderr >&2; exit 7'] })
  const id = s.id()
  const r = s.tsrun(['run', '-b', s.bundle, id], { input: 'piped into cat\nsecond line\n' })
  t.equal(r.status, 7, 'exit 7 in the container is exit 7 of tsrun')
  t.equal(r.stdout, 'piped into cat\nsecond line\n', 'stdin reached cat, cat wrote to our stdout')
  t.equal(r.stderr, 'to-stderr\n', 'the container stderr is ours, nothing else on it')
  t.notOk(fs.existsSync(path.join(s.root, id)), 'run without --keep deleted the container')
})

t.test('run in the foreground: 128+N when killed, signals to tsrun are forwarded', async (t) => {
  const s = new Sandbox(t, 'lc-signals')

  // pid 1 of a pid namespace only gets the signals it handles: the trap makes TERM deliverable.
  s.config((c) => { c.process.args = ['sh', '-c', `${TRAP_TERM}sleep 1000 & wait`] })
  const fwd = s.id('-fwd')
  const ra = await expectTermForwarded(t, s.spawnTsrun(['run', '-b', s.bundle, fwd]), 'the container')
  t.equal(ra.stderr, '')
  t.notOk(fs.existsSync(path.join(s.root, fwd)), 'and was deleted')

  s.config((c) => { c.process.args = ['sh', '-c', 'echo ready; exec sleep 1000'] })
  const killed = s.id('-killed')
  const b = s.spawnTsrun(['run', '-b', s.bundle, killed])
  t.ok(await waitFor(() => b.output().includes('ready')), 'second container up')
  const k = s.tsrun(['kill', killed, 'KILL'])
  t.equal(k.status, 0, k.stderr)
  const rb = await within(b.done, 10_000, 'run after kill KILL')
  t.equal(rb.status, 128 + 9, 'killed by SIGKILL: 137')
  t.notOk(fs.existsSync(path.join(s.root, killed)), 'deleted after it was killed')
})

t.test('run -d returns once the container runs; run --keep keeps it stopped', async (t) => {
  const s = new Sandbox(t, 'lc-detach')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const d = s.id('-d')
  const t0 = Date.now()
  // A run -d that waited for its container would hit this timeout (the container sleeps 1000 s).
  const r = s.tsrunDetached(['run', '-d', '-b', s.bundle, d], 'd')
  t.equal(r.status, 0, r.stderr)
  t.ok(Date.now() - t0 < 10_000, 'returned without waiting for the container')
  const st = stateOf(s, d)
  t.equal(st?.status, 'running')
  t.ok(st && alive(st.pid), 'its process is alive')
  t.ok(await waitFor(() => st !== null && cmdline(st.pid) === 'sleep\0' + '1000\0'),
    'the process exec-ed the container binary')
  t.equal(s.tsrun(['delete', '-f', d]).status, 0)
  t.ok(st && !alive(st.pid), 'delete -f killed it')

  s.config((c) => { c.process.args = ['sh', '-c', 'echo kept; exit 5'] })
  const keep = s.id('-keep')
  const k = s.tsrun(['run', '--keep', '-b', s.bundle, keep])
  t.equal(k.status, 5)
  t.equal(k.stdout, 'kept\n')
  const kept = stateOf(s, keep)
  t.equal(kept?.status, 'stopped', '--keep leaves the stopped container')
  t.equal(kept?.pid, 0, 'a stopped container reports pid 0')
  t.ok(cgroupDirs(keep).length > 0, 'its cgroup is kept with it')
  const del = s.tsrun(['delete', keep])
  t.equal(del.status, 0, `delete of a stopped container needs no -f: ${del.stderr}`)
  t.equal(stateOf(s, keep), null, 'gone after delete')
  t.same(cgroupDirs(keep), [], 'with its cgroup')
})

t.test('create → state → start → kill → delete, the state JSON at each step, --pid-file, start in the wrong state', async (t) => {
  const s = new Sandbox(t, 'lc-states')
  s.config((c) => {
    c.process.args = ['sleep', '1000']
    c.annotations = { 'org.tsrun.test': 'lifecycle', 'b.other': 'x y' }
  })
  const id = s.id()
  const pidFile = path.join(s.dir, 'pid')
  const before = Date.now()
  const c = s.tsrunDetached(['create', '-b', s.bundle, '--pid-file', pidFile, id], 'create')
  t.equal(c.status, 0, c.stderr)
  t.equal(c.stdout + c.stderr, '', 'create prints nothing')

  const raw = s.tsrun(['state', id])
  t.equal(raw.status, 0, raw.stderr)
  t.notOk(raw.stdout.endsWith('\n'), 'no newline after the JSON (json.MarshalIndent + Print)')
  t.match(raw.stdout, /^\{\n {2}"ociVersion": /, 'indented by two spaces')
  const st = JSON.parse(raw.stdout) as OciState
  t.same(Object.keys(st), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'annotations', 'owner'],
    "runc's keys in runc's order")
  t.match(st.ociVersion, /^\d+\.\d+\.\d+/)
  t.equal(st.id, id)
  t.equal(st.status, 'created')
  t.equal(st.bundle, s.bundle)
  t.equal(st.rootfs, path.join(s.bundle, 'rootfs'))
  t.equal(st.owner, '')
  t.same(st.annotations, { 'org.tsrun.test': 'lifecycle', 'b.other': 'x y' })
  t.match(st.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/, 'RFC3339Nano, UTC')
  const createdMs = Date.parse(st.created)
  t.ok(createdMs >= before - 1000 && createdMs <= Date.now() + 1000, `created is now (${st.created})`)
  t.ok(st.pid > 0, 'a created container has its pid')
  const status = fs.readFileSync(`/proc/${st.pid}/status`, 'utf8')
  t.match(status, new RegExp(`^NSpid:\\t${st.pid}\\t1$`, 'm'), 'the pid is pid 1 of the container pid namespace')
  t.match(fs.readFileSync(`/proc/${st.pid}/cgroup`, 'utf8'), id, 'in the container cgroup')
  t.match(cmdline(st.pid), /^tsrun-init\0/, 'until start, the process is tsrun-init waiting on the fifo')
  t.equal(read(pidFile), String(st.pid), '--pid-file holds the bare pid, no newline')

  // annotations is omitempty: a second container without any has no key at all.
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const plain = s.id('-plain')
  t.equal(s.tsrunDetached(['create', '-b', s.bundle, plain], 'plain').status, 0)
  t.same(Object.keys(stateOf(s, plain) ?? {}), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner'],
    'no annotations key when the config has none')

  const start = s.tsrun(['start', id])
  t.equal(start.status, 0, start.stderr)
  t.equal(start.stdout + start.stderr, '', 'start prints nothing')
  const running = stateOf(s, id)
  t.equal(running?.status, 'running')
  t.equal(running?.pid, st.pid, 'same pid')
  t.ok(await waitFor(() => cmdline(st.pid) === 'sleep\0' + '1000\0'),
    'start made the init exec the container process')
  t.equal(statusOf(s, plain), 'created', 'starting one container leaves the other alone')

  const again = s.tsrun(['start', id])
  t.equal(again.status, 1)
  t.match(again.stderr, /cannot start an already running container/)
  const unknown = s.tsrun(['start', s.id('-unknown')])
  t.equal(unknown.status, 1)
  t.match(unknown.stderr, /container does not exist/)

  const k = s.tsrun(['kill', id, 'KILL'])
  t.equal(k.status, 0, k.stderr)
  t.ok(await waitFor(() => statusOf(s, id) === 'stopped'), 'stopped after kill KILL')
  const stopped = stateOf(s, id)
  t.equal(stopped?.pid, 0, 'pid 0 once stopped')
  t.equal(stopped?.created, st.created, 'created does not change')
  t.notOk(alive(st.pid), 'the process is gone')
  const startStopped = s.tsrun(['start', id])
  t.equal(startStopped.status, 1)
  t.match(startStopped.stderr, /cannot start a container that has stopped/)
  const killStopped = s.tsrun(['kill', id, 'KILL'])
  t.equal(killStopped.status, 1)
  t.match(killStopped.stderr, /container not running/)

  const del = s.tsrun(['delete', id])
  t.equal(del.status, 0, del.stderr)
  t.equal(del.stdout + del.stderr, '', 'delete prints nothing')
  const gone = s.tsrun(['state', id])
  t.equal(gone.status, 1)
  t.match(gone.stderr, /^tsrun: .*container does not exist\n$/)
  t.notOk(fs.existsSync(path.join(s.root, id)), 'no state dir')
  t.same(cgroupDirs(id), [], 'no cgroup')
  t.equal(s.tsrun(['delete', '-f', plain]).status, 0)
})

t.test('list: table, -q and --format json', async (t) => {
  const s = new Sandbox(t, 'lc-list')
  const empty = s.tsrun(['list'])
  t.equal(empty.status, 0, empty.stderr)
  t.same(empty.stdout.split(/\s+/).filter(Boolean), ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], 'header only')
  t.equal(s.tsrun(['list', '--format', 'json']).stdout, 'null\n', 'no containers: null (a nil Go slice)')

  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const a = s.id('-a')
  const b = s.id('-b')
  runDetached(t, s, a)
  t.equal(s.tsrunDetached(['create', '-b', s.bundle, b], 'b').status, 0)
  const sa = stateOf(s, a)!
  const sb = stateOf(s, b)!

  const table = s.tsrun(['list'])
  t.equal(table.status, 0, table.stderr)
  const lines = table.stdout.trimEnd().split('\n')
  t.equal(lines.length, 3, 'header and one line per container')
  t.same(lines[0].split(/\s+/), ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'])
  // runc prints the owner of the state dir by user name (root here).
  t.same(lines[1].split(/\s+/), [a, String(sa.pid), 'running', s.bundle, sa.created, 'root'])
  t.same(lines[2].split(/\s+/), [b, String(sb.pid), 'created', s.bundle, sb.created, 'root'])
  const col = lines[0].indexOf('PID')
  t.ok(lines.every((l) => l[col - 1] === ' ' && l[col] !== ' '), 'columns aligned (tabwriter)')

  t.equal(s.tsrun(['list', '-q']).stdout, `${a}\n${b}\n`, '-q: the ids only')
  const json = s.tsrun(['list', '--format', 'json'])
  t.equal(json.status, 0, json.stderr)
  t.ok(json.stdout.endsWith(']\n') && !json.stdout.includes('\n '), 'compact, one line')
  const arr = JSON.parse(json.stdout) as OciState[]
  t.same(arr.map((x) => [x.id, x.pid, x.status, x.bundle, x.owner]), [[a, sa.pid, 'running', s.bundle, 'root'], [b, sb.pid, 'created', s.bundle, 'root']])
  t.same(Object.keys(arr[0]), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner'])
})

t.test("kill takes runc's signal forms; kill --all signals every process of the container", async (t) => {
  const s = new Sandbox(t, 'lc-kill')
  // The trap says which signal came; KILL can't be trapped and leaves no line.
  s.config((c) => { c.process.args = ['sh', '-c', 'trap "echo got-TERM; exit 0" TERM; echo ready; sleep 1000 & wait'] })
  const forms: [string, string[], boolean][] = [
    ['KILL', ['KILL'], false], ['SIGKILL', ['SIGKILL'], false], ['9', ['9'], false],
    ['TERM', ['TERM'], true], ['SIGTERM', ['SIGTERM'], true], ['default', [], true],
  ]
  for (const [name, sig, trapped] of forms) {
    const id = s.id(`-${name}`)
    const { outFile } = runDetached(t, s, id)
    t.ok(await waitFor(() => read(outFile).includes('ready')), `${name}: trap set`)
    const k = s.tsrun(['kill', id, ...sig])
    t.equal(k.status, 0, `kill ${name}: ${k.stderr}`)
    t.ok(await waitFor(() => statusOf(s, id) === 'stopped'), `kill ${name} stopped the container`)
    t.equal(read(outFile), trapped ? 'ready\ngot-TERM\n' : 'ready\n', `kill ${name}: the container got ${trapped ? 'TERM' : 'KILL'}`)
    t.equal(s.tsrun(['delete', id]).status, 0)
  }

  // Two sleeps in the background, then pid 1 becomes a sleep too: pid 1 has no
  // handlers, so only SIGKILL reaches it; the others die of USR1.
  s.config((c) => { c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000 & echo ready; exec sleep 1000'] })
  const id = s.id('-all')
  const { outFile } = runDetached(t, s, id)
  t.ok(await waitFor(() => read(outFile).includes('ready')))
  const init = stateOf(s, id)!.pid
  t.ok(await waitFor(() => children(init).length === 2), 'init has its two background sleeps')
  const bg = children(init)

  t.equal(s.tsrun(['kill', id, 'USR1']).status, 0)
  await new Promise((r) => setTimeout(r, 200))
  t.ok(bg.every(alive), 'kill without --all signals the init only: the others still run')

  const all = s.tsrun(['kill', '--all', id, 'USR1'])
  t.equal(all.status, 0, all.stderr)
  t.ok(await waitFor(() => !bg.some(alive)), 'kill --all USR1 reached the background processes')
  t.ok(alive(init), 'and pid 1, without a handler, ignored it')
  t.equal(statusOf(s, id), 'running')

  const allKill = s.tsrun(['kill', '--all', id, 'KILL'])
  t.equal(allKill.status, 0, allKill.stderr)
  t.ok(await waitFor(() => !alive(init) && !bg.some(alive)), 'kill --all KILL: every process gone')
  t.ok(await waitFor(() => statusOf(s, id) === 'stopped'), 'stopped')

  const stopped = s.tsrun(['kill', id, 'KILL'])
  t.equal(stopped.status, 1)
  t.match(stopped.stderr, /^tsrun: .*container not running\n$/)
  const missing = s.tsrun(['kill', s.id('-missing'), 'KILL'])
  t.equal(missing.status, 1)
  t.match(missing.stderr, /container does not exist/)
  t.equal(s.tsrun(['delete', id]).status, 0)
})

t.test('delete: refuses created and running containers without -f; -f removes everything; a missing id with -f is fine', async (t) => {
  const s = new Sandbox(t, 'lc-delete')
  s.config((c) => { c.process.args = ['sleep', '1000'] })

  const created = s.id('-created')
  t.equal(s.tsrunDetached(['create', '-b', s.bundle, created], 'created').status, 0)
  const cpid = stateOf(s, created)!.pid
  const refusedCreated = s.tsrun(['delete', created])
  t.equal(refusedCreated.status, 1)
  t.match(refusedCreated.stderr, /that is not stopped: created/)
  t.equal(statusOf(s, created), 'created', 'still created')
  t.ok(alive(cpid), 'its process untouched')

  const running = s.id('-running')
  runDetached(t, s, running)
  const rpid = stateOf(s, running)!.pid
  const refused = s.tsrun(['delete', running])
  t.equal(refused.status, 1)
  t.match(refused.stderr, /that is not stopped: running/)
  t.equal(statusOf(s, running), 'running', 'still running')
  t.ok(alive(rpid), 'its process untouched')
  t.ok(cgroupDirs(running).length > 0, 'its cgroup still there')
  // The refused delete must not have spoiled start: the created one still starts.
  t.equal(s.tsrun(['start', created]).status, 0, 'the created container still starts')
  t.equal(statusOf(s, created), 'running')

  for (const [id, pid] of [[running, rpid], [created, cpid]] as const) {
    const cg = cgroupDirs(id)
    t.ok(cg.length > 0, `${id}: has cgroup dirs`)
    const f = s.tsrun(['delete', '-f', id])
    t.equal(f.status, 0, f.stderr)
    t.equal(f.stdout + f.stderr, '', 'quietly')
    // Not our child: host pid 1 reaps it when it gets to it, so a zombie counts as gone.
    t.notOk(alive(pid), 'process killed')
    t.notOk(fs.existsSync(path.join(s.root, id)), 'state dir removed')
    t.same(cg.filter((d) => fs.existsSync(d)), [], 'cgroup dirs removed')
  }

  // delete -f of a container that is only created (never started).
  const fresh = s.id('-fresh')
  t.equal(s.tsrunDetached(['create', '-b', s.bundle, fresh], 'fresh').status, 0)
  const fpid = stateOf(s, fresh)!.pid
  t.equal(s.tsrun(['delete', '-f', fresh]).status, 0)
  t.notOk(alive(fpid), 'created container: init killed')
  t.same(cgroupDirs(fresh), [], 'and its cgroup removed')
  t.notOk(fs.existsSync(path.join(s.root, fresh)))

  const missing = s.tsrun(['delete', '-f', s.id('-never')])
  t.equal(missing.status, 0, 'delete -f of an id that never existed')
  t.equal(missing.stdout + missing.stderr, '', 'says nothing')
  const missingNoForce = s.tsrun(['delete', s.id('-never')])
  t.equal(missingNoForce.status, 1, 'without -f it is an error (runc)')
  t.match(missingNoForce.stderr, /container does not exist/)

  // containerd deletes, then its cleanup deletes again with --force.
  s.config((c) => { c.process.args = ['true'] })
  const twice = s.id('-twice')
  t.equal(s.tsrun(['run', '--keep', '-b', s.bundle, twice]).status, 0)
  t.equal(s.tsrun(['delete', twice]).status, 0)
  const again = s.tsrun(['delete', '--force', twice])
  t.equal(again.status, 0, 'delete --force of an already deleted container')
  t.equal(again.stdout + again.stderr, '')
})

t.test('--preserve-fds 1: fd 3 reaches the container, and only with the flag', async (t) => {
  const s = new Sandbox(t, 'lc-fds')
  // ls straight to stdout: a $(...) would add its own pipe to the shell's fds.
  s.config((c) => { c.process.args = ['sh', '-c', 'ls /proc/$$/fd; echo via-fd3 >&3 && echo fd3-open'] })
  const withFd3 = async (extra: string[], id: string): Promise<{ r: Result; file: string }> => {
    const file = path.join(s.dir, `${id}.fd3`)
    const fd = fs.openSync(file, 'w')
    try {
      const run = s.spawnTsrun(['run', ...extra, '-b', s.bundle, id], { stdio: ['ignore', 'pipe', 'pipe', fd] })
      return { r: await within(run.done, 30_000, 'run'), file }
    } finally {
      fs.closeSync(fd)
    }
  }

  const kept = await withFd3(['--preserve-fds', '1'], s.id('-kept'))
  t.equal(kept.r.status, 0, kept.r.stderr)
  t.equal(kept.r.stdout, '0\n1\n2\n3\nfd3-open\n', 'fd 3 is open in the container, and nothing above it')
  t.equal(read(kept.file), 'via-fd3\n', 'it is the file we gave tsrun as fd 3')

  const closed = await withFd3([], s.id('-closed'))
  t.equal(closed.r.stdout, '0\n1\n2\n', 'without the flag only stdio reaches the container')
  t.match(closed.r.stderr, /3: Bad file descriptor/)
  t.equal(read(closed.file), '', 'nothing was written through fd 3')
})
