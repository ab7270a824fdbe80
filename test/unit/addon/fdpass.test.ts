// connectUnix + sendFd against a tiny C receiver (Node cannot receive
// SCM_RIGHTS), as go-runc's console socket would receive the pty master.
import t from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { execFileSync, spawn } from 'child_process'
import { once } from 'events'
import { addon } from '../../../src/addon'

// Accepts one connection, receives one message with one fd, prints the
// message and the first bytes read from the fd.
const RECEIVER = `
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1)) return 2;
  printf("ready\\n"); fflush(stdout);
  int c = accept(l, 0, 0);
  char name[256] = {0}, data[64] = {0};
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
  struct iovec iov = {name, sizeof name - 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  if (recvmsg(c, &mh, 0) < 0) return 3;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  if (!cm || cm->cmsg_type != SCM_RIGHTS) return 4;
  int fd; memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  if (pread(fd, data, sizeof data - 1, 0) < 0) return 5;
  printf("%s|%s\\n", name, data);
  return 0;
}
`

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-addon-fdpass-'))
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
const receiver = path.join(dir, 'receiver')
fs.writeFileSync(receiver + '.c', RECEIVER)
execFileSync('gcc', ['-O2', '-o', receiver, receiver + '.c'])

t.test('sendFd passes an open fd and its name over connectUnix', async (t) => {
  const sockPath = path.join(dir, 'console.sock')
  const child = spawn(receiver, [sockPath], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  while (!out.includes('ready')) await once(child.stdout, 'data')

  const file = path.join(dir, 'payload')
  fs.writeFileSync(file, 'secret')
  const fd = fs.openSync(file, 'r')
  const sock = addon.connectUnix(sockPath)
  addon.sendFd(sock, fd, 'console')
  fs.closeSync(fd)
  fs.closeSync(sock)
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
  t.equal(out, 'ready\nconsole|secret\n')
})

t.test('connectUnix errors name the path', async (t) => {
  const missing = path.join(dir, 'nobody.sock')
  t.throws(() => addon.connectUnix(missing), { code: 'ENOENT', syscall: 'connect', path: missing })
  t.throws(() => addon.connectUnix('/' + 'x'.repeat(200)), { code: 'ENAMETOOLONG' })
})
