// The whole CLI in process, for every path that needs no container: help, version,
// completion, usage errors, commands not implemented yet. Output is captured at log.ts' io.write.
import t, { Test } from 'tap'
import { main } from '../../../src/cli/index'
import { io } from '../../../src/log'
import { COMMANDS } from '../../../src/cli/table'
import { resctrlRoot } from '../../../src/resctrl/mount'

async function run(t: Test, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const got = { out: '', err: '' }
  const write = io.write
  t.capture(io, 'write', (fd: number, text: string) => {
    if (fd === 1) got.out += text
    else if (fd === 2) got.err += text
    else write(fd, text)
  })
  const code = await main(argv)
  return { code, ...got }
}

t.test('no command, --help, help: the app help, exit 0', async (t) => {
  for (const argv of [[], ['--help'], ['-h'], ['help'], ['h'], ['--root', '/x']]) {
    const r = await run(t, argv)
    t.equal(r.code, 0, argv.join(' '))
    t.equal(r.err, '')
    t.match(r.out, /^tsrun \[global options\] command \[command options\] \[arguments\.\.\.\]/)
    for (const c of COMMANDS) t.match(r.out, `tsrun ${c.name}`)
    for (const f of ['--root', '--log-format', '--systemd-cgroup', '--version']) t.match(r.out, f)
  }
})

t.test('command help from the same table', async (t) => {
  for (const argv of [['kill', '--help'], ['help', 'kill'], ['kill', 'x', '-h'], ['--root', '/r', 'kill', '-help']]) {
    const r = await run(t, argv)
    t.equal(r.code, 0)
    t.match(r.out, /^tsrun kill \[command options\] <container-id> \[signal\]\n/)
    t.match(r.out, /-a, --all +send the specified signal to all processes inside the container/)
    t.notMatch(r.out, '--root', 'global flags stay in the app help')
  }
  const r = await run(t, ['create', '--help'])
  for (const f of ['--bundle', '--console-socket', '--pidfd-socket', '--pid-file', '--no-pivot', '--no-new-keyring', '--preserve-fds']) {
    t.match(r.out, f)
  }
})

t.test('version', async (t) => {
  const r = await run(t, ['--version'])
  t.equal(r.code, 0)
  t.match(r.out, /^tsrun version \d+\.\d+\.\d+\nspec: 1\.3\.0\nnode: v\d+/)
})

t.test('completion script and completions', async (t) => {
  let r = await run(t, ['completion'])
  t.equal(r.code, 0)
  t.match(r.out, 'tsrun --get-yargs-completions')
  r = await run(t, ['--get-yargs-completions', 'tsrun', 'kill', '-'])
  t.match(r.out.split('\n'), ['--help', '--all', '-a'])
})

t.test('usage errors: one stderr line, runc exit codes', async (t) => {
  const cases: [string[], string, number][] = [
    [['-foo', 'state', 'x'], 'tsrun: flag provided but not defined: -foo\n', 1],
    [['state'], 'tsrun: "state" requires exactly 1 argument(s)\n', 1],
    [['kill', 'x', 'FOO'], 'tsrun: unknown signal "FOO"\n', 1],
    [['list', '--format', 'xml'], 'tsrun: invalid format option\n', 1],
    [['pause'], 'tsrun: "pause" requires exactly 1 argument(s)\n', 1],
    [['ps'], 'tsrun: "ps" requires a minimum of 1 argument(s)\n', 1],
    [['ps', '-o', 'pid', 'x'], 'tsrun: flag provided but not defined: -o\n', 1],
    [['--log-format', 'yaml', 'list'], 'tsrun: invalid log-format: yaml\n', 1],
    [['nosuch'], "tsrun: No help topic for 'nosuch'\n", 3],
    [['help', 'nosuch'], "tsrun: No help topic for 'nosuch'\n", 3],
  ]
  for (const [argv, err, code] of cases) {
    const r = await run(t, argv)
    t.same(r, { code, out: '', err }, argv.join(' '))
  }
})

t.test('update and events: flag errors before any container is looked at', async (t) => {
  const cases: [string[], string][] = [
    [['update', '--memory', '12q', 'x'], "tsrun: invalid value for memory: invalid size: '12q'\n"],
    [['update', '--cpu-period', '-5', 'x'], 'tsrun: invalid value for cpu-period: strconv.ParseUint: parsing "-5": invalid syntax\n'],
    [['update', '--pids-limit', 'many', 'x'], 'tsrun: invalid value "many" for flag -pids-limit: parse error\n'],
    // This host has no resctrl (the case is left out where it has).
    ...(resctrlRoot() === null ? [[['update', '--l3-cache-schema', 'L3:0=f', 'x'], 'tsrun: Intel RDT/CAT: l3 cache schema is not enabled\n'] as [string[], string]] : []),
    [['events', '--interval', '5', 'x'], 'tsrun: invalid value "5" for flag -interval: parse error\n'],
    [['events', '--interval', '0s', 'x'], 'tsrun: duration interval must be greater than 0\n'],
    [['events', 'x', 'y'], 'tsrun: "events" requires exactly 1 argument(s)\n'],
  ]
  for (const [argv, err] of cases) t.same(await run(t, argv), { code: 1, out: '', err }, argv.join(' '))
})

t.test('declared commands not implemented yet', async (t) => {
  for (const name of ['checkpoint', 'restore']) {
    const r = await run(t, [name, '-t', 'x', 'sh'])
    t.same(r, { code: 1, out: '', err: `tsrun: ${name}: not implemented yet\n` })
    const h = await run(t, [name, '--help'])
    t.equal(h.code, 0)
    t.match(h.out, `tsrun ${name}`)
  }
})
