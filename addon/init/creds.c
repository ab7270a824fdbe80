/* creds.c - who the container process is and what it may do: seccomp,
 * bounding set, groups and ids, capabilities, umask, no_new_privs. The
 * order (main.c) is runc's finalizeNamespace: every privileged step happens
 * while we still hold the capability it needs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "init.h"

/* The BPF was compiled by libseccomp in the parent (crun's split), so all
 * we need here is the seccomp() syscall. With a SCMP_ACT_NOTIFY rule the
 * kernel hands back the listener fd; it goes to the parent at once and is
 * closed here, so the container never holds it. */
static int install_seccomp(struct init *in)
{
	const struct plan *p = &in->p;
	struct sock_fprog prog = {
		.len = p->n_seccomp_bpf / sizeof(struct sock_filter),
		.filter = (struct sock_filter *)p->seccomp_bpf,
	};
	int fd;

	if (!p->n_seccomp_bpf || in->seccomp_done)
		return 0;
	if (p->n_seccomp_bpf % sizeof(struct sock_filter) || prog.len > BPF_MAXINSNS)
		return errf(STEP_SECCOMP, EINVAL, "bad program size %zu", p->n_seccomp_bpf);
	if ((fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->seccomp_flags, &prog)) < 0)
		return errf(STEP_SECCOMP, errno, "%u instructions, flags 0x%x", prog.len, p->seccomp_flags);
	in->seccomp_done = true;
	if (p->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		send_fd(MSG_SECCOMP_FD, fd);
		close(fd);
	}
	return 0;
}

/* Without no_new_privs the filter needs CAP_SYS_ADMIN, so it must go in
 * before the caps are dropped; then our own setup syscalls (setresuid,
 * capset, prctl, the socket, the fifo) must pass it, as under runc. */
int seccomp_early(struct init *in)
{
	return in->p.no_new_privileges ? 0 : install_seccomp(in);
}

/* A listener fd can only reach the parent while the socket is open: such a
 * filter goes in just before READY, so the fifo wait and the startContainer
 * hooks run under it (runc installs every filter there). */
int seccomp_listener(struct init *in)
{
	return in->p.seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER ? install_seccomp(in) : 0;
}

int seccomp_late(struct init *in)
{
	return in->p.no_new_privileges ? install_seccomp(in) : 0;
}

int drop_bounding(struct init *in)
{
	/* PR_CAPBSET_READ fails with EINVAL past the kernel's last cap, which
	 * bounds the loop without reading /proc/sys/kernel/cap_last_cap. */
	for (int c = 0; c < 64 && prctl(PR_CAPBSET_READ, c) >= 0; c++)
		if (!(in->p.caps.bounding >> c & 1) && prctl(PR_CAPBSET_DROP, c) < 0)
			return errf(STEP_CAPBSET, errno, "cap %d", c);
	return 0;
}

/* The console and stdio were opened by root; the user must own them to use
 * them (runc's fixStdioPermissions). /dev/null and inodes we may not chown
 * (unmapped owner, read-only /dev) are left alone. */
static void give_stdio(uid_t uid)
{
	struct stat st;

	for (int fd = 0; fd < 3; fd++)
		if (fstat(fd, &st) == 0 && st.st_uid != uid &&
		    !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))
			(void)fchown(fd, uid, -1);
}

/* setgroups is refused in a user ns whose parent wrote "deny"; runc then
 * skips it silently, since the image's /etc/group can't be honoured. */
static bool setgroups_denied(void)
{
	char buf[8] = "";
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strncmp(buf, "deny", 4) == 0;
}

int switch_user(struct init *in)
{
	const struct plan *p = &in->p;

	give_stdio(p->uid);
	/* KEEPCAPS: leaving uid 0 would otherwise empty the permitted set
	 * before apply_caps can choose what stays. */
	if (prctl(PR_SET_KEEPCAPS, 1) < 0)
		return errf(STEP_PRCTL, errno, "keepcaps");
	if (!setgroups_denied() && setgroups(p->n_additional_gids, (const gid_t *)p->additional_gids) < 0)
		return errf(STEP_SETGROUPS, errno, "%zu groups", p->n_additional_gids);
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return errf(STEP_SETRESGID, errno, errno == EINVAL ? "%u (not mapped)" : "%u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return errf(STEP_SETRESUID, errno, errno == EINVAL ? "%u (not mapped)" : "%u", p->uid);
	/* A uid change resets dumpable to fs.suid_dumpable, which may be 1:
	 * until execve the container must not ptrace us or open our fds. */
	if (prctl(PR_SET_KEEPCAPS, 0) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0)
		return errf(STEP_PRCTL, errno, "keepcaps");
	/* Changing ids cleared the parent-death signal; we still want it. */
	if (in->pdeathsig && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return errf(STEP_PRCTL, errno, "pdeathsig");
	return 0;
}

int apply_caps(struct init *in)
{
	const struct plan_caps *c = &in->p.caps;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	/* Version 3 takes the 64-bit sets as two 32-bit halves, low first. */
	for (int i = 0; i < 2; i++)
		d[i] = (struct __user_cap_data_struct){
			.effective = c->effective >> (32 * i),
			.permitted = c->permitted >> (32 * i),
			.inheritable = c->inheritable >> (32 * i),
		};
	if (syscall(SYS_capset, &h, d) < 0)
		return errf(STEP_CAPSET, errno, "effective 0x%llx permitted 0x%llx inheritable 0x%llx",
			    (unsigned long long)c->effective, (unsigned long long)c->permitted,
			    (unsigned long long)c->inheritable);
	/* Ambient caps must be permitted and inheritable already: last. runc
	 * only warns when one can't be raised (runc spec's default config
	 * lists ambient caps that are not inheritable), so a failed raise is
	 * skipped here too; src/plan can warn, it knows the sets. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return errf(STEP_AMBIENT, errno, "clear");
	for (int i = 0; i < 64; i++)
		if (c->ambient >> i & 1)
			(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0);
	return 0;
}

/* no_new_privs only matters at execve (setuid bits, file caps): setting
 * it after the caps are final changes nothing for our own remaining steps. */
int set_umask_nnp(struct init *in)
{
	if (in->p.umask.set)
		umask(in->p.umask.v);
	if (in->p.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errf(STEP_NO_NEW_PRIVS, errno, "prctl");
	return 0;
}
