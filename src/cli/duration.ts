// Go's time.ParseDuration, for runc's duration flags (events --interval):
// "5s", "1m30s", "1.5h", "100ms", "250us"; a bare "0" is allowed.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Milliseconds, or null when Go would not parse it. */
export function parseGoDuration(s: string): number | null {
  const m = /^([-+]?)(.*)$/.exec(s)!
  if (m[2] === '0') return 0
  if (m[2] === '') return null
  let total = 0
  const re = /(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/y
  let pos = 0
  while (pos < m[2].length) {
    re.lastIndex = pos
    const p = re.exec(m[2])
    if (!p || p[1] === '' || p[1] === '.') return null
    total += parseFloat(p[1]) * UNIT_MS[p[2]]
    pos = re.lastIndex
  }
  return m[1] === '-' ? -total : total
}
