// Idmapped bind mounts: runtime-spec mounts[].uidMappings/gidMappings and the
// "idmap"/"ridmap" options, with runc 1.2's meaning (specconv): a mount's own
// mappings when it has them, else the container's user namespace, its maps
// when new, itself when joined by path. src/bundle has checked the shape.
import { CLONE } from './constants'
import type { NamespacePlan } from './namespaces'
import type { PlanIdmap } from './types'

export interface IdMapping {
  containerID: number
  hostID: number
  size: number
}

interface SpecMount {
  options?: string[]
  uidMappings?: IdMapping[]
  gidMappings?: IdMapping[]
}

/** The text /proc/PID/uid_map takes: one "inside outside count" line per range. */
export function renderIdMap(maps: IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('')
}

/** The container's own mapping, for "idmap" without mappings of its own. */
export interface ContainerIds {
  uidMappings: IdMapping[]
  gidMappings: IdMapping[]
  /** the user namespace joined by path, '' when none */
  usernsPath: string
}

export function compileIdmap(m: SpecMount, mount: number, own: ContainerIds): PlanIdmap | null {
  const opts = m.options ?? []
  const flagged = opts.filter((o) => o === 'idmap' || o === 'ridmap')
  if (flagged.length === 0 && m.uidMappings === undefined && m.gidMappings === undefined) return null
  // As in runc's option table, the last of idmap/ridmap wins.
  const recursive = flagged[flagged.length - 1] === 'ridmap'
  if (m.uidMappings !== undefined || m.gidMappings !== undefined) {
    return { mount, uidMap: renderIdMap(m.uidMappings ?? []), gidMap: renderIdMap(m.gidMappings ?? []), usernsPath: '', recursive }
  }
  if (own.usernsPath) return { mount, uidMap: '', gidMap: '', usernsPath: own.usernsPath, recursive }
  return { mount, uidMap: renderIdMap(own.uidMappings), gidMap: renderIdMap(own.gidMappings), usernsPath: '', recursive }
}

export function containerIds(linux: { uidMappings?: IdMapping[]; gidMappings?: IdMapping[] }, ns: NamespacePlan): ContainerIds {
  const join = ns.joinNamespaces.find((j) => j.type === CLONE.NEWUSER)
  return { uidMappings: linux.uidMappings ?? [], gidMappings: linux.gidMappings ?? [], usernsPath: join?.path ?? '' }
}
