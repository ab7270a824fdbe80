/* sched.c - where and how the container runs: CPU affinity, scheduling
 * policy, I/O priority and NUMA memory policy. All are inherited across execve,
 * so setting them on ourselves sets them for the container. They run after
 * the user switch and the capability drop, as runc's standard_init does:
 * a real-time policy or the RT I/O class is then granted only when the
 * container itself holds CAP_SYS_NICE (or CAP_SYS_ADMIN), never on the
 * strength of the runtime's privileges. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

/* struct sched_attr of sched_setattr(2) (SCHED_ATTR_SIZE_VER1: with the
 * utilisation clamps, which we leave at 0). glibc has no wrapper. */
struct sched_attr_v1 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

/* Once in its cgroup (the parent put us there before sending the plan),
 * the process gets the CPUs the plan lists: exec's execCPUAffinity.final.
 * With none listed it is opened to every CPU, which the kernel narrows to
 * the cpuset, so a container never inherits the affinity of whoever started
 * tsrun (an engine pinned to one CPU would pin them all), as runc's
 * tryResetCPUAffinity; that reset is best effort, as runc's, which only
 * warns: a failure leaves the inherited mask, a valid one. An exec with
 * only an initial list keeps what the kernel gave it (config.md). Before
 * the scheduler: SCHED_DEADLINE needs an affinity spanning its root domain. */
/* "0-3,7" back from the sorted list, for the error. */
static void cpu_list(const uint32_t *c, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && len < size; i++) {
		size_t j = i;
		while (j + 1 < n && c[j + 1] == c[j] + 1)
			j++;
		len += snprintf(buf + len, size - len, j > i ? "%s%u-%u" : "%s%u", i ? "," : "", c[i], c[j]);
		i = j;
	}
}

int set_cpu_affinity(struct init *in)
{
	size_t size = CPU_ALLOC_SIZE(8192);
	cpu_set_t *set;
	int r = 0;

	if (in->p.keep_cpu_affinity)
		return 0;
	if (!(set = CPU_ALLOC(8192)))
		return errf(STEP_CPU_AFFINITY, ENOMEM, "cpu set");
	if (!in->p.n_cpu_affinity) {
		memset(set, 0xff, size);
		sched_setaffinity(0, size, set);
	} else {
		CPU_ZERO_S(size, set);
		for (size_t i = 0; i < in->p.n_cpu_affinity; i++)
			CPU_SET_S(in->p.cpu_affinity[i], size, set);
		if (sched_setaffinity(0, size, set) < 0) {
			char list[256];
			int e = errno;

			cpu_list(in->p.cpu_affinity, in->p.n_cpu_affinity, list, sizeof(list));
			r = errf(STEP_CPU_AFFINITY, e, "final %s", list);
		}
	}
	CPU_FREE(set);
	return r;
}

static const char *const policy_names[] = {
	"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
};

int set_scheduler(struct init *in)
{
	const struct plan_sched *s = &in->p.scheduler;
	struct sched_attr_v1 attr = {
		.size = sizeof(attr), .sched_policy = s->policy, .sched_flags = s->flags,
		.sched_nice = s->nice, .sched_priority = s->priority, .sched_runtime = s->runtime,
		.sched_deadline = s->deadline, .sched_period = s->period,
	};

	if (s->policy < 0)
		return 0;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
		const char *name = (size_t)s->policy < sizeof(policy_names) / sizeof(policy_names[0])
			? policy_names[s->policy] : "?";
		return errf(STEP_SCHEDULER, errno, "%s priority %u nice %d", name, s->priority, s->nice);
	}
	return 0;
}

/* IOPRIO_WHO_PGRP with who 0: our process group, which is our own (we
 * lead a new session), as runc does. The value is class << 13 | level. */
int set_io_priority(struct init *in)
{
	static const char *const classes[] = { "NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
	int32_t v = in->p.io_priority;

	if (v < 0)
		return 0;
	if (syscall(SYS_ioprio_set, 2 /* IOPRIO_WHO_PGRP */, 0, v) < 0)
		return errf(STEP_IO_PRIORITY, errno, "%s level %d", classes[(v >> 13) & 3], v & 7);
	return 0;
}

static const char *const mode_names[] = {
	"MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_LOCAL",
	"MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE",
};

/* The mask is as wide as the highest node asks for; maxnode counts one
 * bit more than the mask holds (the kernel reads maxnode - 1 bits). */
int set_memory_policy(struct init *in)
{
	const struct plan_mempolicy *m = &in->p.memory_policy;
	unsigned long mask[1024 / (8 * sizeof(unsigned long))];
	unsigned long maxnode = 0;

	if (m->mode < 0)
		return 0;
	memset(mask, 0, sizeof(mask));
	for (size_t i = 0; i < m->n_nodes; i++) {
		uint32_t n = m->nodes[i];
		if (n >= 8 * sizeof(mask))
			return errf(STEP_MEMORY_POLICY, EINVAL, "node %u", n);
		mask[n / (8 * sizeof(unsigned long))] |= 1UL << (n % (8 * sizeof(unsigned long)));
		if (n + 2 > maxnode)
			maxnode = n + 2;
	}
	if (syscall(SYS_set_mempolicy, m->mode | m->flags, m->n_nodes ? mask : NULL, maxnode) < 0)
		return errf(STEP_MEMORY_POLICY, errno, "%s flags 0x%x",
			    (size_t)m->mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[m->mode] : "?",
			    m->flags);
	return 0;
}
