// tsrun run [create's flags] [-d|--detach] [--keep] [--no-subreaper] <container-id>
// create + start; in the foreground tsrun exits with the container's status
// (128+signal when it was killed), as runc does.
import type { CommandContext } from './parse'
import { createOptions } from './create'

export async function command(ctx: CommandContext): Promise<number> {
  const { run } = require('../lifecycle') as typeof import('../lifecycle')
  // --no-subreaper is accepted for runc compatibility and unused: tsrun is a subreaper only when it waits.
  return run(ctx.g, { ...createOptions(ctx), detach: ctx.flags.detach as boolean, keep: ctx.flags.keep as boolean })
}
