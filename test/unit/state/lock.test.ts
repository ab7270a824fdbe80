import t from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { spawn } from 'child_process'
import { createContainerDir, removeContainerDir, readState } from '../../../src/state/store'
import { lockContainer } from '../../../src/state/lock'

const tsLoader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'))

const tmpRoot = (t: tap.Test): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-lock-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'root')
}

t.test('exclusive: a second lock (another open file) fails without wait', async (t) => {
  const root = tmpRoot(t)
  createContainerDir(root, 'c')
  const a = lockContainer(root, 'c')
  t.throws(() => lockContainer(root, 'c', { wait: false }), { kind: 'state', message: /locked by another tsrun/ })
  a.release()
  a.release() // idempotent
  const b = lockContainer(root, 'c', { wait: false })
  b.release()
})

t.test('missing container dir is notfound', async (t) => {
  const root = tmpRoot(t)
  t.throws(() => lockContainer(root, 'nope'), { kind: 'notfound', message: 'container does not exist' })
})

t.test('fd is close-on-exec (never inherited by the init)', async (t) => {
  const root = tmpRoot(t)
  createContainerDir(root, 'c')
  const l = lockContainer(root, 'c')
  t.teardown(() => l.release())
  const flags = fs.readFileSync(`/proc/self/fdinfo/${l.fd}`, 'utf8').match(/flags:\s+(\d+)/)![1]
  t.ok(parseInt(flags, 8) & 0o2000000, 'O_CLOEXEC set')
})

// Another process holds the lock; ours blocks until it lets go, and a
// delete done meanwhile is seen as "does not exist" once we get the lock.
t.test('blocking lock waits for the holder; re-read after removal', async (t) => {
  const root = tmpRoot(t)
  createContainerDir(root, 'c')
  const lockTs = path.resolve(__dirname, '../../../src/state/lock.ts')
  const storeTs = path.resolve(__dirname, '../../../src/state/store.ts')
  const script = `
    const { lockContainer } = require(${JSON.stringify(lockTs)})
    const { removeContainerDir } = require(${JSON.stringify(storeTs)})
    lockContainer(${JSON.stringify(root)}, 'c')
    console.log('locked')
    setTimeout(() => { removeContainerDir(${JSON.stringify(root)}, 'c'); process.exit(0) }, 400)`
  const child = spawn(process.execPath, [...tsLoader, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
  const started = Date.now()
  const l = lockContainer(root, 'c') // blocks until the child exits
  const waited = Date.now() - started
  l.release()
  t.ok(waited >= 200, `waited ${waited} ms`)
  t.throws(() => readState(root, 'c'), { kind: 'notfound', message: 'container does not exist' })
  removeContainerDir(root, 'c')
})
