#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --no-opt
// The tsrun executable, dist/tsrun.js: loads the bundled CLI (dist/tsrun-main.js,
// built from main.ts by .ci/bundle.mjs) through its V8 code cache, which
// saves compiling it on every call. Kept tiny: it is compiled every time.
// NODE_EXTRA_CA_CERTS is dropped because Node reads that file at startup on every call.
import * as path from 'path'
import { requireCached } from '../codecache'

// One short call never runs long enough for optimized code to pay back its
// compile; without TurboFan a `run` peaks at 44 MB instead of 46 (measured).
// .ci/codecache.cjs makes the code caches under the same flag, or V8 would
// reject them. The #! line passes it: loading the v8 module to set it costs
// ~2 ms (it pulls in streams); only `node dist/tsrun.js` pays that.
if (!process.execArgv.includes('--no-opt')) (require('v8') as typeof import('v8')).setFlagsFromString('--no-opt')
// create, run and exec take the cache made after a `run` (.ci/postbuild.mjs), the others the
// leaner one made after a `state`. Any word of argv counts: a container id spelled like one of
// these commands only costs that call the other cache.
const main = path.join(__dirname, 'tsrun-main.js')
const spawns = process.argv.some((a) => a === 'run' || a === 'create' || a === 'exec')
requireCached(main, spawns ? [path.join(__dirname, 'tsrun-main.run.jsc'), main + 'c'] : [main + 'c'])
