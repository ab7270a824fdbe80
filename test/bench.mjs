#!/usr/bin/env node
// `npm run bench`: tsrun next to runc and crun (when installed) on the same bundle, in one run.
//
// Each runtime gets its own --root under a temp dir and runs a temp copy of bundles/busybox whose
// process is /bin/true. Per command it prints the median and min wall time of BENCH_N calls
// (default 30; the runtimes take turns each iteration), ratios, the `node -e 0` floor every tsrun
// call pays, peak RSS per call (/usr/bin/time -f %M) and the size of tsrun-init. Every container
// it creates and every temp dir is removed at the end, also on error or Ctrl-C.
// A runtime whose first `run` fails is skipped with a notice (exit 0); a call failing later drops
// that runtime from that command, is listed at the end, and makes the exit code 1.
// Node built-ins only. Run as root (the runtimes need it).
import { spawnSync } from 'node:child_process'
import { accessSync, closeSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.BENCH_N ?? 30)
const RSS_N = Math.min(N, 5)
const TIME = '/usr/bin/time'
const HUGETLB = '/sys/fs/cgroup/hugetlb'
const CALL_TIMEOUT_MS = 30_000

const env = { ...process.env }
delete env.NODE_EXTRA_CA_CERTS

class CallError extends Error {}

let interrupted = false
const cleanups = []
let tmp

// ---------------------------------------------------------------------------------------------
// Running commands

function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin']
  for (const d of dirs) {
    try {
      accessSync(join(d, name), constants.X_OK)
      return join(d, name)
    } catch {}
  }
  return null
}

// Runs argv; returns {ms, rss (KiB) or null}; throws CallError on a non-zero exit.
function exec(argv, { rss = false } = {}) {
  let [cmd, ...args] = argv
  const rssFile = join(tmp, 'rss')
  if (rss) {
    args = ['-f', '%M', '-o', rssFile, cmd, ...args]
    cmd = TIME
  }
  // stderr goes to a file, not a pipe: a created container inherits it and keeps it open, and
  // spawnSync would wait for the pipe to close.
  const errFile = join(tmp, 'stderr')
  const errFd = openSync(errFile, 'w')
  const t0 = process.hrtime.bigint()
  let r
  try {
    r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', errFd], env, timeout: CALL_TIMEOUT_MS, killSignal: 'SIGKILL' })
  } finally {
    closeSync(errFd)
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.error) throw new CallError(`${argv.join(' ')}: ${r.error.message}`)
  if (r.status !== 0) {
    const why = r.signal ? `killed by ${r.signal}` : `exit ${r.status}`
    const last = readFileSync(errFile, 'utf8').trim().split('\n').pop()
    throw new CallError(`${argv.join(' ')}: ${why}${last ? `: ${last}` : ''}`)
  }
  // time(1) writes "Command exited with non-zero status N" first when it fails: take the last line.
  const kib = rss ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : null
  return { ms, rss: kib }
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

// A container's process counts as stopped once it is gone or a zombie (runc's rule).
function waitDead(pid) {
  for (let i = 0; i < 5000; i++) {
    let st
    try {
      st = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      return
    }
    const state = st.slice(st.lastIndexOf(')') + 2)[0]
    if (state === 'Z' || state === 'X') return
    sleepMs(1)
  }
  throw new CallError(`pid ${pid} did not exit`)
}

// ---------------------------------------------------------------------------------------------
// Runtimes

function runtime(name, bin) {
  const root = join(tmp, `root-${name}`)
  mkdirSync(root)
  let n = 0
  const rt = {
    name,
    bin,
    root,
    ids: new Set(),
    newId() {
      const id = `bench-${process.pid}-${name}-${n++}`
      rt.ids.add(id)
      return id
    },
    call(args, opts) {
      return exec([bin, '--root', root, ...args], opts)
    },
    // Best-effort removal; skips ids that have no state dir (e.g. removed by a foreground run).
    remove(id) {
      if (!existsSync(join(root, id))) return
      try {
        rt.call(['delete', '-f', id])
      } catch {}
    },
  }
  return rt
}

function version(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env })
  return (r.stdout ?? '').split('\n')[0].replace(/^.*version\s*/, '') || '?'
}

// crun 1.8 refuses a hybrid layout while hugetlb sits on cgroup2: give hugetlb a v1 hierarchy.
function hugetlbForCrun() {
  if (existsSync(HUGETLB) || !existsSync('/sys/fs/cgroup/unified') || process.getuid() !== 0) return
  try {
    mkdirSync(HUGETLB, { recursive: true })
  } catch (e) {
    console.log(`notice: cannot create ${HUGETLB}: ${e.message}`)
    return
  }
  const r = spawnSync('mount', ['-t', 'cgroup', '-o', 'hugetlb', 'cgroup', HUGETLB], { encoding: 'utf8' })
  if (r.status !== 0) {
    console.log(`notice: cannot mount hugetlb v1 hierarchy: ${(r.stderr ?? '').trim()}`)
    spawnSync('rmdir', [HUGETLB])
    return
  }
  cleanups.push(() => {
    spawnSync('umount', [HUGETLB])
    spawnSync('rmdir', [HUGETLB])
  })
}

// ---------------------------------------------------------------------------------------------
// The bundle: bundles/busybox with /bin/true as its process.

function makeBundle() {
  const src = join(repo, 'bundles/busybox')
  if (!existsSync(join(src, 'rootfs/bin/busybox'))) {
    const r = spawnSync('sh', [join(src, 'make-rootfs.sh')], { stdio: 'inherit' })
    if (r.status !== 0) throw new Error('cannot build bundles/busybox/rootfs (run npm run setup)')
  }
  const dst = join(tmp, 'bundle')
  cpSync(src, dst, { recursive: true, verbatimSymlinks: true })
  const config = JSON.parse(readFileSync(join(dst, 'config.json'), 'utf8'))
  config.process.args = ['/bin/true']
  config.process.terminal = false
  writeFileSync(join(dst, 'config.json'), JSON.stringify(config, null, 2))
  return dst
}

// ---------------------------------------------------------------------------------------------
// What is measured. Each op returns {ms, rss}: the sum of its timed calls and their largest RSS;
// calls made through `t` are timed, the rest (setup, teardown) are not.

function timed(rss) {
  const acc = { ms: 0, rss: null }
  const t = (rt, args) => {
    const r = rt.call(args, { rss })
    acc.ms += r.ms
    if (r.rss !== null) acc.rss = Math.max(acc.rss ?? 0, r.rss)
  }
  return { acc, t }
}

function createWithPid(rt, bundle, id) {
  const pidFile = join(tmp, `${id}.pid`)
  rt.call(['create', '--bundle', bundle, '--pid-file', pidFile, id])
  const pid = Number(readFileSync(pidFile, 'utf8'))
  rmSync(pidFile)
  return pid
}

const ops = [
  {
    name: 'run /bin/true',
    calls: 1,
    once(rt, bundle, rss) {
      const { acc, t } = timed(rss)
      const id = rt.newId()
      try {
        t(rt, ['run', '--bundle', bundle, id])
      } finally {
        rt.remove(id)
      }
      return acc
    },
  },
  {
    name: 'create+start+delete',
    calls: 3,
    once(rt, bundle, rss) {
      const { acc, t } = timed(rss)
      const id = rt.newId()
      try {
        t(rt, ['create', '--bundle', bundle, id])
        t(rt, ['start', id])
        t(rt, ['delete', '-f', id])
      } finally {
        rt.remove(id)
      }
      return acc
    },
  },
  {
    name: 'state',
    calls: 1,
    // One created container per runtime serves every `state` call.
    setup(rt, bundle) {
      rt.stateId = rt.newId()
      rt.call(['create', '--bundle', bundle, rt.stateId])
    },
    once(rt, _bundle, rss) {
      const { acc, t } = timed(rss)
      t(rt, ['state', rt.stateId])
      return acc
    },
    teardown(rt) {
      if (rt.stateId) rt.remove(rt.stateId)
    },
  },
  {
    name: 'kill (created, KILL)',
    calls: 1,
    once(rt, bundle, rss) {
      const { acc, t } = timed(rss)
      const id = rt.newId()
      try {
        rt.call(['create', '--bundle', bundle, id])
        t(rt, ['kill', id, 'KILL'])
      } finally {
        rt.remove(id)
      }
      return acc
    },
  },
  {
    name: 'delete (stopped)',
    calls: 1,
    once(rt, bundle, rss) {
      const { acc, t } = timed(rss)
      const id = rt.newId()
      try {
        const pid = createWithPid(rt, bundle, id)
        rt.call(['start', id])
        waitDead(pid)
        t(rt, ['delete', id])
      } finally {
        rt.remove(id)
      }
      return acc
    },
  },
]

const floor = { name: 'node -e 0', call: (rss) => exec([process.execPath, '-e', '0'], { rss }) }

// ---------------------------------------------------------------------------------------------
// Statistics and the report

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const min = (xs) => Math.min(...xs)
const ms = (x) => (x === undefined ? '-' : x.toFixed(2))
const ratio = (a, b) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`)
const mb = (kib) => (kib === undefined ? '-' : (kib / 1024).toFixed(1))

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '))
    .join('\n')
}

function report(rts, results, failures) {
  const floorStats = results.floor
  const names = rts.map((rt) => rt.name)
  const has = (n) => names.includes(n)
  const med = (rt, op) => (results[rt]?.[op]?.ms.length ? median(results[rt][op].ms) : undefined)
  const lo = (rt, op) => (results[rt]?.[op]?.ms.length ? min(results[rt][op].ms) : undefined)
  const floorMed = median(floorStats.ms)

  const head = ['command (ms)']
  for (const n of names) head.push(`${n} med`, `${n} min`)
  const rows = [head]
  for (const op of ops) {
    const row = [op.name]
    for (const n of names) row.push(ms(med(n, op.name)), ms(lo(n, op.name)))
    rows.push(row)
  }
  console.log(`\n${table(rows)}`)

  // Ratios of medians. tsrun-node: tsrun's median minus the node floor once per tsrun call.
  const ratioHead = ['command (ratio of medians)']
  if (has('runc') && has('crun')) ratioHead.push('crun/runc')
  if (has('tsrun') && has('runc')) ratioHead.push('tsrun/runc')
  if (has('tsrun') && has('crun')) ratioHead.push('tsrun/crun')
  if (has('tsrun')) ratioHead.push('tsrun-node ms')
  if (has('tsrun') && has('crun')) ratioHead.push('(tsrun-node)/crun')
  if (ratioHead.length > 1) {
    const ratioRows = [ratioHead]
    for (const op of ops) {
      const row = [op.name]
      const ts = med('tsrun', op.name)
      const bare = ts === undefined ? undefined : ts - floorMed * op.calls
      if (has('runc') && has('crun')) row.push(ratio(med('crun', op.name), med('runc', op.name)))
      if (has('tsrun') && has('runc')) row.push(ratio(ts, med('runc', op.name)))
      if (has('tsrun') && has('crun')) row.push(ratio(ts, med('crun', op.name)))
      if (has('tsrun')) row.push(ms(bare))
      if (has('tsrun') && has('crun')) row.push(ratio(bare, med('crun', op.name)))
      ratioRows.push(row)
    }
    console.log(`\n${table(ratioRows)}`)
    if (has('tsrun')) console.log('(tsrun-node: tsrun minus the node floor, once per tsrun call: 3 for create+start+delete)')
  }
  const floorRss = floorStats.rss.length ? `, peak RSS ${mb(median(floorStats.rss))} MB` : ''
  console.log(`\nnode floor (${floor.name}): median ${ms(floorMed)} ms, min ${ms(min(floorStats.ms))} ms${floorRss}`)

  const rssHead = [`peak RSS per call (MB, median of ${RSS_N})`, ...names]
  const rssRows = [rssHead]
  for (const op of ops) {
    rssRows.push([op.name, ...names.map((n) => mb(results[n]?.[op.name]?.rss.length ? median(results[n][op.name].rss) : undefined))])
  }
  if (existsSync(TIME)) console.log(`\n${table(rssRows)}`)
  else console.log(`\npeak RSS: ${TIME} not found (apt-get install time)`)

  const init = join(repo, 'build/Release/tsrun-init')
  console.log(`\ntsrun-init: ${existsSync(init) ? `${(statSync(init).size / 1024).toFixed(0)} KiB (build/Release/tsrun-init)` : 'not built'}`)
  for (const f of failures) console.log(`failed: ${f.rt} ${f.op}: ${f.message}`)
}

// ---------------------------------------------------------------------------------------------

// Each runtime first runs the bundle once (also a warm-up); one that fails is dropped with a notice.
function usableRuntimes(bundle) {
  const candidates = []
  const cli = join(repo, 'dist/tsrun.js')
  if (existsSync(cli)) candidates.push(['tsrun', cli])
  else console.log('notice: tsrun skipped: dist/tsrun.js is missing (npm run build)')
  for (const name of ['runc', 'crun']) {
    const bin = which(name)
    if (bin) candidates.push([name, bin])
    else console.log(`notice: ${name} skipped: not installed`)
  }
  const rts = []
  for (const [name, bin] of candidates) {
    if (name === 'crun') hugetlbForCrun()
    const rt = runtime(name, bin)
    cleanups.push(() => {
      for (const id of rt.ids) rt.remove(id)
    })
    const id = rt.newId()
    try {
      rt.call(['run', '--bundle', bundle, id])
      rts.push(rt)
    } catch (e) {
      console.log(`notice: ${name} skipped: its first call failed: ${e.message}`)
    } finally {
      rt.remove(id)
    }
  }
  return rts
}

// One pass over every op: `iterations` rounds, the runtimes taking turns in each. A runtime whose
// call fails is dropped from that op (listed in `failures`); the others go on.
async function pass(rts, bundle, rss, iterations, results, failures) {
  const failed = (rt, op) => failures.some((f) => f.rt === rt.name && f.op === op.name)
  const fail = (rt, op, e) => failures.push({ rt: rt.name, op: op.name, message: e.message })
  for (let i = 0; i < iterations; i++) results.floor[rss ? 'rss' : 'ms'].push(floor.call(rss)[rss ? 'rss' : 'ms'])
  for (const op of ops) {
    process.stderr.write(`${rss ? 'rss' : 'time'}: ${op.name}\n`)
    for (const rt of rts) {
      if (failed(rt, op)) continue
      try {
        op.setup?.(rt, bundle)
      } catch (e) {
        fail(rt, op, e)
      }
    }
    try {
      for (let i = 0; i < iterations; i++) {
        for (const rt of rts) {
          if (failed(rt, op)) continue
          try {
            const r = op.once(rt, bundle, rss)
            const cell = ((results[rt.name] ??= {})[op.name] ??= { ms: [], rss: [] })
            if (rss) cell.rss.push(r.rss)
            else cell.ms.push(r.ms)
          } catch (e) {
            if (!(e instanceof CallError)) throw e
            fail(rt, op, e)
          }
        }
        // Let a Ctrl-C handler run between rounds (everything else here is synchronous).
        await new Promise(setImmediate)
        if (interrupted) throw new Error('interrupted')
      }
    } finally {
      for (const rt of rts) op.teardown?.(rt)
    }
  }
}

async function main() {
  if (!Number.isInteger(N) || N < 1) throw new Error(`BENCH_N must be a positive integer, not ${process.env.BENCH_N}`)
  tmp = mkdtempSync(join(tmpdir(), 'tsrun-bench-'))
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }))
  const bundle = makeBundle()
  const rts = usableRuntimes(bundle)
  if (rts.length === 0) throw new Error('no runtime to measure')

  const versions = rts.map((rt) => (rt.name === 'tsrun' ? 'tsrun' : `${rt.name} ${version(rt.bin)}`))
  console.log(`bench: N=${N}, node ${process.version}, ${versions.join(', ')}, bundle busybox /bin/true`)

  const results = { floor: { ms: [], rss: [] } }
  const failures = []
  await pass(rts, bundle, false, N, results, failures)
  // Peak RSS in a shorter second pass: /usr/bin/time's own fork+exec would otherwise be in the times.
  if (existsSync(TIME)) await pass(rts, bundle, true, RSS_N, results, failures)
  report(rts, results, failures)
  return failures.length === 0 ? 0 : 1
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => (interrupted = true))

let code = 0
try {
  code = await main()
} catch (e) {
  console.error(`bench: ${e.message}`)
  code = 1
} finally {
  for (const c of cleanups.reverse()) {
    try {
      c()
    } catch (e) {
      console.error(`bench: cleanup: ${e.message}`)
    }
  }
}
process.exit(code)
