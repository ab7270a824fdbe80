// One bad config per rule, each failing with its one-line message; and the
// configs real tools produce (runc spec, the runtime-spec's examples) passing.
import t from 'tap'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Spec } from '../../../src/bundle/spec.generated'
import { type ValidateOptions, validateConfig, validateProcessFile, validateShape } from '../../../src/bundle/validate'
import { errorOf } from './error-of'

const fixture = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'))

const tmp = mkdtempSync(join(tmpdir(), 'tsrun-validate-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
const rootfs = join(tmp, 'rootfs')
mkdirSync(rootfs)
const opts: ValidateOptions = { rootfs }

// ---------------------------------------------------------------------------
t.test('configs from real tools validate', async (t) => {
  for (const name of ['runc-spec.json', 'runc-spec-rootless.json', 'spec-good-spec-example.json', 'spec-good-minimal-for-start.json']) {
    const { config, warnings } = validateConfig(fixture(name), opts)
    t.equal(config.ociVersion.length > 0, true, `${name} validates`)
    t.same(warnings, [], `${name} has no warnings`)
  }
  // Schema-only examples: shape is fine, but they omit process (or netns), so only the shape is asserted.
  for (const name of ['spec-good-minimal.json', 'spec-good-linux-rdma.json', 'spec-good-linux-netdevice.json']) {
    t.doesNotThrow(() => validateShape(fixture(name)), `${name} has a valid shape`)
  }
  t.doesNotThrow(() => validateConfig(fixture('spec-good-minimal.json'), { rootfs, requireProcess: false }),
    'a config without process is fine when none is required')
})

// ---------------------------------------------------------------------------
// Schema rules: the first ajv error, as `config.json: <pointer>: <message>`.
type Mutate = (c: Record<string, any>) => void
const NS_TYPES = 'mount, pid, network, uts, ipc, user, cgroup, time'
const ACTIONS = 'SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, ' +
  'SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY'

const shapeCases: [doc: string, mutate: Mutate, want: string][] = [
  ['args not an array', (c) => { c.process.args = 'sh' }, 'config.json: /process/args: must be array'],
  ['missing ociVersion', (c) => { delete c.ociVersion }, "config.json: must have required property 'ociVersion'"],
  ['bad namespace type', (c) => { c.linux.namespaces[0].type = 'bogus' },
    `config.json: /linux/namespaces/0/type: must be equal to one of the allowed values: ${NS_TYPES}`],
  ['bad seccomp action', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOPE' } },
    `config.json: /linux/seccomp/defaultAction: must be equal to one of the allowed values: ${ACTIONS}`],
  ['negative uid', (c) => { c.process.user.uid = -1 }, 'config.json: /process/user/uid: must be >= 0'],
  ['uid beyond uint32', (c) => { c.process.user.gid = 4294967296 }, 'config.json: /process/user/gid: must be <= 4294967295'],
  ['fractional uid', (c) => { c.process.user.uid = 1.5 }, 'config.json: /process/user/uid: must be integer'],
  ['user without gid', (c) => { delete c.process.user.gid }, "config.json: /process/user: must have required property 'gid'"],
  ['process without user', (c) => { delete c.process.user }, "config.json: /process: must have required property 'user'"],
  ['process without cwd', (c) => { delete c.process.cwd }, "config.json: /process: must have required property 'cwd'"],
  ['rlimit type pattern', (c) => { c.process.rlimits[0].type = 'nofile' },
    'config.json: /process/rlimits/0/type: must match pattern "^RLIMIT_[A-Z]+$"'],
  ['hook timeout 0', (c) => { c.hooks = { poststart: [{ path: '/bin/true', timeout: 0 }] } },
    'config.json: /hooks/poststart/0/timeout: must be >= 1'],
  ['char device without major', (c) => { c.linux.devices = [{ type: 'c', path: '/dev/x', minor: 1 }] },
    "config.json: /linux/devices/0: must have required property 'major'"],
  ['seccomp rule without names', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] } },
    'config.json: /linux/seccomp/syscalls/0/names: must NOT have fewer than 1 items'],
  ['bad rootfsPropagation', (c) => { c.linux.rootfsPropagation = 'rbogus' },
    'config.json: /linux/rootfsPropagation: must be equal to one of the allowed values: private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable'],
  ['mount without destination', (c) => { delete c.mounts[0].destination }, "config.json: /mounts/0: must have required property 'destination'"],
  ['annotation value not a string', (c) => { c.annotations = { a: 1 } }, 'config.json: /annotations/a: must be string'],
  ['mapping size not a number', (c) => { c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: '1' }] },
    'config.json: /linux/uidMappings/0/size: must be integer'],
]

t.test('schema rules', async (t) => {
  for (const [doc, mutate, want] of shapeCases) {
    const c = fixture('runc-spec.json')
    mutate(c)
    t.equal(errorOf(() => validateConfig(c, opts)), want, doc)
  }
  t.equal(errorOf(() => validateShape([])), 'config.json: must be object', 'an array is not a config')
  t.equal(errorOf(() => validateShape(fixture('spec-bad-linux-hugepage.json'))),
    'config.json: /linux/resources/hugepageLimits/0/pageSize: must match pattern "^[1-9][0-9]*[KMG]B$"', 'spec bad: hugepage')
  t.equal(errorOf(() => validateShape(fixture('spec-bad-linux-netdevice.json'))),
    'config.json: /linux/netDevices/eth0/name: must be string', 'spec bad: netdevice')
  t.equal(errorOf(() => validateShape(fixture('spec-bad-linux-rdma.json'))),
    'config.json: /linux/resources/rdma/mlx5_1/hcaHandles: must be integer', 'spec bad: rdma')
})

// ---------------------------------------------------------------------------
// Semantic rules (checks-*.ts), each with runc's words where runc has a rule.
const semanticCases: [doc: string, mutate: Mutate, want: string | RegExp, o?: Partial<ValidateOptions>][] = [
  ['no process for create', (c) => { delete c.process }, 'config.json: process property must not be empty'],
  ['relative cwd', (c) => { c.process.cwd = 'tmp' }, 'config.json: /process/cwd: Cwd must be an absolute path'],
  ['empty args', (c) => { c.process.args = [] }, 'config.json: /process/args: args must not be empty'],
  ['hostname without uts ns', (c) => { c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'uts') },
    'config.json: /hostname: unable to set hostname without a private UTS namespace'],
  ['domainname without uts ns', (c) => { delete c.hostname; c.domainname = 'example.org'; c.linux.namespaces.splice(3, 1) },
    'config.json: /domainname: unable to set domainname without a private UTS namespace'],
  ['duplicated namespace', (c) => { c.linux.namespaces.push({ type: 'pid' }) },
    'config.json: /linux/namespaces/5: malformed spec file: duplicated ns "pid"'],
  ['masked paths without mount ns', (c) => { c.linux.namespaces.splice(4, 1) },
    'config.json: /linux/maskedPaths: unable to restrict sys entries without a private MNT namespace'],
  ['uid mappings without user ns', (c) => { c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }] },
    "config.json: /linux/uidMappings: user namespace mappings specified, but user namespace isn't enabled in the config"],
  ['user ns without mappings or path', (c) => { c.linux.namespaces.push({ type: 'user' }) },
    'config.json: /linux/namespaces/5: user namespaces enabled, but no namespace path to join nor mappings to apply specified'],
  ['time offsets without time ns', (c) => { c.linux.timeOffsets = { monotonic: { secs: 1 } } },
    "config.json: /linux/timeOffsets: time namespace offsets specified, but time namespace isn't enabled in the config"],
  ['time offsets with a joined time ns', (c) => { c.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' }); c.linux.timeOffsets = { boottime: {} } },
    'config.json: /linux/timeOffsets: time namespace enabled, but both namespace path and time offsets specified -- you may only provide one'],
  ['unknown clock', (c) => { c.linux.namespaces.push({ type: 'time' }); c.linux.timeOffsets = { realtime: { secs: 1 } } },
    'config.json: /linux/timeOffsets/realtime: unknown clock "realtime" (want boottime or monotonic)'],
  ['time offset of a second or more in nanosecs', (c) => { c.linux.namespaces.push({ type: 'time' }); c.linux.timeOffsets = { boottime: { secs: 1, nanosecs: 1e9 } } },
    'config.json: /linux/timeOffsets/boottime/nanosecs: 1000000000 is not below 1000000000 (one second)'],
  ['net sysctl without netns', (c) => { c.linux.namespaces.splice(1, 1); c.linux.sysctl = { 'net.ipv4.ip_forward': '1' } },
    'config.json: /linux/sysctl/net.ipv4.ip_forward: sysctl "net.ipv4.ip_forward" not allowed in host network namespace'],
  ['net sysctl in a joined host netns', (c) => { c.linux.namespaces[1].path = '/proc/self/ns/net'; c.linux.sysctl = { 'net.core.somaxconn': '1' } },
    'config.json: /linux/sysctl/net.core.somaxconn: sysctl "net.core.somaxconn" not allowed in host network namespace'],
  ['net sysctl in a missing netns path', (c) => { c.linux.namespaces[1].path = join(tmp, 'nope'); c.linux.sysctl = { 'net.core.somaxconn': '1' } },
    `config.json: /linux/sysctl/net.core.somaxconn: invalid netns path: stat ${join(tmp, 'nope')}: no such file or directory`],
  ['slash-separated sysctl', (c) => { c.linux.namespaces.splice(1, 1); c.linux.sysctl = { 'net/ipv4/conf/eno2.100/rp_filter': '1' } },
    'config.json: /linux/sysctl/net~1ipv4~1conf~1eno2.100~1rp_filter: sysctl "net.ipv4.conf.eno2/100.rp_filter" not allowed in host network namespace'],
  ['ipc sysctl without ipc ns', (c) => { c.linux.namespaces.splice(2, 1); c.linux.sysctl = { 'kernel.shmmax': '1' } },
    'config.json: /linux/sysctl/kernel.shmmax: sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace'],
  ['ipc *_next_id sysctl without ipc ns', (c) => { c.linux.namespaces.splice(2, 1); c.linux.sysctl = { 'kernel/msg_next_id': '1' } },
    'config.json: /linux/sysctl/kernel~1msg_next_id: sysctl "kernel.msg_next_id" is not allowed in the hosts ipc namespace'],
  ['mqueue sysctl without ipc ns', (c) => { c.linux.namespaces.splice(2, 1); c.linux.sysctl = { 'fs.mqueue.msg_max': '1' } },
    'config.json: /linux/sysctl/fs.mqueue.msg_max: sysctl "fs.mqueue.msg_max" is not allowed in the hosts ipc namespace'],
  ['kernel.hostname sysctl', (c) => { c.linux.sysctl = { 'kernel.hostname': 'x' } },
    'config.json: /linux/sysctl/kernel.hostname: sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field'],
  ['kernel.domainname without uts', (c) => { delete c.hostname; c.linux.namespaces.splice(3, 1); c.linux.sysctl = { 'kernel.domainname': 'x' } },
    'config.json: /linux/sysctl/kernel.domainname: sysctl "kernel.domainname" is not in a separate kernel namespace'],
  ['host-wide sysctl', (c) => { c.linux.sysctl = { 'vm.swappiness': '10' } },
    'config.json: /linux/sysctl/vm.swappiness: sysctl "vm.swappiness" is not in a separate kernel namespace'],
  ['ucounts sysctl without user ns', (c) => { c.linux.sysctl = { 'user.max_user_namespaces': '0' } },
    'config.json: /linux/sysctl/user.max_user_namespaces: setting ucounts without a user namespace not allowed: user.max_user_namespaces'],
  ['unknown capability', (c) => { c.process.capabilities.bounding.push('CAP_FOO') },
    'config.json: /process/capabilities/bounding/3: unknown capability "CAP_FOO"'],
  ['unknown rlimit', (c) => { c.process.rlimits[0].type = 'RLIMIT_FOO' }, 'config.json: /process/rlimits/0/type: wrong rlimit value: RLIMIT_FOO'],
  ['duplicate rlimit', (c) => { c.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }) },
    'config.json: /process/rlimits/1/type: duplicate rlimit type RLIMIT_NOFILE'],
  ['rlimit soft above hard', (c) => { c.process.rlimits[0].soft = 2048 },
    'config.json: /process/rlimits/0: RLIMIT_NOFILE: soft limit 2048 exceeds hard limit 1024'],
  ['scheduler priority with SCHED_OTHER', (c) => { c.process.scheduler = { policy: 'SCHED_OTHER', priority: 5 } },
    'config.json: /process/scheduler/priority: scheduler.priority can only be specified for SchedFIFO or SchedRR policy'],
  ['scheduler nice out of range', (c) => { c.process.scheduler = { policy: 'SCHED_BATCH', nice: 20 } },
    'config.json: /process/scheduler/nice: invalid scheduler.nice: 20 when scheduler.policy is SCHED_BATCH'],
  ['deadline fields without SCHED_DEADLINE', (c) => { c.process.scheduler = { policy: 'SCHED_RR', runtime: 10 } },
    'config.json: /process/scheduler: scheduler runtime/deadline/period can only be specified for SchedDeadline policy'],
  ['ioPriority level 8', (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 } },
    'config.json: /process/ioPriority/priority: invalid ioPriority.Priority: 8'],
  ['SCHED_ISO', (c) => { c.process.scheduler = { policy: 'SCHED_ISO' } },
    'config.json: /process/scheduler/policy: SCHED_ISO is not implemented by the Linux kernel'],
  ['unknown scheduler flag', (c) => { c.process.scheduler = { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_FAST'] } },
    /^config\.json: \/process\/scheduler\/flags\/0: must be equal to one of the allowed values/],
  ['unknown ioPriority class', (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_NONE', priority: 0 } },
    /^config\.json: \/process\/ioPriority\/class: must be equal to one of the allowed values/],
  ['malformed execCPUAffinity', (c) => { c.process.execCPUAffinity = { initial: '3-1' } },
    'config.json: /process/execCPUAffinity/initial: invalid CPU list "3-1"'],
  ['execCPUAffinity beyond 1023', (c) => { c.process.execCPUAffinity = { initial: '0', final: '1024' } },
    'config.json: /process/execCPUAffinity/final: invalid CPU list "1024"'],
  ['null byte in a mount', (c) => { c.mounts[0].source = 'pr\0oc' }, 'config.json: /mounts/0: mount field contains null byte'],
  ['idmapped mount that is not a bind', (c) => { c.mounts[0].uidMappings = [{ containerID: 0, hostID: 1, size: 1 }] },
    'config.json: /mounts/0: id-mapped mounts are only supported for bind-mounts'],
  ['idmapped mount with one map', (c) => { c.mounts.push({ destination: '/x', source: '/x', options: ['rbind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }) },
    'config.json: /mounts/7: id-mapped mounts must have both uid and gid mappings specified'],
  ['idmap option on a tmpfs', (c) => { c.mounts[1].options.push('idmap') },
    'config.json: /mounts/1: id-mapped mounts are only supported for bind-mounts'],
  ['ridmap without a user namespace or mappings', (c) => { c.mounts.push({ destination: '/x', source: '/x', options: ['rbind', 'ridmap'] }) },
    'config.json: /mounts/7: id-mapped mounts must have both uid and gid mappings specified'],
  ['idmapped mount when rootless', (c) => { c.mounts.push({ destination: '/x', source: '/x', options: ['bind', 'idmap'] }) },
    'config.json: /mounts/7: id-mapped mounts are not supported for rootless containers', { rootless: true }],
  ['private root without pivot_root', (c) => { c.linux.rootfsPropagation = 'rprivate' },
    'config.json: /linux/rootfsPropagation: rootfsPropagation of [r]private is not safe without pivot_root', { noPivot: true }],
  ['relative device path', (c) => { c.linux.devices = [{ type: 'p', path: 'dev/fifo' }] },
    'config.json: /linux/devices/0/path: device path must be absolute'],
  ['relative hook path', (c) => { c.hooks = { createRuntime: [{ path: 'hook.sh' }] } },
    'config.json: /hooks/createRuntime/0/path: hook path must be absolute'],
  ['notify as default action', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/run/agent.sock' } },
    'config.json: /linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be used as default action'],
  ['notify on write', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/s', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_NOTIFY' }] } },
    'config.json: /linux/seccomp/syscalls/0/names: SCMP_ACT_NOTIFY cannot be used for the write syscall'],
  ['notify on sendmsg', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/s', syscalls: [{ names: ['sendmsg'], action: 'SCMP_ACT_NOTIFY' }] } },
    'config.json: /linux/seccomp/syscalls/0/names: SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall'],
  ['seccomp arch libseccomp 2.5 lacks', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_SH'] } },
    "config.json: /linux/seccomp/architectures/1: SCMP_ARCH_SH is not supported by this build's libseccomp"],
  ['wait-killable flag without a notify rule', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] } },
    'config.json: /linux/seccomp/flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a SCMP_ACT_NOTIFY rule'],
  ['notify without listenerPath', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] } },
    'config.json: /linux/seccomp/listenerPath: seccomp listenerPath is not set'],
  ['errnoRet on an allow rule', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] } },
    'config.json: /linux/seccomp/syscalls/0/errnoRet: errno return code is not supported for action SCMP_ACT_ALLOW'],
  ['defaultErrnoRet with a kill default', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 1 } },
    'config.json: /linux/seccomp/defaultErrnoRet: errno return code is not supported for action SCMP_ACT_KILL'],
  ['seccomp argument index 6', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] } },
    'config.json: /linux/seccomp/syscalls/0/args/0/index: syscall argument index 6 is out of range (0-5)'],
  ['listenerMetadata without listenerPath', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' } },
    'config.json: /linux/seccomp/listenerMetadata: listenerMetadata must not be set without listenerPath'],
  ['MPOL_BIND without nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND' } },
    'config.json: /linux/memoryPolicy/nodes: memory policy mode requires at least one node but got 0'],
  ['MPOL_LOCAL with nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_LOCAL', nodes: '0-1' } },
    'config.json: /linux/memoryPolicy/nodes: memory policy mode requires 0 nodes but got 2'],
  ['malformed memory nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '3-1' } },
    'config.json: /linux/memoryPolicy/nodes: invalid memory policy nodes "3-1"'],
  ['static and relative memory nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] } },
    'config.json: /linux/memoryPolicy/flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES are mutually exclusive'],
  ['unknown memory policy mode', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_FOO' } },
    /^config\.json: \/linux\/memoryPolicy\/mode: must be equal to one of the allowed values/],
  ['personality flags', (c) => { c.linux.personality = { domain: 'LINUX32', flags: ['ADDR_NO_RANDOMIZE'] } },
    'config.json: /linux/personality/flags: personality flags are not supported: ADDR_NO_RANDOMIZE'],
  ['unknown personality domain', (c) => { c.linux.personality = { domain: 'SVR4' } },
    'config.json: /linux/personality/domain: must be equal to one of the allowed values: LINUX, LINUX32'],
  ['netDevices without netns', (c) => { c.linux.namespaces.splice(1, 1); c.linux.netDevices = { eth1: {} } },
    'config.json: /linux/netDevices: unable to move network devices without a NET namespace'],
  ['bad netDevice name', (c) => { c.linux.netDevices = { eth1: { name: 'a/b' } } },
    'config.json: /linux/netDevices/eth1/name: invalid network device name "a/b"'],
  ['netDevices rootless', (c) => { c.linux.netDevices = { eth1: {} } },
    'config.json: /linux/netDevices: network devices are not supported for rootless containers', { rootless: true }],
]

t.test('semantic rules', async (t) => {
  for (const [doc, mutate, want, o] of semanticCases) {
    const c = fixture('runc-spec.json')
    mutate(c)
    const got = errorOf(() => validateConfig(c, { ...opts, ...o }))
    if (typeof want === 'string') t.equal(got, want, doc)
    else t.match(got, want, doc)
  }
})

t.test('allowed by the semantic rules', async (t) => {
  const ok: [doc: string, mutate: Mutate, o?: Partial<ValidateOptions>][] = [
    ['ipc sysctl with ipc ns', (c) => { c.linux.sysctl = { 'kernel.shmmax': '1', 'fs.mqueue.msg_max': '10', 'kernel.shm_next_id': '5' } }],
    ['net sysctl with a new netns', (c) => { c.linux.sysctl = { 'net.ipv4.ip_forward': '1' } }],
    ['kernel.domainname with uts', (c) => { c.linux.sysctl = { 'kernel.domainname': 'x' } }],
    ['joined user ns without mappings', (c) => { c.linux.namespaces.push({ type: 'user', path: '/proc/self/ns/user' }) }],
    ['new time ns with offsets', (c) => { c.linux.namespaces.push({ type: 'time' }); c.linux.timeOffsets = { monotonic: { secs: -5 } } }],
    ['slave root without pivot_root', (c) => { c.linux.rootfsPropagation = 'rslave' }, { noPivot: true }],
    ['known capabilities, all sets', (c) => { c.process.capabilities.inheritable = ['CAP_CHECKPOINT_RESTORE', 'CAP_BPF'] }],
    ['idmapped bind mount', (c) => { c.mounts.push({ destination: '/x', source: '/x', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }) }],
    ['idmap taking a new user namespace\'s mappings', (c) => {
      c.linux.namespaces.push({ type: 'user' })
      c.linux.uidMappings = c.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]
      c.mounts.push({ destination: '/x', source: '/x', options: ['rbind', 'ridmap'] })
    }],
    ['idmap taking a joined user namespace\'s mapping', (c) => {
      c.linux.namespaces.push({ type: 'user', path: '/proc/self/ns/user' })
      c.mounts.push({ destination: '/x', source: '/x', options: ['bind', 'idmap'] })
    }],
    ['notify with listenerPath', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/s', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] } }],
    ['MPOL_PREFERRED without nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_PREFERRED' } }],
    ['SCHED_FIFO priority', (c) => { c.process.scheduler = { policy: 'SCHED_FIFO', priority: 50 } }],
    ['SCHED_DEADLINE with every flag', (c) => { c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1e6, deadline: 2e6, period: 3e6, flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_RECLAIM', 'SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_KEEP_POLICY', 'SCHED_FLAG_KEEP_PARAMS', 'SCHED_FLAG_UTIL_CLAMP_MIN', 'SCHED_FLAG_UTIL_CLAMP_MAX'] } }],
    ['execCPUAffinity lists', (c) => { c.process.execCPUAffinity = { initial: '0', final: '0-3, 7' } }],
    ['LINUX32 personality', (c) => { c.linux.personality = { domain: 'LINUX32', flags: [] } }],
    ['MPOL_INTERLEAVE with static nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] } }],
    ['device with st_mode type bits', (c) => { c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 8630 }] }],
  ]
  for (const [doc, mutate, o] of ok) {
    const c = fixture('runc-spec.json')
    mutate(c)
    t.doesNotThrow(() => validateConfig(c, { ...opts, ...o }), doc)
  }
})

t.test('relative mount destinations are a warning, as in runc', async (t) => {
  const c = fixture('runc-spec.json')
  c.mounts[0].destination = 'proc'
  const { warnings } = validateConfig(c, opts)
  t.same(warnings, ['config.json: /mounts/0/destination: mount destination proc is not absolute. ' +
    'Support for non-absolute mount destinations will be removed in a future release.'])
})

t.test('rootfs must be an existing directory reached without symlinks', async (t) => {
  const c = fixture('runc-spec.json')
  const missing = join(tmp, 'missing')
  t.equal(errorOf(() => validateConfig(c, { rootfs: missing })), `invalid rootfs: stat ${missing}: no such file or directory`)
  const file = join(tmp, 'file')
  writeFileSync(file, '')
  t.equal(errorOf(() => validateConfig(c, { rootfs: file })), `invalid rootfs: ${file}: not a directory`)
  const link = join(tmp, 'link')
  symlinkSync(rootfs, link)
  t.equal(errorOf(() => validateConfig(c, { rootfs: link })), `invalid rootfs: ${link}: not an absolute path, or a symlink`)
})

t.test('exec process files', async (t) => {
  const p = fixture('runc-spec.json').process
  t.equal(validateProcessFile(p).cwd, '/')
  t.equal(errorOf(() => validateProcessFile({ ...p, args: 'sh' })), 'process.json: /args: must be array')
  t.equal(errorOf(() => validateProcessFile({ ...p, args: [] }, '/tmp/p.json')), '/tmp/p.json: /args: args must not be empty')
  t.equal(errorOf(() => validateProcessFile({ ...p, capabilities: { ambient: ['CAP_NOPE'] } })),
    'process.json: /capabilities/ambient/0: unknown capability "CAP_NOPE"')
})

t.test('the validator types its result', async (t) => {
  const spec: Spec = validateShape(fixture('runc-spec.json'))
  t.equal(spec.process?.user.uid, 0)
})
