// The TypeScript half of addon/init/protocol.h: message types, the InitPlan
// encoding, and the init's error reports. Pure (no addon): the lifecycle
// sends what encodePlan returns and hands ERROR payloads to decodeError.
// test/unit/plan/protocol.test.ts round-trips a plan through the real init.

import type { InitPlan } from './types'

/** SOCK_SEQPACKET message types (u32 LE, then the payload). */
export const MsgType = {
  PLAN: 1,
  USERNS_MAP_PLEASE: 2,
  USERNS_MAP_DONE: 3,
  /** payload: u32 LE pid of the container process */
  CHILD_PID: 4,
  HOOKS_PLEASE: 5,
  /** payload: state JSON for createContainer (and startContainer) hooks */
  HOOKS_DONE: 6,
  READY: 7,
  /** payload: optional state JSON replacing HOOKS_DONE's for startContainer hooks */
  GO: 8,
  /** payload: u32 step, i32 errno, UTF-8 detail */
  ERROR: 9,
  /** no payload; the seccomp notify listener fd comes as SCM_RIGHTS */
  SECCOMP_FD: 30,
} as const
export type MsgType = (typeof MsgType)[keyof typeof MsgType]

// --- steps (enum step in protocol.h; append only) ---------------------------

/** enum step in protocol.h, each with the name the CLI prints before the detail. */
const STEPS = {
  PROTOCOL: [1, 'sync'], DECODE: [2, 'decode plan'], PRCTL: [3, 'prctl'], SETNS: [4, 'setns'],
  UNSHARE: [5, 'unshare'], TIMENS: [6, 'timens offsets'], FORK: [7, 'fork'], SETSID: [8, 'setsid'],
  BECOME_ROOT: [9, 'become root'], ROOT_PROPAGATION: [10, 'root propagation'],
  BIND_ROOTFS: [11, 'bind rootfs'], MKDIR: [12, 'mkdir'], MOUNT: [13, 'mount'], REMOUNT: [14, 'remount'],
  MOUNT_PROPAGATION: [15, 'mount propagation'], MOUNT_SETATTR: [16, 'mount_setattr'], DEVICE: [17, 'device'],
  SYMLINK: [18, 'symlink'], OPEN_FIFO: [19, 'open exec fifo'], CREATE_HOOK: [20, 'createContainer hook'],
  PIVOT_ROOT: [21, 'pivot_root'], ROOTFS_PROPAGATION: [22, 'rootfs propagation'],
  READONLY_MOUNTS: [23, 'readonly mounts'], ROOT_READONLY: [24, 'readonly rootfs'],
  SETHOSTNAME: [25, 'sethostname'], SETDOMAINNAME: [26, 'setdomainname'], SYSCTL: [27, 'sysctl'],
  READONLY_PATH: [28, 'readonly path'], MASK_PATH: [29, 'mask path'], SETRLIMIT: [30, 'setrlimit'],
  OOM_SCORE_ADJ: [31, 'oom_score_adj'], PERSONALITY: [32, 'personality'], LSM_LABEL: [33, 'lsm label'],
  CONSOLE: [34, 'console'], CHDIR: [35, 'chdir'], EXEC_LOOKUP: [36, 'exec'], EXEC_STAT: [37, 'exec'],
  SETGROUPS: [38, 'setgroups'], SETRESGID: [39, 'setresgid'], SETRESUID: [40, 'setresuid'],
  CAPBSET: [41, 'capbset drop'], CAPSET: [42, 'capset'], AMBIENT: [43, 'ambient caps'],
  NO_NEW_PRIVS: [44, 'no_new_privs'], SECCOMP: [45, 'seccomp'], CLOSE_FDS: [46, 'close fds'],
  EXEC_FIFO: [47, 'exec fifo'], START_HOOK: [48, 'startContainer hook'], EXEC: [49, 'execve'],
  KEYRING: [50, 'session keyring'], JOIN: [60, 'join'], JOIN_ROOT: [61, 'join root'],
  IO_PRIORITY: [150, 'io priority'], SCHEDULER: [151, 'scheduler'], MEMORY_POLICY: [152, 'memory policy'],
  IDMAP: [120, 'idmapped mount'], USERNS_MAPS: [121, 'user namespace'],
  CPU_AFFINITY: [153, 'cpu affinity'], CGROUP: [230, 'join cgroup'],
} as const
type StepKey = keyof typeof STEPS
type StepNumbers = { readonly [K in StepKey]: (typeof STEPS)[K][0] }
export type Step = StepNumbers[StepKey]

// Both tables are built on first use, by an error: building them cost every
// create ~0.15 ms (compiled, measured).
let numbers: StepNumbers | undefined
let names: Readonly<Record<number, string>> | undefined

/** What failed, in an ERROR report: stepNumbers().MOUNT === 13. */
export function stepNumbers(): StepNumbers {
  return (numbers ??= Object.fromEntries(Object.entries(STEPS).map(([k, [n]]) => [k, n])) as StepNumbers)
}

/** Step number → its human name. */
export function stepName(step: number): string | undefined {
  return (names ??= Object.fromEntries(Object.values(STEPS).map(([n, name]) => [n, name])))[step]
}

export interface InitError { step: number; stepName: string; errno: number; detail: string }

/** Parses an ERROR payload: u32 step, i32 errno (positive), detail. */
export function decodeError(payload: Buffer): InitError {
  if (payload.length < 8) {
    const detail = `short ERROR message (${payload.length} bytes)`
    const step = stepNumbers().PROTOCOL
    return { step, stepName: stepName(step)!, errno: 0, detail }
  }
  const step = payload.readUInt32LE(0)
  return {
    step,
    stepName: stepName(step) ?? `step ${step}`,
    errno: payload.readInt32LE(4),
    detail: payload.subarray(8).toString('utf8'),
  }
}

/** "<step> <detail>: <strerror>"; errno 0 means the detail is complete, and
 * the exec steps carry runc's own phrase. */
export function formatInitError(e: InitError): string {
  // util on the error path only: under Bun, loading it costs ~2 ms.
  const { getSystemErrorMap } = require('node:util') as typeof import('node:util')
  const text = e.errno ? getSystemErrorMap().get(-e.errno)?.[1] ?? `errno ${e.errno}` : ''
  const { EXEC_LOOKUP, EXEC_STAT } = stepNumbers()
  if (e.step === EXEC_LOOKUP) return e.detail
  const head = e.step === EXEC_STAT ? e.detail : `${e.stepName} ${e.detail}`
  return text ? `${head}: ${text}` : head
}

// --- plan encoding ----------------------------------------------------------
// Records `u32 tag, u32 len, payload` (LE); lists repeat their tag; structured
// items nest a record sequence. Each schema below lists every field of its
// type (a missing one is a compile error) with its protocol.h tag and a kind
// the field's type allows.

type Kind = 'u32' | 'i32' | 'u64' | 'bool' | 'str' | 'optStr' | 'optU32' | 'optI32' |
  'bytes' | 'strList' | 'u32List' | 'rec' | 'recList'
type FieldFor<V> =
  [V] extends [string] ? readonly [number, 'str'] :
  [V] extends [string | null] ? readonly [number, 'optStr'] :
  [V] extends [boolean] ? readonly [number, 'bool'] :
  [V] extends [number] ? readonly [number, 'u32' | 'i32'] :
  [V] extends [number | null] ? readonly [number, 'optU32' | 'optI32'] :
  [V] extends [bigint] ? readonly [number, 'u64'] :
  [V] extends [Uint8Array] ? readonly [number, 'bytes'] :
  [V] extends [string[]] ? readonly [number, 'strList'] :
  [V] extends [number[]] ? readonly [number, 'u32List'] :
  [V] extends [Array<infer E>] ? readonly [number, 'recList', Schema<E>] :
  readonly [number, 'rec', Schema<V>]
type Schema<T> = { readonly [K in keyof T]-?: FieldFor<T[K]> }
type PlanOf<K extends keyof InitPlan> = InitPlan[K] extends Array<infer E> ? E : InitPlan[K]

const NS: Schema<PlanOf<'joinNamespaces'>> = { type: [1, 'u32'], path: [2, 'str'] }
const MOUNT: Schema<PlanOf<'mounts'>> = {
  source: [1, 'str'], destination: [2, 'str'], fstype: [3, 'str'], flags: [4, 'u32'],
  propagation: [5, 'u32List'], data: [6, 'str'], attrSet: [7, 'u32'], attrClr: [8, 'u32'],
  fileTarget: [9, 'bool'],
}
const DEVICE: Schema<PlanOf<'devices'>> = {
  path: [1, 'str'], type: [2, 'u32'], major: [3, 'u32'], minor: [4, 'u32'], mode: [5, 'u32'],
  uid: [6, 'u32'], gid: [7, 'u32'], bind: [8, 'bool'],
}
const IDMAP: Schema<PlanOf<'idmaps'>> = {
  mount: [1, 'u32'], uidMap: [2, 'str'], gidMap: [3, 'str'], usernsPath: [4, 'str'], recursive: [5, 'bool'],
}
const SYSCTL: Schema<PlanOf<'sysctls'>> = { key: [1, 'str'], value: [2, 'str'] }
const RLIMIT: Schema<PlanOf<'rlimits'>> = { type: [1, 'u32'], soft: [2, 'u64'], hard: [3, 'u64'] }
const CAPS: Schema<PlanOf<'caps'>> = {
  bounding: [1, 'u64'], effective: [2, 'u64'], permitted: [3, 'u64'], inheritable: [4, 'u64'], ambient: [5, 'u64'],
}
const SCHED: Schema<PlanOf<'scheduler'>> = {
  policy: [1, 'i32'], flags: [2, 'u64'], nice: [3, 'i32'], priority: [4, 'u32'],
  runtime: [5, 'u64'], deadline: [6, 'u64'], period: [7, 'u64'],
}
const MEMPOLICY: Schema<PlanOf<'memoryPolicy'>> = { mode: [1, 'i32'], flags: [2, 'u32'], nodes: [3, 'u32List'] }
const HOOK: Schema<PlanOf<'createContainerHooks'>> = {
  path: [1, 'str'], args: [2, 'strList'], env: [3, 'strList'], timeout: [4, 'u32'],
}

/** Tag and kind of every InitPlan field (enum plan_tag in protocol.h). */
export const PLAN_SCHEMA: Schema<InitPlan> = {
  id: [1, 'str'], cloneFlags: [2, 'u32'], joinNamespaces: [3, 'recList', NS],
  unshareFlags: [4, 'u32'], forkForPidns: [5, 'bool'], timeOffsets: [6, 'strList'],
  userns: [7, 'bool'], rootfs: [8, 'str'], rootPropagation: [9, 'u32'],
  rootfsPropagation: [10, 'u32'], rootReadonly: [11, 'bool'], noPivot: [12, 'bool'],
  mounts: [13, 'recList', MOUNT], devices: [14, 'recList', DEVICE], devSymlinks: [15, 'bool'],
  maskedPaths: [16, 'strList'], readonlyPaths: [17, 'strList'], fifoPath: [18, 'str'],
  mountLabel: [19, 'str'], hostname: [20, 'optStr'], domainname: [21, 'optStr'],
  sysctls: [22, 'recList', SYSCTL], rlimits: [23, 'recList', RLIMIT], oomScoreAdj: [24, 'optI32'],
  args: [25, 'strList'], env: [26, 'strList'], cwd: [27, 'str'], uid: [28, 'u32'], gid: [29, 'u32'],
  additionalGids: [30, 'u32List'], umask: [31, 'optU32'], caps: [32, 'rec', CAPS],
  noNewPrivileges: [33, 'bool'], terminal: [34, 'bool'], consoleWidth: [35, 'u32'],
  consoleHeight: [36, 'u32'], consoleSocketFd: [37, 'i32'], preserveFds: [38, 'u32'],
  seccompBpf: [39, 'bytes'], seccompFlags: [40, 'u32'], apparmorProfile: [41, 'str'],
  selinuxLabel: [42, 'str'], personality: [43, 'i32'],
  createContainerHooks: [44, 'recList', HOOK], startContainerHooks: [45, 'recList', HOOK],
  newKeyring: [46, 'bool'], execPidfd: [60, 'i32'], execPid: [61, 'u32'], execNs: [62, 'u32'],
  ioPriority: [150, 'i32'], scheduler: [151, 'rec', SCHED], memoryPolicy: [152, 'rec', MEMPOLICY],
  idmaps: [120, 'recList', IDMAP], joinedUidMap: [121, 'str'], joinedGidMap: [122, 'str'],
  cpuAffinity: [153, 'u32List'], keepCpuAffinity: [154, 'bool'],
  syncRuntime: [190, 'bool'], cgroupFds: [230, 'u32List'],
}

/**
 * One growing buffer the records are written into: a record's length is
 * patched in once its payload is written. (Allocating and concatenating a
 * Buffer per record cost ~3 ms for a plan of a few hundred records.)
 */
class Writer {
  buf = Buffer.allocUnsafe(16 * 1024)
  len = 0

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n))
    this.buf.copy(bigger, 0, 0, this.len)
    this.buf = bigger
  }

  /** Starts a record; returns where its length goes. */
  open(tag: number): number {
    this.room(8)
    this.buf.writeUInt32LE(tag, this.len)
    this.len += 8
    return this.len - 4
  }

  close(at: number): void {
    this.buf.writeUInt32LE(this.len - at - 4, at)
  }

  u32(v: number): void { this.room(4); this.buf.writeUInt32LE(v, this.len); this.len += 4 }
  i32(v: number): void { this.room(4); this.buf.writeInt32LE(v, this.len); this.len += 4 }
  u64(v: bigint): void { this.room(8); this.buf.writeBigUInt64LE(v, this.len); this.len += 8 }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.len); this.len += b.length }
  str(v: string): void { const n = Buffer.byteLength(v); this.room(n); this.buf.write(v, this.len, 'utf8'); this.len += n }
}

function bad(where: string, want: string, v: unknown): never {
  throw new RangeError(`InitPlan.${where}: expected ${want}, got ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`)
}

/** Writes v as kind; the wire type it does not fit, or null. */
function scalar(w: Writer, kind: Kind, v: unknown): string | null {
  switch (kind) {
    case 'u32': case 'optU32': case 'u32List':
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) return 'u32'
      w.u32(v as number)
      return null
    case 'i32': case 'optI32':
      if (!Number.isInteger(v) || (v as number) < -0x80000000 || (v as number) > 0x7fffffff) return 'i32'
      w.i32(v as number)
      return null
    case 'bool':
      if (typeof v !== 'boolean') return 'boolean'
      w.u32(v ? 1 : 0)
      return null
    case 'u64':
      if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) return 'u64 bigint'
      w.u64(v)
      return null
    default: // str, optStr, strList
      if (typeof v !== 'string' || v.includes('\0')) return 'string without NUL'
      w.str(v)
      return null
  }
}

// The field's path (`where`) is only spelt out for an error: a plan has
// hundreds of records, and building their names cost more than encoding them.
function encodeObject(w: Writer, schema: Record<string, readonly unknown[]>, obj: Record<string, unknown>, where: string): void {
  for (const name in schema) {
    const [tag, kind, sub] = schema[name] as [number, Kind, Record<string, readonly unknown[]>?]
    const v = obj[name]
    if ((kind === 'optStr' || kind === 'optU32' || kind === 'optI32') && v === null) continue
    if (kind === 'strList' || kind === 'u32List' || kind === 'recList') {
      if (!Array.isArray(v)) bad(where + name, 'array', v)
      for (let i = 0; i < v.length; i++) {
        const len = w.open(tag)
        if (kind === 'recList') {
          encodeObject(w, sub!, v[i] as Record<string, unknown>, `${where}${name}[${i}].`)
        } else {
          const want = scalar(w, kind, v[i])
          if (want !== null) bad(`${where}${name}[${i}]`, want, v[i])
        }
        w.close(len)
      }
      continue
    }
    const len = w.open(tag)
    if (kind === 'rec') {
      encodeObject(w, sub!, v as Record<string, unknown>, `${where}${name}.`)
    } else if (kind === 'bytes') {
      if (!(v instanceof Uint8Array)) bad(where + name, 'Uint8Array', v)
      w.bytes(v)
    } else {
      const want = scalar(w, kind, v)
      if (want !== null) bad(where + name, want, v)
    }
    w.close(len)
  }
}

/** The PLAN payload. Throws RangeError naming the field on a value that
 * does not fit its wire type (a bug in src/plan, not a user error). */
export function encodePlan(plan: InitPlan): Buffer {
  const w = new Writer()
  encodeObject(w, PLAN_SCHEMA as unknown as Record<string, readonly unknown[]>, plan as unknown as Record<string, unknown>, '')
  return w.buf.subarray(0, w.len)
}
