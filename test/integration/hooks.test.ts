// OCI hooks (runtime-spec 1.3 config.md#posix-platform-hooks) on real
// containers: what each of the six kinds gets (state on stdin, args with
// args[0] as argv0, exactly its env), when it runs (create / start /
// delete, in spec order), in which namespaces (the runtime's, or the
// container's before pivot_root, or inside the container), and what its
// failure or timeout does. Hooks are busybox `sh -c` scripts recording what
// they see into files the test reads back.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { CLI, type Config, type Result, Sandbox, leftovers, skipReason, waitFor } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const
type Kind = typeof KINDS[number]

/** Set in tsrun's environment: a hook given `env` must not see it. */
const LEAK = 'TSRUN_IT_HOOK_LEAK'

/**
 * The recording hook, run as `busybox sh -c SCRIPT <name> "two words"`: busybox
 * picks its applet from argv[0], so it only runs if args[0] reached the hook
 * as argv0 (and args[1..] as the rest). $0 is the record's name.
 */
const RECORD = [
  'echo "$0" >> "$OUT/order"',
  'cat > "$OUT/$0.stdin"',
  'for a in "$@"; do echo "$a"; done > "$OUT/$0.args"',
  'env > "$OUT/$0.env"',
  'readlink /proc/self/ns/mnt > "$OUT/$0.mnt"',
  'readlink /proc/self/ns/uts > "$OUT/$0.uts"',
].join('\n')

/** The sandbox's busybox as the host sees it (hooks running before pivot_root or on the host). */
const hostBusybox = (s: Sandbox): string => path.join(s.bundle, 'rootfs', 'bin', 'busybox')

interface HookOpts { script?: string; timeout?: number; out?: string; path?: string }

/** One hook entry; `out` is where it writes as seen from where it runs. */
function hook(s: Sandbox, name: string, o: HookOpts = {}): Config {
  const h: Config = {
    path: o.path ?? hostBusybox(s),
    args: ['sh', '-c', o.script ?? RECORD, name, 'two words'],
    env: ['PATH=/bin:/usr/bin', `OUT=${o.out ?? outDir(s)}`, `HOOK_VAR=${name} value`],
  }
  if (o.timeout !== undefined) h.timeout = o.timeout
  return h
}

const outDir = (s: Sandbox): string => path.join(s.dir, 'out')
const read = (s: Sandbox, f: string): string => fs.readFileSync(path.join(outDir(s), f), 'utf8')
const exists = (s: Sandbox, f: string): boolean => fs.existsSync(path.join(outDir(s), f))
const order = (s: Sandbox): string[] => (exists(s, 'order') ? read(s, 'order').split('\n').filter(Boolean) : [])

/** A sandbox whose containers see <sandbox>/out at /out (read-write under a read-only root). */
function sandbox(t: Test, name: string): Sandbox {
  const s = new Sandbox(t, name)
  fs.mkdirSync(outDir(s))
  // Only in the container's rootfs (the host has no /tsrun-start-hook): a
  // startContainer hook found there was resolved in the container.
  fs.symlinkSync('/bin/busybox', path.join(s.bundle, 'rootfs', 'tsrun-start-hook'))
  return s
}

function withOut(s: Sandbox, c: Config, user = 'echo user >> /out/order'): void {
  c.mounts.push({ destination: '/out', type: 'bind', source: outDir(s), options: ['rbind', 'rw'] })
  c.process.args = ['sh', '-c', user]
}

let calls = 0
/**
 * The CLI with stdout/stderr in files: a created container keeps the stdio it
 * inherits, so over pipes create would not return before the container exits.
 */
function cli(s: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}): Result & { errFile: string } {
  const base = path.join(s.dir, `cli-${++calls}`)
  const o = fs.openSync(`${base}.out`, 'w')
  const e = fs.openSync(`${base}.err`, 'w')
  try {
    // tap's NODE_OPTIONS would load its process-info hook into tsrun, which
    // then adds tap's variables to every child tsrun spawns, hooks included.
    const r = spawnSync('env', ['-u', 'NODE_OPTIONS', CLI, '--root', s.root, ...args],
      { stdio: ['ignore', o, e], env: { ...process.env, ...env }, timeout: 60_000 })
    const stderr = fs.readFileSync(`${base}.err`, 'utf8')
    // errFile: after create, also the container's stderr.
    return { status: r.status, signal: r.signal, stdout: fs.readFileSync(`${base}.out`, 'utf8'), stderr, errFile: `${base}.err` }
  } finally {
    fs.closeSync(o)
    fs.closeSync(e)
  }
}

const stateDir = (s: Sandbox, id: string): string => path.join(s.root, id)

function status(s: Sandbox, id: string): string {
  const r = s.tsrun(['state', id])
  return r.status === 0 ? (JSON.parse(r.stdout) as { status: string }).status : `error: ${r.stderr}`
}

/** One line, `tsrun: ...` (a rollback that leaves something would add `rollback:` lines). */
function oneLine(t: Test, stderr: string): string {
  const lines = stderr.trim().split('\n')
  t.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(stderr)}`)
  t.match(lines[0], /^tsrun: /)
  return lines[0]
}

function cleanAfterFailure(t: Test, s: Sandbox, id: string): void {
  t.notOk(fs.existsSync(stateDir(s, id)), 'no state dir for the id')
  t.same(leftovers(s), [], 'nothing left: state, cgroup, mount, process')
}

t.test('each hook gets its state, args and env, in spec order and the right namespaces', async (t) => {
  const s = sandbox(t, 'hooks-all')
  const id = s.id()
  const annotations = { 'org.tsrun.test': 'hooks', 'org.tsrun.empty': '' }
  s.config((c) => {
    withOut(s, c, 'echo user >> /out/order; readlink /proc/self/ns/mnt > /out/user.mnt; readlink /proc/self/ns/uts > /out/user.uts')
    c.annotations = annotations
    c.hooks = Object.fromEntries(KINDS.map((k) => [k, [
      k === 'startContainer' ? hook(s, k, { path: '/tsrun-start-hook', out: '/out' }) : hook(s, k),
    ]]))
  })
  const hostMnt = fs.readlinkSync('/proc/self/ns/mnt')
  const hostUts = fs.readlinkSync('/proc/self/ns/uts')

  const c = cli(s, ['create', '-b', s.bundle, id], { [LEAK]: 'leaked' })
  t.equal(c.status, 0, `create: ${c.stderr}`)
  t.same(order(s), ['prestart', 'createRuntime', 'createContainer'], 'create ran prestart, createRuntime, then createContainer')
  const pid = (JSON.parse(s.tsrun(['state', id]).stdout) as { pid: number }).pid
  t.ok(pid > 0)

  const st = cli(s, ['start', id], { [LEAK]: 'leaked' })
  t.equal(st.status, 0, `start: ${st.stderr}`)
  t.ok(order(s).includes('poststart'), 'poststart ran before start returned')
  t.ok(await waitFor(() => status(s, id) === 'stopped'), 'the container ran to the end')
  const started = order(s).slice(3)
  t.same([...started].sort(), ['poststart', 'startContainer', 'user'], `start ran startContainer, poststart and the process: ${started}`)
  t.ok(started.indexOf('startContainer') < started.indexOf('user'), 'startContainer ran before the user process')

  const d = cli(s, ['delete', id], { [LEAK]: 'leaked' })
  t.equal(d.status, 0, `delete: ${d.stderr}`)
  t.same(order(s).slice(6), ['poststop'], 'delete ran poststop')
  t.notOk(fs.existsSync(stateDir(s, id)), 'delete removed the state')

  const expectStatus: Record<Kind, string[]> = {
    // runc 1.1.5 gives prestart "creating"; tsrun gives the status it had when
    // prestart still ran at start ("created"), which 1.0-era tools expect.
    prestart: ['creating', 'created'],
    createRuntime: ['creating'], createContainer: ['creating'], startContainer: ['created'],
    poststart: ['running'], poststop: ['stopped'],
  }
  for (const k of KINDS) {
    const state = JSON.parse(read(s, `${k}.stdin`)) as Record<string, unknown>
    t.equal(state.id, id, `${k}: id`)
    t.equal(state.bundle, s.bundle, `${k}: bundle`)
    t.same(state.annotations, annotations, `${k}: annotations`)
    t.type(state.ociVersion, 'string', `${k}: ociVersion`)
    t.ok(expectStatus[k].includes(state.status as string), `${k}: status ${state.status}`)
    // The host's view of the container process, whoever asks (runc 1.1.5 tells
    // createContainer "1", its pid in the container's namespace).
    if (k !== 'poststop') t.equal(state.pid, pid, `${k}: pid`)
    t.equal(read(s, `${k}.args`), 'two words\n', `${k}: args after argv0`)
    const env = read(s, `${k}.env`).split('\n').filter(Boolean)
      .filter((l) => !/^(PWD|SHLVL|OLDPWD|_)=/.test(l)).sort() // set by the shell itself
    const out = k === 'startContainer' ? '/out' : outDir(s)
    t.same(env, [`HOOK_VAR=${k} value`, `OUT=${out}`, 'PATH=/bin:/usr/bin'], `${k}: exactly its env (no ${LEAK})`)
  }

  const userMnt = read(s, 'user.mnt')
  const userUts = read(s, 'user.uts')
  t.not(userMnt.trim(), hostMnt, 'the container has its own mount namespace')
  for (const k of ['prestart', 'createRuntime', 'poststart', 'poststop'] as const) {
    t.equal(read(s, `${k}.mnt`).trim(), hostMnt, `${k} runs in the runtime's mount namespace`)
    t.equal(read(s, `${k}.uts`).trim(), hostUts, `${k} runs in the runtime's uts namespace`)
  }
  for (const k of ['createContainer', 'startContainer'] as const) {
    t.equal(read(s, `${k}.mnt`), userMnt, `${k} runs in the container's mount namespace`)
    t.equal(read(s, `${k}.uts`), userUts, `${k} runs in the container's uts namespace`)
  }
  // And createContainer ran before pivot_root: its OUT is the sandbox's host
  // path, which only exists while the host's tree is still there.
  t.equal(JSON.parse(read(s, 'createContainer.stdin')).id, id)
})

t.test('a hook past its timeout is killed and create fails, leaving nothing', async (t) => {
  const s = sandbox(t, 'hooks-timeout')
  // `read` is a builtin, so /proc/self is the shell, which exec turns into the sleep.
  const sleeper = 'read -r pid rest < /proc/self/stat; echo "$pid" > "$OUT/$0.pid"; exec sleep 10'
  for (const kind of ['createRuntime', 'createContainer'] as const) {
    const id = s.id(`-${kind}`)
    s.config((c) => {
      withOut(s, c)
      c.hooks = { [kind]: [hook(s, kind, { script: sleeper, timeout: 1 })] }
    })
    const t0 = Date.now()
    const r = cli(s, ['create', '-b', s.bundle, id])
    const took = Date.now() - t0
    t.not(r.status, 0, `${kind}: create fails`)
    t.ok(took < 8000, `${kind}: gave up after the 1 s timeout, not the 10 s sleep (${took} ms)`)
    const line = oneLine(t, r.stderr)
    t.match(line, `${kind} hook 0 (${hostBusybox(s)})`, `${kind}: names the hook`)
    t.match(line, /time/i, `${kind}: says it timed out`)
    const hookPid = Number(read(s, `${kind}.pid`))
    t.ok(hookPid > 0)
    t.ok(await waitFor(() => !alive(hookPid), 2000), `${kind}: the hook process ${hookPid} is gone`)
    cleanAfterFailure(t, s, id)
  }
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('a failing prestart, createRuntime or createContainer hook aborts create and rolls back', async (t) => {
  const s = sandbox(t, 'hooks-fail')
  const creates = ['prestart', 'createRuntime', 'createContainer'] as const
  for (const [i, kind] of creates.entries()) {
    const id = s.id(`-${kind}`)
    fs.rmSync(path.join(outDir(s), 'order'), { force: true })
    s.config((c) => {
      withOut(s, c)
      // Every create hook records; the failing kind has a second hook exiting 3.
      c.hooks = Object.fromEntries(creates.map((k) => [k, [hook(s, k)]]))
      c.hooks[kind].push(hook(s, `${kind}-fail`, { script: 'exit 3' }))
    })
    const r = cli(s, ['create', '-b', s.bundle, id])
    t.not(r.status, 0, `${kind}: create fails`)
    const line = oneLine(t, r.stderr)
    t.match(line, `tsrun: create ${id}: `, `${kind}: names the operation`)
    t.match(line, `${kind} hook 1 (${hostBusybox(s)}): exit status 3`, `${kind}: kind, index, path, status`)
    t.same(order(s), creates.slice(0, i + 1), `${kind}: hooks before it ran, none after`)
    cleanAfterFailure(t, s, id)
  }
})

t.test('a failing startContainer hook stops the container before its process runs', async (t) => {
  const s = sandbox(t, 'hooks-startfail')
  const id = s.id()
  s.config((c) => {
    withOut(s, c)
    c.hooks = { startContainer: [hook(s, 'startContainer', { path: '/tsrun-start-hook', out: '/out', script: 'exit 3' })] }
  })
  const c = cli(s, ['create', '-b', s.bundle, id])
  t.equal(c.status, 0, `create: ${c.stderr}`)
  const st = cli(s, ['start', id])
  t.ok(await waitFor(() => status(s, id) === 'stopped'), 'the container stopped')
  t.same(order(s), [], 'the user process never ran')
  // Either start reports it, or (the hook running after start released the
  // container) the init reports it on the container's stderr.
  const said = st.status !== 0 ? st.stderr : fs.readFileSync(c.errFile, 'utf8')
  t.match(said, 'startContainer hook 0 (/tsrun-start-hook)', `the error names the hook: ${JSON.stringify(said)}`)
  t.match(said, 'exit status 3')
  const d = cli(s, ['delete', id])
  t.equal(d.status, 0, `delete: ${d.stderr}`)
  cleanAfterFailure(t, s, id)
})

t.test('failing poststart and poststop hooks only warn, and every hook still runs', async (t) => {
  const s = sandbox(t, 'hooks-warn')
  const id = s.id()
  s.config((c) => {
    withOut(s, c)
    c.hooks = {
      poststart: [hook(s, 'poststart-fail', { script: 'exit 4' }), hook(s, 'poststart')],
      poststop: [hook(s, 'poststop-fail', { script: 'exit 5' }), hook(s, 'poststop')],
    }
  })
  t.equal(cli(s, ['create', '-b', s.bundle, id]).status, 0)
  const st = cli(s, ['start', id])
  t.equal(st.status, 0, 'start succeeds')
  t.match(st.stderr, /level=warning/, 'start warns')
  t.match(st.stderr, `poststart hook 0 (${hostBusybox(s)}): exit status 4`)
  t.ok(await waitFor(() => status(s, id) === 'stopped'), 'the container ran')
  t.same([...order(s)].sort(), ['poststart', 'user'], 'the second poststart hook and the process ran')

  const d = cli(s, ['delete', id])
  t.equal(d.status, 0, 'delete succeeds')
  t.match(d.stderr, /level=warning/, 'delete warns')
  t.match(d.stderr, `poststop hook 0 (${hostBusybox(s)}): exit status 5`)
  t.equal(order(s).at(-1), 'poststop', 'the second poststop hook ran')
  cleanAfterFailure(t, s, id)
})

t.test('the hooks are the ones config.json had at create', async (t) => {
  const s = sandbox(t, 'hooks-frozen')
  const id = s.id()
  s.config((c) => {
    withOut(s, c)
    c.hooks = { poststart: [hook(s, 'poststart-at-create')], poststop: [hook(s, 'poststop-at-create')] }
  })
  t.equal(cli(s, ['create', '-b', s.bundle, id]).status, 0)
  s.config((c) => {
    withOut(s, c)
    c.hooks = { poststart: [hook(s, 'poststart-edited')], poststop: [hook(s, 'poststop-edited')] }
  })
  t.equal(cli(s, ['start', id]).status, 0)
  t.ok(await waitFor(() => status(s, id) === 'stopped'))
  t.equal(cli(s, ['delete', id]).status, 0)
  t.same([...order(s)].sort(), ['poststart-at-create', 'poststop-at-create', 'user'])
})
