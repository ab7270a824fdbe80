// POSIX path arithmetic: the part of node:path tsrun uses, with node:path's
// results (test/unit/paths.test.ts compares them on every case). Under Bun,
// node:path is a JavaScript builtin whose first load costs ~0.5 ms of every
// call; these few functions cost nothing to load.

/** Resolves `.`, `..` and repeated slashes; `..` above an absolute root is dropped. */
function normalizeParts(p: string, absolute: boolean): string {
  const out: string[] = []
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg !== '..') out.push(seg)
    else if (out.length > 0 && out[out.length - 1] !== '..') out.pop()
    else if (!absolute) out.push('..')
  }
  return out.join('/')
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/')
}

export function normalize(p: string): string {
  if (p === '') return '.'
  const absolute = isAbsolute(p)
  const trailing = p.endsWith('/')
  let out = normalizeParts(p, absolute)
  if (out === '' && !absolute) out = '.'
  if (out !== '' && trailing) out += '/'
  return absolute ? `/${out}` : out
}

export function join(...parts: string[]): string {
  const joined = parts.filter((s) => s !== '').join('/')
  return joined === '' ? '.' : normalize(joined)
}

/** Absolute, normalized, without a trailing slash; relative parts are taken from the working directory. */
export function resolve(...parts: string[]): string {
  let acc = ''
  for (let i = parts.length - 1; i >= 0 && !isAbsolute(acc); i--) {
    if (parts[i] !== '') acc = acc === '' ? parts[i] : `${parts[i]}/${acc}`
  }
  if (!isAbsolute(acc)) acc = acc === '' ? process.cwd() : `${process.cwd()}/${acc}`
  return `/${normalizeParts(acc, true)}`
}

export function dirname(p: string): string {
  if (p === '') return '.'
  // The slash before the last name; slashes after that name do not count.
  let end = p.length - 1
  while (end > 0 && p[end] === '/') end--
  while (end > 0 && p[end] !== '/') end--
  if (end <= 0) return isAbsolute(p) ? '/' : '.'
  return end === 1 && isAbsolute(p) ? '//' : p.slice(0, end)
}

export function basename(p: string): string {
  let end = p.length
  while (end > 0 && p[end - 1] === '/') end--
  return p.slice(p.lastIndexOf('/', end - 1) + 1, end)
}

/** The path from `from` to `to`, both resolved first. */
export function relative(from: string, to: string): string {
  const a = resolve(from).split('/').filter(Boolean)
  const b = resolve(to).split('/').filter(Boolean)
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/')
}
