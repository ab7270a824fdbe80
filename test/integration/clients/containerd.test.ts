// containerd drives tsrun: a private containerd (root, state and socket in a
// temp dir) whose runc v2 shim runs tsrun as its runc binary (ctr's
// --runc-binary sets the shim's BinaryName option), and ctr on a busybox image
// imported from a local OCI archive. The shim calls tsrun as it calls runc:
// --root/--log/--log-format json, create with --pid-file and an extra fd 3,
// start, kill, pause/resume, ps --format json, delete then delete --force.
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { waitFor, type Result } from '../harness'
import { ClientSandbox, clientSkip, execMissing, ptyRun, startDaemon } from './fixture'

const IMAGE = 'docker.io/library/tsrun-busybox:latest'

const skip = clientSkip(['containerd', 'ctr'])
if (skip) t.plan(0, skip)
else tests()

function tests(): void {
  const s = new ClientSandbox(t, 'containerd')
  const sock = s.path('containerd.sock')
  // The namespace names the containers' cgroup parent (/<namespace>/<id>).
  const ns = s.cgroupParent
  const ctrArgv = (args: string[]) => ['ctr', '--address', sock, '--namespace', ns, ...args]
  const ctr = (...args: string[]): Result => s.run('ctr', ctrArgv(args).slice(1))
  const runArgs = ['--fifo-dir', s.path('fifo'), '--runc-binary', s.runtime, '--runc-root', s.path('runc')]

  t.before(async () => {
    fs.writeFileSync(s.path('config.toml'), [
      'version = 2',
      `root = "${s.path('root')}"`,
      `state = "${s.path('state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      `[grpc]\n  address = "${sock}"`,
      `[ttrpc]\n  address = "${sock}.ttrpc"`,
      `[plugins."io.containerd.internal.v1.opt"]\n  path = "${s.path('opt')}"`,
    ].join('\n') + '\n')
    await startDaemon(s, 'containerd', ['containerd', '--config', s.path('config.toml')],
      () => fs.existsSync(sock) && ctr('version').status === 0)
    s.onStop({ name: 'containers', stop: () => removeAll(ctr) })
    const r = ctr('images', 'import', s.ociArchive(IMAGE))
    if (r.status !== 0) throw new Error(`ctr images import: ${r.stderr}`)
  })

  const taskStatus = (id: string): string => {
    const line = ctr('task', 'ls').stdout.split('\n').find((l) => l.split(/\s+/)[0] === id)
    return line ? line.split(/\s+/)[2] : 'none'
  }
  const taskPid = (id: string): number => Number(ctr('task', 'ls').stdout.split('\n').find((l) => l.startsWith(`${id} `))!.split(/\s+/)[1])
  /** `ctr run -d`, checked. */
  const runDetached = (t: Test, id: string, cmd: string[]): void => {
    const r = ctr('run', '-d', ...runArgs, IMAGE, id, ...cmd)
    t.equal(r.status, 0, `ctr run -d: ${r.stderr}`)
    t.equal(taskStatus(id), 'RUNNING')
  }
  /** SIGKILL, then task and container removed; what `ctr task rm` said. */
  const remove = async (t: Test, id: string): Promise<Result> => {
    t.equal(ctr('task', 'kill', '-s', 'SIGKILL', id).status, 0, 'task kill -s SIGKILL')
    t.ok(await waitFor(() => taskStatus(id) === 'STOPPED'), 'stopped')
    const r = ctr('task', 'rm', id)
    t.equal(r.status, 0, `task rm: ${r.stderr}`)
    t.equal(ctr('container', 'rm', id).status, 0, 'container rm')
    t.notOk(fs.existsSync(path.join(s.path('runc'), ns, id)), "tsrun's state is gone")
    return r
  }

  t.test('a container prints its output; no shim fd reaches it; the seccomp profile applies', async (t) => {
    const r = ctr('run', '--rm', '--seccomp', ...runArgs, IMAGE, 'print',
      'sh', '-c', 'echo hello from tsrun; grep "^Seccomp:" /proc/self/status; ls -l /proc/$$/fd')
    t.equal(r.status, 0, r.stderr)
    t.match(r.stdout, /^hello from tsrun\nSeccomp:\s+2\n/)
    // ls's own directory fd is listed too, but closed by the time it is read: no "->".
    const fds = [...r.stdout.matchAll(/ (\d+) -> /g)].map((m) => m[1])
    t.same(fds, ['0', '1', '2'], 'the container has stdio only')
  })

  t.test('the exit code comes back through the shim', async (t) => {
    const r = ctr('run', '--rm', ...runArgs, IMAGE, 'exit', 'sh', '-c', 'exit 7')
    t.equal(r.status, 7, r.stderr)
  })

  t.test('a failing create: the shim shows the error tsrun logged', async (t) => {
    const r = ctr('run', '--rm', ...runArgs, IMAGE, 'fail', '/no/such/binary')
    t.not(r.status, 0)
    t.match(r.stderr, 'OCI runtime create failed: create fail: exec: "/no/such/binary"')
    t.notOk(fs.existsSync(path.join(s.path('runc'), ns, 'fail')), 'no state left')
    ctr('container', 'rm', 'fail')
  })

  t.test('kill: SIGTERM reaches the container, the foreground ctr gets its exit code', async (t) => {
    const argv = ctrArgv(['run', '--rm', ...runArgs, IMAGE, 'kill',
      'sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done'])
    const run = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    run.stdout!.on('data', (d: Buffer) => { out += d })
    const code = new Promise<number | null>((resolve) => run.on('exit', (c) => resolve(c)))
    t.ok(await waitFor(() => out.includes('ready')), 'the container runs')
    t.equal(ctr('task', 'kill', 'kill').status, 0, 'task kill (SIGTERM)')
    t.equal(await code, 42)
  })

  t.test('detached: pause and resume, ps, metrics', async (t) => {
    const id = 'detached'
    runDetached(t, id, ['sh', '-c', 'sleep 1000 & sleep 1000'])
    const pid = taskPid(id)
    t.ok(fs.existsSync(path.join(s.path('runc'), ns, id, 'state.json')), "tsrun's state under the shim's --root")

    let r = ctr('task', 'pause', id)
    t.equal(r.status, 0, `pause: ${r.stderr}`)
    t.equal(taskStatus(id), 'PAUSED')
    t.equal(freezerState(pid), 'FROZEN')
    r = ctr('task', 'resume', id)
    t.equal(r.status, 0, `resume: ${r.stderr}`)
    t.equal(taskStatus(id), 'RUNNING')
    t.equal(freezerState(pid), 'THAWED')

    // The shim's `ps` is tsrun's `ps --format json`: the pids in the container's cgroup.
    r = ctr('task', 'ps', id)
    t.equal(r.status, 0, `ps: ${r.stderr}`)
    const pids = r.stdout.split('\n').slice(1).filter(Boolean).map((l) => Number(l.split(/\s+/)[0])).sort((a, b) => a - b)
    t.equal(pids.length, 2, 'sh and its background sleep')
    t.ok(pids.includes(pid), 'the init is listed')

    r = ctr('task', 'metrics', '--format', 'json', id)
    t.equal(r.status, 0, `metrics: ${r.stderr}`)
    const m = JSON.parse(r.stdout) as { pids?: { current?: number }; memory?: { rss?: number } }
    t.equal(m.pids?.current, 2, 'pids.current of the container cgroup')
    t.ok((m.memory?.rss ?? 0) > 0, 'memory rss')

    const rm = await remove(t, id)
    t.match(rm.stderr, 'exit with non-zero exit code 137')
  })

  t.test('detached + ctr task exec', { skip: execMissing() ?? false }, async (t) => {
    const id = 'exec'
    runDetached(t, id, ['sleep', '1000'])
    const r = ctr('task', 'exec', '--exec-id', 'e1', '--fifo-dir', s.path('fifo'), id,
      'sh', '-c', 'echo in exec $(cat /proc/1/comm); exit 3')
    t.equal(r.status, 3, r.stderr)
    t.equal(r.stdout, 'in exec sleep\n')
    const tty = ptyRun(ctrArgv(['task', 'exec', '-t', '--exec-id', 'e2', '--fifo-dir', s.path('fifo'), id, 'sh']), [
      { expect: '#', send: 'tty; echo $((6 * 7))\r' },
      { expect: '42', send: 'exit 6\r' },
    ])
    t.equal(tty.status, 6, tty.output)
    t.match(tty.output.replace(/\r/g, ''), /\/dev\/pts\/\d+\n42\n/, 'exec -t: a terminal of its own')
    await remove(t, id)
  })

  t.test('a tty container', async (t) => {
    const r = ptyRun(ctrArgv(['run', '--rm', '-t', ...runArgs, IMAGE, 'tty', 'sh']), [
      { expect: '#', send: 'tty; echo $((6 * 7))\r' },
      { expect: '42', send: 'exit 5\r' },
    ])
    t.equal(r.status, 5, r.output)
    t.match(r.output.replace(/\r/g, ''), /\/dev\/pts\/0\n42\n/)
  })
}

/** The freezer state of the v1 freezer cgroup `pid` is in. */
function freezerState(pid: number): string {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:freezer:/.test(l))!
  return fs.readFileSync(path.join('/sys/fs/cgroup/freezer', line.split(':')[2], 'freezer.state'), 'utf8').trim()
}

/** Teardown, before containerd stops: every task killed and deleted, every container removed. */
async function removeAll(ctr: (...a: string[]) => Result): Promise<void> {
  for (const id of ctr('task', 'ls', '-q').stdout.split('\n').filter(Boolean)) {
    ctr('task', 'kill', '-s', 'SIGKILL', id)
    await waitFor(() => ctr('task', 'rm', id).status === 0)
  }
  for (const id of ctr('container', 'ls', '-q').stdout.split('\n').filter(Boolean)) ctr('container', 'rm', id)
}
