// Build step: the CLI for both engines. For Node: bundle it into one file,
// dist/tsrun-main.js, started by the tiny dist/tsrun.js. For Bun: compile the
// same sources into one executable, dist/tsrun (see compileWithBun).
// Node: every call pays Node's module loading, and one
// file instead of ~40 saves their resolution, reads and wrappers (measured:
// `state` -3 ms). The config validator stays a separate file beside it
// (dist/validate.generated.js), loaded only by the commands that read a
// config. Both get a V8 code cache (<file>c, see src/codecache.ts) and are
// minified: Node reads, decodes and hashes the whole source on every call
// before the cache applies (measured: `state` -1.1 ms at 150 kB instead of
// 255 kB).
import { build, transform } from 'esbuild'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const { cacheCliAfter, writeCodeCache } = createRequire(import.meta.url)('./codecache.cjs')
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
// After plainBuiltins, which needs esbuild's own helper names.
const minified = async (text) => (await transform(text, { minify: true, format: 'cjs', target: 'node20' })).code
for (const [entry, outfile] of [['main.ts', main], ['boot.ts', boot]]) {
  const result = await build({ ...common, entryPoints: [join(root, 'src', 'cli', entry)], external: ['./validate.generated', 'yargs'] })
  writeFileSync(outfile, await minified(plainBuiltins(result.outputFiles[0].text)), { mode: 0o755 })
}
chmodSync(boot, 0o755)
writeMainCache()
compileWithBun()

const validator = join(dist, 'validate.generated.js')
writeFileSync(validator, await minified(readFileSync(join(root, 'src', 'bundle', 'validate.generated.js'), 'utf8')))
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
 *
 * Three start-up settings, measured with `run` of /bin/true and `state`:
 * - Identifiers are minified too: every call pays for the size of the
 *   source compiled in before any of it runs (measured: a build without the
 *   command modules starts 0.5 ms sooner), and short names cut 70 kB of it
 *   (-0.2 ms). Error text never relies on a function's name.
 * - The JIT's tier-up thresholds are scaled up 1000 times. A tsrun call is
 *   over in milliseconds, before compiled code could pay for itself, and on
 *   two cores the JIT threads' work competed with the call (-2 ms, -4 ms of
 *   CPU, -5 MB peak RSS). Long-lived calls (events, a foreground run) wait
 *   on the kernel, not in JavaScript.
 * - The bytecode is laid out in the order a call used it (profile-guided,
 *   Bun's --bytecode-order): the executable is built once, runs `state` of a
 *   missing container (the CLI, log, state and error paths every command
 *   shares) with BUN_BYTECODE_ORDER_OUT, and is built again with that order
 *   (-1 MB peak RSS, -0.1 ms). The profile is a build product, never kept.
 */
function compileWithBun() {
  let bun
  try {
    bun = createRequire(import.meta.url).resolve('@oven/bun-linux-x64/bin/bun')
  } catch {
    throw new Error('dist/tsrun: Bun not installed (npm dev dependency @oven/bun-linux-x64; run npm install)')
  }
  const out = join(dist, 'tsrun')
  const compile = (extra) => {
    const r = spawnSync(bun, ['build', '--compile', '--bytecode', '--format=cjs', '--minify',
      '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--compile-jit-policy=1000',
      '--define', 'TSRUN_COMPILED=true', ...extra, join(root, 'src', 'cli', 'standalone.ts'), '--outfile', out],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`dist/tsrun: bun build failed: ${r.stderr || r.error?.message}`)
  }
  compile([])
  const tmp = mkdtempSync(join(tmpdir(), 'tsrun-order-'))
  try {
    const order = join(tmp, 'order.txt')
    spawnSync(out, ['--root', join(tmp, 'root'), 'state', 'tsrun-build-probe'],
      { stdio: 'ignore', env: { ...process.env, BUN_BYTECODE_ORDER_OUT: order } })
    if (!existsSync(order)) throw new Error('dist/tsrun: the bytecode order run wrote no profile')
    compile(['--bytecode-order', order])
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
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
 * The CLI's cache for every command: after one `state` of a missing container,
 * argv parsing, the dispatch, the state code and the error path are compiled.
 * (create, run and exec get a second one, .ci/postbuild.mjs.)
 */
function writeMainCache() {
  const r = cacheCliAfter(main, main + 'c', ['--root', join(dist, '.no-root'), 'state', 'tsrun-build-probe'])
  if (r.status !== 1 || !existsSync(main + 'c')) throw new Error(`code cache for ${main}: ${r.stderr || r.error?.message}`)
}
