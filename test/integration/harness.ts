// Shared by the integration tests: a real bundle (a private copy of the
// busybox rootfs), the real CLI, a private --root, and a teardown that
// removes every container, cgroup, mount and file the test made — and then
// checks that nothing is left, so a leak fails the test that caused it.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Test } from 'tap'

export const REPO = path.resolve(__dirname, '..', '..')
export const CLI = path.join(REPO, 'dist', 'cli', 'main.js')
export const ROOTFS = path.join(REPO, 'bundles', 'busybox', 'rootfs')

/** Why a test can't run here, or null when it can. */
export function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'integration tests create real containers and need root'
  if (!fs.existsSync(CLI)) return `${CLI} missing: run npm run build`
  if (!fs.existsSync(path.join(ROOTFS, 'bin', 'busybox'))) return 'busybox rootfs missing: run npm run setup'
  return null
}

export interface Result { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Config = Record<string, any>

export class Sandbox {
  readonly dir: string
  readonly root: string
  readonly bundle: string
  private readonly ids = new Set<string>()

  constructor(private readonly t: Test, name: string) {
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

  /** Runs the CLI with this sandbox's --root. */
  tsrun(args: string[], opts: SpawnSyncOptions = {}): Result {
    const r = spawnSync(CLI, ['--root', this.root, ...args], { encoding: 'utf8', timeout: 60_000, ...opts })
    return { status: r.status, signal: r.signal, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') }
  }

  /** `run` in the foreground with the bundle; the container's output comes back. */
  run(id: string, extra: string[] = []): Result {
    return this.tsrun(['run', '-b', this.bundle, ...extra, id])
  }

  private cleanup(): void {
    for (const id of this.ids) this.tsrun(['delete', '-f', id])
    const left = leftovers(this)
    for (const m of mountsUnder(this.dir).reverse()) spawnSync('umount', ['-l', m])
    fs.rmSync(this.dir, { recursive: true, force: true })
    this.t.same(left, [], 'host left clean')
  }
}

function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m) => m !== undefined && (m === dir || m.startsWith(dir + '/')))
}

/** What the sandbox's containers may have left on the host. */
export function leftovers(s: Sandbox): string[] {
  const out: string[] = []
  if (fs.existsSync(s.root) && fs.readdirSync(s.root).length > 0) out.push(`state: ${fs.readdirSync(s.root).join(',')}`)
  for (const m of mountsUnder(s.dir)) out.push(`mount: ${m}`)
  const tag = path.basename(s.dir).replace(/^tsrun-it-/, '')
  for (const hier of fs.readdirSync('/sys/fs/cgroup')) {
    const base = path.join('/sys/fs/cgroup', hier)
    const found = spawnSync('find', [base, '-maxdepth', '4', '-type', 'd', '-name', `*${tag}*`], { encoding: 'utf8' }).stdout
    for (const d of found.split('\n').filter(Boolean)) out.push(`cgroup: ${d}`)
  }
  const procs = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout
  for (const line of procs.split('\n')) if (line.includes(tag) && !line.includes('ps -eo')) out.push(`process: ${line.trim()}`)
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
