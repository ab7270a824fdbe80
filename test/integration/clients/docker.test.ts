// docker drives tsrun: a private dockerd (data-root, exec-root, socket and
// config in a temp dir; no bridge, no iptables) with `--add-runtime
// tsrun=<dir>/tsrun`, and a busybox image from `docker import`. dockerd runs
// its own containerd, whose runc v2 shim calls tsrun; docker's spec carries
// the libnetwork-setkey prestart hook (even with --network none), a seccomp
// profile and a cgroup mount at /sys/fs/cgroup.
import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import { waitFor, type Result } from '../harness'
import { ClientSandbox, DEVICES, DEVICES_SEEN, clientSkip, execMissing, ptyRun, startDaemon } from './fixture'

const IMAGE = 'tsrun-busybox:latest'

const skip = clientSkip(['dockerd', 'containerd'])
if (skip) t.plan(0, skip)
else tests()

function tests(): void {
  const s = new ClientSandbox(t, 'docker')
  const sock = s.path('docker.sock')
  // The docker.io package's client, matching its daemon (a newer one may be first on PATH).
  const client = fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker'
  const env = { ...process.env, DOCKER_CONFIG: s.path('client') }
  const dockerArgv = (args: string[]) => [client, '--host', `unix://${sock}`, ...args]
  const docker = (...args: string[]): Result => s.run(client, dockerArgv(args).slice(1), { env })
  const run = (...args: string[]): Result => docker('run', '--runtime', 'tsrun', '--network', 'none', ...args)
  const state = (name: string, field: string) => docker('inspect', '--format', `{{.State.${field}}}`, name).stdout.trim()

  t.before(async () => {
    fs.writeFileSync(s.path('daemon.json'), '{}\n')
    await startDaemon(s, 'dockerd', [
      'dockerd', '--config-file', s.path('daemon.json'), '--host', `unix://${sock}`,
      '--data-root', s.path('data'), '--exec-root', s.path('exec'), '--pidfile', s.path('dockerd.pid'),
      '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--cgroup-parent', `/${s.cgroupParent}`,
      '--add-runtime', `tsrun=${s.runtime}`,
    ], () => fs.existsSync(sock) && docker('version').status === 0,
    // dockerd 20.10 writes its key.json to /etc/docker whatever its flags say: there, a tmpfs of its own.
    '[ ! -d /etc/docker ] || mount -t tmpfs -o mode=0755 tmpfs /etc/docker')
    s.onStop({ name: 'docker containers', stop: () => removeAll(docker) })
    const r = docker('import', s.rootfsTar(), IMAGE)
    if (r.status !== 0) throw new Error(`docker import: ${r.stderr}`)
  })

  t.test('run: output, exit code, and what docker\'s spec sets up', async (t) => {
    const r = run('--rm', IMAGE, 'sh', '-c',
      `echo hello from tsrun; grep "^Seccomp:" /proc/self/status; grep -c " /sys/fs/cgroup/" /proc/self/mountinfo; ${DEVICES}; exit 3`)
    t.equal(r.status, 3, r.stderr)
    const [hello, seccomp, cgroupMounts, devices] = r.stdout.split('\n')
    t.equal(devices, DEVICES_SEEN, 'the default devices, usable, though the config lists none')
    t.equal(hello, 'hello from tsrun')
    t.match(seccomp, /^Seccomp:\s+2$/, "docker's seccomp profile is on")
    t.ok(Number(cgroupMounts) > 0, 'cgroup hierarchies mounted under /sys/fs/cgroup')
  })

  t.test('a failing create: docker shows the error tsrun logged', async (t) => {
    const r = run('--rm', IMAGE, '/no/such/binary')
    t.equal(r.status, 127, 'command not found')
    t.match(r.stderr, /OCI runtime create failed: create [0-9a-f]+: exec: "\/no\/such\/binary"/)
  })

  t.test('run -d, stop: SIGTERM first, then SIGKILL', async (t) => {
    let r = run('-d', '--name', 'graceful', IMAGE, 'sh', '-c', 'trap "exit 42" TERM; while :; do sleep 0.1; done')
    t.equal(r.status, 0, `run -d: ${r.stderr}`)
    t.equal(state('graceful', 'Status'), 'running')
    r = docker('stop', '--time', '20', 'graceful')
    t.equal(r.status, 0, `stop: ${r.stderr}`)
    t.equal(state('graceful', 'ExitCode'), '42', 'the TERM trap ran')

    // pid 1 with no handler ignores SIGTERM: stop ends it with SIGKILL.
    r = run('-d', '--name', 'stubborn', IMAGE, 'sleep', '1000')
    t.equal(r.status, 0, `run -d: ${r.stderr}`)
    r = docker('stop', '--time', '1', 'stubborn')
    t.equal(r.status, 0, `stop: ${r.stderr}`)
    t.equal(state('stubborn', 'ExitCode'), '137')
    t.equal(docker('rm', 'graceful', 'stubborn').status, 0, 'rm')
  })

  t.test('exec into a running container', { skip: execMissing() ?? false }, async (t) => {
    let r = run('-d', '--name', 'execme', IMAGE, 'sleep', '1000')
    t.equal(r.status, 0, `run -d: ${r.stderr}`)
    r = docker('exec', 'execme', 'sh', '-c', 'echo in exec $(cat /proc/1/comm); exit 4')
    t.equal(r.status, 4, r.stderr)
    t.equal(r.stdout, 'in exec sleep\n')
    const tty = ptyRun(dockerArgv(['exec', '-it', 'execme', 'sh']), [
      { expect: '#', send: 'tty; echo $((6 * 7))\r' },
      { expect: '42', send: 'exit 6\r' },
    ], env)
    t.equal(tty.status, 6, tty.output)
    t.match(tty.output.replace(/\r/g, ''), /\/dev\/pts\/\d+\n42\n/, 'exec -it: a terminal of its own')
    t.equal(docker('rm', '-f', 'execme').status, 0, 'rm -f')
  })

  t.test('a tty container', async (t) => {
    const r = ptyRun(dockerArgv(['run', '--rm', '-it', '--runtime', 'tsrun', '--network', 'none', IMAGE, 'sh']), [
      { expect: '#', send: 'tty; echo $((6 * 7))\r' },
      { expect: '42', send: 'exit 5\r' },
    ], env)
    t.equal(r.status, 5, r.output)
    t.match(r.output.replace(/\r/g, ''), /\/dev\/pts\/0\n42\n/)
  })

  t.test('--memory, pause and unpause, docker stats, docker update', async (t) => {
    let r = run('-d', '--name', 'statme', '--memory', '64m', IMAGE, 'sh', '-c', 'sleep 1000 & sleep 1000')
    t.equal(r.status, 0, `run -d: ${r.stderr}`)
    r = docker('exec', 'statme', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes')
    t.equal(r.stdout.trim(), String(64 * 1024 * 1024), 'the limit, seen in the container')
    t.equal(docker('pause', 'statme').status, 0, 'pause')
    t.equal(state('statme', 'Status'), 'paused')
    t.equal(docker('unpause', 'statme').status, 0, 'unpause')
    t.equal(state('statme', 'Status'), 'running')
    // containerd's shim reads these from the cgroup tsrun put the container in.
    r = docker('stats', '--no-stream', '--format', '{{.PIDs}} {{.MemUsage}}', 'statme')
    t.equal(r.status, 0, r.stderr)
    t.match(r.stdout, /^2 [\d.]+[KM]iB \/ 64MiB\n$/, 'two processes, memory used of the 64 MiB limit')
    // docker update reaches tsrun as `update --resources -` (the new resources on stdin).
    r = docker('update', '--memory', '32m', 'statme')
    t.equal(r.status, 0, `update: ${r.stderr}`)
    r = docker('exec', 'statme', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes')
    t.equal(r.stdout.trim(), String(32 * 1024 * 1024), 'the new limit, seen in the container')
    t.equal(docker('rm', '-f', 'statme').status, 0, 'rm -f')
  })

  t.test('docker top is tsrun ps', async (t: Test) => {
    let r = run('-d', '--name', 'topme', IMAGE, 'sh', '-c', 'sleep 1000 & sleep 1000')
    t.equal(r.status, 0, `run -d: ${r.stderr}`)
    t.ok(await waitFor(() => docker('top', 'topme').stdout.split('\n').filter((l) => l.includes('sleep 1000')).length === 2),
      'both processes listed')
    r = docker('top', 'topme', '-o', 'pid,comm')
    t.equal(r.status, 0, r.stderr)
    t.match(r.stdout, /COMMAND/)
    t.equal(docker('rm', '-f', 'topme').status, 0, 'rm -f')
  })
}

/** Teardown, before dockerd stops: every container removed. */
function removeAll(docker: (...a: string[]) => Result): void {
  const ids = docker('ps', '-a', '-q').stdout.split('\n').filter(Boolean)
  if (ids.length === 0) return
  const r = docker('rm', '-f', ...ids)
  if (r.status !== 0) throw new Error(`docker rm -f: ${r.stderr}`)
}
