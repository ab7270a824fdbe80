// The -ENOSYS stub (runc libcontainer/seccomp/patchbpf/enosys_linux.go):
//
//   ld [4]                      arch
//   jeq AUDIT_ARCH_a -> sect_a  one per arch the profile covers
//   ja filter
//   sect_a: ld [0]              syscall number
//           [s390: jeq 0 -> ret]  unknown numbers arrive as the setup(2) slot
//           jgt max_a -> ret, else -> out
//           ret ERRNO(ENOSYS)
//   out:    ja filter
//   filter: libseccomp's program, unchanged
//
// x86-64 and x32 share AUDIT_ARCH_X86_64; an x32 call has bit 30 set, so
// that section picks its maximum by that bit.
#include "seccomp-enosys.h"

#include <seccomp.h>

#include <cerrno>
#include <map>

namespace tsrun {
namespace {

constexpr uint32_t kX32Bit = 0x40000000;

struct Group {
  int64_t native = -1;  // largest syscall number, -1 = none named
  int64_t x32 = -1;
  bool s390 = false;
};

bool PermissiveDefault(uint32_t action) {
  // TRACE counts as allow, as in runc: a tracer handles new syscalls itself.
  return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG || (action & 0xffff0000U) == SCMP_ACT_TRACE(0);
}

// Largest number each arch gives the profile's names, keyed by AUDIT_ARCH
// (SCMP_ARCH_* are AUDIT_ARCH_* except the made-up X32).
std::map<uint32_t, Group> LastSyscalls(std::vector<uint32_t> arches, const std::vector<std::string>& syscalls) {
  arches.push_back(seccomp_arch_native());
  std::map<uint32_t, Group> groups;
  for (uint32_t arch : arches) {
    int64_t max = -1;
    for (const std::string& name : syscalls) {
      // Negative numbers are libseccomp's pseudo syscalls (multiplexed ones).
      int nr = seccomp_syscall_resolve_name_arch(arch, name.c_str());
      if (nr >= 0 && nr > max) max = nr;
    }
    if (max < 0) continue;
    Group& g = groups[arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch];
    (arch == SCMP_ARCH_X32 ? g.x32 : g.native) = max;
    g.s390 = arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X;
  }
  return groups;
}

sock_filter Insn(uint16_t code, uint32_t k) { return {code, 0, 0, k}; }

// A conditional jump at index `at` to absolute indexes jt/jf (forward only).
sock_filter Jump(uint16_t op, uint32_t k, size_t at, size_t jt, size_t jf) {
  return {static_cast<uint16_t>(BPF_JMP | op | BPF_K), static_cast<uint8_t>(jt - at - 1),
          static_cast<uint8_t>(jf - at - 1), k};
}

// "Above max → ret, else → out"; with no max, straight to out.
sock_filter Check(int64_t max, size_t at, size_t ret, size_t out) {
  if (max < 0) return Insn(BPF_JMP | BPF_JA | BPF_K, static_cast<uint32_t>(out - at - 1));
  return Jump(BPF_JGT, static_cast<uint32_t>(max), at, ret, out);
}

// Appends one arch's section; returns the index of its final `ja filter`.
size_t Section(std::vector<sock_filter>& p, uint32_t audit, const Group& g) {
  size_t start = p.size();
  p.push_back(Insn(BPF_LD | BPF_W | BPF_ABS, 0));
  size_t checks = audit == SCMP_ARCH_X86_64 ? 3 : g.s390 ? 2 : 1;
  size_t ret = start + 1 + checks, out = ret + 1;
  if (audit == SCMP_ARCH_X86_64) {
    size_t at = p.size();
    p.push_back(Jump(BPF_JSET, kX32Bit, at, at + 2, at + 1));
    p.push_back(Check(g.native, at + 1, ret, out));
    p.push_back(Check(g.x32, at + 2, ret, out));
  } else {
    if (g.s390) p.push_back(Jump(BPF_JEQ, 0, p.size(), ret, p.size() + 1));
    p.push_back(Check(g.native, p.size(), ret, out));
  }
  p.push_back(Insn(BPF_RET | BPF_K, SCMP_ACT_ERRNO(ENOSYS)));
  p.push_back(Insn(BPF_JMP | BPF_JA | BPF_K, 0));  // target patched once the stub's length is known
  return out;
}

}  // namespace

std::vector<sock_filter> EnosysStub(uint32_t defaultAction, const std::vector<uint32_t>& arches,
                                    const std::vector<std::string>& syscalls) {
  if (PermissiveDefault(defaultAction) || defaultAction == SCMP_ACT_ERRNO(ENOSYS)) return {};
  std::map<uint32_t, Group> groups = LastSyscalls(arches, syscalls);
  if (groups.empty()) return {};
  std::vector<sock_filter> p = {Insn(BPF_LD | BPF_W | BPF_ABS, 4)};
  size_t head = p.size();
  p.resize(head + groups.size() + 1);  // the jeqs and the "ja filter", filled in below
  std::vector<size_t> exits = {head + groups.size()};
  size_t i = head;
  for (const auto& [audit, g] : groups) {
    p[i] = Jump(BPF_JEQ, audit, i, p.size(), i + 1);
    exits.push_back(Section(p, audit, g));
    i++;
  }
  // A section is at most 6 instructions, so the jeqs (8-bit offsets) reach
  // every section for all the arches libseccomp knows.
  for (size_t at : exits) p[at] = Insn(BPF_JMP | BPF_JA | BPF_K, static_cast<uint32_t>(p.size() - at - 1));
  return p;
}

}  // namespace tsrun
