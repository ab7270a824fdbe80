// Planning, checks, writes and removal of a container's resctrl group on a
// temp tree that mimics resctrl (runc's libcontainer/intelrdt rules).
import t from 'tap'
import * as fs from 'fs'
import * as path from 'path'
import {
  checkIntelRdt, checkUpdate, joinGroup, makeGroup, makeMonGroup, planGroup, removeGroup, schemataOf, writeSchemata,
} from '../../../src/resctrl/group'
import { describe } from '../../../src/errors'
import { read } from '../cgroups/fixture'
import { L3_INFO, MB_INFO, MON_INFO, resctrlTree } from './fixture'

t.test('checks: runc validator.go words, against what info/ offers', async (t) => {
  const root = resctrlTree(t, L3_INFO, { 'guaranteed/tasks': '' })
  const cases: Array<[string, Parameters<typeof checkIntelRdt>[1], string | null]> = [
    ['L3 with CAT', { l3CacheSchema: 'L3:0=7f0' }, null],
    ['MB without MBA', { memBwSchema: 'MB:0=20' }, 'memBwSchema: intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled'],
    ['closID ..', { closID: '..', l3CacheSchema: 'L3:0=7f0' }, 'closID: invalid intelRdt.ClosID ".."'],
    ['closID with a slash', { closID: 'a/b', l3CacheSchema: 'L3:0=7f0' }, 'closID: invalid intelRdt.ClosID "a/b"'],
    ['closID / is the root group', { closID: '/' }, null],
    ['existing closID, nothing to write', { closID: 'guaranteed' }, null],
    ['missing closID, nothing to write', { closID: 'nope' },
      `closID: clos dir ${root}/nope not accessible (must be pre-created when schemata, l3CacheSchema and memBwSchema are empty)`],
    ['missing closID with a schema to write', { closID: 'nope', schemata: ['L3:0=f'] }, null],
    ['monitoring without L3_MON', { enableMonitoring: true }, 'enableMonitoring: intelRdt.enableMonitoring is specified in config, but Intel RDT monitoring is not enabled'],
  ]
  for (const [name, rdt, want] of cases) {
    const got = checkIntelRdt(root, rdt)
    t.equal(got && `${got.field}: ${got.message}`, want, name)
  }
  const full = resctrlTree(t, { ...L3_INFO, ...MB_INFO, ...MON_INFO })
  t.equal(checkIntelRdt(full, { memBwSchema: 'MB:0=20', enableMonitoring: true }), null, 'MBA and monitoring where info/ has them')
})

t.test('update flags: runc update.go words for what this host lacks', async (t) => {
  const root = resctrlTree(t, L3_INFO)
  t.equal(checkUpdate(root, { l3CacheSchema: 'L3:0=f' }), null)
  t.equal(checkUpdate(root, { memBwSchema: 'MB:0=20' }), 'Intel RDT/MBA: memory bandwidth schema is not enabled')
  t.equal(checkUpdate(null, { l3CacheSchema: 'L3:0=f' }), 'Intel RDT/CAT: l3 cache schema is not enabled', 'no resctrl mounted')
})

t.test('plan: closID names a shared group, else the container id; monitoring adds mon_groups/<id>', async (t) => {
  const root = resctrlTree(t, L3_INFO, { 'shared/tasks': '' })
  t.same(planGroup(root, 'c1', { l3CacheSchema: 'L3:0=f' }), { root, path: `${root}/c1`, monPath: null, shared: false, made: true })
  t.same(planGroup(root, 'c1', { closID: 'shared', enableMonitoring: true }),
    { root, path: `${root}/shared`, monPath: `${root}/shared/mon_groups/c1`, shared: true, made: false })
  t.same(planGroup(root, 'c1', { closID: 'new', schemata: ['L3:0=f'] }).made, true, 'a closID group not there yet is made')
  const top = planGroup(root, 'c1', { closID: '/', enableMonitoring: true })
  t.same([top.path, top.monPath, top.made], [root, `${root}/mon_groups/c1`, false], 'closID / is the root group, never made')
})

t.test('schemata: l3CacheSchema, memBwSchema, then schemata[], one line each', async (t) => {
  t.equal(schemataOf({ schemata: ['L2:0=3'], memBwSchema: 'MB:0=20;1=70', l3CacheSchema: 'L3:0=7f0;1=1f' }), 'L3:0=7f0;1=1f\nMB:0=20;1=70\nL2:0=3\n')
  t.equal(schemataOf({ closID: 'x' }), '')
})

t.test('make, write, join: control group first, then its monitoring group', async (t) => {
  const root = resctrlTree(t, { ...L3_INFO, ...MON_INFO })
  const r = planGroup(root, 'c1', { l3CacheSchema: 'L3:0=7f0', enableMonitoring: true })
  t.equal(makeGroup(r), true, 'made')
  t.ok(fs.statSync(r.path).isDirectory())
  t.equal(makeGroup(r), false, 'a second mkdir finds it there: not ours')
  // What the kernel puts in a new control group.
  for (const f of ['schemata', 'tasks']) fs.writeFileSync(path.join(r.path, f), '')
  fs.mkdirSync(path.join(r.path, 'mon_groups'))
  writeSchemata(r, 'L3:0=7f0\nMB:0=20\n')
  t.equal(read(r.path, 'schemata'), 'L3:0=7f0\nMB:0=20\n', 'all lines in one write')
  makeMonGroup(r)
  makeMonGroup(r)
  t.ok(fs.statSync(r.monPath!).isDirectory(), 'mon_groups/c1 made; an existing one is reused')
  fs.writeFileSync(path.join(r.monPath!, 'tasks'), '')
  joinGroup(r, 4242)
  t.equal(read(r.path, 'tasks'), '4242')
  t.equal(read(r.monPath!, 'tasks'), '4242')
})

t.test('a refused write says the kernel\'s last_cmd_status and creates no file', async (t) => {
  const root = resctrlTree(t, L3_INFO, { 'c1/tasks': '' })
  const r = planGroup(root, 'c1', { l3CacheSchema: 'L3:0=7f0' })
  let err: unknown
  try { writeSchemata(r, 'L3:0=7f0\n') } catch (e) { err = e }
  t.equal(describe(err), `write "L3:0=7f0\\n" to ${root}/c1/schemata (last_cmd_status: Invalid capacity bitmask): ENOENT: no such file or directory, open '${root}/c1/schemata'`)
  t.notOk(fs.existsSync(`${root}/c1/schemata`))
  writeSchemata(r, '')
  t.notOk(fs.existsSync(`${root}/c1/schemata`), 'nothing to write: no write at all')
})

t.test('remove: what the container made, as runc\'s Destroy; a rollback also takes a shared group it made', async (t) => {
  // Empty dirs stand for groups: a plain rmdir fails on the files the kernel would hide.
  const root = resctrlTree(t, L3_INFO)
  const mk = (rel: string) => fs.mkdirSync(path.join(root, rel), { recursive: true })
  // (The kernel removes a group's mon_groups with it; an empty dir can only stand for a group without.)
  const own = { root, path: `${root}/c1`, monPath: null, shared: false, made: true }
  mk('c1')
  removeGroup(own, false)
  t.notOk(fs.existsSync(own.path), 'a group named after the container, made by it: removed')
  removeGroup(own, false)
  t.pass('already gone is fine')

  const found = { root, path: `${root}/c2`, monPath: `${root}/c2/mon_groups/c2`, shared: false, made: false }
  mk('c2/mon_groups/c2')
  removeGroup(found, false)
  t.same([fs.existsSync(found.path), fs.existsSync(found.monPath)], [true, false], 'one that was there before stays; its monitoring group goes')

  const shared = { root, path: `${root}/gold`, monPath: `${root}/gold/mon_groups/c3`, shared: true, made: true }
  mk('gold/mon_groups/c3')
  removeGroup(shared, false)
  t.same([fs.existsSync(shared.path), fs.existsSync(shared.monPath)], [true, false], 'delete leaves a closID group, even one it made')
  fs.writeFileSync(`${root}/gold/tasks`, '977\n')
  removeGroup(shared, true)
  t.ok(fs.existsSync(shared.path), 'rollback leaves a closID group another task joined meanwhile')
  fs.rmSync(`${root}/gold/tasks`)
  fs.rmdirSync(`${root}/gold/mon_groups`)
  removeGroup(shared, true)
  t.notOk(fs.existsSync(shared.path), 'rollback removes a closID group it made that nobody joined')
})
