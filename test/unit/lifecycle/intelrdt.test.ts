// create's resctrl step on a temp tree: a failure after the group was made
// leaves no group behind once the rollback has run.
import t from 'tap'
import * as fs from 'fs'
import { createRdtGroup } from '../../../src/lifecycle/intelrdt'
import { Rollback } from '../../../src/lifecycle/rollback'
import { planGroup } from '../../../src/resctrl/group'
import type { StateRecord } from '../../../src/state/store'
import { L3_INFO, resctrlTree } from '../resctrl/fixture'

t.test('a schemata write that fails is rolled back: the group made for it is removed, the record is kept', async (t) => {
  const root = resctrlTree(t, L3_INFO)
  const spec = { ociVersion: '1.3.0', linux: { intelRdt: { l3CacheSchema: 'L3:0=7f0' } } }
  const rec = { id: 'c1', intelRdt: planGroup(root, 'c1', spec.linux.intelRdt) } as StateRecord
  const undo = new Rollback()
  let saved = 0
  // A plain mkdir makes no schemata file, as the kernel would: the write fails like a refused one.
  t.throws(() => createRdtGroup(spec, rec, undo, () => saved++), { message: new RegExp(`^write "L3:0=7f0\\\\n" to ${root}/c1/schemata`) })
  t.ok(fs.existsSync(`${root}/c1`), 'made before the failure')
  t.same(undo.run(), [], 'undone without errors')
  t.notOk(fs.existsSync(`${root}/c1`), 'no group left')
  t.equal(saved, 0, 'no re-record: the group was ours as planned')
})

t.test('a group that appeared after planning is recorded as not ours, and survives the rollback', async (t) => {
  const root = resctrlTree(t, L3_INFO)
  const rec = { id: 'c1', intelRdt: planGroup(root, 'c1', {}) } as StateRecord
  fs.mkdirSync(`${root}/c1`)
  const undo = new Rollback()
  let saved = 0
  createRdtGroup({ ociVersion: '1.3.0', linux: { intelRdt: {} } }, rec, undo, () => saved++)
  t.same([rec.intelRdt!.made, saved], [false, 1], 're-recorded once as not made')
  undo.run()
  t.ok(fs.existsSync(`${root}/c1`), 'left as found')
})
