// A config mount of type "cgroup" is not one mount: like runc, tsrun gives
// the container a view of its own cgroups. v2: one cgroup2 mount. v1: a
// tmpfs with one mount per hierarchy — a fresh cgroup mount when the
// container has a cgroup namespace (rooted at its own cgroup), else a bind
// of its cgroup directory. Read-only applies to every piece (the tmpfs turns
// read-only after the pieces are mounted on it).
import * as path from '../paths'
import type { CgroupRecord } from '../cgroups/driver'
import type { Layout } from '../cgroups/detect'
import { MS } from './constants'
import type { PlanMount } from './types'

export interface CgroupView {
  layout: Layout
  record: CgroupRecord
  cgroupns: boolean
}

const SUB_FLAGS = MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY | MS.RELATIME

export function expandCgroupMount(base: PlanMount, view: CgroupView): PlanMount[] {
  const piece = (destination: string, over: Partial<PlanMount>): PlanMount => ({
    ...base, destination, propagation: [], attrSet: 0, attrClr: 0, fileTarget: false,
    flags: base.flags & SUB_FLAGS, data: '', ...over,
  })
  const { layout, record, cgroupns } = view
  const recordDir = (key: string): string =>
    record.driver === 'v2' ? record.path : (record.paths[key] ?? '')
  if (layout.mode === 'v2') {
    return [cgroupns
      ? piece(base.destination, { source: 'cgroup2', fstype: 'cgroup2' })
      : piece(base.destination, { source: recordDir(''), fstype: '', flags: (base.flags & SUB_FLAGS) | MS.BIND | MS.REC })]
  }
  const out: PlanMount[] = [{
    ...base, source: 'tmpfs', fstype: 'tmpfs', data: 'mode=755',
    flags: (base.flags & SUB_FLAGS) | MS.NOSUID | MS.NODEV | MS.NOEXEC,
  }]
  const hierarchies = layout.mounts.map((m) => ({ name: path.basename(m.mountpoint), key: m.controllers[0], opts: m.controllers.join(',') }))
  if (layout.unified) hierarchies.push({ name: path.basename(layout.unified.mountpoint), key: '', opts: '' })
  for (const h of hierarchies) {
    const dest = path.join(base.destination, h.name)
    if (cgroupns) {
      out.push(h.key === ''
        ? piece(dest, { source: 'cgroup2', fstype: 'cgroup2' })
        : piece(dest, { source: 'cgroup', fstype: 'cgroup', data: h.opts }))
    } else {
      const src = recordDir(h.key)
      if (src) out.push(piece(dest, { source: src, fstype: '', flags: (base.flags & SUB_FLAGS) | MS.BIND | MS.REC }))
    }
  }
  return out
}
