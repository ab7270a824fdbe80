// Which namespaces the addon creates at clone time and which the init
// joins or unshares itself. The common case (nothing joined by path) is one
// clone with every flag: no extra fork, the init is pid 1 at once.
import { TsrunError } from '../errors'
import { CLONE, NAMESPACE_FLAGS } from './constants'
import type { PlanNamespaceJoin } from './types'

interface SpecNamespace {
  type: string
  path?: string
}

export interface NamespacePlan {
  cloneFlags: number
  unshareFlags: number
  joinNamespaces: PlanNamespaceJoin[]
  forkForPidns: boolean
  /** a new user namespace is created (the parent writes its id maps) */
  newUserns: boolean
  /** the container runs in a user namespace (new or joined) */
  userns: boolean
  has: (type: string) => boolean
}

export function planNamespaces(namespaces: SpecNamespace[]): NamespacePlan {
  let newFlags = 0
  const joins: PlanNamespaceJoin[] = []
  const types = new Set<string>()
  for (const ns of namespaces) {
    const flag = NAMESPACE_FLAGS[ns.type]
    if (flag === undefined) throw new TsrunError('config', `linux.namespaces: unknown namespace type "${ns.type}"`)
    types.add(ns.type)
    if (ns.path) joins.push({ type: flag, path: ns.path })
    else newFlags |= flag
  }
  // setns into the user namespace first: joining the others needs the
  // capabilities it grants (runc's nsexec orders them the same way).
  joins.sort((a, b) => Number(b.type === CLONE.NEWUSER) - Number(a.type === CLONE.NEWUSER))
  const joinsPid = joins.some((j) => j.type === CLONE.NEWPID)
  // The cgroup namespace must be created after the init sits in its
  // cgroup, so its root is the container's cgroup; the time namespace's
  // offsets must be written before any process enters it. The init unshares
  // both itself.
  const late = CLONE.NEWCGROUP | CLONE.NEWTIME
  // A user namespace created by clone() gives the exec'd init no
  // capabilities (its maps don't exist yet at exec), so then the init
  // unshares everything itself after the parent has written the maps.
  let cloneFlags = 0
  let unshareFlags = newFlags
  if (joins.length === 0 && (newFlags & CLONE.NEWUSER) === 0) {
    cloneFlags = newFlags & ~late
    unshareFlags = newFlags & late
  }
  return {
    cloneFlags: cloneFlags >>> 0,
    unshareFlags: unshareFlags >>> 0,
    joinNamespaces: joins,
    forkForPidns: joinsPid || (unshareFlags & CLONE.NEWPID) !== 0,
    newUserns: (newFlags & CLONE.NEWUSER) !== 0,
    userns: types.has('user'),
    has: (type) => types.has(type),
  }
}
