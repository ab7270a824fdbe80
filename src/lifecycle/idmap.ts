// uid/gid maps of a new user namespace, written by the parent into
// /proc/PID/{setgroups,uid_map,gid_map} while the init waits for them.
import * as fs from '../fsys'
import { fsReason } from '../bundle/check'
import { TsrunError } from '../errors'
import { type IdMapping, renderIdMap } from '../plan/idmap'

/** runc's RootlessEUID: the caller is not root on the host. */
export function isRootlessEuid(): boolean {
  return process.geteuid?.() !== 0
}

/**
 * Without CAP_SETGID on the host the kernel takes a gid_map only once
 * setgroups(2) is denied in the namespace (user_namespaces(7), CVE-2014-8989),
 * and only maps of the caller's own ids; runc (without newuidmap) does the
 * same. As root, setgroups stays allowed, as under runc.
 */
export function writeIdMaps(pid: number, uidMappings: IdMapping[], gidMappings: IdMapping[], rootless: boolean): void {
  if (rootless) write(pid, 'setgroups', 'deny', rootless)
  // The kernel takes a map in one write(2); writeFileSync of a short string is one write.
  if (uidMappings.length > 0) write(pid, 'uid_map', renderIdMap(uidMappings), rootless)
  if (gidMappings.length > 0) write(pid, 'gid_map', renderIdMap(gidMappings), rootless)
}

function write(pid: number, file: string, text: string, rootless: boolean): void {
  try {
    fs.writeFileSync(`/proc/${pid}/${file}`, text)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const hint = code === 'EPERM' && rootless ? ' (without root, only a single range mapping the caller\'s own id is allowed)'
      : code === 'EINVAL' ? ' (ranges overlap, or more than 340 of them?)' : ''
    throw new TsrunError('system', `write ${file} ${JSON.stringify(text.trim().replace(/\n/g, ', '))}${hint}: ${fsReason(err)}`)
  }
}
