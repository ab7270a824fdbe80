// Which engine runs this code. tsrun ships two builds of the same sources:
// dist/tsrun.js for Node (esbuild bundle + V8 code cache, .ci/bundle.mjs) and
// dist/tsrun, one executable compiled by Bun. The compiled one carries its
// JavaScript in a virtual filesystem: what Node loads from beside the bundle
// at run time (the validator) is inside it; the native parts (the addon,
// tsrun-init) and yargs, for help only, sit beside the executable on disk.

import * as path from './paths'

/** Defined (true) only by the Bun build of dist/tsrun. */
declare const TSRUN_COMPILED: boolean | undefined

export const compiled = typeof TSRUN_COMPILED !== 'undefined'

/** A file the build puts beside the compiled dist/tsrun (.ci/postbuild.mjs). */
export function besideExecutable(file: string): string {
  return path.join(path.dirname(process.execPath), file)
}

/** For `--version`: "node: v20.20.2" or "bun: 1.4.5". */
export function engineVersion(): string {
  const bun = (process.versions as { bun?: string }).bun
  return bun === undefined ? `node: ${process.version}` : `bun: ${bun}`
}
