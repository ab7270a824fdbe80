// run = create + start. In the foreground tsrun forwards the signals it gets
// to the container, waits for it and exits with its status (128+N when
// killed by signal N), then deletes it unless --keep.
import * as fs from 'node:fs'
import * as os from 'node:os'
import { addon } from '../addon'
import { warn } from '../log'
import { createContainer } from './create'
import { remove } from './delete'
import { start } from './start'
import type { GlobalOptions, RunOptions } from './index'

/** What a shell's Ctrl-C, a service manager's stop and friends deliver to tsrun. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH']

export async function run(g: GlobalOptions, o: RunOptions): Promise<number> {
  const { pidfd } = createContainer(g, o, !o.detach)
  const forward = (sig: NodeJS.Signals): void => {
    try {
      addon.pidfdSendSignal(pidfd, os.constants.signals[sig])
    } catch { /* already gone: the wait below returns */ }
  }
  // Listening before start (as runc's signal handler): the container runs,
  // and may get us signalled, before start returns; a signal then would kill
  // tsrun and orphan the container. Handlers run from the event loop, so
  // never before start() is done.
  const listen = (on: boolean): void => {
    for (const s of FORWARDED) if (on) process.on(s, forward); else process.off(s, forward)
  }
  if (!o.detach) listen(true)
  try {
    start(g, o.id)
  } catch (err) {
    listen(false)
    fs.closeSync(pidfd)
    cleanup(g, o.id)
    throw err
  }
  if (o.detach) {
    fs.closeSync(pidfd)
    return 0
  }
  const status = await addon.waitPidfd(pidfd)
  listen(false)
  fs.closeSync(pidfd)
  if (!o.keep) cleanup(g, o.id)
  return status.signal !== null ? 128 + status.signal : (status.code ?? 0)
}

function cleanup(g: GlobalOptions, id: string): void {
  try {
    remove(g, { id, force: true })
  } catch (err) {
    warn(`delete ${id}: ${(err as Error).message}`)
  }
}
