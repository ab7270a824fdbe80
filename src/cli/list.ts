// tsrun list [-f|--format table|json] [-q|--quiet]: the containers under --root,
// printed byte-for-byte as runc's list.go prints them.
import { stdout } from '../log'
import { goJson } from './json'
import { CommandContext, UsageError } from './parse'
import { ContainerState, runcOrder } from './state'

/**
 * Go's text/tabwriter as runc configures it (minwidth 12, padding 3, spaces):
 * every cell but a line's last is padded to its column's widest cell + 3,
 * at least 12; widths count code points (utf8.RuneCount).
 */
export function tabulate(rows: string[][]): string {
  const len = (s: string) => [...s].length
  const widths = rows[0].map((_, j) => Math.max(12, ...rows.map((r) => len(r[j]) + 3)))
  const line = (r: string[]) => r.map((c, j) => (j < r.length - 1 ? c + ' '.repeat(widths[j] - len(c)) : c)).join('')
  return rows.map(line).join('\n') + '\n'
}

export function formatList(states: ContainerState[], format: string, quiet: boolean): string {
  if (quiet) return states.map((s) => s.id + '\n').join('')
  // json.Encoder.Encode: compact, newline-terminated; a nil slice is "null".
  if (format === 'json') return (states.length ? goJson(states.map(runcOrder)) : 'null') + '\n'
  return tabulate([
    ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]),
  ])
}

export async function command({ g, flags }: CommandContext): Promise<void> {
  const format = flags.format as string
  const quiet = flags.quiet as boolean
  if (!quiet && format !== 'table' && format !== 'json') throw new UsageError('invalid format option')
  const { list } = require('../lifecycle') as typeof import('../lifecycle')
  stdout(formatList(await list(g), format, quiet))
}
