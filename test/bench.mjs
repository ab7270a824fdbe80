#!/usr/bin/env node
// `npm run bench`: tsrun on both engines (tsrun-bun: the compiled dist/tsrun; tsrun-node:
// dist/tsrun.js) next to runc and crun (when installed) on the same bundle, in one run.
//
// Each runtime gets its own --root under a temp dir and runs a temp copy of bundles/busybox whose
// process is /bin/true. Per command it prints the median and min wall time of BENCH_N calls
// (default 30; the runtimes take turns each iteration), ratios, the `node -e 0` floor every
// tsrun-node call pays (and Bun's, `dist/tsrun --version`; and the kernel's, test/nsrun.c), peak RSS per call (/usr/bin/time -f %M),
// BENCH_SEQ (100) `run`s one after another and BENCH_PAR (20) create+start+delete at once (time
// per container; any failure or leftover is listed), the issue's targets as met/MISSED, and the
// size of tsrun-init. Every container it creates and every temp dir is removed at the end, also on
// error or Ctrl-C.
// A runtime whose first `run` fails is skipped with a notice (exit 0); a call failing later drops
// that runtime from that command, is listed at the end, and makes the exit code 1.
// Node built-ins only. Run as root (the runtimes need it).
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, closeSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.BENCH_N ?? 30)
const SEQ = Number(process.env.BENCH_SEQ ?? 100)
const PAR = Number(process.env.BENCH_PAR ?? 20)
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
// A directory there that is not a mount is no hierarchy (crun would just mkdir into it): mount on it.
function hugetlbForCrun() {
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === HUGETLB)
  if (mounted || !existsSync('/sys/fs/cgroup/unified') || process.getuid() !== 0) return
  const made = !existsSync(HUGETLB)
  try {
    mkdirSync(HUGETLB, { recursive: true })
  } catch (e) {
    console.log(`notice: cannot create ${HUGETLB}: ${e.message}`)
    return
  }
  const r = spawnSync('mount', ['-t', 'cgroup', '-o', 'hugetlb', 'cgroup', HUGETLB], { encoding: 'utf8' })
  const unmake = () => made && spawnSync('rmdir', [HUGETLB])
  if (r.status !== 0) {
    console.log(`notice: cannot mount hugetlb v1 hierarchy: ${(r.stderr ?? '').trim()}`)
    unmake()
    return
  }
  cleanups.push(() => {
    spawnSync('umount', [HUGETLB])
    unmake()
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
// What the compiled tsrun pays before any work: Bun's start plus printing the version.
const bunFloor = { name: 'dist/tsrun --version', call: (rss) => exec([join(repo, 'dist/tsrun'), '--version'], { rss }) }
// The kernel's share of a `run`: test/nsrun.c, built into the temp dir when a C compiler is there.
const kernelFloor = { name: 'test/nsrun.c (clone, mounts, pivot_root, exec /bin/true)', bin: null }

function buildNsrun() {
  const out = join(tmp, 'nsrun')
  const r = spawnSync('cc', ['-O2', '-o', out, join(repo, 'test/nsrun.c')], { encoding: 'utf8' })
  if (r.status === 0) kernelFloor.bin = out
  else console.log(`notice: no kernel floor: cannot build test/nsrun.c: ${(r.stderr ?? r.error?.message ?? '').trim()}`)
}

// ---------------------------------------------------------------------------------------------
// Loops: many containers, one after another and at once. Each reports the wall time per
// container; every call must succeed and nothing may be left behind.

const loopName = (kind) => (kind === 'sequential' ? `${SEQ} x run, one after another` : `${PAR} x create+start+delete at once`)

// One call, asynchronously (for the parallel loop); stderr to a file, which a created container
// inherits (a pipe would stay open as long as it runs).
function callAsync(rt, args) {
  const errFile = join(tmp, `stderr-${args.at(-1)}`)
  const errFd = openSync(errFile, 'w')
  return new Promise((resolve, reject) => {
    const child = spawn(rt.bin, ['--root', rt.root, ...args], { stdio: ['ignore', 'ignore', errFd], env })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      closeSync(errFd)
      if (code === 0) return resolve()
      const last = readFileSync(errFile, 'utf8').trim().split('\n').pop()
      reject(new CallError(`${rt.name} ${args.join(' ')}: ${signal ?? `exit ${code}`}${last ? `: ${last}` : ''}`))
    })
  })
}

// What a loop left: state dirs in the runtime's root, cgroups named for its ids.
function loopLeftovers(rt, ids) {
  const left = readdirSync(rt.root).filter((d) => ids.includes(d)).map((d) => `state ${d}`)
  const found = spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '4', '-type', 'd', '-name', `${ids[0].replace(/-\d+$/, '')}-*`],
    { encoding: 'utf8' }).stdout
  return left.concat(found.split('\n').filter(Boolean).map((d) => `cgroup ${d}`))
}

async function loops(rts, bundle, failures) {
  const out = {}
  for (const rt of rts) {
    process.stderr.write(`loops: ${rt.name}\n`)
    const seqIds = Array.from({ length: SEQ }, () => rt.newId())
    let t0 = process.hrtime.bigint()
    try {
      for (const id of seqIds) rt.call(['run', '--bundle', bundle, id])
      const perContainer = Number(process.hrtime.bigint() - t0) / 1e6 / SEQ
      ;(out[rt.name] ??= {}).sequential = { perContainer }
    } catch (e) {
      if (!(e instanceof CallError)) throw e
      failures.push({ rt: rt.name, op: loopName('sequential'), message: e.message })
    }
    const parIds = Array.from({ length: PAR }, () => rt.newId())
    t0 = process.hrtime.bigint()
    const chains = parIds.map(async (id) => {
      await callAsync(rt, ['create', '--bundle', bundle, id])
      await callAsync(rt, ['start', id])
      await callAsync(rt, ['delete', '-f', id])
    })
    const settled = await Promise.allSettled(chains)
    const perContainer = Number(process.hrtime.bigint() - t0) / 1e6 / PAR
    const bad = settled.filter((r) => r.status === 'rejected')
    for (const r of bad) failures.push({ rt: rt.name, op: loopName('parallel'), message: r.reason.message })
    if (bad.length === 0) (out[rt.name] ??= {}).parallel = { perContainer }
    // Only tsrun's leftovers fail the bench; another runtime's are reported and removed.
    const left = loopLeftovers(rt, [...seqIds, ...parIds])
    if (rt.name.startsWith('tsrun')) for (const l of left) failures.push({ rt: rt.name, op: 'loops', message: `left behind: ${l}` })
    else if (left.length > 0) console.log(`notice: ${rt.name} left ${left.length} behind (${left[0]}, ...)`)
    for (const l of left) if (l.startsWith('cgroup ')) spawnSync('rmdir', [l.slice(7)])
    if (interrupted) throw new Error('interrupted')
  }
  return out
}

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

// The issue's targets, checked against the medians (and the RSS pass). Each: [what, value, limit].
function targets(results, loops) {
  const med = (rt, op) => (results[rt]?.[op]?.ms.length ? median(results[rt][op].ms) : undefined)
  const rss = (rt) => {
    const all = ops.flatMap((op) => results[rt]?.[op.name]?.rss ?? [])
    return all.length ? Math.max(...all) / 1024 : undefined
  }
  const floorMed = median(results.floor.ms)
  const bare = (op) => (med('tsrun-node', op.name) === undefined ? undefined : med('tsrun-node', op.name) - floorMed * op.calls)
  const per = (rt, kind) => loops[rt]?.[kind]?.perContainer
  const t = [
    ['bun: run / runc', med('tsrun-bun', 'run /bin/true') / med('runc', 'run /bin/true'), 1.0],
    ['bun: run / crun', med('tsrun-bun', 'run /bin/true') / med('crun', 'run /bin/true'), 1.5],
    ['bun: create+start+delete / runc', med('tsrun-bun', 'create+start+delete') / med('runc', 'create+start+delete'), 1.0],
    ['bun: state / crun', med('tsrun-bun', 'state') / med('crun', 'state'), 2.0],
    ['bun: peak RSS of any call (MiB)', rss('tsrun-bun'), 35],
    ['node: run / runc', med('tsrun-node', 'run /bin/true') / med('runc', 'run /bin/true'), 2.0],
    ...ops.map((op) => [`node: ${op.name} minus node floor / crun`, bare(op) / med('crun', op.name), 1.0]),
  ]
  for (const rt of ['tsrun-bun', 'tsrun-node']) {
    for (const kind of ['sequential', 'parallel']) {
      for (const other of ['runc', 'crun']) t.push([`${rt.slice(6)}: ${kind} per container / ${other}`, per(rt, kind) / per(other, kind), null])
    }
  }
  return t.filter(([, v]) => v !== undefined && !Number.isNaN(v))
}

function report(rts, results, loops, failures) {
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

  // Ratios of medians. node-floor: tsrun-node's median minus the node floor once per call.
  const engines = ['tsrun-bun', 'tsrun-node'].filter(has)
  const refs = ['runc', 'crun'].filter(has)
  const ratioHead = ['command (ratio of medians)']
  if (refs.length === 2) ratioHead.push('crun/runc')
  for (const e of engines) for (const r of refs) ratioHead.push(`${e.slice(6)}/${r}`)
  if (has('tsrun-node')) ratioHead.push('node-floor ms')
  if (has('tsrun-node') && has('crun')) ratioHead.push('(node-floor)/crun')
  const ratioRows = [ratioHead]
  for (const op of ops) {
    const row = [op.name]
    const nodeMed = med('tsrun-node', op.name)
    const bare = nodeMed === undefined ? undefined : nodeMed - floorMed * op.calls
    if (refs.length === 2) row.push(ratio(med('crun', op.name), med('runc', op.name)))
    for (const e of engines) for (const r of refs) row.push(ratio(med(e, op.name), med(r, op.name)))
    if (has('tsrun-node')) row.push(ms(bare))
    if (has('tsrun-node') && has('crun')) row.push(ratio(bare, med('crun', op.name)))
    ratioRows.push(row)
  }
  if (ratioHead.length > 1) console.log(`\n${table(ratioRows)}`)
  if (has('tsrun-node')) console.log('(node-floor: tsrun-node minus the node floor, once per tsrun call: 3 for create+start+delete)')
  const floorRss = floorStats.rss.length ? `, peak RSS ${mb(median(floorStats.rss))} MB` : ''
  console.log(`\nnode floor (${floor.name}): median ${ms(floorMed)} ms, min ${ms(min(floorStats.ms))} ms${floorRss}`)
  for (const [f, r] of [[bunFloor, results.bunFloor], [kernelFloor, results.kernelFloor]]) {
    if (r.ms.length) console.log(`${f === bunFloor ? 'bun floor' : 'kernel floor'} (${f.name}): median ${ms(median(r.ms))} ms, min ${ms(min(r.ms))} ms`)
  }

  const rssHead = [`peak RSS per call (MB, median of ${RSS_N})`, ...names]
  const rssRows = [rssHead]
  for (const op of ops) {
    rssRows.push([op.name, ...names.map((n) => mb(results[n]?.[op.name]?.rss.length ? median(results[n][op.name].rss) : undefined))])
  }
  if (existsSync(TIME)) console.log(`\n${table(rssRows)}`)
  else console.log(`\npeak RSS: ${TIME} not found (apt-get install time)`)

  const loopRows = [['loops (ms per container)', ...names]]
  for (const kind of ['sequential', 'parallel']) {
    loopRows.push([loopName(kind), ...names.map((n) => ms(loops[n]?.[kind]?.perContainer))])
  }
  if (Object.keys(loops).length) console.log(`\n${table(loopRows)}`)

  const targetRows = [['target', 'value', 'limit', '']]
  for (const [what, v, limit] of targets(results, loops)) {
    targetRows.push([what, v.toFixed(2), limit === null ? '(reported)' : `<= ${limit.toFixed(2)}`, limit === null ? '' : v <= limit ? 'met' : 'MISSED'])
  }
  if (targetRows.length > 1) console.log(`\n${table(targetRows)}`)

  const init = join(repo, 'build/Release/tsrun-init')
  console.log(`\ntsrun-init: ${existsSync(init) ? `${(statSync(init).size / 1024).toFixed(0)} KiB (build/Release/tsrun-init)` : 'not built'}`)
  for (const f of failures) console.log(`failed: ${f.rt} ${f.op}: ${f.message}`)
}

// ---------------------------------------------------------------------------------------------

// Each runtime first runs the bundle once (also a warm-up); one that fails is dropped with a notice.
function usableRuntimes(bundle) {
  const candidates = []
  for (const [name, file] of [['tsrun-bun', 'dist/tsrun'], ['tsrun-node', 'dist/tsrun.js']]) {
    if (existsSync(join(repo, file))) candidates.push([name, join(repo, file)])
    else console.log(`notice: ${name} skipped: ${file} is missing (npm run build)`)
  }
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
  const key = rss ? 'rss' : 'ms'
  for (let i = 0; i < iterations; i++) {
    results.floor[key].push(floor.call(rss)[key])
    if (rts.some((rt) => rt.name === 'tsrun-bun')) results.bunFloor[key].push(bunFloor.call(rss)[key])
    if (kernelFloor.bin && !rss) results.kernelFloor.ms.push(exec([kernelFloor.bin, join(bundle, 'rootfs')]).ms)
  }
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

  const versions = rts.map((rt) => (rt.name.startsWith('tsrun') ? rt.name : `${rt.name} ${version(rt.bin)}`))
  console.log(`bench: N=${N}, node ${process.version}, ${versions.join(', ')}, bundle busybox /bin/true`)

  buildNsrun()
  const results = { floor: { ms: [], rss: [] }, bunFloor: { ms: [], rss: [] }, kernelFloor: { ms: [], rss: [] } }
  const failures = []
  await pass(rts, bundle, false, N, results, failures)
  // Peak RSS in a shorter second pass: /usr/bin/time's own fork+exec would otherwise be in the times.
  if (existsSync(TIME)) await pass(rts, bundle, true, RSS_N, results, failures)
  const loopResults = SEQ + PAR > 0 ? await loops(rts, bundle, failures) : {}
  report(rts, results, loopResults, failures)
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
