// linux.seccomp: the profile compiled by libseccomp in the parent is the
// filter the container process runs under (the full action/flag matrix is
// the isolation issue's; this checks the path end to end).
import t from 'tap'
import { Sandbox, skipReason } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

t.test('a profile denying mkdir with EXDEV is in force, the rest allowed', async (t) => {
  const s = new Sandbox(t, 'seccomp')
  s.config((c) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; mkdir /made 2>&1; touch /touched && echo touched']
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 18 },
        { names: ['tsrun_no_such_syscall'], action: 'SCMP_ACT_KILL' },
      ],
    }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^Seccomp:\s+2$/m, 'filter mode')
  t.match(r.stdout, /^NoNewPrivs:\s+1$/m)
  t.match(r.stdout, /mkdir: can't create directory '\/made': (Invalid cross-device link|Cross-device link)/, 'mkdir gets the profile errno')
  t.match(r.stdout, /^touched$/m, 'other syscalls pass')
})

t.test('without no_new_privileges the filter is installed while the caps allow it', async (t) => {
  const s = new Sandbox(t, 'seccomp-nnp')
  s.config((c) => {
    c.process.noNewPrivileges = false
    c.process.args = ['sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status']
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^Seccomp:\s+2$/m)
  t.match(r.stdout, /^NoNewPrivs:\s+0$/m)
})

t.test('a notify listener is refused before any side effect', async (t) => {
  const s = new Sandbox(t, 'seccomp-notify')
  s.config((c) => {
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/none.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }
  })
  const r = s.run(s.id())
  t.not(r.status, 0)
  t.match(r.stderr, /^tsrun: .*not supported yet\n$/)
})

t.test('with no_new_privileges the filter binds only the container: tsrun-init\'s own calls are not subject to it', async (t) => {
  const s = new Sandbox(t, 'seccomp-late')
  s.config((c) => {
    c.process.args = ['sh', '-c', 'echo ran']
    // The calls the init makes after mounting (fd cleanup, the parent handshake, the fifo).
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['close_range', 'sendmsg', 'recvmsg', 'sendto', 'recvfrom'], action: 'SCMP_ACT_ERRNO' }],
    }
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stdout, 'ran\n')
})
