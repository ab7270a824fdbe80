// OOM notification, as runc's notify_linux.go (v1) and notify_v2_linux.go
// (v2): the kernel wakes an fd instead of tsrun polling a counter. v1: an
// eventfd registered for memory.oom_control counts OOM events (one record
// per wake-up, as runc; also with the OOM killer disabled) and fires once
// more when the cgroup is removed. v2: inotify on memory.events and
// cgroup.events; a record per oom_kill increase; populated 0 ends it.

import * as fs from '../fsys'
import * as path from '../paths'
import { TsrunError } from '../errors'
import { exists, readCgroupFile } from './fsio'
import { oomKillsV2 } from './stats-v2'

export interface OomWatch {
  /** What to wait on (addon.awaitEvent); -1 when the cgroup has no memory controller. */
  readonly fd: number
  /** After fd woke: how many oom records that makes, and whether the cgroup is gone or empty (stop). */
  woke(): { ooms: number; gone: boolean }
  close(): void
}

function addonCall<T>(what: string, call: () => T): T {
  try {
    return call()
  } catch (err) {
    throw new TsrunError('system', what, { cause: err })
  }
}

const closeFd = (fd: number) => () => { if (fd >= 0) fs.closeSync(fd) }

/** v1: memory hierarchy dir, or undefined when it is not mounted. */
export function watchOomV1(memoryDir: string | undefined): OomWatch {
  if (memoryDir === undefined) return { fd: -1, woke: () => ({ ooms: 0, gone: false }), close: () => {} }
  const { addon } = require('../addon') as typeof import('../addon')
  const fd = addonCall(`watch OOM events of ${memoryDir}`, () => addon.oomEventfd(memoryDir))
  return {
    fd,
    // The removal wakes the eventfd too; runc tells it apart by the control file being gone.
    woke: () => exists(path.join(memoryDir, 'memory.oom_control')) ? { ooms: 1, gone: false } : { ooms: 0, gone: true },
    close: closeFd(fd),
  }
}

/** v2: the container's cgroup dir (memory.events only where the memory controller is enabled). */
export function watchOomV2(dir: string): OomWatch {
  const { addon } = require('../addon') as typeof import('../addon')
  const files = ['cgroup.events', 'memory.events'].map((f) => path.join(dir, f)).filter(exists)
  // Watched before the count is read: a kill in between is a wake-up, not lost.
  const fd = addonCall(`watch OOM events of ${dir}`, () => addon.inotifyModify(files))
  let kills = oomKillsV2(dir)
  return {
    fd,
    woke: () => {
      if (!exists(path.join(dir, 'cgroup.events'))) return { ooms: 0, gone: true }
      const now = oomKillsV2(dir)
      const ooms = Number(now - kills)
      kills = now
      return { ooms, gone: /^populated 0$/m.test(readCgroupFile(dir, 'cgroup.events')) }
    },
    close: closeFd(fd),
  }
}
