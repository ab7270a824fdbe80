// The container's resctrl group through its life (src/resctrl does the
// work): planned and recorded with the state before create makes it,
// joined by the init where it joins its cgroup and by every exec'd
// process, removed by delete as runc's rules say.
import * as fs from '../fsys'
import type { Spec } from '../bundle/spec.generated'
import { TsrunError } from '../errors'
import {
  joinGroup, makeGroup, makeMonGroup, planGroup, removeGroup, schemataOf, writeSchemata, type RdtRecord,
} from '../resctrl/group'
import { resctrlRoot } from '../resctrl/mount'
import type { StateRecord } from '../state/store'
import type { Rollback } from './rollback'

/** What create will make, for the first state record (checkHost has refused a host without resctrl). */
export function planRdt(spec: Spec, id: string): RdtRecord | undefined {
  const rdt = spec.linux?.intelRdt
  if (!rdt) return undefined
  const root = resctrlRoot()
  if (root === null) throw new TsrunError('config', 'intelRdt: the resctrl filesystem was unmounted')
  return planGroup(root, id, rdt)
}

/**
 * Makes the recorded group and writes its schemata before the init joins
 * it, so the container never runs unconstrained. `save` re-records a group
 * that turned out not to be ours after all.
 */
export function createRdtGroup(spec: Spec, rec: StateRecord, undo: Rollback, save: () => void): void {
  const r = rec.intelRdt
  if (!r) return
  undo.push('intelRdt group', () => removeGroup(r, true))
  if (r.made && !makeGroup(r)) {
    r.made = false
    save()
  }
  writeSchemata(r, schemataOf(spec.linux?.intelRdt ?? {}))
  makeMonGroup(r)
}

/**
 * An exec'd process joins the container's group; like runc, not when the
 * group is gone (a shared closID removed by whoever manages it).
 */
export function joinRdtForExec(rec: StateRecord, pid: number): void {
  if (rec.intelRdt && fs.existsSync(rec.intelRdt.path)) joinGroup(rec.intelRdt, pid)
}
