// update: write new limits into a live container's cgroup (runc's
// container.Set). A stopped container has no cgroup to change. With
// memory.checkBeforeUpdate a limit below what the container already uses is
// refused before anything is written (runc 1.2's checkMemoryUsage).
import type { LinuxResources } from '../bundle/spec.generated'
import { openCgroup } from '../cgroups/driver'
import { TsrunError, wrap } from '../errors'
import { lockContainer } from '../state/lock'
import { deriveStatus } from '../state/status'
import { readState } from '../state/store'
import type { GlobalOptions } from './index'

export function update(g: GlobalOptions, id: string, resources: LinuxResources): void {
  try {
    const lock = lockContainer(g.root, id)
    try {
      const rec = readState(g.root, id)
      const status = deriveStatus(g.root, rec)
      if (status === 'stopped' || status === 'creating') throw new TsrunError('state', 'container not running')
      if (!rec.cgroup) throw new TsrunError('state', 'container has no cgroup')
      const cg = openCgroup(rec.cgroup)
      const limit = resources.memory?.limit ?? 0
      if (resources.memory?.checkBeforeUpdate && limit > 0) {
        const usage = cg.stats().memory.usage.usage
        if (usage > limit) throw new TsrunError('config', `rejecting memory limit ${limit} below current usage ${usage}`)
      }
      cg.set(resources)
    } finally {
      lock.release()
    }
  } catch (err) {
    throw wrap(`update ${id}`, err)
  }
}
