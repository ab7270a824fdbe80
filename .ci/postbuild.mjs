// Last step of `npm run build` (after tsc and node-gyp): make the CLI executable, put the native
// parts beside the compiled dist/tsrun (it finds them there), and check that the build produced
// what the runtime loads at run time. Exits 1 with one line per problem.
import { spawnSync } from 'node:child_process'
import {
  chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'dist/tsrun.js')
const addon = join(root, 'build/Release/tsrun.node')
const init = join(root, 'build/Release/tsrun-init')
const compiled = join(root, 'dist/tsrun')
const problems = []

function head(path, length) {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(length)
    return buf.subarray(0, readSync(fd, buf, 0, length, 0))
  } finally {
    closeSync(fd)
  }
}

function exists(path) {
  try {
    return statSync(path).isFile()
  } catch {
    problems.push(`${path} was not built`)
    return false
  }
}

// Program header types of an ELF file (both classes, both byte orders).
function elfSegmentTypes(path) {
  const b = head(path, 64 * 1024)
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) return null
  const is64 = b[4] === 2
  const le = b[5] === 1
  const u16 = (o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o))
  const u32 = (o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o))
  const phoff = is64 ? Number(le ? b.readBigUInt64LE(0x20) : b.readBigUInt64BE(0x20)) : u32(0x1c)
  const phentsize = u16(is64 ? 0x36 : 0x2a)
  const phnum = u16(is64 ? 0x38 : 0x2c)
  const types = []
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize
    if (off + 4 > b.length) return null
    types.push(u32(off))
  }
  return types
}

if (exists(cli)) {
  // The shebang is what makes ./dist/tsrun.js (and runtimes that exec it) work.
  if (!head(cli, 2).equals(Buffer.from('#!'))) problems.push(`${cli} has no #! line (src/cli/main.ts must start with one)`)
  chmodSync(cli, 0o755)
}
const hasAddon = exists(addon)
const hasInit = exists(init)
if (hasInit) {
  const PT_INTERP = 3
  const types = elfSegmentTypes(init)
  if (types === null) problems.push(`${init} is not an ELF executable`)
  // tsrun-init runs from a memfd inside the container's mount namespace: no dynamic loader there.
  else if (types.includes(PT_INTERP)) problems.push(`${init} is dynamically linked (binding.gyp must link it with -static)`)
  if ((statSync(init).mode & 0o111) === 0) problems.push(`${init} is not executable`)
}

if (exists(compiled) && hasAddon && hasInit) {
  writeInSmallPieces(compiled, compiled)
  for (const f of [addon, init]) writeInSmallPieces(f, join(root, 'dist', basename(f)))
}

// dist/tsrun's help loads it from beside the executable (src/cli/help.ts).
exists(join(root, 'dist/tsrun-yargs.cjs'))

if (hasAddon && hasInit && problems.length === 0) writeRunCache()

/**
 * dist/tsrun-main.run.jsc: the bundled CLI's code cache taken after a `run` of /bin/true from
 * bundles/busybox, which src/cli/boot.ts loads for create, run and exec: the config checks, the
 * plan, the cgroups and the spawn are then compiled already (Node: create and run -4 ms; `state`
 * would pay +0.7 ms to load it, so it keeps dist/tsrun-main.jsc). Taking it needs a container:
 * root and the test rootfs (npm run setup). Without them those commands compile as they go, and
 * a cache left from an earlier build goes, since it no longer matches dist/tsrun-main.js.
 */
function writeRunCache() {
  const main = join(root, 'dist/tsrun-main.js')
  const cache = join(root, 'dist/tsrun-main.run.jsc')
  const rootfs = join(root, 'bundles/busybox/rootfs')
  rmSync(cache, { force: true })
  if (process.getuid() !== 0 || !existsSync(join(rootfs, 'bin/true'))) {
    console.error('postbuild: notice: no run cache for Node (needs root and bundles/busybox/rootfs): create and run compile as they go')
    return
  }
  const tmp = mkdtempSync(join(tmpdir(), 'tsrun-run-cache-'))
  const state = join(tmp, 'root')
  const id = 'tsrun-build-probe'
  try {
    const config = JSON.parse(readFileSync(join(root, 'bundles/busybox/config.json'), 'utf8'))
    config.root.path = rootfs
    config.process.args = ['/bin/true']
    config.process.terminal = false
    writeFileSync(join(tmp, 'config.json'), JSON.stringify(config))
    const { cacheCliAfter } = createRequire(import.meta.url)('./codecache.cjs')
    const r = cacheCliAfter(main, cache, ['--root', state, 'run', '--bundle', tmp, id])
    if (r.status !== 0) {
      rmSync(cache, { force: true })
      console.error(`postbuild: notice: no run cache for Node: the probe container failed: ${(r.stderr || r.error?.message || '').trim()}`)
    }
  } finally {
    if (existsSync(join(state, id))) spawnSync(process.execPath, [cli, '--root', state, 'delete', '--force', id], { stdio: 'ignore' })
    rmSync(tmp, { recursive: true, force: true })
  }
}

/**
 * Writes src's bytes to dst (temp file + rename) 32 KiB at a time. Since Linux 6.16 ext4 keeps a
 * file's page cache in folios as large as the writes that filled it, and a call maps each folio
 * it touches whole: Bun writes dist/tsrun in big writes, and every call then peaked at 36.5 MB
 * instead of 31 (run of /bin/true; 49 MB from 256 KiB writes). 32 KiB pieces keep the RSS of
 * 4 KiB ones and the speed of large ones (state 6.8 ms; 8.0 ms from 4 KiB writes), measured
 * with dd. It lasts while the file stays cached: read back after the kernel dropped it, the
 * binary behaved like the 4 KiB copy.
 */
function writeInSmallPieces(src, dst) {
  const bytes = readFileSync(src)
  const tmp = `${dst}.tmp`
  const fd = openSync(tmp, 'w', statSync(src).mode & 0o7777)
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, Math.min(32 * 1024, bytes.length - off))
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, dst)
}

if (problems.length > 0) {
  for (const p of problems) console.error(`postbuild: ${p.replaceAll(root + '/', '')}`)
  process.exit(1)
}
