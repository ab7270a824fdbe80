// Rules tying config fields to namespaces, after runc's
// libcontainer/configs/validate/validator.go (uts, security, namespaces,
// netdevices, sysctl) and specconv's duplicate-namespace check.
import { existsSync, statSync } from '../fsys'
import { type Check, configError, fsReason, hasNs, nsIndex, nsPath, ptr } from './check'
import type { LinuxNamespaceType, Spec } from './spec.generated'

// One entry per type: a second one would be ambiguous (join or create?).
export const uniqueNamespaces: Check = (spec) => {
  const seen = new Set<string>()
  spec.linux?.namespaces?.forEach((ns, i) => {
    if (seen.has(ns.type)) throw configError(ptr('linux', 'namespaces', i), `malformed spec file: duplicated ns "${ns.type}"`)
    seen.add(ns.type)
  })
}

// sethostname(2)/setdomainname(2) in the host's UTS namespace would rename the host.
export const uts: Check = (spec) => {
  if (spec.hostname && !hasNs(spec, 'uts')) {
    throw configError('/hostname', 'unable to set hostname without a private UTS namespace')
  }
  if (spec.domainname && !hasNs(spec, 'uts')) {
    throw configError('/domainname', 'unable to set domainname without a private UTS namespace')
  }
}

// Masking /proc or /sys entries without a mount namespace would mask them on the host.
export const maskedNeedMountNs: Check = (spec) => {
  const l = spec.linux
  if ((l?.maskedPaths?.length || l?.readonlyPaths?.length) && !hasNs(spec, 'mount')) {
    const field = l?.maskedPaths?.length ? 'maskedPaths' : 'readonlyPaths'
    throw configError(ptr('linux', field), 'unable to restrict sys entries without a private MNT namespace')
  }
}

/** The /proc file whose absence means the kernel lacks this namespace type (runc's probes). */
const kernelProbe: Partial<Record<LinuxNamespaceType, [string, string]>> = {
  user: ['/proc/self/ns/user', 'user namespaces'],
  cgroup: ['/proc/self/ns/cgroup', 'cgroup namespaces'],
  time: ['/proc/self/timens_offsets', 'time namespaces'],
}

export const kernelSupport: Check = (spec) => {
  spec.linux?.namespaces?.forEach((ns, i) => {
    const probe = kernelProbe[ns.type]
    if (probe && !existsSync(probe[0])) {
      throw configError(ptr('linux', 'namespaces', i), `${probe[1]} aren't enabled in the kernel`)
    }
  })
}

// A new user namespace with no maps leaves every id unmapped (overflow id), and
// maps without a user namespace would have nothing to apply to.
export const userNamespace: Check = (spec) => {
  const l = spec.linux
  const hasMaps = l?.uidMappings !== undefined || l?.gidMappings !== undefined
  if (hasNs(spec, 'user')) {
    if (!nsPath(spec, 'user') && !hasMaps) {
      throw configError(
        ptr('linux', 'namespaces', nsIndex(spec, 'user')),
        'user namespaces enabled, but no namespace path to join nor mappings to apply specified',
      )
    }
  } else if (hasMaps) {
    const field = l?.uidMappings !== undefined ? 'uidMappings' : 'gidMappings'
    throw configError(ptr('linux', field), "user namespace mappings specified, but user namespace isn't enabled in the config")
  }
}

/** The clocks a time namespace can offset (time_namespaces(7)). */
const CLOCKS = ['boottime', 'monotonic']

// Offsets are written to /proc/<pid>/timens_offsets of a *new* time namespace,
// before its first process runs; a joined namespace already has its offsets.
export const timeNamespace: Check = (spec) => {
  const offsets = spec.linux?.timeOffsets
  if (!hasNs(spec, 'time')) {
    if (offsets) {
      throw configError('/linux/timeOffsets', "time namespace offsets specified, but time namespace isn't enabled in the config")
    }
    return
  }
  if (offsets && nsPath(spec, 'time')) {
    throw configError(
      '/linux/timeOffsets',
      'time namespace enabled, but both namespace path and time offsets specified -- you may only provide one',
    )
  }
  for (const [clock, o] of Object.entries(offsets ?? {})) {
    if (!CLOCKS.includes(clock)) throw configError(ptr('linux', 'timeOffsets', clock), `unknown clock "${clock}" (want boottime or monotonic)`)
    // time_namespaces(7): the kernel takes nanoseconds below one second only.
    if ((o?.nanosecs ?? 0) >= 1e9) {
      throw configError(ptr('linux', 'timeOffsets', clock, 'nanosecs'), `${o?.nanosecs} is not below 1000000000 (one second)`)
    }
  }
}

/** dev_valid_name() in the kernel's net/core/dev.c (IFNAMSIZ 16 includes the NUL). */
function validIfName(name: string): boolean {
  return name.length > 0 && name.length < 16 && name !== '.' && name !== '..' && !/[/: \s]/.test(name)
}

// Moving a host interface into the runtime's own netns would be a no-op at best.
export const netDevices: Check = (spec, ctx) => {
  const devs = spec.linux?.netDevices
  if (!devs || Object.keys(devs).length === 0) return
  if (!hasNs(spec, 'network')) {
    throw configError('/linux/netDevices', 'unable to move network devices without a NET namespace')
  }
  if (ctx.rootless) throw configError('/linux/netDevices', 'network devices are not supported for rootless containers')
  for (const [name, dev] of Object.entries(devs)) {
    if (!validIfName(name)) throw configError(ptr('linux', 'netDevices', name), `invalid network device name "${name}"`)
    if (dev?.name && !validIfName(dev.name)) {
      throw configError(ptr('linux', 'netDevices', name, 'name'), `invalid network device name "${dev.name}"`)
    }
  }
}

// /proc/sys is only partly namespaced: a sysctl is allowed only when the
// namespace that owns it is the container's own, else writing it would change
// the host.

/**
 * IPC-namespaced keys: every kernel.msg*, kernel.sem* and kernel.shm* entry is in
 * ipc_sysctls (the kernel's ipc/ipc_sysctl.c), as is fs/mqueue (ipc/mq_sysctl.c).
 * runc and crun list eight names and so refuse the rest (kernel.shm_next_id,
 * kernel.auto_msgmni, ...), which the kernel namespaces all the same.
 */
const IPC_SYSCTL = /^(kernel\.(msg|sem|shm)|fs\.mqueue\.)/

/**
 * sysctl(8) also accepts "/" as the separator ("net/ipv4/ip_forward"); when the
 * first separator is "/", dots and slashes swap roles (an interface "eno2.100"
 * keeps its dot as "/"). Same conversion as runc's convertSysctlVariableToDotsSeparator.
 */
export function sysctlDotted(key: string): string {
  const first = key.search(/[./]/)
  if (first === -1 || key[first] === '.') return key
  return key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'))
}

/** True when `path` is the network namespace we run in ("host" = current, not initial). */
function isCurrentNetns(path: string, pointer: string): boolean {
  try {
    const ours = statSync('/proc/self/ns/net')
    const theirs = statSync(path)
    return ours.dev === theirs.dev && ours.ino === theirs.ino
  } catch (err) {
    throw configError(pointer, `invalid netns path: stat ${path}: ${fsReason(err)}`)
  }
}

/** Why `key` may not be set in this config, or undefined when it may. */
function refusal(spec: Spec, key: string, hostNet: () => boolean): string | undefined {
  if (IPC_SYSCTL.test(key)) {
    return hasNs(spec, 'ipc') ? undefined : `sysctl "${key}" is not allowed in the hosts ipc namespace`
  }
  if (key.startsWith('net.')) {
    return hostNet() ? `sysctl "${key}" not allowed in host network namespace` : undefined
  }
  if (hasNs(spec, 'uts')) {
    // kernel.domainname is namespaced and has no OCI field; kernel.hostname has one.
    if (key === 'kernel.domainname') return undefined
    if (key === 'kernel.hostname') return `sysctl "${key}" is not allowed as it conflicts with the OCI "hostname" field`
  }
  if (key.startsWith('user.')) {
    // ucounts: refused without a userns so a container can't lift host limits
    // such as max_user_namespaces (runc's reasoning).
    return hasNs(spec, 'user') ? undefined : `setting ucounts without a user namespace not allowed: ${key}`
  }
  return `sysctl "${key}" is not in a separate kernel namespace`
}

export const sysctl: Check = (spec) => {
  const entries = Object.keys(spec.linux?.sysctl ?? {})
  let hostNet: boolean | undefined
  for (const raw of entries) {
    const pointer = ptr('linux', 'sysctl', raw)
    // Decided once, lazily: only net.* keys need it, and a joined netns costs two stats.
    const isHostNet = (): boolean => {
      if (hostNet === undefined) {
        const path = nsPath(spec, 'network')
        hostNet = !hasNs(spec, 'network') ? true : path ? isCurrentNetns(path, pointer) : false
      }
      return hostNet
    }
    const why = refusal(spec, sysctlDotted(raw), isHostNet)
    if (why) throw configError(pointer, why)
  }
}

/** The namespace checks, in runc's order. */
export const namespaceChecks: Check[] = [
  uniqueNamespaces, uts, maskedNeedMountNs, kernelSupport, userNamespace, timeNamespace, netDevices, sysctl,
]
