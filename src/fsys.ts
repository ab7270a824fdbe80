// File I/O for all of src/: the part of node:fs tsrun uses, with its
// signatures and its errors. On Node it is node:fs itself (loaded with Node,
// free). In the compiled dist/tsrun it is the addon's syscalls: Bun's node:fs
// and node:path are JavaScript builtins that cost ~1.2 ms and ~5 MB of RSS
// to load on every call (measured: compiled programs that only require them,
// against one that does nothing), more than `state` does after Bun starts.
// test/unit/fsys.test.ts runs both implementations side by side.
import { compiled } from './engine'
import { dirname, join } from './paths'

export interface Stats {
  dev: number
  ino: number
  mode: number
  nlink: number
  uid: number
  gid: number
  rdev: number
  size: number
  isDirectory(): boolean
  isFile(): boolean
  isSymbolicLink(): boolean
}

export interface Dirent {
  name: string
  isDirectory(): boolean
  isFile(): boolean
  isSymbolicLink(): boolean
}

export interface StatFs { type: number }

/** The flags openSync and writeFileSync take by name. */
export type OpenFlag = 'r' | 'w' | 'wx' | 'as'

interface Fs {
  readFileSync(file: string | number, encoding: 'utf8'): string
  readFileSync(file: string | number): Uint8Array
  writeFileSync(file: string, data: string | Uint8Array, options?: { mode?: number; flag?: OpenFlag }): void
  openSync(file: string, flags: number | OpenFlag, mode?: number): number
  closeSync(fd: number): void
  /** One write(2) of data from offset (a string: from its start); bytes written. */
  writeSync(fd: number, data: string | Uint8Array, offset?: number): number
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number
  existsSync(file: string): boolean
  mkdirSync(dir: string, options?: { recursive?: boolean; mode?: number }): unknown
  renameSync(from: string, to: string): void
  rmSync(file: string, options?: { force?: boolean; recursive?: boolean }): void
  rmdirSync(dir: string): void
  unlinkSync(file: string): void
  readdirSync(dir: string): string[]
  readdirSync(dir: string, options: { withFileTypes: true }): Dirent[]
  statSync(file: string): Stats
  lstatSync(file: string): Stats
  fstatSync(fd: number): Stats
  statfsSync(file: string): StatFs
  chmodSync(file: string, mode: number): void
  realpathSync(file: string): string
}

/** Linux's values (x86_64 and arm64), the same as node:fs.constants there. */
export const constants = {
  O_RDONLY: 0, O_WRONLY: 1, O_CREAT: 0o100, O_EXCL: 0o200, O_TRUNC: 0o1000, O_APPEND: 0o2000,
  O_DIRECTORY: 0o200000, O_SYNC: 0o4010000, F_OK: 0,
  S_IFMT: 0o170000, S_IFDIR: 0o40000, S_IFREG: 0o100000, S_IFLNK: 0o120000,
} as const

const FLAGS: Record<OpenFlag, number> = {
  r: constants.O_RDONLY,
  w: constants.O_TRUNC | constants.O_CREAT | constants.O_WRONLY,
  wx: constants.O_TRUNC | constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL,
  as: constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY | constants.O_SYNC,
}

/** Native functions of addon/fsops.cc (errors: Node's fs errors). */
interface FsOps {
  fsOpen(file: string, flags: number, mode: number): number
  fsClose(fd: number): void
  fsRead(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number
  fsWrite(fd: number, data: string | Uint8Array, offset: number): number
  fsReadFile(file: string | number, text: boolean): string | Uint8Array
  fsMkdir(dir: string, mode: number): void
  fsRmdir(dir: string): void
  fsUnlink(file: string): void
  fsRename(from: string, to: string): void
  fsChmod(file: string, mode: number): void
  fsStat(file: string, follow: boolean, throwIfNoEntry: boolean): number[] | undefined
  fsFstat(fd: number): number[]
  fsStatfs(file: string): number
  fsReaddir(dir: string): (string | number)[]
  fsRealpath(file: string): string
  fsAccess(file: string, mode: number): boolean
}

const DT_DIR = 4
const DT_REG = 8
const DT_LNK = 10
const DT_UNKNOWN = 0

function statsFrom(v: number[]): Stats {
  const [dev, ino, mode, nlink, uid, gid, rdev, size] = v
  const type = mode & constants.S_IFMT
  return {
    dev, ino, mode, nlink, uid, gid, rdev, size,
    isDirectory: () => type === constants.S_IFDIR,
    isFile: () => type === constants.S_IFREG,
    isSymbolicLink: () => type === constants.S_IFLNK,
  }
}

/** node:fs's semantics over the addon's syscalls; exported for the side-by-side test. */
export function nativeFs(ops: FsOps): Fs {
  const lstat = (file: string): Stats => statsFrom(ops.fsStat(file, false, true)!)
  const writeAll = (fd: number, data: Uint8Array): void => {
    for (let off = 0; off < data.length;) off += ops.fsWrite(fd, data, off)
  }
  const mkdir = (dir: string, options: { recursive?: boolean; mode?: number } = {}): void => {
    const mode = options.mode ?? 0o777
    try {
      ops.fsMkdir(dir, mode)
    } catch (err) {
      if (!options.recursive) throw err
      const code = (err as NodeJS.ErrnoException).code
      const st = code === 'EEXIST' ? ops.fsStat(dir, true, false) : undefined
      if (st !== undefined && statsFrom(st).isDirectory()) return
      if (code !== 'ENOENT' || dirname(dir) === dir) throw err
      mkdir(dirname(dir), options)
      ops.fsMkdir(dir, mode)
    }
  }
  const rm = (file: string, options: { force?: boolean; recursive?: boolean } = {}): void => {
    let st: Stats
    try {
      st = lstat(file)
    } catch (err) {
      if (options.force && (err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    if (st.isDirectory() && options.recursive) {
      for (const name of fs.readdirSync(file)) rm(join(file, name), options)
      ops.fsRmdir(file)
      return
    }
    ops.fsUnlink(file)
  }
  const fs: Fs = {
    readFileSync: ((file: string | number, encoding?: 'utf8') => ops.fsReadFile(file, encoding === 'utf8')) as Fs['readFileSync'],
    writeFileSync(file, data, options = {}) {
      const fd = ops.fsOpen(file, FLAGS[options.flag ?? 'w'], options.mode ?? 0o666)
      try {
        writeAll(fd, typeof data === 'string' ? new TextEncoder().encode(data) : data)
      } finally {
        ops.fsClose(fd)
      }
    },
    openSync: (file, flags, mode = 0o666) => ops.fsOpen(file, typeof flags === 'number' ? flags : FLAGS[flags], mode),
    closeSync: (fd) => ops.fsClose(fd),
    writeSync: (fd, data, offset = 0) => ops.fsWrite(fd, data, typeof data === 'string' ? 0 : offset),
    readSync: (fd, buffer, offset, length, position) => ops.fsRead(fd, buffer, offset, length, position ?? -1),
    existsSync: (file) => ops.fsAccess(file, constants.F_OK),
    mkdirSync: mkdir,
    renameSync: (from, to) => ops.fsRename(from, to),
    rmSync: rm,
    rmdirSync: (dir) => ops.fsRmdir(dir),
    unlinkSync: (file) => ops.fsUnlink(file),
    readdirSync: ((dir: string, options?: { withFileTypes: true }) => {
      const raw = ops.fsReaddir(dir)
      const out: (string | Dirent)[] = []
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i] as string
        if (!options?.withFileTypes) {
          out.push(name)
          continue
        }
        let type = raw[i + 1] as number
        if (type === DT_UNKNOWN) {
          const st = lstat(join(dir, name))
          type = st.isDirectory() ? DT_DIR : st.isFile() ? DT_REG : st.isSymbolicLink() ? DT_LNK : -1
        }
        out.push({ name, isDirectory: () => type === DT_DIR, isFile: () => type === DT_REG, isSymbolicLink: () => type === DT_LNK })
      }
      return out
    }) as Fs['readdirSync'],
    statSync: (file) => statsFrom(ops.fsStat(file, true, true)!),
    lstatSync: lstat,
    fstatSync: (fd) => statsFrom(ops.fsFstat(fd)),
    statfsSync: (file) => ({ type: ops.fsStatfs(file) }),
    chmodSync: (file, mode) => ops.fsChmod(file, mode),
    realpathSync: (file) => ops.fsRealpath(file),
  }
  return fs
}

const impl: Fs = compiled
  ? nativeFs((require('./addon') as typeof import('./addon')).addon as unknown as FsOps)
  : require('fs') as Fs

export const {
  readFileSync, writeFileSync, openSync, closeSync, writeSync, readSync, existsSync, mkdirSync, renameSync, rmSync,
  rmdirSync, unlinkSync, readdirSync, statSync, fstatSync, statfsSync, chmodSync, realpathSync,
} = impl
