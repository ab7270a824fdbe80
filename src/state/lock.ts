// One exclusive flock per container, held for the whole of create, start,
// kill and delete, so two tsrun processes never interleave their steps on one
// container. The lock is on the container directory's own fd: no extra file to
// create or clean up, and a delete that removes the directory while another
// process waits leaves that waiter holding a lock on a dead inode — it then
// re-reads state.json, finds it gone and reports "container does not exist".

import * as fs from '../fsys'
import { TsrunError } from '../errors'
import { addon, LOCK_EX, LOCK_NB } from '../addon'
import { containerDir } from './store'

export interface ContainerLock {
  /** the locked directory fd (O_CLOEXEC: never inherited by the init) */
  readonly fd: number
  /** Drops the lock (closing the fd releases the flock); safe to call twice. */
  release(): void
}

/**
 * Locks <root>/<id> exclusively. Blocks until the lock is free unless
 * `wait: false`, which fails at once with TsrunError('state'). A missing
 * directory is TsrunError('notfound', 'container does not exist').
 * Callers must (re-)read the state only after this returns.
 */
export function lockContainer(root: string, id: string, opts: { wait?: boolean } = {}): ContainerLock {
  const dir = containerDir(root, id)
  let fd: number
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new TsrunError('notfound', 'container does not exist')
    throw new TsrunError('system', `open state dir ${dir}`, { cause: err })
  }
  try {
    addon.flock(fd, opts.wait === false ? LOCK_EX | LOCK_NB : LOCK_EX)
  } catch (err) {
    fs.closeSync(fd)
    if ((err as NodeJS.ErrnoException).code === 'EWOULDBLOCK' || (err as NodeJS.ErrnoException).code === 'EAGAIN') {
      throw new TsrunError('state', 'container is locked by another tsrun process', { cause: err })
    }
    throw new TsrunError('system', `lock state dir ${dir}`, { cause: err })
  }
  let held = true
  return {
    fd,
    release(): void {
      if (!held) return
      held = false
      fs.closeSync(fd)
    },
  }
}
