// exec: a new process in a running container, in the shapes containerd's
// shim (go-runc: exec --process F --detach --pid-file P) and people use it.
// What the exec'd process sees is compared with what the container's init
// has, read from the host: every namespace, the cgroup, the root; its
// credentials, capabilities, no_new_privs and seccomp as the config (or the
// process.json) says; no fd of the runtime; and tsrun's exit code is its.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Result, Sandbox, cliArgv, cliEnv, results, skipReason, statePid, waitFor, TRAP_TERM, expectTermForwarded } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts']

/** A running container whose init sleeps; its id and its init's host pid. */
function running(s: Sandbox, edit: (c: Record<string, any>) => void = () => {}): { id: string; pid: number } {
  s.config((c) => {
    c.process.args = ['sleep', '1000']
    edit(c)
  })
  const id = s.id()
  const r = s.tsrunDetached(['run', '-d', '-b', s.bundle, id], 'run')
  if (r.status !== 0) throw new Error(`run -d: ${r.stderr}`)
  return { id, pid: statePid(s, id) }
}

function exec(s: Sandbox, id: string, args: string[], flags: string[] = []): Result {
  return s.tsrun(['exec', ...flags, id, ...args])
}

/** Each namespace of the host process `pid`, as "type:[inode]". */
function hostNs(pid: number | 'self'): Record<string, string> {
  return Object.fromEntries(NS.map((n) => [n, fs.readlinkSync(`/proc/${pid}/ns/${n}`)]))
}

const SEE = [
  ...NS.map((n) => `echo "res ns-${n} $(readlink /proc/self/ns/${n})"`),
  'echo "res cgroup $(cat /proc/self/cgroup | tr "\\n" " ")"',
  'echo "res cgroup-init $(cat /proc/1/cgroup | tr "\\n" " ")"',
  'echo "res ids $(id -u) $(id -g) $(id -G)"',
  'grep -E "^(CapBnd|CapEff|CapPrm|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\\t" | sed "s/^/res /; s/:/ /"',
  'echo "res cwd $(pwd)"',
  'echo "res env $FOO"',
  'echo "res fds $(ls /proc/self/fd | tr "\\n" " ")"',
  'echo "res exe $(readlink /proc/self/exe)"',
  'echo "res ppid $PPID"',
  'exit 7',
].join('; ')

t.test('foreground exec: every namespace, the cgroup and the root of the container; its exit code', async (t) => {
  const s = new Sandbox(t, 'exec-fg')
  const { id, pid } = running(s)
  const r = exec(s, id, ['sh', '-c', SEE], ['-e', 'FOO=bar'])
  t.equal(r.status, 7, `the process's exit code is tsrun's: ${r.stderr}`)
  const res = results(r)
  const init = hostNs(pid)
  const self = hostNs('self')
  for (const n of NS) t.equal(res.get(`ns-${n}`), init[n], `${n} namespace: the container's`)
  t.not(init.pid, self.pid, 'the container has a pid namespace of its own (the test means something)')
  t.equal(res.get('cgroup'), res.get('cgroup-init'), "the container's cgroup")
  t.match(res.get('cgroup'), /^(\d+:[^:]*:\/ )+$/, 'seen through the container\'s cgroup namespace: its root')
  t.equal(res.get('ids'), '0 0 0', 'root, as the config says')
  t.equal(res.get('CapBnd'), '0000000020000420', "the config's capabilities (AUDIT_WRITE, KILL, NET_BIND_SERVICE)")
  t.equal(res.get('CapEff'), '0000000020000420')
  t.equal(res.get('NoNewPrivs'), '1', "the config's noNewPrivileges")
  t.equal(res.get('Seccomp'), '0', 'no profile, no filter')
  t.equal(res.get('cwd'), '/')
  t.equal(res.get('env'), 'bar', '-e adds to the config\'s env')
  t.equal(res.get('fds'), '0 1 2 3 ', 'stdio only (3 is ls\'s own directory fd)')
  t.equal(res.get('exe'), '/bin/busybox', '/proc/self/exe is the container\'s binary')
  t.equal(res.get('ppid'), '0', 'its parent is outside the container\'s pid namespace')
})

t.test('foreground exec: signals to tsrun reach the process, which may handle them', async (t) => {
  const s = new Sandbox(t, 'exec-sig')
  const { id } = running(s)
  // Short sleeps, not one long one in the background: a child left behind would hold our stdout open.
  const a = s.spawnTsrun(['exec', id, 'sh', '-c', `${TRAP_TERM}while :; do sleep 0.1; done`])
  await expectTermForwarded(t, a, 'the exec\'d process')
})

t.test('exec --process F --detach --pid-file P, as containerd\'s shim calls it', async (t) => {
  const s = new Sandbox(t, 'exec-detach')
  const { id } = running(s)
  const proc = {
    args: ['sh', '-c', 'echo "$(id -u):$(id -g) $A $(pwd)" > /dev/shm/out; exec sleep 1000'],
    cwd: '/tmp', user: { uid: 1000, gid: 1001, additionalGids: [5] }, env: ['A=from-process-json', 'PATH=/bin'],
    capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
    noNewPrivileges: false,
  }
  const file = path.join(s.dir, 'process.json')
  fs.writeFileSync(file, JSON.stringify(proc))
  const pidFile = path.join(s.dir, 'exec.pid')
  const r = s.tsrunDetached(['exec', '--process', file, '--detach', '--pid-file', pidFile, id], 'exec')
  t.equal(r.status, 0, r.stderr)
  const text = fs.readFileSync(pidFile, 'utf8')
  t.match(text, /^\d+$/, 'the bare pid, no newline')
  const pid = Number(text)
  t.ok(await waitFor(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep')), 'the process runs on after tsrun returned')
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  t.match(status, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m, 'the process.json user')
  t.match(status, /^Gid:\s+1001\s+1001\s+1001\s+1001$/m)
  t.match(status, /^Groups:\s+5\s*$/m, 'its additional gids')
  t.match(status, /^CapBnd:\s+0000000000000020$/m, "the process.json's capabilities, not the config's")
  t.match(status, /^NoNewPrivs:\s+0$/m, "the process.json's noNewPrivileges")
  t.match(status, /^NSpid:\s+\d+\s+\d+$/m, 'it has a pid in the container\'s pid namespace too')
  const out = fs.readFileSync(path.join(`/proc/${pid}/root`, 'dev', 'shm', 'out'), 'utf8')
  t.equal(out, '1000:1001 from-process-json /tmp\n', "ids, env and cwd as the process.json says, and it only has the process.json's env")
  const init = statePid(s, id)
  t.equal(fs.readlinkSync(`/proc/${pid}/ns/mnt`), fs.readlinkSync(`/proc/${init}/ns/mnt`), "the container's mount namespace")
  t.equal(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'), fs.readFileSync(`/proc/${init}/cgroup`, 'utf8'), "the container's cgroup, seen from the host")
  // It belongs to the container: kill --all reaches it, delete -f ends it.
  t.equal(s.tsrun(['kill', '--all', id, '9']).status, 0)
  t.ok(await waitFor(() => !fs.existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))),
    'kill --all ends the exec\'d process with the rest')
})

t.test("the container's seccomp profile and rlimits reach the exec'd process", async (t) => {
  const s = new Sandbox(t, 'exec-seccomp')
  const { id } = running(s, (c) => {
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }
    c.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 512, soft: 256 }]
  })
  const r = exec(s, id, ['sh', '-c', 'grep ^Seccomp: /proc/self/status; mkdir /dev/shm/d && echo made; ulimit -n; ulimit -Hn'])
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^Seccomp:\s+2$/m, 'a filter is installed')
  t.notMatch(r.stdout, /made/, 'mkdir is refused by the profile')
  t.match(r.stdout, /^256\n512\n$/m, "the config's RLIMIT_NOFILE")
})

t.test('what exec refuses: exit 255, "exec failed: ...", nothing left behind', async (t) => {
  const s = new Sandbox(t, 'exec-fail')
  const { id } = running(s)
  const cases: [string, string[], string[], RegExp][] = [
    ['a missing binary', ['nonexistent'], [], /^tsrun: exec failed: exec: "nonexistent": executable file not found in \$PATH\n$/],
    ['a missing cwd', ['true'], ['--cwd', '/nonexistent'], /^tsrun: exec failed: chdir \/nonexistent: no such file or directory\n$/],
    ['no command', [], [], /^tsrun: exec failed: process args cannot be empty\n$/],
    ['a bad uid', ['true'], ['-u', 'x'], /^tsrun: exec failed: bad uid: "x" is not a number\n$/],
    ['a bad gid', ['true'], ['-u', '0:'], /^tsrun: exec failed: bad gid: "" is not a number\n$/],
    ['a negative additional gid', ['true'], ['-g', '-1'], /^tsrun: exec failed: additional-gids must be a positive number -1\n$/],
    ['an unknown capability', ['true'], ['--cap', 'CAP_NOPE'], /^tsrun: exec failed: .*unknown capability "CAP_NOPE"\n$/],
    ['two cgroups without a controller', ['true'], ['--cgroup', 'a', '--cgroup', 'b'], /invalid --cgroup argument: a \(missing <controller>: prefix\)/],
    ['a missing sub-cgroup', ['true'], ['--cgroup', 'nonexistent'], /^tsrun: exec failed: open .*\/nonexistent\/tasks: ENOENT/],
    ['a tty detached without a console socket', ['true'], ['-t', '-d'], /cannot allocate tty if tsrun will detach without setting console socket/],
    ['a console socket without a tty', ['true'], ['-d', '--console-socket', '/nonexistent.sock'], /cannot use console socket if tsrun will not detach or allocate tty/],
  ]
  for (const [what, args, flags, message] of cases) {
    const r = exec(s, id, args, flags)
    t.equal(r.status, 255, `${what}: exit 255`)
    t.match(r.stderr, message, `${what}: ${r.stderr}`)
  }
  const nf = exec(s, 'tsrun-no-such-container', ['true'])
  t.equal(nf.status, 255)
  t.equal(nf.stderr, 'tsrun: exec failed: container does not exist\n')
  const bad = path.join(s.dir, 'bad.json')
  fs.writeFileSync(bad, JSON.stringify({ args: ['true'], cwd: 'relative', user: { uid: 0, gid: 0 } }))
  const pf = exec(s, id, [], ['--process', bad])
  t.equal(pf.status, 255)
  t.match(pf.stderr, /^tsrun: exec failed: .*bad\.json.*\/cwd: Cwd must be an absolute path\n$/, pf.stderr)

  t.equal(s.tsrun(['kill', id, 'KILL']).status, 0)
  t.ok(await waitFor(() => JSON.parse(s.tsrun(['state', id]).stdout).status === 'stopped'))
  const stopped = exec(s, id, ['true'])
  t.equal(stopped.status, 255)
  t.equal(stopped.stderr, 'tsrun: exec failed: cannot exec in a stopped container\n')
})

t.test('a paused container refuses exec unless --ignore-paused', async (t) => {
  const s = new Sandbox(t, 'exec-paused')
  const { id } = running(s)
  t.equal(s.tsrun(['pause', id]).status, 0)
  const r = exec(s, id, ['true'])
  t.equal(r.status, 255)
  t.equal(r.stderr, 'tsrun: exec failed: cannot exec in a paused container (use --ignore-paused to override)\n')
  t.equal(s.tsrun(['resume', id]).status, 0)
  t.equal(exec(s, id, ['true']).status, 0, 'resumed: exec works')
})

t.test('no runtime fd reaches the process; --cwd through /proc/self/fd is refused (CVE-2024-21626)', async (t) => {
  const s = new Sandbox(t, 'exec-fds')
  const { id } = running(s)
  // A host directory at fd 3, handed over with --preserve-fds 1: the
  // process may use it, but may not start with its cwd there.
  const dir = fs.openSync(s.dir, 'r')
  try {
    const withFd3 = (args: string[]): Result => {
      const r = spawnSync(...cliArgv(['--root', s.root, 'exec', '--preserve-fds', '1', ...args]),
        { stdio: ['ignore', 'pipe', 'pipe', dir], env: cliEnv(), encoding: 'utf8', timeout: 60_000 })
      return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
    }
    const see = withFd3([id, 'sh', '-c', 'ls /proc/self/fd | tr "\\n" " "'])
    t.equal(see.status, 0, see.stderr)
    t.equal(see.stdout, '0 1 2 3 4 ', 'stdio, the preserved fd 3 and ls\'s own 4: nothing of tsrun\'s')
    const r = withFd3(['--cwd', '/proc/self/fd/3', id, 'sh', '-c', 'ls /; pwd'])
    t.equal(r.status, 255, `--cwd /proc/self/fd/3 is refused: ${r.stdout}`)
    t.match(r.stderr, /^tsrun: exec failed: chdir \/proc\/self\/fd\/3 is outside the container root: no such file or directory\n$/)
    const up = withFd3(['--cwd', '/proc/self/cwd/../../..', id, 'pwd'])
    t.equal(up.stdout, '/\n', 'climbing out of /proc/self/cwd ends at the container\'s root')
    for (let fd = 3; fd < 8; fd++) {
      const r = exec(s, id, ['sh', '-c', 'cd /proc/self/fd/' + fd + ' 2>/dev/null && pwd'], ['--cwd', '/'])
      t.notMatch(r.stdout, new RegExp(s.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `fd ${fd} leads nowhere outside`)
    }
  } finally {
    fs.closeSync(dir)
  }
})

t.test('a container with a user namespace: exec joins it first, as root of the container', async (t) => {
  const s = new Sandbox(t, 'exec-userns')
  fs.chmodSync(s.dir, 0o755)  // the container's root (uid 200000) must reach its rootfs
  const { id, pid } = running(s, (c) => {
    c.linux.namespaces.push({ type: 'user' })
    c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }]
    c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }]
  })
  const r = exec(s, id, ['sh', '-c', 'echo "res user $(readlink /proc/self/ns/user)"; echo "res ids $(id -u) $(id -g)"; ' +
    'echo "res map $(cat /proc/self/uid_map | tr -s " ")"; grep ^CapEff: /proc/self/status | tr -d "\\t" | sed "s/^/res /; s/:/ /"'])
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('user'), fs.readlinkSync(`/proc/${pid}/ns/user`), "the container's user namespace")
  t.equal(res.get('ids'), '0 0', 'root in it')
  t.equal(res.get('map'), ' 0 200000 65536', 'mapped to the host ids the config names')
  t.equal(res.get('CapEff'), '0000000020000420', "the config's capabilities, in the container's user namespace")
  const u = exec(s, id, ['id', '-u'], ['-u', '1000'])
  t.equal(u.stdout, '1000\n', u.stderr)
})

const noV1Pids = fs.existsSync('/sys/fs/cgroup/pids') ? false : 'no v1 pids hierarchy on this host'

t.test('--cgroup: into an existing sub-cgroup of the container, per controller', { skip: noV1Pids }, async (t) => {
  const s = new Sandbox(t, 'exec-subcg')
  const { id, pid } = running(s)
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1] === 'pids')!
  const dir = path.join('/sys/fs/cgroup/pids', line.split(':')[2], 'sub')
  fs.mkdirSync(dir)
  const r = exec(s, id, ['sh', '-c', 'grep -E ":(pids|memory):" /proc/self/cgroup | sort'], ['--cgroup', 'pids:sub'])
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^\d+:memory:\/\n\d+:pids:\/sub\n$/, 'pids in the sub-cgroup, memory in the container\'s own')
  const escape = exec(s, id, ['cat', '/proc/self/cgroup'], ['--cgroup', 'pids:../../..'])
  t.match(escape.stdout, /:pids:\/\n/, '".." never climbs out of the container\'s cgroup')
})

t.test('exec in a created container, before start', async (t) => {
  const s = new Sandbox(t, 'exec-created')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const id = s.id()
  t.equal(s.tsrunDetached(['create', '-b', s.bundle, id], 'create').status, 0)
  const r = exec(s, id, ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'])
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^tsrun:\[INIT\]|^\/?\S*tsrun-init/, 'pid 1 is still the init waiting for start')
  t.equal(JSON.parse(s.tsrun(['state', id]).stdout).status, 'created', 'and the container is still created')
})
