// update, events and whole-cgroup kills on real containers (runc's
// tests/integration/update.bats and events.bats): update's values reach the
// cgroup and show in events --stats; an OOM kill is reported by events;
// kill --all and delete -f stop a forking workload and leave nothing.
import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Sandbox, blockedInPoll, skipReason, statePid, waitFor } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

function runDetached(t: Test, s: Sandbox, id: string): void {
  const r = s.tsrunDetached(['run', '-d', '-b', s.bundle, id], id)
  t.equal(r.status, 0, `run -d: ${r.stderr}`)
}

interface StatsEvent { type: string; id: string; data: Record<string, any> }

function stats(t: Test, s: Sandbox, id: string): StatsEvent['data'] {
  const r = s.tsrun(['events', '--stats', id])
  t.equal(r.status, 0, r.stderr)
  t.ok(r.stdout.endsWith('}\n') && r.stdout.split('\n').length === 2, 'one JSON line')
  const e = JSON.parse(r.stdout) as StatsEvent
  t.same([e.type, e.id], ['stats', id])
  return e.data
}

/** The container's cgroup dir of `ctrl`, as the host sees it. */
function cgroupDir(pid: number, ctrl: string): string {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1].split(',').includes(ctrl))!
  return path.join('/sys/fs/cgroup', ctrl, line.split(':')[2])
}
const cat = (dir: string, f: string): string => fs.readFileSync(path.join(dir, f), 'utf8').trim()

t.test('update changes the limits; events --stats shows them', async (t) => {
  const s = new Sandbox(t, 'update')
  s.config((c) => {
    c.process.args = ['sleep', '1000']
    c.linux.resources = { ...c.linux.resources, memory: { limit: 100 << 20 }, cpu: { shares: 512 }, pids: { limit: 50 } }
  })
  const id = s.id()
  runDetached(t, s, id)
  const pid = statePid(s, id)
  let d = stats(t, s, id)
  t.equal(d.memory.usage.limit, 100 << 20)
  t.equal(d.pids.limit, 50)
  t.equal(d.pids.current, 1)
  t.ok(d.memory.usage.usage > 0, 'memory in use')
  t.ok(Array.isArray(d.cpu.usage.percpu), 'per-cpu usage')
  t.same(Object.keys(d), ['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces'], "runc's keys, in order")

  let r = s.tsrun(['update', '--memory', '64m', '--memory-swap', '128M', '--cpu-share', '256', '--cpu-quota', '30000',
    '--cpu-period', '60000', '--pids-limit', '20', '--cpuset-cpus', '0', id])
  t.same([r.status, r.stdout, r.stderr], [0, '', ''], 'update with flags')
  t.equal(cat(cgroupDir(pid, 'memory'), 'memory.limit_in_bytes'), String(64 << 20))
  t.equal(cat(cgroupDir(pid, 'memory'), 'memory.memsw.limit_in_bytes'), String(128 << 20))
  t.equal(cat(cgroupDir(pid, 'cpu'), 'cpu.shares'), '256')
  t.equal(cat(cgroupDir(pid, 'cpu'), 'cpu.cfs_quota_us'), '30000')
  t.equal(cat(cgroupDir(pid, 'cpu'), 'cpu.cfs_period_us'), '60000')
  t.equal(cat(cgroupDir(pid, 'cpuset'), 'cpuset.cpus'), '0')
  d = stats(t, s, id)
  t.equal(d.memory.usage.limit, 64 << 20)
  t.equal(d.memory.swap.limit, 128 << 20)
  t.equal(d.pids.limit, 20)
  t.same(d.cpuset.cpus, [0])

  r = s.tsrun(['update', '-r', '-', id], { input: JSON.stringify({ memory: { limit: 256 << 20, swap: 512 << 20 }, pids: { limit: 30 } }) })
  t.same([r.status, r.stderr], [0, ''], 'update --resources -: growing memory and swap together')
  d = stats(t, s, id)
  t.same([d.memory.usage.limit, d.memory.swap.limit, d.pids.limit], [256 << 20, 512 << 20, 30])

  const bad: [string[], RegExp][] = [
    [['--memory', 'lots'], /^tsrun: invalid value for memory: invalid size: 'lots'\n$/],
    [['--cpu-quota', '1.5'], /^tsrun: invalid value for cpu-quota: strconv.ParseInt: parsing "1.5": invalid syntax\n$/],
    [['--memory', '1'], /^tsrun: update \S+: unable to set memory limit to 1 \(current usage: \d+, peak usage: \d+\): write "1" to .*EBUSY/],
  ]
  for (const [flags, message] of bad) {
    r = s.tsrun(['update', ...flags, id])
    t.equal(r.status, 1, flags.join(' '))
    t.match(r.stderr, message)
  }
  r = s.tsrun(['update', '-r', '-', id], { input: JSON.stringify({ memory: { limit: 4096, checkBeforeUpdate: true } }) })
  t.match(r.stderr, /^tsrun: update \S+: rejecting memory limit 4096 below current usage \d+\n$/)
  t.equal(cat(cgroupDir(pid, 'memory'), 'memory.limit_in_bytes'), String(256 << 20), 'a refused update changes nothing')

  t.equal(s.tsrun(['kill', id, 'KILL']).status, 0)
  t.ok(await waitFor(() => s.tsrun(['state', id]).stdout.includes('"stopped"')))
  r = s.tsrun(['update', '--pids-limit', '5', id])
  t.same([r.status, r.stderr], [1, `tsrun: update ${id}: container not running\n`])
  r = s.tsrun(['events', '--stats', id])
  t.same([r.status, r.stderr], [1, `tsrun: events ${id}: container with id ${id} is not running\n`])
  t.equal(s.tsrun(['delete', id]).status, 0)
})

t.test('events streams stats and reports an OOM kill when the kernel signals it', async (t) => {
  const s = new Sandbox(t, 'oom')
  const shared = path.join(s.dir, 'shared')
  fs.mkdirSync(shared)
  fs.mkdirSync(path.join(s.bundle, 'rootfs', 'shared'))
  s.config((c) => {
    // dd's 64 MiB buffer cannot fit in 16 MiB without swap: the OOM killer takes dd, sh goes on.
    c.process.args = ['sh', '-c', 'while [ ! -e /shared/go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1000']
    c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] })
    c.linux.resources = { ...c.linux.resources, memory: { limit: 16 << 20, swap: 16 << 20 } }
  })
  const id = s.id()
  runDetached(t, s, id)
  const ev = s.spawnTsrun(['events', '--interval', '100ms', id])
  // A stats time an hour away: only a notification can make this one print the OOM record now.
  const hourly = s.spawnTsrun(['events', '--interval', '1h', id])
  t.teardown(() => { ev.child.kill('SIGKILL'); hourly.child.kill('SIGKILL') })
  const lines = (r = ev): StatsEvent[] => r.output().split('\n').filter(Boolean).map((l) => JSON.parse(l) as StatsEvent)
  t.ok(await waitFor(() => lines().length >= 1), 'a stats record every interval')
  t.equal(lines()[0].type, 'stats')
  // Its wait: poll on the eventfd registered for memory.oom_control and the init's pidfd, for up to the hour.
  const waiting = (): boolean => {
    const p = blockedInPoll(hourly.child.pid!)
    return p !== null && p.fds.join(' ') === 'anon_inode:[eventfd] anon_inode:[pidfd]' && p.timeoutMs > 60_000
  }
  t.ok(await waitFor(waiting), 'the hourly events waits on an eventfd and the pidfd, not on a timer')
  fs.writeFileSync(path.join(shared, 'go'), '')
  t.ok(await waitFor(() => lines().some((e) => e.type === 'oom')), 'the OOM kill is reported')
  t.same(lines().find((e) => e.type === 'oom'), { type: 'oom', id }, "runc's oom record: no data")
  t.ok(await waitFor(() => lines(hourly).length > 0), 'the hourly events reports it too')
  t.same(lines(hourly)[0], { type: 'oom', id }, 'an oom record, no stats before it')

  t.equal(s.tsrun(['delete', '-f', id]).status, 0)
  for (const r of [ev, hourly]) {
    const done = await r.done
    t.same([done.status, done.stderr], [0, ''], 'events ends once the container is gone')
  }
  t.ok(lines(hourly).every((e) => e.type === 'oom'), 'no stats record from the hourly events')
})

t.test('kill --all and delete -f stop a forking workload and leave nothing', async (t) => {
  const s = new Sandbox(t, 'forker')
  // Never stops forking: a new background sleep every 10 ms, each living
  // a second (busybox sh exits when a fork fails, so no pids limit).
  s.config((c) => { c.process.args = ['sh', '-c', 'while :; do sleep 1 & sleep 0.01; done'] })
  const id = s.id()
  runDetached(t, s, id)
  const pid = statePid(s, id)
  const pidsDir = cgroupDir(pid, 'pids')
  t.ok(await waitFor(() => Number(cat(pidsDir, 'pids.current')) >= 30), 'the workload forked')
  let r = s.tsrun(['kill', '--all', id, 'KILL'])
  t.same([r.status, r.stderr], [0, ''])
  t.ok(await waitFor(() => !fs.existsSync(pidsDir) || cat(pidsDir, 'cgroup.procs') === ''), 'kill --all: no process left in the cgroup')
  t.equal(s.tsrun(['delete', id]).status, 0)
  t.notOk(fs.existsSync(pidsDir), 'delete removed the cgroup')

  const id2 = s.id('-2')
  runDetached(t, s, id2)
  const dirs = ['pids', 'memory', 'cpu', 'freezer', 'devices'].map((c) => cgroupDir(statePid(s, id2), c))
  t.ok(await waitFor(() => Number(cat(dirs[0], 'pids.current')) >= 30), 'the workload forked')
  r = s.tsrun(['delete', '-f', id2])
  t.same([r.status, r.stderr], [0, ''])
  t.same(dirs.filter((d) => fs.existsSync(d)), [], 'delete -f removed the cgroup in every hierarchy')
})
