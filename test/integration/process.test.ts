// process.* as the container's process gets it: args and env exactly, the
// cwd (made when missing), user, groups, umask, the five capability sets
// and no_new_privs — both as tsrun-init leaves them while the container is
// "created" (read from the host: exactly the config's masks) and after the
// execve (the kernel's transformation, same as under runc) — no host fd
// leaking in, and /proc/PID/exe: tsrun-init's sealed memfd, never node,
// until start, then the container's binary.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { CLI, type Config, Sandbox, cliEnv, createOnPipes, defaultConfig, skipReason, statePid, results } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const CAP: Record<string, number> = {
  CAP_CHOWN: 0, CAP_KILL: 5, CAP_NET_BIND_SERVICE: 10, CAP_NET_RAW: 13, CAP_SYS_CHROOT: 18, CAP_AUDIT_WRITE: 29,
}

/** The mask /proc/PID/status prints for a set of capability names. */
function mask(names: string[]): string {
  return names.reduce((m, n) => m | (1n << BigInt(CAP[n])), 0n).toString(16).padStart(16, '0')
}

const STATUS_KEYS = ['Uid', 'Gid', 'Groups', 'Umask', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs']

/** The credential lines of a /proc/PID/status text, whitespace collapsed. */
function creds(status: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const l of status.split('\n')) {
    const [k, ...v] = l.split(':')
    if (STATUS_KEYS.includes(k)) out[k] = v.join(':').trim().split(/\s+/).join(' ')
  }
  return out
}

const PRINT_STATUS = `grep -E '^(${STATUS_KEYS.join('|')}):' /proc/self/status`

t.test('args and env reach the process exactly; a missing cwd is made', async (t) => {
  const s = new Sandbox(t, 'proc-args')
  const args = ['sh', '-c', 'tr "\\0" "\\n" < /proc/1/cmdline | sed "s/^/arg /"; tr "\\0" "\\n" < /proc/1/environ | sed "s/^/env /"; echo "res cwd $(pwd)"',
    'zero', 'two words', '', '*', 'quote"d']
  const env = ['PATH=/bin:/usr/bin', 'HOME=/home/nobody', 'EMPTY=', 'SPACED=a b', 'EQ=x=y', 'DUP=first', 'LAST=1', 'DUP=second']
  s.config((c) => {
    c.process.args = args
    c.process.env = env
    // Missing from the image, under a read-only root: made before / turns read-only, as runc does.
    c.process.cwd = '/tsrun/work dir'
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const lines = (p: string): string[] => r.stdout.split('\n').filter((l) => l.startsWith(p)).map((l) => l.slice(p.length))
  // The script itself spans no newline, so one line per argument.
  t.same(lines('arg '), args, 'argv exactly as process.args')
  t.same(lines('env '), ['PATH=/bin:/usr/bin', 'HOME=/home/nobody', 'EMPTY=', 'SPACED=a b', 'EQ=x=y', 'DUP=second', 'LAST=1'],
    'environ exactly as process.env; a repeated name keeps its first place and its last value (runc)')
  t.equal(results(r).get('cwd'), '/tsrun/work dir', 'cwd')
  t.ok(fs.statSync(path.join(s.bundle, 'rootfs', 'tsrun', 'work dir')).isDirectory(), 'the missing cwd was made in the rootfs')
})

t.test('HOME comes from the container\'s /etc/passwd when process.env has none, as runc does',
  async (t) => {
    const s = new Sandbox(t, 'proc-home')
    // "; true" keeps sh from exec'ing tr, so pid 1 is still the process tsrun-init started.
    s.config((c) => { c.process.args = ['sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ; true'] })
    const r = s.run(s.id())
    t.equal(r.status, 0, r.stderr)
    t.same(r.stdout.split('\n').filter(Boolean), [...defaultConfig().process.env, 'HOME=/root'], 'runc appends HOME=/root for uid 0')
  })

t.test('an env entry that is not NAME=value fails create, as with runc', async (t) => {
  const s = new Sandbox(t, 'proc-badenv')
  s.config((c) => { c.process.env = ['PATH=/bin', 'NOEQUALS'] })
  const r = s.run(s.id())
  t.not(r.status, 0, 'create fails')
  t.match(r.stderr, /invalid environment variable: "NOEQUALS"/, r.stderr.trim())
})

interface CredCase {
  name: string
  user: Config
  noNewPrivileges: boolean
  caps: Record<'bounding' | 'permitted' | 'effective' | 'inheritable' | 'ambient', string[]>
  /** what the init leaves (created); then what the kernel makes of it at execve */
  created: Record<string, string>
  running: Record<string, string>
}

const NON_ROOT: CredCase = {
  name: 'uid 1000 with ambient caps',
  user: { uid: 1000, gid: 1001, additionalGids: [10, 2000], umask: 0o027 },
  noNewPrivileges: true,
  caps: {
    bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_AUDIT_WRITE'],
    permitted: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT'],
    effective: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    inheritable: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
    // SYS_CHROOT is not inheritable, so it can't be ambient: skipped, as runc does.
    ambient: ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT'],
  },
  created: {
    Uid: '1000 1000 1000 1000', Gid: '1001 1001 1001 1001', Groups: '10 2000', Umask: '0027', NoNewPrivs: '1',
    CapBnd: mask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_AUDIT_WRITE']),
    CapPrm: mask(['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT']),
    CapEff: mask(['CAP_KILL', 'CAP_NET_BIND_SERVICE']),
    CapInh: mask(['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW']),
    CapAmb: mask(['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW']),
  },
  running: {
    Uid: '1000 1000 1000 1000', Gid: '1001 1001 1001 1001', Groups: '10 2000', Umask: '0027', NoNewPrivs: '1',
    CapBnd: mask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_AUDIT_WRITE']),
    // A non-root execve of a file without capabilities keeps only the ambient set.
    CapPrm: mask(['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW']),
    CapEff: mask(['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW']),
    CapInh: mask(['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW']),
    CapAmb: mask(['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW']),
  },
}

const ROOT: CredCase = {
  name: 'root without no_new_privs',
  user: { uid: 0, gid: 0 },
  noNewPrivileges: false,
  caps: {
    bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE'],
    permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    effective: ['CAP_KILL'],
    inheritable: ['CAP_NET_BIND_SERVICE'],
    ambient: ['CAP_NET_BIND_SERVICE'],
  },
  created: {
    Uid: '0 0 0 0', Gid: '0 0 0 0', Groups: '', Umask: '0022', NoNewPrivs: '0',
    CapBnd: mask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE']),
    CapPrm: mask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']),
    CapEff: mask(['CAP_KILL']),
    CapInh: mask(['CAP_NET_BIND_SERVICE']),
    CapAmb: mask(['CAP_NET_BIND_SERVICE']),
  },
  running: {
    Uid: '0 0 0 0', Gid: '0 0 0 0', Groups: '', Umask: '0022', NoNewPrivs: '0',
    CapBnd: mask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE']),
    // Root's execve: permitted = inheritable | bounding, all effective.
    CapPrm: mask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE']),
    CapEff: mask(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE']),
    CapInh: mask(['CAP_NET_BIND_SERVICE']),
    CapAmb: mask(['CAP_NET_BIND_SERVICE']),
  },
}

t.test('user, groups, umask, capability sets and no_new_privs, before and after execve', async (t) => {
  const s = new Sandbox(t, 'proc-creds')
  for (const k of [NON_ROOT, ROOT]) {
    s.config((c) => {
      c.process.user = k.user
      c.process.capabilities = k.caps
      c.process.noNewPrivileges = k.noNewPrivileges
      c.process.args = ['sh', '-c', PRINT_STATUS]
    })
    const id = s.id(k.user.uid === 0 ? '-root' : '-user')
    const c = await createOnPipes(s, id)
    t.equal(c.status, 0, c.stderr)
    const pid = statePid(s, id)
    t.same(creds(fs.readFileSync(`/proc/${pid}/status`, 'utf8')), k.created, `${k.name}: created, the init holds exactly the config's sets`)
    t.equal(s.tsrun(['start', id]).status, 0, 'start')
    const r = await c.running.done
    t.same(creds(r.stdout), k.running, `${k.name}: after execve, as the kernel (and runc) make them`)
  }
})

t.test('no fd of tsrun\'s reaches the container unless --preserve-fds says so', async (t) => {
  const s = new Sandbox(t, 'proc-fds')
  const file = path.join(s.dir, 'extra')
  fs.writeFileSync(file, 'preserved\n')
  // sh is pid 1 and holds only what it was given: ls (its child) lists them,
  // with no pipe of a $(...) around.
  s.config((c) => { c.process.args = ['sh', '-c', 'ls /proc/1/fd; cat /proc/1/fd/3 2>/dev/null; true'] })
  for (const preserve of [0, 1]) {
    // fd 3 of tsrun: a file it was started with and holds open as it runs.
    const fd = fs.openSync(file, 'r')
    const r = spawnSync(CLI, ['--root', s.root, 'run', '-b', s.bundle, ...(preserve ? ['--preserve-fds', '1'] : []), s.id(`-${preserve}`)],
      { encoding: 'utf8', env: cliEnv(), timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe', fd] })
    fs.closeSync(fd)
    t.equal(r.status, 0, r.stderr)
    const out = r.stdout.split('\n').filter(Boolean)
    if (preserve) t.same(out, ['0', '1', '2', '3', 'preserved'], '--preserve-fds 1: fd 3 stays, and is tsrun\'s file')
    else t.same(out, ['0', '1', '2'], 'only stdio in the container')
  }
})

t.test('/proc/PID/exe is the sealed tsrun-init until start, then the container\'s binary', async (t) => {
  const s = new Sandbox(t, 'proc-exe')
  s.config((c) => { c.process.args = ['sh', '-c', 'readlink /proc/1/exe; ls /proc/1/fd; true'] })
  const id = s.id()
  const c = await createOnPipes(s, id)
  t.equal(c.status, 0, c.stderr)
  const pid = statePid(s, id)
  const exe = fs.readlinkSync(`/proc/${pid}/exe`)
  t.equal(exe, '/memfd:tsrun-init (deleted)', 'created: a memfd, never node nor a host file')
  t.equal(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'tsrun:[INIT]', 'created: named tsrun:[INIT]')
  // Waiting for start: stdio plus only the exec fifo (an O_PATH fd).
  const fds = fs.readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b)
  const extra = fds.filter((f) => f > 2).map((f) => fs.readlinkSync(`/proc/${pid}/fd/${f}`))
  t.same(extra, [path.join(s.root, id, 'exec.fifo')], `created: fds ${fds.join(',')} are stdio and the exec fifo`)
  t.equal(s.tsrun(['start', id]).status, 0, 'start')
  const r = await c.running.done
  t.same(r.stdout.split('\n').filter(Boolean), ['/bin/busybox', '0', '1', '2'],
    'running: /proc/1/exe is the image\'s busybox; the fifo fd is gone too')
})
