// --systemd-cgroup against a stand-in for systemd (fixtures/fake-systemd.py:
// a private dbus-daemon and a libdbus service owning org.freedesktop.systemd1,
// in a mount namespace of this test where /run/systemd/system exists). Every
// tsrun call runs in that namespace (nsenter). What is checked: the scope
// the container lands in, the unit properties systemd was sent (as libdbus
// decoded them), the limits in the scope's cgroup files, the commands that
// act on the cgroup, StopUnit on delete, and a refused or failed start
// rolled back to nothing.
import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Sandbox, fails, parseMountinfo, results, skipReason, statePid, waitFor, type Config } from './harness'

const CG = '/sys/fs/cgroup'
/** The slice the tests' scopes go in; a name of our own, so the teardown can remove it. */
const SLICE = 'tsrunsdtest.slice'
const PYTHON = '/usr/bin/python3'
const FAKE = path.join(__dirname, 'fixtures', 'fake-systemd.py')

const skip = skipReason()
  ?? (fs.statfsSync(CG).type === 0x63677270 ? 'host is cgroup v2: the fake manages v1 hierarchies' : null)
  ?? (fs.existsSync('/run/systemd/system') ? 'systemd runs here: the fake would stand beside the real one' : null)
if (skip) t.plan(0, skip)

/** dbus-daemon and libdbus for Python, installed when missing (the fake needs both). */
function installDeps(): string | null {
  const have = (): boolean => spawnSync('sh', ['-c', `command -v dbus-daemon && ${PYTHON} -c 'import dbus, gi'`]).status === 0
  if (have()) return null
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', 'dbus', 'python3-dbus', 'python3-gi'],
    { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  return have() ? null : `installing dbus, python3-dbus, python3-gi failed: ${r.stderr || r.error}`
}

interface Fake { pid: number; calls: () => Array<Record<string, any>> }

/** Starts the fake in a new mount namespace; stopped (with the bus) at the end of the file. */
async function startFake(t: Test): Promise<Fake> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-fake-systemd-'))
  const callsFile = path.join(dir, 'calls.jsonl')
  const child = spawn('unshare', ['-m', '--propagation', 'private', PYTHON, FAKE, callsFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  let gone = false
  void exited.then(() => { gone = true })
  const kill = (): void => { if (!gone) child.kill('SIGKILL') }
  process.on('exit', kill)
  t.teardown(async () => {
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
    kill()
    process.off('exit', kill)
    fs.rmSync(dir, { recursive: true, force: true })
    // tsrun makes the slice in the hierarchies systemd does not manage, as
    // runc does; on a real host systemd's slice stays, ours goes.
    for (const h of fs.readdirSync(CG)) {
      try { fs.rmdirSync(path.join(CG, h, SLICE)) } catch { /* not there */ }
    }
  })
  if (!await waitFor(() => out.includes('ready\n') || gone, 30_000) || gone) throw new Error(`fake systemd did not start: ${err}`)
  const calls = (): Array<Record<string, any>> => fs.existsSync(callsFile)
    ? fs.readFileSync(callsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>)
    : []
  return { pid: child.pid!, calls }
}

/** A sandbox whose CLI calls run in the fake's mount namespace, with the default bus address. */
function sandbox(t: Test, fake: Fake, name: string): Sandbox {
  const s = new Sandbox(t, name)
  s.prefix = ['nsenter', '-t', String(fake.pid), '-m', '--', '/usr/bin/env', '-u', 'DBUS_SYSTEM_BUS_ADDRESS']
  return s
}

/** The hierarchies of /proc/self/cgroup text that are mounted here ('' = the hybrid cgroup2 one). */
function mountedHierarchies(cgroupText: string): string[] {
  const mounts = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8')).filter((m) => m.fstype.startsWith('cgroup'))
  const mounted = (c: string): boolean => mounts.some((m) => c === ''
    ? m.fstype === 'cgroup2'
    : m.fstype === 'cgroup' && c.split(',').every((x) => m.superOptions.includes(x)))
  return cgroupText.split('\n').map((l) => /^\d+:([^:]*):/.exec(l)?.[1]).filter((c): c is string => c !== undefined && mounted(c))
}

/** Every directory named `unit` under the test's slice, in any hierarchy. */
function unitDirs(unit: string): string[] {
  return fs.readdirSync(CG).map((h) => path.join(CG, h, SLICE, unit)).filter((d) => fs.existsSync(d))
}

t.test('systemd cgroup driver', async (t) => {
  const why = installDeps()
  if (why) {
    t.fail(why)
    return
  }
  const fake = await startFake(t)

  t.test('a container in a transient scope', async (t) => {
    const s = sandbox(t, fake, 'systemd')
    const id = s.id()
    const unit = `tsrun-${id}.scope`
    const scope = `/${SLICE}/${unit}`
    const mb = 64 * 1024 * 1024
    s.config((c: Config) => {
      // No cgroup namespace: /proc/self/cgroup then shows the host's paths.
      c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'cgroup')
      c.linux.cgroupsPath = `${SLICE}:tsrun:${id}`
      c.linux.resources = { ...c.linux.resources, memory: { limit: mb }, cpu: { shares: 300, quota: 20000, period: 50000, cpus: '0', mems: '0' }, pids: { limit: 42 } }
      c.process.args = ['sh', '-c', [
        'cat /proc/self/cgroup', 'echo res mem $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)',
        'echo res shares $(cat /sys/fs/cgroup/cpu/cpu.shares)', 'echo res quota $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)',
        'echo res pids $(cat /sys/fs/cgroup/pids/pids.max)', 'echo res ready', 'exec sleep 1000'].join('; ')]
    })
    const r = s.tsrunDetached(['--systemd-cgroup', 'run', '-d', '-b', s.bundle, id], 'run')
    t.equal(r.status, 0, `run -d: ${r.stderr}`)
    t.ok(await waitFor(() => fs.readFileSync(r.outFile, 'utf8').includes('res ready')), 'container reported')
    const out = fs.readFileSync(r.outFile, 'utf8')
    const cgroups = out.split('\n').filter((l) => /^\d+:/.test(l)).join('\n')
    const hierarchies = mountedHierarchies(cgroups)
    t.ok(hierarchies.includes('name=systemd') && hierarchies.includes('memory') && hierarchies.includes(''), `hierarchies: ${hierarchies}`)
    for (const h of hierarchies) t.match(cgroups, new RegExp(`^\\d+:${h}:${scope}$`, 'm'), `${h || 'cgroup2'}: in the scope`)
    t.same(Object.fromEntries(results({ ...r, stdout: out })), { mem: String(mb), shares: '300', quota: '20000', pids: '42', ready: '' }, 'limits, seen inside')

    const pid = statePid(s, id)
    const start = fake.calls().filter((c) => c.call === 'StartTransientUnit')
    t.equal(start.length, 1, 'one StartTransientUnit')
    t.same(start[0], {
      call: 'StartTransientUnit', name: unit, mode: 'replace', aux: [],
      props: {
        Description: `tsrun container ${unit}`, Slice: SLICE, Delegate: true, PIDs: [pid],
        MemoryAccounting: true, CPUAccounting: true, BlockIOAccounting: true, TasksAccounting: true, DefaultDependencies: false,
        MemoryLimit: { t: String(mb) }, CPUShares: { t: '300' }, CPUQuotaPeriodUSec: { t: '50000' },
        CPUQuotaPerSecUSec: { t: '400000' }, TasksMax: { t: '42' }, AllowedCPUs: [1], AllowedMemoryNodes: [1],
      },
    }, 'the unit systemd was asked for, as libdbus read it')

    // The state holds the scope: later commands need no --systemd-cgroup.
    let x = s.tsrun(['exec', id, 'cat', '/proc/self/cgroup'])
    t.match(x.stdout, new RegExp(`^\\d+:memory:${scope}$`, 'm'), `exec joins the scope: ${x.stderr}`)
    x = s.tsrun(['ps', '--format', 'json', id])
    t.same(JSON.parse(x.stdout), [pid], 'ps lists the scope\'s process')
    t.equal(s.tsrun(['pause', id]).status, 0)
    t.equal(fs.readFileSync(`${CG}/freezer${scope}/freezer.state`, 'utf8').trim(), 'FROZEN', 'pause freezes the scope')
    t.equal(s.tsrun(['resume', id]).status, 0)
    x = s.tsrun(['update', '--memory', '100m', '--pids-limit', '50', id])
    t.equal(x.status, 0, `update: ${x.stderr}`)
    t.same(fake.calls().filter((c) => c.call === 'SetUnitProperties'), [{
      call: 'SetUnitProperties', name: unit, runtime: true, props: { MemoryLimit: { t: String(100 * 1024 * 1024) }, TasksMax: { t: '50' } },
    }], 'update tells systemd the new limits')
    t.equal(fs.readFileSync(`${CG}/memory${scope}/memory.limit_in_bytes`, 'utf8').trim(), String(100 * 1024 * 1024), 'update writes the scope\'s memory limit')
    x = s.tsrun(['events', '--stats', id])
    t.equal(JSON.parse(x.stdout).data.pids.limit, 50, 'events --stats reads the scope')
    t.equal(s.tsrun(['kill', '--all', id, 'KILL']).status, 0)
    t.ok(await waitFor(() => s.tsrun(['state', id]).stdout.includes('"stopped"')), 'kill --all stops it')

    t.equal(s.tsrun(['delete', id]).status, 0)
    t.same(fake.calls().filter((c) => c.call === 'StopUnit').map((c) => [c.name, c.mode]), [[unit, 'replace']], 'delete stops the unit')
    t.same(unitDirs(unit), [], 'no cgroup dir of the unit left')
  })

  t.test('a start systemd refuses or fails: one line, everything rolled back', async (t) => {
    const s = sandbox(t, fake, 'sdfail')
    for (const [suffix, want] of [['refuse', /start systemd unit \S+: org\.freedesktop\.systemd1\.TestRefused: refused by the test$/],
      ['jobfail', /error creating systemd unit \S+: got failed$/]] as const) {
      const id = s.id(suffix)
      s.config((c: Config) => {
        c.linux.cgroupsPath = `${SLICE}:tsrun:${id}`
        c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * 1024 * 1024 } }
      })
      const before = fake.calls().length
      t.match(fails(t, s, id, ['--systemd-cgroup', 'create', '-b', s.bundle, id]), want, suffix)
      const calls = fake.calls().slice(before).map((c) => c.call)
      t.equal(calls[0], 'StartTransientUnit', `${suffix}: asked systemd`)
      t.ok(calls.includes('StopUnit'), `${suffix}: rollback stops the unit: ${calls}`)
      t.same(unitDirs(`tsrun-${id}.scope`), [], `${suffix}: no cgroup dir left`)
    }
  })
})
