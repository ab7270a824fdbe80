// The entry of dist/tsrun, the executable Bun compiles from these sources
// (.ci/bundle.mjs): boot.ts's job without the V8 code cache and flags, which
// are Node's (Bun's --bytecode build stands in for the cache).
require('./main')
