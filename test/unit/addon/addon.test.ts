// src/addon.ts itself: lazy loading, the missing-build message, and the
// libseccomp/flock numbers it mirrors, checked against the C headers.
import t from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { execFileSync } from 'child_process'
import * as ts from 'typescript'
import { LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN, SCMP, addonPath, initPath } from '../../../src/addon'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-addon-load-'))
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))

t.test('paths point into build/Release of the package root', async (t) => {
  const root = path.join(__dirname, '..', '..', '..')
  t.equal(addonPath, path.join(root, 'build', 'Release', 'tsrun.node'))
  t.equal(initPath, path.join(root, 'build', 'Release', 'tsrun-init'))
})

t.test('without a build: importing is fine, the first call explains', async (t) => {
  // A copy of the package without build/: dist/addon.js and what it imports.
  const src = path.join(__dirname, '..', '..', '..', 'src')
  fs.mkdirSync(path.join(dir, 'dist'))
  for (const name of ['addon', 'engine', 'errors', 'paths']) {
    const out = ts.transpileModule(fs.readFileSync(path.join(src, name + '.ts'), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    })
    fs.writeFileSync(path.join(dir, 'dist', name + '.js'), out.outputText)
  }
  const script = `const m = require(${JSON.stringify(path.join(dir, 'dist', 'addon.js'))});
    try { m.addon.seccompVersion() } catch (e) { console.log(e.name + ': ' + e.message) }`
  t.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim(),
    'TsrunError: native addon not built: run npm run build')
})

t.test('constants match the C headers', async (t) => {
  const names = [
    ...Object.keys(SCMP.ARCH).map((k) => [`ARCH.${k}`, `SCMP_ARCH_${k}`]),
    ...['KILL_PROCESS', 'KILL_THREAD', 'KILL', 'TRAP', 'LOG', 'ALLOW', 'NOTIFY'].map((k) => [`ACT.${k}`, `SCMP_ACT_${k}`]),
    ['ACT.ERRNO(1)', 'SCMP_ACT_ERRNO(1)'], ['ACT.TRACE(7)', 'SCMP_ACT_TRACE(7)'],
    ...Object.keys(SCMP.CMP).map((k) => [`CMP.${k}`, `SCMP_CMP_${k}`]),
    ['LOCK_SH', 'LOCK_SH'], ['LOCK_EX', 'LOCK_EX'], ['LOCK_NB', 'LOCK_NB'], ['LOCK_UN', 'LOCK_UN'],
  ]
  const c = `#include <seccomp.h>\n#include <stdio.h>\n#include <sys/file.h>\nint main(void) {\n` +
    names.map(([, cName]) => `  printf("%u\\n", (unsigned)(${cName}));\n`).join('') + '  return 0;\n}\n'
  const prog = path.join(dir, 'consts')
  fs.writeFileSync(prog + '.c', c)
  execFileSync('gcc', ['-o', prog, prog + '.c'])
  const want = execFileSync(prog, { encoding: 'utf8' }).trim().split('\n').map(Number)
  const ours: Record<string, number> = { LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN }
  for (const [k, v] of Object.entries(SCMP.ARCH)) ours[`ARCH.${k}`] = v
  for (const [k, v] of Object.entries(SCMP.ACT)) if (typeof v === 'number') ours[`ACT.${k}`] = v
  for (const [k, v] of Object.entries(SCMP.CMP)) ours[`CMP.${k}`] = v
  ours['ACT.ERRNO(1)'] = SCMP.ACT.ERRNO(1)
  ours['ACT.TRACE(7)'] = SCMP.ACT.TRACE(7)
  names.forEach(([tsName], i) => t.equal(ours[tsName], want[i], tsName))
})
