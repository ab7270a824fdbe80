// pause / resume: freeze or thaw the container's cgroup, as runc's
// container_linux.go Pause/Resume. There is no status to write: deriveStatus
// reads the freezer, so a frozen cgroup *is* a paused container. runc 1.1.5
// pauses a created container too (its init waits on the fifo, frozen), and
// resume brings it back to created.
import { TsrunError } from '../errors'
import { withCgroup } from './cgroup'
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
