// The far end of --console-socket and --pidfd-socket, as go-runc's
// console.go NewTempConsoleSocket and containerd's pidfd socket are: listen
// on a path, accept one connection, receive one message carrying fds.
// Node can't receive SCM_RIGHTS, so it is a small C program compiled here.
// It prints "received name=<data> fds=<count>" and then, for a pty master,
// "pty=<n>" and everything read from the master until the slave side is
// gone; for a pidfd, "pid=<the pid its fdinfo names>".
import type { Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Sandbox, waitFor } from './harness'

export const haveGcc = spawnSync('gcc', ['--version']).status === 0

const SOURCE = `
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
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
  union { char buf[CMSG_SPACE(sizeof(int) * 8)]; struct cmsghdr align; } ctl;
  struct iovec iov = { name, sizeof name - 1 };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
  if (recvmsg(c, &m, 0) < 0) { perror("recvmsg"); return 1; }
  struct cmsghdr *h = CMSG_FIRSTHDR(&m);
  if (h == NULL || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS || CMSG_NXTHDR(&m, h) != NULL) {
    fprintf(stderr, "not one SCM_RIGHTS item\\n");
    return 1;
  }
  int nfds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int), fd;
  memcpy(&fd, CMSG_DATA(h), sizeof fd);
  printf("received name=%s fds=%d", name, nfds);
  unsigned ptn;
  if (ioctl(fd, TIOCGPTN, &ptn) < 0) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
      if (strncmp(line, "Pid:", 4) == 0)
        printf(" pid=%ld\\n", strtol(line + 4, NULL, 10));
    return 0;
  }
  printf(" pty=%u\\n", ptn);
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

export interface Receiver {
  sock: string
  /** what it printed so far */
  out(): string
  err(): string
  /** its exit code once it has read until the sender side closed */
  exited: Promise<number | null>
}

/** Compiles (once per sandbox) and starts a receiver listening on <dir>/<name>.sock. */
export async function startReceiver(t: Test, s: Sandbox, name: string): Promise<Receiver> {
  const bin = path.join(s.dir, 'recv')
  if (!fs.existsSync(bin)) {
    fs.writeFileSync(bin + '.c', SOURCE)
    const cc = spawnSync('gcc', ['-O1', '-Wall', '-o', bin, bin + '.c'], { encoding: 'utf8' })
    if (cc.status !== 0) throw new Error(`gcc: ${cc.stderr}`)
  }
  const sock = path.join(s.dir, `${name}.sock`)
  const child = spawn(bin, [sock], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  if (!await waitFor(() => out.includes('listening') || child.exitCode !== null)) throw new Error('receiver never listened')
  return { sock, out: () => out, err: () => err, exited }
}
