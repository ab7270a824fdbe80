// tsrun resume <container-id>: thaw a paused container's cgroup; it is then
// running (or created, if it was paused before start). A container that is
// not paused is "container not paused", as runc.
import type { CommandContext } from './parse'

export async function command({ g, args }: CommandContext): Promise<void> {
  const { resume } = require('../lifecycle') as typeof import('../lifecycle')
  await resume(g, { id: args[0] })
}
