// --help, `tsrun help [command]` and bash completion, rendered by yargs from
// table.ts. Loaded only when asked for: importing yargs costs tens of ms,
// which the hot commands never pay (parse.ts does the parsing).
import { dynamicImport } from '../codecache'
import { besideExecutable, compiled } from '../engine'
import { stdout } from '../log'
import type { Command } from './parse'
import { APP_USAGE, COMMANDS, CommandSpec, FlagSpec, FlagType, GLOBAL_FLAGS, HELP_FLAG, NAME } from './table'

/** The slice of yargs 18's API used here (it ships no CJS types). */
interface Argv {
  scriptName(name: string): Argv
  usage(text: string): Argv
  option(key: string, opt: Record<string, unknown>): Argv
  command(cmd: string, desc: string, builder: (y: Argv) => Argv): Argv
  completion(cmd: string, desc: string): Argv
  help(opt: string, desc: string): Argv
  alias(key: string, alias: string): Argv
  version(enable: false): Argv
  exitProcess(enable: boolean): Argv
  wrap(columns: number | null): Argv
  parse(args: string[], ctx: object, cb: (err: unknown, argv: unknown, output: string) => void): unknown
  parseAsync(args: string[]): Promise<unknown>
}

// yargs 18 is an ES module: loaded through codecache's real import() on
// Node. dist/tsrun loads a CommonJS bundle of it from beside the executable
// (.ci/bundle.mjs): compiled in, its bytecode cost every command ~0.8 ms.
type Yargs = { default: (args: string[]) => Argv }
const importYargs = async (): Promise<Yargs> =>
  (compiled ? require(besideExecutable('tsrun-yargs.cjs')) : await dynamicImport('yargs')) as Yargs

const TYPES: Record<FlagType, string> = { bool: 'boolean', string: 'string', number: 'number', stringArray: 'array' }

function options(y: Argv, flags: FlagSpec[]): Argv {
  for (const f of flags) {
    if (f === HELP_FLAG) continue // yargs' own --help, -h
    const shown = f.default !== '' && f.default !== false && !(Array.isArray(f.default) && f.default.length === 0)
    y = y.option(f.name, {
      alias: f.aliases, type: TYPES[f.type], describe: f.help, global: false, ...(shown ? { default: f.default } : {}),
    })
  }
  return y
}

function commandUsage(c: CommandSpec): string {
  const line = [`${NAME} ${c.name}`, c.flags.length ? '[command options]' : '', c.args].filter(Boolean).join(' ')
  return [line, c.argsHelp, c.description].filter(Boolean).join('\n\n')
}

async function build(): Promise<Argv> {
  const { default: yargs } = await importYargs()
  let y = options(yargs([]).version(false).scriptName(NAME)
    .usage(`$0 [global options] command [command options] [arguments...]\n\n${APP_USAGE}`), GLOBAL_FLAGS)
  for (const c of COMMANDS) {
    if (c.name === 'completion') continue // yargs' own, below
    y = y.command(`${c.name} ${c.args}`.trim(), c.usage, (sub) => options(sub.usage(commandUsage(c)), c.flags))
  }
  const completion = COMMANDS.find((c) => c.name === 'completion')!
  return y.completion('completion', completion.usage).help('help', HELP_FLAG.help).alias('help', 'h')
    .exitProcess(false).wrap(Math.min(120, process.stdout.columns || 100))
}

/** Prints the app's help, or one command's; exit code 0 as runc. */
export async function showHelp(topic?: CommandSpec): Promise<number> {
  const y = await build()
  const args = topic ? [topic.name, '--help'] : ['--help']
  const text = await new Promise<string>((res) => y.parse(args, {}, (_err, _argv, output) => res(output)))
  stdout(text + '\n')
  return 0
}

/** `tsrun completion` (the bash script) and the script's `--get-yargs-completions` callbacks. */
export async function completion(argv: string[]): Promise<number> {
  const y = await build()
  // yargs prints these with console.log; collect them so they leave through log.ts like all output.
  const lines: string[] = []
  const log = console.log
  console.log = (...a: unknown[]) => void lines.push(a.join(' ') + '\n')
  try {
    await y.parseAsync(argv)
  } finally {
    console.log = log
  }
  stdout(lines.join(''))
  return 0
}

export const command: Command = () => completion(['completion'])
