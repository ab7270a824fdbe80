// tsrun delete [-f|--force] <container-id>: release what the container holds.
// A running container needs --force (SIGKILL first); deleting a missing id
// with --force succeeds quietly, as runc.
import type { CommandContext } from './parse'

export async function command({ g, flags, args }: CommandContext): Promise<void> {
  const { remove } = require('../lifecycle') as typeof import('../lifecycle')
  await remove(g, { id: args[0], force: flags.force as boolean })
}
