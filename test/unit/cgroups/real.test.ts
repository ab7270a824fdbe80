// The drivers against the host's real cgroupfs: a sleep child joined, frozen,
// signalled through the cgroup, then everything removed. Needs root; skipped
// otherwise. Cleans up in teardown even when an assertion fails.
import t from 'tap'
import * as fs from 'fs'
import { spawn, type ChildProcess } from 'child_process'
import { detectLayout } from '../../../src/cgroups/detect'
import { openCgroup, planCgroup, type CgroupDriver, type CgroupRecord } from '../../../src/cgroups/driver'

const root = process.getuid?.() === 0
const layout = root ? detectLayout() : null
const name = () => `tsrun-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

const dirsOf = (r: CgroupRecord): string[] => r.driver === 'v2' ? [r.path] : [...new Set(Object.values(r.paths))]

function start(t: tap.Test, d: CgroupDriver): Promise<{ child: ChildProcess; exit: Promise<string | null> }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  const exit = new Promise<string | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exit }
    try { d.destroy() } catch { /* reported by the test itself */ }
  })
  return new Promise((resolve) => child.once('spawn', () => resolve({ child, exit })))
}

t.test('host layout (v1/hybrid or v2): create, apply, freeze, killAll, destroy', { skip: !root && 'needs root' }, async (t) => {
  // Relative path: lands under our own cgroup in each hierarchy, as runc would.
  const rec = planCgroup(name(), 'unused')
  const d = openCgroup(rec)
  t.teardown(() => { try { d.destroy() } catch { /* */ } })
  d.create({ pids: { limit: 64 } })
  for (const dir of dirsOf(rec)) t.ok(fs.statSync(dir).isDirectory(), `made ${dir}`)
  const pidsDir = rec.driver === 'v2' ? rec.path : rec.paths.pids
  if (pidsDir) t.equal(fs.readFileSync(`${pidsDir}/pids.max`, 'utf8').trim(), '64')
  const { child, exit } = await start(t, d)
  d.apply(child.pid!)
  t.same(d.pids(), [child.pid])
  const mine = fs.readFileSync(`/proc/${child.pid}/cgroup`, 'utf8')
  t.match(mine, /tsrun-test-/)
  if (d.freezerState() !== '') {
    d.freeze()
    t.equal(d.freezerState(), 'FROZEN')
    d.thaw()
    t.equal(d.freezerState(), 'THAWED')
  }
  d.killAll(15) // SIGTERM: the freeze/list/signal/thaw path on both layouts
  t.equal(await exit, 'SIGTERM')
  d.destroy()
  for (const dir of dirsOf(rec)) t.notOk(fs.existsSync(dir), `removed ${dir}`)
})

// On a hybrid host the cgroup2 mount exercises the v2 driver too.
const unified = layout?.mode === 'v2' ? layout.unified : layout?.mode === 'v1' ? layout.unified?.mountpoint : undefined
t.test('v2 driver: cgroup.kill and cgroup.freeze', { skip: !unified && 'no cgroup2 mount' }, async (t) => {
  const mount = unified!
  // create() enables controllers in the mount's subtree_control: put it back.
  const before = fs.readFileSync(`${mount}/cgroup.subtree_control`, 'utf8').split(/\s+/).filter(Boolean)
  t.teardown(() => {
    const now = fs.readFileSync(`${mount}/cgroup.subtree_control`, 'utf8').split(/\s+/).filter(Boolean)
    for (const c of now) if (!before.includes(c)) try { fs.writeFileSync(`${mount}/cgroup.subtree_control`, `-${c}`) } catch { /* */ }
  })
  const rec: CgroupRecord = { driver: 'v2', mount, path: `${mount}/${name()}` }
  const d = openCgroup(rec)
  t.teardown(() => { try { d.destroy() } catch { /* */ } })
  d.create()
  const { child, exit } = await start(t, d)
  d.apply(child.pid!)
  t.same(d.pids(), [child.pid])
  d.freeze()
  t.equal(d.freezerState(), 'FROZEN')
  d.thaw()
  d.killAll(9)
  t.equal(await exit, 'SIGKILL')
  d.destroy()
  t.notOk(fs.existsSync(rec.path))
})
