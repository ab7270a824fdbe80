// tsrun processes racing each other and dying mid-way: parallel creates of
// different ids all succeed; parallel creates of one id have exactly one
// winner and clean losers; a create SIGKILLed while its createRuntime hook
// runs leaves a record that `delete -f` turns into a clean host (runc #3591:
// the cgroup and init must be findable from the state written before them).
import t from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Result, type Running, Sandbox, leftovers, skipReason, waitFor } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

function stateOf(s: Sandbox, id: string): { pid: number; status: string } | null {
  const r = s.tsrun(['state', id])
  return r.status === 0 ? JSON.parse(r.stdout) : null
}

const cgroupDirs = (id: string): string[] =>
  spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '6', '-type', 'd', '-name', id], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)

/** /proc/<pid>/stat: state (field 3) and ppid (field 4), null when gone. */
function procStat(pid: number): { state: string; ppid: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { state: f[0], ppid: Number(f[1]) }
  } catch {
    return null
  }
}

const alive = (pid: number): boolean => { const st = procStat(pid); return st !== null && st.state !== 'Z' && st.state !== 'X' }

/**
 * Starts `create` of each id at once. The container's stdio are files (a
 * created container holds them: with pipes `done` would wait for it).
 */
function createAll(s: Sandbox, ids: string[]): Running[] {
  return ids.map((id, i) => {
    const fd = fs.openSync(path.join(s.dir, `create-${i}.out`), 'w')
    try {
      return s.spawnTsrun(['create', '-b', s.bundle, id], { stdio: ['ignore', fd, fd] })
    } finally {
      fs.closeSync(fd)
    }
  })
}

const output = (s: Sandbox, i: number): string => fs.readFileSync(path.join(s.dir, `create-${i}.out`), 'utf8')

t.test('4 parallel creates of different ids all succeed', async (t) => {
  const s = new Sandbox(t, 'conc-ids')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const ids = [0, 1, 2, 3].map((i) => s.id(`-${i}`))
  const results = await Promise.all(createAll(s, ids).map((r) => r.done))
  results.forEach((r, i) => t.equal(r.status, 0, `create ${i}: ${output(s, i)}`))
  t.equal(s.tsrun(['list', '-q']).stdout, ids.map((id) => id + '\n').join(''), 'all four listed')
  const pids = ids.map((id) => stateOf(s, id)?.pid ?? 0)
  t.equal(new Set(pids).size, 4, 'four different processes')
  t.ok(pids.every(alive), 'all alive')
  ids.forEach((id) => t.equal(stateOf(s, id)?.status, 'created', `${id} created`))

  const deletes = await Promise.all(ids.map((id) => s.spawnTsrun(['delete', '-f', id]).done))
  deletes.forEach((r, i) => t.equal(r.status, 0, `parallel delete -f ${i}: ${r.stderr}`))
  t.notOk(pids.some(alive), 'every init killed')
  t.same(leftovers(s), [], 'nothing left')
})

t.test('4 parallel creates of one id: exactly one wins, the others fail cleanly', async (t) => {
  const s = new Sandbox(t, 'conc-one')
  s.config((c) => { c.process.args = ['sleep', '1000'] })
  const id = s.id()
  const results: Result[] = await Promise.all(createAll(s, [id, id, id, id]).map((r) => r.done))
  const winners = results.map((_, i) => i).filter((i) => results[i].status === 0)
  t.equal(winners.length, 1, `one winner: ${results.map((r) => r.status).join(',')}`)
  for (let i = 0; i < 4; i++) {
    if (winners.includes(i)) continue
    t.equal(results[i].status, 1, `loser ${i} exits 1`)
    t.match(output(s, i), /^tsrun: create .*container with given ID already exists\n$/, `loser ${i}: one clean line`)
  }
  const st = stateOf(s, id)
  t.equal(st?.status, 'created', "the winner's container is intact")
  t.ok(st && alive(st.pid), 'with its process')
  t.equal(cgroupDirs(id).length > 0, true, 'and its cgroup')
  const start = s.tsrun(['start', id])
  t.equal(start.status, 0, `and it starts: ${start.stderr}`)
  t.equal(s.tsrun(['delete', '-f', id]).status, 0)
  t.ok(st && !alive(st.pid), 'deleted: process gone')
  t.same(cgroupDirs(id), [], 'no cgroup')
  t.same(leftovers(s), [], 'nothing left')
})

t.test('a create SIGKILLed during its createRuntime hook: delete -f cleans everything', async (t) => {
  const s = new Sandbox(t, 'conc-killed')
  const hook = path.join(s.dir, 'slow-hook')
  const marker = path.join(s.dir, 'hook.pid')
  fs.writeFileSync(hook, `#!/bin/sh\necho $$ > ${marker}.tmp && mv ${marker}.tmp ${marker}\nexec sleep 5\n`, { mode: 0o755 })
  s.config((c) => {
    c.process.args = ['sleep', '1000']
    c.hooks = { createRuntime: [{ path: hook }] }
  })
  const id = s.id()
  const [create] = createAll(s, [id])
  const tsrunPid = create.child.pid!
  let hookPid = 0
  t.teardown(() => { if (hookPid > 0 && alive(hookPid)) process.kill(hookPid, 'SIGKILL') })
  t.ok(await waitFor(() => fs.existsSync(marker)), 'the hook runs')
  hookPid = Number(fs.readFileSync(marker, 'utf8'))
  t.equal(procStat(hookPid)?.ppid, tsrunPid, 'the hook is a child of that tsrun')
  const kids = fs.readFileSync(`/proc/${tsrunPid}/task/${tsrunPid}/children`, 'utf8').trim().split(/\s+/).map(Number)
  const inits = kids.filter((p) => p !== hookPid)
  t.equal(inits.length, 1, `tsrun has one other child, the init: ${kids}`)
  const init = inits[0]
  const mid = stateOf(s, id)
  t.equal(mid?.status, 'creating', 'state shows the create in progress')
  t.equal(mid?.pid, init, 'and already knows the init pid')
  t.ok(cgroupDirs(id).length > 0, 'the cgroup exists')
  t.match(fs.readFileSync(`/proc/${init}/cgroup`, 'utf8'), id, 'with the init in it')

  process.kill(tsrunPid, 'SIGKILL')
  const r = await create.done
  t.equal(r.signal, 'SIGKILL')
  // The hook outlives tsrun (nothing kills it): it is ours to stop.
  if (alive(hookPid)) process.kill(hookPid, 'SIGKILL')

  const left = stateOf(s, id)
  t.equal(left?.status, 'creating', 'the record of the dead create remains')
  const del = s.tsrun(['delete', '-f', id])
  t.equal(del.status, 0, del.stderr)
  t.equal(del.stderr, '', 'quietly')
  t.notOk(fs.existsSync(path.join(s.root, id)), 'no state dir')
  t.same(cgroupDirs(id), [], 'no cgroup')
  t.notOk(alive(init), 'no init process')
  t.ok(await waitFor(() => !alive(hookPid), 2000), 'no hook process')
  t.same(leftovers(s), [], 'nothing left')
  t.equal(s.tsrun(['delete', '-f', id]).status, 0, 'a second delete -f is a no-op')
})
