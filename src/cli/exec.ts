// tsrun exec [flags] <container-id> [command...] | -p process.json <container-id>
// Runs a new process in a running container; in the foreground tsrun exits
// with its status, and any failure exits 255 with "exec failed: ..." (runc).
// Flags come before the id: what follows the id is the command's (runc's
// StopOnNthArg), so `exec ID sh -c ...` passes -c to sh.
import { resolve } from '../paths'
import type { CommandContext } from './parse'

type ExecOptions = Parameters<typeof import('../lifecycle').exec>[1]

export async function command({ g, flags, args }: CommandContext): Promise<number> {
  const { exec } = require('../lifecycle') as typeof import('../lifecycle')
  return exec(g, execOptions(flags, args))
}

export function execOptions(flags: CommandContext['flags'], args: string[]): ExecOptions {
  const str = (name: string): string | undefined => (flags[name] as string) || undefined
  // runc makes the paths absolute before anything else (revisePidFile).
  const path = (name: string): string | undefined => (str(name) ? resolve(str(name)!) : undefined)
  return {
    id: args[0],
    processFile: path('process'),
    args: args.slice(1),
    tty: flags.tty as boolean,
    detach: flags.detach as boolean,
    pidFile: path('pid-file'),
    consoleSocket: path('console-socket'),
    pidfdSocket: path('pidfd-socket'),
    env: flags.env as string[],
    cwd: str('cwd'),
    user: str('user'),
    additionalGids: flags['additional-gids'] as string[],
    caps: flags.cap as string[],
    noNewPrivs: flags['no-new-privs'] as boolean,
    apparmor: str('apparmor'),
    processLabel: str('process-label'),
    preserveFds: flags['preserve-fds'] as number,
    ignorePaused: flags['ignore-paused'] as boolean,
    cgroup: flags.cgroup as string[],
  }
}
