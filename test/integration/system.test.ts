// Kernel knobs the container gets from config.json, seen from inside:
// hostname and domainname (uts), linux.sysctl (each in the namespace that
// owns it, the host's value untouched), process.rlimits and
// process.oomScoreAdj.
import t from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import { type Result, Sandbox, skipReason, results } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const hostSysctl = (key: string): string => fs.readFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, 'utf8').trim()

/** "Max open files  1234  2345  files" lines of /proc/self/limits → name → [soft, hard]. */
function limits(r: Result): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>()
  for (const l of r.stdout.split('\n')) {
    const m = /^lim (Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(l)
    if (m) out.set(m[1], [m[2], m[3]])
  }
  return out
}

t.test('hostname, domainname, sysctls, rlimits and oom_score_adj', async (t) => {
  const s = new Sandbox(t, 'sys-knobs')
  const keys = ['net.ipv4.ip_forward', 'kernel.shmmax', 'kernel.domainname']
  const before = keys.map(hostSysctl)
  s.config((c) => {
    c.hostname = 'tsrun-host'
    c.domainname = 'tsrun.example'
    // ip_forward is per network namespace, shmmax per ipc namespace.
    c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '123456789' }
    c.process.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 1234, hard: 2345 },
      { type: 'RLIMIT_NPROC', soft: 333, hard: 444 },
      // 2^64-1 in JSON: unlimited.
      { type: 'RLIMIT_CORE', soft: 0, hard: 18446744073709551615 },
    ]
    c.process.oomScoreAdj = 123
    c.process.args = ['sh', '-c', [
      'echo "res uname-n $(uname -n)"',
      'echo "res hostname $(cat /proc/sys/kernel/hostname)"',
      'echo "res domainname $(cat /proc/sys/kernel/domainname)"',
      'echo "res ip_forward $(cat /proc/sys/net/ipv4/ip_forward)"',
      'echo "res shmmax $(cat /proc/sys/kernel/shmmax)"',
      'echo "res ulimit-n $(ulimit -n) $(ulimit -Hn)"',
      'grep "^Max" /proc/self/limits | sed "s/^/lim /"',
      'echo "res oom $(cat /proc/self/oom_score_adj)"',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('uname-n'), 'tsrun-host', 'uname -n is the hostname')
  t.equal(res.get('hostname'), 'tsrun-host', '/proc/sys/kernel/hostname')
  t.equal(res.get('domainname'), 'tsrun.example', '/proc/sys/kernel/domainname')
  t.equal(res.get('ip_forward'), '1', 'net.ipv4.ip_forward set in the container\'s netns')
  t.equal(res.get('shmmax'), '123456789', 'kernel.shmmax set in the container\'s ipc ns')
  t.same(keys.map(hostSysctl), before, 'the host\'s values are unchanged')
  t.not(os.hostname(), 'tsrun-host', 'the host\'s hostname is unchanged')

  t.equal(res.get('ulimit-n'), '1234 2345', 'ulimit -n / -Hn')
  const lim = limits(r)
  t.same(lim.get('Max open files'), ['1234', '2345'], 'RLIMIT_NOFILE in /proc/self/limits')
  t.same(lim.get('Max processes'), ['333', '444'], 'RLIMIT_NPROC')
  t.same(lim.get('Max core file size'), ['0', 'unlimited'], 'RLIMIT_CORE with an unlimited hard limit')
  t.equal(res.get('oom'), '123', 'oom_score_adj')
})

t.test('without a hostname the new uts namespace keeps the host\'s; rlimits not listed are inherited', async (t) => {
  const s = new Sandbox(t, 'sys-defaults')
  s.config((c) => {
    delete c.hostname
    c.process.rlimits = []
    c.process.args = ['sh', '-c', 'echo "res uname-n $(uname -n)"; echo "res ulimit-n $(ulimit -n)"; echo "res oom $(cat /proc/self/oom_score_adj)"']
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('uname-n'), os.hostname(), 'the host\'s name, copied into the new uts ns')
  // tsrun's own limit (node raises its soft NOFILE to the hard limit) passes on.
  t.match(res.get('ulimit-n'), /^\d+$/, 'NOFILE inherited')
  t.equal(res.get('oom'), fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim(), 'oom_score_adj inherited')
})

t.test('a sysctl the container\'s namespaces do not own is refused before anything runs', async (t) => {
  const s = new Sandbox(t, 'sys-refused')
  const before = hostSysctl('net.ipv4.ip_forward')
  s.config((c) => {
    c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'network')
    c.linux.sysctl = { 'net.ipv4.ip_forward': before === '1' ? '0' : '1' }
  })
  const r = s.run(s.id())
  t.not(r.status, 0, 'create fails')
  t.match(r.stderr, /net\.ipv4\.ip_forward.*host network namespace/, r.stderr.trim())
  t.equal(hostSysctl('net.ipv4.ip_forward'), before, 'the host\'s value is unchanged')
})

t.test('a new session keyring named after the container, unless --no-new-keyring', async (t) => {
  const s = new Sandbox(t, 'sys-keyring')
  s.config((c) => { c.process.args = ['sleep', '30'] })
  // The container's keyring shows in the host's /proc/keys (same owner, root).
  const keyring = (id: string) => fs.readFileSync('/proc/keys', 'utf8').split('\n').filter((l) => / keyring +(\S+): /.exec(l)?.[1] === id)
  const own = s.id('-own')
  t.equal(s.tsrun(['create', '-b', s.bundle, own]).status, 0)
  t.equal(keyring(own).length, 1, 'its own session keyring')
  const shared = s.id('-shared')
  t.equal(s.tsrun(['create', '--no-new-keyring', '-b', s.bundle, shared]).status, 0)
  t.equal(keyring(shared).length, 0, 'no new keyring with --no-new-keyring')
  for (const id of [own, shared]) t.equal(s.tsrun(['delete', '-f', id]).status, 0)
})
