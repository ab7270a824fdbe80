// The two time stamps tsrun writes, formatted from Date's UTC getters:
// toISOString costs Node 0.2–1 ms on its first call in a process (measured),
// the getters about 0.02 ms.

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** YYYY-MM-DDTHH:MM:SS.mmm, the UTC fields of d (toISOString without the Z, years 0–9999). */
export function isoUtc(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
}

/** time.RFC3339 in local time, as logrus stamps its lines. */
export function rfc3339(d = new Date()): string {
  const off = -d.getTimezoneOffset()
  const local = isoUtc(new Date(d.getTime() + off * 60_000)).slice(0, 19)
  if (off === 0) return local + 'Z'
  const a = Math.abs(off)
  return `${local}${off > 0 ? '+' : '-'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
}

/**
 * Now as Go's time.RFC3339Nano in UTC (runc's "created"), microsecond
 * precision: Date gives the milliseconds, the monotonic clock the digits
 * below (performance.now() would load perf_hooks, about 1.4 ms).
 */
export function nowRfc3339Nano(): string {
  const micros = pad(process.hrtime()[1] % 1_000_000, 6).slice(3)
  return `${isoUtc(new Date())}${micros}`.replace(/\.?0+$/, '') + 'Z'
}
