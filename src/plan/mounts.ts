// config.json mounts → PlanMount. Option names and their meaning follow
// runc's specconv (parseMountOptions): flags for mount(2), propagation
// applied afterwards one by one, recursive attributes for mount_setattr(2),
// and everything unknown passed to the filesystem as data.
import * as fs from '../fsys'
import * as path from '../paths'
import { MOUNT_ATTR, MS } from './constants'
import type { PlanMount } from './types'

interface SpecMount {
  destination: string
  source?: string
  type?: string
  options?: string[]
}

/** [set, clear] pairs of MS_* flags */
const FLAGS: Record<string, [number, number]> = {
  acl: [MS.POSIXACL, 0], noacl: [0, MS.POSIXACL],
  async: [0, MS.SYNCHRONOUS], sync: [MS.SYNCHRONOUS, 0],
  atime: [0, MS.NOATIME], noatime: [MS.NOATIME, 0],
  bind: [MS.BIND, 0], rbind: [MS.BIND | MS.REC, 0],
  defaults: [0, 0],
  dev: [0, MS.NODEV], nodev: [MS.NODEV, 0],
  diratime: [0, MS.NODIRATIME], nodiratime: [MS.NODIRATIME, 0],
  dirsync: [MS.DIRSYNC, 0],
  exec: [0, MS.NOEXEC], noexec: [MS.NOEXEC, 0],
  iversion: [MS.I_VERSION, 0], noiversion: [0, MS.I_VERSION],
  lazytime: [MS.LAZYTIME, 0], nolazytime: [0, MS.LAZYTIME],
  loud: [0, MS.SILENT], silent: [MS.SILENT, 0],
  mand: [MS.MANDLOCK, 0], nomand: [0, MS.MANDLOCK],
  relatime: [MS.RELATIME, 0], norelatime: [0, MS.RELATIME],
  strictatime: [MS.STRICTATIME, 0], nostrictatime: [0, MS.STRICTATIME],
  remount: [MS.REMOUNT, 0],
  ro: [MS.RDONLY, 0], rw: [0, MS.RDONLY],
  suid: [0, MS.NOSUID], nosuid: [MS.NOSUID, 0],
  symfollow: [0, MS.NOSYMFOLLOW], nosymfollow: [MS.NOSYMFOLLOW, 0],
}

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
}

/** [set, clear] pairs of MOUNT_ATTR_* applied recursively ("rro", "rnosuid", ...) */
const RECURSIVE: Record<string, [number, number]> = {
  rro: [MOUNT_ATTR.RDONLY, 0], rrw: [0, MOUNT_ATTR.RDONLY],
  rnosuid: [MOUNT_ATTR.NOSUID, 0], rsuid: [0, MOUNT_ATTR.NOSUID],
  rnodev: [MOUNT_ATTR.NODEV, 0], rdev: [0, MOUNT_ATTR.NODEV],
  rnoexec: [MOUNT_ATTR.NOEXEC, 0], rexec: [0, MOUNT_ATTR.NOEXEC],
  rnodiratime: [MOUNT_ATTR.NODIRATIME, 0], rdiratime: [0, MOUNT_ATTR.NODIRATIME],
  rrelatime: [MOUNT_ATTR.RELATIME, MOUNT_ATTR.ATIME_MASK],
  rnorelatime: [0, MOUNT_ATTR.ATIME_MASK],
  rnoatime: [MOUNT_ATTR.NOATIME, MOUNT_ATTR.ATIME_MASK],
  ratime: [0, MOUNT_ATTR.NOATIME],
  rstrictatime: [MOUNT_ATTR.STRICTATIME, MOUNT_ATTR.ATIME_MASK],
  rnostrictatime: [0, MOUNT_ATTR.STRICTATIME],
  rnosymfollow: [MOUNT_ATTR.NOSYMFOLLOW, 0], rsymfollow: [0, MOUNT_ATTR.NOSYMFOLLOW],
}

/** Options runc accepts that change nothing in the mount call itself
 * (idmap and ridmap are src/plan/idmap.ts's). */
const IGNORED = new Set(['tmpcopyup', 'idmap', 'ridmap'])

export function isBind(m: SpecMount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind')
}

export function compileMount(m: SpecMount, bundle: string): PlanMount {
  let flags = 0
  let attrSet = 0
  let attrClr = 0
  const propagation: number[] = []
  const data: string[] = []
  for (const opt of m.options ?? []) {
    const f = FLAGS[opt]
    const r = RECURSIVE[opt]
    if (f) {
      flags = (flags | f[0]) & ~f[1]
    } else if (PROPAGATION[opt] !== undefined) {
      propagation.push(PROPAGATION[opt])
    } else if (r) {
      attrSet = (attrSet | r[0]) & ~r[1]
      attrClr |= r[1]
    } else if (!IGNORED.has(opt)) {
      data.push(opt)
    }
  }
  const bind = isBind(m)
  if (bind) flags |= MS.BIND
  let source = m.source ?? ''
  // runtime-spec: a relative bind source is relative to the bundle.
  if (bind && source !== '' && !path.isAbsolute(source)) source = path.join(bundle, source)
  return {
    source,
    destination: m.destination,
    fstype: bind ? '' : (m.type ?? ''),
    flags: flags >>> 0,
    propagation,
    data: data.join(','),
    attrSet,
    attrClr,
    fileTarget: bind && isNonDirectory(source),
  }
}

function isNonDirectory(source: string): boolean {
  try {
    // statSync follows symlinks, like the bind mount itself will.
    return !fs.statSync(source).isDirectory()
  } catch {
    return false
  }
}
