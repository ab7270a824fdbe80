// linux.seccomp → libseccomp's numbers, compiled to BPF by the addon in the
// parent (crun's split): tsrun-init only calls seccomp(2) with the bytes.
// Names, archs and rule shapes were checked by src/bundle (checks-linux.ts);
// what libseccomp still refuses is reported here by its JSON pointer.
import { SCMP, addon, type SeccompRule } from '../addon'
import type { LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg } from '../bundle/spec.generated'
import { configError } from '../bundle/check'

/** SCMP_ACT_* with the errno/trace-number field left 0: the addon folds errnoRet in. */
const ACTIONS: Record<LinuxSeccompAction, number> = {
  SCMP_ACT_KILL: SCMP.ACT.KILL,
  SCMP_ACT_KILL_THREAD: SCMP.ACT.KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: SCMP.ACT.KILL_PROCESS,
  SCMP_ACT_TRAP: SCMP.ACT.TRAP,
  SCMP_ACT_ERRNO: SCMP.ACT.ERRNO(0),
  SCMP_ACT_TRACE: SCMP.ACT.TRACE(0),
  SCMP_ACT_LOG: SCMP.ACT.LOG,
  SCMP_ACT_ALLOW: SCMP.ACT.ALLOW,
  SCMP_ACT_NOTIFY: SCMP.ACT.NOTIFY,
}

/** SECCOMP_FILTER_FLAG_* (<linux/seccomp.h>) for seccomp(2) itself. */
export const FILTER_FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1, SECCOMP_FILTER_FLAG_LOG: 2, SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
}
const NEW_LISTENER = 8
const TSYNC = 1
const TSYNC_ESRCH = 16

const EPERM = 1
const U64_MAX = (1n << 64n) - 1n

/** Where the notify listener fd goes (config-linux.md, listenerPath). */
export interface SeccompListener { path: string; metadata: string }

export interface CompiledSeccomp {
  bpf: Uint8Array
  flags: number
}

/** Where the init's notify fd goes; null when no rule notifies (the init then sends none). */
export function listenerOf(s: LinuxSeccomp | undefined): SeccompListener | null {
  if (!s?.syscalls?.some((sc) => sc.action === 'SCMP_ACT_NOTIFY')) return null
  return { path: s.listenerPath ?? '', metadata: s.listenerMetadata ?? '' }
}

// JSON numbers near 2^64 arrive rounded up: clamp to the largest u64.
function u64(v: number | undefined): bigint {
  if (v === undefined) return 0n
  const b = BigInt(Math.trunc(v))
  return b > U64_MAX ? U64_MAX : b
}

function arg(a: LinuxSeccompArg): SeccompRule['args'][number] {
  return { index: a.index, op: SCMP.CMP[a.op.slice('SCMP_CMP_'.length) as keyof typeof SCMP.CMP], value: u64(a.value), valueTwo: u64(a.valueTwo) }
}

/**
 * The seccomp(2) flags: the profile's, plus NEW_LISTENER when a rule
 * notifies. The kernel refuses TSYNC with NEW_LISTENER unless TSYNC_ESRCH
 * says how a failed sync is reported (our init has one thread anyway).
 */
function filterFlags(s: LinuxSeccomp, notify: boolean): number {
  let flags = (s.flags ?? []).reduce((f, name) => f | FILTER_FLAGS[name], 0)
  if (notify) flags |= NEW_LISTENER
  if (notify && flags & TSYNC) flags |= TSYNC_ESRCH
  return flags
}

/** The BPF program and seccomp(2) flags for a profile. */
export function compileSeccomp(s: LinuxSeccomp): CompiledSeccomp {
  const rules: SeccompRule[] = []
  const where: string[] = []
  ;(s.syscalls ?? []).forEach((sc, i) => {
    for (const syscall of sc.names) {
      rules.push({ syscall, action: ACTIONS[sc.action], errno: sc.errnoRet ?? EPERM, args: (sc.args ?? []).map(arg) })
      where.push(`/linux/seccomp/syscalls/${i}`)
    }
  })
  let bpf: Uint8Array
  try {
    bpf = addon.seccompCompile({
      defaultAction: ACTIONS[s.defaultAction],
      defaultErrno: s.defaultErrnoRet ?? EPERM,
      architectures: (s.architectures ?? []).map((a) => SCMP.ARCH[a.slice('SCMP_ARCH_'.length)]),
      rules,
    })
  } catch (err) {
    const rule = (err as { rule?: number }).rule
    if (rule === undefined) throw err
    throw configError(where[rule], `${rules[rule].syscall}: ${(err as Error).message}`)
  }
  return { bpf, flags: filterFlags(s, listenerOf(s) !== null) }
}
