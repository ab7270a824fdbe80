#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// The tsrun executable (dist/cli/main.js, made executable by .ci/postbuild.mjs).
// NODE_EXTRA_CA_CERTS is dropped because Node reads that file at startup on every call.
// All output is written synchronously, so exiting right away loses nothing and
// does not wait on handles a command may leave behind.
import { main } from './index'

main(process.argv.slice(2)).then((code) => process.exit(code))
