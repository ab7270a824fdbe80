// events: stats and OOM notices from the container's cgroup, as runc's
// events.go. The OOM kill counter is polled (memory.oom_control on v1,
// memory.events on v2): one reader for both layouts, no eventfd. Streaming
// ends when the container has stopped (runc would go on logging errors).
import { openCgroup, type CgroupDriver } from '../cgroups/driver'
import { eventJson } from '../cgroups/stats'
import { TsrunError, wrap } from '../errors'
import { stdout } from '../log'
import { deriveStatus } from '../state/status'
import { readState, type StateRecord } from '../state/store'
import type { GlobalOptions } from './index'

const OOM_POLL_MS = 100

export async function events(g: GlobalOptions, o: { id: string; stats: boolean; intervalMs: number }): Promise<void> {
  let rec: StateRecord
  let cg: CgroupDriver
  try {
    rec = readState(g.root, o.id)
    if (deriveStatus(g.root, rec) === 'stopped') throw new TsrunError('state', `container with id ${o.id} is not running`)
    if (!rec.cgroup) throw new TsrunError('state', 'container has no cgroup')
    cg = openCgroup(rec.cgroup)
    if (o.stats) {
      stdout(eventJson('stats', o.id, cg.stats()) + '\n')
      return
    }
  } catch (err) {
    throw wrap(`events ${o.id}`, err)
  }
  let ooms = cg.oomKills()
  let nextStats = Date.now() + o.intervalMs
  for (;;) {
    await new Promise((r) => setTimeout(r, Math.min(OOM_POLL_MS, Math.max(0, nextStats - Date.now()))))
    const now = cg.oomKills()
    for (; ooms < now; ooms++) stdout(eventJson('oom', o.id) + '\n')
    if (deriveStatus(g.root, rec) === 'stopped') return
    if (Date.now() >= nextStats) {
      stdout(eventJson('stats', o.id, cg.stats()) + '\n')
      nextStats += o.intervalMs
    }
  }
}
