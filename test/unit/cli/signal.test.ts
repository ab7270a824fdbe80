import t from 'tap'
import { parseSignal } from '../../../src/cli/signal'

// Accepted and rejected spellings checked against runc 1.1.5's `kill` on a live container.
const ok: [string | undefined, number][] = [
  [undefined, 15], ['', 15], ['KILL', 9], ['SIGKILL', 9], ['kill', 9], ['sigkill', 9], ['Sigcont', 18], ['cont', 18],
  ['9', 9], ['+9', 9], ['0', 0], ['-0', 0], ['007', 7], ['99', 99], ['-1', -1], ['TERM', 15], ['HUP', 1], ['USR1', 10],
  ['USR2', 12], ['WINCH', 28], ['STKFLT', 16], ['PWR', 30], ['SYS', 31], ['IO', 29],
]
for (const [raw, want] of ok) {
  t.test(`signal ${JSON.stringify(raw)}`, async (t) => t.equal(parseSignal(raw), want))
}

const bad = ['FOO', 'iot', 'SIGIOT', 'cld', 'POLL', 'RTMIN', 'SIGRTMIN+1', '0x9', ' 9', '9 ', 'SIG', '1e1', '99999999999']
for (const raw of bad) {
  t.test(`unknown signal ${JSON.stringify(raw)}`, async (t) => {
    t.throws(() => parseSignal(raw), { message: `unknown signal ${JSON.stringify(raw)}`, exitCode: 1 })
  })
}
