// seccompCompile: BPF comes out, is well formed, and a kernel applies it.
import t from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { execFileSync } from 'child_process'
import { addon, SCMP, SeccompProfile, SeccompRule } from '../../../src/addon'

const EXDEV = 18
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
    code: 'EINVAL', syscall: 'seccomp_rule_add', path: 'personality',
  })
})

// Loads the BPF with prctl (as tsrun-init will) and runs mkdir under it.
const LOADER = `
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
int main(int argc, char **argv) {
  static struct sock_filter insns[4096];
  FILE *f = fopen(argv[1], "rb");
  size_t n = fread(insns, sizeof insns[0], 4096, f);
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = insns};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) return 2;
  printf("%d\\n", mkdir(argv[2], 0700) == 0 ? 0 : errno);
  return 0;
}
`

t.test('the kernel accepts the BPF and it does what the profile says', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-addon-seccomp-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const loader = path.join(dir, 'loader')
  fs.writeFileSync(loader + '.c', LOADER)
  execFileSync('gcc', ['-O2', '-o', loader, loader + '.c'])
  fs.writeFileSync(path.join(dir, 'bpf'), addon.seccompCompile(profile(mkdirRules)))
  const out = execFileSync(loader, [path.join(dir, 'bpf'), path.join(dir, 'made')], { encoding: 'utf8' })
  t.equal(out.trim(), String(EXDEV), 'mkdir failed with the profile errno')
  t.notOk(fs.existsSync(path.join(dir, 'made')))
})
