// The InitPlan: everything tsrun-init needs, flat and fully resolved by src/plan.
// It is the TypeScript half of addon/init/protocol.h; src/plan/protocol.ts
// encodes it and test/unit/plan/protocol.test.ts checks both halves agree.

export interface PlanHook {
  path: string
  args: string[]
  env: string[]
  /** seconds; 0 = no timeout */
  timeout: number
}

export interface PlanNamespaceJoin {
  /** CLONE_NEW* flag of the namespace type */
  type: number
  /** host path of the namespace file to setns() into */
  path: string
}

export interface PlanMount {
  /** host path (bind) or fs-specific source (e.g. "proc", "tmpfs") */
  source: string
  /** absolute path inside the container; resolved by the init with RESOLVE_IN_ROOT */
  destination: string
  /** filesystem type; "" for bind mounts */
  fstype: string
  /** MS_* flags for mount(2) (includes MS_BIND / MS_REC for binds) */
  flags: number
  /** MS_* propagation flags applied one by one after the mount (MS_SHARED, MS_SLAVE|MS_REC, ...) */
  propagation: number[]
  /** fs-specific data string ("mode=755,size=65536k") */
  data: string
  /** MOUNT_ATTR_* to set / clear recursively with mount_setattr (rro, rnosuid, ...) */
  attrSet: number
  attrClr: number
  /** destination is a file (bind of a non-directory): create a file, not a dir */
  fileTarget: boolean
}

/** An idmapped bind mount (MOUNT_ATTR_IDMAP): how to map mounts[mount]'s ids. */
export interface PlanIdmap {
  /** index into InitPlan.mounts (a bind mount) */
  mount: number
  /** uid_map/gid_map text for a throwaway user namespace; "" when usernsPath is used */
  uidMap: string
  gidMap: string
  /** an existing user namespace whose mapping to use instead (the joined one); "" = none */
  usernsPath: string
  /** "ridmap": every mount of an rbind is mapped, not only its top */
  recursive: boolean
}

export interface PlanDevice {
  /** absolute path inside the container */
  path: string
  /** S_IFCHR, S_IFBLK or S_IFIFO */
  type: number
  major: number
  minor: number
  /** permission bits */
  mode: number
  uid: number
  gid: number
  /** bind-mount the host node instead of mknod (user namespace) */
  bind: boolean
}

export interface PlanRlimit {
  /** RLIMIT_* number */
  type: number
  soft: bigint
  hard: bigint
}

export interface PlanCaps {
  bounding: bigint
  effective: bigint
  permitted: bigint
  inheritable: bigint
  ambient: bigint
}

/** sched_setattr(2) attributes; policy -1 = leave the runtime's. */
export interface PlanScheduler {
  /** SCHED_* number */
  policy: number
  /** SCHED_FLAG_* bits */
  flags: bigint
  nice: number
  priority: number
  /** SCHED_DEADLINE parameters, in ns */
  runtime: bigint
  deadline: bigint
  period: bigint
}

/** set_mempolicy(2) arguments; mode -1 = leave the runtime's. */
export interface PlanMemoryPolicy {
  /** MPOL_* mode number */
  mode: number
  /** MPOL_F_* mode flags */
  flags: number
  /** node numbers of the nodemask */
  nodes: number[]
}

export interface PlanSysctl {
  key: string
  value: string
}

export interface InitPlan {
  /** container id, used for the init's process name and messages */
  id: string

  // --- namespaces ---
  /** namespaces the addon already created with clone(); informational for the init */
  cloneFlags: number
  /** setns() these, in order, before unshare (user namespace first) */
  joinNamespaces: PlanNamespaceJoin[]
  /** namespaces the init creates with unshare(); if it includes CLONE_NEWUSER the init asks the parent for id maps */
  unshareFlags: number
  /** the init must fork so its child is in the target pid namespace (pid ns joined by path or unshared) */
  forkForPidns: boolean
  /** /proc/self/timens_offsets lines to write ("monotonic 5 0") after unshare(CLONE_NEWTIME) */
  timeOffsets: string[]
  /** uid_map/gid_map text the user namespace joined by path must have ("" = no check): runc
   * refuses a path with mappings that differ from the namespace's */
  joinedUidMap: string
  joinedGidMap: string
  /** the process is in a new user namespace: switch to uid/gid 0 there before setup */
  userns: boolean

  // --- filesystem ---
  /** absolute host path of the rootfs */
  rootfs: string
  /** MS_* propagation for "/" inside the new mount ns before mounting (MS_REC|MS_SLAVE by default) */
  rootPropagation: number
  /** MS_* propagation applied to the new root after the mounts (rootfsPropagation), 0 = none */
  rootfsPropagation: number
  rootReadonly: boolean
  noPivot: boolean
  mounts: PlanMount[]
  /** idmapped mounts, prepared by the init while it is still root on the host */
  idmaps: PlanIdmap[]
  devices: PlanDevice[]
  /** create /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/ptmx -> pts/ptmx, /dev/core (if /proc) symlinks */
  devSymlinks: boolean
  maskedPaths: string[]
  readonlyPaths: string[]
  /** host path of the exec fifo (opened O_PATH before pivot, reopened for write after) */
  fifoPath: string
  /** MAC label for mounts (selinux mountLabel); "" = none */
  mountLabel: string

  // --- system ---
  hostname: string | null
  domainname: string | null
  sysctls: PlanSysctl[]
  rlimits: PlanRlimit[]
  /** null = leave as is */
  oomScoreAdj: number | null

  // --- process ---
  args: string[]
  env: string[]
  cwd: string
  uid: number
  gid: number
  additionalGids: number[]
  /** null = leave as is (0022 from the runtime) */
  umask: number | null
  caps: PlanCaps
  noNewPrivileges: boolean
  /** join a new session keyring named after the container (runc's default; --no-new-keyring turns it off) */
  newKeyring: boolean
  /** the parent has work at sync 3 (prestart/createRuntime hooks, netDevices); without it and createContainer hooks the init skips it */
  syncRuntime: boolean
  terminal: boolean
  consoleWidth: number
  consoleHeight: number
  /** fd number of the connected console socket in the init, -1 = none */
  consoleSocketFd: number
  /** fds 3 .. 3+preserveFds-1 stay open in the container process */
  preserveFds: number
  /** seccomp BPF program (sock_filter array bytes), empty = none */
  seccompBpf: Uint8Array
  seccompFlags: number
  apparmorProfile: string
  selinuxLabel: string
  /** personality(2) domain, -1 = leave */
  personality: number
  /** ioprio_set(2) value (class << 13 | level) for our process group, -1 = leave */
  ioPriority: number
  scheduler: PlanScheduler
  memoryPolicy: PlanMemoryPolicy
  /** CPUs once in the cgroup (exec's execCPUAffinity.final); [] = every CPU (reset), unless keepCpuAffinity */
  cpuAffinity: number[]
  /** leave the affinity the kernel gave (exec with only an initial list) */
  keepCpuAffinity: boolean
  /**
   * Fds of v1 `tasks` files (opened by tsrun, inherited) that the init
   * writes "0" into first thing: the caller moving only itself skips the
   * kernel's global cgroup_threadgroup_rwsem, whose first writer waits out
   * an RCU grace period (8-20 ms here; a `cgroup.procs` write from the
   * parent pays it on every create).
   */
  cgroupFds: number[]

  // --- hooks the init runs itself ---
  createContainerHooks: PlanHook[]
  startContainerHooks: PlanHook[]

  // --- exec: join a running container instead of creating one ---
  /** the init's fd number of a pidfd of the container's init; -1 = create */
  execPidfd: number
  /** host pid of the container's init (its /proc/<pid>/root is the root to enter) */
  execPid: number
  /** CLONE_NEW* of the namespaces to join, those the container does not share with tsrun */
  execNs: number
}
