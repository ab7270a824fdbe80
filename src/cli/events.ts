// tsrun events [--stats] [--interval D] <container-id>: the container's
// resource usage in runc's JSON ({"type":"stats","id":...,"data":{...}}),
// once with --stats, else every interval plus an {"type":"oom"} record for
// each OOM kill, until the container stops.
import { TsrunError } from '../errors'
import { parseGoDuration } from './duration'
import { type CommandContext, UsageError } from './parse'

export async function command({ g, flags, args }: CommandContext): Promise<void> {
  const text = flags.interval as string
  const intervalMs = parseGoDuration(text)
  if (intervalMs === null) throw new UsageError(`invalid value "${text}" for flag -interval: parse error`)
  if (intervalMs <= 0) throw new TsrunError('usage', 'duration interval must be greater than 0')
  const { events } = require('../lifecycle') as typeof import('../lifecycle')
  await events(g, { id: args[0], stats: flags.stats as boolean, intervalMs })
}
