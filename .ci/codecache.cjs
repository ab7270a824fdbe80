// Build helper: compile a built JS file the way src/codecache.ts loads it
// (the same wrapper text, or V8 rejects the cache) and write its code cache,
// <file>c or `cacheFile`, once `exercise` has run the code that matters, so
// the functions compiled lazily on the way are in the cache too.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { createRequire } = require('node:module')
const { setFlagsFromString } = require('node:v8')
const { Script } = require('node:vm')

// V8 rejects a cache made under other flags: these must be the ones
// src/cli/boot.ts sets before it loads anything through the cache.
setFlagsFromString('--no-opt')

function writeCodeCache(file, exercise, cacheFile = file + 'c') {
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`,
    { filename: file })
  const save = () => fs.writeFileSync(cacheFile, script.createCachedData())
  const mod = { exports: {} }
  exercise(() => script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file)) ?? mod.exports, save)
}

/**
 * The bundled CLI's cache, taken in a child process running `tsrun <argv>`:
 * the CLI ends with process.exit, where the cache is saved whatever the exit
 * code. Returns spawnSync's result.
 */
function cacheCliAfter(main, cacheFile, argv) {
  const code = `require(${JSON.stringify(__filename)}).writeCodeCache(${JSON.stringify(main)}, (load, save) => {
    const exit = process.exit
    process.exit = (status) => { save(); exit(status) }
    process.argv = [process.argv[0], ${JSON.stringify(main)}, ...${JSON.stringify(argv)}]
    load()
  }, ${JSON.stringify(cacheFile)})`
  return spawnSync(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
}

module.exports = { cacheCliAfter, writeCodeCache }
