// What `tsrun features` reports (runtime-spec features.md). Keep it honest:
// list only what src/plan, src/cgroups and tsrun-init actually implement, and
// update this file in the same change that adds or drops a feature.
import { readFileSync } from '../fsys'
import { SCMP, addon } from '../addon'
import type { Features, LinuxSeccompArch, LinuxSeccompFlag, LinuxSeccompOperator } from '../bundle/spec.generated'
import { FILTER_FLAGS } from '../plan/seccomp'
import { SPEC_VERSION } from './table'

/** Bit n of a capability set is CAP_NAMES[n] (linux/capability.h). */
export const CAP_NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
].map((n) => 'CAP_' + n)

/** The capabilities this kernel knows (0 .. /proc/sys/kernel/cap_last_cap). */
function kernelCaps(): string[] {
  try {
    return CAP_NAMES.slice(0, Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')) + 1)
  } catch {
    return CAP_NAMES
  }
}

// mount(2) flags, propagation and the recursive (mount_setattr) variants the
// mount compiler maps; runc 1.1.5's list without tmpcopyup (no plan field for it).
const MOUNT_OPTIONS = [
  'acl', 'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'idmap', 'iversion', 'lazytime', 'loud',
  'mand', 'noacl', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime',
  'nostrictatime', 'nosuid', 'nosymfollow', 'private', 'ratime', 'rbind', 'rdev', 'rdiratime', 'relatime', 'remount',
  'rexec', 'ridmap', 'rnoatime', 'rnodev', 'rnodiratime', 'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow',
  'ro', 'rprivate', 'rrelatime', 'rro', 'rrw', 'rshared', 'rslave', 'rstrictatime', 'rsuid', 'rsymfollow',
  'runbindable', 'rw', 'shared', 'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync', 'unbindable',
]

const WAIT_KILLABLE_RECV = 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'
const NEW_LISTENER = 8

/** What src/plan/seccomp.ts maps, and the flags this kernel takes (probed). */
function seccompFeatures(): NonNullable<NonNullable<Features['linux']>['seccomp']> {
  const knownFlags = Object.keys(FILTER_FLAGS) as LinuxSeccompFlag[]
  return {
    enabled: true,
    actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD',
      'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'],
    operators: Object.keys(SCMP.CMP).map((op) => `SCMP_CMP_${op}` as LinuxSeccompOperator).sort(),
    archs: Object.keys(SCMP.ARCH).map((a) => `SCMP_ARCH_${a}` as LinuxSeccompArch).sort(),
    knownFlags,
    // The kernel takes WAIT_KILLABLE_RECV only with a listener.
    supportedFlags: knownFlags.filter((f) => addon.seccompFlagsSupported(FILTER_FLAGS[f] | (f === WAIT_KILLABLE_RECV ? NEW_LISTENER : 0))),
  }
}

export function features(): Features {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: kernelCaps(),
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp: seccompFeatures(),
      apparmor: { enabled: false },
      selinux: { enabled: false },
      // What tsrun implements, as runc says it (src/resctrl); a host without resctrl refuses the field at create.
      intelRdt: { enabled: true, schemata: true, monitoring: true },
      memoryPolicy: {
        modes: ['MPOL_DEFAULT', 'MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED',
          'MPOL_PREFERRED_MANY', 'MPOL_LOCAL'],
        flags: ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'],
      },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: true },
    },
    annotations: { 'io.github.seccomp.libseccomp.version': addon.seccompVersion() },
  }
}
