// Reads a bundle: locate it, read and parse config.json, validate it, resolve
// the rootfs. Every failure is one TsrunError('config') line naming the file
// and what is wrong with it; nothing here has side effects.
import { readFileSync, realpathSync } from '../fsys'
import { join, resolve } from '../paths'
import { TsrunError } from '../errors'
import { configError, fsReason } from './check'
import type { Spec } from './spec.generated'
import { type ValidateOptions, checkSemantics, validateShape } from './validate'

export interface Bundle {
  /** Absolute, symlink-free bundle directory (what state.json records, as runc does). */
  bundle: string
  config: Spec
  /** Absolute rootfs: root.path, resolved against the bundle when relative. */
  rootfs: string
  /** Deprecated-but-accepted findings (relative mount destinations); log them once, at the top. */
  warnings: string[]
}

/** Options for the semantic checks; the rootfs comes from the bundle itself. */
export type LoadOptions = Omit<ValidateOptions, 'rootfs'>

/** Loads and validates `<bundleDir>/config.json`; throws TsrunError('config') on any problem. */
export function loadBundle(bundleDir: string, opts: LoadOptions = {}): Bundle {
  const bundle = locate(bundleDir)
  const config = validateShape(parseJson(read(join(bundle, 'config.json')), 'config.json'))
  // The spec makes root REQUIRED on Linux, though its schema can't (Windows Hyper-V omits it).
  if (!config.root) throw configError('', 'root must be specified')
  const rootfs = resolve(bundle, config.root.path)
  const warnings = checkSemantics(config, { ...opts, rootfs })
  return { bundle, config, rootfs, warnings }
}

function locate(bundleDir: string): string {
  try {
    return realpathSync(resolve(bundleDir))
  } catch (err) {
    throw new TsrunError('config', `bundle ${bundleDir}: ${fsReason(err)}`)
  }
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new TsrunError('config', `config.json: ${fsReason(err)}`)
  }
}

/** JSON.parse that fails as one config error line; also for `exec --process` files. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    // Locating the error needs a second parser; load it only when something broke.
    const { jsonSyntaxError } = require('./json') as typeof import('./json')
    throw jsonSyntaxError(text, err, file)
  }
}
