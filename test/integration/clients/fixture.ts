// Shared by the client tests (containerd, podman, docker): installs the
// clients once, gives each test file a private directory whose name tags all
// it makes (cgroup parent, namespace, daemon paths), the busybox image in the
// forms the clients import, a pty driver, and a teardown that stops what the
// file started and then checks the host kept nothing of it.
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Test } from 'tap'
import { CLI, ROOTFS, hostLeftovers, skipReason, waitFor, type Result } from '../harness'

/**
 * Why the client tests can't run here, or null. Installs what is missing
 * first; only a client that can't be installed or started is a skip.
 */
export function clientSkip(binaries: string[]): string | null {
  const base = skipReason()
  if (base) return base
  const r = spawnSync('sh', [path.join(__dirname, 'install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (r.status !== 0) return `container clients could not be installed: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`
  const missing = binaries.filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0)
  return missing.length > 0 ? `installed, but not on PATH: ${missing.join(', ')}` : null
}

/** Why `tsrun exec` can't be tested yet, or null once the command exists. */
export function execMissing(): string | null {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-it-probe-'))
  try {
    const r = spawnSync('/usr/bin/env', ['-u', 'NODE_OPTIONS', CLI, '--root', root, 'exec', 'probe', 'true'], { encoding: 'utf8' })
    return /not implemented/.test(r.stderr) ? `tsrun exec is not implemented yet (${r.stderr.trim()})` : null
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

/**
 * A shell line listing which runtime-spec default devices the container sees
 * as character devices, then reading 4 bytes from /dev/urandom; and what it
 * prints when all are there. podman and docker list no devices in the config.
 */
export const DEVICES = 'echo devices $(for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo $d; done) $(head -c 4 /dev/urandom | wc -c)'
export const DEVICES_SEEN = 'devices null zero full random urandom tty 4'

export interface Stoppable { name: string; stop: () => void | Promise<void> }

/**
 * One test file's private directory. `tag` (its random part) is in every
 * name the clients derive from it, so the leftover check finds anything of
 * ours; `cgroupParent` is the cgroup the clients put containers under.
 */
export class ClientSandbox {
  readonly dir: string
  readonly tag: string
  readonly cgroupParent: string
  /** A directory holding `tsrun` (a link to dist/tsrun.js): clients name a runtime after its file. */
  readonly bin: string
  readonly runtime: string
  private readonly stops: Stoppable[] = []

  constructor(t: Test, name: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsrun-it-${name}-`))
    this.tag = path.basename(this.dir).replace(/^tsrun-it-/, '')
    this.cgroupParent = `tsrun-${this.tag}`
    this.bin = path.join(this.dir, 'bin')
    fs.mkdirSync(this.bin)
    this.runtime = path.join(this.bin, 'tsrun')
    fs.symlinkSync(CLI, this.runtime)
    t.teardown(() => this.cleanup())
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts)
  }

  /** Registers what teardown stops, last registered first (containers before their daemon). */
  onStop(s: Stoppable): void {
    this.stops.push(s)
  }

  /** Runs a client command; output through files (a detached container may hold pipes open). */
  run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Result {
    const out = fs.openSync(this.path('.out'), 'w+')
    const err = fs.openSync(this.path('.err'), 'w+')
    try {
      const r = spawnSync(cmd, args, { timeout: 120_000, stdio: ['ignore', out, err], ...opts })
      const read = (f: string) => fs.readFileSync(this.path(f), 'utf8')
      return { status: r.status, signal: r.signal, stdout: read('.out'), stderr: read('.err') }
    } finally {
      fs.closeSync(out)
      fs.closeSync(err)
    }
  }

  /** The busybox rootfs as a tar (what `podman import` and `docker import` take). */
  rootfsTar(): string {
    const tar = this.path('rootfs.tar')
    if (!fs.existsSync(tar)) {
      const r = spawnSync('tar', ['-C', ROOTFS, '--numeric-owner', '-cf', tar, '.'], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`tar: ${r.stderr}`)
    }
    return tar
  }

  /** The busybox rootfs as an OCI image archive named `name` (what `ctr images import` takes). */
  ociArchive(name: string): string {
    const layout = this.path('oci')
    const blobs = path.join(layout, 'blobs', 'sha256')
    fs.mkdirSync(blobs, { recursive: true })
    const put = (data: Buffer) => {
      const hex = createHash('sha256').update(data).digest('hex')
      fs.writeFileSync(path.join(blobs, hex), data)
      return { digest: `sha256:${hex}`, size: data.length }
    }
    const json = (v: unknown) => Buffer.from(JSON.stringify(v))
    const layer = put(fs.readFileSync(this.rootfsTar()))
    const config = put(json({
      architecture: goArch(), os: 'linux',
      config: { Cmd: ['sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }))
    const manifest = put(json({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }))
    fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
    fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [{
        mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest,
        platform: { architecture: goArch(), os: 'linux' },
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': 'latest' },
      }],
    }))
    const archive = this.path('image.oci.tar')
    const r = spawnSync('tar', ['-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs'], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`tar: ${r.stderr}`)
    fs.rmSync(layout, { recursive: true })
    return archive
  }

  private async cleanup(): Promise<void> {
    const errors: string[] = []
    for (const s of this.stops.reverse()) {
      try {
        await s.stop()
      } catch (e) {
        errors.push(`stopping ${s.name}: ${(e as Error).message}`)
      }
    }
    removeCgroupParent(this.cgroupParent, errors)
    // Shims, conmon and the clients' cleanup processes exit on their own time.
    await waitFor(() => hostLeftovers(this.tag, this.dir).length === 0, 30_000)
    const left = hostLeftovers(this.tag, this.dir)
    for (const m of left.filter((l) => l.startsWith('mount: '))) spawnSync('umount', ['-l', m.slice(7)])
    fs.rmSync(this.dir, { recursive: true, force: true })
    if (errors.length + left.length > 0) throw new Error(`host not left clean: ${[...errors, ...left].join('; ')}`)
  }
}

const goArch = (): string => ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch

/**
 * The parent cgroup the clients had tsrun create (as runc, tsrun removes a
 * container's own cgroup, not the parents it made). It must be empty by now:
 * a container cgroup still in it is a leftover, reported, not removed.
 */
function removeCgroupParent(parent: string, errors: string[]): void {
  for (const hier of fs.readdirSync('/sys/fs/cgroup')) {
    const dir = path.join('/sys/fs/cgroup', hier, parent)
    if (!fs.existsSync(dir)) continue
    const children = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)
    if (children.length > 0) errors.push(`cgroup ${dir} still holds ${children.join(',')}`)
    else fs.rmdirSync(dir)
  }
}

/**
 * A daemon (containerd, dockerd) in its own mount namespace, so the mounts
 * it makes (snapshots, rootfs) vanish with it. `setup` runs in that namespace
 * before the daemon. Resolves to its pid once `ready(pid)` holds; logs go to <dir>/<name>.log.
 */
export async function startDaemon(s: ClientSandbox, name: string, argv: string[], ready: (pid: number) => boolean, setup = ''): Promise<number> {
  const log = fs.openSync(s.path(`${name}.log`), 'w')
  const hierarchies = unmountedHierarchies(s, name)
  const script = ['set -e', ...hierarchies.map((h) => `mount -t cgroup -o ${h.controller} cgroup ${h.dir}`), setup, 'exec "$@"'].join('\n')
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, name, ...argv],
    { stdio: ['ignore', log, log], detached: false })
  fs.closeSync(log)
  let exited = false
  const gone = new Promise<void>((resolve) => child.on('exit', () => { exited = true; resolve() }))
  const pid = child.pid!
  s.onStop({
    name,
    stop: async () => {
      if (exited) return
      process.kill(pid, 'SIGTERM')
      await Promise.race([gone, new Promise((r) => setTimeout(r, 30_000))])
      if (!exited) {
        process.kill(pid, 'SIGKILL')
        await gone
      }
    },
  })
  s.onStop({ name: `${name}'s cgroup mounts`, stop: () => removeHiddenParents(s, pid, hierarchies) })
  if (!(await waitFor(() => exited || ready(pid), 60_000)) || exited) {
    throw new Error(`${name} did not start: ${fs.readFileSync(s.path(`${name}.log`), 'utf8').split('\n').slice(-5).join('\n')}`)
  }
  return pid
}

interface Hierarchy { controller: string; dir: string }

/**
 * The v1 hierarchies /proc/self/cgroup lists but this host never mounted
 * (here: hugetlb), each with a directory to mount it on in a daemon's own
 * mount namespace. containerd's cgroups library finds no cgroup for a task
 * (no metrics, `docker stats` all zero) when one of its hierarchies has no
 * mount; hosts normally mount them all. tsrun, run by the shim in that
 * namespace, uses them like any v1 hierarchy.
 */
function unmountedHierarchies(s: ClientSandbox, daemon: string): Hierarchy[] {
  const mounted = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .filter((l) => / - cgroup /.test(l)).flatMap((l) => l.split(' - ')[1].split(' ')[2].split(','))
  const listed = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n')
    .map((l) => l.split(':')[1]).filter((c) => c && !c.startsWith('name=')).flatMap((c) => c.split(','))
  return listed.filter((c) => !mounted.includes(c)).map((controller) => {
    const dir = s.path(`${daemon}-cgroup`, controller)
    fs.mkdirSync(dir, { recursive: true })
    return { controller, dir }
  })
}

/** The cgroup parent tsrun made in hierarchies mounted only in the daemon's namespace (see removeCgroupParent). */
function removeHiddenParents(s: ClientSandbox, pid: number, hierarchies: Hierarchy[]): void {
  for (const h of hierarchies) {
    const dir = path.join(h.dir, s.cgroupParent)
    const r = s.run('nsenter', ['--mount', '-t', String(pid), 'sh', '-c', '[ ! -d "$1" ] || rmdir "$1"', 'rmdir', dir])
    if (r.status !== 0) throw new Error(`cgroup ${h.controller}:${s.cgroupParent}: ${r.stderr.trim()}`)
  }
}

/** Runs `argv` on a new pty; for each step waits for `expect` in the output, then types `send`. */
export interface PtyStep { expect: string; send: string }
export interface PtyResult { status: number; output: string }

// Python's pty module gives a real controlling terminal on the command's
// stdio, which is what `-t` clients check for (Node has no pty of its own).
const PTY_DRIVER = `
import json, os, pty, select, sys, time
argv, steps = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, end = b"", time.time() + 100
def more():
    global out
    r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
    if not r:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    out += data
    return len(data) > 0
pos = 0
for step in steps:
    want = step["expect"].encode()
    while out.find(want, pos) < 0 and more():
        pass
    pos = max(pos, out.find(want, pos) + len(want))
    os.write(fd, step["send"].encode())
while more():
    pass
_, status = os.waitpid(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "output": out.decode("utf-8", "replace")}))
`

export function ptyRun(argv: string[], steps: PtyStep[], env: NodeJS.ProcessEnv = process.env): PtyResult {
  const r = spawnSync('python3', ['-c', PTY_DRIVER, JSON.stringify(argv), JSON.stringify(steps)],
    { encoding: 'utf8', env, timeout: 150_000, stdio: ['ignore', 'pipe', 'pipe'] })
  if (r.status !== 0) throw new Error(`pty driver: ${r.stderr}`)
  return JSON.parse(r.stdout) as PtyResult
}
