// The CLI's entry: .ci/bundle.mjs bundles it (and all it loads) into
// dist/tsrun-main.js, which dist/tsrun.js (boot.ts) loads.
// All output is written synchronously, so exiting right away loses nothing and
// does not wait on handles a command may leave behind.
import { main } from './index'

main(process.argv.slice(2)).then((code) => process.exit(code))
