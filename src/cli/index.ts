// Dispatch: parse argv with the table, then load exactly one command module
// (and through it only the parts of src/ that command needs). Help, the
// version and shell completion never load a command.
import { engineVersion } from '../engine'
import { configure, debug, fail, stdout } from '../log'
import { Command, UsageError, globalOptions, parseCommand, parseGlobal } from './parse'
import { NAME, SPEC_VERSION } from './table'

// require() at call time, not import(): one module per call, loaded synchronously
// both from dist (tsc, CommonJS) and under the test runner's TypeScript loader.
type Loader = () => { command: Command }
const helpModule = () => require('./help') as typeof import('./help')

/** Implemented commands. A table command missing here answers "not implemented yet". */
const DISPATCH: Record<string, Loader> = {
  create: () => require('./create'),
  start: () => require('./start'),
  run: () => require('./run'),
  exec: () => require('./exec'),
  state: () => require('./state'),
  kill: () => require('./kill'),
  delete: () => require('./delete'),
  pause: () => require('./pause'),
  resume: () => require('./resume'),
  ps: () => require('./ps'),
  update: () => require('./update'),
  events: () => require('./events'),
  list: () => require('./list'),
  spec: () => require('./spec'),
  features: () => require('./features'),
  completion: () => require('./help'),
}

const isHelpArg = (a: string) => /^--?(h|help)(=(1|t|T|TRUE|true|True))?$/.test(a)

function version(): number {
  // The bundler inlines package.json: no path to find at run time.
  const pkg = require('../../package.json') as { version: string }
  stdout(`${NAME} version ${pkg.version}\nspec: ${SPEC_VERSION}\n${engineVersion()}\n`)
  return 0
}

/** Runs one tsrun invocation; resolves to the exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  try {
    const inv = parseGlobal(argv)
    if (inv.kind === 'version') return version()
    if (inv.kind === 'completion') return await helpModule().completion(inv.argv)
    if (inv.kind === 'help') return await helpModule().showHelp(inv.topic)
    const g = globalOptions(inv.globals)
    configure(g)
    const name = inv.command.name
    const load = DISPATCH[name]
    if (!load) {
      if (inv.argv.some(isHelpArg)) return await helpModule().showHelp(inv.command)
      throw new UsageError(`${name}: not implemented yet`)
    }
    const { help, flags, args } = parseCommand(inv.command, inv.argv)
    if (help) return await helpModule().showHelp(inv.command)
    if (g.debug) debug(`${name} ${JSON.stringify({ flags, args })}`)
    const { command } = load()
    return (await command({ g, flags, args })) ?? 0
  } catch (e) {
    return fail(e)
  }
}
