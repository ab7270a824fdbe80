// Build step: the CLI for both engines. For Node: bundle it into one file,
// dist/tsrun-main.js, started by the tiny dist/tsrun.js. For Bun: compile the
// same sources into one executable, dist/tsrun (see compileWithBun).
// Node: every call pays Node's module loading, and one
// file instead of ~40 saves their resolution, reads and wrappers (measured:
// `state` -3 ms). The config validator stays a separate file beside it
// (dist/validate.generated.js), loaded only by the commands that read a
// config. Both get a V8 code cache (<file>c, see src/codecache.ts).
import { build } from 'esbuild'
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const { writeCodeCache } = createRequire(import.meta.url)('./codecache.cjs')
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const main = join(dist, 'tsrun-main.js')
const boot = join(dist, 'tsrun.js')

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', write: false, logLevel: 'warning' }
// `import * as fs from 'node:fs'` becomes __toESM(require("node:fs")), which
// copies every property of the module on each import (~1 ms in all). Node's
// builtins are plain objects whose properties we use by name, so the copy buys
// nothing.
const plainBuiltins = (text) => text.replace(
  /__toESM\(require\("((?:node:)?(?:fs|path|os|util|vm|child_process))"\)\)/g, 'require("$1")')

mkdirSync(dist, { recursive: true })
await bundleYargs()
for (const [entry, outfile] of [['main.ts', main], ['boot.ts', boot]]) {
  const result = await build({ ...common, entryPoints: [join(root, 'src', 'cli', entry)], external: ['./validate.generated', 'yargs'] })
  writeFileSync(outfile, plainBuiltins(result.outputFiles[0].text), { mode: 0o755 })
}
chmodSync(boot, 0o755)
writeMainCache()
compileWithBun()

const validator = join(dist, 'validate.generated.js')
copyFileSync(join(root, 'src', 'bundle', 'validate.generated.js'), validator)
writeCodeCache(validator, (load, save) => {
  const m = load()
  const config = JSON.parse(readFileSync(join(root, 'bundles', 'busybox', 'config.json'), 'utf8'))
  m.validateConfig(config)
  m.validateProcess(config.process)
  save()
})

/**
 * dist/tsrun: Bun's runtime with the CLI (and the validator) compiled in as
 * bytecode, from src/cli/standalone.ts. TSRUN_COMPILED tells the code it
 * runs there (src/engine.ts). CommonJS, not ESM: an ES bundle imports every
 * builtin any module names (vm, util, assert, url...) at start, a CommonJS
 * one when the module first runs (measured: --version 10 ms of CPU as ESM,
 * 7 as CommonJS). A compiled Bun program reads .env and bunfig.toml from the
 * working directory by default: a runtime must not, so both are off. The
 * addon and tsrun-init are copied beside it by .ci/postbuild.mjs, after
 * node-gyp; yargs, for help only, goes beside it here (bundleYargs).
 */
function compileWithBun() {
  let bun
  try {
    bun = createRequire(import.meta.url).resolve('@oven/bun-linux-x64/bin/bun')
  } catch {
    throw new Error('dist/tsrun: Bun not installed (npm dev dependency @oven/bun-linux-x64; run npm install)')
  }
  const r = spawnSync(bun, ['build', '--compile', '--bytecode', '--format=cjs', '--minify-syntax', '--minify-whitespace',
    '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--define', 'TSRUN_COMPILED=true',
    join(root, 'src', 'cli', 'standalone.ts'), '--outfile', join(dist, 'tsrun')],
  { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`dist/tsrun: bun build failed: ${r.stderr || r.error?.message}`)
}

/**
 * dist/tsrun-yargs.cjs: yargs as one CommonJS file, which dist/tsrun's help
 * requires from beside itself (src/cli/help.ts). yargs, an ES module, only
 * uses import.meta for its own path (locale files it does without) and for
 * config `extends`, which tsrun never passes: both are defined away.
 */
async function bundleYargs() {
  await build({
    ...common, write: true, entryPoints: [createRequire(import.meta.url).resolve('yargs')], outfile: join(dist, 'tsrun-yargs.cjs'),
    define: { 'import.meta.url': '"file:///tsrun-yargs.cjs"', 'import.meta.resolve': 'undefined' },
  })
}

/**
 * The CLI's cache is taken in a child process, since the CLI ends with
 * process.exit: after one `state` of a missing container, argv parsing, the
 * dispatch, the state code and the error path are compiled.
 */
function writeMainCache() {
  const code = `require(${JSON.stringify(join(root, '.ci', 'codecache.cjs'))}).writeCodeCache(${JSON.stringify(main)}, (load, save) => {
    const exit = process.exit
    process.exit = () => { save(); exit(0) }
    process.argv = [process.argv[0], ${JSON.stringify(main)}, '--root', ${JSON.stringify(join(dist, '.no-root'))}, 'state', 'tsrun-build-probe']
    load()
  })`
  const r = spawnSync(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`code cache for ${main}: ${r.stderr}`)
}
