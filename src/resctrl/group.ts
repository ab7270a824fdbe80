// A container's resctrl group (config-linux.md IntelRdt), as runc's
// libcontainer/intelrdt: the control group is <root>/<closID> when a closID
// is given (shared with whoever else names it, and managed outside us), else
// <root>/<container id>; `schemata` gets l3CacheSchema, memBwSchema and
// schemata[]; with enableMonitoring the container also gets its own
// monitoring group, mon_groups/<id>. Every function takes the resctrl root
// (or a record holding it), never looks it up: the unit tests run on a
// temp tree.
import * as fs from '../fsys'
import * as path from '../paths'
import type { LinuxIntelRdt } from '../bundle/spec.generated'
import { TsrunError } from '../errors'

/** The group of one container, recorded before any of it is made so delete can always find it. */
export interface RdtRecord {
  /** the resctrl mount point at create */
  root: string
  /** the control group: <root>/<closID> or <root>/<container id> */
  path: string
  /** <path>/mon_groups/<id> with enableMonitoring, else null */
  monPath: string | null
  /** a closID was given: others may share the group, so delete leaves it (runc's Destroy) */
  shared: boolean
  /** path did not exist at create: tsrun makes it, and may remove it */
  made: boolean
}

/**
 * runc's validator.go intelrdtCheck plus the clos-dir check of its Apply,
 * made before any side effect: the offending field and why, or null.
 */
export function checkIntelRdt(root: string, rdt: LinuxIntelRdt): { field: string; message: string } | null {
  const clos = rdt.closID ?? ''
  if (clos === '.' || clos === '..' || (clos.length > 1 && clos.includes('/'))) {
    return { field: 'closID', message: `invalid intelRdt.ClosID ${JSON.stringify(clos)}` }
  }
  if (rdt.l3CacheSchema && !fs.existsSync(path.join(root, 'info', 'L3'))) {
    return { field: 'l3CacheSchema', message: 'intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled' }
  }
  if (rdt.memBwSchema && !fs.existsSync(path.join(root, 'info', 'MB'))) {
    return { field: 'memBwSchema', message: 'intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled' }
  }
  // runc would fail later on mkdir mon_groups/<id> with a bare ENOENT.
  if (rdt.enableMonitoring && !fs.existsSync(path.join(root, 'info', 'L3_MON'))) {
    return { field: 'enableMonitoring', message: 'intelRdt.enableMonitoring is specified in config, but Intel RDT monitoring is not enabled' }
  }
  // A closID with nothing to write names a class someone configured: it must exist.
  if (clos && schemataOf(rdt) === '' && !fs.existsSync(path.join(root, clos))) {
    return { field: 'closID', message: `clos dir ${path.join(root, clos)} not accessible (must be pre-created when schemata, l3CacheSchema and memBwSchema are empty)` }
  }
  return null
}

/**
 * update --l3-cache-schema / --mem-bw-schema on this host (runc's
 * update.go words): null when resctrl offers what is asked.
 */
export function checkUpdate(root: string | null, rdt: LinuxIntelRdt): string | null {
  if (rdt.l3CacheSchema && (root === null || !fs.existsSync(path.join(root, 'info', 'L3')))) return 'Intel RDT/CAT: l3 cache schema is not enabled'
  if (rdt.memBwSchema && (root === null || !fs.existsSync(path.join(root, 'info', 'MB')))) return 'Intel RDT/MBA: memory bandwidth schema is not enabled'
  return null
}

export function planGroup(root: string, id: string, rdt: LinuxIntelRdt): RdtRecord {
  // closID "/" is the root group itself (runc joins it with SecureJoin): never made nor removed.
  const dir = rdt.closID === '/' ? root : path.join(root, rdt.closID || id)
  return {
    root, path: dir, monPath: rdt.enableMonitoring ? path.join(dir, 'mon_groups', id) : null,
    shared: Boolean(rdt.closID), made: !fs.existsSync(dir),
  }
}

/** The `schemata` text, one line per schema (runc's Set), '' when there is none. */
export function schemataOf(rdt: LinuxIntelRdt): string {
  return [rdt.l3CacheSchema, rdt.memBwSchema, ...(rdt.schemata ?? [])].filter((s) => s).map((s) => `${s}\n`).join('')
}

/**
 * mkdir the control group. False when it appeared after planGroup (another
 * create with the same closID): the caller records that it is not ours.
 */
export function makeGroup(r: RdtRecord): boolean {
  try {
    fs.mkdirSync(r.path, { mode: 0o755 })
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw rdtError(r.root, `mkdir ${r.path}`, err)
  }
}

/** Writes all lines in one write(2): the kernel takes the whole schemata or none of it. */
export function writeSchemata(r: RdtRecord, schemata: string): void {
  if (schemata !== '') writeExisting(r.root, path.join(r.path, 'schemata'), schemata)
}

/** mkdir mon_groups/<id>; one left by an earlier container of the same id is reused, as runc does. */
export function makeMonGroup(r: RdtRecord): void {
  if (r.monPath === null) return
  try {
    fs.mkdirSync(r.monPath, { mode: 0o755 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw rdtError(r.root, `mkdir ${r.monPath}`, err)
  }
}

/**
 * Moves `pid` into the group; its later children inherit it. The control
 * group first: the kernel refuses a task into a monitoring group whose
 * parent is not the task's control group.
 */
export function joinGroup(r: RdtRecord, pid: number): void {
  writeExisting(r.root, path.join(r.path, 'tasks'), String(pid))
  if (r.monPath !== null) writeExisting(r.root, path.join(r.monPath, 'tasks'), String(pid))
}

/**
 * Removes what the container made: its monitoring group, and the control
 * group if tsrun made it and no closID shares it. A create rolling back
 * also removes a shared group it made, unless a task has joined it since.
 */
export function removeGroup(r: RdtRecord, rollback: boolean): void {
  if (r.monPath !== null) rmdirGone(r.root, r.monPath)
  if (!r.made || (r.shared && !(rollback && hasNoTasks(r.path)))) return
  rmdirGone(r.root, r.path)
}

function hasNoTasks(dir: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, 'tasks'), 'utf8').trim() === ''
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
  }
}

function rmdirGone(root: string, dir: string): void {
  try {
    fs.rmdirSync(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw rdtError(root, `rmdir ${dir}`, err)
  }
}

/** O_WRONLY without O_CREAT: a missing resctrl file is ENOENT, never a stray regular file. */
function writeExisting(root: string, file: string, value: string): void {
  try {
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC)
    try { fs.writeSync(fd, value) } finally { fs.closeSync(fd) }
  } catch (err) {
    throw rdtError(root, `write ${JSON.stringify(value)} to ${file}`, err)
  }
}

/**
 * The kernel explains a refused resctrl operation in info/last_cmd_status
 * ("Invalid capacity bitmask", "Can't move task to different control
 * group"): said with the error, as runc's newLastCmdError.
 */
function rdtError(root: string, what: string, err: unknown): TsrunError {
  let status = ''
  try {
    status = fs.readFileSync(path.join(root, 'info', 'last_cmd_status'), 'utf8').trim()
  } catch { /* an older kernel has no last_cmd_status */ }
  return new TsrunError('system', status && status !== 'ok' ? `${what} (last_cmd_status: ${status})` : what, { cause: err })
}
