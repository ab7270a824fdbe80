// Go's encoding/json and strconv.Quote byte habits, so `state`, `list` and the
// log lines are byte-for-byte what runc prints for the same data.

// encoding/json escapes <, > and & (HTML-safe by default), U+2028/2029, and
// writes \b and \f as \u0008 and \u000c. `\\` is matched only to skip it.
const JSON_ESC: Record<string, string> = {
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
  '\\b': '\\u0008', '\\f': '\\u000c',
}

/** JSON.stringify, then Go's escapes; `indent` as json.MarshalIndent's. */
export function goJson(value: unknown, indent?: string): string {
  return JSON.stringify(value, null, indent).replace(/\\\\|\\[bf]|[<>&\u2028\u2029]/g, (m) => JSON_ESC[m] ?? m)
}

const QUOTE_ESC: Record<string, string> = {
  '\\': '\\\\', '"': '\\"', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
}

/** strconv.Quote (Go's %q) for ASCII control characters; other text is kept as is. */
export function goQuote(s: string): string {
  return '"' + s.replace(/[\\"\x00-\x1f\x7f]/g, (c) => QUOTE_ESC[c] ?? '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')) + '"'
}
