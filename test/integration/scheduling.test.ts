// How the container runs, seen from inside: CPU affinity (not inherited from
// whoever started tsrun), linux.personality (uname -m and
// /proc/self/personality), process.scheduler (/proc/self/sched and the nice
// value in /proc/self/stat), process.ioPriority (busybox ionice) and
// linux.memoryPolicy (/proc/self/numa_maps); and each one's refusals: one
// clear line, nothing left behind.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { type Config, Sandbox, cliArgv, cliEnv, fails, results, skipReason, statePid } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

/** The shell's (not the reading child's) "policy  :  3" lines of /proc/PID/sched as res lines. */
const SCHED = 'sed -n "s/^\\(policy\\|prio\\) *: *\\(.*\\)/res \\1 \\2/p" /proc/$$/sched'
/** nice is field 19 of /proc/PID/stat (after the comm, which has no spaces here). */
const NICE = 'echo "res nice $(cut -d" " -f19 /proc/$$/stat)"'

function addCap(c: Config, cap: string): void {
  for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push(cap)
}

t.test('LINUX32 personality: uname -m says i686', async (t) => {
  if (process.arch !== 'x64') {
    t.plan(0, 'PER_LINUX32 shows as i686 on x86_64 only')
    return
  }
  const s = new Sandbox(t, 'sched-personality')
  s.config((c) => {
    c.linux.personality = { domain: 'LINUX32' }
    c.process.args = ['sh', '-c', 'echo "res machine $(uname -m)"; echo "res personality $(cat /proc/self/personality)"']
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('machine'), 'i686', 'uname -m')
  t.equal(res.get('personality'), '00000008', 'PER_LINUX32 in /proc/self/personality')

  s.config((c) => {
    c.linux.personality = { domain: 'LINUX' }
    c.process.args = ['sh', '-c', 'echo "res machine $(uname -m)"']
  })
  const r2 = s.run(s.id('-linux'))
  t.equal(results(r2).get('machine'), 'x86_64', 'LINUX keeps the native machine name')
})

t.test('a tsrun pinned to one CPU does not pin its container', async (t) => {
  const allowed = (text: string) => /^Cpus_allowed_list:\s*(\S+)/m.exec(text)?.[1]
  const ours = allowed(fs.readFileSync('/proc/self/status', 'utf8'))
  if (ours === '0' || spawnSync('taskset', ['-V']).status !== 0) {
    t.plan(0, 'needs taskset(1) and more than one CPU')
    return
  }
  const s = new Sandbox(t, 'sched-affinity')
  s.config((c) => { c.process.args = ['grep', 'Cpus_allowed_list', '/proc/self/status'] })
  const [cmd, args] = cliArgv(['--root', s.root, 'run', '-b', s.bundle, s.id()])
  const r = spawnSync('taskset', ['-c', '0', cmd, ...args], { encoding: 'utf8', env: cliEnv(), timeout: 60_000 })
  t.equal(r.status, 0, r.stderr)
  t.equal(allowed(r.stdout), ours, 'the container may run on every CPU its cgroup allows')
})

t.test('execCPUAffinity: an exec\'d process ends on its final CPUs; the init is not affected', async (t) => {
  const allowed = (text: string) => /^Cpus_allowed_list:\s*(\S+)/m.exec(text)?.[1]
  const all = allowed(fs.readFileSync('/proc/self/status', 'utf8'))
  if (all === '0') {
    t.plan(0, 'needs more than one CPU')
    return
  }
  const s = new Sandbox(t, 'sched-execaff')
  s.config((c) => {
    c.process.args = ['sleep', '1000']
    c.process.execCPUAffinity = { initial: '0', final: '1' }
  })
  const id = s.id()
  const r = s.tsrunDetached(['run', '-d', '-b', s.bundle, id], 'run')
  t.equal(r.status, 0, r.stderr)
  t.equal(allowed(fs.readFileSync(`/proc/${statePid(s, id)}/status`, 'utf8')), all, 'the container\'s init: every CPU')
  const see = ['grep', 'Cpus_allowed_list', '/proc/self/status']
  const e = s.tsrun(['exec', id, ...see])
  t.equal(e.status, 0, e.stderr)
  t.equal(allowed(e.stdout), '1', 'exec with the config\'s execCPUAffinity: final')

  const file = `${s.dir}/process.json`
  const proc = { args: see, cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] }
  fs.writeFileSync(file, JSON.stringify({ ...proc, execCPUAffinity: { final: '0' } }))
  const p = s.tsrun(['exec', '--process', file, id])
  t.equal(allowed(p.stdout), '0', `a process.json's own execCPUAffinity wins ${p.stderr}`)

  fs.writeFileSync(file, JSON.stringify({ ...proc, execCPUAffinity: { final: '7-9' } }))
  const bad = s.tsrun(['exec', '--process', file, id])
  t.equal(bad.status, 255, 'a CPU the machine lacks fails the exec')
  t.equal(bad.stderr.trim(), 'tsrun: exec failed: cpu affinity final 7-9: invalid argument')
  fs.writeFileSync(file, JSON.stringify({ ...proc, execCPUAffinity: { initial: '9' } }))
  const badInitial = s.tsrun(['exec', '--process', file, id])
  t.equal(badInitial.status, 255, 'so does an initial one')
  t.equal(badInitial.stderr.trim(), 'tsrun: exec failed: execCPUAffinity initial 9: sched_setaffinity: Invalid argument')
  const cgroup = readCgroup(String(statePid(s, id)))
  t.same(fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && readCgroup(p) === cgroup), [String(statePid(s, id))],
    'the failed execs left no process in the container\'s cgroup')
})

function readCgroup(pid: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')
  } catch {
    return ''
  }
}

t.test('scheduler policies', async (t) => {
  const s = new Sandbox(t, 'sched-policy')
  const cases: Array<[string, Config['process']['scheduler'], Record<string, string>]> = [
    ['SCHED_BATCH nice 7', { policy: 'SCHED_BATCH', nice: 7 }, { policy: '3', nice: '7' }],
    ['SCHED_IDLE', { policy: 'SCHED_IDLE', flags: ['SCHED_FLAG_RESET_ON_FORK'] }, { policy: '5' }],
    ['SCHED_OTHER nice -5', { policy: 'SCHED_OTHER', nice: -5 }, { policy: '0', nice: '-5' }],
    // A deadline task may not fork (EAGAIN) unless its children reset to SCHED_OTHER.
    ['SCHED_DEADLINE', { policy: 'SCHED_DEADLINE', runtime: 1_000_000, deadline: 5_000_000, period: 10_000_000,
      flags: ['SCHED_FLAG_RESET_ON_FORK'] }, { policy: '6', prio: '-1' }],
  ]
  for (const [name, sched, want] of cases) {
    s.config((c) => {
      c.process.scheduler = sched
      // Lowering nice and any deadline policy need CAP_SYS_NICE, which the
      // container itself must hold (the policy is set after the cap drop).
      addCap(c, 'CAP_SYS_NICE')
      c.process.args = ['sh', '-c', `${SCHED}; ${NICE}`]
    })
    const r = s.run(s.id(`-${want.policy}${want.nice ?? ''}`.replace('-', 'm')))
    t.equal(r.status, 0, `${name}: ${r.stderr}`)
    const res = results(r)
    for (const [k, v] of Object.entries(want)) t.equal(res.get(k), v, `${name}: ${k}`)
  }
})

t.test('a policy the container\'s capabilities do not allow is refused by the kernel, cleanly', async (t) => {
  const s = new Sandbox(t, 'sched-eperm')
  const id = s.id()
  // No CAP_SYS_NICE in the container's sets: a real-time policy is EPERM.
  s.config((c) => { c.process.scheduler = { policy: 'SCHED_FIFO', priority: 10 } })
  t.equal(fails(t, s, id, ['create', '-b', s.bundle, id]),
    `tsrun: create ${id}: scheduler SCHED_FIFO priority 10 nice 0: operation not permitted`)
})

t.test('io priority', async (t) => {
  const s = new Sandbox(t, 'sched-ioprio')
  const cases: Array<[Config['process']['ioPriority'], string]> = [
    [{ class: 'IOPRIO_CLASS_IDLE', priority: 0 }, 'idle'],
    [{ class: 'IOPRIO_CLASS_BE', priority: 6 }, 'best-effort: prio 6'],
  ]
  for (const [prio, want] of cases) {
    s.config((c) => {
      c.process.ioPriority = prio
      c.process.args = ['sh', '-c', 'echo "res ionice $(ionice -p $$)"']
    })
    const r = s.run(s.id(`-${prio.priority}`))
    t.equal(r.status, 0, r.stderr)
    t.equal(results(r).get('ionice'), want, prio.class)
  }
})

t.test('memory policy', async (t) => {
  const s = new Sandbox(t, 'sched-mpol')
  const cases: Array<[Config['linux']['memoryPolicy'], RegExp]> = [
    [{ mode: 'MPOL_INTERLEAVE', nodes: '0' }, /^interleave:0$/],
    [{ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] }, /^bind=static:0$/],
    [{ mode: 'MPOL_PREFERRED', nodes: '0' }, /^prefer:0$/],
    [{ mode: 'MPOL_LOCAL' }, /^local$/],
  ]
  for (const [mp, want] of cases) {
    s.config((c) => {
      c.linux.memoryPolicy = mp
      // The policy numa_maps shows for the process's first mapping.
      c.process.args = ['sh', '-c', 'echo "res mpol $(head -n1 /proc/self/numa_maps | cut -d" " -f2)"']
    })
    const r = s.run(s.id(`-${mp.mode.slice(5).toLowerCase().replace('_', '')}`))
    t.equal(r.status, 0, r.stderr)
    t.match(results(r).get('mpol'), want, mp.mode)
  }
})

t.test('a memory node the machine lacks fails create, cleanly', async (t) => {
  const s = new Sandbox(t, 'sched-mpol-node')
  const id = s.id()
  s.config((c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '1000' } })
  t.equal(fails(t, s, id, ['create', '-b', s.bundle, id]),
    `tsrun: create ${id}: memory policy MPOL_BIND flags 0x0: invalid argument`)
})

t.test('refused before any side effect', async (t) => {
  const s = new Sandbox(t, 'sched-refused')
  const cases: Array<[string, (c: Config) => void, string]> = [
    ['personality flags', (c) => { c.linux.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] } },
      'tsrun: config.json: /linux/personality/flags: personality flags are not supported: ADDR_NO_RANDOMIZE'],
    ['SCHED_ISO', (c) => { c.process.scheduler = { policy: 'SCHED_ISO' } },
      'tsrun: config.json: /process/scheduler/policy: SCHED_ISO is not implemented by the Linux kernel'],
    ['io priority level', (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 9 } },
      'tsrun: config.json: /process/ioPriority/priority: invalid ioPriority.Priority: 9'],
    ['memory nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_DEFAULT', nodes: '0' } },
      'tsrun: config.json: /linux/memoryPolicy/nodes: memory policy mode requires 0 nodes but got 1'],
    ['exec cpu affinity', (c) => { c.process.execCPUAffinity = { final: '2-1' } },
      'tsrun: config.json: /process/execCPUAffinity/final: invalid CPU list "2-1"'],
  ]
  for (const [name, edit, want] of cases) {
    const id = s.id(`-${name.replace(/ /g, '-')}`)
    s.config(edit)
    t.equal(fails(t, s, id, ['create', '-b', s.bundle, id]), want, name)
  }
})
