// cgroup v1 (and hybrid) driver: one directory per hierarchy, all with the
// same relative path; joint hierarchies (cpu,cpuacct) share one directory; on
// hybrid hosts the cgroup2 mount's directory (key '') is created and joined too.

import * as fs from '../fsys'
import * as path from '../paths'
import { TsrunError } from '../errors'
import type { CgroupDriver, CgroupRecord, FreezerState } from './driver'
import { detectLayout } from './detect'
import type { CgroupWrite, Resources } from './resources'
import type { OomWatch } from './oom-watch'
import type { Stats } from './stats'
import { applyWrite, exists, pollUntil, readCgroupFile, readPidsRecursive, removeCgroupDirs, signalFrozen, writeCgroupFile } from './fsio'
// Write planning, stats, the OOM watch and the v2 driver are required where they are used:
// state, kill and delete load this driver to read a file or two.

const CGROUP_SUPER_MAGIC = 0x27e0eb

/** Controllers a hybrid host may offer on its cgroup2 mount only, and their resource. */
const V2_ONLY: Record<string, 'hugepageLimits' | 'rdma'> = { hugetlb: 'hugepageLimits', rdma: 'rdma' }

/** applyWrite, with runc's words for a limit below what the cgroup already uses. */
function writeV1(dir: string, w: CgroupWrite): void {
  try {
    applyWrite(dir, w)
  } catch (err) {
    const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code
    if (w.file !== 'memory.limit_in_bytes' || code !== 'EBUSY') throw err
    const usage = readCgroupFile(dir, 'memory.usage_in_bytes').trim()
    const peak = readCgroupFile(dir, 'memory.max_usage_in_bytes').trim()
    throw new TsrunError('system', `unable to set memory limit to ${w.value} (current usage: ${usage}, peak usage: ${peak})`, { cause: err })
  }
}

/** The hybrid host's cgroup2 mountpoint, if it offers `controller`. */
function unifiedOffering(controller: string): string | null {
  const layout = detectLayout()
  if (layout.mode !== 'v1' || !layout.unified) return null
  const mount = layout.unified.mountpoint
  return readCgroupFile(mount, 'cgroup.controllers').split(/\s+/).includes(controller) ? mount : null
}

export class V1Driver implements CgroupDriver {
  readonly cgroup2Dir: string | null

  constructor(readonly record: Extract<CgroupRecord, { driver: 'v1' }>) {
    this.cgroup2Dir = record.paths[''] ?? null
  }

  private dirs(): string[] {
    return [...new Set(Object.values(this.record.paths))]
  }

  create(resources: Resources = {}): void {
    const cpuset = this.record.paths.cpuset
    for (const dir of this.dirs()) {
      if (dir === cpuset) ensureCpusetParents(path.dirname(dir))
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
      } catch (err) {
        throw new TsrunError('system', `create cgroup ${dir}`, { cause: err })
      }
    }
    this.set(resources)
    // A new cpuset cgroup has empty cpus/mems and refuses tasks (ENOSPC):
    // inherit whatever the spec did not set, as runc's ensureCpusAndMems.
    if (cpuset !== undefined) copyCpusetIfEmpty(cpuset)
  }

  set(resources: Resources): void {
    const { paths } = this.record
    const { v1Writes } = require('./writes-v1') as typeof import('./writes-v1')
    const writes = v1Writes(resources, { memoryLimit: this.memoryLimit(resources) })
    const onUnified = new Set<string>()
    let mount: string | null = null
    for (const w of writes) {
      const dir = paths[w.controller]
      if (dir !== undefined) writeV1(dir, w)
      else if (paths[''] !== undefined && V2_ONLY[w.controller] && (mount = unifiedOffering(w.controller))) onUnified.add(w.controller)
      else throw new TsrunError('config', `cgroup controller ${w.controller} is not mounted (needed for ${w.file})`)
    }
    // Hybrid hosts may have a controller (hugetlb) on the cgroup2 mount only.
    if (mount !== null) {
      const picked: Resources = {}
      for (const c of onUnified) Object.assign(picked, { [V2_ONLY[c]]: resources[V2_ONLY[c]] })
      const { V2Driver } = require('./v2') as typeof import('./v2')
      new V2Driver({ driver: 'v2', mount, path: paths[''] }).create(picked)
    }
  }

  /** memory.limit_in_bytes now, when the memory and swap write order depends on it. */
  private memoryLimit(r: Resources): number {
    const dir = this.record.paths.memory
    if (!r.memory?.limit || !r.memory.swap || dir === undefined) return Infinity
    return Number(readCgroupFile(dir, 'memory.limit_in_bytes').trim())
  }

  selfJoinFiles(): string[] {
    const unified = this.record.paths['']
    return this.dirs().filter((d) => d !== unified).map((d) => path.join(d, 'tasks'))
  }

  apply(pid: number, selfJoined = false, joined?: string): void {
    const unified = this.record.paths['']
    const dirs = !selfJoined ? this.dirs() : unified === undefined ? [] : [unified]
    for (const dir of dirs) if (dir !== joined) writeCgroupFile(dir, 'cgroup.procs', String(pid))
  }

  pids(): number[] {
    const p = this.record.paths
    const dir = p.freezer ?? p.devices ?? p.pids ?? this.dirs()[0]
    return dir === undefined ? [] : readPidsRecursive(dir)
  }

  freeze(): void {
    const dir = this.freezerDir()
    // The kernel may stay FREEZING while tasks are busy; re-writing FROZEN
    // now and then nudges it (runc's fs/freezer.go does the same).
    const ok = pollUntil(() => this.freezerState() === 'FROZEN', (i) => {
      if (i % 25 === 0) writeCgroupFile(dir, 'freezer.state', 'FROZEN')
    })
    if (!ok) {
      this.thaw()
      throw new TsrunError('system', `freeze ${dir}: still FREEZING after 1s`)
    }
  }

  thaw(): void {
    writeCgroupFile(this.freezerDir(), 'freezer.state', 'THAWED')
  }

  freezerState(): FreezerState {
    const dir = this.record.paths.freezer
    if (dir === undefined) return ''
    if (!exists(dir)) return 'THAWED'
    return readCgroupFile(dir, 'freezer.state').trim() as FreezerState
  }

  killAll(signal: number): void {
    signalFrozen(this, signal)
  }

  stats(): Stats {
    return (require('./stats-v1') as typeof import('./stats-v1')).statsV1(this.record.paths)
  }

  watchOom(): OomWatch {
    return (require('./oom-watch') as typeof import('./oom-watch')).watchOomV1(this.record.paths.memory)
  }

  destroy(): void {
    removeCgroupDirs(this.dirs())
  }

  private freezerDir(): string {
    const dir = this.record.paths.freezer
    if (dir === undefined) throw new TsrunError('state', 'no freezer cgroup hierarchy mounted')
    return dir
  }
}

function isCgroupFs(dir: string): boolean {
  try {
    return fs.statfsSync(dir).type === CGROUP_SUPER_MAGIC
  } catch (err) {
    // Not made yet: it will be, inside the hierarchy.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw new TsrunError('system', `statfs ${dir}`, { cause: err })
  }
}

/** runc's cpusetEnsureParent: make every ancestor below the mount, each with
 *  cpus/mems copied from its parent, top down. */
function ensureCpusetParents(dir: string): void {
  if (!isCgroupFs(path.dirname(dir))) return // dir is the hierarchy's root
  ensureCpusetParents(path.dirname(dir))
  try {
    fs.mkdirSync(dir, { mode: 0o755 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new TsrunError('system', `create cgroup ${dir}`, { cause: err })
  }
  copyCpusetIfEmpty(dir)
}

function copyCpusetIfEmpty(dir: string): void {
  const parent = path.dirname(dir)
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if (readCgroupFile(dir, file).trim() === '') writeCgroupFile(dir, file, readCgroupFile(parent, file))
  }
}
