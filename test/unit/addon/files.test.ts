// flock and mkfifo.
import t from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { addon, LOCK_EX, LOCK_NB, LOCK_UN } from '../../../src/addon'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-addon-files-'))
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))

t.test('flock: a second exclusive lock on another open file fails with EWOULDBLOCK', async (t) => {
  const file = path.join(dir, 'lock')
  fs.writeFileSync(file, '')
  const a = fs.openSync(file, 'r')
  const b = fs.openSync(file, 'r') // a separate open file description: its own lock owner
  t.teardown(() => { fs.closeSync(a); fs.closeSync(b) })
  addon.flock(a, LOCK_EX)
  // EWOULDBLOCK is EAGAIN on Linux; like Node, the code is its first name.
  t.throws(() => addon.flock(b, LOCK_EX | LOCK_NB), { code: 'EAGAIN', errno: -11, syscall: 'flock' })
  addon.flock(a, LOCK_UN)
  t.doesNotThrow(() => addon.flock(b, LOCK_EX | LOCK_NB), 'free again after LOCK_UN')
  t.throws(() => addon.flock(-1, LOCK_EX), { code: 'EBADF' })
})

t.test('mkfifo creates a fifo with the given mode; EEXIST names the path', async (t) => {
  const fifo = path.join(dir, 'exec.fifo')
  addon.mkfifo(fifo, 0o600)
  const st = fs.statSync(fifo)
  t.ok(st.isFIFO())
  t.equal(st.mode & 0o777, 0o600)
  t.throws(() => addon.mkfifo(fifo, 0o600), {
    code: 'EEXIST', syscall: 'mkfifo', path: fifo, message: `mkfifo ${fifo}: File exists`,
  })
})
