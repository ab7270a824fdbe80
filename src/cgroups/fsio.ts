// cgroupfs I/O shared by the v1 and v2 drivers. Every failure names the file
// and the value (runc's cgroups/file.go idea): "write 100 to
// /sys/fs/cgroup/pids/x/pids.max" is debuggable, a bare EINVAL is not.

import * as fs from '../fsys'
import * as path from '../paths'
import { TsrunError } from '../errors'
import { sleepMs } from '../sleep'
import type { CgroupDriver } from './driver'
import type { CgroupWrite } from './resources'

/** Writes `value` into an existing cgroup file: O_WRONLY|O_TRUNC as runc
 *  (cgroupfs ignores the truncate; plain-file fixtures need it), never O_CREAT:
 *  a missing knob is ENOENT, not a stray regular file. */
export function writeCgroupFile(dir: string, file: string, value: string): void {
  const p = path.join(dir, file)
  try {
    const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_TRUNC)
    try { fs.writeSync(fd, value) } finally { fs.closeSync(fd) }
  } catch (err) {
    throw new TsrunError('system', `write ${JSON.stringify(value)} to ${p}`, { cause: err })
  }
}

/** One planned write into `dir`: its preferred file if present, skipped if
 *  optional and absent, checked against what the kernel kept if asked. */
export function applyWrite(dir: string, w: CgroupWrite): void {
  if (w.prefer && exists(path.join(dir, w.prefer.file))) return writeCgroupFile(dir, w.prefer.file, w.prefer.value)
  if (w.optional && !exists(path.join(dir, w.file))) return
  writeCgroupFile(dir, w.file, w.value)
  if (!w.verify) return
  // The kernel clamps cpu.shares into [2, 262144] without an error (runc's words).
  const got = Number(readCgroupFile(dir, w.file).trim())
  const want = Number(w.value)
  if (want > got) throw new TsrunError('config', `${w.file} ${w.value}: the maximum allowed cpu-shares is ${got}`)
  if (want < got) throw new TsrunError('config', `${w.file} ${w.value}: the minimum allowed cpu-shares is ${got}`)
}

export function readCgroupFile(dir: string, file: string): string {
  const p = path.join(dir, file)
  try {
    return fs.readFileSync(p, 'utf8')
  } catch (err) {
    throw new TsrunError('system', `read ${p}`, { cause: err })
  }
}

export function exists(p: string): boolean {
  return fs.existsSync(p)
}

/** Pids in `dir` and every sub-cgroup (a container may make its own); a
 *  cgroup removed under us counts as empty, as runc's GetAllPids. */
export function readPidsRecursive(dir: string): number[] {
  const out: number[] = []
  const walk = (d: string): void => {
    let text: string
    try {
      text = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8')
    } catch (err) {
      if (isGone(err)) return
      throw new TsrunError('system', `read ${path.join(d, 'cgroup.procs')}`, { cause: err })
    }
    for (const line of text.split('\n')) if (line) out.push(Number(line))
    for (const e of readDirs(d)) walk(path.join(d, e))
  }
  walk(dir)
  return out
}

function readDirs(d: string): string[] {
  try {
    return fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)
  } catch (err) {
    if (isGone(err)) return []
    throw err
  }
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENODEV'
}

/**
 * rmdir a cgroup and its sub-cgroups, children first; already gone is fine.
 * The plain rmdir comes first: a container rarely makes sub-cgroups, and
 * listing a cgroup dir (dozens of files) costs more than the rmdir itself.
 */
function removeTree(dir: string): void {
  const rmdir = (): boolean => {
    try {
      fs.rmdirSync(dir)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return true
      if (code === 'EBUSY' || code === 'ENOTEMPTY') return false
      throw err
    }
    return true
  }
  if (rmdir()) return
  for (const e of readDirs(dir)) removeTree(path.join(dir, e))
  if (!rmdir()) fs.rmdirSync(dir)
}

/**
 * Removes every dir, retrying 5 times with 10 ms doubling delays as runc's
 * RemovePaths: a just-killed process leaves the cgroup a moment later (EBUSY).
 */
export function removeCgroupDirs(dirs: string[]): void {
  let left = [...new Set(dirs)]
  let delay = 10
  let last: unknown
  for (let i = 0; i < 5 && left.length > 0; i++) {
    if (i > 0) { sleepMs(delay); delay *= 2 }
    left = left.filter((d) => {
      try {
        removeTree(d)
        return false
      } catch (err) {
        last = err
        return true
      }
    })
  }
  if (left.length > 0) throw new TsrunError('system', `remove cgroup ${left.join(', ')}`, { cause: last })
}

/**
 * runc's signalAllProcesses: freeze so nothing forks while we list, signal
 * each pid, thaw. A freeze that fails only costs that guarantee (runc warns
 * and goes on); a pid that exits meanwhile (ESRCH) is not an error; any other
 * kill error is thrown after every pid was tried and the cgroup thawed.
 */
export function signalFrozen(d: CgroupDriver, signal: number): void {
  // An empty cgroup (a stopped container's) has nothing to freeze or signal:
  // the freeze/thaw round trip would be the whole cost of delete.
  if (d.pids().length === 0) return
  let frozen = false
  if (d.freezerState() !== '') {
    try { d.freeze(); frozen = true } catch { /* signal anyway, unfrozen */ }
  }
  let first: unknown
  try {
    for (const pid of d.pids()) {
      try {
        process.kill(pid, signal)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') first ??= err
      }
    }
  } finally {
    if (frozen) d.thaw()
  }
  if (first !== undefined) throw new TsrunError('system', `signal ${signal} to cgroup processes`, { cause: first })
}

/** Polls `done` up to ~1 s (1 ms apart after a few quick tries); false on timeout. */
export function pollUntil(done: () => boolean, onRetry?: (i: number) => void): boolean {
  for (let i = 0; i < 1000; i++) {
    if (done()) return true
    onRetry?.(i)
    if (i >= 10) sleepMs(1)
  }
  return done()
}
