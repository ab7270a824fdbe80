// linux.seccomp: the profile compiled by libseccomp in the parent is the
// filter the container process runs under (the full action/flag matrix is
// the isolation issue's; this checks the path end to end).
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Sandbox, results, skipReason, statePid } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

t.test('a profile denying mkdir with EXDEV is in force, the rest allowed', async (t) => {
  const s = new Sandbox(t, 'seccomp')
  s.config((c) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; mkdir /made 2>&1; touch /touched && echo touched']
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 18 },
        { names: ['tsrun_no_such_syscall'], action: 'SCMP_ACT_KILL' },
      ],
    }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^Seccomp:\s+2$/m, 'filter mode')
  t.match(r.stdout, /^NoNewPrivs:\s+1$/m)
  t.match(r.stdout, /mkdir: can't create directory '\/made': (Invalid cross-device link|Cross-device link)/, 'mkdir gets the profile errno')
  t.match(r.stdout, /^touched$/m, 'other syscalls pass')
})

t.test('without no_new_privileges the filter is installed while the caps allow it', async (t) => {
  const s = new Sandbox(t, 'seccomp-nnp')
  s.config((c) => {
    c.process.noNewPrivileges = false
    c.process.args = ['sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status']
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^Seccomp:\s+2$/m)
  t.match(r.stdout, /^NoNewPrivs:\s+0$/m)
})

/** Starts the test agent (fixtures/seccomp-agent.py) on a socket in the sandbox; killed in teardown. */
async function startAgent(t: Test, s: Sandbox, errno: number): Promise<{ socket: string; out: string }> {
  const socket = path.join(s.dir, 'agent.sock')
  const out = path.join(s.dir, 'agent.json')
  const agent = spawn('python3', [path.join(__dirname, 'fixtures', 'seccomp-agent.py'), socket, out, String(errno)], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { if (agent.exitCode === null) agent.kill('SIGKILL') })
  await new Promise<void>((resolve, reject) => {
    agent.stdout.once('data', () => resolve())
    agent.once('exit', (code) => reject(new Error(`seccomp agent exited with ${code}`)))
  })
  return { socket, out }
}

const ENOTBLK = 15

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const agentStates = (out: string): any[] => fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))

for (const nnp of [true, false]) {
  t.test(`a notify listener gets the fd and the state, and answers the container's syscalls (noNewPrivileges ${nnp})`, async (t) => {
    const s = new Sandbox(t, `seccomp-notify${nnp ? '' : '-early'}`)
    const agent = await startAgent(t, s, ENOTBLK)
    const id = s.id()
    s.config((c) => {
      c.process.noNewPrivileges = nnp
      c.process.args = ['sh', '-c', 'grep -E "^Seccomp:" /proc/self/status; for f in /proc/$$/fd/*; do readlink $f; done | grep -c anon_inode:seccomp; mkdir /tmp/made 2>&1; true']
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: agent.socket,
        listenerMetadata: 'tsrun-test-metadata',
        flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
      }
    })
    const r = s.run(id)
    t.equal(r.status, 0, r.stderr)
    t.match(r.stdout, /^Seccomp:\s+2$/m)
    t.match(r.stdout, /^0$/m, 'the container holds no listener fd')
    t.match(r.stdout, /mkdir: can't create directory '\/tmp\/made': Block device required/, 'the agent answered mkdir')
    const [got] = agentStates(agent.out)
    t.match(got, {
      ociVersion: '1.3.0', fds: ['seccompFd'], metadata: 'tsrun-test-metadata', fdCount: 1, fdIsListener: true,
      state: { ociVersion: '1.3.0', id, status: 'creating', bundle: s.bundle },
    })
    t.equal(got.state.pid, got.pid, 'pid is the container process')
    t.ok(fs.readFileSync(`${agent.out}.calls`, 'utf8').trim().length > 0, 'the agent saw the notification')
  })
}

t.test('an exec\'d process gets its own filter, and its listener fd reaches the agent with the container\'s state', async (t) => {
  const s = new Sandbox(t, 'seccomp-notify-exec')
  const agent = await startAgent(t, s, ENOTBLK)
  const id = s.id()
  s.config((c) => {
    c.process.args = ['sleep', '1000']
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: agent.socket, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] }
  })
  const run = s.tsrunDetached(['run', '-d', '-b', s.bundle, id], 'run')
  t.equal(run.status, 0, run.stderr)
  const e = s.tsrun(['exec', id, 'sh', '-c', 'echo "res pid $$"; mkdir /tmp/made 2>&1; true'])
  t.equal(e.status, 0, e.stderr)
  t.match(e.stdout, /Block device required/, 'the agent answered the exec\'d process\'s mkdir')
  const states = agentStates(agent.out)
  t.equal(states.length, 2, 'one connection for create, one for exec')
  t.match(states[1], { fds: ['seccompFd'], fdIsListener: true, state: { id, status: 'running', pid: statePid(s, id) } })
  t.not(states[1].pid, states[1].state.pid, 'pid is the exec\'d process, the state\'s the container\'s')
})

t.test('an absent notify listener fails create with one line, and nothing is left', async (t) => {
  const s = new Sandbox(t, 'seccomp-nolistener')
  const socket = path.join(s.dir, 'none.sock')
  s.config((c) => {
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: socket, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }
  })
  const id = s.id()
  const r = s.run(id)
  t.equal(r.status, 1)
  t.equal(r.stderr, `tsrun: create ${id}: seccomp listenerPath: connect ${socket}: No such file or directory\n`)
  t.equal(s.tsrun(['state', id]).status, 1, 'no state left')
})

t.test('with no_new_privileges the filter binds only the container: tsrun-init\'s own calls are not subject to it', async (t) => {
  const s = new Sandbox(t, 'seccomp-late')
  s.config((c) => {
    c.process.args = ['sh', '-c', 'echo ran']
    // The calls the init makes after mounting (fd cleanup, the parent handshake, the fifo).
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['close_range', 'sendmsg', 'recvmsg', 'sendto', 'recvfrom'], action: 'SCMP_ACT_ERRNO' }],
    }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stdout, 'ran\n')
})

/** /proc/self/status lines "Name:\tvalue ..." as "res Name value". */
const STATUS_RES = `awk '{ sub(":", "", $1); print "res", $1, $2 }'`

t.test('every action: what the process sees, and the filter in /proc/self/status', async (t) => {
  const s = new Sandbox(t, 'seccomp-actions')
  // Each applet runs in a child shell, so a killed one reports its status.
  const probe = (name: string, cmd: string): string => `(${cmd}) 2>&1 | tail -n 1 | sed "s/^/res ${name} /"; sh -c '${cmd} >/dev/null 2>&1'; echo "res ${name}-status $?"`
  s.config((c) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', [
      `grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status | ${STATUS_RES}`,
      'touch /tmp/f /tmp/g && echo data > /tmp/t',
      probe('kill-process', 'mkdir /tmp/a'),
      probe('kill-thread', 'rmdir /tmp'),
      probe('kill', 'ln -s /tmp/f /tmp/s'),
      probe('trap', 'ln /tmp/f /tmp/h'),
      probe('errno', 'mv /tmp/f /tmp/m'),
      probe('trace', 'chmod 600 /tmp/g'),
      probe('default-errno', 'mknod /tmp/n p'),
      probe('log', 'truncate -s 0 /tmp/t'),
      'echo "res log-effect $(wc -c < /tmp/t)"',
    ].join('\n')]
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['rmdir'], action: 'SCMP_ACT_KILL_THREAD' },
        { names: ['symlink', 'symlinkat'], action: 'SCMP_ACT_KILL' },
        { names: ['link', 'linkat'], action: 'SCMP_ACT_TRAP' },
        { names: ['rename', 'renameat', 'renameat2'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOTBLK },
        { names: ['chmod', 'fchmodat', 'fchmodat2'], action: 'SCMP_ACT_TRACE' },
        { names: ['mknod', 'mknodat'], action: 'SCMP_ACT_ERRNO' },
        { names: ['truncate', 'ftruncate'], action: 'SCMP_ACT_LOG' },
      ],
    }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('Seccomp'), '2', 'filter mode')
  t.equal(res.get('Seccomp_filters'), '1', 'one filter, ours')
  t.equal(res.get('NoNewPrivs'), '1')
  const SIGSYS = 128 + 31
  for (const a of ['kill-process', 'kill-thread', 'kill', 'trap']) t.equal(res.get(`${a}-status`), String(SIGSYS), `${a}: killed by SIGSYS`)
  t.match(res.get('errno'), /Block device required/, 'ERRNO with errnoRet')
  t.match(res.get('trace'), /Function not implemented/, 'TRACE with no tracer: ENOSYS')
  t.match(res.get('default-errno'), /Operation not permitted/, 'ERRNO without errnoRet: EPERM')
  t.equal(res.get('log-status'), '0', 'LOG lets the call through')
  t.equal(res.get('log-effect'), '0', 'and it took effect')
})

// kill(2)'s second argument is the signal: "kill -N 99999" shows which N a
// rule matches (its errno) and which it lets through (ESRCH: no such pid).
const SIGNALS = [0, 5, 9, 10, 11, 20]
const OPS: Array<[string, number, number, number[]]> = [
  ['SCMP_CMP_EQ', 10, 0, [10]],
  ['SCMP_CMP_NE', 10, 0, [0, 5, 9, 11, 20]],
  ['SCMP_CMP_LT', 10, 0, [0, 5, 9]],
  ['SCMP_CMP_LE', 10, 0, [0, 5, 9, 10]],
  ['SCMP_CMP_GE', 10, 0, [10, 11, 20]],
  ['SCMP_CMP_GT', 10, 0, [11, 20]],
  ['SCMP_CMP_MASKED_EQ', 3, 1, [5, 9]],
]
const matched = (r: { stdout: string }): number[] =>
  SIGNALS.filter((n) => results(r as Parameters<typeof results>[0]).get(`sig${n}`)?.match(/cross-device link/i))
const killProbe = (pid: number): string => SIGNALS.map((n) => `echo "res sig${n} $(kill -${n} ${pid} 2>&1)"`).join('\n')

t.test('argument conditions: every operator', async (t) => {
  const s = new Sandbox(t, 'seccomp-ops')
  for (const [op, value, valueTwo, want] of OPS) {
    s.config((c) => {
      c.process.args = ['sh', '-c', killProbe(99999)]
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 18, args: [{ index: 1, op, value, valueTwo }] }],
      }
    })
    const r = s.run(s.id(`-${op.slice('SCMP_CMP_'.length).toLowerCase()}`))
    t.equal(r.status, 0, r.stderr)
    t.same(matched(r), want, `${op} ${value}${op.endsWith('MASKED_EQ') ? ` == ${valueTwo}` : ''}`)
  }
})

t.test('several conditions: different arguments AND, the same argument twice OR (as runc)', async (t) => {
  const s = new Sandbox(t, 'seccomp-args')
  s.config((c) => {
    c.process.args = ['sh', '-c', `${killProbe(99999)}\n${killProbe(99998).replace(/res sig/g, 'res other')}`]
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 18, args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 99999 }, { index: 1, op: 'SCMP_CMP_GE', value: 10 }] },
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 18, args: [{ index: 1, op: 'SCMP_CMP_EQ', value: 0 }, { index: 1, op: 'SCMP_CMP_EQ', value: 5 }] },
      ],
    }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  t.same(matched(r), [0, 5, 10, 11, 20], 'pid 99999: signal >= 10 (AND), or 0 or 5 (OR)')
  const other = SIGNALS.filter((n) => results(r).get(`other${n}`)?.match(/cross-device link/i))
  t.same(other, [0, 5], 'another pid: only the OR rule')
})

t.test('the filter flags are accepted by the kernel', async (t) => {
  const s = new Sandbox(t, 'seccomp-flags')
  s.config((c) => {
    c.process.args = ['sh', '-c', 'grep -E "^Seccomp:" /proc/self/status']
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^Seccomp:\s+2$/m)
})

t.test('without no_new_privileges a non-root user still gets the filter: installed before the caps go', async (t) => {
  const s = new Sandbox(t, 'seccomp-user')
  s.config((c) => {
    c.root.readonly = false
    c.process.user = { uid: 1000, gid: 1000 }
    c.process.noNewPrivileges = false
    c.process.args = ['sh', '-c', `grep -E "^(Seccomp|NoNewPrivs|CapEff|CapBnd|CapAmb|Uid):" /proc/self/status | ${STATUS_RES}; mkdir /tmp/x 2>&1 | sed "s/^/res mkdir /"`]
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 18 }] }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('Uid'), '1000')
  t.equal(res.get('Seccomp'), '2')
  t.equal(res.get('NoNewPrivs'), '0')
  t.equal(res.get('CapEff'), '0000000000000000', 'no capability left, yet the filter is in')
  t.equal(res.get('CapBnd'), '0000000020000420')
  t.equal(res.get('CapAmb'), '0000000000000000')
  t.match(res.get('mkdir'), /cross-device link/i)
})


t.test('a bad profile is one line naming the entry, before any side effect', async (t) => {
  const s = new Sandbox(t, 'seccomp-bad')
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown action', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOPE' }] }, /\/linux\/seccomp\/syscalls\/0\/action: must be equal to one of the allowed values/],
    ['arch libseccomp lacks', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_M68K'] }, /\/linux\/seccomp\/architectures\/1: SCMP_ARCH_M68K is not supported/],
    ['unknown arch', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_Z80'] }, /\/linux\/seccomp\/architectures\/0: must be equal to one of the allowed values/],
    ['argument index 6', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, /\/linux\/seccomp\/syscalls\/0\/args\/0\/index: syscall argument index 6 is out of range/],
    ['unknown operator', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 1, op: 'SCMP_CMP_ABOUT' }] }] }, /\/linux\/seccomp\/syscalls\/0\/args\/0\/op: must be equal to one of the allowed values/],
    ['unknown flag', { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NOPE'] }, /\/linux\/seccomp\/flags\/0: must be equal to one of the allowed values/],
    ['errnoRet on a kill rule', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] }, /\/linux\/seccomp\/syscalls\/0\/errnoRet: errno return code is not supported/],
  ]
  for (const [name, profile, why] of bad) {
    s.config((c) => { c.linux.seccomp = profile })
    const id = s.id(`-${name.replace(/\W+/g, '-')}`)
    const r = s.run(id)
    t.equal(r.status, 1, `${name}: refused`)
    t.match(r.stderr, new RegExp(`^tsrun: [^\\n]*config\\.json: ${why.source}[^\\n]*\\n$`), `${name}: one line naming the entry`)
    t.notOk(fs.existsSync(path.join(s.root, id)), `${name}: no state dir`)
  }
})
