/* hooks.c - the hooks that run inside the container's namespaces
 * (createContainer, startContainer), plus the sync that lets the parent run
 * its own (prestart, createRuntime) at the right moment. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "init.h"

/* "sync 3": mounts are done and the old root is still reachable, which is
 * the point where the spec runs prestart and createRuntime hooks. The reply
 * carries the state JSON our own hooks get on stdin. */
int sync_hooks(struct init *in)
{
	uint8_t *state;

	/* Sync 3 is for the parent's createRuntime step (hooks, netDevices)
	 * and our createContainer hooks: with none of them, a round trip to the
	 * parent (two context switches, the state JSON) buys nothing. */
	if (!in->p.sync_runtime && in->p.n_create_hooks == 0)
		return 0;
	send_msg(MSG_HOOKS_PLEASE, NULL, 0);
	in->n_state = recv_msg(MSG_HOOKS_DONE, &state);
	in->state = (char *)state;
	return 0;
}

int run_create_hooks(struct init *in)
{
	int r;

	/* runc runs them from the rootfs directory. */
	if (in->p.n_create_hooks && fchdir(in->root_fd) < 0)
		return errf(STEP_CREATE_HOOK, errno, "chdir %s", in->p.rootfs);
	for (size_t i = 0; i < in->p.n_create_hooks; i++)
		if ((r = run_hook(&in->p.create_hooks[i], in->state, in->n_state, STEP_CREATE_HOOK, i)) < 0)
			return r;
	return 0;
}

static void feed(int fd, const char *buf, size_t n)
{
	/* A hook that exits without reading its stdin must not kill us with
	 * SIGPIPE; ignored only here, so the hook itself inherits SIG_DFL. */
	signal(SIGPIPE, SIG_IGN);
	for (ssize_t w; n > 0 && ((w = write(fd, buf, n)) > 0 || errno == EINTR);)
		if (w > 0)
			buf += w, n -= w;
	signal(SIGPIPE, SIG_DFL);
	close(fd);
}

/* Runs one hook: state JSON on stdin, its own args and env, killed after
 * timeout seconds (0 = no limit). Errors read "<kind> hook <i> (<path>): ...";
 * an exec failure comes back with its errno through a CLOEXEC pipe. */
int run_hook(const struct plan_hook *h, const char *state, size_t n, int step, size_t idx)
{
	static char *none[] = { NULL };
	char *argv0[] = { h->path, NULL };
	int in_p[2], err_p[2], status, e = 0, pidfd;
	struct pollfd pfd;
	pid_t pid;

	if (pipe2(in_p, O_CLOEXEC) < 0 || pipe2(err_p, O_CLOEXEC) < 0)
		return errf(step, errno, "%zu (%s): pipe", idx, h->path);
	if ((pid = fork()) < 0)
		return errf(step, errno, "%zu (%s): fork", idx, h->path);
	if (pid == 0) {
		/* Our fds must not reach the hook (the sync socket above all);
		 * CLOEXEC rather than close keeps err_p[1] until the exec. */
		if (dup2(in_p[0], 0) >= 0 && close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
			execve(h->path, h->n_args ? h->args : argv0, h->n_env ? h->env : none);
		e = errno;
		(void)!write(err_p[1], &e, sizeof(e));
		_exit(127);
	}
	close(in_p[0]);
	close(err_p[1]);
	feed(in_p[1], state, n);
	/* A pidfd turns "exited or timed out" into one poll(); waitpid has
	 * no timeout and alarm() would need a handler. */
	if ((pidfd = pidfd_open(pid, 0)) < 0)
		return errf(step, errno, "%zu (%s): pidfd_open", idx, h->path);
	pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	int ready;
	while ((ready = poll(&pfd, 1, h->timeout ? (int)h->timeout * 1000 : -1)) < 0 && errno == EINTR)
		;
	if (ready == 0)
		kill(pid, SIGKILL);
	close(pidfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	bool exec_failed = read(err_p[0], &e, sizeof(e)) == sizeof(e);
	close(err_p[0]);
	if (ready == 0)
		return errf(step, 0, "%zu (%s): timeout after %us", idx, h->path, h->timeout);
	if (exec_failed)
		return errf(step, e, "%zu (%s): exec", idx, h->path);
	if (WIFSIGNALED(status))
		return errf(step, 0, "%zu (%s): killed by signal %d", idx, h->path, WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return errf(step, 0, "%zu (%s): exit status %d", idx, h->path, WEXITSTATUS(status));
	return 0;
}
