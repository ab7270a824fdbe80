// update: write new limits into a live container's cgroup (runc's
// container.Set). A stopped container has no cgroup to change. With
// memory.checkBeforeUpdate a limit below what the container already uses is
// refused before anything is written (runc 1.2's checkMemoryUsage).
import type { LinuxIntelRdt, LinuxResources } from '../bundle/spec.generated'
import { TsrunError } from '../errors'
import { schemataOf, writeSchemata } from '../resctrl/group'
import { withCgroup } from './cgroup'
import type { GlobalOptions } from './index'

/** `rdt`: new l3CacheSchema / memBwSchema lines; resctrl keeps the lines not written. */
export function update(g: GlobalOptions, id: string, resources: LinuxResources, rdt: LinuxIntelRdt = {}): void {
  withCgroup(g, id, 'update', (status, cg, rec) => {
    if (status === 'stopped' || status === 'creating') throw new TsrunError('state', 'container not running')
    const schemata = schemataOf(rdt)
    // runc's: update cannot give a container a group create did not.
    if (schemata && !rec.intelRdt) throw new TsrunError('config', 'updating a non-existent Intel RDT configuration is not supported')
    const limit = resources.memory?.limit ?? 0
    if (resources.memory?.checkBeforeUpdate && limit > 0) {
      const usage = cg.stats().memory.usage.usage
      if (usage > limit) throw new TsrunError('config', `rejecting memory limit ${limit} below current usage ${usage}`)
    }
    cg.set(resources)
    if (schemata && rec.intelRdt) writeSchemata(rec.intelRdt, schemata)
  })
}
