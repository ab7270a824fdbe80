import t from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { runHooks, type Hook } from '../../../src/hooks/run'

const tmp = (t: tap.Test): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-hooks-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A hook script that records its args, env (NUL-separated) and stdin into `out`. */
const recorder = (dir: string, out: string): string => {
  const p = path.join(dir, 'record.sh')
  fs.writeFileSync(p, `#!/bin/sh
{ echo "args=$*"; echo "--env"; env -0; echo "--stdin"; cat; } > ${out}
`, { mode: 0o755 })
  return p
}

const state = JSON.stringify({ ociVersion: '1.0.2', id: 'c', status: 'created', pid: 1, bundle: '/b' })

t.test('state JSON on stdin, exact args and env', async (t) => {
  const dir = tmp(t)
  const out = path.join(dir, 'out')
  const hook: Hook = { path: recorder(dir, out), args: ['my-argv0', 'one', 'two words'], env: ['A=1', 'B=x=y', 'A=2'] }
  t.same(runHooks('prestart', [hook], state, { warnOnly: false }), [])
  const text = fs.readFileSync(out, 'utf8')
  t.match(text, /^args=one two words$/m)
  const env = text.split('--env\n')[1].split(/\0?--stdin\n/)[0].split('\0').filter(Boolean)
    .filter((l) => !/^(PWD|SHLVL|_)=/.test(l)) // set by sh itself
    // tap's coverage plugin patches child_process to add its own variables
    .filter((l) => !/^(NODE_OPTIONS|_TAPJS_\w+)=/.test(l)).sort()
  t.same(env, ['A=2', 'B=x=y'], 'nothing inherited, last duplicate wins')
  t.equal(text.split(/\0?--stdin\n/)[1], state)
})

t.test('args[0] is argv0, path is what runs', async (t) => {
  const dir = tmp(t)
  const out = path.join(dir, 'out')
  runHooks('prestart', [{ path: '/bin/sh', args: ['my-argv0', '-c', `tr '\\0' ' ' < /proc/$$/cmdline > ${out}`] }], state, { warnOnly: false })
  t.match(fs.readFileSync(out, 'utf8'), /^my-argv0 -c /)
})

t.test('no env given: the hook inherits ours (runc/Go exec.Cmd with Env nil)', async (t) => {
  const dir = tmp(t)
  const out = path.join(dir, 'out')
  process.env.TSRUN_HOOK_TEST = 'inherited'
  t.teardown(() => { delete process.env.TSRUN_HOOK_TEST })
  runHooks('poststop', [{ path: recorder(dir, out) }], state, { warnOnly: false })
  t.match(fs.readFileSync(out, 'utf8'), /(^|\0)TSRUN_HOOK_TEST=inherited\0/)
  t.match(fs.readFileSync(out, 'utf8'), /^args=$/m, 'no args: argv is just [path]')
})

t.test('failure names kind, index, path, status and output', async (t) => {
  const ok: Hook = { path: '/bin/true' }
  const bad: Hook = { path: '/bin/sh', args: ['sh', '-c', 'echo out; echo oops >&2; exit 3'] }
  t.throws(() => runHooks('createRuntime', [ok, bad, ok], state, { warnOnly: false }), {
    kind: 'hook', message: 'createRuntime hook 1 (/bin/sh): exit status 3, stdout: out, stderr: oops',
  })
  const sig: Hook = { path: '/bin/sh', args: ['sh', '-c', 'kill -TERM $$'] }
  t.throws(() => runHooks('prestart', [sig], state, { warnOnly: false }), {
    message: 'prestart hook 0 (/bin/sh): signal: SIGTERM',
  })
})

t.test('the first failure stops the list unless warnOnly', async (t) => {
  const dir = tmp(t)
  const mark = path.join(dir, 'ran')
  const fail: Hook = { path: '/bin/false' }
  const touch: Hook = { path: '/bin/sh', args: ['sh', '-c', `echo x >> ${mark}`] }
  t.throws(() => runHooks('prestart', [fail, touch], state, { warnOnly: false }))
  t.notOk(fs.existsSync(mark))
  const warnings = runHooks('poststart', [fail, touch, fail], state, { warnOnly: true })
  t.equal(fs.readFileSync(mark, 'utf8'), 'x\n', 'later hooks still ran')
  t.same(warnings.map((w) => w.message), [
    'poststart hook 0 (/bin/false): exit status 1',
    'poststart hook 2 (/bin/false): exit status 1',
  ])
})

t.test('timeout kills the hook', async (t) => {
  const started = Date.now()
  t.throws(() => runHooks('prestart', [{ path: '/bin/sleep', args: ['sleep', '10'], timeout: 1 }], state, { warnOnly: false }), {
    kind: 'hook', message: 'prestart hook 0 (/bin/sleep): timeout after 1s',
  })
  t.ok(Date.now() - started < 5000)
})

t.test('a hook that ignores stdin is fine; a missing binary is an error with its errno', async (t) => {
  t.same(runHooks('prestart', [{ path: '/bin/true' }], 'x'.repeat(1 << 20), { warnOnly: false }), [])
  t.throws(() => runHooks('prestart', [{ path: '/nonexistent/hook' }], state, { warnOnly: false }), {
    kind: 'hook', message: 'prestart hook 0 (/nonexistent/hook)', cause: { code: 'ENOENT' },
  })
})

t.test('no hooks: nothing happens', async (t) => {
  t.same(runHooks('prestart', undefined, state, { warnOnly: false }), [])
  t.same(runHooks('prestart', [], state, { warnOnly: false }), [])
})
