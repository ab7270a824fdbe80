// tsrun state <container-id>: the state JSON exactly as runc prints it
// (json.MarshalIndent with two spaces, runc's key order, no trailing newline).
import { stdout } from '../log'
import { goJson } from './json'
import type { CommandContext } from './parse'

export type ContainerState = Awaited<ReturnType<typeof import('../lifecycle').state>>

/** runc's containerState field order (list.go); annotations omitted when empty (omitempty). */
export function runcOrder(s: ContainerState): Record<string, unknown> {
  const o: Record<string, unknown> = {
    ociVersion: s.ociVersion, id: s.id, pid: s.pid, status: s.status,
    bundle: s.bundle, rootfs: s.rootfs, created: s.created,
  }
  if (s.annotations && Object.keys(s.annotations).length > 0) o.annotations = s.annotations
  o.owner = s.owner
  return o
}

export async function command({ g, args }: CommandContext): Promise<void> {
  const { state } = require('../lifecycle') as typeof import('../lifecycle')
  stdout(goJson(runcOrder(await state(g, { id: args[0] })), '  '))
}
