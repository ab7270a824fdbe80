/* join.c - exec: entering a container that already runs. Everything is
 * reached through the pidfd of the container's init (setns(2) by pidfd,
 * Linux 5.8), never through a pid alone: a recycled pid can't send us into
 * someone else's namespaces. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <unistd.h>
#include "init.h"

/* Every namespace but the mount ns, in one call (the kernel enters the
 * user ns first, so the others are checked against it). The mount ns waits
 * for join_root: the pid-ns fork in between names the child through the
 * host's /proc. */
int join_container(struct init *in)
{
	const struct plan *p = &in->p;
	uint32_t ns = p->exec_ns & ~CLONE_NEWNS;
	char path[32];

	/* The root exactly as the container's init has it (after pivot_root,
	 * MS_MOVE or a bare chroot alike), opened while /proc is the host's.
	 * The pidfd check after the open proves the pid was still that process. */
	snprintf(path, sizeof(path), "/proc/%u/root", p->exec_pid);
	if ((in->join_root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errf(STEP_JOIN, errno, "open %s", path);
	if (pidfd_send_signal(p->exec_pidfd, 0, NULL, 0) < 0)
		return errf(STEP_JOIN, errno, "container process %u", p->exec_pid);
	if (ns && setns(p->exec_pidfd, ns) < 0)
		return errf(STEP_JOIN, errno, "namespaces 0x%x of pid %u", ns, p->exec_pid);
	return 0;
}

/* setns into a mount ns puts us at that namespace's root, which is not the
 * container's root when it only chrooted (no mount ns of its own); so
 * chroot into the init's own root in every case. */
int join_root(struct init *in)
{
	const struct plan *p = &in->p;

	if ((p->exec_ns & CLONE_NEWNS) && setns(p->exec_pidfd, CLONE_NEWNS) < 0)
		return errf(STEP_JOIN_ROOT, errno, "mount namespace of pid %u", p->exec_pid);
	if (fchdir(in->join_root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return errf(STEP_JOIN_ROOT, errno, "root of pid %u", p->exec_pid);
	/* Neither may reach the process: the root fd is a way back out of a
	 * later chroot, the pidfd a handle on the container's init. */
	close(in->join_root);
	in->join_root = -1;
	close(p->exec_pidfd);
	return 0;
}
