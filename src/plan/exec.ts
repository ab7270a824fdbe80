// exec's InitPlan: the process half of a create plan (compileProcess), with
// every container-setup field empty, since the container exists already,
// and the pidfd of the container's init to join it by.
import type { Process, Spec } from '../bundle/spec.generated'
import { compileProcess } from './compile'
import { CLONE } from './constants'
import { compileExecAffinity } from './scheduling'
import type { InitPlan } from './types'

export interface ExecPlanOptions {
  id: string
  /** host pid of the container's init, and the fd number of its pidfd in tsrun-init */
  pid: number
  pidfd: number
  /** CLONE_NEW* of the container's namespaces that differ from tsrun's own */
  namespaces: number
  consoleSocketFd: number
  preserveFds: number
}

/**
 * `proc` is the process to start; the container's config gives what runc's
 * exec takes from the container (libcontainer newInitConfig): its seccomp
 * profile, personality and memory policy always; its rlimits, AppArmor
 * profile, SELinux label, OOM score, scheduler, I/O priority and
 * execCPUAffinity when the process names none.
 */
export function compileExecPlan(spec: Spec, proc: Process, o: ExecPlanOptions): InitPlan {
  const ctr = spec.process
  const effective: Process = {
    ...proc,
    rlimits: proc.rlimits?.length ? proc.rlimits : ctr?.rlimits,
    apparmorProfile: proc.apparmorProfile || ctr?.apparmorProfile,
    selinuxLabel: proc.selinuxLabel || ctr?.selinuxLabel,
    oomScoreAdj: proc.oomScoreAdj ?? ctr?.oomScoreAdj,
    scheduler: proc.scheduler ?? ctr?.scheduler,
    ioPriority: proc.ioPriority ?? ctr?.ioPriority,
  }
  const { cpuAffinity, keepCpuAffinity } = execAffinity(spec, proc)
  return {
    id: o.id,
    cloneFlags: 0,
    joinNamespaces: [],
    unshareFlags: 0,
    // A pid or time namespace is entered by our children only.
    forkForPidns: (o.namespaces & (CLONE.NEWPID | CLONE.NEWTIME)) !== 0,
    timeOffsets: [],
    userns: (o.namespaces & CLONE.NEWUSER) !== 0,
    rootfs: '',
    rootPropagation: 0,
    rootfsPropagation: 0,
    rootReadonly: false,
    noPivot: false,
    mounts: [],
    idmaps: [],
    joinedUidMap: '',
    joinedGidMap: '',
    devices: [],
    devSymlinks: false,
    maskedPaths: [],
    readonlyPaths: [],
    fifoPath: '',
    mountLabel: '',
    hostname: null,
    domainname: null,
    sysctls: [],
    ...compileProcess(effective, spec.linux ?? {}),
    newKeyring: true,
    consoleSocketFd: o.consoleSocketFd,
    preserveFds: o.preserveFds,
    createContainerHooks: [],
    startContainerHooks: [],
    syncRuntime: false,
    execPidfd: o.pidfd,
    execPid: o.pid,
    execNs: o.namespaces >>> 0,
    cpuAffinity,
    keepCpuAffinity,
    cgroupFds: [],
  }
}

/** The exec process's execCPUAffinity: its own, else the container's (runc's newInitConfig). */
export function execAffinity(spec: Spec, proc: Process): ReturnType<typeof compileExecAffinity> {
  return compileExecAffinity(proc.execCPUAffinity ?? spec.process?.execCPUAffinity)
}
