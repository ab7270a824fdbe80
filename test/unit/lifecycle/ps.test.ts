// ps(1) output cut to the container's rows, as runc's ps.go: the PID column
// is found by name in the header, whatever options produced it.
import t from 'tap'
import { filterRows } from '../../../src/lifecycle/ps'

const EF = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root         420       1  0 10:01 ?        00:00:00 sh -c while true; do sleep 1; done
root         421     420  0 10:01 ?        00:00:00 sleep 1
`

t.test('keeps the header and the rows of the given pids', async (t) => {
  const lines = EF.split('\n')
  t.equal(filterRows(EF, new Set([420, 421])), [lines[0], lines[2], lines[3]].join('\n') + '\n')
  t.equal(filterRows(EF, new Set()), lines[0] + '\n', 'no pids: the header only')
})

t.test('the PID column may be anywhere (ps -o)', async (t) => {
  t.equal(filterRows('STAT   PID\nS        7\nD       42\n', new Set([42])), 'STAT   PID\nD       42\n')
})

t.test("runc's errors", async (t) => {
  t.throws(() => filterRows('STAT\nS\n', new Set([1])), { message: "couldn't find PID field in ps output" })
  t.throws(() => filterRows('PID CMD\nx y\n', new Set([1])), { message: 'unable to parse pid: parsing "x": invalid syntax' })
})
