// Protocol drift: a plan encoded here must come back field for field from
// `tsrun-init --check-plan`, which decodes with the init's own tables.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeError, encodePlan, formatInitError, MsgType, PLAN_SCHEMA, stepName, stepNumbers } from '../../../src/plan/protocol'

const Step = stepNumbers()
import type { InitPlan } from '../../../src/plan/types'

const ROOT = join(__dirname, '..', '..', '..')
const INIT = process.env.TSRUN_INIT ?? join(ROOT, 'build', 'Release', 'tsrun-init')
const HEADER = readFileSync(join(ROOT, 'addon', 'init', 'protocol.h'), 'utf8')

// Every field differs from its default, and no two fields of one kind share
// a value, so a swapped or missing tag shows up as a wrong value.
function richPlan(): InitPlan {
  return {
    id: 'ctr-1',
    cloneFlags: 0x20000 | 0x4000000,
    joinNamespaces: [{ type: 0x10000000, path: '/proc/42/ns/user' }, { type: 0x40000000, path: '/run/netns/n1' }],
    unshareFlags: 0x10000000 | 0x80,
    forkForPidns: true,
    timeOffsets: ['monotonic 5 0', 'boottime -7 100'],
    userns: true,
    rootfs: '/var/lib/tsrun/b/rootfs',
    rootPropagation: 0x80000 | 0x4000,
    rootfsPropagation: 0x100000 | 0x4000,
    rootReadonly: true,
    noPivot: true,
    mounts: [
      { source: 'proc', destination: '/proc', fstype: 'proc', flags: 2 | 4 | 8, propagation: [], data: '', attrSet: 0, attrClr: 0, fileTarget: false },
      { source: '/etc/hosts', destination: '/etc/hosts', fstype: '', flags: 0x1000 | 0x4000 | 1, propagation: [0x40000 | 0x4000, 0x100000],
        data: 'mode=755,size=65536k', attrSet: 0x200001, attrClr: 0x70, fileTarget: true },
    ],
    idmaps: [
      { mount: 1, uidMap: '0 100000 65536\n', gidMap: '0 200000 1000\n1000 1000 1\n', usernsPath: '', recursive: true },
      { mount: 0, uidMap: '', gidMap: '', usernsPath: '/proc/7/ns/user', recursive: false },
    ],
    joinedUidMap: '0 1000 1\n',
    joinedGidMap: '0 2000 5\n5 3000 1\n',
    devices: [
      { path: '/dev/null', type: 0o20000, major: 1, minor: 3, mode: 0o666, uid: 11, gid: 12, bind: true },
      { path: '/dev/sda', type: 0o60000, major: 8, minor: 1048575, mode: 0o600, uid: 13, gid: 14, bind: false },
    ],
    devSymlinks: true,
    maskedPaths: ['/proc/kcore', '/sys/firmware'],
    readonlyPaths: ['/proc/sys', '/proc/bus'],
    fifoPath: '/run/tsrun/ctr-1/exec.fifo',
    mountLabel: 'system_u:object_r:container_file_t:s0:c1,c2',
    hostname: 'box',
    domainname: 'example.org',
    sysctls: [{ key: 'net.ipv4.ip_forward', value: '1' }, { key: 'kernel.msgmax', value: '8192' }],
    rlimits: [{ type: 7, soft: 1024n, hard: 0xffffffffffffffffn }],
    oomScoreAdj: -999,
    args: ['sh', '-c', 'echo "quoted" \\ back\tslash\nünïcödé 🚀', ''],
    env: ['PATH=/usr/bin:/bin', 'HOME=/root', 'EMPTY='],
    cwd: '/work dir',
    uid: 1000,
    gid: 1001,
    additionalGids: [10, 4294967294],
    umask: 0o027,
    caps: { bounding: 0x1ffffffffffn, effective: 0xa80425fbn, permitted: 0xa80425fcn, inheritable: 1n << 40n, ambient: 1n << 10n },
    noNewPrivileges: true,
    newKeyring: true,
    syncRuntime: true,
    terminal: true,
    consoleWidth: 120,
    consoleHeight: 40,
    consoleSocketFd: 9,
    preserveFds: 2,
    seccompBpf: Uint8Array.from([0x20, 0, 0, 0, 4, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]),
    seccompFlags: 2,
    apparmorProfile: 'tsrun-default',
    selinuxLabel: 'system_u:system_r:container_t:s0:c1,c2',
    personality: 8,
    ioPriority: 2 << 13 | 5,
    scheduler: { policy: 6, flags: 0x45n, nice: -3, priority: 7, runtime: 10_000_000n, deadline: 30_000_000n, period: 2n ** 40n },
    memoryPolicy: { mode: 3, flags: 1 << 15, nodes: [0, 2, 1023] },
    cpuAffinity: [1, 3, 8191],
    keepCpuAffinity: true,
    cgroupFds: [7, 8, 12],
    createContainerHooks: [{ path: '/bin/hook', args: ['hook', 'create'], env: ['A=1'], timeout: 5 }],
    startContainerHooks: [{ path: '/bin/h2', args: [], env: [], timeout: 0 }, { path: '/bin/h3', args: ['x'], env: ['B=2'], timeout: 30 }],
    execPidfd: 11,
    execPid: 4242,
    execNs: 0x20000 | 0x40000000,
  }
}

// Nulls, empty lists, zeros and the -1 sentinels: what absence decodes to.
function emptyPlan(): InitPlan {
  return {
    id: '', cloneFlags: 0, joinNamespaces: [], unshareFlags: 0, forkForPidns: false, timeOffsets: [], userns: false,
    rootfs: '', rootPropagation: 0, rootfsPropagation: 0, rootReadonly: false, noPivot: false, mounts: [], idmaps: [], joinedUidMap: '', joinedGidMap: '', devices: [],
    devSymlinks: false, maskedPaths: [], readonlyPaths: [], fifoPath: '', mountLabel: '', hostname: null, domainname: null,
    sysctls: [], rlimits: [], oomScoreAdj: null, args: [], env: [], cwd: '', uid: 0, gid: 0, additionalGids: [], umask: null,
    caps: { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n }, noNewPrivileges: false, newKeyring: false, syncRuntime: false,
    terminal: false, consoleWidth: 0, consoleHeight: 0, consoleSocketFd: -1, preserveFds: 0, seccompBpf: new Uint8Array(),
    seccompFlags: 0, apparmorProfile: '', selinuxLabel: '', personality: -1, createContainerHooks: [], startContainerHooks: [],
    ioPriority: -1, scheduler: { policy: -1, flags: 0n, nice: 0, priority: 0, runtime: 0n, deadline: 0n, period: 0n },
    memoryPolicy: { mode: -1, flags: 0, nodes: [] }, cpuAffinity: [], keepCpuAffinity: false, cgroupFds: [],
    execPidfd: -1, execPid: 0, execNs: 0,
  }
}

// The JSON --check-plan prints: bigints as decimal strings, bytes as hex.
function asJson(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
  if (Array.isArray(v)) return v.map(asJson)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asJson(x)]))
  return v
}

function checkPlan(bytes: Buffer) {
  return spawnSync(INIT, ['--check-plan'], { input: bytes, encoding: 'utf8' })
}

function record(tag: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32LE(tag, 0)
  head.writeUInt32LE(payload.length, 4)
  return Buffer.concat([head, payload])
}

t.test('tsrun-init decodes what encodePlan writes', async t => {
  if (!t.ok(existsSync(INIT), `${INIT} exists (run npm run build, or set TSRUN_INIT)`)) return
  for (const [name, plan] of [['rich', richPlan()], ['empty', emptyPlan()]] as const) {
    const r = checkPlan(encodePlan(plan))
    t.equal(r.status, 0, `${name}: exit 0 ${r.stderr}`)
    t.strictSame(JSON.parse(r.stdout), asJson(plan), `${name}: every field round-trips`)
  }
})

t.test('tsrun-init refuses malformed plans', async t => {
  if (!existsSync(INIT)) {
    t.plan(0, 'no tsrun-init (see above)')
    return
  }
  const good = encodePlan(richPlan())
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b }
  const cases: [string, Buffer, RegExp][] = [
    ['unknown tag', Buffer.concat([good, record(99, u32(1))]), /unknown tag 99/],
    ['truncated', good.subarray(0, good.length - 1), /beyond the end|truncated/],
    ['duplicate scalar', Buffer.concat([good, record(28, u32(1))]), /uid: duplicate tag 28/],
    ['bad bool', record(5, u32(2)), /forkForPidns: bad bool 2/],
    ['bad length', record(28, Buffer.alloc(2)), /uid: bad length 2/],
    ['NUL in string', record(1, Buffer.from('a\0b')), /id: NUL in string/],
    ['unknown nested tag', record(13, record(42, u32(0))), /unknown tag 42/],
    ['duplicate tag above 64', Buffer.concat([good, record(150, u32(1))]), /ioPriority: duplicate tag 150/],
  ]
  for (const [name, bytes, re] of cases) {
    const r = checkPlan(bytes)
    t.equal(r.status, 1, `${name}: exit 1`)
    t.match(r.stderr, re, `${name}: says why`)
  }
})

t.test('message types and steps match protocol.h', async t => {
  const enumOf = (prefix: string) =>
    Object.fromEntries([...HEADER.matchAll(new RegExp(`\\b${prefix}_([A-Z_]+) = (\\d+)`, 'g'))].map(m => [m[1], Number(m[2])]))
  t.strictSame({ ...MsgType }, enumOf('MSG'))
  t.strictSame({ ...Step }, enumOf('STEP'))
  for (const n of Object.values(Step)) t.type(stepName(n), 'string', `step ${n} has a name`)
  // Tag numbers: same set on both sides (the round trip checks which is which).
  const tags = Object.values(enumOf('T')).sort((a, b) => a - b)
  t.strictSame(Object.values(PLAN_SCHEMA).map(f => f[0]).sort((a, b) => a - b), tags)
})

t.test('encodePlan names the field it cannot encode', async t => {
  const cases: [Partial<InitPlan>, RegExp][] = [
    [{ uid: -1 }, /InitPlan\.uid: expected u32, got -1/],
    [{ cloneFlags: 2 ** 32 }, /InitPlan\.cloneFlags: expected u32/],
    [{ personality: 2 ** 31 }, /InitPlan\.personality: expected i32/],
    [{ cwd: 'a\0b' }, /InitPlan\.cwd: expected string without NUL/],
    [{ rlimits: [{ type: 1, soft: -1n, hard: 0n }] }, /InitPlan\.rlimits\[0\]\.soft: expected u64 bigint, got -1n/],
    [{ additionalGids: [1, 1.5] }, /InitPlan\.additionalGids\[1\]: expected u32/],
    [{ noPivot: 1 as unknown as boolean }, /InitPlan\.noPivot: expected boolean/],
  ]
  for (const [patch, re] of cases) t.throws(() => encodePlan({ ...richPlan(), ...patch }), re)
})

t.test('decodeError and formatInitError', async t => {
  const payload = (step: number, errno: number, detail: string) => {
    const b = Buffer.alloc(8)
    b.writeUInt32LE(step, 0)
    b.writeInt32LE(errno, 4)
    return Buffer.concat([b, Buffer.from(detail)])
  }
  const mount = decodeError(payload(Step.MOUNT, 2, 'bind /nope on /mnt'))
  t.strictSame(mount, { step: 13, stepName: 'mount', errno: 2, detail: 'bind /nope on /mnt' })
  t.equal(formatInitError(mount), 'mount bind /nope on /mnt: no such file or directory')
  const lookup = decodeError(payload(Step.EXEC_LOOKUP, 2, 'exec: "nope": executable file not found in $PATH'))
  t.equal(formatInitError(lookup), 'exec: "nope": executable file not found in $PATH')
  const stat = decodeError(payload(Step.EXEC_STAT, 13, 'exec: "/etc/passwd"'))
  t.equal(formatInitError(stat), 'exec: "/etc/passwd": permission denied')
  const hook = decodeError(payload(Step.CREATE_HOOK, 0, '0 (/bin/false): exit status 1'))
  t.equal(formatInitError(hook), 'createContainer hook 0 (/bin/false): exit status 1')
  t.equal(decodeError(Buffer.alloc(3)).step, Step.PROTOCOL)
  t.equal(decodeError(payload(999, 1, 'x')).stepName, 'step 999')
})
