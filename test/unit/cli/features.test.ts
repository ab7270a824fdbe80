import t from 'tap'
import { existsSync, readdirSync, readFileSync } from 'fs'
import { join } from 'path'
import { features, CAP_NAMES } from '../../../src/cli/features-data'
import { command } from '../../../src/cli/features'
import { io } from '../../../src/log'
import { compileMount } from '../../../src/plan/mounts'

const schemaDir = join(__dirname, '..', '..', '..', 'schema')
const hasSchema = existsSync(join(schemaDir, 'features.schema.json'))

t.test('features validates against schema/features.schema.json', { skip: !hasSchema && 'schema/features.schema.json not written yet' }, async (t) => {
  const Ajv = require('ajv').default
  const schemas = readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json'))
    .map((f) => JSON.parse(readFileSync(join(schemaDir, f), 'utf8')))
  const ajv = new Ajv({ schemas, strict: false, allErrors: true })
  const validate = ajv.getSchema('features.schema.json')
  t.ok(validate(features()), JSON.stringify(validate.errors))
})

t.test('features content', async (t) => {
  const f = features()
  t.equal(f.ociVersionMin, '1.0.0')
  t.equal(f.ociVersionMax, '1.3.0')
  t.equal(f.linux!.namespaces!.length, 8)
  const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'))
  t.same(f.linux!.capabilities, CAP_NAMES.slice(0, last + 1))
  t.equal(CAP_NAMES[21], 'CAP_SYS_ADMIN')
  t.equal(CAP_NAMES[40], 'CAP_CHECKPOINT_RESTORE')
  t.same(f.linux!.apparmor, { enabled: false })
  t.same(f.linux!.selinux, { enabled: false })
  t.same(f.linux!.intelRdt, { enabled: true, schemata: true, monitoring: true }, 'what tsrun implements, as runc reports it')
  const sc = f.linux!.seccomp!
  t.equal(sc.actions!.length, 9, 'every action, SCMP_ACT_NOTIFY included')
  t.same(sc.operators, ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'])
  t.ok(sc.archs!.includes('SCMP_ARCH_X86_64') && sc.archs!.includes('SCMP_ARCH_PARISC64'))
  t.notOk(sc.archs!.includes('SCMP_ARCH_SH'), 'libseccomp 2.5 has no SuperH: not claimed')
  t.same(sc.knownFlags, ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'])
  // Kernel 5.19+ (these machines run 6.x) takes all four.
  t.same(sc.supportedFlags, sc.knownFlags)
  t.match(f.annotations!['io.github.seccomp.libseccomp.version'], /^\d+\.\d+\.\d+$/)
})

t.test('every mount option reported is one the mount compiler maps, not passed on as fs data', async (t) => {
  for (const o of features().mountOptions!) {
    const m = compileMount({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: [o] }, '/bundle')
    t.equal(m.data, '', o)
  }
})

t.test('printed like runc: four-space indent, newline-terminated', async (t) => {
  let out = ''
  t.capture(io, 'write', (fd: number, text: string) => void (out += fd === 1 ? text : ''))
  await command()
  t.match(out, /^\{\n    "ociVersionMin": "1\.0\.0",\n    "ociVersionMax": "1\.3\.0",\n    "hooks": \[\n        "prestart",/)
  t.ok(out.endsWith('}\n'))
  t.same(JSON.parse(out), features())
})
