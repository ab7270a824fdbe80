// cgroup v2 driver on temp-dir fixtures: controllers enabled top-down in each
// ancestor's subtree_control, resources in the leaf.
import t from 'tap'
import * as fs from 'fs'
import { V2Driver } from '../../../src/cgroups/v2'
import { fixture, read } from './fixture'


t.test('create enables controllers in ancestors and writes the leaf', async (t) => {
  const base = fixture(t, {
    'cgroup.controllers': 'cpuset cpu memory pids\n', 'cgroup.subtree_control': '',
    'a/cgroup.controllers': 'cpu memory pids\n', 'a/cgroup.subtree_control': '',
    'a/c/memory.max': '', 'a/c/memory.swap.max': '', 'a/c/cpu.weight': '', 'a/c/cpu.max': '',
    'a/c/pids.max': '', 'a/c/cgroup.procs': '', 'a/c/cgroup.subtree_control': 'untouched',
  })
  const d = new V2Driver({ driver: 'v2', mount: base, path: `${base}/a/c` })
  d.create({ memory: { limit: 1000, swap: 1500 }, cpu: { shares: 1024, quota: 5000 }, pids: { limit: 3 } })
  t.equal(read(base, 'cgroup.subtree_control'), '+cpuset +cpu +memory +pids')
  t.equal(read(base, 'a/cgroup.subtree_control'), '+cpu +memory +pids')
  t.equal(read(base, 'a/c/cgroup.subtree_control'), 'untouched', 'the leaf enables nothing')
  t.equal(read(base, 'a/c/memory.max'), '1000')
  t.equal(read(base, 'a/c/memory.swap.max'), '500')
  t.equal(read(base, 'a/c/cpu.weight'), '39')
  t.equal(read(base, 'a/c/cpu.max'), '5000 100000')
  t.equal(read(base, 'a/c/pids.max'), '3')
  d.apply(77)
  t.equal(read(base, 'a/c/cgroup.procs'), '77')
})

t.test('new directories are made below the mount', async (t) => {
  const base = fixture(t, { 'cgroup.controllers': '', 'cgroup.subtree_control': '' })
  // Fresh dirs in a real cgroupfs come with cgroup.controllers; a plain fs has none.
  t.throws(() => new V2Driver({ driver: 'v2', mount: base, path: `${base}/x/y` }).create(), { message: `read ${base}/x/cgroup.controllers` })
  t.ok(fs.statSync(`${base}/x`).isDirectory())
  t.throws(() => new V2Driver({ driver: 'v2', mount: base, path: '/elsewhere' }).create(), { kind: 'config', message: `cgroup /elsewhere is not under ${base}` })
})

t.test('killAll SIGKILL uses cgroup.kill; freezer state from cgroup.freeze + events', async (t) => {
  const base = fixture(t, { 'c/cgroup.kill': '', 'c/cgroup.freeze': '0\n', 'c/cgroup.events': 'populated 1\nfrozen 0\n', 'c/cgroup.procs': '' })
  const d = new V2Driver({ driver: 'v2', mount: base, path: `${base}/c` })
  d.killAll(9)
  t.equal(read(base, 'c/cgroup.kill'), '1')
  t.equal(d.freezerState(), 'THAWED')
  fs.writeFileSync(`${base}/c/cgroup.freeze`, '1\n')
  t.equal(d.freezerState(), 'FREEZING')
  fs.writeFileSync(`${base}/c/cgroup.events`, 'populated 1\nfrozen 1\n')
  t.equal(d.freezerState(), 'FROZEN')
})
