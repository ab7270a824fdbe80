// Semantic rules for `process` — shared by config.json (base "/process") and an
// exec process.json (base ""). Messages follow runc's utils_linux.go
// validateProcessSpec and libcontainer/configs/validate/validator.go.
import { configError } from './check'
import { parseIdList } from './idlist'
import { CAPABILITIES, RLIMITS } from './names'
import type { Process } from './spec.generated'

/** Where the process object sits: `base` is its JSON pointer, `file` the document name. */
export interface ProcessAt {
  base: string
  file: string
  /** create/run/exec need something to exec; the spec lets other commands go without. */
  requireArgs: boolean
}

type ProcessCheck = (p: Process, at: ProcessAt) => void

function fail(at: ProcessAt, rel: string, message: string): never {
  throw configError(at.base + rel, message, at.file)
}

// The spec says cwd MUST be absolute; runc checks it before anything else.
function cwd(p: Process, at: ProcessAt): void {
  if (p.cwd === '') fail(at, '/cwd', 'Cwd property must not be empty')
  if (!p.cwd.startsWith('/')) fail(at, '/cwd', 'Cwd must be an absolute path')
}

function args(p: Process, at: ProcessAt): void {
  if (at.requireArgs && !p.args?.length) fail(at, '/args', 'args must not be empty')
}

// runc only warns and drops unknown names ("ignoring unknown or unavailable
// capabilities"); a typo then silently runs with fewer caps, so we refuse it.
// Known-but-unsupported-by-this-kernel caps are the plan's business, not ours.
function capabilities(p: Process, at: ProcessAt): void {
  const caps = p.capabilities
  if (!caps) return
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
    caps[set]?.forEach((name, i) => {
      if (!CAPABILITIES.includes(name)) fail(at, `/capabilities/${set}/${i}`, `unknown capability ${JSON.stringify(name)}`)
    })
  }
}

// config.md: an unmappable type and a duplicated type MUST be errors. soft > hard
// would fail in setrlimit(2) with EINVAL inside the init; say it here instead.
function rlimits(p: Process, at: ProcessAt): void {
  const seen = new Set<string>()
  p.rlimits?.forEach((rl, i) => {
    if (!RLIMITS.includes(rl.type)) fail(at, `/rlimits/${i}/type`, `wrong rlimit value: ${rl.type}`)
    if (seen.has(rl.type)) fail(at, `/rlimits/${i}/type`, `duplicate rlimit type ${rl.type}`)
    seen.add(rl.type)
    if (rl.soft > rl.hard) fail(at, `/rlimits/${i}`, `${rl.type}: soft limit ${rl.soft} exceeds hard limit ${rl.hard}`)
  })
}

// sched_setattr(2) rules, as runc's validator.go `scheduler`.
function scheduler(p: Process, at: ProcessAt): void {
  const s = p.scheduler
  if (!s) return
  const nice = s.nice ?? 0
  if ((s.policy === 'SCHED_OTHER' || s.policy === 'SCHED_BATCH') && (nice < -20 || nice > 19)) {
    fail(at, '/scheduler/nice', `invalid scheduler.nice: ${nice} when scheduler.policy is ${s.policy}`)
  }
  if ((s.priority ?? 0) !== 0 && s.policy !== 'SCHED_FIFO' && s.policy !== 'SCHED_RR') {
    fail(at, '/scheduler/priority', 'scheduler.priority can only be specified for SchedFIFO or SchedRR policy')
  }
  if (s.policy !== 'SCHED_DEADLINE' && (s.runtime || s.deadline || s.period)) {
    fail(at, '/scheduler', 'scheduler runtime/deadline/period can only be specified for SchedDeadline policy')
  }
  // In the spec's list, but only ever an out-of-tree patch: sched_setattr(2) says EINVAL.
  if (s.policy === 'SCHED_ISO') fail(at, '/scheduler/policy', 'SCHED_ISO is not implemented by the Linux kernel')
}

// ioprio_set(2) levels are 0..7 (config.md); the class enum is in the schema.
function ioPriority(p: Process, at: ProcessAt): void {
  const prio = p.ioPriority?.priority ?? 0
  if (prio < 0 || prio > 7) fail(at, '/ioPriority/priority', `invalid ioPriority.Priority: ${prio}`)
}

// Lists in the kernel's cpuset format; runc's "bad CPUAffinity.Initial" errors.
function execCPUAffinity(p: Process, at: ProcessAt): void {
  for (const which of ['initial', 'final'] as const) {
    const list = p.execCPUAffinity?.[which]
    if (list !== undefined && parseIdList(list) === undefined) {
      fail(at, `/execCPUAffinity/${which}`, `invalid CPU list "${list}"`)
    }
  }
}

const processChecks: ProcessCheck[] = [cwd, args, capabilities, rlimits, scheduler, ioPriority, execCPUAffinity]

/** Runs every process rule in order; throws the first failure as a config error. */
export function checkProcess(p: Process, at: ProcessAt): void {
  for (const check of processChecks) check(p, at)
}
