// The foreground pty relay (run/exec with a terminal and no console
// socket): tsrun's terminal goes raw (cfmakeraw, as runc), keystrokes go to the pty master, what
// the process writes comes back to tsrun's stdout, and the pty follows
// tsrun's window size. The master is read as node-pty reads its own: a
// tty.ReadStream, which libuv uses in place (a master can't be reopened).
import * as tty from 'node:tty'
import { addon } from '../addon'
import { writeAll } from '../log'

export interface Relay {
  /** Sets the pty's size to tsrun's terminal's (on start and on SIGWINCH). */
  resize(): void
  /** Stops passing input on; resolves once the process side closed the pty and its output is out. */
  finish(): Promise<void>
  /** Puts tsrun's terminal back as it was. */
  restore(): void
}

export function relayPty(master: number): Relay {
  const stdin = process.stdin
  const raw = stdin.isTTY === true
  const pty = new tty.ReadStream(master)
  // The slave's last close reads as EIO on the master: the end, not an error.
  const closed = new Promise<void>((resolve) => {
    pty.on('data', (chunk: Buffer) => writeAll(1, chunk))
    pty.on('end', resolve)
    pty.on('close', resolve)
    pty.on('error', () => resolve())
  })
  // Written straight to the master fd: Bun's tty.ReadStream cannot write (Node's is a socket);
  // writeAll waits out EAGAIN on the non-blocking fd.
  const input = (chunk: Buffer): void => writeAll(master, chunk)
  const saved = raw ? addon.makeRaw(0) : null
  stdin.on('data', input)
  const resize = (): void => {
    const out = process.stdout
    if (out.isTTY && out.columns > 0 && out.rows > 0) addon.setWinsize(master, out.columns, out.rows)
  }
  resize()
  return {
    resize,
    finish: () => {
      // The process is gone: typing now would only echo back for ever.
      stdin.off('data', input)
      return closed
    },
    restore: () => {
      stdin.off('data', input)
      stdin.pause()
      if (saved) addon.setTermios(0, saved)
      pty.destroy()
    },
  }
}
