// Security labels and host facilities on a machine without AppArmor,
// SELinux or resctrl (skipped where the host has them): apparmorProfile and
// selinuxLabel are refused as runc refuses them, mountLabel is not applied
// (no context= on any mount, as crun and runc 1.2+), and intelRdt, with or
// without a closID, is refused because no resctrl filesystem is mounted.
// Refusals leave nothing behind.
import t from 'tap'
import * as fs from 'node:fs'
import { apparmorEnabled, selinuxEnabled } from '../../src/bundle/checks-host'
import { resctrlRoot } from '../../src/resctrl/mount'
import { type Config, Sandbox, fails, parseMountinfo, skipReason } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

t.test('without SELinux a mountLabel is not applied', async (t) => {
  if (selinuxEnabled()) {
    t.plan(0, 'SELinux is enabled here')
    return
  }
  const s = new Sandbox(t, 'lsm-mountlabel')
  s.config((c) => {
    c.linux.mountLabel = 'system_u:object_r:svirt_sandbox_file_t:s0:c715,c811'
    c.process.args = ['cat', '/proc/self/mountinfo']
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const mounts = parseMountinfo(r.stdout)
  t.ok(mounts.some((m) => m.mountPoint === '/dev' && m.fstype === 'tmpfs'), 'the container has its /dev tmpfs')
  t.same(mounts.filter((m) => m.superOptions.some((o) => o.startsWith('context='))), [], 'no mount carries context=')
})

t.test('labels and facilities this host lacks are refused before any side effect', async (t) => {
  const s = new Sandbox(t, 'lsm-refused')
  const cases: Array<[string, boolean, (c: Config) => void, string]> = [
    ['apparmor', apparmorEnabled(), (c) => { c.process.apparmorProfile = 'acme_secure_profile' },
      'tsrun: config.json: /process/apparmorProfile: apparmor profile "acme_secure_profile" is specified in config, but apparmor is not enabled on this host'],
    ['selinux', selinuxEnabled(), (c) => { c.process.selinuxLabel = 'system_u:system_r:svirt_lxc_net_t:s0:c124,c675' },
      'tsrun: config.json: /process/selinuxLabel: selinux label is specified in config, but selinux is disabled or not supported'],
    ['intelrdt', resctrlRoot() !== null, (c) => { c.linux.intelRdt = { closID: 'guaranteed_group', l3CacheSchema: 'L3:0=7f0' } },
      'tsrun: config.json: /linux/intelRdt: intelRdt is specified in config, but Intel RDT is not enabled (no resctrl filesystem is mounted)'],
    // No closID: the group would be named after the container.
    ['intelrdt-own', resctrlRoot() !== null, (c) => { c.linux.intelRdt = { schemata: ['MB:0=20'], enableMonitoring: true } },
      'tsrun: config.json: /linux/intelRdt: intelRdt is specified in config, but Intel RDT is not enabled (no resctrl filesystem is mounted)'],
  ]
  const ids: string[] = []
  for (const [name, hostHasIt, edit, want] of cases) {
    if (hostHasIt) {
      t.comment(`${name}: this host has it; not a refusal here`)
      continue
    }
    const id = s.id(`-${name}`)
    if (name.startsWith('intelrdt')) ids.push(id)
    s.config(edit)
    t.equal(fails(t, s, id, ['create', '-b', s.bundle, id]), want, name)
  }
  for (const group of ['guaranteed_group', ...ids]) t.notOk(fs.existsSync(`/sys/fs/resctrl/${group}`), `no resctrl group ${group}`)
})
