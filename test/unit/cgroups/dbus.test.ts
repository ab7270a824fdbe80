// The D-Bus wire format against GLib's (GDBusMessage.to_blob, python3-gi),
// an implementation independent of ours: the same StartTransientUnit body
// byte for byte, and a big-endian JobRemoved signal decoded.
import t from 'tap'
import { decodeMessage, encodeMessage, splitSignature, Variant } from '../../../src/cgroups/dbus'

const S = (s: string): Variant => new Variant('s', s)

// GDBusMessage.new_method_call('org.freedesktop.systemd1', '/org/freedesktop/systemd1',
// 'org.freedesktop.systemd1.Manager', 'StartTransientUnit'), serial 7, body below.
const GLIB_START = Buffer.from(
  '6c010001c000000007000000b300000001016f00190000002f6f72672f667265656465736b746f702f73797374656d64310000000000000002017300200000006f72672e667265656465736b746f702e73797374656d64312e4d616e61676572000000000000000006017300180000006f72672e667265656465736b746f702e73797374656d64310000000000000000080167001073736128737629612873612873762929000000030173001200000053746172745472616e7369656e74556e69740000000000000d000000747372756e2d782e73636f7065000000070000007265706c61636500910000000000000005000000536c696365000173000000000c00000073797374656d2e736c696365000000000000000004000000504944730002617500000000040000002a0000000800000044656c65676174650001620001000000000000000b0000004d656d6f72794c696d6974000174000000000000ffffffffffffffff0b000000416c6c6f776564435055730002617900010000000300000000000000',
  'hex')
// GDBusMessage.new_signal(..., 'JobRemoved'), body (5, job/5, 'tsrun-x.scope', 'done'), serial 9, big-endian.
const GLIB_SIGNAL_BE = Buffer.from(
  '4204010100000045000000090000007b01016f00000000192f6f72672f667265656465736b746f702f73797374656d64310000000000000002017300000000206f72672e667265656465736b746f702e73797374656d64312e4d616e6167657200000000000000000801670004756f737300000000000000030173000000000a4a6f6252656d6f766564000000000000000000050000001f2f6f72672f667265656465736b746f702f73797374656d64312f6a6f622f35000000000d747372756e2d782e73636f706500000000000004646f6e6500',
  'hex')

const START_BODY = ['tsrun-x.scope', 'replace', [['Slice', S('system.slice')], ['PIDs', new Variant('au', [42])],
  ['Delegate', new Variant('b', true)], ['MemoryLimit', new Variant('t', 2n ** 64n - 1n)], ['AllowedCPUs', new Variant('ay', [3])]], []]

t.test('signatures split into complete types', async (t) => {
  t.same(splitSignature('ssa(sv)a(sa(sv))'), ['s', 's', 'a(sv)', 'a(sa(sv))'])
  t.same(splitSignature('a{sv}u'), ['a{sv}', 'u'])
  t.throws(() => splitSignature('a(sv'), { message: /unclosed/ })
  t.throws(() => splitSignature('z'), { message: /unsupported type "z"/ })
})

t.test('a method call: the body as GLib writes it, the header as GLib reads it', async (t) => {
  const ours = encodeMessage(1, 7, [[1, new Variant('o', '/org/freedesktop/systemd1')], [2, S('org.freedesktop.systemd1.Manager')],
    [3, S('StartTransientUnit')], [6, S('org.freedesktop.systemd1')]], 'ssa(sv)a(sa(sv))', START_BODY)
  const bodyLen = GLIB_START.readUInt32LE(4)
  t.equal(ours.readUInt32LE(4), bodyLen, 'body length')
  t.same(ours.subarray(ours.length - bodyLen), GLIB_START.subarray(GLIB_START.length - bodyLen), 'body bytes')
  // GLib orders the header fields differently; decoded they must agree.
  const [a, b] = [decodeMessage(ours), decodeMessage(GLIB_START)]
  t.same([a.type, a.serial, [...a.fields].sort()], [b.type, b.serial, [...b.fields].sort()], 'header')
  t.same(a.body, b.body, 'body decoded')
  t.same(b.body[2], START_BODY[2], 'variants keep their signature and value')
})

t.test('a big-endian signal decodes', async (t) => {
  const m = decodeMessage(GLIB_SIGNAL_BE)
  t.equal(m.type, 4)
  t.equal(m.serial, 9)
  t.equal(m.fields.get(3), 'JobRemoved')
  t.equal(m.fields.get(2), 'org.freedesktop.systemd1.Manager')
  t.same(m.body, [5, '/org/freedesktop/systemd1/job/5', 'tsrun-x.scope', 'done'])
})

t.test('values that do not fit their type are refused', async (t) => {
  t.throws(() => encodeMessage(1, 1, [], 's', [5]), { message: /cannot marshal 5 as s/ })
  t.throws(() => encodeMessage(1, 1, [], 'ss', ['a']), { message: /1 values for signature ss/ })
  t.throws(() => decodeMessage(GLIB_SIGNAL_BE.subarray(0, GLIB_SIGNAL_BE.length - 8)), { message: /truncated/ })
})
