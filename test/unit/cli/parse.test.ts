import t from 'tap'
import { parseGlobal, parseCommand, globalOptions, parseGoInt, argRange, UsageError } from '../../../src/cli/parse'
import { COMMANDS, findCommand } from '../../../src/cli/table'

/** argv → what index.ts would hand a command: global options, command name, flags, positionals. */
function parse(argv: string[]) {
  const inv = parseGlobal(argv)
  if (inv.kind !== 'command') return { kind: inv.kind, topic: inv.kind === 'help' ? inv.topic?.name : undefined }
  const { help, flags, args } = parseCommand(inv.command, inv.argv)
  return { kind: help ? 'help' : 'command', g: globalOptions(inv.globals), command: inv.command.name, flags, args }
}

// The argv containerd's go-runc (runc.go) and conmon build, and runc's own examples.
const cases: { doc: string; argv: string[]; want: Record<string, unknown> }[] = [
  {
    doc: 'go-runc create with global flags',
    argv: ['--root', '/run/containerd/runc/k8s.io', '--log', '/x/log.json', '--log-format', 'json', 'create',
      '--bundle', '/b', '--pid-file', '/b/init.pid', '--console-socket', '/tmp/s', 'id'],
    want: {
      g: { root: '/run/containerd/runc/k8s.io', log: '/x/log.json', logFormat: 'json', debug: false, systemdCgroup: false },
      command: 'create', args: ['id'],
      flags: { bundle: '/b', 'pid-file': '/b/init.pid', 'console-socket': '/tmp/s', 'pidfd-socket': '', 'no-pivot': false,
        'no-new-keyring': false, 'preserve-fds': 0 },
    },
  },
  {
    doc: 'go-runc create, every option',
    argv: ['--root', '/r', '--debug', '--systemd-cgroup', '--rootless=true', 'create', '--bundle', '/b', '--pid-file', '/p',
      '--pidfd-socket', '/ps', '--no-pivot', '--no-new-keyring', '--preserve-fds', '2', 'c1'],
    want: {
      g: { root: '/r', logFormat: 'text', debug: true, systemdCgroup: true }, command: 'create', args: ['c1'],
      flags: { bundle: '/b', 'pid-file': '/p', 'console-socket': '', 'pidfd-socket': '/ps', 'no-pivot': true,
        'no-new-keyring': true, 'preserve-fds': 2 },
    },
  },
  {
    doc: 'go-runc run --detach',
    argv: ['run', '--bundle', '/b', '--detach', 'id'],
    want: { command: 'run', args: ['id'], flags: { bundle: '/b', detach: true, keep: false, 'no-subreaper': false } },
  },
  { doc: 'go-runc kill --all id 9', argv: ['kill', '--all', 'id', '9'], want: { command: 'kill', args: ['id', '9'], flags: { all: true } } },
  { doc: 'kill -a short flag', argv: ['kill', '-a', 'id', 'KILL'], want: { command: 'kill', args: ['id', 'KILL'], flags: { all: true } } },
  { doc: 'kill without signal', argv: ['kill', 'id'], want: { args: ['id'], flags: { all: false } } },
  {
    doc: 'flags after positionals are moved up (urfave/cli reorderArgs)',
    argv: ['kill', 'id', 'KILL', '--all'], want: { args: ['id', 'KILL'], flags: { all: true } },
  },
  { doc: 'go-runc delete --force id', argv: ['delete', '--force', 'id'], want: { command: 'delete', args: ['id'], flags: { force: true } } },
  { doc: 'delete -f', argv: ['delete', '-f', 'id'], want: { flags: { force: true } } },
  { doc: 'go-runc list --format=json', argv: ['list', '--format=json'], want: { command: 'list', args: [], flags: { format: 'json', quiet: false } } },
  { doc: 'list -f json -q', argv: ['list', '-f', 'json', '-q'], want: { flags: { format: 'json', quiet: true } } },
  {
    doc: 'go-runc ps --format json id',
    argv: ['ps', '--format', 'json', 'id'], want: { command: 'ps', args: ['id'], flags: { format: 'json' } },
  },
  {
    doc: 'go-runc exec (containerd shim): --process, --detach, --pid-file, --console-socket, --pidfd-socket',
    argv: ['--root', '/r', 'exec', '--process', '/tmp/p.json', '--detach', '--pid-file', '/x/e.pid', '--console-socket', '/tmp/c',
      '--pidfd-socket', '/tmp/pfd', 'id'],
    want: {
      command: 'exec', args: ['id'],
      flags: { process: '/tmp/p.json', detach: true, 'pid-file': '/x/e.pid', 'console-socket': '/tmp/c', 'pidfd-socket': '/tmp/pfd',
        tty: false, env: [], cwd: '', user: '', 'additional-gids': [], 'process-label': '', apparmor: '', 'no-new-privs': false,
        cap: [], 'preserve-fds': 0, cgroup: [], 'ignore-paused': false },
    },
  },
  {
    doc: 'exec: repeated and short flags before the id, the command keeps its own flags (runc StopOnNthArg)',
    argv: ['exec', '-t', '-e', 'A=1', '-e', 'B=2', '-u', '1000:1000', '-g', '5', '-c', 'CAP_KILL', '--cgroup', 'pids:sub', 'id', 'sh', '-c', 'ls -t', '-e'],
    want: {
      args: ['id', 'sh', '-c', 'ls -t', '-e'],
      flags: { tty: true, env: ['A=1', 'B=2'], user: '1000:1000', 'additional-gids': ['5'], cap: ['CAP_KILL'], cgroup: ['pids:sub'] },
    },
  },
  {
    doc: 'ps: flags only before the id (runc SkipArgReorder), the rest goes to ps(1)',
    argv: ['ps', 'id', '-f', 'json', '-o', 'pid'], want: { args: ['id', '-f', 'json', '-o', 'pid'], flags: { format: 'table' } },
  },
  {
    doc: 'single dash long flags (Go style), -no-subreaper is its own flag',
    argv: ['-root', '/r', 'run', '-bundle', '/b', '-d', '-no-subreaper', '-no-pivot', 'id'],
    want: { g: { root: '/r' }, flags: { bundle: '/b', detach: true, 'no-subreaper': true, 'no-pivot': true }, args: ['id'] },
  },
  { doc: '--flag=value and -b dir', argv: ['--root=/r', 'create', '-b', 'dir', 'x'], want: { g: { root: '/r' }, flags: { bundle: 'dir' } } },
  { doc: 'bool flag =false', argv: ['run', '--detach=false', '--keep=1', 'id'], want: { flags: { detach: false, keep: true } } },
  { doc: 'relative root is made absolute', argv: ['--root', 'rel', 'state', 'x'], want: { g: { root: process.cwd() + '/rel' } } },
  { doc: 'default root and log format', argv: ['state', 'x'], want: { g: { root: '/run/tsrun', logFormat: 'text', debug: false } } },
  { doc: 'empty log-format is text (runc)', argv: ['--log-format', '', 'state', 'x'], want: { g: { logFormat: 'text' } } },
  { doc: 'numeric-looking ids stay strings: 1e3', argv: ['state', '1e3'], want: { args: ['1e3'] } },
  { doc: 'numeric-looking ids stay strings: 0x10', argv: ['start', '0x10'], want: { args: ['0x10'] } },
  { doc: 'numeric-looking ids stay strings: 007', argv: ['delete', '007'], want: { args: ['007'] } },
  { doc: '-- ends flags', argv: ['state', '--', '-x'], want: { args: ['-x'] } },
  { doc: '-- ends flags after a positional', argv: ['kill', 'id', '--', '--all'], want: { args: ['id', '--all'], flags: { all: false } } },
  { doc: 'a lone - is a positional', argv: ['state', '-'], want: { args: ['-'] } },
  { doc: 'number flag: Go ParseInt base 0', argv: ['create', '--preserve-fds', '0x10', 'x'], want: { flags: { 'preserve-fds': 16 } } },
  { doc: 'number flag: leading 0 is octal', argv: ['create', '--preserve-fds=010', 'x'], want: { flags: { 'preserve-fds': 8 } } },
  { doc: 'repeated flag: last wins', argv: ['create', '-b', 'a', '-b', '/b', 'x'], want: { flags: { bundle: '/b' } } },
  { doc: 'string flag takes a dash value', argv: ['create', '--pid-file', '-', 'x'], want: { flags: { 'pid-file': '-' }, args: ['x'] } },
  { doc: 'spec --rootless -b', argv: ['spec', '--rootless', '-b', '/b'], want: { command: 'spec', flags: { rootless: true, bundle: '/b' } } },
  { doc: '--rootless true', argv: ['--rootless', 'true', 'state', 'x'], want: { g: { rootless: true } } },
  { doc: '--rootless=0', argv: ['--rootless=0', 'state', 'x'], want: { g: { rootless: false } } },
  { doc: '--rootless auto: as root, not rootless', argv: ['--rootless', 'auto', 'state', 'x'], want: { g: { rootless: process.geteuid!() !== 0 } } },
  { doc: 'global --criu and --rootless are accepted', argv: ['--criu', '/bin/criu', '--rootless', 'auto', 'features'], want: { command: 'features' } },
]

for (const c of cases) {
  t.test(c.doc, async (t) => {
    t.match(parse(c.argv), c.want)
  })
}

t.test('help, version and completion', async (t) => {
  t.match(parse([]), { kind: 'help', topic: undefined })
  t.match(parse(['--root', '/x']), { kind: 'help' })
  t.match(parse(['--help']), { kind: 'help' })
  t.match(parse(['-h', 'state', 'x']), { kind: 'help' })
  t.match(parse(['help']), { kind: 'help', topic: undefined })
  t.match(parse(['help', 'kill']), { kind: 'help', topic: 'kill' })
  t.match(parse(['h', 'list']), { kind: 'help', topic: 'list' })
  t.match(parse(['kill', '--help']), { kind: 'help' })
  t.match(parse(['kill', '-h']), { kind: 'help' })
  t.match(parse(['state', 'x', '-help']), { kind: 'help' })
  t.match(parse(['state', '--help=false', 'x']), { kind: 'command', args: ['x'] })
  t.match(parse(['-v']), { kind: 'version' })
  t.match(parse(['--version']), { kind: 'version' })
  t.match(parse(['--get-yargs-completions', 'tsrun', 'ki']), { kind: 'completion' })
})

// Error texts and exit codes checked against runc 1.1.5 (its stderr says `runc: ...`
// where tsrun's renderer prints `tsrun: ...`).
const errors: { argv: string[]; message: string; exitCode?: number }[] = [
  { argv: ['-foo', 'state', 'x'], message: 'flag provided but not defined: -foo' },
  { argv: ['--foo=1', 'state', 'x'], message: 'flag provided but not defined: -foo' },
  { argv: ['state', '-foo', 'x'], message: 'flag provided but not defined: -foo' },
  { argv: ['state', '--root', '/x', 'x'], message: 'flag provided but not defined: -root' },
  { argv: ['state', 'x', '-foo'], message: '"state" requires exactly 1 argument(s)' },
  { argv: ['state'], message: '"state" requires exactly 1 argument(s)' },
  { argv: ['state', 'a', 'b'], message: '"state" requires exactly 1 argument(s)' },
  { argv: ['kill'], message: '"kill" requires a minimum of 1 argument(s)' },
  { argv: ['kill', 'a', 'b', 'c'], message: '"kill" requires a maximum of 2 argument(s)' },
  { argv: ['list', 'x'], message: '"list" requires exactly 0 argument(s)' },
  { argv: ['list', '--', '-q'], message: '"list" requires exactly 0 argument(s)' },
  { argv: ['list', '-qf', 'json'], message: 'flag provided but not defined: -qf' },
  { argv: ['list', '-q=yes'], message: 'invalid boolean value "yes" for -q: parse error' },
  { argv: ['create', '--preserve-fds', 'abc', 'x'], message: 'invalid value "abc" for flag -preserve-fds: parse error' },
  { argv: ['create', '--preserve-fds', '99999999999999999999', 'x'],
    message: 'invalid value "99999999999999999999" for flag -preserve-fds: value out of range' },
  { argv: ['create', '-b'], message: 'flag needs an argument: -b' },
  { argv: ['--root'], message: 'flag needs an argument: -root' },
  { argv: ['---root', 'x', 'state'], message: 'bad flag syntax: ---root' },
  { argv: ['-=x'], message: 'bad flag syntax: -=x' },
  { argv: ['create', '-b', 'x', '--bundle', 'y', 'id'], message: 'Cannot use two forms of the same flag: b bundle' },
  { argv: ['run', '--detach', '-d=false', 'id'], message: 'Cannot use two forms of the same flag: d detach' },
  { argv: ['--log-format', 'xml', 'list'], message: 'invalid log-format: xml' },
  { argv: ['--rootless', 'maybe', 'list'], message: 'invalid value "maybe" for --rootless: want true, false or auto' },
  { argv: ['nosuch'], message: "No help topic for 'nosuch'", exitCode: 3 },
  { argv: ['help', 'nosuch'], message: "No help topic for 'nosuch'", exitCode: 3 },
]

for (const e of errors) {
  t.test(`error: ${e.argv.join(' ')}`, async (t) => {
    t.throws(() => parse(e.argv), { message: e.message, kind: 'usage', exitCode: e.exitCode ?? 1 })
    try { parse(e.argv) } catch (err) { t.type(err, UsageError) }
  })
}

t.test('parseGoInt', async (t) => {
  const table: [string, ReturnType<typeof parseGoInt>][] = [
    ['0', 0], ['7', 7], ['-3', -3], ['+3', 3], ['0x1f', 31], ['0X1F', 31], ['0o17', 15], ['017', 15], ['0b101', 5],
    ['1_000', 1000], ['0x_10', 16], ['9223372036854775807', 9223372036854775807],
    ['9223372036854775808', 'value out of range'], ['-9223372036854775809', 'value out of range'],
    ['', 'parse error'], ['1e3', 'parse error'], ['08', 'parse error'], ['1__0', 'parse error'], ['_1', 'parse error'],
    ['1_', 'parse error'], [' 1', 'parse error'], ['0x', 'parse error'],
  ]
  for (const [s, want] of table) t.equal(parseGoInt(s), want, JSON.stringify(s))
})

t.test('argument ranges follow runc checkArgs', async (t) => {
  const want: Record<string, [number, number]> = {
    create: [1, 1], start: [1, 1], run: [1, 1], state: [1, 1], kill: [1, 2], delete: [1, 1], list: [0, 0], spec: [0, 0],
    features: [0, 0], exec: [1, Infinity], ps: [1, Infinity], pause: [1, 1], resume: [1, 1],
  }
  for (const [name, range] of Object.entries(want)) t.same(argRange(findCommand(name)!), range, name)
})

t.test('the table declares every runc command once, flags without clashes', async (t) => {
  const names = COMMANDS.map((c) => c.name)
  for (const n of ['checkpoint', 'create', 'delete', 'events', 'exec', 'kill', 'list', 'pause', 'ps', 'restore', 'resume',
    'run', 'spec', 'start', 'state', 'update', 'features']) t.ok(names.includes(n), n)
  t.equal(new Set(names).size, names.length)
  for (const c of COMMANDS) {
    const flagNames = c.flags.flatMap((f) => [f.name, ...f.aliases])
    t.equal(new Set(flagNames).size, flagNames.length, `${c.name} flag names are unique`)
    t.notOk(flagNames.includes('help') || flagNames.includes('h'), `${c.name} leaves --help to the parser`)
  }
})
