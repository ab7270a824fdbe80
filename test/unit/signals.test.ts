// src/signals.ts stands in for os.constants.signals (so no call loads
// node:os): every name it has must carry node's number, and every classic
// signal node knows must be there.
import t from 'tap'
import { constants } from 'node:os'
import { SIGKILL, SIGNALS } from '../../src/signals'

t.test('the table is node:os\'s', async (t) => {
  const node = constants.signals as Record<string, number>
  for (const [name, num] of Object.entries(SIGNALS)) t.equal(num, node[name], name)
  for (const [name, num] of Object.entries(node)) {
    if (num <= 31) t.equal((SIGNALS as Record<string, number>)[name], num, `${name} is in the table`)
  }
  t.equal(SIGKILL, node.SIGKILL)
})
