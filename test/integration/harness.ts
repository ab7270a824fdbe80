// Shared by the integration tests: a real bundle (a private copy of the
// busybox rootfs), the real CLI, a private --root, and a teardown that
// removes every container, cgroup, mount and file the test made — and then
// checks that nothing is left, so a leak fails the test that caused it.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions, type SpawnSyncOptions } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Test } from 'tap'

export const REPO = path.resolve(__dirname, '..', '..')
/**
 * The engine the CLI runs on, from TSRUN_ENGINE: `node` (default, dist/tsrun.js)
 * or `bun` (dist/tsrun, the compiled executable). .ci/run runs the suite once each.
 */
export const ENGINE = engine(process.env.TSRUN_ENGINE ?? 'node')
export const CLI = path.join(REPO, 'dist', ENGINE === 'bun' ? 'tsrun' : 'tsrun.js')

function engine(name: string): 'node' | 'bun' {
  if (name !== 'node' && name !== 'bun') throw new Error(`TSRUN_ENGINE=${name}: must be node or bun`)
  return name
}
export const ROOTFS = path.join(REPO, 'bundles', 'busybox', 'rootfs')

/** Why a test can't run here, or null when it can. */
export function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'integration tests create real containers and need root'
  if (!fs.existsSync(CLI)) return `${CLI} missing: run npm run build`
  if (!fs.existsSync(path.join(ROOTFS, 'bin', 'busybox'))) return 'busybox rootfs missing: run npm run setup'
  return null
}

export interface Result { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** A CLI call started by spawnTsrun; `output()` is its stdout so far. */
export interface Running { child: ChildProcess; done: Promise<Result>; output: () => string }

/**
 * What a thread of process `pid` is blocked on in poll(2) (x86_64 syscall 7, read from
 * /proc/PID/task/TID/syscall): each pollfd's /proc fd link ('' for -1) and the timeout in ms;
 * null when no thread is in poll. The pollfd array is read from /proc/PID/mem (we are root).
 */
export function blockedInPoll(pid: number): { fds: string[]; timeoutMs: number } | null {
  let tids: string[]
  try { tids = fs.readdirSync(`/proc/${pid}/task`) } catch { return null }
  for (const tid of tids) {
    let f: string[]
    try { f = fs.readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8').trim().split(' ') } catch { continue }
    if (f[0] !== '7') continue
    const [ptr, nfds, timeout] = f.slice(1, 4).map((x) => BigInt(x))
    const buf = Buffer.alloc(8 * Number(nfds))
    try {
      const mem = fs.openSync(`/proc/${pid}/mem`, 'r')
      try { fs.readSync(mem, buf, 0, buf.length, Number(ptr)) } finally { fs.closeSync(mem) }
    } catch {
      continue // the thread left poll (or the process ended) meanwhile
    }
    const link = (fd: number): string => { try { return fd < 0 ? '' : fs.readlinkSync(`/proc/${pid}/fd/${fd}`) } catch { return '?' } }
    const fds = Array.from({ length: Number(nfds) }, (_, i) => link(buf.readInt32LE(8 * i)))
    return { fds, timeoutMs: Number(BigInt.asIntN(32, timeout)) }
  }
  return null
}

/** Fails the test instead of hanging when `p` does not settle in time. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no exit after ${ms} ms`)), ms) })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** A shell script that prints "ready", then on TERM prints "got-TERM" and exits 3. */
export const TRAP_TERM = 'trap "echo got-TERM; exit 3" TERM; echo ready; '

/**
 * Sends TERM to a foreground tsrun whose process runs TRAP_TERM once it is
 * ready, and checks tsrun passed it on: its exit is the trap's, not the TERM's.
 */
export async function expectTermForwarded(t: Test, a: Running, what: string): Promise<Result> {
  t.ok(await waitFor(() => a.output().includes('ready')), `${what}: up with its trap set`)
  a.child.kill('SIGTERM')
  const r = await within(a.done, 10_000, `${what} after SIGTERM`)
  t.equal(r.signal, null, 'tsrun was not killed by the TERM: it forwarded it')
  t.equal(r.status, 3, 'tsrun exits with the status the trap exited with')
  t.equal(r.stdout, 'ready\ngot-TERM\n', `${what} got TERM`)
  return r
}

/** Polls `cond` every 20 ms until it returns true; false after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (cond()) return true
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 20))
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Config = Record<string, any>

export class Sandbox {
  readonly dir: string
  readonly root: string
  readonly bundle: string
  private readonly ids = new Set<string>()
  private calls = 0
  /** A command every CLI call runs under, e.g. nsenter into a test's mount namespace. */
  prefix: string[] = []

  constructor(t: Test, name: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsrun-it-${name}-`))
    this.root = path.join(this.dir, 'state')
    this.bundle = path.join(this.dir, 'bundle')
    fs.mkdirSync(this.bundle)
    spawnSync('cp', ['-a', ROOTFS, path.join(this.bundle, 'rootfs')], { stdio: 'inherit' })
    t.teardown(() => this.cleanup())
  }

  /** A unique container id for this test (contains "tsrun" so leftovers are easy to spot). */
  id(suffix = ''): string {
    const id = `tsrun-${path.basename(this.dir).replace(/^tsrun-it-/, '')}${suffix}`
    this.ids.add(id)
    return id
  }

  /** Writes config.json: `runc spec`-like defaults, then `edit` changes them. */
  config(edit: (c: Config) => void = () => {}): Config {
    const c = defaultConfig()
    edit(c)
    fs.writeFileSync(path.join(this.bundle, 'config.json'), JSON.stringify(c, null, 2))
    return c
  }

  /**
   * Runs the CLI with this sandbox's --root. Output goes through files, not
   * pipes: a created container keeps tsrun's stdout/stderr open, and
   * spawnSync would wait for the pipes to close until the container exits.
   */
  tsrun(args: string[], opts: SpawnSyncOptions = {}): Result {
    const out = path.join(this.dir, `.out-${process.pid}-${this.calls}`)
    const err = path.join(this.dir, `.err-${this.calls++}`)
    const fds = [fs.openSync(out, 'w+'), fs.openSync(err, 'w+')]
    try {
      const r = spawnSync(...cliArgv(['--root', this.root, ...args], this.prefix), {
        timeout: 60_000, env: cliEnv(), stdio: [opts.input === undefined ? 'ignore' : 'pipe', fds[0], fds[1]], ...opts,
      })
      return { status: r.status, signal: r.signal, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') }
    } finally {
      fds.forEach((fd) => fs.closeSync(fd))
      fs.rmSync(out, { force: true })
      fs.rmSync(err, { force: true })
    }
  }

  /** `run` in the foreground with the bundle; the container's output comes back. */
  run(id: string, extra: string[] = []): Result {
    return this.tsrun(['run', '-b', this.bundle, ...extra, id])
  }

  /**
   * Runs the CLI with stdin from /dev/null and stdout/stderr on files in the
   * sandbox (<dir>/<name>.out, .err). For create and run -d: the container
   * keeps tsrun's stdio, so with pipes spawnSync would wait until the
   * container exits. The result holds the files' text when the call returned;
   * read `outFile` again later for what the container wrote after.
   */
  tsrunDetached(args: string[], name: string): Result & { outFile: string; errFile: string } {
    const outFile = path.join(this.dir, `${name}.out`)
    const errFile = path.join(this.dir, `${name}.err`)
    const out = fs.openSync(outFile, 'w')
    const err = fs.openSync(errFile, 'w')
    try {
      const r = this.tsrun(args, { stdio: ['ignore', out, err] })
      return { ...r, stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8'), outFile, errFile }
    } finally {
      fs.closeSync(out)
      fs.closeSync(err)
    }
  }

  /**
   * Starts the CLI with this sandbox's --root and does not wait: for `run` in
   * the foreground, signals sent to tsrun, races. `done` settles on exit.
   */
  spawnTsrun(args: string[], opts: SpawnOptions = {}): Running {
    const child = spawn(...cliArgv(['--root', this.root, ...args], this.prefix), { env: cliEnv(), ...opts })
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const done = new Promise<Result>((resolve) => {
      child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }))
    })
    return { child, done, output: () => stdout }
  }

  private cleanup(): void {
    for (const id of this.ids) this.tsrun(['delete', '-f', id])
    const left = leftovers(this)
    for (const m of mountsUnder(this.dir).reverse()) spawnSync('umount', ['-l', m])
    fs.rmSync(this.dir, { recursive: true, force: true })
    // Teardown runs after the test has ended, where an assertion is itself
    // an error ("assertion after end"); a throw fails the test with the list.
    if (left.length > 0) throw new Error(`host not left clean: ${left.join('; ')}`)
  }
}

/**
 * The environment tsrun runs with: tap's NODE_OPTIONS (its process-info
 * loader) would slow every call and leak tap's variables into hooks.
 */
export function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  return env
}

/**
 * The command that runs the CLI with `args`: through env -u NODE_OPTIONS,
 * since tap's process-info wraps child_process and puts its loader back into
 * whatever env we pass (each call then took ~160 ms instead of ~40). env
 * execs (and so does a `prefix` like nsenter), so the child's pid is tsrun's.
 */
export function cliArgv(args: string[], prefix: string[] = []): [string, string[]] {
  const argv = [...prefix, '/usr/bin/env', '-u', 'NODE_OPTIONS', CLI, ...args]
  return [argv[0], argv.slice(1)]
}

function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m) => m !== undefined && (m === dir || m.startsWith(dir + '/')))
}

/** What the sandbox's containers may have left on the host. */
export function leftovers(s: Sandbox): string[] {
  const out: string[] = []
  if (fs.existsSync(s.root) && fs.readdirSync(s.root).length > 0) out.push(`state: ${fs.readdirSync(s.root).join(',')}`)
  return [...out, ...hostLeftovers(path.basename(s.dir).replace(/^tsrun-it-/, ''), s.dir)]
}

/**
 * Mounts under `dir`, and cgroups and processes whose name, command line or
 * cgroup path contains `tag`: what a test's containers may have left.
 */
export function hostLeftovers(tag: string, dir: string): string[] {
  const out: string[] = []
  for (const m of mountsUnder(dir)) out.push(`mount: ${m}`)
  for (const hier of fs.readdirSync('/sys/fs/cgroup')) {
    const base = path.join('/sys/fs/cgroup', hier)
    const found = spawnSync('find', [base, '-maxdepth', '4', '-type', 'd', '-name', `*${tag}*`], { encoding: 'utf8' }).stdout
    for (const d of found.split('\n').filter(Boolean)) out.push(`cgroup: ${d}`)
  }
  const procs = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout
  for (const line of procs.split('\n')) if (line.includes(tag) && !line.includes('ps -eo')) out.push(`process: ${line.trim()}`)
  // A container process's command line need not name the sandbox; its cgroup
  // does (the id is in the path). Zombies are left out: a killed init is
  // reparented to the host's pid 1, which reaps it in its own time.
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cgroup = ''
    let stat = ''
    try {
      cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch { continue }
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    if (cgroup.includes(tag) && state !== 'Z' && state !== 'X' && !out.some((o) => o.startsWith(`process: ${pid} `))) {
      out.push(`process ${pid} in a container cgroup: ${stat.slice(0, 80)}`)
    }
  }
  return out
}

/**
 * Runs `args` (a create or run of `id`) expecting failure: non-zero, exactly
 * one `tsrun: ` line on stderr, no state dir for the id, nothing else left.
 * Returns the line.
 */
export function fails(t: Test, s: Sandbox, id: string, args: string[]): string {
  const r = s.tsrun(args)
  t.not(r.status, 0, 'exits non-zero')
  t.equal(r.signal, null, 'exits by itself')
  const lines = r.stderr.trim().split('\n')
  // A rollback step that failed would add `level=warning msg="rollback: ..."` lines.
  t.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(r.stderr)}`)
  t.match(lines[0], /^tsrun: \S/)
  t.notOk(fs.existsSync(path.join(s.root, id)), 'no state dir for the id')
  t.same(leftovers(s), [], 'no state, cgroup, mount or process left')
  return lines[0]
}

/** The container's "res <name> <value>" lines: how the tests' scripts report what they saw. */
export function results(r: Result): Map<string, string> {
  const out = new Map<string, string>()
  for (const l of r.stdout.split('\n')) {
    const m = /^res (\S+) ?(.*)$/.exec(l)
    if (m) out.set(m[1], m[2])
  }
  return out
}

/** The defaults `runc spec` writes, with a short-lived process. */
export function defaultConfig(): Config {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['sh', '-c', 'true'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: Object.fromEntries(['bounding', 'effective', 'permitted', 'ambient'].map((k) => [k, ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']])),
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  }
}

/** One line of /proc/<pid>/mountinfo (proc(5)). */
export interface MountInfo {
  root: string
  mountPoint: string
  /** per-mount options: rw/ro, nosuid, nodev, noexec, relatime, ... */
  options: string[]
  /** propagation: "shared:N", "master:N", "propagate_from:N", "unbindable" */
  optional: string[]
  fstype: string
  source: string
  superOptions: string[]
}

/** Parses mountinfo text (the kernel escapes spaces in paths as \040). */
export function parseMountinfo(text: string): MountInfo[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  return text.split('\n').filter((l) => l.includes(' - ')).map((line) => {
    const [left, right] = line.split(' - ')
    const f = left.split(' ')
    const [fstype, source, superOptions] = right.split(' ')
    return {
      root: unescape(f[3]), mountPoint: unescape(f[4]), options: f[5].split(','), optional: f.slice(6),
      fstype, source: unescape(source), superOptions: (superOptions ?? '').split(','),
    }
  })
}

/**
 * `create` with the container's stdio on pipes to this test: a created
 * container holds them, so this resolves when the create command has exited
 * (status and stderr then) while `running.done` settles only once the
 * container's process has exited too, with everything it printed.
 */
export async function createOnPipes(s: Sandbox, id: string, extra: string[] = []): Promise<{ status: number | null; stderr: string; running: Running }> {
  const running = s.spawnTsrun(['create', '-b', s.bundle, ...extra, id])
  const status = await new Promise<number | null>((resolve) => running.child.on('exit', (code) => resolve(code)))
  // On failure no container holds the pipes: wait for all of create's stderr.
  const stderr = status === 0 ? '' : (await running.done).stderr
  return { status, stderr, running }
}

/** The pid `state` reports for a container. */
export function statePid(s: Sandbox, id: string): number {
  const r = s.tsrun(['state', id])
  if (r.status !== 0) throw new Error(`state ${id}: ${r.stderr}`)
  return (JSON.parse(r.stdout) as { pid: number }).pid
}

/**
 * A user namespace with these maps, held by a sleeping process of ours
 * (killed at teardown), for configs that join one by path: its ns file.
 */
export async function heldUserNamespace(t: Test, uidMap: string, gidMap: string): Promise<string> {
  const holder = spawn('unshare', ['--user', 'sleep', '120'], { stdio: 'ignore' })
  t.teardown(() => { holder.kill('SIGKILL') })
  const pid = holder.pid!
  // unshare has made its namespace once the link differs from ours.
  await waitFor(() => fs.readlinkSync(`/proc/${pid}/ns/user`) !== fs.readlinkSync('/proc/self/ns/user'))
  fs.writeFileSync(`/proc/${pid}/uid_map`, uidMap)
  fs.writeFileSync(`/proc/${pid}/gid_map`, gidMap)
  return `/proc/${pid}/ns/user`
}
