// process.env compilation: runc's prepareEnv rules.
import t from 'tap'
import { compileEnv } from '../../../src/plan/env'
import { TsrunError } from '../../../src/errors'

t.test('entries pass in order, values may be empty or hold "="', async (t) => {
  t.same(compileEnv(['PATH=/bin', 'EMPTY=', 'EQ=a=b', 'SP=a b']), ['PATH=/bin', 'EMPTY=', 'EQ=a=b', 'SP=a b'])
  t.same(compileEnv([]), [])
})

t.test('a repeated name keeps its first place and its last value', async (t) => {
  t.same(compileEnv(['A=1', 'DUP=first', 'B=2', 'DUP=second', 'DUP=third']), ['A=1', 'DUP=third', 'B=2'])
})

t.test('an entry that is not NAME=value is a config error naming it', async (t) => {
  for (const bad of ['NOEQUALS', '=value', '']) {
    t.throws(() => compileEnv(['A=1', bad]), new TsrunError('config', `process.env[1]: invalid environment variable: ${JSON.stringify(bad)}`), bad)
  }
})
