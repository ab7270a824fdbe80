// spawnInit, sendMsg/recvMsg and the pidfd calls, against a tiny static echo
// init built in a temp dir (the real tsrun-init is tested elsewhere).
// Needs root (namespaces) and gcc with a static libc.
import t, { Test } from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { execFileSync } from 'child_process'
import { addon, SpawnResult } from '../../../src/addon'

const CLONE_NEWNS = 0x00020000
const CLONE_NEWUTS = 0x04000000
const CLONE_NEWIPC = 0x08000000
const CLONE_NEWUSER = 0x10000000
const CLONE_NEWPID = 0x20000000
const CLONE_NEWNET = 0x40000000
const SIGKILL = 9
const SIGCONT = 18
const SIGSTOP = 19
const SIGTERM = 15
const SIGUSR2 = 12

// Echoes each message back; message type 2 makes it exit with payload[0].
// Unblocks signals first, as the real init does (spawnInit leaves all blocked).
const ECHO_INIT = `
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
  sigset_t none; sigemptyset(&none); sigprocmask(SIG_SETMASK, &none, 0);
  if (argc != 2) return 100;
  int sock = atoi(argv[1]);
  static unsigned char buf[1 << 17];
  for (;;) {
    long n = recv(sock, buf, sizeof buf, 0);
    if (n <= 0) return 0;
    if (buf[0] == 2 && n > 4) return buf[4];
    send(sock, buf, n, 0);
  }
}
`

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-addon-spawn-'))
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
const init = path.join(dir, 'echo-init')
fs.writeFileSync(init + '.c', ECHO_INIT)
execFileSync('gcc', ['-static', '-O2', '-o', init, init + '.c'])

/** Spawns the echo init; teardown kills it (if alive), reaps it and closes its fds. */
function spawn(tt: Test, flags = 0, fds: number[] = []): SpawnResult {
  const r = addon.spawnInit(init, flags, fds)
  tt.teardown(async () => {
    try { addon.pidfdSendSignal(r.pidfd, SIGKILL) } catch { /* already exited */ }
    try { await addon.waitPidfd(r.pidfd) } catch { /* already reaped by the test */ }
    fs.closeSync(r.pidfd)
    fs.closeSync(r.sock)
  })
  return r
}

const exitWith = (r: SpawnResult, code: number) => addon.sendMsg(r.sock, 2, Buffer.from([code]))

t.test('init runs from a sealed memfd with argv [tsrun-init, sockfd] and no env', async (t) => {
  const r = spawn(t)
  t.equal(fs.readlinkSync(`/proc/${r.pid}/exe`), '/memfd:tsrun-init (deleted)')
  const argv = fs.readFileSync(`/proc/${r.pid}/cmdline`, 'utf8').split('\0').slice(0, -1)
  t.equal(argv[0], 'tsrun-init')
  t.match(argv[1], /^\d+$/)
  t.ok(fs.existsSync(`/proc/${r.pid}/fd/${argv[1]}`), 'the socket fd named in argv is open')
  t.equal(fs.readFileSync(`/proc/${r.pid}/environ`, 'utf8'), '')
})

t.test('messages round-trip: type, payload, empty, large, a view', async (t) => {
  const r = spawn(t)
  addon.sendMsg(r.sock, 7, Buffer.from('hello'))
  const m = addon.recvMsg(r.sock, 5000)
  t.equal(m?.type, 7)
  t.equal(m?.payload.toString(), 'hello')
  addon.sendMsg(r.sock, 0xfffffffe)
  const e = addon.recvMsg(r.sock, 5000)
  t.equal(e?.type, 0xfffffffe, 'u32 type survives')
  t.equal(e?.payload.length, 0)
  const big = Buffer.alloc(100_000, 0xab)
  addon.sendMsg(r.sock, 3, new Uint8Array(big))
  t.same(addon.recvMsg(r.sock, 5000)?.payload, big)
  addon.sendMsg(r.sock, 4, Buffer.from('xxviewxx').subarray(2, 6))
  t.equal(addon.recvMsg(r.sock, 5000)?.payload.toString(), 'view', 'a view sends only its own bytes')
})

t.test('recvMsg: ETIMEDOUT when nothing comes, null on EOF', async (t) => {
  const r = spawn(t)
  t.throws(() => addon.recvMsg(r.sock, 30), { code: 'ETIMEDOUT', syscall: 'recvmsg' })
  exitWith(r, 0)
  t.equal(addon.recvMsg(r.sock, 5000), null)
  t.same(await addon.waitPidfd(r.pidfd), { code: 0, signal: null })
})

t.test('recvMsg: an init that exits with our messages unread is EOF too (not ECONNRESET)', async (t) => {
  const r = spawn(t)
  // Stopped, so both messages are queued before it reads the first and exits.
  addon.pidfdSendSignal(r.pidfd, SIGSTOP)
  exitWith(r, 3)
  addon.sendMsg(r.sock, 7, Buffer.from('never read'))
  addon.pidfdSendSignal(r.pidfd, SIGCONT)
  t.same(await addon.waitPidfd(r.pidfd), { code: 3, signal: null })
  t.equal(addon.recvMsg(r.sock, 5000), null)
  t.throws(() => addon.sendMsg(r.sock, 7), { code: 'EPIPE', syscall: 'sendmsg' }, 'no SIGPIPE')
})

t.test('only inheritFds (and the socket) survive the exec', async (t) => {
  const kept = fs.openSync(init + '.c', 'r') // Node opens with O_CLOEXEC
  const dropped = fs.openSync(init + '.c', 'r')
  t.teardown(() => { fs.closeSync(kept); fs.closeSync(dropped) })
  const r = spawn(t, 0, [kept])
  t.ok(fs.existsSync(`/proc/${r.pid}/fd/${kept}`), 'inherited fd is open in the init')
  t.notOk(fs.existsSync(`/proc/${r.pid}/fd/${dropped}`), 'other CLOEXEC fd is closed in the init')
  t.notOk(fs.existsSync(`/proc/${r.pid}/fd/${r.sock}`), "the parent's socket end is not inherited")
  const flags = /flags:\s+(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${kept}`, 'utf8'))![1]
  t.ok(parseInt(flags, 8) & 0o2000000, 'the parent keeps CLOEXEC on its copy')
})

t.test('clone flags give the init new namespaces', async (t) => {
  const r = spawn(t, CLONE_NEWUTS | CLONE_NEWPID)
  t.not(fs.readlinkSync(`/proc/${r.pid}/ns/uts`), fs.readlinkSync('/proc/self/ns/uts'))
  t.not(fs.readlinkSync(`/proc/${r.pid}/ns/pid`), fs.readlinkSync('/proc/self/ns/pid'))
  const nspid = /NSpid:\s+(.*)/.exec(fs.readFileSync(`/proc/${r.pid}/status`, 'utf8'))![1].split(/\s+/)
  t.same(nspid, [String(r.pid), '1'], 'the init is pid 1 in its namespace')

  const all = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET
  const u = spawn(t, all)
  for (const ns of ['user', 'mnt', 'pid', 'uts', 'ipc', 'net']) {
    t.not(fs.readlinkSync(`/proc/${u.pid}/ns/${ns}`), fs.readlinkSync(`/proc/self/ns/${ns}`), `new ${ns} namespace`)
  }
  t.equal(fs.readFileSync(`/proc/${u.pid}/uid_map`, 'utf8'), '', 'uid_map not written yet: the parent does that')
  addon.sendMsg(u.sock, 7, Buffer.from('still talking'))
  t.equal(addon.recvMsg(u.sock, 5000)?.payload.toString(), 'still talking')
})

t.test('waitPidfd reports exit code or signal; reapPidfd is non-blocking', async (t) => {
  const a = spawn(t)
  t.equal(addon.reapPidfd(a.pidfd), null, 'still running')
  exitWith(a, 42)
  t.same(await addon.waitPidfd(a.pidfd), { code: 42, signal: null })

  const b = spawn(t)
  addon.pidfdSendSignal(b.pidfd, SIGTERM)
  t.same(await addon.waitPidfd(b.pidfd), { code: null, signal: SIGTERM })

  const c = spawn(t)
  addon.pidfdSendSignal(c.pidfd, SIGKILL)
  let status = null
  for (let i = 0; i < 200 && status === null; i++) {
    status = addon.reapPidfd(c.pidfd)
    if (status === null) await new Promise((res) => setTimeout(res, 10))
  }
  t.same(status, { code: null, signal: SIGKILL })
  await t.rejects(addon.waitPidfd(c.pidfd), { code: 'ECHILD', syscall: 'waitid' }, 'already reaped')
})

t.test('forwardSignals holds tsrun\'s signals, then passes them on while waitPidfdSync blocks; stopForwarding restores', async (t) => {
  const a = spawn(t)
  const before = process.listenerCount('SIGUSR2')
  addon.forwardSignals(a.pidfd, [SIGTERM])
  let stopped = false
  t.teardown(() => { if (!stopped) addon.stopForwarding() })
  // Raised at ourselves: had it not been forwarded, the default action would end this test run.
  process.kill(process.pid, 'SIGTERM')
  await new Promise((res) => setTimeout(res, 100))
  t.equal(addon.reapPidfd(a.pidfd), null, 'held before releaseSignals: the child runs on')
  addon.releaseSignals()
  t.same(addon.waitPidfdSync(a.pidfd), { code: null, signal: SIGTERM }, 'the child got our TERM and was reaped')
  addon.stopForwarding()
  stopped = true
  t.throws(() => addon.waitPidfdSync(a.pidfd), { code: 'ECHILD', syscall: 'waitid' }, 'already reaped')

  // After stopForwarding the old disposition is back: a handler of ours gets the signal, not the child.
  const b = spawn(t)
  const got = new Promise<void>((res) => process.once('SIGUSR2', () => res()))
  addon.forwardSignals(b.pidfd, [SIGUSR2])
  addon.stopForwarding()
  // Node's signal watcher does not hold the event loop open: the timer does, until it arrives.
  const keep = setTimeout(() => {}, 10_000)
  process.kill(process.pid, 'SIGUSR2')
  await got
  clearTimeout(keep)
  t.equal(addon.reapPidfd(b.pidfd), null, 'the child did not get it')
  t.equal(process.listenerCount('SIGUSR2'), before)
  exitWith(b, 5)
  t.same(addon.waitPidfdSync(b.pidfd), { code: 5, signal: null })
})

t.test('pidfdOpen', async (t) => {
  const fd = addon.pidfdOpen(process.pid)
  t.ok(fs.existsSync(`/proc/self/fd/${fd}`))
  fs.closeSync(fd)
  t.throws(() => addon.pidfdOpen(0x3fffffff), { code: 'ESRCH', syscall: 'pidfd_open' })
  t.throws(() => addon.pidfdSendSignal(-1, 0), { code: 'EBADF', syscall: 'pidfd_send_signal' })
})

t.test('setChildSubreaper', async (t) => {
  t.doesNotThrow(() => addon.setChildSubreaper())
})

t.test('spawnInit failures name the syscall and leave no child behind', async (t) => {
  const missing = path.join(dir, 'missing')
  t.throws(() => addon.spawnInit(missing, 0, []), { code: 'ENOENT', syscall: 'open', path: missing, errno: -2 })
  t.throws(() => addon.spawnInit(init + '.c', 0, []), {
    code: 'ENOEXEC', syscall: 'execveat', message: `execveat ${init}.c: Exec format error`,
  })
  t.throws(() => addon.spawnInit(init, 0, [987654]), { code: 'EBADF', syscall: 'fcntl' })
  t.throws(() => addon.spawnInit(init, 0x80, []), { code: 'EINVAL', syscall: 'clone' }, 'CSIGNAL bits refused')
  // The failed exec's child was reaped inside spawnInit: we have no zombie.
  const kids = fs.readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
  for (const pid of kids) t.not(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2], 'Z', `child ${pid} is no zombie`)
})

// The first cgroup2 mount (the hybrid host's /sys/fs/cgroup/unified, or /sys/fs/cgroup on v2).
const cgroup2 = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
  .map((l) => l.split(' ')).find((f) => f[f.indexOf('-') + 1] === 'cgroup2')?.[4]

t.test('spawnInit with a cgroup2 dir creates the child in it; a non-cgroup2 dir is refused', { skip: !cgroup2 && 'no cgroup2 mount' }, async (t) => {
  const name = `tsrun-spawn-test-${process.pid}`
  const cg = path.join(cgroup2!, name)
  fs.mkdirSync(cg)
  t.teardown(() => fs.rmdirSync(cg))
  const r = addon.spawnInit(init, 0, [], cg)
  try {
    t.equal(r.intoCgroup, true, 'clone3 CLONE_INTO_CGROUP (Linux 5.7+)')
    const line = fs.readFileSync(`/proc/${r.pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))
    t.equal(line, `0::/${path.relative(cgroup2!, cg)}`, 'born in the cgroup')
    t.equal(fs.readFileSync(path.join(cg, 'cgroup.procs'), 'utf8').trim(), String(r.pid))
    exitWith(r, 3)
    t.same(await addon.waitPidfd(r.pidfd), { code: 3, signal: null }, 'a normal child: runs, exits, is reaped')
  } finally {
    fs.closeSync(r.pidfd)
    fs.closeSync(r.sock)
  }
  // EBADF from the kernel: not a cgroup2 directory. Not a reason to fall back.
  t.throws(() => addon.spawnInit(init, 0, [], dir), { code: 'EBADF', syscall: 'clone3', path: dir })
  t.throws(() => addon.spawnInit(init, 0, [], path.join(dir, 'missing')), { code: 'ENOENT', syscall: 'open' })
})
