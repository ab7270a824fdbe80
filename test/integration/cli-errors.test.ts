// The CLI contract at its edges, with real containers: container ids that
// are not one safe path component fail before anything is made, a duplicate
// id fails and leaves the first container alone, a failing create writes its
// one error line to stderr and to the --log file (text or logrus JSON, which
// containerd reads back), and the argv go-runc builds (--root/--log/
// --log-format before the command, -bundle, --bundle=B, --pid-file) works.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Result, Sandbox, cliArgv, cliEnv, skipReason } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

/** The CLI with exactly `args` (no --root added), stdio on files so a created container can't hold us. */
function cli(s: Sandbox, args: string[]): Result {
  const out = path.join(s.dir, 'cli.out')
  const err = path.join(s.dir, 'cli.err')
  const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')]
  try {
    const r = spawnSync(...cliArgv(args), { env: cliEnv(), stdio: ['ignore', fds[0], fds[1]], timeout: 60_000 })
    return { status: r.status, signal: r.signal, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') }
  } finally {
    fds.forEach((fd) => fs.closeSync(fd))
  }
}

function stateOf(s: Sandbox, id: string): { id: string; pid: number; status: string } | null {
  const r = s.tsrun(['state', id])
  return r.status === 0 ? JSON.parse(r.stdout) : null
}

const cgroupDirs = (id: string): string[] =>
  spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '6', '-type', 'd', '-name', id], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)

t.test('invalid container ids fail before any side effect', async (t) => {
  const s = new Sandbox(t, 'cli-ids')
  s.config((c) => { c.process.args = ['true'] })
  const ids: [string, string, RegExp][] = [
    ['../x', 'climbs out of the root', /invalid container ID format/],
    ['a/b', 'two components', /invalid container ID format/],
    ['', 'empty', /container id cannot be empty/],
    ['.', 'the root itself', /invalid container ID format/],
    ['..', 'the root parent', /invalid container ID format/],
    ['tsrun-' + 'a'.repeat(1019), '1025 bytes', /invalid container ID format/],
  ]
  for (const [id, what, message] of ids) {
    for (const cmd of ['create', 'run']) {
      const r = s.tsrun([cmd, '-b', s.bundle, id])
      t.equal(r.status, 1, `${cmd} ${what}: exit 1`)
      t.match(r.stderr, message, `${cmd} ${what}: ${r.stderr.trim()}`)
      t.equal(r.stderr.split('\n').filter(Boolean).length, 1, 'one line')
      t.equal(r.stdout, '')
      t.notOk(fs.existsSync(s.root), `${cmd} ${what}: no state root made`)
      t.notOk(fs.existsSync(path.join(s.dir, 'x')), `${cmd} ${what}: nothing made next to the root`)
    }
  }
  // Commands on an existing root must not touch anything outside it either.
  fs.mkdirSync(s.root)
  for (const cmd of [['delete', '-f', '../x'], ['kill', '../x', 'KILL'], ['state', '..'], ['start', 'a/b']]) {
    const r = s.tsrun(cmd)
    t.equal(r.status, 1, `${cmd.join(' ')}: exit 1`)
    t.match(r.stderr, /invalid container ID format/, cmd.join(' '))
  }
  t.same(fs.readdirSync(s.root), [], 'root still empty')
  fs.rmdirSync(s.root)
})

t.test('a duplicate id fails with "already exists" and leaves the first container intact', async (t) => {
  const s = new Sandbox(t, 'cli-dup')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const id = s.id()
  const first = s.tsrunDetached(['create', '-b', s.bundle, id], 'first')
  t.equal(first.status, 0, first.stderr)
  const before = stateOf(s, id)!
  const cgroups = cgroupDirs(id)
  t.ok(cgroups.length > 0)
  const stateFiles = fs.readdirSync(path.join(s.root, id)).sort()

  for (const cmd of ['create', 'run']) {
    const dup = s.tsrunDetached([cmd, '-b', s.bundle, id], `dup-${cmd}`)
    t.equal(dup.status, 1, `${cmd}: exit 1`)
    t.match(dup.stderr, /^tsrun: .*container with given ID already exists\n$/, dup.stderr)
    t.same(stateOf(s, id), before, `${cmd}: state unchanged (same pid, still created)`)
    t.same(cgroupDirs(id), cgroups, `${cmd}: cgroup kept`)
    t.same(fs.readdirSync(path.join(s.root, id)).sort(), stateFiles, `${cmd}: state dir untouched (exec fifo still there)`)
  }
  const start = s.tsrun(['start', id])
  t.equal(start.status, 0, `the first container still starts: ${start.stderr}`)
  t.equal(stateOf(s, id)?.status, 'running')
  t.equal(s.tsrun(['delete', '-f', id]).status, 0)
})

t.test('a failing create: one line on stderr, the same as the last line of --log (json and text)', async (t) => {
  const s = new Sandbox(t, 'cli-log')
  s.config((c) => { c.process.args = ['/no/such/binary'] })
  for (const format of ['json', 'text']) {
    const log = path.join(s.dir, `log.${format}`)
    // containerd's shim leaves earlier lines in the file; ours goes after them.
    fs.writeFileSync(log, 'earlier line\n')
    const id = s.id(`-${format}`)
    const r = s.tsrun(['--log', log, '--log-format', format, 'create', '-b', s.bundle, id])
    t.equal(r.status, 1)
    const lines = r.stderr.split('\n')
    t.equal(lines.length, 2, `exactly one line on stderr: ${JSON.stringify(r.stderr)}`)
    t.match(lines[0], /^tsrun: create .*no\/such\/binary/, 'it names the create and the binary')
    const msg = lines[0].slice('tsrun: '.length)
    const logged = fs.readFileSync(log, 'utf8')
    t.ok(logged.startsWith('earlier line\n'), 'appended, not truncated')
    const last = logged.trimEnd().split('\n').pop()!
    if (format === 'json') {
      const o = JSON.parse(last) as Record<string, string>
      t.same(Object.keys(o), ['level', 'msg', 'time'], "logrus' keys, sorted")
      t.equal(o.level, 'error')
      t.equal(o.msg, msg, 'the same text as stderr')
      t.match(o.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/, 'RFC3339')
      t.ok(Math.abs(Date.parse(o.time) - Date.now()) < 60_000, 'stamped now')
    } else {
      t.match(last, /^time="?[0-9T:+Z-]+"? level=error msg=".*no\/such\/binary.*"$/, last)
    }
    t.notOk(fs.existsSync(path.join(s.root, id)), 'nothing left of it')
  }
})

t.test('the argv go-runc sends: global flags first, -bundle, --bundle=B, --pid-file, numeric-looking ids', async (t) => {
  const s = new Sandbox(t, 'cli-gorunc')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const log = path.join(s.dir, 'runc.log')
  const pidFile = path.join(s.dir, 'init.pid')
  const a = s.id('-a')
  // go-runc's Create: runc --root R --log L --log-format json create --bundle B --pid-file P ID
  const r = cli(s, ['--root', s.root, '--log', log, '--log-format', 'json', 'create', '--bundle', s.bundle, '--pid-file', pidFile, a])
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stdout + r.stderr, '')
  const sa = stateOf(s, a)
  t.equal(sa?.status, 'created', 'created under --root')
  t.equal(fs.readFileSync(pidFile, 'utf8'), String(sa?.pid), 'pid file matches')
  t.equal(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '', '', 'nothing logged on success')
  // go-runc's Start, Kill (--all, a number) and Delete (--force), same globals.
  const g = ['--root', s.root, '--log', log, '--log-format', 'json']
  t.equal(cli(s, [...g, 'start', a]).status, 0)
  t.equal(stateOf(s, a)?.status, 'running')
  t.equal(cli(s, [...g, 'kill', '--all', a, '9']).status, 0)
  t.equal(cli(s, [...g, 'delete', '--force', a]).status, 0)
  t.equal(stateOf(s, a), null)

  // Go's flag package: one dash is a long flag too; -flag=value and --flag=value.
  const b = s.id('-b')
  const rb = cli(s, ['-root', s.root, 'create', '-bundle', s.bundle, b])
  t.equal(rb.status, 0, rb.stderr)
  t.equal(stateOf(s, b)?.status, 'created', '-root and -bundle')
  // An id made of things a number parser would take ("1e3", "0x10") stays a string.
  for (const suffix of ['-1e3', '-0x10']) {
    const id = s.id(suffix)
    const rc = cli(s, [`--root=${s.root}`, 'create', `--bundle=${s.bundle}`, `--pid-file=${pidFile}`, id])
    t.equal(rc.status, 0, rc.stderr)
    const st = stateOf(s, id)
    t.equal(st?.id, id, `id ${id} kept verbatim`)
    t.equal(fs.readFileSync(pidFile, 'utf8'), String(st?.pid), '--pid-file= form')
    t.same(s.tsrun(['list', '-q']).stdout.split('\n').includes(id), true)
    t.equal(s.tsrun(['delete', '-f', id]).status, 0)
  }
  t.equal(s.tsrun(['delete', '-f', b]).status, 0)

  // The bundle defaults to the current directory (go-runc sets cmd.Dir = bundle for some calls).
  const d = s.id('-cwd')
  const out = fs.openSync(path.join(s.dir, 'cwd.out'), 'w')
  const rd = spawnSync(...cliArgv(['--root', s.root, 'create', d]), { env: cliEnv(), cwd: s.bundle, stdio: ['ignore', out, out] })
  fs.closeSync(out)
  t.equal(rd.status, 0, fs.readFileSync(path.join(s.dir, 'cwd.out'), 'utf8'))
  t.equal((JSON.parse(s.tsrun(['state', d]).stdout) as { bundle: string }).bundle, s.bundle, 'bundle = the cwd')
  t.equal(s.tsrun(['delete', '-f', d]).status, 0)
})

// The compiled dist/tsrun renders help with yargs from a file beside it:
// the built CLI itself, not the in-process one of test/unit/cli/main.test.ts.
t.test('help and completion from the built CLI', async (t) => {
  const s = new Sandbox(t, 'help')
  const app = cli(s, ['--help'])
  t.equal(app.status, 0, `--help: ${app.stderr}`)
  t.match(app.stdout, /^tsrun \[global options\] command \[command options\] \[arguments\.\.\.\]\n/)
  t.match(app.stdout, /\n +tsrun kill <container-id> \[signal\] +/)
  const kill = cli(s, ['kill', '--help'])
  t.equal(kill.status, 0, `kill --help: ${kill.stderr}`)
  t.match(kill.stdout, /\n +-a, --all +send the specified signal to all processes/)
  const completion = cli(s, ['completion'])
  t.equal(completion.status, 0, `completion: ${completion.stderr}`)
  t.match(completion.stdout, /###-begin-tsrun-completions-###/)
})
