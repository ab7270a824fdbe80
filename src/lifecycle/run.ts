// run = create + start. In the foreground tsrun forwards the signals it gets
// to the container, relays its pty when process.terminal asks for one and no
// console socket takes it, waits for it and exits with its status (128+N
// when killed by signal N), then deletes it unless --keep.
import * as fs from '../fsys'
import { addon } from '../addon'
import { warn } from '../log'
import { createContainer } from './create'
import { remove } from './delete'
import { exitCodeOf, forwardSignals, waitForExit } from './foreground'
import { start } from './start'
import type { GlobalOptions, RunOptions } from './index'

export async function run(g: GlobalOptions, o: RunOptions): Promise<number> {
  const pty = o.detach || o.consoleSocket ? null : addon.socketPair()
  let pidfd: number
  let master = -1
  try {
    const created = createContainer(g, o, !o.detach, pty?.[1] ?? -1)
    pidfd = created.pidfd
    // Sent by the init before create returned.
    if (pty && created.terminal) master = addon.recvFd(pty[0]).fd
  } finally {
    pty?.forEach((fd) => fs.closeSync(fd))
  }
  const relay = master >= 0 ? (require('../console/relay') as typeof import('../console/relay')).relayPty(master) : null
  // Listening before start (as runc's signal handler): the container runs,
  // and may get us signalled, before start returns; a signal then would kill
  // tsrun and orphan the container.
  const stop = o.detach ? () => {} : forwardSignals(pidfd, relay ? () => relay.resize() : undefined)
  try {
    start(g, o.id, o.detach ? undefined : process.pid)
  } catch (err) {
    stop()
    relay?.restore()
    fs.closeSync(pidfd)
    cleanup(g, o.id)
    throw err
  }
  if (o.detach) {
    fs.closeSync(pidfd)
    return 0
  }
  const status = await waitForExit(pidfd, relay !== null)
  if (relay) await relay.finish()
  stop()
  relay?.restore()
  fs.closeSync(pidfd)
  if (!o.keep) cleanup(g, o.id)
  return exitCodeOf(status)
}

function cleanup(g: GlobalOptions, id: string): void {
  try {
    remove(g, { id, force: true })
  } catch (err) {
    warn(`delete ${id}: ${(err as Error).message}`)
  }
}
