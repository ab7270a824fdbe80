// Which cgroup layout the host has, read once per command: pure v2 (cgroup2 at
// /sys/fs/cgroup), or v1 with one mount per hierarchy (possibly joint, like
// "cpu,cpuacct") plus, on hybrid hosts, a cgroup2 mount (/sys/fs/cgroup/unified)
// that also gets the container's directory — on some hosts a controller
// (hugetlb) lives only there while the others are v1.

import * as fs from '../fsys'

export const CGROUP_ROOT = '/sys/fs/cgroup'
const CGROUP2_SUPER_MAGIC = 0x63677270

export interface V1Mount {
  /** where the hierarchy is mounted, e.g. /sys/fs/cgroup/cpu,cpuacct */
  mountpoint: string
  /** the cgroup mounted there (field 4 of mountinfo; "/" on a host) */
  root: string
  /** its controllers, e.g. ["cpu","cpuacct"], or ["name=systemd"] */
  controllers: string[]
}

export type Layout =
  | { mode: 'v2'; unified: string }
  | { mode: 'v1'; mounts: V1Mount[]; unified: { mountpoint: string; root: string } | null }

// Kernel v1 subsystem names; anything else in the super options (rw, xattr,
// clone_children, release_agent=...) is a mount option, not a controller.
const V1_CONTROLLERS = new Set(['cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer',
  'net_cls', 'perf_event', 'net_prio', 'hugetlb', 'pids', 'rdma', 'misc'])

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
}

/** cgroup and cgroup2 mounts from /proc/self/mountinfo text, first mount of each hierarchy only. */
export function parseMountinfo(text: string): { v1: V1Mount[]; v2: { mountpoint: string; root: string }[] } {
  const v1: V1Mount[] = []
  const v2: { mountpoint: string; root: string }[] = []
  const seen = new Set<string>()
  for (const line of text.split('\n')) {
    const f = line.split(' ')
    const dash = f.indexOf('-')
    if (dash < 0 || f.length < dash + 4) continue
    const fstype = f[dash + 1]
    const root = unescape(f[3])
    const mountpoint = unescape(f[4])
    if (fstype === 'cgroup2') {
      v2.push({ mountpoint, root })
    } else if (fstype === 'cgroup') {
      const controllers = f[dash + 3].split(',').filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name='))
      const key = controllers.join(',')
      if (controllers.length === 0 || seen.has(key)) continue
      seen.add(key)
      v1.push({ mountpoint, root, controllers })
    }
  }
  return { v1, v2 }
}

/** Layout from the filesystem type of /sys/fs/cgroup and the mountinfo text (pure, for tests). */
export function layoutFrom(rootFsType: number, mountinfo: string): Layout {
  if (rootFsType === CGROUP2_SUPER_MAGIC) return { mode: 'v2', unified: CGROUP_ROOT }
  const { v1, v2 } = parseMountinfo(mountinfo)
  const unified = v2.find((m) => m.mountpoint === `${CGROUP_ROOT}/unified`) ?? v2[0] ?? null
  return { mode: 'v1', mounts: v1, unified }
}

/**
 * Read once per process and shared through globalThis: dist/tsrun.js (boot)
 * reads both for its early cgroup write, and the CLI bundle it loads is a
 * separate copy of this module. Reading /proc/self/cgroup again would also
 * wait: the kernel holds cgroup_mutex while that early write waits out its
 * grace period.
 */
const shared = globalThis as { tsrunCgroupLayout?: Layout; tsrunOwnCgroups?: Map<string, string> }

/** The host's layout (statfs of /sys/fs/cgroup, then mountinfo on v1), cached. */
export function detectLayout(): Layout {
  if (shared.tsrunCgroupLayout === undefined) {
    const type = fs.statfsSync(CGROUP_ROOT).type
    shared.tsrunCgroupLayout = layoutFrom(type, type === CGROUP2_SUPER_MAGIC ? '' : fs.readFileSync('/proc/self/mountinfo', 'utf8'))
  }
  return shared.tsrunCgroupLayout
}

/**
 * /proc/<pid>/cgroup as controller → path; a joint line ("1:cpu,cpuacct:/x")
 * gives both names, the v2 line ("0::/x") is keyed "".
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line)
    if (!m) continue
    if (m[1] === '') out.set('', m[2])
    else for (const c of m[1].split(',')) out.set(c, m[2])
  }
  return out
}

/** tsrun's own cgroups (/proc/self/cgroup), read once per process. */
export function ownCgroups(): Map<string, string> {
  return (shared.tsrunOwnCgroups ??= parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8')))
}
