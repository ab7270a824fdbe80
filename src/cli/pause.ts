// tsrun pause <container-id>: freeze every process in the container's cgroup.
// A running or created container can be paused (runc 1.1.5 allows both);
// anything else is "container not running". `state` then says "paused".
import type { CommandContext } from './parse'

export async function command({ g, args }: CommandContext): Promise<void> {
  const { pause } = require('../lifecycle') as typeof import('../lifecycle')
  await pause(g, { id: args[0] })
}
