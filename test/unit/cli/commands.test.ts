// Each command module wired end to end through main(), with src/lifecycle replaced
// by a recording stub (put in require's cache): argv → the lifecycle call → output.
import t, { Test } from 'tap'
import { resolve } from 'path'
import { main } from '../../../src/cli/index'
import { io } from '../../../src/log'
import type { ContainerState } from '../../../src/cli/state'

const calls: [string, ...unknown[]][] = []
const c1: ContainerState = {
  ociVersion: '1.3.0', id: 'c1', pid: 42, status: 'running', bundle: '/b', rootfs: '/b/rootfs',
  created: '2026-11-30T14:49:36.531136824Z', owner: '', annotations: { k: 'v' },
}
const stub = {
  create: async (...a: unknown[]) => void calls.push(['create', ...a]),
  start: async (...a: unknown[]) => void calls.push(['start', ...a]),
  run: async (...a: unknown[]) => (calls.push(['run', ...a]), 137),
  state: async (...a: unknown[]) => (calls.push(['state', ...a]), c1),
  kill: async (...a: unknown[]) => void calls.push(['kill', ...a]),
  remove: async (...a: unknown[]) => void calls.push(['remove', ...a]),
  list: async (...a: unknown[]) => (calls.push(['list', ...a]), [{ ...c1, owner: 'root' }]),
}
const lifecycle = require.resolve('../../../src/lifecycle')
const saved = require.cache[lifecycle]
require.cache[lifecycle] = { id: lifecycle, filename: lifecycle, loaded: true, exports: stub } as unknown as NodeJS.Module
t.teardown(() => { if (saved) require.cache[lifecycle] = saved; else delete require.cache[lifecycle] })

async function tsrun(t: Test, argv: string[]) {
  const got = { out: '', err: '' }
  t.capture(io, 'write', (fd: number, text: string) => void (fd === 1 ? (got.out += text) : (got.err += text)))
  calls.length = 0
  const code = await main(argv)
  return { code, ...got, calls: [...calls] }
}

const g = { root: '/run/containerd/runc/k8s.io', log: '/x/log.json', logFormat: 'json', debug: false, systemdCgroup: false, rootless: false }
const goRunc = ['--root', '/run/containerd/runc/k8s.io', '--log', '/x/log.json', '--log-format', 'json']

t.test('create (go-runc argv)', async (t) => {
  const r = await tsrun(t, [...goRunc, 'create', '--bundle', '/b', '--pid-file', 'rel/init.pid', '--console-socket', '/tmp/s', 'c1'])
  t.same(r, { code: 0, out: '', err: '', calls: [['create', g, {
    id: 'c1', bundle: '/b', pidFile: resolve('rel/init.pid'), consoleSocket: '/tmp/s', noPivot: false, noNewKeyring: false, preserveFds: 0,
  }]] })
})

t.test('run: exits with the container status; defaults: bundle = cwd', async (t) => {
  const r = await tsrun(t, ['run', '-d', '--keep', '--no-pivot', '--preserve-fds', '2', '-no-subreaper', '1e3'])
  t.equal(r.code, 137)
  t.match(r.calls, [['run', { root: '/run/tsrun', logFormat: 'text' }, {
    id: '1e3', bundle: process.cwd(), noPivot: true, noNewKeyring: false, preserveFds: 2, detach: true, keep: true,
  }]])
})

t.test('start, delete --force, kill --all id 9, kill default SIGTERM', async (t) => {
  t.match((await tsrun(t, ['start', 'c1'])).calls, [['start', {}, { id: 'c1' }]])
  t.match((await tsrun(t, ['delete', '--force', 'c1'])).calls, [['remove', {}, { id: 'c1', force: true }]])
  t.match((await tsrun(t, [...goRunc, 'kill', '--all', 'c1', '9'])).calls, [['kill', g, { id: 'c1', signal: 9, all: true }]])
  t.match((await tsrun(t, ['kill', 'c1'])).calls, [['kill', {}, { id: 'c1', signal: 15, all: false }]])
  t.match((await tsrun(t, ['kill', 'c1', 'SIGUSR1'])).calls, [['kill', {}, { id: 'c1', signal: 10, all: false }]])
  const bad = await tsrun(t, ['kill', 'c1', 'FOO'])
  t.same(bad, { code: 1, out: '', err: 'tsrun: unknown signal "FOO"\n', calls: [] }, 'no lifecycle call for a bad signal')
})

t.test('state prints runc-shaped JSON without a trailing newline', async (t) => {
  const r = await tsrun(t, ['state', 'c1'])
  t.equal(r.code, 0)
  t.equal(r.out, '{\n  "ociVersion": "1.3.0",\n  "id": "c1",\n  "pid": 42,\n  "status": "running",\n  "bundle": "/b",\n' +
    '  "rootfs": "/b/rootfs",\n  "created": "2026-11-30T14:49:36.531136824Z",\n  "annotations": {\n    "k": "v"\n  },\n  "owner": ""\n}')
})

t.test('list table, json, quiet', async (t) => {
  t.equal((await tsrun(t, ['list'])).out,
    'ID          PID         STATUS      BUNDLE      CREATED                          OWNER\n' +
    'c1          42          running     /b          2026-11-30T14:49:36.531136824Z   root\n')
  t.match((await tsrun(t, ['list', '--format=json'])).out, /^\[\{"ociVersion":"1.3.0","id":"c1",.*"annotations":\{"k":"v"\},"owner":"root"\}\]\n$/)
  t.equal((await tsrun(t, ['list', '-q'])).out, 'c1\n')
})

t.test('lifecycle errors are rendered once, with the exit code 1', async (t) => {
  const state = stub.state
  stub.state = async () => { throw Object.assign(new Error('container does not exist'), { kind: 'notfound' }) }
  t.teardown(() => { stub.state = state })
  t.same(await tsrun(t, ['state', 'nope']), { code: 1, out: '', err: 'tsrun: container does not exist\n', calls: [] })
})
