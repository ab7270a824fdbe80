/* ns.c - namespaces: join, create, id-map sync, the pid-ns fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "init.h"

int join_namespaces(struct init *in)
{
	struct plan *p = &in->p;
	int fds[p->n_join_ns + 1];

	in->mntns = (p->clone_flags | p->unshare_flags) & CLONE_NEWNS;
	/* Open every namespace file before joining any: once we are in the
	 * target mount ns, the remaining host paths would resolve there. */
	for (size_t i = 0; i < p->n_join_ns; i++) {
		fds[i] = open(p->join_ns[i].path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return errf(STEP_SETNS, errno, "open %s", p->join_ns[i].path);
		if (p->join_ns[i].type == CLONE_NEWNS)
			in->mntns = true;
	}
	/* The type makes setns() check what the file is: a bind mount of the
	 * wrong kind of namespace fails instead of silently joining it. */
	for (size_t i = 0; i < p->n_join_ns; i++) {
		int r;
		if (setns(fds[i], p->join_ns[i].type) < 0)
			return errf(STEP_SETNS, errno, "%s", p->join_ns[i].path);
		close(fds[i]);
		if (p->join_ns[i].type == CLONE_NEWUSER && (r = check_joined_maps(p, p->join_ns[i].path)) < 0)
			return r;
	}
	return 0;
}

int unshare_namespaces(struct init *in)
{
	struct plan *p = &in->p;
	uint32_t flags = p->unshare_flags;
	uint8_t *reply;

	if (flags & CLONE_NEWUSER) {
		/* The user ns goes first and alone: namespaces created next are
		 * owned by it, so root in it may administer them. */
		if (unshare(CLONE_NEWUSER) < 0)
			return errf(STEP_UNSHARE, errno, "user namespace");
		/* /proc/<pid>/uid_map of a non-dumpable task belongs to root, which
		 * a rootless parent is not; runc's nsexec does the same dance. */
		if (prctl(PR_SET_DUMPABLE, 1) < 0)
			return errf(STEP_PRCTL, errno, "set dumpable");
		send_msg(MSG_USERNS_MAP_PLEASE, NULL, 0);
		recv_msg(MSG_USERNS_MAP_DONE, &reply);
		if (prctl(PR_SET_DUMPABLE, 0) < 0)
			return errf(STEP_PRCTL, errno, "clear dumpable");
		flags &= ~CLONE_NEWUSER;
	}
	if (flags && unshare(flags) < 0)
		return errf(STEP_UNSHARE, errno, "flags 0x%x", flags);
	/* Offsets can only be written before any task enters the time ns,
	 * i.e. before our fork or exec does (time_namespaces(7)). */
	for (size_t i = 0; i < p->n_time_offsets; i++) {
		const char *line = p->time_offsets[i];
		if (write_file_at(AT_FDCWD, "/proc/self/timens_offsets", line, strlen(line)) < 0)
			return errf(STEP_TIMENS, errno, "%s", line);
	}
	return 0;
}

/* unshare(CLONE_NEWPID) and setns() into a pid ns only move our children,
 * so the container process is a child: the intermediate exits at once and
 * the child reports itself. It names itself by the parent's /proc (still
 * ours: no container mount yet), because getpid() answers in the child's
 * own pid ns and fork() in ours, and neither need be the parent's. */
int fork_for_pidns(struct init *in)
{
	char self[16] = "";
	pid_t pid;

	if (!in->p.fork_for_pidns)
		return 0;
	/* As pid 1 (the addon cloned the pid ns) our exit would kill the child. */
	if (getpid() == 1)
		return errf(STEP_FORK, EINVAL, "forkForPidns in a pid namespace we already lead");
	if ((pid = fork()) < 0)
		return errf(STEP_FORK, errno, "fork");
	if (pid > 0)
		_exit(0);
	if (readlink("/proc/self", self, sizeof(self) - 1) < 0)
		return errf(STEP_FORK, errno, "readlink /proc/self");
	uint32_t v = strtoul(self, NULL, 10);
	send_msg(MSG_CHILD_PID, &v, 4);
	/* PR_SET_PDEATHSIG is not inherited, and setting it here could fire
	 * as the intermediate exits. Parent death still reaches us: every
	 * remaining sync reads the socket, and EOF there makes us exit. */
	in->pdeathsig = false;
	return 0;
}

int become_init(struct init *in)
{
	/* The container's pid 1 leads its own session, as runc's stage-2
	 * does; the console's TIOCSCTTY needs that too. */
	if (setsid() < 0)
		return errf(STEP_SETSID, errno, "setsid");
	if (!in->p.userns)
		return 0;
	/* The parent has written the id maps by now; until we switch, our
	 * ids are the overflow ids and we hold no capability over files. */
	if (setresgid(0, 0, 0) < 0)
		return errf(STEP_BECOME_ROOT, errno, "setresgid 0");
	if (setresuid(0, 0, 0) < 0)
		return errf(STEP_BECOME_ROOT, errno, "setresuid 0");
	/* A credential change clears the parent-death signal. */
	if (in->pdeathsig && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return errf(STEP_PRCTL, errno, "pdeathsig");
	return 0;
}
