// The state directory: <root>/<id>/state.json (+ exec.fifo, written by the
// lifecycle). The record is tsrun's own format, not the OCI state; `state`
// derives the OCI view from it (status.ts). Writes are atomic so a reader
// never sees a torn file, even if tsrun is killed half-way.

import * as fs from '../fsys'
import * as path from '../paths'
import { TsrunError } from '../errors'
import type { Hook } from '../hooks/run'
import type { CgroupRecord } from '../cgroups/driver'
import type { RdtRecord } from '../resctrl/group'
import { validateId } from './id'

export const DEFAULT_ROOT = '/run/tsrun'
export const STATE_FILE = 'state.json'
export const FIFO_FILE = 'exec.fifo'
/** What exec takes from the container's config (process, seccomp), saved by create as runc keeps its config. */
export const EXEC_CONFIG_FILE = 'exec.json'

/** What the record claims; status.ts turns it into the live status. */
export type StatusHint = 'creating' | 'created' | 'running' | 'stopped'

export interface StateRecord {
  id: string
  /** host pid of the container's init; 0 until spawned */
  pid: number
  /** /proc/<pid>/stat field 22 recorded at create; '' until spawned. A pid whose
   *  start time differs is a recycled pid, never our container. */
  startTime: string
  bundle: string
  rootfs: string
  /** RFC3339Nano, UTC (as runc) */
  created: string
  owner: string
  annotations: Record<string, string>
  status: StatusHint
  /** where the container's cgroup lives; written before the cgroup is made so
   *  delete can always find it (runc #3591) */
  cgroup: CgroupRecord | null
  /** linux.intelRdt's resctrl group, recorded (like cgroup) before it is made */
  intelRdt?: RdtRecord
  /** hooks run after create, kept here so start/delete work when the bundle is gone */
  hooks: { poststart: Hook[]; poststop: Hook[] }
  /** config.json had no process: the container can be created, never started */
  noProcess?: boolean
}

/** <root>/<id>; validates the id so a bad one can never name a path outside root. */
export function containerDir(root: string, id: string): string {
  validateId(id)
  return path.join(root, id)
}

/**
 * Makes <root>/<id> atomically: of two racing creates of one id, exactly one
 * mkdir succeeds and the other gets TsrunError('exists') with runc's phrase.
 * Modes as runc 1.1.5 (factory_linux.go): root 0700, container dir 0711.
 */
export function createContainerDir(root: string, id: string): string {
  const dir = containerDir(root, id)
  fs.mkdirSync(root, { recursive: true, mode: 0o700 })
  try {
    fs.mkdirSync(dir, { mode: 0o711 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TsrunError('exists', 'container with given ID already exists')
    }
    throw new TsrunError('system', `create state dir ${dir}`, { cause: err })
  }
  fs.chmodSync(dir, 0o711) // mkdir's mode is masked by the caller's umask
  return dir
}

/**
 * temp file + rename: a reader (or a tsrun killed half-way) sees the old
 * record or the new one, never a torn file. No fsync: the state describes
 * processes that do not survive a reboot, the root is normally tmpfs (/run),
 * and on a disk-backed --root two fsyncs per write cost 3-5 ms each, four
 * writes per create (runc does not fsync either).
 */
export function writeState(root: string, rec: StateRecord): void {
  const dir = containerDir(root, rec.id)
  const tmp = path.join(dir, `.${STATE_FILE}.${process.pid}.tmp`)
  try {
    fs.writeFileSync(tmp, JSON.stringify(rec), { mode: 0o600 })
    fs.renameSync(tmp, path.join(dir, STATE_FILE))
  } catch (err) {
    try { fs.unlinkSync(tmp) } catch { /* already renamed or never made */ }
    throw new TsrunError('system', `write state of ${rec.id}`, { cause: err })
  }
}

/** A missing dir or state.json is runc's "container does not exist". */
export function readState(root: string, id: string): StateRecord {
  const file = path.join(containerDir(root, id), STATE_FILE)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new TsrunError('notfound', 'container does not exist')
    throw new TsrunError('system', `read state of ${id}`, { cause: err })
  }
  let rec: StateRecord
  try {
    rec = JSON.parse(text) as StateRecord
  } catch (err) {
    throw new TsrunError('system', `parse ${file}`, { cause: err })
  }
  // Written by someone else (another runtime sharing --root, an older
  // format): say so instead of failing later on a missing field.
  if (typeof rec !== 'object' || rec === null || rec.id !== id || typeof rec.pid !== 'number' ||
      typeof rec.annotations !== 'object' || typeof rec.hooks !== 'object') {
    throw new TsrunError('system', `${file}: not a tsrun state record`)
  }
  return rec
}

/** Ids with a directory under root, sorted; a root that does not exist yet holds none. */
export function listIds(root: string): string[] {
  let names: fs.Dirent[]
  try {
    names = fs.readdirSync(root, { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new TsrunError('system', `list ${root}`, { cause: err })
  }
  return names.filter((d) => d.isDirectory()).map((d) => d.name).sort()
}

/**
 * Removes <root>/<id> and everything in it; already gone is fine. What a
 * container dir normally holds is removed by name (fs.rmSync's recursive walk
 * costs about a millisecond); anything else falls back to the walk.
 */
export function removeContainerDir(root: string, id: string): void {
  const dir = containerDir(root, id)
  try {
    for (const f of [STATE_FILE, FIFO_FILE, EXEC_CONFIG_FILE]) fs.rmSync(path.join(dir, f), { force: true })
    fs.rmdirSync(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return
    try {
      fs.rmSync(dir, { recursive: true, force: true })
    } catch (e) {
      throw new TsrunError('system', `remove state dir ${dir}`, { cause: e })
    }
  }
}
