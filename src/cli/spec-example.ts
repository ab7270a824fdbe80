// The starter config.json `tsrun spec` writes: runc 1.1.5's specconv.Example()
// and ToRootless(), field for field and in the order Go marshals them, so the
// file is byte-identical to `runc spec`'s apart from ociVersion.
import { statfsSync } from '../fsys'
import type { LinuxNamespaceType, Mount, Spec } from '../bundle/spec.generated'
import { SPEC_VERSION } from './table'

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']
const CGROUP2_SUPER_MAGIC = 0x63677270

/** Go drops a nil or empty options list (omitempty). */
const mount = (destination: string, type: string, source: string, options?: string[]): Mount =>
  (options?.length ? { destination, type, source, options } : { destination, type, source })

export function example(): Spec {
  const namespaces: LinuxNamespaceType[] = ['pid', 'network', 'ipc', 'uts', 'mount']
  // runc adds a cgroup namespace when the host is cgroup v2 only (cgroups.IsCgroup2UnifiedMode).
  if (statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC) namespaces.push('cgroup')
  return {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, ambient: CAPS },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      mount('/proc', 'proc', 'proc'),
      mount('/dev', 'tmpfs', 'tmpfs', ['nosuid', 'strictatime', 'mode=755', 'size=65536k']),
      mount('/dev/pts', 'devpts', 'devpts', ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']),
      mount('/dev/shm', 'tmpfs', 'shm', ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k']),
      mount('/dev/mqueue', 'mqueue', 'mqueue', ['nosuid', 'noexec', 'nodev']),
      mount('/sys', 'sysfs', 'sysfs', ['nosuid', 'noexec', 'nodev', 'ro']),
      mount('/sys/fs/cgroup', 'cgroup', 'cgroup', ['nosuid', 'noexec', 'nodev', 'relatime', 'ro']),
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: namespaces.map((type) => ({ type })),
      maskedPaths: [
        '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  }
}

/** specconv.ToRootless: user namespace mapped to the caller, no network namespace, /sys bound, no cgroup limits. */
export function toRootless(spec: Spec): Spec {
  const linux = spec.linux!
  const namespaces = linux.namespaces!.filter((n) => n.type !== 'network' && n.type !== 'user')
  const mounts = spec.mounts!.map((m) => m.destination.replace(/\/+$/, '') === '/sys'
    ? mount('/sys', 'none', '/sys', ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'])
    : mount(m.destination, m.type!, m.source!, m.options?.filter((o) => !/^[ug]id=/.test(o))))
  const { resources: _dropped, namespaces: _old, ...rest } = linux
  return {
    ...spec,
    mounts,
    linux: {
      // Go's field order: uidMappings, gidMappings before namespaces.
      uidMappings: [{ containerID: 0, hostID: process.geteuid!(), size: 1 }],
      gidMappings: [{ containerID: 0, hostID: process.getegid!(), size: 1 }],
      namespaces: [...namespaces, { type: 'user' }],
      ...rest,
    },
  }
}
