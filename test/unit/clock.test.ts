import t from 'tap'
import { spawnSync } from 'child_process'
import { isoUtc, nowRfc3339Nano, rfc3339 } from '../../src/clock'

t.test('isoUtc is toISOString without the Z', async (t) => {
  const stamps = [0, 1, 999, 951782400000, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(1, 0, 1), Date.UTC(9999, 11, 31), Date.now()]
  for (const ms of stamps) {
    const d = new Date(ms)
    t.equal(isoUtc(d), d.toISOString().slice(0, -1), d.toISOString())
  }
})

t.test('rfc3339 like logrus (local zone, seconds)', async (t) => {
  t.match(rfc3339(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/)
  // The zone is read at start: each case is a process of its own.
  const at = Date.UTC(2026, 10, 30, 14, 48, 36, 999)
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'))
  const code = `console.log(require(${JSON.stringify(require.resolve('../../src/clock'))}).rfc3339(new Date(${at})))`
  for (const [tz, want] of [['UTC', '2026-11-30T14:48:36Z'], ['Asia/Kolkata', '2026-11-30T20:18:36+05:30'], ['America/St_Johns', '2026-11-30T11:18:36-03:30']]) {
    const r = spawnSync(process.execPath, [...loader, '-e', code], { env: { ...process.env, TZ: tz }, encoding: 'utf8' })
    t.equal(r.stdout.trim(), want, `${tz} ${r.stderr}`)
  }
})

t.test('RFC3339Nano like Go: UTC, trailing zeros trimmed', async (t) => {
  const s = nowRfc3339Nano()
  t.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/)
  t.notMatch(s, /0Z$/)
  t.ok(Math.abs(Date.parse(s) - Date.now()) < 5000)
})
