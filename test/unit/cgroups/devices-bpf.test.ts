// The device program's bytes for a small rule set: the context loads, one
// block per exception (type, access mask, major, minor, verdict), the default.
import t from 'tap'
import { deviceProgram } from '../../../src/cgroups/devices-bpf'

/** [code, dst, src, off, imm] per instruction. */
function decode(buf: Buffer): number[][] {
  const out: number[][] = []
  for (let i = 0; i < buf.length; i += 8) {
    out.push([buf[i], buf[i + 1] & 0xf, buf[i + 1] >> 4, buf.readInt16LE(i + 2), buf.readInt32LE(i + 4)])
  }
  return out
}

t.test('deny by default, allow c 1:3 rw and any b with m', async (t) => {
  const insns = decode(deviceProgram({ defaultAllow: false, rules: [
    { type: 'c', major: 1, minor: 3, access: 'rw', allow: true },
    { type: 'b', major: -1, minor: -1, access: 'rwm', allow: true },
  ] }))
  t.same(insns.slice(0, 6), [[0x61, 2, 1, 0, 0], [0x54, 2, 0, 0, 0xffff], [0x61, 3, 1, 0, 0], [0x74, 3, 0, 0, 16],
    [0x61, 4, 1, 4, 0], [0x61, 5, 1, 8, 0]], 'type, access, major, minor from the context')
  t.same(insns.slice(6, 14), [
    [0x55, 2, 0, 7, 2], // type != char: next block
    [0xbf, 1, 3, 0, 0], [0x57, 1, 0, 0, 6], [0x5d, 1, 3, 4, 0], // access not within rw: next
    [0x55, 4, 0, 3, 1], [0x55, 5, 0, 2, 3], // major, minor
    [0xb7, 0, 0, 0, 1], [0x95, 0, 0, 0, 0], // allow
  ])
  t.same(insns.slice(14), [[0x55, 2, 0, 2, 1], [0xb7, 0, 0, 0, 1], [0x95, 0, 0, 0, 0], [0xb7, 0, 0, 0, 0], [0x95, 0, 0, 0, 0]],
    'any block device: only the type is checked; then the default, deny')
})
