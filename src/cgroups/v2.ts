// cgroup v2 (unified) driver: one directory; controllers must be enabled in
// every ancestor's cgroup.subtree_control before the leaf can use them.

import { SIGKILL } from '../signals'
import * as fs from '../fsys'
import * as path from '../paths'
import { TsrunError } from '../errors'
import type { CgroupDriver, CgroupRecord, FreezerState } from './driver'
import type { Resources } from './resources'
import type { OomWatch } from './oom-watch'
import type { Stats } from './stats'
import { applyWrite, exists, pollUntil, readCgroupFile, readPidsRecursive, removeCgroupDirs, signalFrozen, writeCgroupFile } from './fsio'
// Write planning, stats, the OOM watch and device programs are required where they are used:
// state, kill and delete load this driver to read a file or two.

export class V2Driver implements CgroupDriver {
  readonly cgroup2Dir: string

  constructor(readonly record: Extract<CgroupRecord, { driver: 'v2' }>) {
    this.cgroup2Dir = record.path
  }

  create(resources: Resources = {}): void {
    const { mount, path: leaf } = this.record
    const rel = path.relative(mount, leaf)
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new TsrunError('config', `cgroup ${leaf} is not under ${mount}`)
    let cur = mount
    for (const part of rel === '' ? [] : rel.split('/')) {
      enableControllers(cur)
      cur = path.join(cur, part)
      try {
        fs.mkdirSync(cur, { mode: 0o755 })
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new TsrunError('system', `create cgroup ${cur}`, { cause: err })
      }
    }
    this.set(resources)
  }

  set(resources: Resources): void {
    const writes = (require('./writes-v2') as typeof import('./writes-v2')).v2Writes(resources)
    // Devices first, as runc: the limits below cannot loosen them.
    if (resources.devices) {
      const { addon } = require('../addon') as typeof import('../addon')
      const { emulate } = require('./devices') as typeof import('./devices')
      const { deviceProgram } = require('./devices-bpf') as typeof import('./devices-bpf')
      try {
        addon.attachDeviceProgram(this.record.path, deviceProgram(emulate(resources.devices)))
      } catch (err) {
        throw new TsrunError('system', `apply device rules to ${this.record.path}`, { cause: err })
      }
    }
    for (const w of writes) applyWrite(this.record.path, w)
  }

  selfJoinFiles(): string[] {
    return []
  }

  apply(pid: number, _selfJoined = false, joined?: string): void {
    if (joined !== this.record.path) writeCgroupFile(this.record.path, 'cgroup.procs', String(pid))
  }

  pids(): number[] {
    return readPidsRecursive(this.record.path)
  }

  freeze(): void {
    writeCgroupFile(this.record.path, 'cgroup.freeze', '1')
    if (!pollUntil(() => this.freezerState() === 'FROZEN')) {
      this.thaw()
      throw new TsrunError('system', `freeze ${this.record.path}: not frozen after 1s`)
    }
  }

  thaw(): void {
    writeCgroupFile(this.record.path, 'cgroup.freeze', '0')
  }

  /** cgroup.freeze is what was asked; cgroup.events "frozen 1" is what the kernel finished. */
  freezerState(): FreezerState {
    const dir = this.record.path
    if (!exists(path.join(dir, 'cgroup.freeze'))) return 'THAWED'
    if (readCgroupFile(dir, 'cgroup.freeze').trim() === '0') return 'THAWED'
    return /^frozen 1$/m.test(readCgroupFile(dir, 'cgroup.events')) ? 'FROZEN' : 'FREEZING'
  }

  killAll(signal: number): void {
    // cgroup.kill (Linux 5.14) kills every process atomically, forks included.
    if (signal === SIGKILL && exists(path.join(this.record.path, 'cgroup.kill'))) {
      writeCgroupFile(this.record.path, 'cgroup.kill', '1')
      return
    }
    signalFrozen(this, signal)
  }

  stats(): Stats {
    return (require('./stats-v2') as typeof import('./stats-v2')).statsV2(this.record.path)
  }

  watchOom(): OomWatch {
    return (require('./oom-watch') as typeof import('./oom-watch')).watchOomV2(this.record.path)
  }

  destroy(): void {
    removeCgroupDirs([this.record.path])
  }
}

/**
 * Enables every controller `dir` offers for its children, as runc's
 * CreateCgroupPath: all at once, else one by one ignoring refusals (a busy
 * or delegated cgroup may refuse some; a resource write that needs one then
 * fails with its own file name).
 */
function enableControllers(dir: string): void {
  const ctrls = readCgroupFile(dir, 'cgroup.controllers').split(/\s+/).filter(Boolean)
  if (ctrls.length === 0) return
  try {
    writeCgroupFile(dir, 'cgroup.subtree_control', ctrls.map((c) => '+' + c).join(' '))
  } catch {
    for (const c of ctrls) {
      try { writeCgroupFile(dir, 'cgroup.subtree_control', '+' + c) } catch { /* see above */ }
    }
  }
}
