// Build helper: compile a built JS file the way src/codecache.ts loads it
// (the same wrapper text, or V8 rejects the cache) and write its code cache,
// <file>c, once `exercise` has run the code that matters, so the functions
// compiled lazily on the way are in the cache too.
const fs = require('node:fs')
const path = require('node:path')
const { createRequire } = require('node:module')
const { setFlagsFromString } = require('node:v8')
const { Script } = require('node:vm')

// V8 rejects a cache made under other flags: these must be the ones
// src/cli/boot.ts sets before it loads anything through the cache.
setFlagsFromString('--no-opt')

function writeCodeCache(file, exercise) {
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`,
    { filename: file })
  const save = () => fs.writeFileSync(file + 'c', script.createCachedData())
  const mod = { exports: {} }
  exercise(() => script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file)) ?? mod.exports, save)
}

module.exports = { writeCodeCache }
