// tsrun update [flags] <container-id>: change a running container's cgroup
// limits, as runc's update.go. --resources FILE|- takes the LinuxResources
// JSON (then the other flags are ignored); otherwise each flag sets one
// value. Like runc, only the values update can change are taken (memory,
// cpu, pids, blkio weight, unified); devices are never touched.
// --l3-cache-schema and --mem-bw-schema rewrite those schemata lines of
// the container's resctrl group.
import * as fs from '../fsys'
import type { LinuxResources } from '../bundle/spec.generated'
import { TsrunError } from '../errors'
import { checkUpdate } from '../resctrl/group'
import { resctrlRoot } from '../resctrl/mount'
import { warn } from '../log'
import { type CommandContext, UsageError } from './parse'
import type { FlagValues } from './table'
import { ramInBytes } from './units'

export async function command({ g, flags, args }: CommandContext): Promise<void> {
  const resources = flags.resources ? fromJson(flags.resources as string) : fromFlags(flags)
  const rdt = pick({ l3CacheSchema: (flags['l3-cache-schema'] as string) || undefined, memBwSchema: (flags['mem-bw-schema'] as string) || undefined })
  // What this host's resctrl offers is known before any container is looked at.
  const refused = Object.keys(rdt).length > 0 ? checkUpdate(resctrlRoot(), rdt) : null
  if (refused) throw new TsrunError('config', refused)
  const { update } = require('../lifecycle') as typeof import('../lifecycle')
  await update(g, { id: args[0], resources, rdt })
}

function fromJson(file: string): LinuxResources {
  let r: LinuxResources
  try {
    r = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8')) as LinuxResources
  } catch (err) {
    throw new UsageError(`read resources from ${file === '-' ? 'standard input' : file}: ${(err as Error).message.replace(/\s+/g, ' ')}`)
  }
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new UsageError('resources: must be a JSON object')
  const m = r.memory ?? {}
  const c = r.cpu ?? {}
  return pick({
    memory: pick({ limit: m.limit, reservation: m.reservation, swap: m.swap, checkBeforeUpdate: m.checkBeforeUpdate }),
    cpu: pick({ shares: c.shares, quota: c.quota, burst: c.burst, period: c.period, realtimeRuntime: c.realtimeRuntime,
      realtimePeriod: c.realtimePeriod, cpus: c.cpus, mems: c.mems, idle: c.idle }),
    pids: r.pids, blockIO: r.blockIO?.weight ? { weight: r.blockIO.weight } : undefined, unified: r.unified,
  })
}

/** Drops undefined members and empty objects, so only what was given is written. */
function pick<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) =>
    v !== undefined && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0))) as T
}

function fromFlags(f: FlagValues): LinuxResources {
  const num = (name: string, signed: boolean): number | undefined => {
    const v = f[name] as string
    if (v === '') return undefined
    if (!(signed ? /^[+-]?\d+$/ : /^\+?\d+$/).test(v)) {
      throw new UsageError(`invalid value for ${name}: strconv.${signed ? 'ParseInt' : 'ParseUint'}: parsing ${JSON.stringify(v)}: invalid syntax`)
    }
    return Number(v)
  }
  const mem = (name: string): number | undefined => {
    const v = f[name] as string
    if (v === '') return undefined
    if (v === '-1') return -1
    try {
      return ramInBytes(v)
    } catch (err) {
      throw new UsageError(`invalid value for ${name}: ${(err as Error).message}`)
    }
  }
  for (const opt of ['kernel-memory', 'kernel-memory-tcp']) {
    if (f[opt] !== '') warn(`Setting --${opt} is ignored and will be removed`)
  }
  const limit = mem('memory')
  return pick({
    memory: pick({ limit, reservation: mem('memory-reservation'), swap: mem('memory-swap') }),
    cpu: pick({
      shares: num('cpu-share', false), quota: num('cpu-quota', true), burst: num('cpu-burst', false),
      period: num('cpu-period', false), realtimeRuntime: num('cpu-rt-runtime', true), realtimePeriod: num('cpu-rt-period', false),
      cpus: (f['cpuset-cpus'] as string) || undefined, mems: (f['cpuset-mems'] as string) || undefined, idle: num('cpu-idle', true),
    }),
    pids: f['pids-limit'] ? { limit: f['pids-limit'] as number } : undefined,
    blockIO: f['blkio-weight'] ? { weight: f['blkio-weight'] as number } : undefined,
  })
}
