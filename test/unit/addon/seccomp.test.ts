// seccompCompile: BPF comes out, is well formed, and a kernel applies it.
import t, { type Test } from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { execFileSync } from 'child_process'
import { addon, SCMP, SeccompProfile, SeccompRule } from '../../../src/addon'

const EXDEV = 18
const EPERM = 1
const ENOSYS = 38
const rule = (syscall: string, action: number, args: SeccompRule['args'] = []): SeccompRule =>
  ({ syscall, action, errno: 0, args })
const profile = (rules: SeccompRule[]): SeccompProfile => ({
  defaultAction: SCMP.ACT.ALLOW,
  defaultErrno: 0,
  architectures: [SCMP.ARCH.X86_64, SCMP.ARCH.X86, SCMP.ARCH.X32],
  rules,
})
const mkdirRules = [rule('mkdir', SCMP.ACT.ERRNO(EXDEV)), rule('mkdirat', SCMP.ACT.ERRNO(EXDEV))]

t.test('seccompVersion reports the linked libseccomp', async (t) => {
  t.match(addon.seccompVersion(), /^\d+\.\d+\.\d+$/)
})

t.test('a small profile compiles to whole sock_filter instructions', async (t) => {
  const bpf = addon.seccompCompile(profile([
    ...mkdirRules,
    rule('personality', SCMP.ACT.ERRNO(1), [{ index: 0, op: SCMP.CMP.EQ, value: 0xffffffffn, valueTwo: 0n }]),
  ]))
  t.ok(bpf.length > 0)
  t.equal(bpf.length % 8, 0)
})

t.test('unknown syscall names and default-action rules are skipped', async (t) => {
  const base = addon.seccompCompile(profile(mkdirRules))
  t.same(addon.seccompCompile(profile([...mkdirRules, rule('no_such_syscall_tsrun', SCMP.ACT.ERRNO(1))])), base)
  t.same(addon.seccompCompile(profile([...mkdirRules, rule('getpid', SCMP.ACT.ALLOW)])), base)
})

t.test('an errno given apart from a bare SCMP_ACT_ERRNO is folded in', async (t) => {
  const apart = profile([{ syscall: 'mkdirat', action: SCMP.ACT.ERRNO(0), errno: EXDEV, args: [] }])
  const folded = profile([{ syscall: 'mkdirat', action: SCMP.ACT.ERRNO(EXDEV), errno: 0, args: [] }])
  t.same(addon.seccompCompile(apart), addon.seccompCompile(folded))
})

t.test('two conditions on one argument become two rules (runc, crun)', async (t) => {
  const args = [
    { index: 0, op: SCMP.CMP.EQ, value: 1n, valueTwo: 0n },
    { index: 0, op: SCMP.CMP.EQ, value: 2n, valueTwo: 0n },
  ]
  const bpf = addon.seccompCompile(profile([rule('personality', SCMP.ACT.ERRNO(1), args)]))
  t.equal(bpf.length % 8, 0)
})

t.test('libseccomp errors carry the syscall that failed', async (t) => {
  t.throws(() => addon.seccompCompile({ ...profile([]), defaultAction: 0x12345678 }), {
    code: 'EINVAL', syscall: 'seccomp_init',
  })
  t.throws(() => addon.seccompCompile({ ...profile([]), architectures: [1234] }), {
    code: 'EINVAL', syscall: 'seccomp_arch_add',
  })
  const tooMany = Array.from({ length: 7 }, (_, i) => ({ index: i, op: SCMP.CMP.EQ, value: 0n, valueTwo: 0n }))
  t.throws(() => addon.seccompCompile(profile([rule('personality', SCMP.ACT.ERRNO(1), tooMany)])), {
    code: 'EINVAL', syscall: 'seccomp_rule_add', path: 'personality', rule: 0,
  })
  t.throws(() => addon.seccompCompile(profile([...mkdirRules, rule('personality', SCMP.ACT.ERRNO(1), [{ index: 0, op: 0, value: 0n, valueTwo: 0n }])])), {
    code: 'EINVAL', syscall: 'seccomp_rule_add', rule: 2,
  }, 'the refused rule is named by its index')
})

// Loads the BPF with prctl (as tsrun-init will), then runs mkdir PATH, or
// the raw syscall NR when the argument is a number, and prints the errno.
const LOADER = `
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  static struct sock_filter insns[4096];
  FILE *f = fopen(argv[1], "rb");
  size_t n = fread(insns, sizeof insns[0], 4096, f);
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = insns};
  setvbuf(stdout, NULL, _IONBF, 0);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) return 2;
  long r = argv[2][0] >= '0' && argv[2][0] <= '9' ? syscall(atol(argv[2]), -1L, 0L, 0L, 0L) : mkdir(argv[2], 0700);
  printf("%d\\n", r == 0 ? 0 : errno);
  return 0;
}
`

async function buildLoader(t: Test): Promise<{ dir: string; run: (bpf: Uint8Array, arg: string) => string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-addon-seccomp-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const loader = path.join(dir, 'loader')
  fs.writeFileSync(loader + '.c', LOADER)
  execFileSync('gcc', ['-O2', '-o', loader, loader + '.c'])
  return {
    dir,
    run: (bpf, arg) => {
      fs.writeFileSync(path.join(dir, 'bpf'), bpf)
      return execFileSync(loader, [path.join(dir, 'bpf'), arg], { encoding: 'utf8' }).trim()
    },
  }
}

t.test('the kernel accepts the BPF and it does what the profile says', async (t) => {
  const { dir, run } = await buildLoader(t)
  t.equal(run(addon.seccompCompile(profile(mkdirRules)), path.join(dir, 'made')), String(EXDEV), 'mkdir failed with the profile errno')
  t.notOk(fs.existsSync(path.join(dir, 'made')))
})

t.test('a refusing default gives ENOSYS to syscalls newer than the profile (runc patchbpf)', async (t) => {
  const { run } = await buildLoader(t)
  // What the loader needs after prctl; newfstatat (262) is the newest named.
  const allow = ['write', 'fstat', 'newfstatat', 'brk', 'mmap', 'exit_group', 'mkdir'].map((n) => rule(n, SCMP.ACT.ALLOW))
  const strict = { ...profile(allow), defaultAction: SCMP.ACT.ERRNO(EPERM) }
  const bpf = addon.seccompCompile(strict)
  t.equal(run(bpf, '440'), String(ENOSYS), 'process_madvise (440) is past the profile: ENOSYS')
  t.equal(run(bpf, '110'), String(EPERM), 'getppid (110) is within it: the default errno')
  t.equal(run(addon.seccompCompile({ ...strict, defaultAction: SCMP.ACT.ERRNO(ENOSYS) }), '110'), String(ENOSYS))
  const plain = addon.seccompCompile({ ...strict, defaultAction: SCMP.ACT.KILL_PROCESS })
  t.equal(run(plain, '440'), String(ENOSYS), 'a kill default too')
  const EBADF = 9
  t.equal(run(addon.seccompCompile({ ...strict, defaultAction: SCMP.ACT.LOG }), '440'), String(EBADF),
    'no stub under a permissive default: the kernel runs process_madvise(-1)')
})
