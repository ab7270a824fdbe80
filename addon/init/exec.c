/* exec.c - the last mile: the exec fifo, the working directory, finding
 * the binary, fd hygiene, the READY/GO sync, and execve. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "init.h"

/* Opened by its host path before any namespace is joined or created (runc's
 * parent opens it and passes the fd), as O_PATH: it can be neither read nor
 * written through this fd, and it is reopened for writing only after GO,
 * which is what blocks us until `start` reads. */
int open_fifo(struct init *in)
{
	if (!*in->p.fifo_path)
		return 0;
	if ((in->fifo_fd = open(in->p.fifo_path, O_PATH | O_CLOEXEC)) < 0)
		return errf(STEP_OPEN_FIFO, errno, "%s", in->p.fifo_path);
	return 0;
}

/* Inside the jail now, so a plain walk cannot leave the container. runc
 * creates a missing cwd too, right after pivot_root: before the root (or
 * the mount holding the cwd) turns read-only in finish_mounts. */
int make_cwd(struct init *in)
{
	const char *cwd = *in->p.cwd ? in->p.cwd : "/";
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", cwd);
	for (char *c = path + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return errf(STEP_CHDIR, errno, "mkdir %s", path);
		*c = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return errf(STEP_CHDIR, errno, "mkdir %s", path);
	return 0;
}

int enter_cwd(struct init *in)
{
	const char *cwd = *in->p.cwd ? in->p.cwd : "/";
	char path[PATH_MAX];

	if (chdir(cwd) < 0)
		return errf(STEP_CHDIR, errno, "%s", cwd);
	/* CVE-2024-21626: a cwd reached through a leaked host fd lies outside
	 * our root; getcwd() then fails with ENOENT instead of a path. */
	errno = 0;
	if (!getcwd(path, sizeof(path)) || path[0] != '/')
		return errf(STEP_CHDIR, errno ? errno : EPERM, "%s is outside the container root", cwd);
	return 0;
}

/* Go's exec.LookPath rule, which runc users see: a file that exists, is
 * not a directory and has an execute bit. */
static bool executable(const char *path, int *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return *err = errno, false;
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
		return *err = EACCES, false;
	return true;
}

/* Done before READY so a missing binary fails `create`, as with runc.
 * Details are runc's exact phrases (STEP_EXEC_LOOKUP/STEP_EXEC_STAT). */
/* runc and crun give the process a HOME when process.env has none: the
 * user's entry in the container's /etc/passwd, else "/". Read after the
 * pivot, so the file is the image's; only a regular file is read (a fifo
 * planted there would block create forever). */
static const char *passwd_home(uid_t uid, char *buf, size_t size)
{
	int fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return "/";
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, size - 1) : -1;
	close(fd);
	if (n <= 0)
		return "/";
	buf[n] = 0;
	for (char *line = buf, *next; line && *line; line = next) {
		char *f[7] = { line };
		int nf = 1;

		if ((next = strchr(line, '\n')))
			*next++ = 0;
		for (char *c = line; *c && nf < 7; c++)
			if (*c == ':')
				*c = 0, f[nf++] = c + 1;
		if (nf >= 6 && *f[2] && strtoul(f[2], NULL, 10) == uid && *f[5])
			return f[5];
	}
	return "/";
}

int set_home(struct init *in)
{
	static char buf[1 << 16];
	char **env;
	char *home;

	for (size_t i = 0; i < in->p.n_env; i++)
		if (!strncmp(in->p.env[i], "HOME=", 5))
			return 0;
	if (asprintf(&home, "HOME=%s", passwd_home(in->p.uid, buf, sizeof(buf))) < 0 ||
	    !(env = realloc(in->p.env, (in->p.n_env + 2) * sizeof(char *))))
		return errf(STEP_EXEC_LOOKUP, ENOMEM, "HOME");
	env[in->p.n_env++] = home;
	env[in->p.n_env] = NULL;
	in->p.env = env;
	return 0;
}

int lookup_exec(struct init *in)
{
	const char *a0 = in->p.n_args ? in->p.args[0] : NULL, *path = NULL;
	char cand[PATH_MAX];
	int e;

	if (!a0)  /* a config without process: created, never started */
		return 0;
	/* With a slash it is a path (relative to cwd, hence after enter_cwd). */
	if (strchr(a0, '/')) {
		if (!executable(a0, &e))
			return errf(STEP_EXEC_STAT, e, e == EACCES ? "exec: \"%s\"" : "exec: \"%s\": stat %s", a0, a0);
		in->exec_path = (char *)a0;
		return 0;
	}
	for (size_t i = 0; i < in->p.n_env; i++)  /* the last PATH wins, as in runc's prepareEnv */
		if (!strncmp(in->p.env[i], "PATH=", 5))
			path = in->p.env[i] + 5;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *d = path; *path; d++) {  /* PATH="" searches nothing */
		size_t n = strcspn(d, ":");
		snprintf(cand, sizeof(cand), "%.*s/%s", n ? (int)n : 1, n ? d : ".", a0);
		if (executable(cand, &e))
			return (in->exec_path = strdup(cand)) ? 0 : errf(STEP_EXEC_LOOKUP, ENOMEM, "%s", cand);
		d += n;
		if (!*d)
			break;
	}
	return errf(STEP_EXEC_LOOKUP, ENOENT, "exec: \"%s\": executable file not found in $PATH", a0);
}

/* CVE-2024-21626 and its kin: any fd we hold (rootfs, mount fds, a host
 * dir) could be a way out once the container runs. Keep stdio, the
 * preserved fds, and only the two we still need (socket, fifo). */
/* close_range, or when a seccomp profile already in force (installed early,
 * without no_new_privs) refuses it, close() one by one the fds /proc lists
 * (or, without /proc, every slot below RLIMIT_NOFILE). */
static int close_span(unsigned int lo, unsigned int hi)
{
	DIR *d;
	struct dirent *e;

	if (close_range(lo, hi, 0) == 0)
		return 0;
	if (errno != EPERM && errno != ENOSYS && errno != EACCES)
		return -1;
	if (!(d = opendir("/proc/self/fd"))) {
		/* No /proc (a chroot without a mount ns): every slot up to the limit. */
		long max = sysconf(_SC_OPEN_MAX);

		for (unsigned long fd = lo; fd <= hi && (long)fd < max; fd++)
			close((int)fd);
		return 0;
	}
	while ((e = readdir(d))) {
		char *end;
		unsigned long fd = strtoul(e->d_name, &end, 10);

		if (*end == 0 && e->d_name[0] != '.' && fd >= lo && fd <= hi && (int)fd != dirfd(d))
			close((int)fd);
	}
	closedir(d);
	return 0;
}

int close_fds(struct init *in)
{
	unsigned int from = 3 + in->p.preserve_fds;
	int keep[3] = { report_sock, in->fifo_fd, in->fd_dir };

	/* Node leaves its stdio O_NONBLOCK; a container's shell would see
	 * EAGAIN on its first read. */
	for (int fd = 0; fd < 3; fd++) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			return errf(STEP_CLOSE_FDS, errno, "clear O_NONBLOCK on %d", fd);
	}
	/* Close the gaps around the kept fds, lowest first; -1 (absent)
	 * sorts first and is skipped. */
	for (int i = 1; i < 3; i++)
		for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (int i = 0; i < 3; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from && close_span(from, keep[i] - 1) < 0)
			return errf(STEP_CLOSE_FDS, errno, "close_range %u-%d", from, keep[i] - 1);
		from = keep[i] + 1;
	}
	if (close_span(from, ~0U) < 0)
		return errf(STEP_CLOSE_FDS, errno, "close_range %u-", from);
	return 0;
}

int sync_ready(struct init *in)
{
	uint8_t *state;
	size_t n;

	send_msg(MSG_READY, NULL, 0);
	n = recv_msg(MSG_GO, &state);
	if (n > 0) {  /* state for startContainer hooks ("created") */
		in->state = (char *)state;
		in->n_state = n;
	}
	/* The parent exits now and must not take us with it. */
	if (prctl(PR_SET_PDEATHSIG, 0) < 0)
		return errf(STEP_PRCTL, errno, "clear pdeathsig");
	/* exec: the socket is close-on-exec, so its EOF tells the parent that
	 * execve worked, and a failed execve can still report. */
	if (in->p.exec_pidfd >= 0)
		return 0;
	close(report_sock);
	report_sock = -1;  /* from here failures can only go to stderr */
	return 0;
}

void start_container(struct init *in)
{
	char path[64];
	int fd;

	if (in->fifo_fd >= 0) {
		/* Blocks until `start` opens the fifo for reading. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", in->fifo_fd);
		fd = in->fd_dir >= 0 ? openat(in->fd_dir, path + strlen("/proc/self/fd/"), O_WRONLY | O_CLOEXEC)
				     : open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			errf(STEP_EXEC_FIFO, errno, "%s", in->p.fifo_path);
			fail(STEP_EXEC_FIFO);
		}
		/* Closed before exec although O_CLOEXEC: old kernels reset
		 * dumpable after the fd table was visible (CVE-2016-9962). */
		close(fd);
		close(in->fifo_fd);
		if (in->fd_dir >= 0)
			close(in->fd_dir);
	}
	/* The spec runs startContainer hooks as part of `start`, in the
	 * container, just before the user's program: hence after the fifo. */
	for (size_t i = 0; i < in->p.n_start_hooks; i++)
		if (run_hook(&in->p.start_hooks[i], in->state, in->n_state, STEP_START_HOOK, i) < 0)
			fail(STEP_START_HOOK);
	if (seccomp_late(in) < 0)
		fail(STEP_SECCOMP);
	static char *none[] = { NULL };
	if (!in->exec_path) {
		errf(STEP_EXEC, EINVAL, "no process to start");
		fail(STEP_EXEC);
	}
	execve(in->exec_path, in->p.args, in->p.n_env ? in->p.env : none);
	errf(STEP_EXEC, errno, "%s", in->exec_path);
	fail(STEP_EXEC);
}
