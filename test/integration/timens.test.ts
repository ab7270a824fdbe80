// linux.timeOffsets in a new time namespace, seen from inside: both clocks'
// offsets in /proc/self/timens_offsets, CLOCK_BOOTTIME moved by its offset
// (/proc/uptime reads it), the host's clocks untouched; and offsets the
// kernel refuses, reported as one line with nothing left behind.
import t from 'tap'
import * as fs from 'node:fs'
import { Sandbox, fails, results, skipReason } from './harness'

const skip = skipReason() ?? (fs.existsSync('/proc/self/timens_offsets') ? null : 'no time namespaces in this kernel')
if (skip) t.plan(0, skip)

const uptime = (text: string): number => Number(text.trim().split(/\s+/)[0])

t.test('monotonic and boottime offsets', async (t) => {
  const s = new Sandbox(t, 'timens-offsets')
  s.config((c) => {
    c.linux.namespaces.push({ type: 'time' })
    c.linux.timeOffsets = { monotonic: { secs: 1_000_000 }, boottime: { secs: 2 * 86400, nanosecs: 500 } }
    c.process.args = ['sh', '-c', [
      'sed -n "s/^\\([a-z]*\\) *\\([-0-9]*\\) *\\([0-9]*\\)$/res \\1 \\2 \\3/p" /proc/self/timens_offsets',
      'echo "res uptime $(cat /proc/uptime)"',
    ].join('\n')]
  })
  const before = uptime(fs.readFileSync('/proc/uptime', 'utf8'))
  const r = s.run(s.id())
  const after = uptime(fs.readFileSync('/proc/uptime', 'utf8'))
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('monotonic'), '1000000 0', 'monotonic offset')
  t.equal(res.get('boottime'), '172800 500', 'boottime offset')
  const inside = uptime(res.get('uptime') ?? 'NaN')
  t.ok(inside >= before + 172800 && inside <= after + 172800 + 0.01 /* /proc/uptime's 10 ms steps */, `uptime inside ${inside} is the host's (${before}..${after}) + 2 days`)
  t.ok(uptime(fs.readFileSync('/proc/uptime', 'utf8')) < before + 86400, 'the host\'s boottime is unchanged')
})

t.test('offsets the kernel or the rules refuse', async (t) => {
  const s = new Sandbox(t, 'timens-bad')
  const cases: Array<[string, Record<string, { secs?: number; nanosecs?: number }>, (id: string) => string]> = [
    ['a second of nanoseconds', { monotonic: { nanosecs: 2e9 } },
      () => 'tsrun: config.json: /linux/timeOffsets/monotonic/nanosecs: 2000000000 is not below 1000000000 (one second)'],
    // The clock would read negative: the kernel says ERANGE when the offset is written.
    ['a clock before boot', { monotonic: { secs: -999_999_999_999 } },
      (id) => `tsrun: create ${id}: timens offsets monotonic -999999999999 0: result too large`],
  ]
  for (const [name, offsets, want] of cases) {
    const id = s.id(`-${name.split(' ')[1]}`)
    s.config((c) => {
      c.linux.namespaces.push({ type: 'time' })
      c.linux.timeOffsets = offsets
    })
    t.equal(fails(t, s, id, ['create', '-b', s.bundle, id]), want(id), name)
  }
})
