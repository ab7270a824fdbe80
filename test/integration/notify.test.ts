// NOTIFY_SOCKET, as podman --sdnotify=container and a systemd unit use it:
// tsrun gives the container a socket of its own at /run/notify/notify.sock,
// waits for the container's READY=1 and passes it on to the host's socket
// with MAINPID and a BARRIER, as runc does. The host's side is a python
// datagram receiver; the container's sd_notify is a static C program (the
// busybox image has none).
import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Sandbox, cliArgv, cliEnv, skipReason, statePid, waitFor } from './harness'

const tools = spawnSync('python3', ['--version']).status === 0 && spawnSync('gcc', ['--version']).status === 0
const skip = skipReason() ?? (tools ? null : 'python3 and gcc are needed: the host receiver and the container sender')
if (skip) t.plan(0, skip)

// Prints each datagram and how many fds came with it, closes those fds (a
// barrier's pipe end: closing it is the acknowledgement), ends after BARRIER.
const RECEIVER = String.raw`
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('listening', flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(16))
    fds = []
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += array.array('i', data[:len(data) - len(data) % 4])
    print('msg %r fds %d' % (msg.decode(), len(fds)), flush=True)
    for fd in fds:
        os.close(fd)
    if msg.startswith(b'BARRIER=1'):
        break
`

// sd_notify(0, argv[1]) without libsystemd.
const SENDER = String.raw`
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
int main(int argc, char **argv) {
  const char *p = getenv("NOTIFY_SOCKET");
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (argc != 2 || !p) return 2;
  strncpy(a.sun_path, p, sizeof a.sun_path - 1);
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  return sendto(s, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&a, sizeof a) < 0;
}
`

function setup(t: Test, name: string) {
  const s = new Sandbox(t, name)
  const src = path.join(s.dir, 'notify.c')
  fs.writeFileSync(src, SENDER)
  const cc = spawnSync('gcc', ['-static', '-O1', '-o', path.join(s.bundle, 'rootfs', 'bin', 'sd-notify'), src], { encoding: 'utf8' })
  if (cc.status !== 0) throw new Error(`gcc: ${cc.stderr}`)
  const host = path.join(s.dir, 'host.sock')
  const recv = spawn('python3', ['-c', RECEIVER, host], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { if (recv.exitCode === null) recv.kill('SIGKILL') })
  let out = ''
  recv.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  const done = new Promise<void>((resolve) => recv.on('close', () => resolve()))
  return { s, host, out: () => out, done }
}

/**
 * The CLI with NOTIFY_SOCKET set; stdout and stderr on files: a detached
 * container keeps them, and spawnSync would wait for a pipe to close.
 */
function withNotify(s: Sandbox, host: string, args: string[]) {
  const out = fs.openSync(path.join(s.dir, 'cli.out'), 'w')
  const errFile = path.join(s.dir, 'cli.err')
  const err = fs.openSync(errFile, 'w')
  try {
    const r = spawnSync(...cliArgv(['--root', s.root, ...args]),
      { env: { ...cliEnv(), NOTIFY_SOCKET: host }, stdio: ['ignore', out, err], timeout: 60_000 })
    return { status: r.status, stderr: fs.readFileSync(errFile, 'utf8') }
  } finally {
    fs.closeSync(out)
    fs.closeSync(err)
  }
}

const READY_AFTER_STATUS = 'echo "$NOTIFY_SOCKET" > /dev/shm/env; sd-notify STATUS=starting; sd-notify READY=1; exec sleep 1000'

t.test('run -d waits for READY=1 and passes it on with MAINPID and a barrier', async (t) => {
  const { s, host, out, done } = setup(t, 'notify-run')
  t.ok(await waitFor(() => out().includes('listening')))
  s.config((c) => { c.process.args = ['sh', '-c', READY_AFTER_STATUS] })
  const id = s.id()
  const r = withNotify(s, host, ['run', '-d', '-b', s.bundle, id])
  t.equal(r.status, 0, r.stderr)
  await done
  const pid = statePid(s, id)
  t.equal(out(), `listening\nmsg 'READY=1\\n' fds 0\nmsg 'MAINPID=${pid}\\n' fds 0\nmsg 'BARRIER=1' fds 1\n`,
    'READY=1 (not STATUS=), the container\'s pid, then a barrier with its pipe')
  t.equal(fs.readFileSync(`/proc/${pid}/root/dev/shm/env`, 'utf8'), '/run/notify/notify.sock\n', 'the container has its own socket')
  const mount = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/run/notify')
  t.match(mount, /^\S+ \S+ \S+ \S+ \/run\/notify ro,nosuid,nodev,noexec/, 'bind-mounted read-only')
})

t.test('create, then start: start binds the socket and waits for READY=1', async (t) => {
  const { s, host, out, done } = setup(t, 'notify-start')
  t.ok(await waitFor(() => out().includes('listening')))
  s.config((c) => { c.process.args = ['sh', '-c', READY_AFTER_STATUS] })
  const id = s.id()
  t.equal(withNotify(s, host, ['create', '-b', s.bundle, id]).status, 0)
  t.equal(out().trim(), 'listening', 'nothing before start')
  const r = withNotify(s, host, ['start', id])
  t.equal(r.status, 0, r.stderr)
  await done
  t.equal(out(), `listening\nmsg 'READY=1\\n' fds 0\nmsg 'MAINPID=${statePid(s, id)}\\n' fds 0\nmsg 'BARRIER=1' fds 1\n`)
})

t.test('a container that exits without READY=1: start returns, nothing is sent', async (t) => {
  const { s, host, out } = setup(t, 'notify-exit')
  t.ok(await waitFor(() => out().includes('listening')))
  s.config((c) => { c.process.args = ['sh', '-c', 'sd-notify STATUS=bye; exit 0'] })
  const id = s.id()
  const r = withNotify(s, host, ['run', '-d', '-b', s.bundle, id])
  t.equal(r.status, 0, r.stderr)
  t.equal(out().trim(), 'listening', 'no READY, no MAINPID')
})
