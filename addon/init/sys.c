/* sys.c - kernel knobs set from inside the container: uts names, sysctls,
 * rlimits, oom score, personality, LSM exec labels. All run after the jail,
 * so /proc is the container's own and names its namespaces. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

/* -1 with errno on failure, so each caller names its own step. */
int write_file_at(int dirfd, const char *path, const char *data, size_t len)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW), e;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	e = n < 0 ? errno : EIO;
	close(fd);
	if (n == (ssize_t)len)
		return 0;
	errno = e;
	return -1;
}

/* After the jail, in the container's uts ns; null leaves the name as the
 * namespace got it (a new uts ns copies the host's). */
int set_uts(struct init *in)
{
	const char *h = in->p.hostname, *d = in->p.domainname;

	if (h && sethostname(h, strlen(h)) < 0)
		return errf(STEP_SETHOSTNAME, errno, "%s", h);
	if (d && setdomainname(d, strlen(d)) < 0)
		return errf(STEP_SETDOMAINNAME, errno, "%s", d);
	return 0;
}

/* Before readonlyPaths, which normally cover /proc/sys. Keys are dotted
 * names under /proc/sys, opened beneath it so a key such as
 * "../../self/x" cannot reach another file. */
int write_sysctls(struct init *in)
{
	char path[512];
	int dir;

	if (!in->p.n_sysctls)
		return 0;
	if ((dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errf(STEP_SYSCTL, errno, "/proc/sys");
	for (size_t i = 0; i < in->p.n_sysctls; i++) {
		const struct plan_sysctl *s = &in->p.sysctls[i];
		struct open_how oh = { .flags = O_WRONLY | O_CLOEXEC,
				       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
		size_t len = strlen(s->value);
		ssize_t n;
		int fd;

		/* net.ipv4.ip_forward -> net/ipv4/ip_forward, as runc does (so a
		 * key with a dotted interface name can't be expressed here either). */
		snprintf(path, sizeof(path), "%s", s->key);
		for (char *c = path; *c; c++)
			if (*c == '.')
				*c = '/';
		if ((fd = syscall(SYS_openat2, dir, path, &oh, sizeof(oh))) < 0)
			return errf(STEP_SYSCTL, errno, "%s", s->key);
		if ((n = write(fd, s->value, len)) != (ssize_t)len)
			return errf(STEP_SYSCTL, n < 0 ? errno : EIO, "%s=%s", s->key, s->value);
		close(fd);
	}
	close(dir);
	return 0;
}

/* The config's names for the errors: "setrlimit 7" makes the user look it up.
 * Indexed by this arch's numbers (they differ on mips, sparc, alpha). */
static const char *const rlimit_names[] = {
	[RLIMIT_CPU] = "RLIMIT_CPU", [RLIMIT_FSIZE] = "RLIMIT_FSIZE", [RLIMIT_DATA] = "RLIMIT_DATA",
	[RLIMIT_STACK] = "RLIMIT_STACK", [RLIMIT_CORE] = "RLIMIT_CORE", [RLIMIT_RSS] = "RLIMIT_RSS",
	[RLIMIT_NPROC] = "RLIMIT_NPROC", [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK", [RLIMIT_AS] = "RLIMIT_AS", [RLIMIT_LOCKS] = "RLIMIT_LOCKS",
	[RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING", [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE",
	[RLIMIT_NICE] = "RLIMIT_NICE", [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO", [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

/* Before the user switch: raising a hard limit needs CAP_SYS_RESOURCE. */
int set_rlimits(struct init *in)
{
	for (size_t i = 0; i < in->p.n_rlimits; i++) {
		const struct plan_rlimit *r = &in->p.rlimits[i];
		struct rlimit rl = { r->soft, r->hard };
		char type[16];
		const char *name = r->type < sizeof(rlimit_names) / sizeof(rlimit_names[0])
			? rlimit_names[r->type] : NULL;

		if (prlimit(0, r->type, &rl, NULL) == 0)
			continue;
		int e = errno;
		if (!name)
			snprintf(type, sizeof(type), "type %u", r->type), name = type;
		return errf(STEP_SETRLIMIT, e, "%s: soft %llu, hard %llu", name,
			    (unsigned long long)r->soft, (unsigned long long)r->hard);
	}
	return 0;
}

/* Before anything else, so all the setup runs under the container's
 * limits (as when the parent moved us). "0" moves only the calling thread,
 * which the kernel does without its global threadgroup lock; we have one
 * thread, so that is the whole process. The fds were opened by tsrun: the
 * kernel checks the opener's credentials, not ours (a new user ns). */
int join_cgroups(struct init *in)
{
	for (size_t i = 0; i < in->p.n_cgroup_fds; i++) {
		int fd = (int)in->p.cgroup_fds[i];
		char link[32], path[256];
		ssize_t n;

		if (write(fd, "0", 1) == 1) {
			close(fd);
			continue;
		}
		int e = errno;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof(path) - 1);
		path[n < 0 ? 0 : n] = 0;
		return errf(STEP_CGROUP, e, "%s", n < 0 ? "tasks" : path);
	}
	return 0;
}

/* First of all steps, as runc's nsexec does: later our /proc/self files
 * belong to a root we may no longer be (a new user ns, non-dumpable). The
 * score survives fork and exec. */
int set_oom_score_adj(struct init *in)
{
	char v[16];

	if (!in->p.oom_score_adj.set)
		return 0;
	int n = snprintf(v, sizeof(v), "%d", (int32_t)in->p.oom_score_adj.v);
	if (write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", v, n) < 0)
		return errf(STEP_OOM_SCORE_ADJ, errno, "%s", v);
	return 0;
}

/* Survives execve, so setting it here is setting it for the container. */
int set_personality(struct init *in)
{
	if (in->p.personality != -1 && personality(in->p.personality) < 0)
		return errf(STEP_PERSONALITY, errno, "0x%x", in->p.personality);
	return 0;
}

/* Both labels take effect at our execve, not now, so the rest of the setup
 * keeps the runtime's label. AppArmor wants "exec <profile>" in its own
 * attr directory (newer kernels) or the shared one. */
int set_lsm_labels(struct init *in)
{
	const char *aa = in->p.apparmor_profile, *se = in->p.selinux_label;
	char buf[512];

	if (*aa) {
		int n = snprintf(buf, sizeof(buf), "exec %s", aa);
		if (write_file_at(AT_FDCWD, "/proc/self/attr/apparmor/exec", buf, n) < 0 &&
		    write_file_at(AT_FDCWD, "/proc/self/attr/exec", buf, n) < 0)
			return errf(STEP_LSM_LABEL, errno, "apparmor %s", aa);
	}
	if (*se && write_file_at(AT_FDCWD, "/proc/self/attr/exec", se, strlen(se)) < 0)
		return errf(STEP_LSM_LABEL, errno, "selinux %s", se);
	return 0;
}

/* A fresh session keyring named after the container, as runc does unless
 * --no-new-keyring: otherwise the container shares the session keyring of
 * whoever started tsrun, and any key cached in it. A kernel without keyrings
 * (ENOSYS) has nothing to share. */
int join_session_keyring(struct init *in)
{
	if (!in->p.new_keyring)
		return 0;
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, in->p.id) < 0 && errno != ENOSYS)
		return errf(STEP_KEYRING, errno, "%s", in->p.id);
	return 0;
}
