// loadBundle: finding the bundle, reading and parsing config.json, resolving
// the rootfs; each failure one line naming the file and the problem.
import t from 'tap'
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadBundle, parseJson } from '../../../src/bundle/load'
import { syntaxErrorAt } from '../../../src/bundle/json'
import { errorOf } from './error-of'

const runcSpec = readFileSync(join(__dirname, 'fixtures', 'runc-spec.json'), 'utf8')
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'tsrun-load-')))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

/** A fresh bundle dir holding `config` (text as given) and, unless told not to, a rootfs/ dir. */
function bundle(name: string, config: string | undefined, withRootfs = true): string {
  const dir = join(tmp, name)
  mkdirSync(dir)
  if (config !== undefined) writeFileSync(join(dir, 'config.json'), config)
  if (withRootfs) mkdirSync(join(dir, 'rootfs'))
  return dir
}

t.test('a runc spec bundle loads', async (t) => {
  const dir = bundle('ok', runcSpec)
  const b = loadBundle(dir)
  t.equal(b.bundle, dir)
  t.equal(b.rootfs, join(dir, 'rootfs'))
  t.equal(b.config.process?.args?.[0], 'sh')
  t.same(b.warnings, [])
})

t.test('the bundle path is made absolute and symlink-free', async (t) => {
  const dir = bundle('real', runcSpec)
  symlinkSync(dir, join(tmp, 'alias'))
  const b = loadBundle(join(tmp, 'alias'))
  t.equal(b.bundle, dir)
  t.equal(b.rootfs, join(dir, 'rootfs'), 'relative root.path resolves against the real bundle')
  const cwd = process.cwd()
  process.chdir(tmp)
  t.teardown(() => process.chdir(cwd))
  t.equal(loadBundle('real').bundle, dir, 'a relative bundle argument resolves against the cwd')
})

t.test('an absolute root.path is used as is', async (t) => {
  const elsewhere = join(tmp, 'elsewhere-rootfs')
  mkdirSync(elsewhere)
  const config = JSON.parse(runcSpec)
  config.root.path = elsewhere
  t.equal(loadBundle(bundle('abs', JSON.stringify(config), false)).rootfs, elsewhere)
})

t.test('failures are one line each', async (t) => {
  t.equal(errorOf(() => loadBundle(join(tmp, 'nope'))), `bundle ${join(tmp, 'nope')}: no such file or directory`)
  t.equal(errorOf(() => loadBundle(bundle('noconfig', undefined))), 'config.json: no such file or directory')
  const dirConfig = bundle('dirconfig', undefined)
  mkdirSync(join(dirConfig, 'config.json'))
  t.equal(errorOf(() => loadBundle(dirConfig)), 'config.json: illegal operation on a directory')
  const broken = runcSpec.replace('"sh"', '"sh",')
  t.equal(errorOf(() => loadBundle(bundle('badjson', broken))), 'config.json: invalid JSON at line 11 column 3: unexpected "]"')
  t.equal(errorOf(() => loadBundle(bundle('empty', ''))), 'config.json: invalid JSON at line 1 column 1: unexpected end of input')
  t.equal(errorOf(() => loadBundle(bundle('norootfs', runcSpec, false))),
    `invalid rootfs: stat ${join(tmp, 'norootfs', 'rootfs')}: no such file or directory`)
  const noRoot = JSON.parse(runcSpec)
  delete noRoot.root
  t.equal(errorOf(() => loadBundle(bundle('noroot', JSON.stringify(noRoot)))), 'config.json: root must be specified')
  t.equal(errorOf(() => loadBundle(bundle('shape', '{"ociVersion": 1}'))), 'config.json: /ociVersion: must be string')
})

t.test('options reach the semantic checks; warnings come back', async (t) => {
  const config = JSON.parse(runcSpec)
  delete config.process
  config.mounts[0].destination = 'proc'
  const dir = bundle('opts', JSON.stringify(config))
  t.equal(errorOf(() => loadBundle(dir)), 'config.json: process property must not be empty')
  const b = loadBundle(dir, { requireProcess: false })
  t.equal(b.warnings.length, 1)
  t.match(b.warnings[0], /^config\.json: \/mounts\/0\/destination: mount destination proc is not absolute/)
})

t.test('JSON syntax errors are located', async (t) => {
  const cases: [text: string, at: number][] = [
    ['{"a": }', 6], ['[1, 2', 5], ['{"a" 1}', 5], ['{"a": tru}', 6], ['{"a": 01}', 7], ['"\u0001"', 1],
    ['{"a": "\\x"}', 8], ['{} {}', 3], ['\ufeff{}', 0], ['{"a": [1, {"b": null}, -2.5e3, "\\u00e9"], "c": false}', -1],
  ]
  for (const [text, at] of cases) t.equal(syntaxErrorAt(text), at, JSON.stringify(text))
  t.equal(errorOf(() => parseJson('{\n  "a": 1,\n}', 'process.json')), 'process.json: invalid JSON at line 3 column 1: unexpected "}"')
  t.same(parseJson('{"a": [1]}', 'x.json'), { a: [1] })
})
