// The schema files themselves: state and features (not in the hot validator)
// checked with ajv compiled here, and the precompiled config validator checked
// against a fresh ajv compile so generate.mjs's post-processing can't drift.
import t from 'tap'
import Ajv from 'ajv'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { CAPABILITIES, RLIMITS, capabilityNumber, rlimitNumber } from '../../../src/bundle/names'
import { validateConfig as precompiled } from '../../../src/bundle/validate.generated'

const schemaDir = join(__dirname, '..', '..', '..', 'schema')
const fixtures = join(__dirname, 'fixtures')
const load = (dir: string, name: string): any => JSON.parse(readFileSync(join(dir, name), 'utf8'))

const ajv = new Ajv({
  schemas: readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).map((f) => load(schemaDir, f)),
  allErrors: false,
  strictRequired: false,
})
const fresh = (id: string) => {
  const v = ajv.getSchema(id)
  if (!v) throw new Error(`schema ${id} not found`)
  return v
}

t.test('state schema accepts the spec example and refuses a bad status', async (t) => {
  const state = fresh('state.schema.json')
  const ok = load(fixtures, 'spec-state-example.json')
  t.ok(state(ok))
  t.notOk(state({ ...ok, status: 'paused' }), 'paused is runc output, not OCI state')
  t.notOk(state({ ...ok, bundle: undefined }))
})

t.test('features schema accepts runc outputs and refuses the spec bad example', async (t) => {
  const features = fresh('features.schema.json')
  t.ok(features(load(fixtures, 'spec-features-runc.json')), 'spec example (runc)')
  t.ok(features(load(fixtures, 'runc-1.1.5-features.json')), 'runc 1.1.5 features')
  t.notOk(features(load(fixtures, 'spec-features-bad-missing-ociVersionMax.json')))
  t.same(features.errors?.[0]?.params, { missingProperty: 'ociVersionMax' })
})

t.test('precompiled validator agrees with a fresh compile', async (t) => {
  const config = fresh('config.schema.json')
  const docs = readdirSync(fixtures).filter((f) => /^(runc-spec|spec-good|spec-bad)/.test(f)).map((f) => [f, load(fixtures, f)])
  // And some hand-made breakages that exercise enum, if/then, pattern and range code.
  const base = load(fixtures, 'runc-spec.json')
  const broken = [
    { ...base, linux: { ...base.linux, namespaces: [{ type: 'bogus' }] } },
    { ...base, linux: { ...base.linux, devices: [{ type: 'b', path: '/dev/sda' }] } },
    { ...base, linux: { ...base.linux, seccomp: { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX'] } } },
    { ...base, process: { ...base.process, oomScoreAdj: 'high' } },
  ]
  for (const [name, doc] of [...docs, ...broken.map((d, i) => [`broken ${i}`, d])]) {
    const want = config(doc)
    t.equal(precompiled(doc), want, `${name}: same verdict`)
    if (!want) t.equal(precompiled.errors?.[0]?.instancePath, config.errors?.[0]?.instancePath, `${name}: same pointer`)
  }
})

t.test('name tables use the kernel numbers', async (t) => {
  t.equal(CAPABILITIES.length, 41, 'CAP_LAST_CAP is 40')
  t.equal(capabilityNumber('CAP_SYS_ADMIN'), 21)
  t.equal(capabilityNumber('CAP_CHECKPOINT_RESTORE'), 40)
  t.equal(capabilityNumber('CAP_FOO'), -1)
  t.equal(RLIMITS.length, 16)
  t.equal(rlimitNumber('RLIMIT_NOFILE'), 7)
  t.equal(rlimitNumber('RLIMIT_RTTIME'), 15)
  t.equal(new Set(CAPABILITIES).size, CAPABILITIES.length, 'no duplicates')
})
