// process.scheduler, process.ioPriority, linux.memoryPolicy and
// linux.personality → the numbers the init hands to the kernel. Names were
// checked by the schema and src/bundle; unknown ones cannot reach here.
import { parseIdList } from '../bundle/idlist'
import type { Linux, Process } from '../bundle/spec.generated'
import type { InitPlan, PlanMemoryPolicy, PlanScheduler } from './types'

/** SCHED_* in <linux/sched.h> order (SCHED_ISO, 4, is reserved and refused by validation). */
const POLICIES = ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE']
/** SCHED_FLAG_* bit n is FLAGS[n] (<linux/sched.h>). */
const SCHED_FLAGS = [
  'SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_RECLAIM', 'SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_KEEP_POLICY',
  'SCHED_FLAG_KEEP_PARAMS', 'SCHED_FLAG_UTIL_CLAMP_MIN', 'SCHED_FLAG_UTIL_CLAMP_MAX',
]
const IOPRIO_CLASSES = ['', 'IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE']
/** MPOL_* modes in <linux/mempolicy.h> order. */
const MPOL_MODES = [
  'MPOL_DEFAULT', 'MPOL_PREFERRED', 'MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_LOCAL', 'MPOL_PREFERRED_MANY',
  'MPOL_WEIGHTED_INTERLEAVE',
]
const MPOL_FLAGS: Record<string, number> = {
  MPOL_F_STATIC_NODES: 1 << 15, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_NUMA_BALANCING: 1 << 13,
}
const PERSONALITIES: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 }

export function compileScheduler(s: Process['scheduler']): PlanScheduler {
  if (!s) return { policy: -1, flags: 0n, nice: 0, priority: 0, runtime: 0n, deadline: 0n, period: 0n }
  return {
    policy: POLICIES.indexOf(s.policy),
    flags: (s.flags ?? []).reduce((bits, f) => bits | 1n << BigInt(SCHED_FLAGS.indexOf(f)), 0n),
    nice: s.nice ?? 0,
    priority: s.priority ?? 0,
    runtime: BigInt(s.runtime ?? 0),
    deadline: BigInt(s.deadline ?? 0),
    period: BigInt(s.period ?? 0),
  }
}

/** ioprio value: class << 13 | level (<linux/ioprio.h>), -1 when unset. */
export function compileIoPriority(p: Process['ioPriority']): number {
  return p ? IOPRIO_CLASSES.indexOf(p.class) << 13 | (p.priority ?? 0) : -1
}

export function compileMemoryPolicy(mp: Linux['memoryPolicy']): PlanMemoryPolicy {
  if (!mp) return { mode: -1, flags: 0, nodes: [] }
  return {
    mode: MPOL_MODES.indexOf(mp.mode),
    flags: (mp.flags ?? []).reduce((bits, f) => bits | MPOL_FLAGS[f], 0),
    nodes: parseIdList(mp.nodes ?? '') ?? [],
  }
}

/**
 * exec's process.execCPUAffinity (config.md; runc's setnsProcess): `initial`
 * is for the parent to pin the new process before it enters the cgroup,
 * `final` for the process once inside. Neither: reset to every CPU. Only
 * `initial`: leave what the kernel gives on the cgroup move. Not for the
 * container's init, whose affinity is always reset.
 */
export function compileExecAffinity(aff: Process['execCPUAffinity']): { initial: number[] } & Pick<InitPlan, 'cpuAffinity' | 'keepCpuAffinity'> {
  const initial = parseIdList(aff?.initial ?? '') ?? []
  const final = parseIdList(aff?.final ?? '') ?? []
  return { initial, cpuAffinity: final, keepCpuAffinity: final.length === 0 && initial.length > 0 }
}

export function compilePersonality(p: Linux['personality']): number {
  return p ? PERSONALITIES[p.domain] : -1
}
