// stdio as the shims give it: the pipes and files tsrun gets are the
// process's own (passed through, not copied), --preserve-fds hands on fds
// 3.., and socket activation (LISTEN_FDS/LISTEN_PID meant for tsrun) goes on
// to the container's process as its own, as runc does.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { CLI, type Result, Sandbox, cliEnv, results, skipReason, statePid } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

/** sh -c script, run from the sandbox dir; the CLI is `$T` with its --root. */
function sh(s: Sandbox, script: string): Result {
  const env = { ...cliEnv(), T: `env -u NODE_OPTIONS ${CLI} --root ${s.root}` }
  const r = spawnSync('sh', ['-c', script], { cwd: s.dir, env, encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

t.test("a pipe given to run or exec is the process's own stdin and stdout", async (t) => {
  const s = new Sandbox(t, 'fds-pipe')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const id = s.id()
  t.equal(s.tsrunDetached(['run', '-d', '-b', s.bundle, id], 'run').status, 0)
  const see = 'echo "res in $(readlink /proc/self/fd/0)"; echo "res out $(readlink /proc/self/fd/1)"; echo "res data $(cat)"'
  const r = sh(s, `echo hello | { echo "res host-in $(readlink /proc/self/fd/0)"; $T exec ${id} sh -c '${see}'; } | cat`)
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.match(res.get('in'), /^pipe:\[\d+\]$/)
  t.equal(res.get('in'), res.get('host-in'), 'the same pipe, not a copy')
  t.match(res.get('out'), /^pipe:\[\d+\]$/, 'stdout is the pipe into cat')
  t.equal(res.get('data'), 'hello')
})

t.test('LISTEN_FDS for tsrun: its fds go on to the container, before --preserve-fds', async (t) => {
  const s = new Sandbox(t, 'fds-listen')
  s.config((c) => {
    c.process.args = ['sh', '-c', 'echo "res env $LISTEN_FDS $LISTEN_PID"; echo "res 3 $(cat <&3)"; echo "res 4 $(cat <&4)"; ' +
      'echo "res 5 $(cat <&5)"; echo "res fds $(ls /proc/self/fd | tr "\\n" " ")"']
  })
  for (const n of [3, 4, 5]) fs.writeFileSync(path.join(s.dir, `f${n}`), `file ${n}`)
  const id = s.id()
  // LISTEN_PID must be tsrun's own pid: the shell's, which exec keeps (env and node exec too).
  const r = sh(s, `export LISTEN_PID=$$ LISTEN_FDS=2; exec $T run --preserve-fds 1 -b ${s.bundle} ${id} 3<f3 4<f4 5<f5`)
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('env'), '2 1', 'LISTEN_FDS=2, LISTEN_PID=1: the container process is the one to listen')
  t.equal(res.get('3'), 'file 3')
  t.equal(res.get('4'), 'file 4')
  t.equal(res.get('5'), 'file 5', '--preserve-fds 1 counts after the listen fds')
  t.equal(res.get('fds'), '0 1 2 3 4 5 6 ', 'nothing else (6 is ls\'s own)')

  const other = sh(s, `export LISTEN_PID=1 LISTEN_FDS=2; exec $T run -b ${s.bundle} ${s.id('-b')} 3<f3 4<f4`)
  t.equal(results(other).get('env')?.trim(), '', 'LISTEN_PID of another process: not ours to pass on')
  t.equal(results(other).get('fds'), '0 1 2 3 ', 'and its fds stay out')
})

t.test('exec --preserve-fds N passes fds 3..3+N-1', async (t) => {
  const s = new Sandbox(t, 'fds-exec')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const id = s.id()
  t.equal(s.tsrunDetached(['run', '-d', '-b', s.bundle, id], 'run').status, 0)
  fs.writeFileSync(path.join(s.dir, 'f3'), 'three')
  fs.writeFileSync(path.join(s.dir, 'f4'), 'four')
  const r = sh(s, `$T exec --preserve-fds 2 ${id} sh -c 'echo "res got $(cat <&3) $(cat <&4)"; echo "res fds $(ls /proc/self/fd | tr "\\n" " ")"' 3<f3 4<f4 7<f3`)
  t.equal(r.status, 0, r.stderr)
  t.equal(results(r).get('got'), 'three four')
  t.equal(results(r).get('fds'), '0 1 2 3 4 5 ', 'fd 7 was not asked for and stays out (5 is ls\'s own)')
  t.ok(statePid(s, id) > 0)
})
