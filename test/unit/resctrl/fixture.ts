// A temp tree shaped like a mounted resctrl (Documentation/arch/x86/resctrl.rst):
// info/ for what the hardware offers, the root group's schemata and tasks.
// The kernel makes a new group's files on mkdir; a plain directory does
// not, so tests that need them add them where the kernel would.
import type { Test } from 'tap'
import { fixture } from '../cgroups/fixture'

export const L3_INFO = { 'info/L3/cbm_mask': '7ff\n', 'info/L3/min_cbm_bits': '1\n', 'info/L3/num_closids': '16\n' }
export const MB_INFO = {
  'info/MB/bandwidth_gran': '10\n', 'info/MB/delay_linear': '1\n', 'info/MB/min_bandwidth': '10\n', 'info/MB/num_closids': '8\n',
}
export const MON_INFO = { 'info/L3_MON/mon_features': 'llc_occupancy\nmbm_total_bytes\nmbm_local_bytes\n' }

/** A resctrl root with `info` (pick from the above) and `groups` (path → content) on top. */
export function resctrlTree(t: Test, info: Record<string, string>, groups: Record<string, string> = {}): string {
  return fixture(t, {
    'info/last_cmd_status': 'Invalid capacity bitmask\n', schemata: '    L3:0=7ff;1=7ff\n    MB:0=100;1=100\n', tasks: '1\n',
    ...info, ...groups,
  })
}
