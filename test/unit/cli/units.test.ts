// go-units RAMInBytes and Go's time.ParseDuration, as runc's update and events read their flags.
import t from 'tap'
import { parseGoDuration } from '../../../src/cli/duration'
import { ramInBytes } from '../../../src/cli/units'

t.test('RAMInBytes: binary units, optional i and b, any case, fractions', async (t) => {
  const cases: [string, number][] = [['32', 32], ['32b', 32], ['32k', 32768], ['32KiB', 32768], ['1m', 1 << 20],
    ['1 MB', 1 << 20], ['1.5g', 1.5 * 2 ** 30], ['2T', 2 * 2 ** 40], ['1p', 2 ** 50]]
  for (const [s, n] of cases) t.equal(ramInBytes(s), n, s)
  for (const s of ['', 'lots', '-1', '1x', '1  m']) t.throws(() => ramInBytes(s), { message: `invalid size: '${s}'` }, s)
})

t.test('ParseDuration: unit sequences, fractions, a bare 0', async (t) => {
  const cases: [string, number][] = [['5s', 5000], ['100ms', 100], ['1m30s', 90_000], ['1.5h', 5_400_000], ['250us', 0.25],
    ['0', 0], ['-2s', -2000], ['1h2m3s4ms', 3_723_004], ['3\u00b5s', 0.003], ['7\u03bcs', 0.007]]
  for (const [s, ms] of cases) t.equal(parseGoDuration(s), ms, s)
  for (const s of ['', '5', 's', '5q', '.s', '5 s']) t.equal(parseGoDuration(s), null, JSON.stringify(s))
})
