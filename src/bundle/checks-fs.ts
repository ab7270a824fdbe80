// Rules about paths: the rootfs, mounts, devices, hooks and root propagation.
// After runc's validator.go (rootfs, mountsStrict, mountsWarn) and specconv.
import { realpathSync, statSync } from '../fsys'
import { TsrunError } from '../errors'
import { type Check, type WarnCheck, configError, fsReason, nsPath, ptr } from './check'

// The spec: "A directory MUST exist at the path declared by the field". runc
// also refuses a rootfs reached through a symlink, since what it names could
// change between this check and the mount. Messages are runc's, without a
// pointer: they name the path, which is what the user has to fix.
export const rootfs: Check = (_spec, ctx) => {
  let isDir: boolean
  try {
    isDir = statSync(ctx.rootfs).isDirectory()
  } catch (err) {
    throw new TsrunError('config', `invalid rootfs: stat ${ctx.rootfs}: ${fsReason(err)}`)
  }
  if (!isDir) throw new TsrunError('config', `invalid rootfs: ${ctx.rootfs}: not a directory`)
  if (realpathSync(ctx.rootfs) !== ctx.rootfs) {
    throw new TsrunError('config', `invalid rootfs: ${ctx.rootfs}: not an absolute path, or a symlink`)
  }
}

/** bind and rbind are what make a mount a bind mount (the type is ignored then). */
function isBind(options: string[] | undefined): boolean {
  return options?.some((o) => o === 'bind' || o === 'rbind') ?? false
}

// Null bytes would silently truncate paths in C; idmapped mounts (mount_setattr
// MOUNT_ATTR_IDMAP, runc 1.2's checkIDMapMounts) only work on bind mounts,
// need root on the host, and both maps: the mount's own, or (options
// "idmap"/"ridmap" alone) the container's user namespace's.
export const mounts: Check = (spec, ctx) => {
  spec.mounts?.forEach((m, i) => {
    const at = ptr('mounts', i)
    if ([m.source, m.destination, m.type].some((f) => f?.includes('\0'))) {
      throw configError(at, 'mount field contains null byte')
    }
    const own = m.uidMappings !== undefined || m.gidMappings !== undefined
    if (!own && !m.options?.some((o) => o === 'idmap' || o === 'ridmap')) return
    if (!isBind(m.options)) throw configError(at, 'id-mapped mounts are only supported for bind-mounts')
    if (ctx.rootless) throw configError(at, 'id-mapped mounts are not supported for rootless containers')
    // A joined user namespace lends its mapping as it is.
    const maps = own ? m : nsPath(spec, 'user') ? null : spec.linux
    if (maps !== null && (!maps?.uidMappings?.length || !maps?.gidMappings?.length)) {
      throw configError(at, 'id-mapped mounts must have both uid and gid mappings specified')
    }
  })
}

// Relative destinations are deprecated but allowed (taken relative to "/"):
// runc only warns, and configs in the wild still use them.
export const relativeMountDestinations: WarnCheck = (spec) =>
  (spec.mounts ?? []).flatMap((m, i) =>
    m.destination.startsWith('/')
      ? []
      : [`config.json: ${ptr('mounts', i, 'destination')}: mount destination ${m.destination} is not absolute. ` +
          'Support for non-absolute mount destinations will be removed in a future release.'],
  )

// With chroot(2) instead of pivot_root(2) the old root can't be unmounted, so a
// private root leaves mount references the namespace can never free (runc
// d4f0f9a52, "specconv: emit an error when using MS_PRIVATE with --no-pivot").
export const rootfsPropagation: Check = (spec, ctx) => {
  const p = spec.linux?.rootfsPropagation
  if (ctx.noPivot && (p === 'private' || p === 'rprivate')) {
    throw configError('/linux/rootfsPropagation', 'rootfsPropagation of [r]private is not safe without pivot_root')
  }
}

// config-linux.md: path is the "full path to device inside container".
export const devices: Check = (spec) => {
  spec.linux?.devices?.forEach((d, i) => {
    if (!d.path.startsWith('/')) throw configError(ptr('linux', 'devices', i, 'path'), 'device path must be absolute')
  })
}

// config.md: hook `path` MUST be absolute (it is resolved in the runtime namespace).
const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const

export const hookPaths: Check = (spec) => {
  for (const kind of HOOK_KINDS) {
    spec.hooks?.[kind]?.forEach((h, i) => {
      if (!h.path.startsWith('/')) throw configError(ptr('hooks', kind, i, 'path'), 'hook path must be absolute')
    })
  }
}
