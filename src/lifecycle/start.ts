// start: open the exec fifo for reading, which releases the init blocked on
// it, then run poststart hooks. The wait also watches the init's pidfd, so a
// dead init is reported instead of hanging (runc's awaitFifoOpen).
import { SIGKILL } from '../signals'
import * as fs from '../fsys'
import * as path from '../paths'
import { addon } from '../addon'
import { TsrunError, wrap } from '../errors'
import { runHooks } from '../hooks/run'
import { warn } from '../log'
import { lockContainer } from '../state/lock'
import { deriveStatus, initAlive } from '../state/status'
import { FIFO_FILE, containerDir, readState, writeState } from '../state/store'
import { signalInit } from './kill'
import { bindNotifySocket, forwardReady } from './notify'
import { hookState } from './oci-state'
import type { GlobalOptions } from './index'

/** runc 1.1.5's messages for a start in the wrong state. */
function notStartable(status: string): TsrunError {
  if (status === 'stopped') return new TsrunError('state', 'cannot start a container that has stopped')
  if (status === 'running') return new TsrunError('state', 'cannot start an already running container')
  return new TsrunError('state', `cannot start a container in the ${status} state`)
}

/**
 * `mainPid`: what the host's NOTIFY_SOCKET is told to watch once the
 * container is ready (tsrun's own pid when run waits in the foreground).
 */
export function start(g: GlobalOptions, id: string, mainPid?: number): void {
  const lock = lockContainer(g.root, id)
  let notify = -1
  let pid = 0
  try {
    const rec = readState(g.root, id)
    const status = deriveStatus(g.root, rec)
    if (status !== 'created') throw notStartable(status)
    if (rec.noProcess) {
      // It can never run: stop it so the error leaves a stopped container, not a stuck one.
      signalInit(rec, SIGKILL)
      throw new TsrunError('config', 'cannot start a container without a process: config.json has none')
    }
    // Bound before the process runs, so no notification is lost.
    notify = bindNotifySocket(containerDir(g.root, id))
    const pidfd = addon.pidfdOpen(rec.pid)
    const fifo = path.join(containerDir(g.root, id), FIFO_FILE)
    let released: boolean
    try {
      // The pidfd may name a recycled pid if the init died just now: check after opening it.
      if (!initAlive(rec)) throw notStartable('stopped')
      released = addon.awaitExecFifo(fifo, pidfd)
    } finally {
      fs.closeSync(pidfd)
    }
    fs.rmSync(fifo, { force: true })
    if (!released) throw new TsrunError('init', 'container process exited before it was started')
    rec.status = 'running'
    writeState(g.root, rec)
    for (const w of runHooks('poststart', rec.hooks.poststart, hookState(rec, 'running'), { warnOnly: true })) {
      warn(w.message)
    }
    pid = rec.pid
  } catch (err) {
    if (notify >= 0) fs.closeSync(notify)
    throw wrap(`start ${id}`, err)
  } finally {
    lock.release()
  }
  // Outside the lock: READY= may take the container a long while, and
  // kill or delete must not wait for it.
  if (notify >= 0) {
    try {
      forwardReady(notify, pid, mainPid ?? pid)
    } catch (err) {
      throw wrap(`start ${id}`, err)
    }
  }
}
