// Turns a failed JSON.parse into one located line. Node 20's SyntaxError
// messages quote a slice of the input (newlines included) and often give no
// position, so we rescan the text to find where it broke. Only the error path
// loads this module (load.ts requires it lazily).
import { TsrunError } from '../errors'

/** `<file>: invalid JSON at line L column C: <problem>` for text that JSON.parse refused with `err`. */
export function jsonSyntaxError(text: string, err: unknown, file: string): TsrunError {
  const at = syntaxErrorAt(text)
  // Should the rescan disagree with V8, V8's own words (first line) still say what broke.
  if (at < 0) return new TsrunError('config', `${file}: invalid JSON: ${String((err as Error)?.message).split('\n')[0]}`)
  const before = text.slice(0, at)
  const line = before.split('\n').length
  const column = at - before.lastIndexOf('\n')
  const what = at >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(text[at])}`
  return new TsrunError('config', `${file}: invalid JSON at line ${line} column ${column}: ${what}`)
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const ESCAPES = '"\\/bfnrt'

/** Offset of the first character that makes `s` invalid JSON (RFC 8259): s.length at a premature end, -1 if valid. */
export function syntaxErrorAt(s: string): number {
  let i = 0
  const fail = (): never => {
    throw i
  }
  const ws = (): void => {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r') i++
  }
  const expect = (c: string): void => {
    ws()
    if (s[i] !== c) fail()
    i++
  }
  const str = (): void => {
    expect('"')
    for (; s[i] !== '"'; i++) {
      if (i >= s.length || s.charCodeAt(i) < 0x20) fail()
      if (s[i] !== '\\') continue
      i++
      if (s[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) i += 4
      else if (!ESCAPES.includes(s[i] ?? '')) fail()
    }
    i++
  }
  // Objects and arrays: `item` parses one member; members are comma-separated.
  const list = (close: string, item: () => void): void => {
    i++
    ws()
    if (s[i] === close) return void i++
    for (;;) {
      item()
      ws()
      if (s[i] === close) return void i++
      expect(',')
    }
  }
  const value = (): void => {
    ws()
    const c = s[i]
    if (c === '{') list('}', () => (str(), expect(':'), value()))
    else if (c === '[') list(']', value)
    else if (c === '"') str()
    else if (c === 't' || c === 'f' || c === 'n') {
      const word = c === 't' ? 'true' : c === 'f' ? 'false' : 'null'
      if (!s.startsWith(word, i)) fail()
      i += word.length
    } else {
      NUMBER.lastIndex = i
      if (!NUMBER.test(s)) fail()
      i = NUMBER.lastIndex
    }
  }
  try {
    value()
    ws()
    if (i < s.length) fail()
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, s.length)
    throw at
  }
  return -1
}
