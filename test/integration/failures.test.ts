// Failure classes: for each way a create can fail (config.json unreadable or
// invalid, a rule the schema can't express, a mount, the process to exec, an
// rlimit, a hook) tsrun exits non-zero with one `tsrun: ...` line naming
// what failed, and leaves nothing behind: no state dir, cgroup, mount, fifo
// or process (runc's tests/integration/create.bats and STYLE.md "one failing
// bundle per stage"). The harness checks again at teardown.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Config, Sandbox, fails, skipReason } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const create = (s: Sandbox, id: string): string[] => ['create', '-b', s.bundle, id]
const run = (s: Sandbox, id: string): string[] => ['run', '-b', s.bundle, id]

interface Case {
  name: string
  edit: (c: Config, s: Sandbox) => void
  /** the whole stderr line, or a pattern for it; `ID` and `BUNDLE` are filled in */
  line: string | ((id: string, s: Sandbox) => RegExp)
  /** also through `run` (failures inside the init take the same rollback from run's create) */
  viaRun?: boolean
}

const NR_OPEN = Number(fs.readFileSync('/proc/sys/fs/nr_open', 'utf8'))

const CASES: Case[] = [
  {
    name: 'process.args not an array (schema)',
    edit: (c) => { c.process.args = 'sh' },
    line: 'tsrun: config.json: /process/args: must be array',
  },
  {
    name: 'missing rootfs',
    edit: (c) => { c.root.path = 'no-such-rootfs' },
    line: (_id, s) => new RegExp(`^tsrun: .*rootfs.*: stat ${s.bundle}/no-such-rootfs: no such file or directory$`),
  },
  {
    name: 'bind mount whose source does not exist',
    edit: (c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: '/tsrun-it-no-such-source', options: ['rbind'] }) },
    line: 'tsrun: create ID: mount bind /tsrun-it-no-such-source on /mnt: no such file or directory',
    viaRun: true,
  },
  {
    name: 'tmpfs with an invalid option',
    edit: (c) => { c.mounts.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['size=lots'] }) },
    // The kernel's own reason follows, without its "e " severity tag.
    line: (id) => new RegExp(`^tsrun: create ${id}: mount tmpfs on /mnt: tmpfs: Bad value for 'size': invalid argument$`),
  },
  {
    name: 'a bare process name not in $PATH',
    edit: (c) => { c.process.args = ['tsrun-it-no-such-binary'] },
    line: 'tsrun: create ID: exec: "tsrun-it-no-such-binary": executable file not found in $PATH',
    viaRun: true,
  },
  {
    name: 'an absolute process path that does not exist',
    edit: (c) => { c.process.args = ['/bin/tsrun-it-no-such-binary'] },
    line: 'tsrun: create ID: exec: "/bin/tsrun-it-no-such-binary": stat /bin/tsrun-it-no-such-binary: no such file or directory',
  },
  {
    name: 'an unknown capability',
    edit: (c) => { c.process.capabilities.bounding.push('CAP_TSRUN_BOGUS') },
    line: 'tsrun: config.json: /process/capabilities/bounding/3: unknown capability "CAP_TSRUN_BOGUS"',
  },
  {
    name: 'hostname without a uts namespace',
    edit: (c) => { c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'uts') },
    line: 'tsrun: config.json: /hostname: unable to set hostname without a private UTS namespace',
  },
  {
    // tsrun runs as root, so the init may raise its hard limit up to the
    // kernel's ceiling, fs.nr_open; one above that is refused (EPERM).
    name: 'RLIMIT_NOFILE above the hard limit the runtime can have',
    edit: (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: NR_OPEN + 1, hard: NR_OPEN + 1 }] },
    line: `tsrun: create ID: setrlimit RLIMIT_NOFILE: soft ${NR_OPEN + 1}, hard ${NR_OPEN + 1}: operation not permitted`,
    viaRun: true,
  },
  {
    name: 'a failing createRuntime hook',
    edit: (c) => { c.hooks = { createRuntime: [{ path: '/bin/false' }] } },
    line: 'tsrun: create ID: createRuntime hook 0 (/bin/false): exit status 1',
  },
]

t.test('each failure class: one line naming it, nothing left behind', async (t) => {
  const s = new Sandbox(t, 'failures')
  for (const [i, c] of CASES.entries()) {
    for (const how of c.viaRun ? ['create', 'run'] as const : ['create'] as const) {
      await t.test(`${c.name} (${how})`, async (t) => {
        const id = s.id(`-${i}${how === 'run' ? 'r' : ''}`)
        s.config((cfg) => c.edit(cfg, s))
        const line = fails(t, s, id, how === 'run' ? run(s, id) : create(s, id))
        if (typeof c.line === 'string') t.equal(line, c.line.replace('ID', id))
        else t.match(line, c.line(id, s))
      })
    }
  }
})

t.test('invalid JSON in config.json: the message says where', async (t) => {
  const s = new Sandbox(t, 'failures-json')
  const id = s.id()
  // A trailing comma on line 4; the rest is fine.
  fs.writeFileSync(path.join(s.bundle, 'config.json'), '{\n  "ociVersion": "1.0.2",\n  "process": {\n    "args": ["sh",]\n  }\n}\n')
  const line = fails(t, s, id, create(s, id))
  t.match(line, /^tsrun: config\.json: invalid JSON at line 4 column \d+/)
})

t.test('a sysctl that is not namespaced is refused before any side effect', async (t) => {
  const s = new Sandbox(t, 'failures-sysctl')
  const id = s.id()
  const file = '/proc/sys/kernel/panic'
  const before = fs.readFileSync(file, 'utf8').trim()
  // A value the host does not have, so a write that slipped through would show.
  const other = String(Number(before) + 7)
  t.teardown(() => { if (fs.readFileSync(file, 'utf8').trim() !== before) fs.writeFileSync(file, before) })
  s.config((c) => { c.linux.sysctl = { 'kernel.panic': other } })
  const line = fails(t, s, id, create(s, id))
  t.equal(line, 'tsrun: config.json: /linux/sysctl/kernel.panic: sysctl "kernel.panic" is not in a separate kernel namespace')
  t.equal(fs.readFileSync(file, 'utf8').trim(), before, 'the host value is unchanged')
})

t.test('with --log F --log-format json the error is the last "level":"error" line in F', async (t) => {
  const s = new Sandbox(t, 'failures-log')
  const log = path.join(s.dir, 'tsrun.log')
  const cases: Array<[string, (c: Config) => void]> = [
    ['config', (c) => { c.process.args = 'sh' }],
    ['init', (c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: '/tsrun-it-no-such-source', options: ['rbind'] }) }],
    ['hook', (c) => { c.hooks = { createRuntime: [{ path: '/bin/false' }] } }],
  ]
  for (const [what, edit] of cases) {
    const id = s.id(`-${what}`)
    s.config(edit)
    const line = fails(t, s, id, ['--log', log, '--log-format', 'json', ...create(s, id)])
    const errors = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"level":"error"'))
    t.ok(errors.length > 0, `${what}: an error line in the log`)
    const last = JSON.parse(errors.at(-1) ?? '{}') as { level?: string; msg?: string; time?: string }
    t.equal(last.level, 'error', `${what}: level`)
    t.equal(`tsrun: ${last.msg}`, line, `${what}: the log's msg is the stderr line`)
    t.match(last.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, `${what}: time`)
  }
})
