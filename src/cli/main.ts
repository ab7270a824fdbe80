#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// The tsrun executable: .ci/bundle.mjs bundles it (and all it loads) into dist/tsrun.js.
// NODE_EXTRA_CA_CERTS is dropped because Node reads that file at startup on every call.
// All output is written synchronously, so exiting right away loses nothing and
// does not wait on handles a command may leave behind.
import { main } from './index'

main(process.argv.slice(2)).then((code) => process.exit(code))
