// events: stats and OOM notices from the container's cgroup, as runc's
// events.go. OOM events come from the kernel (cgroups/oom-watch.ts: an
// eventfd on v1, inotify on v2), waited for on the threadpool together with
// the init's pidfd and the next stats time, so a notice is printed when it
// happens whatever the interval. Streaming ends when the container has
// stopped (its init exited) or its cgroup is gone (runc would go on logging
// errors after the former).
import * as fs from '../fsys'
import { addon } from '../addon'
import { openCgroup, type CgroupDriver } from '../cgroups/driver'
import { eventJson } from '../cgroups/stats'
import { TsrunError, wrap } from '../errors'
import { rdtStats } from '../resctrl/stats'
import { stdout } from '../log'
import { deriveStatus } from '../state/status'
import { readState, type StateRecord } from '../state/store'
import type { GlobalOptions } from './index'

/** poll(2) takes an int of milliseconds; a longer interval just wakes up early and waits again. */
const MAX_WAIT_MS = 2 ** 31 - 1

export async function events(g: GlobalOptions, o: { id: string; stats: boolean; intervalMs: number }): Promise<void> {
  try {
    const rec = readState(g.root, o.id)
    if (deriveStatus(g.root, rec) === 'stopped') throw notRunning(o.id)
    if (!rec.cgroup) throw new TsrunError('state', 'container has no cgroup')
    const cg = openCgroup(rec.cgroup)
    if (o.stats) {
      stdout(statsJson(o.id, cg, rec) + '\n')
      return
    }
    const pidfd = initPidfd(g, rec)
    try {
      await stream(cg, rec, pidfd, o)
    } finally {
      fs.closeSync(pidfd)
    }
  } catch (err) {
    throw wrap(`events ${o.id}`, err)
  }
}

async function stream(cg: CgroupDriver, rec: StateRecord, pidfd: number, o: { id: string; intervalMs: number }): Promise<void> {
  const watch = cg.watchOom()
  try {
    let nextStats = Date.now() + o.intervalMs
    for (;;) {
      const woke = await addon.awaitEvent(watch.fd, pidfd, Math.min(MAX_WAIT_MS, Math.max(0, nextStats - Date.now())))
      if (woke === 'exit') return
      if (woke === 'event') {
        const { ooms, gone } = watch.woke()
        for (let i = 0; i < ooms; i++) stdout(eventJson('oom', o.id) + '\n')
        if (gone) return
      }
      if (Date.now() >= nextStats) {
        stdout(statsJson(o.id, cg, rec) + '\n')
        nextStats += o.intervalMs
      }
    }
  } finally {
    watch.close()
  }
}

/** The init's pidfd, opened before the liveness check so a reused pid cannot slip in between. */
function initPidfd(g: GlobalOptions, rec: StateRecord): number {
  let pidfd: number
  try {
    pidfd = addon.pidfdOpen(rec.pid)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw notRunning(rec.id)
    throw new TsrunError('system', `pidfd_open ${rec.pid}`, { cause: err })
  }
  if (deriveStatus(g.root, rec) !== 'stopped') return pidfd
  fs.closeSync(pidfd)
  throw notRunning(rec.id)
}

const notRunning = (id: string): TsrunError => new TsrunError('state', `container with id ${id} is not running`)

function statsJson(id: string, cg: CgroupDriver, rec: StateRecord): string {
  return eventJson('stats', id, cg.stats(), rec.intelRdt ? rdtStats(rec.intelRdt) : {})
}
