// Spec + create options → InitPlan. Pure: reads nothing but the config
// (and stats bind sources), writes nothing. Each area has its own compiler.
import * as path from '../paths'
import type { Linux, Process, Spec } from '../bundle/spec.generated'
import { compileCaps } from './caps'
import { expandCgroupMount, type CgroupView } from './cgroupfs'
import { rlimitNumber } from '../bundle/names'
import { MS } from './constants'
import { compileDevices } from './devices'
import { compileEnv } from './env'
import { type IdMapping, compileIdmap, containerIds, renderIdMap } from './idmap'
import { compileMount, isBind } from './mounts'
import { compileIoPriority, compileMemoryPolicy, compilePersonality, compileScheduler } from './scheduling'
import { compileSeccomp } from './seccomp'
import { planNamespaces, type NamespacePlan } from './namespaces'
import type { InitPlan, PlanHook, PlanIdmap, PlanMount, PlanRlimit } from './types'

export interface PlanOptions {
  id: string
  bundle: string
  rootfs: string
  fifoPath: string
  noPivot: boolean
  consoleSocketFd: number
  preserveFds: number
  noNewKeyring: boolean
  /** where the container's cgroups are, for mounts of type "cgroup" */
  cgroup: Omit<CgroupView, 'cgroupns'>
  /** SELinux is on: linux.mountLabel becomes the mounts' context= (off, it is not applied, as crun and runc 1.2) */
  selinux?: boolean
}

export interface CompiledPlan {
  plan: InitPlan
  namespaces: NamespacePlan
  /** config parts that are valid but were not applied, for the CLI to warn about */
  warnings: string[]
}

const ROOTFS_PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
}

export function compilePlan(spec: Spec, o: PlanOptions): CompiledPlan {
  const linux = spec.linux ?? {}
  // The spec lets create run without a process (start then fails): the
  // container is set up as root with no capabilities and nothing to exec.
  const proc = spec.process ?? { args: [], cwd: '/', user: { uid: 0, gid: 0 } }
  const ns = planNamespaces(linux.namespaces ?? [])
  const view = { ...o.cgroup, cgroupns: ns.has('cgroup') }
  const mounts: PlanMount[] = []
  const idmaps: PlanIdmap[] = []
  const ids = containerIds(linux, ns)
  for (const m of spec.mounts ?? []) {
    const pm = compileMount(m, o.bundle)
    const idmap = compileIdmap(m, mounts.length, ids)
    if (idmap) idmaps.push(idmap)
    mounts.push(...(m.type === 'cgroup' ? expandCgroupMount(pm, view) : [pm]))
  }
  // runc only populates /dev when the config does not bind the host's /dev.
  const bindsDev = (spec.mounts ?? []).some((m) => path.normalize(m.destination) === '/dev' && isBind(m))
  const rootfsPropagation = linux.rootfsPropagation ? ROOTFS_PROPAGATION[linux.rootfsPropagation] : 0
  const plan: InitPlan = {
    id: o.id,
    cloneFlags: ns.cloneFlags,
    joinNamespaces: ns.joinNamespaces,
    unshareFlags: ns.unshareFlags,
    forkForPidns: ns.forkForPidns,
    timeOffsets: compileTimeOffsets(linux.timeOffsets),
    userns: ns.userns,
    rootfs: o.rootfs,
    rootPropagation: rootfsPropagation || MS.SLAVE | MS.REC,
    rootfsPropagation,
    rootReadonly: spec.root?.readonly === true,
    noPivot: o.noPivot,
    mounts,
    idmaps,
    ...joinedMaps(linux, ids.usernsPath),
    devices: bindsDev ? [] : compileDevices(linux.devices ?? [], ns.userns),
    devSymlinks: !bindsDev,
    maskedPaths: linux.maskedPaths ?? [],
    readonlyPaths: linux.readonlyPaths ?? [],
    fifoPath: o.fifoPath,
    mountLabel: o.selinux ? linux.mountLabel ?? '' : '',
    hostname: spec.hostname ?? null,
    domainname: spec.domainname ?? null,
    sysctls: Object.entries(linux.sysctl ?? {}).map(([key, value]) => ({ key, value: String(value) })),
    ...compileProcess(proc, linux),
    newKeyring: !o.noNewKeyring,
    consoleSocketFd: o.consoleSocketFd,
    preserveFds: o.preserveFds,
    createContainerHooks: compileHooks(spec.hooks?.createContainer),
    syncRuntime: (spec.hooks?.prestart?.length ?? 0) + (spec.hooks?.createRuntime?.length ?? 0) > 0 ||
      Object.keys(spec.linux?.netDevices ?? {}).length > 0,
    startContainerHooks: compileHooks(spec.hooks?.startContainer),
    // execCPUAffinity is exec's only (config.md): the init's affinity is reset.
    cpuAffinity: [],
    keepCpuAffinity: false,
    cgroupFds: [],
    execPidfd: -1,
    execPid: 0,
    execNs: 0,
  }
  const warnings = ns.has('mount') ? [] : withoutMountNamespace(plan)
  return { plan, namespaces: ns, warnings }
}

/**
 * The spec lets a container share the runtime's mount namespace. Then every
 * mount, device, masked or read-only path and the read-only root would land
 * on the host's mount table and outlive the container (runc leaves them
 * behind), so tsrun applies none of them and only chroots into the rootfs.
 */
function withoutMountNamespace(plan: InitPlan): string[] {
  const dropped = [
    plan.mounts.length > 0 && 'mounts',
    plan.devices.length > 0 && 'devices',
    plan.maskedPaths.length > 0 && 'maskedPaths',
    plan.readonlyPaths.length > 0 && 'readonlyPaths',
    plan.rootReadonly && 'root.readonly',
    plan.rootfsPropagation !== 0 && 'rootfsPropagation',
  ].filter((x): x is string => typeof x === 'string')
  Object.assign(plan, {
    mounts: [], idmaps: [], devices: [], devSymlinks: false, maskedPaths: [], readonlyPaths: [],
    rootReadonly: false, rootfsPropagation: 0, noPivot: true,
  })
  return dropped.length === 0 ? [] : [`no mount namespace: ${dropped.join(', ')} not applied (they would change the host's mounts)`]
}

/** The InitPlan fields that describe the process: what create and exec share. */
export type ProcessPlan = Pick<InitPlan, 'rlimits' | 'oomScoreAdj' | 'args' | 'env' | 'cwd' | 'uid' | 'gid' |
  'additionalGids' | 'umask' | 'caps' | 'noNewPrivileges' | 'terminal' | 'consoleWidth' | 'consoleHeight' |
  'seccompBpf' | 'seccompFlags' | 'apparmorProfile' | 'selinuxLabel' | 'personality' | 'ioPriority' | 'scheduler' |
  'memoryPolicy'>

/** What of `linux` applies to every process of the container, exec'd ones included. */
export type ProcessLinux = Pick<Linux, 'seccomp' | 'personality' | 'memoryPolicy'>

export function compileProcess(proc: Process, linux: ProcessLinux): ProcessPlan {
  const seccomp = linux.seccomp ? compileSeccomp(linux.seccomp) : { bpf: new Uint8Array(0), flags: 0 }
  return {
    rlimits: compileRlimits(proc.rlimits ?? []),
    oomScoreAdj: proc.oomScoreAdj ?? null,
    args: proc.args ?? [],
    env: compileEnv(proc.env ?? []),
    cwd: proc.cwd,
    uid: proc.user.uid,
    gid: proc.user.gid,
    additionalGids: proc.user.additionalGids ?? [],
    umask: proc.user.umask ?? null,
    caps: compileCaps(proc.capabilities),
    noNewPrivileges: proc.noNewPrivileges === true,
    terminal: proc.terminal === true,
    consoleWidth: proc.consoleSize?.width ?? 0,
    consoleHeight: proc.consoleSize?.height ?? 0,
    seccompBpf: seccomp.bpf,
    seccompFlags: seccomp.flags,
    apparmorProfile: proc.apparmorProfile ?? '',
    selinuxLabel: proc.selinuxLabel ?? '',
    personality: compilePersonality(linux.personality),
    ioPriority: compileIoPriority(proc.ioPriority),
    scheduler: compileScheduler(proc.scheduler),
    memoryPolicy: compileMemoryPolicy(linux.memoryPolicy),
  }
}

/** The maps a config gives along with a user namespace path must be that namespace's (runc). */
function joinedMaps(linux: { uidMappings?: IdMapping[]; gidMappings?: IdMapping[] }, usernsPath: string):
  Pick<InitPlan, 'joinedUidMap' | 'joinedGidMap'> {
  if (!usernsPath) return { joinedUidMap: '', joinedGidMap: '' }
  return { joinedUidMap: renderIdMap(linux.uidMappings ?? []), joinedGidMap: renderIdMap(linux.gidMappings ?? []) }
}

// Names and duplicates were checked by src/bundle's validation.
function compileRlimits(rlimits: Array<{ type: string; soft: number; hard: number }>): PlanRlimit[] {
  return rlimits.map((r) => ({ type: rlimitNumber(r.type), soft: rlimitValue(r.soft), hard: rlimitValue(r.hard) }))
}

const RLIM_INFINITY = (1n << 64n) - 1n

// JSON numbers lose precision near 2^64: anything that large means unlimited.
function rlimitValue(v: number): bigint {
  return v >= 2 ** 63 ? RLIM_INFINITY : BigInt(Math.trunc(v))
}

export function compileHooks(hooks: Array<{ path: string; args?: string[]; env?: string[]; timeout?: number }> | undefined): PlanHook[] {
  return (hooks ?? []).map((h) => ({ path: h.path, args: h.args ?? [h.path], env: h.env ?? [], timeout: h.timeout ?? 0 }))
}

function compileTimeOffsets(offsets: Record<string, { secs?: number; nanosecs?: number }> | undefined): string[] {
  return Object.entries(offsets ?? {}).map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}`)
}
