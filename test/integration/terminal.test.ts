// process.terminal with --console-socket, as containerd's shim and podman's
// conmon use it: create connects to the socket and sends the pty master over
// SCM_RIGHTS (go-runc's console.go NewTempConsoleSocket receives it); the
// container's stdio is the pty slave, so what it prints is read from the
// master (receiver.ts). Without a console socket, run and exec in the
// foreground relay the pty themselves: driven here through a real pty.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Sandbox, cliArgv, cliEnv, parseMountinfo, results, skipReason, statePid, waitFor } from './harness'
import { haveGcc, startReceiver } from './receiver'

const skip = skipReason() ?? (haveGcc ? null : 'gcc missing: the console receiver is compiled at test time')
if (skip) t.plan(0, skip)

t.test('--console-socket: the pty master reaches the socket, the container writes to the pty', async (t) => {
  const s = new Sandbox(t, 'term')
  const recv = await startReceiver(t, s, 'console')
  const sock = recv.sock
  const exited = recv.exited
  s.config((c) => {
    c.process.terminal = true
    c.process.consoleSize = { height: 41, width: 132 }
    // Each line proves one thing: stdin, stdout and stderr are the pty, the
    // pty is the controlling terminal of a session led by the container
    // process, and it has the config's size.
    c.process.args = ['sh', '-c', '[ -t 0 ] && echo stdin-tty; tty; echo to-stderr >&2; ' +
      'echo "sid=$(cut -d" " -f6 /proc/self/stat) tty_nr=$(cut -d" " -f7 /proc/self/stat)"; stty size; echo done']
  })
  const id = s.id()
  const c = s.tsrunDetached(['create', '--console-socket', sock, '-b', s.bundle, id], 'create')
  t.equal(c.status, 0, c.stderr)
  t.equal(c.stdout + c.stderr, '', 'nothing on create\'s own stdio: the container has the pty')
  t.ok(await waitFor(() => recv.out().includes('received')), `the receiver got an fd: ${recv.out()}${recv.err()}`)
  t.match(recv.out(), /received name=\/dev\/pts\/0 fds=1 pty=0\n/, 'the pty name and only the master: the first pty of the container devpts')

  const start = s.tsrun(['start', id])
  t.equal(start.status, 0, start.stderr)
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([exited, new Promise<string>((r) => { timer = setTimeout(() => r('timeout'), 10_000) })])
  clearTimeout(timer)
  t.equal(code, 0, `the receiver read until the container closed the pty: ${recv.err()}`)
  const out = recv.out()
  const tty = out.slice(out.indexOf('\n', out.indexOf('received')) + 1)
  // The pty's line discipline turns \n into \r\n (onlcr).
  t.match(tty, /^stdin-tty\r\n\/dev\/pts\/0\r\nto-stderr\r\nsid=1 tty_nr=\d+\r\n41 132\r\ndone\r\n$/, JSON.stringify(tty))
  t.notMatch(tty, /tty_nr=0\r/, 'the pty is the controlling terminal')
  t.equal(fs.readFileSync(c.outFile, 'utf8') + fs.readFileSync(c.errFile, 'utf8'), '', 'nothing went to the stdio create had')
  t.ok(await waitFor(() => JSON.parse(s.tsrun(['state', id]).stdout).status === 'stopped'))
  t.equal(s.tsrun(['delete', id]).status, 0)
})

t.test('/dev/console is the pty, bound over it as runc does (config-linux.md "Default Devices")', async (t) => {
  const s = new Sandbox(t, 'term-console')
  s.config((c) => {
    c.process.terminal = true
    c.process.args = ['sh', '-c', [
      'echo "res tty $(tty)"',
      'echo "res mounts $(grep -c " /dev/console " /proc/self/mountinfo)"',
      'echo "res mnt $(grep " /dev/console " /proc/self/mountinfo)"',
      'echo "res console $(stat -c %t:%T /dev/console)"',
      'echo "res stdin $(stat -L -c %t:%T /proc/self/fd/0)"',
    ].join('; ')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  // run relays the pty, whose line discipline ends lines with \r\n.
  const res = results({ ...r, stdout: r.stdout.replace(/\r/g, '') })
  const pts = /^\/dev\/pts\/(\d+)$/.exec(res.get('tty') ?? '')
  t.ok(pts, `stdin is a pty of the container: ${res.get('tty')}`)
  t.equal(res.get('mounts'), '1', 'one mount on /dev/console')
  const [m] = parseMountinfo(res.get('mnt') ?? '')
  t.match(m, { fstype: 'devpts', root: `/${pts?.[1]}`, mountPoint: '/dev/console' }, 'a bind of that pty from the container\'s devpts')
  t.match(res.get('console'), /^88:\d+$/, 'a pty slave (major 136)')
  t.equal(res.get('console'), res.get('stdin'), 'the same device as stdin')
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

t.test('exec -t -d --console-socket --pidfd-socket, as conmon and the shim call it', async (t) => {
  const s = new Sandbox(t, 'term-exec')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const id = s.id()
  t.equal(s.tsrunDetached(['run', '-d', '-b', s.bundle, id], 'run').status, 0)
  const consoleRecv = await startReceiver(t, s, 'console')
  const pidfdRecv = await startReceiver(t, s, 'pidfd')
  const proc = path.join(s.dir, 'process.json')
  fs.writeFileSync(proc, JSON.stringify({
    terminal: true, consoleSize: { height: 25, width: 90 }, user: { uid: 0, gid: 0 }, cwd: '/', env: ['PATH=/bin'],
    args: ['sh', '-c', 'tty; stty size; echo "sid=$(cut -d" " -f6 /proc/self/stat) pid=$$"; grep -c " /dev/console " /proc/self/mountinfo; echo done'],
  }))
  const pidFile = path.join(s.dir, 'exec.pid')
  const r = s.tsrunDetached(['exec', '--process', proc, '--detach', '--pid-file', pidFile, '--console-socket', consoleRecv.sock,
    '--pidfd-socket', pidfdRecv.sock, id], 'exec')
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stdout + r.stderr, '', "nothing on exec's own stdio")
  const pid = Number(fs.readFileSync(pidFile, 'utf8'))
  t.equal(await pidfdRecv.exited, 0, pidfdRecv.err())
  t.equal(pidfdRecv.out(), `listening\nreceived name=pidfd fds=1 pid=${pid}\n`, 'a pidfd of the exec\'d process, alone in its message')
  t.equal(await consoleRecv.exited, 0, consoleRecv.err())
  t.match(consoleRecv.out(), /^listening\nreceived name=\/dev\/pts\/(\d+) fds=1 pty=\1\n\/dev\/pts\/\1\r\n25 90\r\nsid=(\d+) pid=\2\r\n0\r\ndone\r\n$/,
    "a pty of the container's devpts, the process.json's size, its own session; no /dev/console mount: that is create's alone")
})

// Runs argv on a fresh pty of 24x80 and plays the user: once the process
// printed "ready", check tsrun put the terminal in raw mode, resize it to
// 30x100, then press Enter until the process reports "30 100", then "q".
// Prints what the process wrote, the raw-mode checks and the exit code.
const DRIVER = String.raw`
import fcntl, os, pty, struct, sys, termios
def size(fd, rows, cols): fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
pid, fd = pty.fork()
if pid == 0:
    size(0, 24, 80)
    os.execv(sys.argv[1], sys.argv[1:])
out, presses, resized, quit = b'', 0, False, False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not resized and b'ready' in out:
        lflag = termios.tcgetattr(fd)[3]
        print('raw', 'yes' if not lflag & (termios.ICANON | termios.ECHO) else 'no')
        size(fd, 30, 100)
        resized = True
    if resized and chunk.endswith(b'\n') and b'30 100' not in out and presses < 100:
        os.write(fd, b'\r')
        presses += 1
    if b'30 100' in out and not quit:
        os.write(fd, b'q\r')
        quit = True
_, status = os.waitpid(pid, 0)
print('exit', os.waitstatus_to_exitcode(status))
sys.stdout.write(out.decode(errors='replace'))
`

/** argv on a pty driven by DRIVER; its report. */
function onPty(argv: string[]): string {
  const [cmd, args] = cliArgv(argv)
  const r = spawnSync('python3', ['-c', DRIVER, cmd, ...args], { env: cliEnv(), encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) throw new Error(`driver: ${r.stderr}`)
  return r.stdout
}

// Reads lines until "q": each Enter answers with the pty's size, so the
// driver sees the resize arrive; the first line says the size it started with.
const INTERACTIVE = 'stty size; echo ready; while read l; do [ "$l" = q ] && break; stty size; done; echo bye; exit 3'

const noPython = spawnSync('python3', ['--version']).status === 0 ? false : 'python3 missing: it drives the pty'

t.test('run -t in the foreground: tsrun relays the pty, raw, with its own size, and follows resizes', { skip: noPython }, async (t) => {
  const s = new Sandbox(t, 'term-run')
  s.config((c) => {
    c.process.terminal = true
    c.process.args = ['sh', '-c', INTERACTIVE]
  })
  const id = s.id()
  const out = onPty(['--root', s.root, 'run', '-b', s.bundle, id])
  t.match(out, /^raw yes\nexit 3\n/, `raw while it runs, the process's exit code: ${out}`)
  t.match(out, /\n24 80\r\nready\r\n/, "the pty starts at tsrun's terminal's size")
  t.match(out, /30 100\r\n(.*\r\n)*bye\r\n$/, 'SIGWINCH: the new size reached the process')
  t.notMatch(out, /\r\r/, "tsrun's terminal does no output processing of its own (cfmakeraw)")
})

t.test('exec -t in the foreground: the same relay, in a running container', { skip: noPython }, async (t) => {
  const s = new Sandbox(t, 'term-exec-fg')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const id = s.id()
  t.equal(s.tsrunDetached(['run', '-d', '-b', s.bundle, id], 'run').status, 0)
  const out = onPty(['--root', s.root, 'exec', '-t', id, 'sh', '-c', `tty; ${INTERACTIVE}`])
  t.match(out, /^raw yes\nexit 3\n\/dev\/pts\/\d+\r\n24 80\r\nready\r\n/, out)
  t.match(out, /30 100\r\n(.*\r\n)*bye\r\n$/, 'SIGWINCH: the new size reached the process')
  t.ok(statePid(s, id) > 0, 'the container runs on')
})
