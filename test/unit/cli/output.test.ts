import t from 'tap'
import { formatList, tabulate } from '../../../src/cli/list'
import { runcOrder, ContainerState } from '../../../src/cli/state'
import { goJson, goQuote } from '../../../src/cli/json'

const c1: ContainerState = {
  ociVersion: '1.0.2-dev', id: 't1', pid: 15492, status: 'created', bundle: '/tmp/rb', rootfs: '/tmp/rb/rootfs',
  created: '2026-11-30T14:49:36.531136824Z', owner: 'root',
}

t.test('list table is runc 1.1.5 tabwriter output', async (t) => {
  // Captured from `runc list` with one container and with none.
  t.equal(formatList([], 'table', false), 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n')
  t.equal(formatList([c1], 'table', false),
    'ID          PID         STATUS      BUNDLE      CREATED                          OWNER\n' +
    't1          15492       created     /tmp/rb     2026-11-30T14:49:36.531136824Z   root\n')
  const long = { ...c1, id: 'a-rather-long-container-id', bundle: '/b' }
  t.equal(formatList([long, c1], 'table', false).split('\n')[0],
    'ID                           PID         STATUS      BUNDLE      CREATED                          OWNER')
  t.equal(tabulate([['é', 'x'], ['ab', 'y']]), 'é           x\nab          y\n', 'widths count code points')
})

t.test('list json and quiet', async (t) => {
  t.equal(formatList([], 'json', false), 'null\n')
  t.equal(formatList([c1], 'json', false),
    '[{"ociVersion":"1.0.2-dev","id":"t1","pid":15492,"status":"created","bundle":"/tmp/rb","rootfs":"/tmp/rb/rootfs",' +
    '"created":"2026-11-30T14:49:36.531136824Z","owner":"root"}]\n')
  t.equal(formatList([c1, { ...c1, id: 't2' }], 'json', true), 't1\nt2\n')
  t.equal(formatList([], 'table', true), '')
})

t.test('state is runc json.MarshalIndent: key order, omitempty annotations, no newline', async (t) => {
  const s = { ...c1, owner: '', status: 'running' as const, annotations: { 'a<b': 'x&y' } }
  t.same(Object.keys(runcOrder(s)), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'annotations', 'owner'])
  t.notOk('annotations' in runcOrder({ ...c1, annotations: {} }))
  t.equal(goJson(runcOrder({ ...c1, owner: '' }), '  '), [
    '{', '  "ociVersion": "1.0.2-dev",', '  "id": "t1",', '  "pid": 15492,', '  "status": "created",', '  "bundle": "/tmp/rb",',
    '  "rootfs": "/tmp/rb/rootfs",', '  "created": "2026-11-30T14:49:36.531136824Z",', '  "owner": ""', '}'].join('\n'))
  t.match(goJson(runcOrder(s), '  '), /"a\\u003cb": "x\\u0026y"/)
})

t.test('goJson escapes like encoding/json', async (t) => {
  t.equal(goJson({ s: '<>&\u2028\u2029\b\f\n\t\\b' }), '{"s":"\\u003c\\u003e\\u0026\\u2028\\u2029\\u0008\\u000c\\n\\t\\\\b"}')
  t.equal(goJson(null), 'null')
})

t.test('goQuote is strconv.Quote for ASCII', async (t) => {
  t.equal(goQuote('FOO'), '"FOO"')
  t.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"')
  t.equal(goQuote('\x07\b\f\n\r\t\v\x01\x7f'), '"\\a\\b\\f\\n\\r\\t\\v\\x01\\x7f"')
})
