// tsrun kill [-a|--all] <container-id> [signal]: signal the container's init
// (or, with --all, every process in its cgroup). Default SIGTERM.
import type { CommandContext } from './parse'
import { parseSignal } from './signal'

export async function command({ g, flags, args }: CommandContext): Promise<void> {
  // Parsed before touching the container: a bad name fails with no side effect
  // (runc looks the container up first, so it reports a missing container first).
  const signal = parseSignal(args[1])
  const { kill } = require('../lifecycle') as typeof import('../lifecycle')
  await kill(g, { id: args[0], signal, all: flags.all as boolean })
}
