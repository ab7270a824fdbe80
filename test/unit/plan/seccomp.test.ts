// compileSeccomp: the seccomp(2) flags and the listener a profile asks for
// (what the addon makes of them is test/unit/addon/seccomp.test.ts).
import t from 'tap'
import { compileSeccomp, listenerOf } from '../../../src/plan/seccomp'
import type { LinuxSeccomp } from '../../../src/bundle/spec.generated'

const NEW_LISTENER = 8
const TSYNC_ESRCH = 16
const notify: LinuxSeccomp['syscalls'] = [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }]

t.test('profile flags map to SECCOMP_FILTER_FLAG_* bits', async (t) => {
  const c = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] })
  t.equal(c.flags, 2 | 4)
})

t.test('a notify rule asks for a listener fd, and TSYNC then needs TSYNC_ESRCH', async (t) => {
  const profile: LinuxSeccomp = {
    defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', listenerMetadata: 'm',
    flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'], syscalls: notify,
  }
  t.equal(compileSeccomp(profile).flags, 1 | 32 | NEW_LISTENER | TSYNC_ESRCH)
  t.same(listenerOf(profile), { path: '/run/agent.sock', metadata: 'm' })
  const plain: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', syscalls: notify }
  t.equal(compileSeccomp(plain).flags, NEW_LISTENER, 'no TSYNC, no ESRCH')
  t.same(listenerOf(plain), { path: '/run/agent.sock', metadata: '' })
})

t.test('a listenerPath without a notify rule sends nothing', async (t) => {
  const profile: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }
  t.equal(compileSeccomp(profile).flags, 0)
  t.equal(listenerOf(profile), null)
  t.equal(listenerOf(undefined), null)
})
