import { TsrunError } from '../../../src/errors'

/** The message of what `fn` throws; rethrows anything but a config TsrunError, '(no error)' if nothing. */
export function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof TsrunError && err.kind === 'config') return err.message
    throw err
  }
  return '(no error)'
}
