// The live status of a container, derived on every read as runc does
// (container_linux.go refreshState/runType): the record says what we did,
// /proc and the cgroup say what is true now.

import * as fs from '../fsys'
import * as path from '../paths'
import { TsrunError } from '../errors'
import { openCgroup } from '../cgroups/driver'
import { FIFO_FILE, containerDir, type StateRecord } from './store'

export type LiveStatus = 'creating' | 'created' | 'running' | 'stopped' | 'paused'

interface ProcStat { state: string; startTime: string }

/** /proc/<pid>/stat fields 3 (state) and 22 (start time in clock ticks); null if no such pid. */
export function procStat(pid: number): ProcStat | null {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ESRCH') return null
    throw new TsrunError('system', `read /proc/${pid}/stat`, { cause: err })
  }
  // comm (field 2) may hold spaces and ')': the fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { state: rest[0], startTime: rest[19] }
}

/** Field 22 of /proc/<pid>/stat, recorded at create to recognise our pid later; null if gone. */
export function procStartTime(pid: number): string | null {
  return procStat(pid)?.startTime ?? null
}

/**
 * True when the recorded pid still runs *our* process: same start time (a
 * recycled pid never matches) and not a zombie or dead task.
 */
export function initAlive(rec: Pick<StateRecord, 'pid' | 'startTime'>): boolean {
  if (rec.pid <= 0 || rec.startTime === '') return false
  const st = procStat(rec.pid)
  return st !== null && st.startTime === rec.startTime && st.state !== 'Z' && st.state !== 'X'
}

/**
 * The status `state`/`list` report. 'creating' stays 'creating' while the
 * record says so: a caller holding the container lock that still sees
 * 'creating' knows the creating tsrun died (it holds the lock for the whole
 * create) and should treat the container as stopped.
 */
export function deriveStatus(root: string, rec: StateRecord): LiveStatus {
  if (rec.status === 'creating') return 'creating'
  // runc checks the freezer first: a frozen cgroup is paused whatever else holds.
  if (rec.cgroup && openCgroup(rec.cgroup).freezerState() === 'FROZEN') return 'paused'
  if (!initAlive(rec)) return 'stopped'
  // The fifo exists from create until start opens it: the init waits on it.
  return fs.existsSync(path.join(containerDir(root, rec.id), FIFO_FILE)) ? 'created' : 'running'
}
