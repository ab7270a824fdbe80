// The intel_rdt part of `events --stats`, read from a temp resctrl tree and
// printed in runc's types/events.go IntelRdt shape.
import t from 'tap'
import { eventJson, emptyStats } from '../../../src/cgroups/stats'
import { planGroup } from '../../../src/resctrl/group'
import { rdtStats } from '../../../src/resctrl/stats'
import { L3_INFO, MB_INFO, MON_INFO, resctrlTree } from './fixture'

const domain = (n: string, llc: string, total: string, local: string) => ({
  [`gold/mon_groups/c1/mon_data/mon_L3_${n}/llc_occupancy`]: llc,
  [`gold/mon_groups/c1/mon_data/mon_L3_${n}/mbm_total_bytes`]: total,
  [`gold/mon_groups/c1/mon_data/mon_L3_${n}/mbm_local_bytes`]: local,
})

t.test('CAT, MBA and monitoring: info, root and group schemata, counters per domain', async (t) => {
  const root = resctrlTree(t, { ...L3_INFO, ...MB_INFO, ...MON_INFO }, {
    'gold/schemata': 'L3:0=7f0;1=1f\nMB:0=20;1=70\n', 'gold/tasks': '',
    ...domain('00', '1048576\n', '18446744073709551615\n', '7\n'), ...domain('01', '0\n', '5\n', '3\n'),
  })
  const r = planGroup(root, 'c1', { closID: 'gold', enableMonitoring: true })
  const json = eventJson('stats', 'c1', emptyStats(), rdtStats(r))
  t.match(json, /"mbm_total_bytes":18446744073709551615,/, 'a u64 counter printed whole')
  t.same(JSON.parse(json).data.intel_rdt, {
    l3_cache_info: { cbm_mask: '7ff', min_cbm_bits: 1, num_closids: 16 },
    l3_cache_schema_root: 'L3:0=7ff;1=7ff', l3_cache_schema: 'L3:0=7f0;1=1f',
    mem_bw_info: { bandwidth_gran: 10, delay_linear: 1, min_bandwidth: 10, num_closids: 8 },
    mem_bw_schema_root: 'MB:0=100;1=100', mem_bw_schema: 'MB:0=20;1=70',
    schemata: ['L3:0=7f0;1=1f', 'MB:0=20;1=70'],
    mbm_stats: [{ mbm_total_bytes: 18446744073709551615, mbm_local_bytes: 7 }, { mbm_total_bytes: 5, mbm_local_bytes: 3 }],
    cmt_stats: [{ llc_occupancy: 1048576 }, { llc_occupancy: 0 }],
  })
  t.same(Object.keys(JSON.parse(json).data.intel_rdt), ['l3_cache_info', 'l3_cache_schema_root', 'l3_cache_schema', 'mem_bw_info',
    'mem_bw_schema_root', 'mem_bw_schema', 'schemata', 'mbm_stats', 'cmt_stats'], 'runc\'s field order')
})

t.test('CAT only, no monitoring: no MB or counter fields', async (t) => {
  const root = resctrlTree(t, L3_INFO, { 'c1/schemata': 'L3:0=f0\n', 'c1/tasks': '' })
  t.same(rdtStats(planGroup(root, 'c1', { l3CacheSchema: 'L3:0=f0' })), {
    l3_cache_info: { cbm_mask: '7ff', min_cbm_bits: 1n, num_closids: 16n },
    l3_cache_schema_root: 'L3:0=7ff;1=7ff', l3_cache_schema: 'L3:0=f0', schemata: ['L3:0=f0'],
  })
})
