// Loads a built JS file with a V8 code cache the build made for it (<file>.jsc,
// .ci/bundle.mjs; for the CLI also tsrun-main.run.jsc, .ci/postbuild.mjs).
// Node 20 compiles every file anew on each start; with the cache the config
// validator loads and first runs in under 2 ms instead of about 6. A missing
// or stale cache (another Node, an edited file: V8 checks) just means a
// normal compile.
import * as fs from 'fs'
import * as path from 'path'

type DynamicImport = (specifier: string) => Promise<unknown>

/**
 * A real import() (tsc would turn a plain one into require(), and yargs,
 * for help, is ESM-only). Code compiled by vm has no module loader of its
 * own, so the first copy of this module — dist/tsrun.js, loaded by Node —
 * makes the function and shares it with the bundle it loads.
 */
export const dynamicImport: DynamicImport = ((globalThis as { tsrunImport?: DynamicImport }).tsrunImport ??=
  new Function('specifier', 'return import(specifier)') as DynamicImport)

/** Loads file with the first of `caches` that can be read. */
export function requireCached<T>(file: string, caches = [file + 'c']): T {
  let cachedData: Buffer | undefined
  for (const cache of caches) {
    try {
      cachedData = fs.readFileSync(cache)
      break
    } catch {}
  }
  if (cachedData === undefined) return require(file) as T
  // vm when used, not on import: the compiled dist/tsrun never uses it, and Bun's costs ~2 ms.
  const { Script } = require('vm') as typeof import('vm')
  const wrapper = new Script(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`,
    { filename: file, cachedData })
  const mod = { exports: {} as T }
  wrapper.runInThisContext()(mod.exports, require, mod, file, path.dirname(file))
  return mod.exports
}
