// A small D-Bus client, only what the systemd driver needs (loaded only with
// --systemd-cgroup): SASL EXTERNAL over a unix socket, the message format
// for the basic types, arrays, structs and variants, method calls with their
// replies and errors, and the signals that arrive meanwhile. Synchronous like
// the rest of create: blocking socket I/O, with poll(2) for the timeouts.
// Wire format: the D-Bus specification, "Message Protocol".
import * as fs from '../fsys'
import { addon } from '../addon'
import { TsrunError } from '../errors'

export type DbusValue = number | bigint | boolean | string | DbusValue[] | Variant

/** A "v" value: the signature travels with it. */
export class Variant {
  constructor(readonly sig: string, readonly value: DbusValue) {}
}

const enum Type { MethodCall = 1, MethodReturn = 2, Error = 3, Signal = 4 }
/** Header field codes. */
const enum Field { Path = 1, Interface = 2, Member = 3, ErrorName = 4, ReplySerial = 5, Destination = 6, Sender = 7, Signature = 8 }

export interface Message {
  type: number
  serial: number
  fields: Map<number, DbusValue>
  body: DbusValue[]
}

const ALIGN: Record<string, number> = { y: 1, g: 1, v: 1, n: 2, q: 2, b: 4, i: 4, u: 4, s: 4, o: 4, a: 4, h: 4, x: 8, t: 8, d: 8, '(': 8, '{': 8 }

/** The end of the single complete type starting at sig[i]. */
function typeEnd(sig: string, i: number): number {
  if (sig[i] === 'a') return typeEnd(sig, i + 1)
  const close = sig[i] === '(' ? ')' : sig[i] === '{' ? '}' : null
  if (close === null) {
    if (ALIGN[sig[i]] === undefined) throw new TsrunError('system', `D-Bus signature ${JSON.stringify(sig)}: unsupported type ${JSON.stringify(sig[i] ?? '')}`)
    return i + 1
  }
  let j = i + 1
  while (sig[j] !== close) {
    if (j >= sig.length) throw new TsrunError('system', `D-Bus signature ${JSON.stringify(sig)}: unclosed ${sig[i]}`)
    j = typeEnd(sig, j)
  }
  return j + 1
}

/** "sa(sv)" → ["s", "a(sv)"] */
export function splitSignature(sig: string): string[] {
  const out: string[] = []
  for (let i = 0; i < sig.length; i = typeEnd(sig, i)) out.push(sig.slice(i, typeEnd(sig, i)))
  return out
}

class Writer {
  private buf = Buffer.alloc(512)
  len = 0

  bytes(): Buffer {
    return this.buf.subarray(0, this.len)
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n))
    this.buf.copy(bigger, 0, 0, this.len)
    this.buf = bigger
  }

  align(n: number): void {
    while (this.len % n !== 0) this.u8(0)
  }

  u8(v: number): void {
    this.room(1)
    this.buf[this.len++] = v
  }

  u32(v: number): void {
    this.align(4)
    this.room(4)
    this.buf.writeUInt32LE(v >>> 0, this.len)
    this.len += 4
  }

  setU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at)
  }

  value(sig: string, v: DbusValue): void {
    const bad = (): never => { throw new TsrunError('system', `D-Bus: cannot marshal ${JSON.stringify(v)} as ${sig}`) }
    switch (sig[0]) {
      case 'y': return this.u8(Number(v))
      case 'b': return this.u32(v ? 1 : 0)
      case 'u': case 'i': return this.u32(Number(v))
      case 't': case 'x': {
        this.align(8)
        this.room(8)
        if (sig[0] === 't') this.buf.writeBigUInt64LE(BigInt(v as number | bigint), this.len)
        else this.buf.writeBigInt64LE(BigInt(v as number | bigint), this.len)
        this.len += 8
        return
      }
      case 's': case 'o': case 'g': {
        if (typeof v !== 'string') bad()
        const b = Buffer.from(v as string, 'utf8')
        if (sig[0] === 'g') this.u8(b.length)
        else this.u32(b.length)
        this.room(b.length + 1)
        b.copy(this.buf, this.len)
        this.len += b.length
        return this.u8(0)
      }
      case 'v': {
        if (!(v instanceof Variant)) return bad()
        this.value('g', v.sig)
        return this.value(v.sig, v.value)
      }
      case 'a': {
        if (!Array.isArray(v)) return bad()
        const elem = sig.slice(1)
        this.u32(0)
        const lenAt = this.len - 4
        // The length counts the elements, not the padding before the first.
        this.align(ALIGN[elem[0]])
        const start = this.len
        for (const e of v) this.value(elem, e)
        return this.setU32(lenAt, this.len - start)
      }
      case '(': case '{': {
        const types = splitSignature(sig.slice(1, -1))
        if (!Array.isArray(v) || v.length !== types.length) return bad()
        this.align(8)
        types.forEach((t, k) => this.value(t, v[k]))
        return
      }
      default: bad()
    }
  }
}

class Reader {
  pos = 0
  constructor(private readonly buf: Buffer, private readonly le: boolean) {}

  private align(n: number): void {
    this.pos = Math.ceil(this.pos / n) * n
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new TsrunError('system', 'D-Bus: message truncated')
  }

  u32(): number {
    this.align(4)
    this.need(4)
    const v = this.le ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }

  value(sig: string): DbusValue {
    switch (sig[0]) {
      case 'y': this.need(1); return this.buf[this.pos++]
      case 'b': return this.u32() !== 0
      case 'u': return this.u32()
      case 'i': return this.u32() | 0
      case 'n': case 'q': {
        this.align(2)
        this.need(2)
        const v = this.le ? this.buf.readUInt16LE(this.pos) : this.buf.readUInt16BE(this.pos)
        this.pos += 2
        return sig[0] === 'n' ? (v << 16) >> 16 : v
      }
      case 't': case 'x': {
        this.align(8)
        this.need(8)
        const v = sig[0] === 't'
          ? (this.le ? this.buf.readBigUInt64LE(this.pos) : this.buf.readBigUInt64BE(this.pos))
          : (this.le ? this.buf.readBigInt64LE(this.pos) : this.buf.readBigInt64BE(this.pos))
        this.pos += 8
        return v
      }
      case 's': case 'o': case 'g': {
        let n: number
        if (sig[0] === 'g') { this.need(1); n = this.buf[this.pos++] } else n = this.u32()
        this.need(n + 1)
        const s = this.buf.toString('utf8', this.pos, this.pos + n)
        this.pos += n + 1
        return s
      }
      case 'v': {
        const inner = this.value('g') as string
        return new Variant(inner, this.value(inner))
      }
      case 'a': {
        const n = this.u32()
        const elem = sig.slice(1)
        this.align(ALIGN[elem[0]])
        const end = this.pos + n
        const out: DbusValue[] = []
        while (this.pos < end) out.push(this.value(elem))
        return out
      }
      case '(': case '{': {
        this.align(8)
        return splitSignature(sig.slice(1, -1)).map((t) => this.value(t))
      }
      default: throw new TsrunError('system', `D-Bus: cannot read type ${JSON.stringify(sig)}`)
    }
  }
}

/** One message in wire format (little-endian). */
export function encodeMessage(type: number, serial: number, fields: Array<[number, Variant]>, sig: string, body: DbusValue[]): Buffer {
  const types = splitSignature(sig)
  if (types.length !== body.length) throw new TsrunError('system', `D-Bus: ${body.length} values for signature ${sig}`)
  const b = new Writer()
  types.forEach((t, i) => b.value(t, body[i]))
  const h = new Writer()
  h.u8(0x6c) // 'l': little-endian
  h.u8(type)
  h.u8(0)
  h.u8(1)
  h.u32(b.len)
  h.u32(serial)
  h.value('a(yv)', sig === '' ? fields : [...fields, [Field.Signature, new Variant('g', sig)]])
  h.align(8)
  return Buffer.concat([h.bytes(), b.bytes()])
}

/** The whole message's size once its first 16 bytes are in, or null before. */
function messageSize(buf: Buffer): number | null {
  if (buf.length < 16) return null
  const le = endianness(buf)
  const body = le ? buf.readUInt32LE(4) : buf.readUInt32BE(4)
  const fields = le ? buf.readUInt32LE(12) : buf.readUInt32BE(12)
  return Math.ceil((16 + fields) / 8) * 8 + body
}

function endianness(buf: Buffer): boolean {
  if (buf[0] === 0x6c) return true // 'l'
  if (buf[0] === 0x42) return false // 'B'
  throw new TsrunError('system', `D-Bus: bad endianness byte ${buf[0]}`)
}

export function decodeMessage(buf: Buffer): Message {
  const r = new Reader(buf, endianness(buf))
  r.pos = 8
  const serial = r.u32()
  const fields = new Map<number, DbusValue>()
  for (const f of r.value('a(yv)') as DbusValue[][]) fields.set(f[0] as number, (f[1] as Variant).value)
  r.pos = Math.ceil(r.pos / 8) * 8
  const sig = (fields.get(Field.Signature) as string | undefined) ?? ''
  return { type: buf[1], serial, fields, body: splitSignature(sig).map((t) => r.value(t)) }
}

/** A D-Bus error reply; `name` is its error name (org.freedesktop.systemd1.NoSuchUnit). */
export class DbusError extends TsrunError {
  constructor(readonly dbusName: string, message: string) {
    super('system', `${dbusName}: ${message}`)
  }
}

export const STRING = (s: string): Variant => new Variant('s', s)

export class Connection {
  private inbox = Buffer.alloc(0)
  private serial = 0
  /** Signals read while waiting for a reply, oldest first. */
  private readonly signals: Message[] = []

  private constructor(private fd: number, readonly address: string) {}

  /**
   * Connects to `path` and authenticates as our uid (SASL EXTERNAL; the
   * server reads our credentials from the socket). A bus also needs Hello
   * before anything else; systemd's private socket is peer-to-peer and has none.
   */
  static open(path: string, hello: boolean, timeoutMs: number): Connection {
    const c = new Connection(addon.connectUnix(path), path)
    try {
      const uid = Buffer.from(String(process.getuid?.() ?? 0)).toString('hex')
      c.send(Buffer.from(`\0AUTH EXTERNAL ${uid}\r\n`))
      const reply = c.line(Date.now() + timeoutMs)
      if (!reply.startsWith('OK ')) throw new TsrunError('system', `authentication refused: ${JSON.stringify(reply)}`)
      c.send(Buffer.from('BEGIN\r\n'))
      if (hello) c.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello', '', [], timeoutMs)
      return c
    } catch (err) {
      c.close()
      throw new TsrunError('system', `D-Bus ${path}`, { cause: err })
    }
  }

  close(): void {
    if (this.fd < 0) return
    fs.closeSync(this.fd)
    this.fd = -1
  }

  /** Calls a method and returns the reply's body; an error reply throws DbusError. */
  call(dest: string, path: string, iface: string, member: string, sig: string, body: DbusValue[], timeoutMs: number): DbusValue[] {
    const serial = ++this.serial
    this.send(encodeMessage(Type.MethodCall, serial, [
      [Field.Path, new Variant('o', path)], [Field.Interface, STRING(iface)],
      [Field.Member, STRING(member)], [Field.Destination, STRING(dest)],
    ], sig, body))
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const m = this.message(deadline)
      if (m === null) throw new TsrunError('system', `${member}: no reply in ${timeoutMs / 1000}s`)
      if (m.type === Type.Signal) this.signals.push(m)
      if (m.fields.get(Field.ReplySerial) !== serial) continue
      if (m.type === Type.Error) {
        throw new DbusError(String(m.fields.get(Field.ErrorName)), typeof m.body[0] === 'string' ? m.body[0] : '(no message)')
      }
      return m.body
    }
  }

  /** The first signal `member` of `iface` whose body `match`es, or null at `deadline` (ms). */
  signal(iface: string, member: string, match: (body: DbusValue[]) => boolean, deadline: number): DbusValue[] | null {
    const is = (m: Message): boolean =>
      m.type === Type.Signal && m.fields.get(Field.Interface) === iface && m.fields.get(Field.Member) === member && match(m.body)
    const seen = this.signals.findIndex(is)
    if (seen >= 0) return this.signals.splice(seen, 1)[0].body
    for (;;) {
      const m = this.message(deadline)
      if (m === null) return null
      if (is(m)) return m.body
    }
  }

  private send(buf: Buffer): void {
    for (let off = 0; off < buf.length;) off += fs.writeSync(this.fd, buf, off)
  }

  /** Reads more into the inbox; false when the deadline passed first. */
  private fill(deadline: number): boolean {
    if (!addon.waitReadable(this.fd, Math.max(0, deadline - Date.now()))) return false
    const chunk = Buffer.alloc(65536)
    const n = fs.readSync(this.fd, chunk, 0, chunk.length, null)
    if (n === 0) throw new TsrunError('system', `${this.address}: connection closed by the peer`)
    this.inbox = Buffer.concat([this.inbox, chunk.subarray(0, n)])
    return true
  }

  /** One SASL line (without its CRLF). */
  private line(deadline: number): string {
    for (;;) {
      const end = this.inbox.indexOf('\r\n')
      if (end >= 0) {
        const text = this.inbox.toString('latin1', 0, end)
        this.inbox = this.inbox.subarray(end + 2)
        return text
      }
      if (!this.fill(deadline)) throw new TsrunError('system', 'no answer to AUTH')
    }
  }

  private message(deadline: number): Message | null {
    for (;;) {
      const size = messageSize(this.inbox)
      if (size !== null && this.inbox.length >= size) {
        const m = decodeMessage(this.inbox.subarray(0, size))
        this.inbox = this.inbox.subarray(size)
        return m
      }
      if (!this.fill(deadline)) return null
    }
  }
}
