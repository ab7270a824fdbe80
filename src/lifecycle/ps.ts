// ps: the processes in the container's cgroup, as runc's ps.go and
// container_linux.go Processes: the pids (host view, sub-cgroups included),
// or ps(1)'s output cut down to the header and the container's rows.
import { openCgroup } from '../cgroups/driver'
import { TsrunError, wrap } from '../errors'
import { initAlive } from '../state/status'
import { readState } from '../state/store'
import type { GlobalOptions } from './index'

/** Every pid in the container's cgroup; [] once it is gone (a stopped container's). */
export function processes(g: GlobalOptions, id: string): number[] {
  try {
    const rec = readState(g.root, id)
    // A rootless container without cgroup access has its init to show.
    if (!rec.cgroup) return initAlive(rec) ? [rec.pid] : []
    return openCgroup(rec.cgroup).pids()
  } catch (err) {
    throw wrap(`ps ${id}`, err)
  }
}

/** Runs `ps psArgs` (default -ef) and keeps its header and the rows of `pids`. */
export function psTable(id: string, pids: number[], psArgs: string[]): string {
  // Loaded here only: no other command spawns a host program.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process')
  const args = psArgs.length > 0 ? psArgs : ['-ef']
  const r = spawnSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 })
  try {
    if (r.error) throw new TsrunError('system', `exec ps ${args.join(' ')}`, { cause: r.error })
    // Go's exec error text, then the output (runc: fmt.Errorf("%w: %s", err, output)).
    if (r.status !== 0) {
      const how = r.status === null ? `signal: ${r.signal}` : `exit status ${r.status}`
      throw new TsrunError('system', `${how}: ${r.stdout}${r.stderr}`)
    }
    return filterRows(r.stdout, new Set(pids))
  } catch (err) {
    throw wrap(`ps ${id}`, err)
  }
}

/** The header and the rows whose PID column (found by name in the header) is in `pids`. */
export function filterRows(output: string, pids: Set<number>): string {
  const lines = output.split('\n')
  const col = lines[0].trim().split(/\s+/).indexOf('PID')
  if (col < 0) throw new TsrunError('system', "couldn't find PID field in ps output")
  const out = [lines[0]]
  for (const line of lines.slice(1)) {
    if (line === '') continue
    const field = line.trim().split(/\s+/)[col] ?? ''
    // strconv.Atoi: an optional sign and decimal digits, nothing else.
    if (!/^[+-]?\d+$/.test(field)) throw new TsrunError('system', `unable to parse pid: parsing ${JSON.stringify(field)}: invalid syntax`)
    if (pids.has(Number(field))) out.push(line)
  }
  return out.join('\n') + '\n'
}
