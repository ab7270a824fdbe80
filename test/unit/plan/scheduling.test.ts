// Names → kernel numbers for the scheduler, I/O priority, memory policy and
// personality, checked against <linux/sched.h>, <linux/ioprio.h>,
// <linux/mempolicy.h> and <sys/personality.h>.
import t from 'tap'
import { compileExecAffinity, compileIoPriority, compileMemoryPolicy, compilePersonality, compileScheduler } from '../../../src/plan/scheduling'

t.test('scheduler', async (t) => {
  t.equal(compileScheduler(undefined).policy, -1, 'absent: leave the runtime\'s')
  t.strictSame(compileScheduler({ policy: 'SCHED_FIFO', priority: 10 }),
    { policy: 1, flags: 0n, nice: 0, priority: 10, runtime: 0n, deadline: 0n, period: 0n })
  t.equal(compileScheduler({ policy: 'SCHED_BATCH', nice: 5 }).policy, 3)
  t.equal(compileScheduler({ policy: 'SCHED_IDLE' }).policy, 5)
  const dl = compileScheduler({ policy: 'SCHED_DEADLINE', runtime: 1e6, deadline: 2e6, period: 3e6,
    flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_UTIL_CLAMP_MAX'] })
  t.equal(dl.policy, 6)
  t.equal(dl.flags, 0x01n | 0x04n | 0x40n, 'flag bits')
  t.strictSame([dl.runtime, dl.deadline, dl.period], [1000000n, 2000000n, 3000000n])
})

t.test('io priority', async (t) => {
  t.equal(compileIoPriority(undefined), -1)
  t.equal(compileIoPriority({ class: 'IOPRIO_CLASS_RT', priority: 0 }), 1 << 13)
  t.equal(compileIoPriority({ class: 'IOPRIO_CLASS_BE', priority: 7 }), 2 << 13 | 7)
  t.equal(compileIoPriority({ class: 'IOPRIO_CLASS_IDLE', priority: 0 }), 3 << 13)
})

t.test('memory policy', async (t) => {
  t.equal(compileMemoryPolicy(undefined).mode, -1)
  t.strictSame(compileMemoryPolicy({ mode: 'MPOL_INTERLEAVE', nodes: '0-2,7', flags: ['MPOL_F_STATIC_NODES'] }),
    { mode: 3, flags: 1 << 15, nodes: [0, 1, 2, 7] })
  t.strictSame(compileMemoryPolicy({ mode: 'MPOL_BIND', nodes: '1', flags: ['MPOL_F_RELATIVE_NODES', 'MPOL_F_NUMA_BALANCING'] }),
    { mode: 2, flags: 1 << 14 | 1 << 13, nodes: [1] })
  t.equal(compileMemoryPolicy({ mode: 'MPOL_LOCAL' }).mode, 4)
  t.equal(compileMemoryPolicy({ mode: 'MPOL_PREFERRED_MANY', nodes: '0' }).mode, 5)
  t.equal(compileMemoryPolicy({ mode: 'MPOL_WEIGHTED_INTERLEAVE', nodes: '0' }).mode, 6)
})

t.test('personality', async (t) => {
  t.equal(compilePersonality(undefined), -1)
  t.equal(compilePersonality({ domain: 'LINUX' }), 0)
  t.equal(compilePersonality({ domain: 'LINUX32' }), 8, 'PER_LINUX32')
})

t.test('exec cpu affinity', async (t) => {
  t.strictSame(compileExecAffinity(undefined), { initial: [], cpuAffinity: [], keepCpuAffinity: false }, 'none: reset')
  t.strictSame(compileExecAffinity({ initial: '0', final: '1-2' }), { initial: [0], cpuAffinity: [1, 2], keepCpuAffinity: false })
  t.strictSame(compileExecAffinity({ initial: '3' }), { initial: [3], cpuAffinity: [], keepCpuAffinity: true }, 'initial only: keep')
  t.strictSame(compileExecAffinity({ initial: '3', final: '' }), { initial: [3], cpuAffinity: [], keepCpuAffinity: true }, 'empty final is omitted')
})
