import t from 'tap'
import { parseIdList } from '../../../src/bundle/idlist'

t.test('cpuset lists', async (t) => {
  t.strictSame(parseIdList(''), [])
  t.strictSame(parseIdList('7'), [7])
  t.strictSame(parseIdList('0-3,7'), [0, 1, 2, 3, 7])
  t.strictSame(parseIdList(' 3 , 1-2,2'), [1, 2, 3], 'spaces, overlap and order')
  t.strictSame(parseIdList('1023'), [1023])
  for (const bad of ['1024', '3-1', 'a', '1,', '-1', '1-', '0x1']) t.equal(parseIdList(bad), undefined, JSON.stringify(bad))
})
