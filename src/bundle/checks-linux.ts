// Rules for linux.seccomp, linux.memoryPolicy and linux.personality that the enums in the schema
// can't express. Seccomp rules follow config-linux.md and runc's
// libcontainer/seccomp (errors that would otherwise come from inside the init).
import { SCMP } from '../addon'
import { type Check, configError } from './check'
import { parseIdList } from './idlist'
import type { LinuxSeccompAction } from './spec.generated'

/** config-linux.md: only these actions carry an errno; others MUST be an error. */
function takesErrno(action: LinuxSeccompAction): boolean {
  return action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE'
}

export const seccomp: Check = (spec) => {
  const s = spec.linux?.seccomp
  if (!s) return
  const at = '/linux/seccomp'
  // A notify default would also catch the write(2) the init needs to hand over
  // the listener fd, so the init would hang (runc seccomp_linux.go).
  if (s.defaultAction === 'SCMP_ACT_NOTIFY') {
    throw configError(`${at}/defaultAction`, 'SCMP_ACT_NOTIFY cannot be used as default action')
  }
  if (s.defaultErrnoRet !== undefined && !takesErrno(s.defaultAction)) {
    throw configError(`${at}/defaultErrnoRet`, `errno return code is not supported for action ${s.defaultAction}`)
  }
  s.architectures?.forEach((arch, i) => {
    if (SCMP.ARCH[arch.slice('SCMP_ARCH_'.length)] === undefined) {
      throw configError(`${at}/architectures/${i}`, `${arch} is not supported by this build's libseccomp`)
    }
  })
  // The kernel takes this flag only with a listener (seccomp_set_mode_filter).
  if (s.flags?.includes('SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV') && !s.syscalls?.some((r) => r.action === 'SCMP_ACT_NOTIFY')) {
    throw configError(`${at}/flags`, 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a SCMP_ACT_NOTIFY rule')
  }
  if (s.listenerMetadata && !s.listenerPath) {
    throw configError(`${at}/listenerMetadata`, 'listenerMetadata must not be set without listenerPath')
  }
  s.syscalls?.forEach((rule, i) => {
    const r = `${at}/syscalls/${i}`
    if (rule.errnoRet !== undefined && !takesErrno(rule.action)) {
      throw configError(`${r}/errnoRet`, `errno return code is not supported for action ${rule.action}`)
    }
    rule.names.forEach((name, j) => {
      if (name === '') throw configError(`${r}/names/${j}`, 'empty string is not a valid syscall')
    })
    if (rule.action === 'SCMP_ACT_NOTIFY') {
      if (rule.names.includes('write')) throw configError(`${r}/names`, 'SCMP_ACT_NOTIFY cannot be used for the write syscall')
      // tsrun-init hands the listener fd to tsrun with sendmsg(2): notifying
      // it would wait for a listener that has not got the fd yet.
      if (rule.names.includes('sendmsg')) throw configError(`${r}/names`, 'SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall')
      // runc finds this only after the container is started; we know it now.
      if (!s.listenerPath) throw configError(`${at}/listenerPath`, 'seccomp listenerPath is not set')
    }
    rule.args?.forEach((arg, j) => {
      // Syscalls take at most six arguments; libseccomp rejects a higher index.
      if (arg.index > 5) throw configError(`${r}/args/${j}/index`, `syscall argument index ${arg.index} is out of range (0-5)`)
    })
  })
}

// set_mempolicy(2): DEFAULT and LOCAL take no nodes; BIND, INTERLEAVE,
// WEIGHTED_INTERLEAVE and PREFERRED_MANY need at least one; PREFERRED takes any.
export const memoryPolicy: Check = (spec) => {
  const mp = spec.linux?.memoryPolicy
  if (!mp) return
  const nodes = parseIdList(mp.nodes ?? '')
  if (nodes === undefined) throw configError('/linux/memoryPolicy/nodes', `invalid memory policy nodes "${mp.nodes}"`)
  const count = nodes.length
  switch (mp.mode) {
    case 'MPOL_DEFAULT':
    case 'MPOL_LOCAL':
      if (count !== 0) throw configError('/linux/memoryPolicy/nodes', `memory policy mode requires 0 nodes but got ${count}`)
      break
    case 'MPOL_PREFERRED':
      break
    default:
      if (count === 0) throw configError('/linux/memoryPolicy/nodes', 'memory policy mode requires at least one node but got 0')
  }
}

// MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES contradict each other
// (set_mempolicy(2) fails with EINVAL); name the pair instead.
export const memoryPolicyFlags: Check = (spec) => {
  const flags = spec.linux?.memoryPolicy?.flags ?? []
  if (flags.includes('MPOL_F_STATIC_NODES') && flags.includes('MPOL_F_RELATIVE_NODES')) {
    throw configError('/linux/memoryPolicy/flags', 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES are mutually exclusive')
  }
}

// config-linux.md: "Currently no flag values are supported." runc warns and
// drops them; a flag the user expects to take effect is refused instead.
export const personality: Check = (spec) => {
  const flags = spec.linux?.personality?.flags ?? []
  if (flags.length > 0) throw configError('/linux/personality/flags', `personality flags are not supported: ${flags.join(', ')}`)
}
