// src/fsys.ts: the compiled dist/tsrun does its file I/O through the addon
// (nativeFs), Node through node:fs. Each case runs the same operation on both
// in twin temp dirs and compares results and errors (code, errno, syscall,
// path, dest, message), so the two engines behave and report alike.
import t from 'tap'
import * as nodeFs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { addon } from '../../src/addon'
import { constants, nativeFs } from '../../src/fsys'

type Fs = ReturnType<typeof nativeFs>
const native = nativeFs(addon as unknown as Parameters<typeof nativeFs>[0])
const node = nodeFs as unknown as Fs

const base = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-fsys-'))
t.teardown(() => nodeFs.rmSync(base, { recursive: true, force: true }))
let n = 0

/** Runs `op` with each implementation in a fresh dir of its own; the dir name is replaced by DIR in results. */
function both(name: string, setup: (dir: string) => void, op: (fs: Fs, dir: string) => unknown): void {
  const run = (fs: Fs) => {
    const dir = path.join(base, `${n++}`)
    nodeFs.mkdirSync(dir)
    setup(dir)
    const scrub = (v: unknown): unknown => (typeof v === 'string' ? v.split(dir).join('DIR') : v)
    try {
      const r = op(fs, dir)
      return { ok: JSON.parse(JSON.stringify(r ?? null, (_k, v) => (v instanceof Uint8Array ? [...v] : scrub(v)))) }
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { dest?: string }
      return { err: { code: e.code, errno: e.errno, syscall: e.syscall, path: scrub(e.path), dest: scrub(e.dest), message: scrub(e.message) } }
    }
  }
  t.same(run(native), run(node), name)
}

const none = () => {}
const withFile = (dir: string) => nodeFs.writeFileSync(path.join(dir, 'f'), 'héllo\n', { mode: 0o640 })
const withTree = (dir: string) => {
  nodeFs.mkdirSync(path.join(dir, 'd/e'), { recursive: true })
  nodeFs.writeFileSync(path.join(dir, 'd/x'), 'x')
  nodeFs.writeFileSync(path.join(dir, 'd/e/y'), 'y')
  nodeFs.symlinkSync('x', path.join(dir, 'd/l'))
}
const stat = (s: { mode: number; uid: number; gid: number; size: number; nlink: number; isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }) =>
  ({ mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, nlink: s.nlink, dir: s.isDirectory(), file: s.isFile(), link: s.isSymbolicLink() })

t.test('reading', async () => {
  both('readFileSync utf8', withFile, (fs, d) => fs.readFileSync(path.join(d, 'f'), 'utf8'))
  both('readFileSync bytes', withFile, (fs, d) => fs.readFileSync(path.join(d, 'f')))
  both('readFileSync of a /proc file (size 0)', none, (fs) => fs.readFileSync('/proc/self/mountinfo', 'utf8').length > 0)
  both('readFileSync missing', none, (fs, d) => fs.readFileSync(path.join(d, 'nope'), 'utf8'))
  both('readFileSync of a dir', none, (fs, d) => fs.readFileSync(d, 'utf8'))
  both('readFileSync below a file', withFile, (fs, d) => fs.readFileSync(path.join(d, 'f', 'x'), 'utf8'))
  both('openSync + readSync + closeSync', withFile, (fs, d) => {
    const fd = fs.openSync(path.join(d, 'f'), 'r')
    const buf = new Uint8Array(4)
    const got = [fs.readSync(fd, buf, 1, 3, null), [...buf], fs.readSync(fd, buf, 0, 4, 0), [...buf]]
    fs.closeSync(fd)
    return got
  })
  both('existsSync', withFile, (fs, d) => [fs.existsSync(path.join(d, 'f')), fs.existsSync(path.join(d, 'g')), fs.existsSync(d)])
  both('readdirSync', withTree, (fs, d) => fs.readdirSync(path.join(d, 'd')).sort())
  both('readdirSync withFileTypes', withTree, (fs, d) =>
    fs.readdirSync(path.join(d, 'd'), { withFileTypes: true }).map((e) => [e.name, e.isDirectory(), e.isFile(), e.isSymbolicLink()]).sort())
  both('readdirSync missing', none, (fs, d) => fs.readdirSync(path.join(d, 'nope')))
  both('statSync, lstatSync', withTree, (fs, d) =>
    [stat(fs.statSync(path.join(d, 'd/l'))), stat(fs.lstatSync(path.join(d, 'd/l'))), stat(fs.statSync(path.join(d, 'd')))])
  both('statSync missing', none, (fs, d) => fs.statSync(path.join(d, 'nope')))
  both('fstatSync', withFile, (fs, d) => {
    const fd = fs.openSync(path.join(d, 'f'), 'r')
    try { return stat(fs.fstatSync(fd)) } finally { fs.closeSync(fd) }
  })
  both('statSync dev and ino', none, (fs) => {
    const s = fs.statSync('/proc/self/ns/net')
    return [s.dev === nodeFs.statSync('/proc/self/ns/net').dev, s.ino === nodeFs.statSync('/proc/self/ns/net').ino]
  })
  both('statfsSync', none, (fs) => fs.statfsSync('/proc').type)
  both('realpathSync', withTree, (fs, d) => fs.realpathSync(path.join(d, 'd/./e/../l')))
})

t.test('writing', async () => {
  both('writeFileSync + mode', none, (fs, d) => {
    fs.writeFileSync(path.join(d, 'w'), 'data', { mode: 0o600 })
    return [nodeFs.readFileSync(path.join(d, 'w'), 'utf8'), nodeFs.statSync(path.join(d, 'w')).mode & 0o777]
  })
  both('writeFileSync bytes over a file', withFile, (fs, d) => {
    fs.writeFileSync(path.join(d, 'f'), new Uint8Array([104, 105]))
    return nodeFs.readFileSync(path.join(d, 'f'), 'utf8')
  })
  both('writeFileSync wx over a file', withFile, (fs, d) => fs.writeFileSync(path.join(d, 'f'), 'x', { flag: 'wx' }))
  both('writeFileSync into a missing dir', none, (fs, d) => fs.writeFileSync(path.join(d, 'no/f'), 'x'))
  both('openSync with flags + writeSync', withFile, (fs, d) => {
    const fd = fs.openSync(path.join(d, 'f'), constants.O_WRONLY | constants.O_APPEND)
    const w = [fs.writeSync(fd, 'ab'), fs.writeSync(fd, new Uint8Array([65, 66, 67]), 1)]
    fs.closeSync(fd)
    return [w, nodeFs.readFileSync(path.join(d, 'f'), 'utf8')]
  })
  both('openSync as (log file)', none, (fs, d) => {
    const fd = fs.openSync(path.join(d, 'log'), 'as', 0o644)
    fs.writeSync(fd, 'line\n')
    fs.closeSync(fd)
    return nodeFs.statSync(path.join(d, 'log')).size
  })
  both('openSync missing', none, (fs, d) => fs.openSync(path.join(d, 'nope'), 'r'))
  both('mkdirSync + mode', none, (fs, d) => {
    fs.mkdirSync(path.join(d, 'm'), { mode: 0o711 })
    return nodeFs.statSync(path.join(d, 'm')).isDirectory()
  })
  both('mkdirSync existing', withTree, (fs, d) => fs.mkdirSync(path.join(d, 'd')))
  both('mkdirSync recursive', withTree, (fs, d) => {
    fs.mkdirSync(path.join(d, 'd/e/f/g'), { recursive: true })
    fs.mkdirSync(path.join(d, 'd'), { recursive: true })
    return nodeFs.statSync(path.join(d, 'd/e/f/g')).isDirectory()
  })
  both('mkdirSync missing parent', none, (fs, d) => fs.mkdirSync(path.join(d, 'a/b')))
  both('renameSync', withFile, (fs, d) => {
    fs.renameSync(path.join(d, 'f'), path.join(d, 'g'))
    return nodeFs.readdirSync(d)
  })
  both('renameSync missing', none, (fs, d) => fs.renameSync(path.join(d, 'a'), path.join(d, 'b')))
  both('unlinkSync, rmdirSync', withTree, (fs, d) => {
    fs.unlinkSync(path.join(d, 'd/x'))
    fs.unlinkSync(path.join(d, 'd/e/y'))
    fs.rmdirSync(path.join(d, 'd/e'))
    return nodeFs.readdirSync(path.join(d, 'd'))
  })
  both('rmdirSync not empty', withTree, (fs, d) => fs.rmdirSync(path.join(d, 'd')))
  both('unlinkSync missing', none, (fs, d) => fs.unlinkSync(path.join(d, 'nope')))
  both('rmSync force, recursive', withTree, (fs, d) => {
    fs.rmSync(path.join(d, 'nope'), { force: true })
    fs.rmSync(path.join(d, 'd/x'), { force: true })
    fs.rmSync(path.join(d, 'd'), { recursive: true, force: true })
    return nodeFs.readdirSync(d)
  })
  both('rmSync missing without force', none, (fs, d) => fs.rmSync(path.join(d, 'nope')))
  both('chmodSync', withFile, (fs, d) => {
    fs.chmodSync(path.join(d, 'f'), 0o604)
    return nodeFs.statSync(path.join(d, 'f')).mode & 0o777
  })
})

t.test('constants are node:fs.constants', async (t) => {
  for (const [k, v] of Object.entries(constants)) t.equal(v, (nodeFs.constants as Record<string, number>)[k], k)
})
