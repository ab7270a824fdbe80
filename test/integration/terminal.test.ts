// process.terminal with --console-socket, as containerd's shim and podman's
// conmon use it: create connects to the socket and sends the pty master over
// SCM_RIGHTS (go-runc's console.go NewTempConsoleSocket receives it); the
// container's stdio is the pty slave, so what it prints is read from the
// master. Node can't receive SCM_RIGHTS, so the receiver is a small C program
// compiled here.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Sandbox, skipReason, waitFor } from './harness'

const gcc = spawnSync('gcc', ['--version']).status === 0
const skip = skipReason() ?? (gcc ? null : 'gcc missing: the console receiver is compiled at test time')
if (skip) t.plan(0, skip)

// Listens on argv[1], accepts one connection, receives one message with an
// fd, reports the message text and the pty number (TIOCGPTN: it is a pty
// master), then copies the master to stdout until the slave side is gone.
const RECEIVER = `
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1) < 0) { perror("listen"); return 1; }
  printf("listening\\n");
  fflush(stdout);
  int c = accept(s, NULL, NULL);
  if (c < 0) { perror("accept"); return 1; }
  char name[256] = { 0 };
  char cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { name, sizeof name - 1 };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  if (recvmsg(c, &m, 0) < 0) { perror("recvmsg"); return 1; }
  struct cmsghdr *h = CMSG_FIRSTHDR(&m);
  if (h == NULL || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no fd\\n"); return 1; }
  int fd;
  memcpy(&fd, CMSG_DATA(h), sizeof fd);
  unsigned ptn;
  if (ioctl(fd, TIOCGPTN, &ptn) < 0) { perror("TIOCGPTN"); return 1; }
  printf("received name=%s pty=%u\\n", name, ptn);
  fflush(stdout);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    fwrite(buf, 1, n, stdout);
    fflush(stdout);
  }
  return 0;
}
`

t.test('--console-socket: the pty master reaches the socket, the container writes to the pty', async (t) => {
  const s = new Sandbox(t, 'term')
  const src = path.join(s.dir, 'recv.c')
  const bin = path.join(s.dir, 'recv')
  fs.writeFileSync(src, RECEIVER)
  const cc = spawnSync('gcc', ['-O1', '-Wall', '-o', bin, src], { encoding: 'utf8' })
  t.equal(cc.status, 0, cc.stderr)

  const sock = path.join(s.dir, 'console.sock')
  const recv = spawn(bin, [sock], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (recv.exitCode === null) recv.kill('SIGKILL') })
  let out = ''
  let err = ''
  recv.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  recv.stderr.setEncoding('utf8').on('data', (d: string) => { err += d })
  const exited = new Promise<number | null>((resolve) => recv.on('close', (code) => resolve(code)))
  t.ok(await waitFor(() => out.includes('listening')), 'receiver listening')

  s.config((c) => {
    c.process.terminal = true
    // Each line proves one thing: stdin, stdout and stderr are the pty, the
    // pty is the controlling terminal of a session led by the container process.
    c.process.args = ['sh', '-c', '[ -t 0 ] && echo stdin-tty; tty; echo to-stderr >&2; ' +
      'echo "sid=$(cut -d" " -f6 /proc/self/stat) tty_nr=$(cut -d" " -f7 /proc/self/stat)"; echo done']
  })
  const id = s.id()
  const c = s.tsrunDetached(['create', '--console-socket', sock, '-b', s.bundle, id], 'create')
  t.equal(c.status, 0, c.stderr)
  t.equal(c.stdout + c.stderr, '', 'nothing on create\'s own stdio: the container has the pty')
  t.ok(await waitFor(() => out.includes('received')), `the receiver got an fd: ${out}${err}`)
  t.match(out, /received name=\S* pty=0\n/, 'a pty master, the first pty of the container devpts')

  const start = s.tsrun(['start', id])
  t.equal(start.status, 0, start.stderr)
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([exited, new Promise<string>((r) => { timer = setTimeout(() => r('timeout'), 10_000) })])
  clearTimeout(timer)
  t.equal(code, 0, `the receiver read until the container closed the pty: ${err}`)
  const tty = out.slice(out.indexOf('\n', out.indexOf('received')) + 1)
  // The pty's line discipline turns \n into \r\n (onlcr).
  t.match(tty, /^stdin-tty\r\n\/dev\/pts\/0\r\nto-stderr\r\nsid=1 tty_nr=\d+\r\ndone\r\n$/, JSON.stringify(tty))
  t.notMatch(tty, /tty_nr=0\r/, 'the pty is the controlling terminal')
  t.equal(fs.readFileSync(c.outFile, 'utf8') + fs.readFileSync(c.errFile, 'utf8'), '', 'nothing went to the stdio create had')
  t.ok(await waitFor(() => JSON.parse(s.tsrun(['state', id]).stdout).status === 'stopped'))
  t.equal(s.tsrun(['delete', id]).status, 0)
})

t.test("a pty and a console socket go together, as runc checks before anything is made", async (t) => {
  const s = new Sandbox(t, 'term-checks')
  const sock = path.join(s.dir, 'nobody-listens.sock')
  const cases: [string, boolean, string[], RegExp][] = [
    ['create, terminal, no socket', true, ['create'], /cannot allocate tty if tsrun will detach without setting console socket/],
    ['run -d, terminal, no socket', true, ['run', '-d'], /cannot allocate tty if tsrun will detach without setting console socket/],
    ['create, no terminal, a socket', false, ['create', '--console-socket', sock], /cannot use console socket if tsrun will not detach or allocate tty/],
    ['run, terminal, a socket', true, ['run', '--console-socket', sock], /cannot use console socket if tsrun will not detach or allocate tty/],
  ]
  for (const [what, terminal, args, message] of cases) {
    s.config((c) => { c.process.terminal = terminal })
    const id = s.id()
    const r = s.tsrunDetached([...args, '-b', s.bundle, id], 'create')
    t.equal(r.status, 1, what)
    t.match(r.stderr, message, `${what}: ${r.stderr.trim()}`)
    t.equal(r.stderr.split('\n').length, 2, 'one line')
    t.notOk(fs.existsSync(s.root), `${what}: no state root made`)
  }
})
