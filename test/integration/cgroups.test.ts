// linux.resources on real containers (cgroup v1 / hybrid hosts): each
// container reads its own cgroup files through its cgroup mount and prints
// them; bad values fail create with one line naming the file, the value and
// the errno, and leave nothing behind (the sandbox checks).
import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import { Sandbox, cliArgv, cliEnv, results, skipReason, type Config } from './harness'

const skip = skipReason() ?? (fs.statfsSync('/sys/fs/cgroup').type === 0x63677270 ? 'host is cgroup v2 (see cgroups-v2.test.ts)' : null)
if (skip) t.plan(0, skip)

/** Runs a container printing "res <ctrl>/<file> <first line>" for each file, with `resources` set. */
function readFiles(t: Test, name: string, files: string[], resources: Config): Map<string, string> {
  const s = new Sandbox(t, name)
  s.config((c) => {
    c.process.args = ['sh', '-c', files.map((f) => `echo "res ${f} $(head -n1 /sys/fs/cgroup/${f})"`).join('; ')]
    c.linux.resources = { ...c.linux.resources, ...resources }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, `run: ${r.stderr}`)
  return results(r)
}

function expectFiles(t: Test, got: Map<string, string>, want: Record<string, string>): void {
  for (const [f, v] of Object.entries(want)) t.equal(got.get(f), v, f)
}

t.test('memory', async (t) => {
  const mb = 64 * 1024 * 1024
  expectFiles(t, readFiles(t, 'mem', [
    'memory/memory.limit_in_bytes', 'memory/memory.soft_limit_in_bytes', 'memory/memory.memsw.limit_in_bytes',
    'memory/memory.kmem.tcp.limit_in_bytes', 'memory/memory.swappiness', 'memory/memory.oom_control', 'memory/memory.use_hierarchy',
  ], { memory: { limit: mb, reservation: mb / 2, swap: 2 * mb, kernelTCP: mb, swappiness: 7, disableOOMKiller: true, useHierarchy: true } }), {
    'memory/memory.limit_in_bytes': String(mb), 'memory/memory.soft_limit_in_bytes': String(mb / 2),
    'memory/memory.memsw.limit_in_bytes': String(2 * mb), 'memory/memory.kmem.tcp.limit_in_bytes': String(mb),
    'memory/memory.swappiness': '7', 'memory/memory.oom_control': 'oom_kill_disable 1', 'memory/memory.use_hierarchy': '1',
  })
})

t.test('cpu and cpuset', async (t) => {
  expectFiles(t, readFiles(t, 'cpu', [
    'cpu/cpu.shares', 'cpu/cpu.cfs_quota_us', 'cpu/cpu.cfs_period_us', 'cpu/cpu.cfs_burst_us',
    'cpu/cpu.rt_period_us', 'cpu/cpu.rt_runtime_us', 'cpuset/cpuset.cpus', 'cpuset/cpuset.mems',
  ], { cpu: { shares: 300, quota: 20000, period: 50000, burst: 1000, realtimePeriod: 500000, realtimeRuntime: 1000, cpus: '0', mems: '0' } }), {
    'cpu/cpu.shares': '300', 'cpu/cpu.cfs_quota_us': '20000', 'cpu/cpu.cfs_period_us': '50000', 'cpu/cpu.cfs_burst_us': '1000',
    'cpu/cpu.rt_period_us': '500000', 'cpu/cpu.rt_runtime_us': '1000', 'cpuset/cpuset.cpus': '0', 'cpuset/cpuset.mems': '0',
  })
  expectFiles(t, readFiles(t, 'idle', ['cpu/cpu.idle'], { cpu: { idle: 1 } }), { 'cpu/cpu.idle': '1' })
})

t.test('pids and blkio throttling', async (t) => {
  const [major, minor] = fs.readFileSync('/proc/partitions', 'utf8').split('\n')[2].trim().split(/\s+/).map(Number)
  const d = (rate: number) => [{ major, minor, rate }]
  expectFiles(t, readFiles(t, 'io', [
    'pids/pids.max', 'blkio/blkio.throttle.read_bps_device', 'blkio/blkio.throttle.write_bps_device',
    'blkio/blkio.throttle.read_iops_device', 'blkio/blkio.throttle.write_iops_device',
  ], { pids: { limit: 42 }, blockIO: { throttleReadBpsDevice: d(1000000), throttleWriteBpsDevice: d(2000000), throttleReadIOPSDevice: d(300), throttleWriteIOPSDevice: d(400) } }), {
    'pids/pids.max': '42', 'blkio/blkio.throttle.read_bps_device': `${major}:${minor} 1000000`,
    'blkio/blkio.throttle.write_bps_device': `${major}:${minor} 2000000`,
    'blkio/blkio.throttle.read_iops_device': `${major}:${minor} 300`, 'blkio/blkio.throttle.write_iops_device': `${major}:${minor} 400`,
  })
})

t.test('devices: deny all, the defaults and the listed rules, in order', async (t) => {
  const s = new Sandbox(t, 'devices')
  s.config((c) => {
    c.process.args = ['sh', '-c', 'cat /sys/fs/cgroup/devices/devices.list; echo x > /dev/null && echo res null ok; head -c1 /dev/kmsg 2>/dev/null || echo res kmsg denied']
    c.linux.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11 }]
    c.linux.resources.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
      { allow: false, type: 'c', major: 1, minor: 11, access: 'rwm' }]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const list = r.stdout.split('\n').filter((l) => /^[abc] /.test(l))
  t.ok(list.includes('c 10:229 rw'), 'the listed rule')
  t.ok(list.includes('c 1:3 rwm') && list.includes('c 136:* rwm') && list.includes('c *:* m'), 'the default devices')
  t.notOk(list.includes('a *:* rwm'), 'not everything')
  t.ok(list.includes('c 1:11 rwm'), 'linux.devices come after the spec rules (runc): /dev/kmsg allowed')
  t.equal(results(r).get('null'), 'ok')
})

t.test('a device denied by the rules cannot be opened', async (t) => {
  const s = new Sandbox(t, 'devdeny')
  s.config((c) => {
    // Root may open /dev/fuse: only the device cgroup can refuse it.
    c.process.args = ['sh', '-c', 'mknod /tmp/fuse c 10 229; echo x > /tmp/fuse 2>/dev/null && echo res fuse open || echo res fuse denied']
    c.root.readonly = false
    c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] })
    c.process.capabilities.bounding.push('CAP_MKNOD')
    c.process.capabilities.effective.push('CAP_MKNOD')
    c.process.capabilities.permitted.push('CAP_MKNOD')
  })
  const r = s.run(s.id())
  t.equal(results(r).get('fuse'), 'denied', `${r.stdout}${r.stderr}`)
})

/** create with `resources`; it must fail with `message` and leave nothing (the sandbox checks). */
function refused(t: Test, name: string, resources: Config, message: RegExp): void {
  const s = new Sandbox(t, name)
  s.config((c) => { c.linux.resources = { ...c.linux.resources, ...resources } })
  const id = s.id()
  const r = s.tsrun(['create', '-b', s.bundle, id])
  t.equal(r.status, 1)
  t.match(r.stderr, message)
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line')
  t.notOk(fs.existsSync(`${s.root}/${id}`), 'no state left')
}

// The parent moving a pid into a cgroup.procs takes the kernel's global
// threadgroup lock, whose first writer waits out an RCU grace period: the
// init joins its v1 hierarchies itself instead (InitPlan.cgroupFds).
t.test('the init joins every v1 hierarchy by writing "0" into tasks; tsrun writes no pid into a v1 cgroup.procs', async (t) => {
  const s = new Sandbox(t, 'selfjoin')
  s.config((c) => { c.process.args = ['true'] })
  const trace = path.join(s.dir, 'strace')
  const [cmd, args] = cliArgv(['--root', s.root, 'run', '-b', s.bundle, s.id()])
  const r = spawnSync('strace', ['-f', '-qq', '-y', '-e', 'trace=write', '-e', 'status=successful', '-o', trace, cmd, ...args],
    { env: cliEnv(), stdio: 'ignore', timeout: 60_000 })
  t.equal(r.status, 0, 'run under strace')
  const writes = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => l.includes('</sys/fs/cgroup/'))
  const joined = new Set(writes.flatMap((l) => /write\(\d+<\/sys\/fs\/cgroup\/([^/>]+)\/[^>]*\/tasks>, "0", 1\) = 1/.exec(l)?.[1] ?? []))
  // Every v1 hierarchy mounted under /sys/fs/cgroup (joint ones by their mount's name).
  const v1 = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .filter((l) => / - cgroup /.test(l)).map((l) => path.basename(l.split(' ')[4]))
  t.ok(v1.length > 0, `v1 hierarchies: ${v1}`)
  t.same([...joined].sort(), [...new Set(v1)].sort(), 'joined by the init')
  t.same(writes.filter((l) => /\/cgroup\.procs>/.test(l) && !l.includes('/sys/fs/cgroup/unified/')), [], 'no pid written into a v1 cgroup.procs')
})

t.test('bad values: one clear line, nothing left behind', async (t) => {
  refused(t, 'badquota', { cpu: { quota: 10, period: 100000 } },
    /^tsrun: create \S+: write "10" to \/sys\/fs\/cgroup\/cpu\/.*\/cpu\.cfs_quota_us: EINVAL/)
  refused(t, 'badshares', { cpu: { shares: 1 } }, /^tsrun: create \S+: cpu.shares 1: the minimum allowed cpu-shares is 2$/m)
  refused(t, 'badswap', { memory: { swappiness: 200 } }, /linux\.resources\.memory\.swappiness: invalid value 200 \(valid range is 0-100\)/)
  refused(t, 'badmem', { memory: { limit: 1000000, swap: 500000 } }, /write "500000" to .*memory\.memsw\.limit_in_bytes: EINVAL/)
  refused(t, 'unified', { unified: { 'memory.high': '100' } }, /linux\.resources\.unified: cannot use unified on cgroup v1$/m)
  refused(t, 'badcpus', { cpu: { cpus: '99' } }, /write "99" to .*cpuset\.cpus: ERANGE/)
  refused(t, 'badpage', { hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }, /hugetlb\.3MB\.limit_in_bytes/)
})

t.test('--systemd-cgroup without systemd: one clear line before anything is made', { skip: fs.existsSync('/run/systemd/system') && 'systemd runs here' }, async (t) => {
  const s = new Sandbox(t, 'systemd')
  s.config((c) => { c.linux.cgroupsPath = 'system.slice:tsrun:x1' })
  const id = s.id()
  let r = s.tsrun(['--systemd-cgroup', 'create', '-b', s.bundle, id])
  t.same([r.status, r.stderr], [1, `tsrun: systemd cgroup flag passed, but systemd is not running (no /run/systemd/system): cannot create tsrun-x1.scope in system.slice\n`])
  s.config((c) => { c.linux.cgroupsPath = '/not/systemd' })
  r = s.tsrun(['--systemd-cgroup', 'create', '-b', s.bundle, id])
  t.match(r.stderr, /expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "\/not\/systemd" instead/)
  t.notOk(fs.existsSync(`${s.root}/${id}`), 'no state left')
})
