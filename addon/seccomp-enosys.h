// The -ENOSYS stub runc's patchbpf puts in front of a profile's filter.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tsrun {

// For a profile whose default refuses (kill, trap, errno): syscalls numbered
// above the newest one the profile names, per arch, get -ENOSYS instead of
// the default, so a libc probing a syscall newer than the profile (clone3,
// faccessat2) falls back to the old one. Empty when no stub is needed.
// `arches` are SCMP_ARCH_* values; the native arch is always included.
std::vector<sock_filter> EnosysStub(uint32_t defaultAction, const std::vector<uint32_t>& arches,
                                    const std::vector<std::string>& syscalls);

}  // namespace tsrun
