// update: write new limits into a live container's cgroup (runc's
// container.Set). A stopped container has no cgroup to change. With
// memory.checkBeforeUpdate a limit below what the container already uses is
// refused before anything is written (runc 1.2's checkMemoryUsage).
import type { LinuxResources } from '../bundle/spec.generated'
import { TsrunError } from '../errors'
import { withCgroup } from './cgroup'
import type { GlobalOptions } from './index'

export function update(g: GlobalOptions, id: string, resources: LinuxResources): void {
  withCgroup(g, id, 'update', (status, cg) => {
    if (status === 'stopped' || status === 'creating') throw new TsrunError('state', 'container not running')
    const limit = resources.memory?.limit ?? 0
    if (resources.memory?.checkBeforeUpdate && limit > 0) {
      const usage = cg.stats().memory.usage.usage
      if (usage > limit) throw new TsrunError('config', `rejecting memory limit ${limit} below current usage ${usage}`)
    }
    cg.set(resources)
  })
}
