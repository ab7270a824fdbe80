// uid/gid maps of a new user namespace, written by the parent (root on the
// host) into /proc/PID/{uid,gid}_map while the init waits for them.
import * as fs from 'node:fs'

interface IdMapping {
  containerID: number
  hostID: number
  size: number
}

function render(maps: IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('')
}

export function writeIdMaps(pid: number, uidMappings: IdMapping[], gidMappings: IdMapping[]): void {
  // The kernel takes a map in one write(2); writeFileSync of a short string is one write.
  if (uidMappings.length > 0) fs.writeFileSync(`/proc/${pid}/uid_map`, render(uidMappings))
  if (gidMappings.length > 0) fs.writeFileSync(`/proc/${pid}/gid_map`, render(gidMappings))
}
