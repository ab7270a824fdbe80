import t from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { spawn, type ChildProcess } from 'child_process'
import { createContainerDir, writeState, type StateRecord } from '../../../src/state/store'
import { procStartTime, procStat, initAlive, deriveStatus } from '../../../src/state/status'

const tmp = (t: tap.Test): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-status-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const rec = (id: string, over: Partial<StateRecord>): StateRecord => ({
  id, pid: 0, startTime: '', bundle: '/b', rootfs: '/b/rootfs', created: '', owner: '', annotations: {},
  status: 'created', cgroup: null, hooks: { poststart: [], poststop: [] }, ...over,
})

const sleeper = (t: tap.Test): ChildProcess => {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' })
  t.teardown(() => { c.kill('SIGKILL') })
  return c
}

const exited = (c: ChildProcess): Promise<void> => new Promise((resolve) => {
  if (c.exitCode !== null || c.signalCode !== null) resolve()
  else c.once('exit', () => resolve())
})

t.test('procStartTime: our own process, a dead pid', async (t) => {
  const st = procStartTime(process.pid)
  t.match(st, /^\d+$/)
  t.equal(procStartTime(process.pid), st, 'stable')
  t.equal(procStartTime(2 ** 22 + 1), null, 'beyond pid_max: no such process')
  t.equal(procStat(process.pid)!.state, 'R')
})

t.test('live child: created while the fifo exists, then running', async (t) => {
  const root = path.join(tmp(t), 'root')
  const dir = createContainerDir(root, 'c')
  const c = sleeper(t)
  const r = rec('c', { pid: c.pid!, startTime: procStartTime(c.pid!)! })
  writeState(root, r)
  fs.writeFileSync(path.join(dir, 'exec.fifo'), '') // a plain file stands in for the fifo
  t.equal(deriveStatus(root, r), 'created')
  fs.unlinkSync(path.join(dir, 'exec.fifo'))
  t.equal(deriveStatus(root, r), 'running')
  c.kill('SIGKILL')
  await exited(c) // node reaps it
  t.equal(deriveStatus(root, r), 'stopped')
})

t.test('recycled pid: a live process with another start time is not ours', async (t) => {
  const root = path.join(tmp(t), 'root')
  createContainerDir(root, 'c')
  const c = sleeper(t)
  const real = procStartTime(c.pid!)!
  const r = rec('c', { pid: c.pid!, startTime: String(Number(real) - 1), status: 'running' })
  t.notOk(initAlive(r))
  t.equal(deriveStatus(root, r), 'stopped')
  t.ok(initAlive({ pid: c.pid!, startTime: real }))
})

t.test('zombie init counts as stopped', async (t) => {
  // sh forks a child that exits at once, then execs sleep, which never reaps it.
  const c = spawn('sh', ['-c', 'sh -c "echo \\$\\$" & exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] })
  t.teardown(() => { c.kill('SIGKILL') })
  const pid = Number(await new Promise<string>((resolve) => c.stdout!.once('data', (d) => resolve(String(d)))))
  let st = procStat(pid)
  for (let i = 0; i < 100 && st?.state !== 'Z'; i++) {
    await new Promise((r) => setTimeout(r, 10))
    st = procStat(pid)
  }
  t.equal(st?.state, 'Z')
  t.notOk(initAlive({ pid, startTime: st!.startTime }))
})

t.test('creating stays creating; no pid yet', async (t) => {
  const root = path.join(tmp(t), 'root')
  createContainerDir(root, 'c')
  t.equal(deriveStatus(root, rec('c', { status: 'creating' })), 'creating')
  t.equal(deriveStatus(root, rec('c', { status: 'created' })), 'stopped', 'created with no pid: gone')
})

t.test('frozen cgroup is paused (v1 freezer.state, v2 cgroup.freeze + events)', async (t) => {
  const base = tmp(t)
  const root = path.join(base, 'root')
  createContainerDir(root, 'c')
  const c = sleeper(t)
  const live = { pid: c.pid!, startTime: procStartTime(c.pid!)! }
  const fz = path.join(base, 'freezer')
  fs.mkdirSync(fz)
  fs.writeFileSync(path.join(fz, 'freezer.state'), 'FROZEN\n')
  const v1 = rec('c', { ...live, status: 'running', cgroup: { driver: 'v1', paths: { freezer: fz } } })
  t.equal(deriveStatus(root, v1), 'paused')
  fs.writeFileSync(path.join(fz, 'freezer.state'), 'THAWED\n')
  t.equal(deriveStatus(root, v1), 'running')
  const u = path.join(base, 'unified')
  fs.mkdirSync(u)
  fs.writeFileSync(path.join(u, 'cgroup.freeze'), '1\n')
  fs.writeFileSync(path.join(u, 'cgroup.events'), 'populated 1\nfrozen 1\n')
  const v2 = rec('c', { ...live, status: 'running', cgroup: { driver: 'v2', mount: base, path: u } })
  t.equal(deriveStatus(root, v2), 'paused')
  fs.writeFileSync(path.join(u, 'cgroup.events'), 'populated 1\nfrozen 0\n')
  t.equal(deriveStatus(root, v2), 'running', 'still freezing is not paused')
  fs.rmSync(u, { recursive: true })
  t.equal(deriveStatus(root, v2), 'running', 'cgroup gone: not frozen')
})
