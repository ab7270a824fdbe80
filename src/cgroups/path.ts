// linux.cgroupsPath → directories, with runc 1.1.5's rules (specconv
// CreateCgroupConfig, cgroups/fs/paths.go, cgroups/fs2/defaultpath.go):
// - empty: the container id, as a *relative* path;
// - absolute: under each hierarchy's mountpoint as given;
// - relative, v1: under tsrun's own cgroup in that hierarchy (/proc/self/cgroup
//   made relative to the mount's root, for nested runtimes);
// - relative, v2: under the *parent* of tsrun's own cgroup (its own cgroup has
//   processes, so controllers can't be enabled for children there);
// - the hybrid cgroup2 mount always gets <mountpoint>/<path>, relative or not
//   (runc's GetOwnCgroupPath("") returns the bare mountpoint).
// Paths are cleaned as Go's utils.CleanPath: ".." never climbs out of the root.

import * as path from '../paths'
import type { Layout } from './detect'
import type { CgroupRecord } from './driver'

/** Go's utils.CleanPath: clean; relative paths stay relative but can't escape. */
export function cleanPath(p: string): string {
  if (p === '') return ''
  if (p.startsWith('/')) return clean(p)
  const rel = clean('/' + p).slice(1)
  return rel === '' ? '.' : rel
}

function clean(p: string): string {
  const n = path.normalize(p)
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n
}

/** Pure: the cgroup dirs for a container on `layout`, given tsrun's own cgroups. */
export function resolveCgroup(cgroupsPath: string | undefined, id: string, layout: Layout,
  own: Map<string, string>): CgroupRecord {
  const inner = cleanPath(cgroupsPath ?? '') || cleanPath(id)
  const abs = inner.startsWith('/')
  if (layout.mode === 'v2') {
    const base = abs ? '' : path.dirname(own.get('') ?? '/')
    return { driver: 'v2', mount: layout.unified, path: path.join(layout.unified, base, inner) }
  }
  const paths: Record<string, string> = {}
  for (const m of layout.mounts) {
    let dir: string
    if (abs) {
      dir = path.join(m.mountpoint, inner)
    } else {
      const mine = m.controllers.map((c) => own.get(c)).find((p) => p !== undefined)
      if (mine === undefined) continue // not in our /proc/self/cgroup: runc skips it too
      dir = path.join(m.mountpoint, path.relative(m.root, mine), inner)
    }
    for (const c of m.controllers) paths[c] = dir
  }
  if (layout.unified) paths[''] = path.join(layout.unified.mountpoint, inner)
  return { driver: 'v1', paths }
}

/**
 * exec --cgroup: the process goes into an existing sub-cgroup of the
 * container's. `subs` maps a v1 controller (or '' for every controller, and
 * for v2) to a path below the container's cgroup; runc's getSubCgroupPaths
 * format. The path is cleaned so it never climbs out of the container's cgroup.
 */
export function subCgroup(rec: CgroupRecord, subs: Map<string, string>): CgroupRecord {
  const below = (dir: string, sub: string | undefined): string =>
    sub === undefined ? dir : path.join(dir, cleanPath('/' + sub))
  if (rec.driver === 'v2') return { ...rec, path: below(rec.path, subs.get('')) }
  const paths: Record<string, string> = {}
  for (const [ctrl, dir] of Object.entries(rec.paths)) paths[ctrl] = below(dir, subs.get(ctrl) ?? subs.get(''))
  return { driver: 'v1', paths }
}

/** The cgroups tsrun itself is in: where a rootless container without
 *  cgroup access stays, and so what its "cgroup" mounts show. */
export function ownCgroupRecord(layout: Layout, own: Map<string, string>): CgroupRecord {
  if (layout.mode === 'v2') return { driver: 'v2', mount: layout.unified, path: clean(path.join(layout.unified, own.get('') ?? '/')) }
  const paths: Record<string, string> = {}
  for (const m of layout.mounts) {
    const mine = m.controllers.map((c) => own.get(c)).find((p) => p !== undefined)
    if (mine === undefined) continue
    for (const c of m.controllers) paths[c] = clean(path.join(m.mountpoint, path.relative(m.root, mine)))
  }
  if (layout.unified) paths[''] = clean(path.join(layout.unified.mountpoint, own.get('') ?? '/'))
  return { driver: 'v1', paths }
}
