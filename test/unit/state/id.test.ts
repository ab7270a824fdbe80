import t from 'tap'
import { validateId, MAX_ID_BYTES } from '../../../src/state/id'
import { TsrunError } from '../../../src/errors'

// Expectations checked against runc 1.1.5 (`runc state <id>`): "container
// does not exist" for valid ids, "invalid container ID format" otherwise.
const valid = ['a', 'abc-123', 'a_b', 'a+b', 'a.b', '...', '-x', '_', 'a,b', 'A'.repeat(MAX_ID_BYTES)]
const invalid = ['.', '..', 'a b', 'a/b', '../x', '/abs', 'é', 'a\nb', 'a:b', 'a*', 'A'.repeat(MAX_ID_BYTES + 1)]

for (const id of valid) {
  t.test(`valid ${JSON.stringify(id.slice(0, 20))}`, async (t) => {
    t.doesNotThrow(() => validateId(id))
  })
}

for (const id of invalid) {
  t.test(`invalid ${JSON.stringify(id.slice(0, 20))}`, async (t) => {
    t.throws(() => validateId(id), new TsrunError('usage', 'invalid container ID format'))
    try { validateId(id) } catch (err) { t.equal((err as TsrunError).kind, 'usage') }
  })
}

t.test('empty id has runc CLI phrase', async (t) => {
  t.throws(() => validateId(''), { message: 'container id cannot be empty', kind: 'usage' })
})
