// Container id validation, before any side effect. The rule is runc 1.1.5's
// (libcontainer/factory_linux.go idRegex `^[\w+-\.]+$` plus "the id must be
// its own cleaned path"), so an id accepted by runc is accepted here and the
// id is always a single safe path component under the state root.

import { TsrunError } from '../errors'

// Go's \w is ASCII-only; `+-\.` inside the class is the range '+'..'.', which
// also admits ',' — kept, because runc 1.1.5 accepts "a,b" too.
const ID_RE = /^[A-Za-z0-9_+,\-.]+$/

/** Longest id accepted (bytes); ids are ASCII, so bytes = chars. */
export const MAX_ID_BYTES = 1024

/**
 * Throws TsrunError('usage') with runc's exact phrases:
 * "container id cannot be empty" (runc's CLI) or "invalid container ID format"
 * (runc's ErrInvalidID) for anything that is not one plain path component.
 */
export function validateId(id: string): void {
  if (id === '') throw new TsrunError('usage', 'container id cannot be empty')
  if (!ID_RE.test(id) || id === '.' || id === '..' || id.length > MAX_ID_BYTES) {
    throw new TsrunError('usage', 'invalid container ID format')
  }
}
