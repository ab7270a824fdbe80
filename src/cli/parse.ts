// argv → global options, command, flags and positionals, driven by table.ts.
// The hot path: no yargs here. It accepts what runc's urfave/cli v1 (Go's
// `flag` package underneath) accepts, with the same error texts:
// -flag and --flag are the same long flag; -flag=value, -flag value;
// bool flags take no value unless written -flag=true|false; `--` ends flags.
// Global flags come before the command. Command flags may follow positionals
// (urfave/cli reorders known flags to the front); an unknown dash argument
// is an error before the first positional and a positional after it.
// One deliberate difference: urfave/cli's reorder also moves the argument after
// a *bool* flag along with it, so runc reads `kill ID --all 9` as container "9",
// signal "ID"; here a bool flag never takes the next argument.
import { resolve } from '../paths'
import { TsrunError } from '../errors'
import { goQuote } from './json'
import { CommandSpec, FlagSpec, FlagValues, GLOBAL_FLAGS, HELP_FLAG, findCommand } from './table'

/** A usage error; `exitCode` is what runc exits with (1, or 3 for an unknown command). */
export class UsageError extends TsrunError {
  constructor(message: string, readonly exitCode = 1) {
    super('usage', message)
  }
}

/** The contract's GlobalOptions (src/lifecycle), resolved from the global flags. */
export interface CliGlobals {
  root: string
  log?: string
  logFormat: 'text' | 'json'
  debug: boolean
  systemdCgroup: boolean
  rootless: boolean
}

export type Invocation =
  | { kind: 'help'; globals: FlagValues; topic?: CommandSpec }
  | { kind: 'version'; globals: FlagValues }
  | { kind: 'completion'; argv: string[] }
  | { kind: 'command'; globals: FlagValues; command: CommandSpec; argv: string[] }

export interface CommandArgs { help: boolean; flags: FlagValues; args: string[] }

/** What a command module (create.ts, kill.ts, ...) gets; it returns the exit code (default 0). */
export interface CommandContext { g: CliGlobals; flags: FlagValues; args: string[] }
export type Command = (ctx: CommandContext) => Promise<number | void>

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False'])

/** Go's strconv.ParseInt(s, 0, 64): decimal, 0x, 0o, 0b, leading-0 octal, `_` between digits. */
export function parseGoInt(s: string): number | 'parse error' | 'value out of range' {
  const m = /^([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/.exec(s)
  if (!m) return 'parse error'
  let digits = m[2].replace(/_/g, '')
  if (/^0[0-7]+$/.test(digits)) digits = '0o' + digits.slice(1)
  const v = m[1] === '-' ? -BigInt(digits) : BigInt(digits)
  if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) return 'value out of range'
  return Number(v)
}

function setFlag(values: FlagValues, spec: FlagSpec, name: string, value: string | undefined): void {
  switch (spec.type) {
    case 'bool':
      if (value === undefined || TRUE.has(value)) values[spec.name] = true
      else if (FALSE.has(value)) values[spec.name] = false
      else throw new UsageError(`invalid boolean value ${goQuote(value!)} for -${name}: parse error`)
      return
    case 'number': {
      const n = parseGoInt(value!)
      if (typeof n === 'string') throw new UsageError(`invalid value ${goQuote(value!)} for flag -${name}: ${n}`)
      values[spec.name] = n
      return
    }
    case 'stringArray':
      values[spec.name] = [...(values[spec.name] as string[]), value!]
      return
    default:
      values[spec.name] = value!
  }
}

function defaults(specs: FlagSpec[]): FlagValues {
  const values: FlagValues = {}
  for (const s of specs) values[s.name] = Array.isArray(s.default) ? [...s.default] : s.default
  return values
}

/**
 * Go `flag` semantics over `argv`. `interspersed` (command level): known flags
 * are taken wherever they are, up to `--`; otherwise parsing stops at the first
 * positional (global level: the command name).
 */
export function parseFlags(specs: FlagSpec[], argv: string[], interspersed: boolean): { values: FlagValues; rest: string[] } {
  const values = defaults(specs)
  const rest: string[] = []
  const given = new Set<string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') { rest.push(...argv.slice(i + 1)); break }
    if (arg.length < 2 || arg[0] !== '-') {
      if (!interspersed) { rest.push(...argv.slice(i)); break }
      rest.push(arg)
      continue
    }
    let name = arg.slice(arg[1] === '-' ? 2 : 1)
    if (name === '' || name[0] === '-' || name[0] === '=') {
      if (rest.length > 0) { rest.push(arg); continue }
      throw new UsageError(`bad flag syntax: ${arg}`)
    }
    const eq = name.indexOf('=', 1)
    const inline = eq > 0 ? name.slice(eq + 1) : undefined
    if (eq > 0) name = name.slice(0, eq)
    const spec = specs.find((s) => s.name === name || s.aliases.includes(name))
    if (!spec) {
      if (rest.length > 0) { rest.push(arg); continue }
      throw new UsageError(`flag provided but not defined: -${name}`)
    }
    let value = inline
    if (value === undefined && spec.type !== 'bool') {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`)
      value = argv[++i]
    }
    given.add(name)
    setFlag(values, spec, name, value)
  }
  checkForms(specs, given)
  return { values, rest }
}

/** urfave/cli's normalizeFlags: a flag given under two of its names is an error. */
function checkForms(specs: FlagSpec[], given: Set<string>): void {
  if (given.size < 2) return
  for (const s of specs) {
    const used = [s.name, ...s.aliases].filter((n) => given.has(n))
    if (used.length > 1) throw new UsageError(`Cannot use two forms of the same flag: ${used[1]} ${used[0]}`)
  }
}

/** First stage: global flags, then what to do (urfave/cli's App.Run). */
export function parseGlobal(argv: string[]): Invocation {
  // The bash script from `tsrun completion` calls back with this first.
  if (argv[0] === '--get-yargs-completions') return { kind: 'completion', argv }
  const { values: globals, rest } = parseFlags(GLOBAL_FLAGS, argv, false)
  if (globals.help) return { kind: 'help', globals }
  if (globals.version) return { kind: 'version', globals }
  if (rest.length === 0) return { kind: 'help', globals }
  const [name, ...args] = rest
  if (name === 'help' || name === 'h') {
    if (args.length === 0) return { kind: 'help', globals }
    return { kind: 'help', globals, topic: command(args[0]) }
  }
  return { kind: 'command', globals, command: command(name), argv: args }
}

function command(name: string): CommandSpec {
  const spec = findCommand(name)
  // runc (urfave/cli) answers an unknown command through its help command, exit 3.
  if (!spec) throw new UsageError(`No help topic for '${name}'`, 3)
  return spec
}

/** Second stage: the command's own flags and runc's argument count check (utils.go checkArgs). */
export function parseCommand(spec: CommandSpec, argv: string[]): CommandArgs {
  const { values, rest } = parseFlags([...spec.flags, HELP_FLAG], argv, spec.flagsFirst !== true)
  const help = values.help === true
  delete values.help
  if (!help) checkArgs(spec, rest.length)
  return { help, flags: values, args: rest }
}

/** [min, max] positionals from the yargs-style `args` string. */
export function argRange(spec: CommandSpec): [number, number] {
  const words = spec.args.split(' ').filter(Boolean)
  const min = words.filter((w) => w.startsWith('<')).length
  return [min, words.some((w) => w.endsWith('...]') || w.endsWith('...>')) ? Infinity : words.length]
}

function checkArgs(spec: CommandSpec, n: number): void {
  const [min, max] = argRange(spec)
  const q = `"${spec.name}"`
  if (min === max && n !== min) throw new UsageError(`${q} requires exactly ${min} argument(s)`)
  if (n < min) throw new UsageError(`${q} requires a minimum of ${min} argument(s)`)
  if (n > max) throw new UsageError(`${q} requires a maximum of ${max} argument(s)`)
}

/** GlobalOptions for src/lifecycle; runc's app.Before (reviseRootDir, configLogrus checks). */
export function globalOptions(g: FlagValues): CliGlobals {
  const format = g['log-format'] as string
  if (format !== '' && format !== 'text' && format !== 'json') throw new UsageError(`invalid log-format: ${format}`)
  const log = g.log as string
  return {
    root: resolve(g.root as string),
    ...(log ? { log: resolve(log) } : {}),
    logFormat: format === 'json' ? 'json' : 'text',
    debug: g.debug as boolean,
    systemdCgroup: g['systemd-cgroup'] as boolean,
    rootless: rootless(g.rootless as string),
  }
}

/** runc's --rootless: "auto" means "not running as root". */
function rootless(v: string): boolean {
  if (v === 'auto' || v === '') return process.geteuid?.() !== 0
  if (TRUE.has(v)) return true
  if (FALSE.has(v)) return false
  throw new UsageError(`invalid value "${v}" for --rootless: want true, false or auto`)
}
