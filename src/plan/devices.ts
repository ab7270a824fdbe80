// /dev contents: runc's default devices plus linux.devices. In a user
// namespace mknod is not allowed, so the init bind-mounts the host node.
import { TsrunError } from '../errors'
import { S_IF } from './constants'
import type { PlanDevice } from './types'

interface SpecDevice {
  type: string
  path: string
  major?: number
  minor?: number
  fileMode?: number
  uid?: number
  gid?: number
}

/** The devices every container gets (runtime-spec "Default Devices"). */
const DEFAULTS: Array<[string, number, number]> = [
  ['/dev/null', 1, 3],
  ['/dev/zero', 1, 5],
  ['/dev/full', 1, 7],
  ['/dev/random', 1, 8],
  ['/dev/urandom', 1, 9],
  ['/dev/tty', 5, 0],
]

const TYPES: Record<string, number> = { c: S_IF.CHR, u: S_IF.CHR, b: S_IF.BLK, p: S_IF.FIFO }

export function compileDevices(devices: SpecDevice[], userns: boolean): PlanDevice[] {
  const out = new Map<string, PlanDevice>()
  for (const [path, major, minor] of DEFAULTS) {
    out.set(path, { path, type: S_IF.CHR, major, minor, mode: 0o666, uid: 0, gid: 0, bind: userns })
  }
  devices.forEach((d, i) => {
    const type = TYPES[d.type]
    if (type === undefined) throw new TsrunError('config', `linux.devices[${i}] ${d.path}: invalid device type "${d.type}"`)
    if (type !== S_IF.FIFO && (d.major === undefined || d.minor === undefined)) {
      throw new TsrunError('config', `linux.devices[${i}] ${d.path}: major and minor are required for type ${d.type}`)
    }
    // A config entry for a default path replaces the default (runc does the same).
    out.set(d.path, {
      path: d.path,
      type,
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      mode: (d.fileMode ?? 0o666) & 0o7777,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
      bind: userns && type !== S_IF.FIFO,
    })
  })
  return [...out.values()]
}
