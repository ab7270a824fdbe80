// kill: signal the container's init through a pidfd (never a recycled pid),
// or with --all every process in its cgroup.
import { SIGKILL } from '../signals'
import * as fs from '../fsys'
import { addon } from '../addon'
import { openCgroup } from '../cgroups/driver'
import { TsrunError, wrap } from '../errors'
import { deriveStatus, initAlive } from '../state/status'
import { readState } from '../state/store'
import type { GlobalOptions } from './index'

export function kill(g: GlobalOptions, o: { id: string; signal: number; all: boolean }): void {
  try {
    const rec = readState(g.root, o.id)
    const status = deriveStatus(g.root, rec)
    if (status === 'stopped' || status === 'creating') throw new TsrunError('state', 'container not running')
    if (o.all && rec.cgroup) {
      openCgroup(rec.cgroup).killAll(o.signal)
      return
    }
    signalInit(rec, o.signal)
    // A frozen task takes no signal until thawed (cgroup v1): runc 1.1.5
    // thaws a paused container after SIGKILL only, so it dies; others wait.
    if (status === 'paused' && o.signal === SIGKILL && rec.cgroup) openCgroup(rec.cgroup).thaw()
  } catch (err) {
    throw wrap(`kill ${o.id}`, err)
  }
}

export function signalInit(rec: { pid: number; startTime: string }, signal: number): void {
  let pidfd: number
  try {
    pidfd = addon.pidfdOpen(rec.pid)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw new TsrunError('state', 'no such process', { cause: err })
    throw err
  }
  try {
    // Checked after pidfd_open: from here the fd pins the process we verified.
    if (!initAlive(rec)) throw new TsrunError('state', 'no such process')
    addon.pidfdSendSignal(pidfd, signal)
  } finally {
    fs.closeSync(pidfd)
  }
}
