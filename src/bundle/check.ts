// What every semantic check shares: its signature, the one error shape, and
// namespace look-ups. Kept apart from validate.ts so check modules don't import
// the module that imports them.
import { TsrunError } from '../errors'
import type { LinuxNamespaceType, Spec } from './spec.generated'

/** Facts a check needs beyond the config itself. */
export interface CheckContext {
  /** Absolute rootfs path (bundle-relative root.path already resolved). */
  rootfs: string
  /** create/run need process; a config used only for state/delete need not have it. */
  requireProcess: boolean
  /** --no-pivot: rootfsPropagation [r]private is then unsafe (runc refuses it too). */
  noPivot: boolean
  /** Running without root (no idmapped mounts, no netDevices), as runc's RootlessEUID. */
  rootless: boolean
}

/** A rule the schema can't express. Throws a config error; returns nothing. */
export type Check = (spec: Spec, ctx: CheckContext) => void
/** A rule kept as a warning for compatibility (runc's `warns` list). Returns the warnings. */
export type WarnCheck = (spec: Spec, ctx: CheckContext) => string[]

/**
 * The one shape of config errors: `config.json: <JSON pointer>: <rule>`, or
 * `config.json: <rule>` when the rule is about the whole document. `file` is
 * process.json (or whatever was given) for `exec --process`.
 */
export function configError(pointer: string, message: string, file = 'config.json'): TsrunError {
  return new TsrunError('config', pointer ? `${file}: ${pointer}: ${message}` : `${file}: ${message}`)
}

/** JSON pointer from path segments (RFC 6901: `~` → `~0`, `/` → `~1`), e.g. ptr('linux', 'sysctl', 'net/x'). */
export function ptr(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('')
}

/** Index of the namespace entry of this type in linux.namespaces, or -1. */
export function nsIndex(spec: Spec, type: LinuxNamespaceType): number {
  return spec.linux?.namespaces?.findIndex((ns) => ns.type === type) ?? -1
}

/** True when the container gets or joins a namespace of this type (not the runtime's own). */
export function hasNs(spec: Spec, type: LinuxNamespaceType): boolean {
  return nsIndex(spec, type) >= 0
}

/** The path of a namespace to join, or '' for a new one (or none). */
export function nsPath(spec: Spec, type: LinuxNamespaceType): string {
  const i = nsIndex(spec, type)
  return i >= 0 ? spec.linux?.namespaces?.[i]?.path ?? '' : ''
}

/**
 * "no such file or directory" from a Node fs error, whose message reads
 * "ENOENT: no such file or directory, stat '/x'" — the strerror text runc prints.
 */
export function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  const m = /^[A-Z0-9]+: (.*?), /.exec(e?.message ?? '')
  return m?.[1] ?? e?.code ?? String(err)
}
