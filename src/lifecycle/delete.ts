// delete: remove a stopped container (or, with -f, kill it first): its
// processes, cgroup and state, then run poststop hooks. Deleting an id that
// does not exist with -f succeeds quietly (containerd and docker rely on it).
import { SIGKILL } from '../signals'
import * as fs from '../fsys'
import { addon } from '../addon'
import { openCgroup } from '../cgroups/driver'
import { TsrunError, wrap } from '../errors'
import { runHooks } from '../hooks/run'
import { removeGroup } from '../resctrl/group'
import { warn } from '../log'
import { lockContainer, type ContainerLock } from '../state/lock'
import { deriveStatus, initAlive } from '../state/status'
import { readState, removeContainerDir, type StateRecord } from '../state/store'
import { hookState } from './oci-state'
import { killAndReap } from './process'
import type { GlobalOptions } from './index'

export function remove(g: GlobalOptions, o: { id: string; force: boolean }): void {
  let lock: ContainerLock
  try {
    lock = lockContainer(g.root, o.id)
  } catch (err) {
    if (o.force && err instanceof TsrunError && err.kind === 'notfound') return
    throw wrap(`delete ${o.id}`, err)
  }
  try {
    let rec: StateRecord
    try {
      rec = readState(g.root, o.id)
    } catch (err) {
      // A create killed before its first record: only the directory exists.
      if (!(o.force && err instanceof TsrunError && err.kind === 'notfound')) throw err
      removeContainerDir(g.root, o.id)
      return
    }
    // We hold the lock, which create keeps until it is done: "creating"
    // here means that create died, and whatever it started must go.
    const status = deriveStatus(g.root, rec)
    if (status !== 'stopped' && status !== 'creating' && !o.force) {
      throw new TsrunError('state', `cannot delete container ${o.id} that is not stopped: ${status}`)
    }
    destroy(g, rec)
    for (const w of runHooks('poststop', rec.hooks.poststop, hookState(rec, 'stopped'), { warnOnly: true })) {
      warn(w.message)
    }
  } catch (err) {
    throw wrap(`delete ${o.id}`, err)
  } finally {
    lock.release()
  }
}

/** Kill everything still running, then remove the cgroup and resctrl group, then the state. */
function destroy(g: GlobalOptions, rec: StateRecord): void {
  const cg = rec.cgroup ? openCgroup(rec.cgroup) : null
  if (cg) cg.killAll(SIGKILL)
  if (initAlive(rec)) {
    let pidfd = -1
    try {
      pidfd = addon.pidfdOpen(rec.pid)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
    }
    // Re-checked after pidfd_open so a recycled pid is never killed.
    if (pidfd >= 0) {
      if (initAlive(rec)) killAndReap(pidfd)
      else fs.closeSync(pidfd)
    }
  }
  if (cg) cg.destroy()
  if (rec.intelRdt) removeGroup(rec.intelRdt, false)
  removeContainerDir(g.root, rec.id)
}
