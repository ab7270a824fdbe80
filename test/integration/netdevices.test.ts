// linux.netDevices: a host interface (one end of a veth pair made for the
// test; this kernel has no dummy driver) is moved
// into the container's network namespace under its new name, up, with its
// permanent global addresses; the host no longer has it. When the namespace
// dies the kernel destroys a virtual device, and a veth's peer with it (a
// physical one would return to the host): the runtime never moves it out
// (config-linux.md). Refusals
// change nothing on the host.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { Sandbox, fails, results, skipReason, statePid, waitFor } from './harness'

const skip = skipReason() ?? (spawnSync('ip', ['-V']).status === 0 ? null : 'needs ip(8) on the host')
if (skip) t.plan(0, skip)

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' })
const hostHas = (dev: string): boolean => ip('link', 'show', 'dev', dev).status === 0

/** A veth pair on the host with unique names, [end to move, peer]; removed at teardown if still there. */
function vethPair(t: Test, suffix: string): [string, string] {
  const [dev, peer] = ['m', 'p'].map((e) => `tsrun${process.pid % 100000}${suffix}${e}`)
  t.teardown(() => { for (const d of [dev, peer]) if (hostHas(d)) ip('link', 'del', d) })
  const r = ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', peer)
  if (r.status !== 0) throw new Error(`ip link add ${dev}: ${r.stderr}`)
  return [dev, peer]
}

t.test('a host interface moves in, renamed, up, with its global addresses', async (t) => {
  const s = new Sandbox(t, 'netdev-move')
  const [dev, peer] = vethPair(t, 'a')
  ip('addr', 'add', '10.251.7.2/24', 'dev', dev)
  ip('addr', 'add', 'fd51:7::2/64', 'dev', dev)
  ip('link', 'set', dev, 'up')
  s.config((c) => {
    c.linux.netDevices = { [dev]: { name: 'ctr0' } }
    c.process.args = ['sh', '-c', [
      'echo "res links $(ls /sys/class/net | tr "\\n" " ")"',
      'echo "res up $(( $(cat /sys/class/net/ctr0/flags) & 1 ))"',
      'echo "res v4 $(ip -o -4 addr show dev ctr0 scope global | sed "s/.*inet \\([^ ]*\\).*/\\1/")"',
      'echo "res v6 $(ip -o -6 addr show dev ctr0 scope global | sed "s/.*inet6 \\([^ ]*\\).*/\\1/")"',
      'echo "res done"',
      'sleep 100',
    ].join('\n')]
  })
  const id = s.id()
  const created = s.tsrunDetached(['run', '-d', '-b', s.bundle, id], 'run')
  t.equal(created.status, 0, created.stderr)
  t.notOk(hostHas(dev), 'the host no longer has the interface')
  t.notOk(hostHas('ctr0'), 'nor one by the new name')
  // The container's view, from its own namespace.
  const pid = statePid(s, id)
  const r = spawnSync('nsenter', ['-t', String(pid), '-n', 'ip', '-o', 'link', 'show', 'ctr0'], { encoding: 'utf8' })
  t.match(r.stdout, /ctr0/, 'the interface is in the container\'s netns')
  const seen = () => results({ ...created, stdout: fs.readFileSync(created.outFile, 'utf8') })
  t.ok(await waitFor(() => seen().has('done')), 'the container reported')
  const res = seen()
  t.match(res.get('links'), /\bctr0\b/, 'listed in the container\'s /sys/class/net')
  t.equal(res.get('up'), '1', 'up inside')
  t.equal(res.get('v4'), '10.251.7.2/24', 'IPv4 address kept')
  t.equal(res.get('v6'), 'fd51:7::2/64', 'IPv6 address kept')

  const d = s.tsrun(['delete', '-f', id])
  t.equal(d.status, 0, d.stderr)
  // A veth is virtual: the kernel destroys it with the namespace rather than return it.
  t.notOk(hostHas(dev), 'not moved back by tsrun')
  t.notOk(hostHas('ctr0'), 'no ctr0 on the host')
  // The kernel tears a dead namespace down from a work queue, a moment later.
  t.ok(await waitFor(() => !hostHas(peer)), 'the peer went with it: the namespace is gone')
})

t.test('a "%d" name is numbered by the kernel; no name keeps the host\'s', async (t) => {
  const s = new Sandbox(t, 'netdev-names')
  const [dev] = vethPair(t, 'c')
  const [dev2] = vethPair(t, 'd')
  s.config((c) => {
    c.linux.netDevices = { [dev]: { name: 'net%d' }, [dev2]: {} }
    c.process.args = ['sh', '-c', 'echo "res links $(ls /sys/class/net | sort | tr "\n" " ")"']
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  // Sorted: "tsrun..." comes after "lo" and "net0".
  t.equal(results(r).get('links')?.trim(), `lo net0 ${dev2}`, 'net0 and the host\'s name inside')
})

t.test('bad netDevices change nothing on the host', async (t) => {
  const s = new Sandbox(t, 'netdev-bad')
  const [dev] = vethPair(t, 'b')
  ip('addr', 'add', '10.251.8.2/24', 'dev', dev)
  ip('link', 'set', dev, 'up')
  const cases: Array<[string, Record<string, { name?: string }>, (id: string) => string]> = [
    ['missing interface', { tsrunNoSuchDev: {} },
      (id) => `tsrun: create ${id}: netDevice tsrunNoSuchDev: find link tsrunNoSuchDev: No such device`],
    ['name taken inside', { [dev]: { name: 'lo' } },
      (id) => `tsrun: create ${id}: netDevice ${dev}: rename to lo: File exists`],
    ['invalid name', { [dev]: { name: 'a b' } },
      () => `tsrun: config.json: /linux/netDevices/${dev}/name: invalid network device name "a b"`],
  ]
  for (const [name, netDevices, want] of cases) {
    const id = s.id(`-${name.split(' ')[0]}`)
    s.config((c) => { c.linux.netDevices = netDevices })
    t.equal(fails(t, s, id, ['create', '-b', s.bundle, id]), want(id), name)
    t.ok(hostHas(dev), `${name}: the interface is still the host's`)
    t.match(ip('-o', 'link', 'show', dev).stdout, /[<,]UP[,>]/, `${name}: and still up`)
    t.match(ip('-o', '-4', 'addr', 'show', 'dev', dev).stdout, /10\.251\.8\.2\/24/, `${name}: with its address`)
  }
})
