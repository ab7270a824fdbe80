// tsrun create [-b bundle] [--pid-file F] [--console-socket S] [--no-pivot]
//              [--pidfd-socket P] [--no-new-keyring] [--preserve-fds N] <container-id>
// Sets the container up and leaves its process waiting for `start`.
import { resolve } from '../paths'
import type { CommandContext } from './parse'

type CreateOptions = Parameters<typeof import('../lifecycle').create>[1]

/** The lifecycle's CreateOptions, from the flags create and run share. */
export function createOptions({ flags, args }: CommandContext): CreateOptions {
  const pidFile = flags['pid-file'] as string
  const consoleSocket = flags['console-socket'] as string
  const pidfdSocket = flags['pidfd-socket'] as string
  return {
    id: args[0],
    // runc chdirs into the bundle and records the directory; an absolute path is the same.
    bundle: resolve((flags.bundle as string) || '.'),
    // runc makes --pid-file absolute before its chdir (revisePidFile).
    ...(pidFile ? { pidFile: resolve(pidFile) } : {}),
    ...(consoleSocket ? { consoleSocket: resolve(consoleSocket) } : {}),
    ...(pidfdSocket ? { pidfdSocket: resolve(pidfdSocket) } : {}),
    noPivot: flags['no-pivot'] as boolean,
    noNewKeyring: flags['no-new-keyring'] as boolean,
    preserveFds: flags['preserve-fds'] as number,
  }
}

export async function command(ctx: CommandContext): Promise<number> {
  const { create } = require('../lifecycle') as typeof import('../lifecycle')
  await create(ctx.g, createOptions(ctx))
  return 0
}
