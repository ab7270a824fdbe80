// tsrun spec [-b bundle] [--rootless]: writes a starter config.json into the
// bundle (runc's example), refusing to overwrite one, as runc does.
import { statSync, writeFileSync } from '../fsys'
import { join } from '../paths'
import { TsrunError } from '../errors'
import type { CommandContext } from './parse'
import { example, toRootless } from './spec-example'

/** "no such file or directory" from a Node fs error ("ENOENT: no such file or directory, stat '/x'"). */
const strerror = (e: unknown) => /^[A-Z0-9]+: (.*?), /.exec((e as Error).message)?.[1] ?? (e as Error).message

export function specText(rootless: boolean): string {
  const spec = rootless ? toRootless(example()) : example()
  // json.MarshalIndent(spec, "", "\t"), no trailing newline; the content has nothing Go would escape.
  return JSON.stringify(spec, null, '\t')
}

export async function command({ flags }: CommandContext): Promise<void> {
  const bundle = (flags.bundle as string) || '.'
  // runc chdirs into the bundle first; failures read as its chdir errors.
  let isDir: boolean
  try {
    isDir = statSync(bundle).isDirectory()
  } catch (e) {
    throw new TsrunError('system', `chdir ${bundle}: ${strerror(e)}`)
  }
  if (!isDir) throw new TsrunError('system', `chdir ${bundle}: not a directory`)
  try {
    writeFileSync(join(bundle, 'config.json'), specText(flags.rootless as boolean), { flag: 'wx', mode: 0o666 })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new TsrunError('exists', 'File config.json exists. Remove it first')
    throw new TsrunError('system', `open config.json: ${strerror(e)}`)
  }
}
