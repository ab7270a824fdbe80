// pause / resume: freeze or thaw the container's cgroup, as runc's
// container_linux.go Pause/Resume. There is no status to write: deriveStatus
// reads the freezer, so a frozen cgroup *is* a paused container. runc 1.1.5
// pauses a created container too (its init waits on the fifo, frozen), and
// resume brings it back to created.
import { openCgroup, type CgroupDriver } from '../cgroups/driver'
import { TsrunError, wrap } from '../errors'
import { lockContainer } from '../state/lock'
import { deriveStatus, type LiveStatus } from '../state/status'
import { readState } from '../state/store'
import type { GlobalOptions } from './index'

export function pause(g: GlobalOptions, id: string): void {
  withCgroup(g, id, 'pause', (status, cg) => {
    if (status !== 'running' && status !== 'created') throw new TsrunError('state', 'container not running')
    cg.freeze()
  })
}

export function resume(g: GlobalOptions, id: string): void {
  withCgroup(g, id, 'resume', (status, cg) => {
    if (status !== 'paused') throw new TsrunError('state', 'container not paused')
    cg.thaw()
  })
}

/** Runs `act` under the container lock with its live status and cgroup. */
function withCgroup(g: GlobalOptions, id: string, op: string, act: (status: LiveStatus, cg: CgroupDriver) => void): void {
  try {
    const lock = lockContainer(g.root, id)
    try {
      const rec = readState(g.root, id)
      const status = deriveStatus(g.root, rec)
      // Only a rootless container without cgroup access has none (lifecycle/cgroup.ts).
      if (!rec.cgroup) throw new TsrunError('state', 'container has no cgroup of its own (rootless, without cgroup access)')
      act(status, openCgroup(rec.cgroup))
    } finally {
      lock.release()
    }
  } catch (err) {
    throw wrap(`${op} ${id}`, err)
  }
}
