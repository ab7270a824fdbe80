// tsrun start <container-id>: lets a created container's process exec.
import type { CommandContext } from './parse'

export async function command({ g, args }: CommandContext): Promise<void> {
  const { start } = require('../lifecycle') as typeof import('../lifecycle')
  await start(g, { id: args[0] })
}
