// linux.seccomp: the profile compiled by libseccomp in the parent is the
// filter the container process runs under (the full action/flag matrix is
// the isolation issue's; this checks the path end to end).
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Sandbox, skipReason, statePid } from './harness'

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
