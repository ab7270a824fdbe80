// The intel_rdt part of `events --stats`, in runc's shape (types/events.go
// IntelRdt): what the hardware offers (info/), the root's and the group's
// schemata, and the monitoring counters per L3 domain.
import * as fs from '../fsys'
import * as path from '../paths'
import { TsrunError } from '../errors'
import type { RdtRecord } from './group'

export function rdtStats(r: RdtRecord): Record<string, unknown> {
  const info = path.join(r.root, 'info')
  const rootLines = lines(read(r.root, 'schemata'))
  const groupLines = lines(read(r.path, 'schemata'))
  const out: Record<string, unknown> = {}
  // runc picks schema lines by substring, so L3CODE/L3DATA (CDP) count as L3.
  const schema = (l: string[], res: string) => l.filter((s) => s.includes(res)).pop()
  if (fs.existsSync(path.join(info, 'L3'))) {
    const d = path.join(info, 'L3')
    out.l3_cache_info = omitZero({ cbm_mask: read(d, 'cbm_mask').trim(), min_cbm_bits: u64(d, 'min_cbm_bits'), num_closids: u64(d, 'num_closids') })
    Object.assign(out, omitZero({ l3_cache_schema_root: schema(rootLines, 'L3'), l3_cache_schema: schema(groupLines, 'L3') }))
  }
  if (fs.existsSync(path.join(info, 'MB'))) {
    const d = path.join(info, 'MB')
    out.mem_bw_info = omitZero({ bandwidth_gran: u64(d, 'bandwidth_gran'), delay_linear: u64(d, 'delay_linear'),
      min_bandwidth: u64(d, 'min_bandwidth'), num_closids: u64(d, 'num_closids') })
    Object.assign(out, omitZero({ mem_bw_schema_root: schema(rootLines, 'MB'), mem_bw_schema: schema(groupLines, 'MB') }))
  }
  if (groupLines.length > 0) out.schemata = groupLines
  Object.assign(out, monitoring(info, r.monPath ?? r.path))
  return out
}

/**
 * mbm_stats and cmt_stats, one entry per mon_data/mon_L3_* domain. Without
 * a monitoring group of its own the counters are the whole control
 * group's, which may hold more than this container (runc does the same).
 */
function monitoring(info: string, dir: string): Record<string, unknown> {
  let features: string[]
  try {
    features = lines(fs.readFileSync(path.join(info, 'L3_MON', 'mon_features'), 'utf8'))
  } catch {
    return {}
  }
  const total = features.includes('mbm_total_bytes')
  const local = features.includes('mbm_local_bytes')
  const llc = features.includes('llc_occupancy')
  if (!total && !local && !llc) return {}
  const data = path.join(dir, 'mon_data')
  const domains = fs.readdirSync(data, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(data, e.name))
  const out: Record<string, unknown> = {}
  if (total || local) {
    out.mbm_stats = domains.map((d) => ({ mbm_total_bytes: total ? u64(d, 'mbm_total_bytes') : 0n, mbm_local_bytes: local ? u64(d, 'mbm_local_bytes') : 0n }))
  }
  if (llc) out.cmt_stats = domains.map((d) => ({ llc_occupancy: u64(d, 'llc_occupancy') }))
  return out
}

function read(dir: string, file: string): string {
  const p = path.join(dir, file)
  try {
    return fs.readFileSync(p, 'utf8')
  } catch (err) {
    throw new TsrunError('system', `read ${p}`, { cause: err })
  }
}

/** Counters are u64: bigint, printed as a bare number by eventJson. */
function u64(dir: string, file: string): bigint {
  const text = read(dir, file).trim()
  if (!/^\d+$/.test(text)) throw new TsrunError('system', `unable to parse ${JSON.stringify(text)} as a uint from file ${path.join(dir, file)}`)
  return BigInt(text)
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l)
}

/** Go's omitempty on runc's fields: zero numbers and empty strings are left out. */
function omitZero(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== 0n && v !== ''))
}
