import t from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { spawn } from 'child_process'
import { nowRfc3339Nano } from '../../../src/clock'
import {
  createContainerDir, writeState, readState, listIds, removeContainerDir,
  type StateRecord,
} from '../../../src/state/store'

const tmpRoot = (t: tap.Test): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-store-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'root') // not made yet: createContainerDir makes it
}

const record = (id: string): StateRecord => ({
  id, pid: 0, startTime: '', bundle: '/b', rootfs: '/b/rootfs', created: nowRfc3339Nano(), owner: '',
  annotations: { a: 'b' }, status: 'creating', cgroup: { driver: 'v1', paths: { pids: '/sys/fs/cgroup/pids/x' } },
  hooks: { poststart: [], poststop: [{ path: '/bin/true' }] },
})

t.test('create makes root 0700 and the container dir 0711', async (t) => {
  const root = tmpRoot(t)
  const old = process.umask(0o077)
  try { createContainerDir(root, 'c1') } finally { process.umask(old) }
  t.equal(fs.statSync(root).mode & 0o777, 0o700)
  t.equal(fs.statSync(path.join(root, 'c1')).mode & 0o777, 0o711)
})

t.test('a second create of one id fails with runc phrase', async (t) => {
  const root = tmpRoot(t)
  createContainerDir(root, 'dup')
  t.throws(() => createContainerDir(root, 'dup'), { kind: 'exists', message: 'container with given ID already exists' })
})

t.test('bad ids never reach the filesystem', async (t) => {
  const root = tmpRoot(t)
  t.throws(() => createContainerDir(root, '../escape'), { kind: 'usage', message: 'invalid container ID format' })
  t.throws(() => readState(root, '..'), { kind: 'usage', message: 'invalid container ID format' })
  t.notOk(fs.existsSync(path.join(root, '..', 'escape')))
})

t.test('write then read round-trips; no temp file is left; file is 0600', async (t) => {
  const root = tmpRoot(t)
  createContainerDir(root, 'c')
  const rec = record('c')
  writeState(root, rec)
  t.same(readState(root, 'c'), rec)
  rec.pid = 42; rec.status = 'created'
  writeState(root, rec)
  t.same(readState(root, 'c'), rec)
  t.same(fs.readdirSync(path.join(root, 'c')), ['state.json'])
  t.equal(fs.statSync(path.join(root, 'c', 'state.json')).mode & 0o777, 0o600)
})

t.test('write replaces by rename: an open reader keeps the old whole file', async (t) => {
  const root = tmpRoot(t)
  createContainerDir(root, 'c')
  writeState(root, record('c'))
  const file = path.join(root, 'c', 'state.json')
  const fd = fs.openSync(file, 'r')
  const ino = fs.fstatSync(fd).ino
  writeState(root, { ...record('c'), pid: 7 })
  t.not(fs.statSync(file).ino, ino, 'new inode')
  t.equal(JSON.parse(fs.readFileSync(fd, 'utf8')).pid, 0, 'old reader sees the old record')
  fs.closeSync(fd)
})

t.test('missing container: runc phrase; dir without state.json too', async (t) => {
  const root = tmpRoot(t)
  t.throws(() => readState(root, 'nope'), { kind: 'notfound', message: 'container does not exist' })
  createContainerDir(root, 'half')
  t.throws(() => readState(root, 'half'), { kind: 'notfound', message: 'container does not exist' })
})

t.test('corrupt state.json is a system error naming the file', async (t) => {
  const root = tmpRoot(t)
  createContainerDir(root, 'c')
  fs.writeFileSync(path.join(root, 'c', 'state.json'), '{')
  t.throws(() => readState(root, 'c'), { kind: 'system', message: /state\.json/ })
})

t.test('a state.json that is not our record (another runtime, the OCI state) is refused by name', async (t) => {
  const root = tmpRoot(t)
  createContainerDir(root, 'c')
  fs.writeFileSync(path.join(root, 'c', 'state.json'), JSON.stringify({ ociVersion: '1.3.0', id: 'c', pid: 1, status: 'created' }))
  t.throws(() => readState(root, 'c'), { kind: 'system', message: /state\.json: not a tsrun state record/ })
})

t.test('list and remove', async (t) => {
  const root = tmpRoot(t)
  t.same(listIds(root), [], 'missing root lists nothing')
  for (const id of ['b', 'a', 'c']) createContainerDir(root, id)
  fs.writeFileSync(path.join(root, 'stray-file'), '')
  t.same(listIds(root), ['a', 'b', 'c'])
  writeState(root, record('b'))
  removeContainerDir(root, 'b')
  removeContainerDir(root, 'b') // already gone is fine
  t.same(listIds(root), ['a', 'c'])
})

// Real processes racing: each waits for a common instant, then creates.
// Children load the .ts source with the same TypeScript loader tap gave us.
const tsLoader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'))
t.test('racing creates of one id: exactly one wins', async (t) => {
  const root = tmpRoot(t)
  fs.mkdirSync(root, { mode: 0o700 })
  const store = path.resolve(__dirname, '../../../src/state/store.ts')
  const at = Date.now() + 2500
  const script = `
    const { createContainerDir } = require(${JSON.stringify(store)})
    while (Date.now() < ${at}) {}
    try { createContainerDir(${JSON.stringify(root)}, 'race'); console.log('won') }
    catch (e) { console.log(e.kind + ': ' + e.message) }`
  const runs = Array.from({ length: 6 }, () => new Promise<string>((resolve, reject) => {
    const c = spawn(process.execPath, [...tsLoader, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    c.stdout.on('data', (d) => { out += d })
    c.on('error', reject)
    c.on('exit', () => resolve(out.trim()))
  }))
  const results = (await Promise.all(runs)).sort()
  t.equal(results.filter((r) => r === 'won').length, 1, results.join(' | '))
  t.equal(results.filter((r) => r === 'exists: container with given ID already exists').length, 5)
})
