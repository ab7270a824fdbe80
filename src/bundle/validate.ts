// Validation of a parsed config.json in two stages, as runc does it: the shape
// (the ajv validator precompiled from schema/ by schema/generate.mjs — no
// compiler is loaded at run time), then named semantic checks, each a small
// function in checks-*.ts, run in order until the first failure.
import * as path from '../paths'
import { type Check, type CheckContext, type WarnCheck, configError } from './check'
import { hookPaths, devices, mounts, relativeMountDestinations, rootfs, rootfsPropagation } from './checks-fs'
import { memoryPolicy, memoryPolicyFlags, personality, seccomp } from './checks-linux'
import { namespaceChecks } from './checks-namespaces'
import { checkProcess } from './checks-process'
import type { Process, Spec } from './spec.generated'
import { compiled } from '../engine'
import type * as Generated from './validate.generated'
import type { SchemaError } from './validate.generated'

export type { CheckContext } from './check'

// The generated validator sits beside this code: in src/bundle for tests, in
// dist beside the bundle (loaded through its code cache), inside the compiled
// dist/tsrun. Loaded on first use.
let generated: typeof Generated | undefined
const shapes = (): typeof Generated => (generated ??= compiled
  ? require('./validate.generated') as typeof Generated
  : (require('../codecache') as typeof import('../codecache')).requireCached<typeof Generated>(path.join(__dirname, 'validate.generated.js')))

/** What the caller knows beyond the config (see CheckContext); only rootfs is required. */
export type ValidateOptions = Pick<CheckContext, 'rootfs'> & Partial<CheckContext>

/** ajv's error for one keyword, worded like ajv's own messages (the validator is built without them). */
export function schemaMessage(e: SchemaError): string {
  const p = e.params
  switch (e.keyword) {
    case 'type':
      return `must be ${String(p.type)}`
    case 'required':
      return `must have required property '${String(p.missingProperty)}'`
    case 'enum':
      return `must be equal to one of the allowed values: ${(p.allowedValues as unknown[]).join(', ')}`
    case 'minimum':
    case 'maximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}`
    case 'pattern':
      return `must match pattern "${String(p.pattern)}"`
    case 'minItems':
      return `must NOT have fewer than ${String(p.limit)} items`
    default:
      return `must pass "${e.keyword}" keyword validation`
  }
}

/** First schema error of a failed validator call as a config error ("config.json: /process/args: must be array"). */
function shapeError(errors: SchemaError[] | null | undefined, file: string): Error {
  const first = errors?.[0]
  if (!first) return configError('', 'does not match the schema', file)
  return configError(first.instancePath, schemaMessage(first), file)
}

// config.json without process is legal (state, delete, or a create that is
// followed by exec), but create/run have nothing to start without one.
const processRules: Check = (spec, ctx) => {
  if (!spec.process) {
    if (ctx.requireProcess) throw configError('', 'process property must not be empty')
    return
  }
  checkProcess(spec.process, { base: '/process', file: 'config.json', requireArgs: ctx.requireProcess })
}

/** The semantic checks, in runc's order where it has one (validator.go Validate). */
const checks: Check[] = [
  rootfs, processRules, ...namespaceChecks, mounts, rootfsPropagation, devices, hookPaths, seccomp, memoryPolicy,
  memoryPolicyFlags, personality,
]
/** Kept as warnings for compatibility, as runc's `warns` list. */
const warnChecks: WarnCheck[] = [relativeMountDestinations]

/** Checks the shape of a parsed config.json; throws TsrunError('config') naming the JSON pointer. */
export function validateShape(doc: unknown): Spec {
  const configShape = shapes().validateConfig
  if (!configShape(doc)) throw shapeError(configShape.errors, 'config.json')
  return doc
}

/** Runs the semantic checks on a well-shaped config; throws the first failure, returns the warnings. */
export function checkSemantics(spec: Spec, opts: ValidateOptions): string[] {
  const ctx: CheckContext = { requireProcess: true, noPivot: false, rootless: false, ...opts }
  for (const check of checks) check(spec, ctx)
  return warnChecks.flatMap((check) => check(spec, ctx))
}

/** Shape, then semantics: the whole of config validation for create/run. */
export function validateConfig(doc: unknown, opts: ValidateOptions): { config: Spec; warnings: string[] } {
  const config = validateShape(doc)
  return { config, warnings: checkSemantics(config, opts) }
}

/** An `exec --process` file: a Process on its own, held to the same rules as config.json's. */
export function validateProcessFile(doc: unknown, file = 'process.json'): Process {
  const processShape = shapes().validateProcess
  if (!processShape(doc)) throw shapeError(processShape.errors, file)
  checkProcess(doc, { base: '', file, requireArgs: true })
  return doc
}
