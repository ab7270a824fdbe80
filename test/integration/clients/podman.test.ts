// podman drives tsrun (`podman --runtime <dir>/tsrun`), with its own root,
// runroot and tmpdir under a temp dir and a busybox image from `podman
// import`. podman passes no --root, so tsrun's state is in its default root,
// /run/tsrun; conmon passes --log-format=json --log F because containers.conf
// lists tsrun in runtime_supports_json, and shows that log's error when a
// create fails. podman runs in a mount namespace of the test's own: the
// mounts it makes on the host (shm, bind mounts) would show to other tests.
import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { waitFor, type Result } from '../harness'
import { ClientSandbox, DEVICES, DEVICES_SEEN, clientSkip, execMissing, ptyRun, startDaemon } from './fixture'

const IMAGE = 'localhost/tsrun-busybox:latest'
/** tsrun's default --root: podman passes none. */
const DEFAULT_ROOT = '/run/tsrun'

const skip = clientSkip(['podman', 'conmon'])
if (skip) t.plan(0, skip)
else tests()

function tests(): void {
  const s = new ClientSandbox(t, 'podman')
  const env = { ...process.env, CONTAINERS_CONF: s.path('containers.conf') }
  const global = [
    '--root', s.path('root'), '--runroot', s.path('runroot'), '--tmpdir', s.path('tmp'),
    '--storage-driver', 'vfs', '--runtime', s.runtime, '--network-config-dir', s.path('cni'),
  ]
  let inNamespace: string[] = []
  const podmanArgv = (args: string[]) => [...inNamespace, 'podman', ...global, ...args]
  const podman = (...args: string[]): Result => {
    const argv = podmanArgv(args)
    return s.run(argv[0], argv.slice(1), { env })
  }
  /** `podman run` with the containers' cgroup parent named for this test. */
  const run = (...args: string[]): Result => podman('run', '--cgroup-parent', `/${s.cgroupParent}`, ...args)
  const runDetached = (t: Test, name: string, ...cmd: string[]): string => {
    const r = run('-d', '--name', name, IMAGE, ...cmd)
    t.equal(r.status, 0, `run -d: ${r.stderr}`)
    return r.stdout.trim()
  }
  const status = (name: string) => podman('inspect', '--format', '{{.State.Status}}', name).stdout.trim()

  t.before(async () => {
    fs.writeFileSync(s.path('containers.conf'), containersConf())
    const holder = await startDaemon(s, 'mount-namespace', ['sleep', 'infinity'],
      (pid) => fs.readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n')
    inNamespace = ['nsenter', '--mount', '-t', String(holder), '--']
    s.onStop({ name: 'podman containers', stop: () => removeAll(s, podman) })
    const r = podman('import', s.rootfsTar(), IMAGE)
    if (r.status !== 0) throw new Error(`podman import: ${r.stderr}`)
  })

  t.test('run --rm: output, exit codes, what podman\'s spec sets up', async (t) => {
    let r = run('--rm', IMAGE, 'sh', '-c', `echo hello from tsrun; grep "^Seccomp:" /proc/self/status; ${DEVICES}; exit 3`)
    t.equal(r.status, 3, r.stderr)
    t.match(r.stdout, /^hello from tsrun\nSeccomp:\s+2\n/)
    t.match(r.stdout, `\n${DEVICES_SEEN}\n`, 'the default devices, usable, though the config lists none')
    r = run('--rm', IMAGE, 'true')
    t.equal(r.status, 0, r.stderr)
  })

  t.test('a failing create: podman shows the error tsrun logged', async (t) => {
    const r = run('--rm', IMAGE, '/no/such/binary')
    t.equal(r.status, 127, 'command not found')
    t.match(r.stderr, /tsrun: create [0-9a-f]+: exec: "\/no\/such\/binary": stat \/no\/such\/binary: no such file or directory/)
  })

  t.test('run -d, state in the default root, stop, rm', async (t) => {
    const id = runDetached(t, 'stopme', 'sh', '-c', 'trap "exit 42" TERM; while :; do sleep 0.1; done')
    t.equal(status('stopme'), 'running')
    t.ok(fs.existsSync(path.join(DEFAULT_ROOT, id, 'state.json')), `state in ${DEFAULT_ROOT}`)
    let r = podman('stop', '-t', '20', 'stopme')
    t.equal(r.status, 0, `stop: ${r.stderr}`)
    t.equal(podman('inspect', '--format', '{{.State.ExitCode}}', 'stopme').stdout.trim(), '42', 'the TERM trap ran')
    r = podman('rm', 'stopme')
    t.equal(r.status, 0, `rm: ${r.stderr}`)
    t.notOk(fs.existsSync(path.join(DEFAULT_ROOT, id)), 'state removed')
  })

  t.test('exec into a running container', { skip: execMissing() ?? false }, async (t) => {
    runDetached(t, 'execme', 'sleep', '1000')
    const r = podman('exec', 'execme', 'sh', '-c', 'echo in exec $(cat /proc/1/comm); exit 4')
    t.equal(r.status, 4, r.stderr)
    t.equal(r.stdout, 'in exec sleep\n')
    const tty = ptyRun(podmanArgv(['exec', '-it', 'execme', 'sh']), [
      { expect: '#', send: 'tty; echo $((6 * 7))\r' },
      { expect: '42', send: 'exit 6\r' },
    ], env)
    t.equal(tty.status, 6, tty.output)
    t.match(tty.output.replace(/\r/g, ''), /\/dev\/pts\/\d+\n42\n/, 'exec -it: a terminal of its own')
    t.equal(podman('rm', '-f', '-t', '0', 'execme').status, 0, 'rm -f')
  })

  t.test('run -it with a terminal', async (t) => {
    const r = ptyRun(podmanArgv(['run', '--rm', '-it', '--cgroup-parent', `/${s.cgroupParent}`, IMAGE, 'sh']), [
      { expect: '#', send: 'tty; echo $((6 * 7))\r' },
      { expect: '42', send: 'exit 5\r' },
    ], env)
    t.equal(r.status, 5, r.output)
    t.match(r.output.replace(/\r/g, ''), /\/dev\/pts\/0\n42\n/)
  })

  t.test('--memory sets the cgroup limit', async (t) => {
    const r = run('--rm', '--memory', '64m', IMAGE, 'sh', '-c',
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max')
    t.equal(r.status, 0, r.stderr)
    t.equal(r.stdout.trim(), String(64 * 1024 * 1024))
  })

  t.test('pause and unpause, kill', async (t) => {
    runDetached(t, 'pauseme', 'sleep', '1000')
    let r = podman('pause', 'pauseme')
    t.equal(r.status, 0, `pause: ${r.stderr}`)
    t.equal(status('pauseme'), 'paused')
    r = podman('unpause', 'pauseme')
    t.equal(r.status, 0, `unpause: ${r.stderr}`)
    t.equal(status('pauseme'), 'running')
    r = podman('kill', 'pauseme')
    t.equal(r.status, 0, `kill: ${r.stderr}`)
    t.ok(await waitFor(() => status('pauseme') === 'exited'), 'the container exits')
    t.equal(podman('inspect', '--format', '{{.State.ExitCode}}', 'pauseme').stdout.trim(), '137', 'killed: 128 + SIGKILL')
    t.equal(podman('rm', 'pauseme').status, 0, 'rm')
  })

  t.test('--user and --read-only', async (t) => {
    let r = run('--rm', '--user', '1000:1000', IMAGE, 'sh', '-c', 'echo $(id -u) $(id -g)')
    t.equal(r.status, 0, r.stderr)
    t.equal(r.stdout, '1000 1000\n')
    r = run('--rm', '--read-only', IMAGE, 'touch', '/file')
    t.equal(r.status, 1)
    t.match(r.stderr, 'Read-only file system')
  })

  t.test('logs', async (t) => {
    runDetached(t, 'logme', 'sh', '-c', 'echo first line; echo second line >&2')
    t.ok(await waitFor(() => status('logme') === 'exited'), 'the container exits')
    const r = podman('logs', 'logme')
    t.equal(r.status, 0, r.stderr)
    t.equal(r.stdout + r.stderr, 'first line\nsecond line\n')
    t.equal(podman('rm', 'logme').status, 0, 'rm')
  })
}

/**
 * tsrun as a runtime podman logs in JSON for; the cgroupfs manager (no
 * systemd here); no network; no conmon cgroup (it would outlive the test);
 * k8s-file logs (no journald); ulimits the host can grant — podman's default
 * 1048576 open files needs CAP_SYS_RESOURCE above the hard limit, and runc
 * fails the same way.
 */
function containersConf(): string {
  const hardNofile = fs.readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+\d+\s+(\d+)/m)![1]
  return `[containers]
cgroups = "no-conmon"
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=${hardNofile}:${hardNofile}", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime_supports_json = ["tsrun"]
`
}

/**
 * Teardown: every container of this test's private storage removed; then no
 * container in tsrun's default root may have its bundle in this test's dir.
 */
function removeAll(s: ClientSandbox, podman: (...a: string[]) => Result): void {
  const r = podman('rm', '-a', '-f', '-t', '0')
  if (r.status !== 0) throw new Error(`podman rm -a -f: ${r.stderr}`)
  const ours = (id: string) => {
    try {
      return fs.readFileSync(path.join(DEFAULT_ROOT, id, 'state.json'), 'utf8').includes(s.dir)
    } catch {
      return false
    }
  }
  const left = fs.existsSync(DEFAULT_ROOT) ? fs.readdirSync(DEFAULT_ROOT).filter(ours) : []
  if (left.length > 0) throw new Error(`tsrun state left in ${DEFAULT_ROOT}: ${left.join(', ')}`)
}
