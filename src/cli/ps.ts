// tsrun ps [-f|--format table|json] <container-id> [ps-options...]: the
// container's processes, as runc's ps.go prints them. Flags come before the
// id only (runc's SkipArgReorder): `ps ID -f` hands -f to ps(1).
import { stdout } from '../log'
import { goJson } from './json'
import { type CommandContext, UsageError } from './parse'

export async function command({ g, flags, args }: CommandContext): Promise<void> {
  const lifecycle = require('../lifecycle') as typeof import('../lifecycle')
  // runc reads the pids first: a missing container beats a bad format.
  const pids = await lifecycle.processes(g, { id: args[0] })
  switch (flags.format) {
    case 'json':
      // json.Encoder.Encode of a []int: compact, newline-terminated, nil is null.
      stdout((pids.length > 0 ? goJson(pids) : 'null') + '\n')
      return
    case 'table':
      stdout(await lifecycle.psTable({ id: args[0], pids, psArgs: args.slice(1) }))
      return
    default:
      throw new UsageError('invalid format option')
  }
}
