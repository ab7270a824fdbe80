// Device rules folded as the kernel's v1 controller does (runc's emulator
// cases), and the v1 writes for the result.
import t from 'tap'
import { DEFAULT_ALLOWED, containerDeviceRules, deviceWrites, emulate } from '../../../src/cgroups/devices'

const text = (ws: { file: string; value: string }[]): string[] => ws.map((w) => `${w.file} ${w.value}`)

t.test('deny all, then allows in order: one reset and the exceptions', async (t) => {
  t.same(text(deviceWrites([
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' },
    { allow: true, type: 'b', major: 8, minor: 20, access: 'rw' },
    { allow: true, type: 'b', major: 8, minor: 20, access: 'm' },
    { allow: true, type: 'c', major: 136 },
  ])), ['devices.deny a', 'devices.allow c 10:229 rwm', 'devices.allow b 8:20 rwm', 'devices.allow c 136:* rwm'])
})

t.test('a later deny takes access back; an "a" rule resets everything before it', async (t) => {
  t.same(emulate([
    { allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'r' },
    { allow: false, type: 'c', major: 1, minor: 5, access: 'r' },
  ]), { defaultAllow: false, rules: [{ type: 'c', major: 1, minor: 3, access: 'rm', allow: true }] })
  t.same(emulate([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }, { allow: true }]), { defaultAllow: true, rules: [] })
  t.same(text(deviceWrites([{ allow: false, type: 'b', major: 8, minor: -1, access: 'w' }])),
    ['devices.allow a', 'devices.deny b 8:* w'], 'default allow: deny exceptions')
})

t.test('create adds linux.devices and the defaults after the spec rules', async (t) => {
  const list = containerDeviceRules([{ allow: false, access: 'rwm' }], [{ type: 'c', major: 10, minor: 229 }, { type: 'p' }])
  t.same(list[0], { allow: false, access: 'rwm' })
  t.same(list[1], { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' })
  t.same(list.slice(2), DEFAULT_ALLOWED)
  t.same(text(deviceWrites(list)).slice(0, 4), ['devices.deny a', 'devices.allow c 10:229 rwm', 'devices.allow c *:* m', 'devices.allow b *:* m'])
})
