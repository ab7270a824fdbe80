// linux.seccomp → libseccomp's numbers, compiled to BPF by the addon in the
// parent (crun's split): tsrun-init only calls seccomp(2) with the bytes.
// Names were checked by the schema; what the plan can't carry yet (a notify
// listener) is refused here rather than silently dropped.
import { SCMP, addon, type SeccompRule } from '../addon'
import type { LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg } from '../bundle/spec.generated'
import { TsrunError } from '../errors'

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
const FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1, SECCOMP_FILTER_FLAG_LOG: 2, SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
}

const EPERM = 1
const U64_MAX = (1n << 64n) - 1n

function action(name: LinuxSeccompAction, where: string): number {
  if (name === 'SCMP_ACT_NOTIFY') throw new TsrunError('config', `${where}: SCMP_ACT_NOTIFY is not supported yet`)
  return ACTIONS[name]
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

function arch(name: string): number | undefined {
  return SCMP.ARCH[name.slice('SCMP_ARCH_'.length) as keyof typeof SCMP.ARCH]
}

/** The BPF program and seccomp(2) flags for a profile. */
export function compileSeccomp(s: LinuxSeccomp): { bpf: Uint8Array; flags: number } {
  if (s.listenerPath) throw new TsrunError('config', 'linux.seccomp.listenerPath: seccomp notify listeners are not supported yet')
  const rules: SeccompRule[] = []
  ;(s.syscalls ?? []).forEach((sc, i) => {
    const act = action(sc.action, `linux.seccomp.syscalls[${i}]`)
    for (const syscall of sc.names) {
      rules.push({ syscall, action: act, errno: sc.errnoRet ?? EPERM, args: (sc.args ?? []).map(arg) })
    }
  })
  const bpf = addon.seccompCompile({
    defaultAction: action(s.defaultAction, 'linux.seccomp.defaultAction'),
    defaultErrno: s.defaultErrnoRet ?? EPERM,
    architectures: (s.architectures ?? []).map(arch).filter((a): a is number => a !== undefined),
    rules,
  })
  return { bpf, flags: (s.flags ?? []).reduce((f, name) => f | (FLAGS[name] ?? 0), 0) }
}
