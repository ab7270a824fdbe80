// `state` and `list`: the OCI state of a container, derived from its record
// and the live process, shaped exactly like runc's output.
import * as fs from '../fsys'
import * as path from '../paths'
import { TsrunError, describe } from '../errors'
import { warn } from '../log'
import { deriveStatus, type LiveStatus } from '../state/status'
import { listIds, readState, type StateRecord } from '../state/store'
import type { GlobalOptions } from './index'

/** runc's JSON field order, which clients (go-runc's Container) decode. */
export interface ContainerState {
  ociVersion: string
  id: string
  pid: number
  status: LiveStatus
  bundle: string
  rootfs: string
  created: string
  owner: string
  annotations?: Record<string, string>
}

export const OCI_VERSION = '1.3.0'

export function toOciState(root: string, rec: StateRecord): ContainerState {
  const status = deriveStatus(root, rec)
  const s: ContainerState = {
    ociVersion: OCI_VERSION,
    id: rec.id,
    // runc reports pid 0 once the container has stopped.
    pid: status === 'stopped' ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    owner: rec.owner,
  }
  if (Object.keys(rec.annotations).length > 0) s.annotations = rec.annotations
  return s
}

export function state(g: GlobalOptions, id: string): ContainerState {
  return toOciState(g.root, readState(g.root, id))
}

export function list(g: GlobalOptions): ContainerState[] {
  const out: ContainerState[] = []
  const names = userNames()
  for (const id of listIds(g.root)) {
    try {
      const s = state(g, id)
      // runc's list (unlike state) fills owner: who owns the state dir, by user name.
      const uid = fs.statSync(path.join(g.root, id)).uid
      out.push({ ...s, owner: names.get(uid) ?? `#${uid}` })
    } catch (err) {
      // Deleted between the listing and here: gone, like a dir without state.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      // A directory whose create is just starting (or was killed before its
      // first record) has no state yet: runc skips those too.
      if (err instanceof TsrunError && err.kind === 'notfound') continue
      // One unreadable container must not hide the others: runc warns and goes on.
      warn(`load container ${id}: ${describe(err)}`)
    }
  }
  return out
}

/** uid → name from /etc/passwd, as runc's user.LookupUid (no NSS); empty when unreadable. */
function userNames(): Map<number, string> {
  const names = new Map<number, string>()
  let text = ''
  try {
    text = fs.readFileSync('/etc/passwd', 'utf8')
  } catch { /* every owner then shows as #uid, as in runc */ }
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':')
    if (name && uid && /^\d+$/.test(uid) && !names.has(Number(uid))) names.set(Number(uid), name)
  }
  return names
}

/** The state hooks get on stdin (runtime-spec "State"). */
export function hookState(rec: StateRecord, status: LiveStatus, pid = rec.pid): string {
  return JSON.stringify({
    ociVersion: OCI_VERSION,
    id: rec.id,
    status,
    pid,
    bundle: rec.bundle,
    annotations: rec.annotations,
  })
}
