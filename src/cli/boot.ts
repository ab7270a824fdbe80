#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// The tsrun executable, dist/tsrun.js: loads the bundled CLI (dist/tsrun-main.js,
// built from main.ts by .ci/bundle.mjs) through its V8 code cache, which
// saves compiling it on every call. Kept tiny: it is compiled every time.
// NODE_EXTRA_CA_CERTS is dropped because Node reads that file at startup on every call.
import * as path from 'path'
import { requireCached } from '../codecache'

requireCached(path.join(__dirname, 'tsrun-main.js'))
