/* console.c - process.terminal: a pty allocated inside the container (so it
 * belongs to the container's devpts, runc#814), its master handed to the
 * console socket, its slave made our stdio and controlling terminal and,
 * for create, bound over /dev/console (config-linux.md "Default Devices"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "init.h"

/* One message: the pty name as data, the master as SCM_RIGHTS; the shape
 * runc's recvtty and go-runc's console socket expect. */
static int send_master(int sock, int master, const char *name)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } c = { 0 };
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);

	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &master, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* runc's mountConsole, without its paths (CVE-2025-52565): the image's
 * /dev/console is opened without following a symlink and checked, and the
 * pty goes on through fds, so nothing sharing the rootfs can swap the
 * source or the target for a masked or read-only file between check and
 * mount. /dev itself is resolved by path: we are past the pivot, where a
 * link can only lead to another place inside the container. */
static int mount_console(int slave, const char *name)
{
	int dev, target, tree;
	struct stat st;

	if ((dev = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errf(STEP_CONSOLE, errno, "open /dev");
	/* A bind needs a file to cover; mknod(S_IFREG) never follows a
	 * symlink, so a link already there is left for the check below. */
	if (mknodat(dev, "console", S_IFREG | 0666, 0) < 0 && errno != EEXIST)
		return errf(STEP_CONSOLE, errno, "create /dev/console");
	if ((target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(target, &st) < 0)
		return errf(STEP_CONSOLE, errno, "open /dev/console");
	if (S_ISLNK(st.st_mode))
		return errf(STEP_CONSOLE, ELOOP, "/dev/console is a symlink");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return errf(STEP_CONSOLE, EINVAL, "/dev/console is neither a file nor a device");
	if ((tree = bind_onto("", slave, target, 0)) < 0)
		return errf(STEP_CONSOLE, errno, "bind %s onto /dev/console", name);
	close(tree);
	close(target);
	close(dev);
	return 0;
}

int setup_console(struct init *in)
{
	const struct plan *p = &in->p;
	unsigned int n, unlock = 0;
	char name[32];
	int master, slave, r;

	if (!p->terminal)
		return 0;
	if (p->console_socket_fd < 0)
		return errf(STEP_CONSOLE, EINVAL, "terminal without a console socket");
	/* /dev/ptmx is the pts/ptmx symlink now: this devpts, not the host's. */
	if ((master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return errf(STEP_CONSOLE, errno, "open /dev/ptmx");
	/* unlockpt() and ptsname() without libc's path-based helpers. */
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		return errf(STEP_CONSOLE, errno, "unlock pty");
	snprintf(name, sizeof(name), "/dev/pts/%u", n);
	/* The peer comes from the master itself, never by path: a path could be
	 * swapped for another file by whatever the rootfs holds at /dev/pts. */
	if ((slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return errf(STEP_CONSOLE, errno, "open peer of %s", name);
	if (p->console_width && p->console_height) {
		struct winsize ws = { .ws_row = p->console_height, .ws_col = p->console_width };
		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			return errf(STEP_CONSOLE, errno, "resize %s", name);
	}
	if (send_master(p->console_socket_fd, master, name) < 0)
		return errf(STEP_CONSOLE, errno, "send %s to the console socket", name);
	/* The receiver owns the master now; our copies must not reach the
	 * container (close_fds would catch them, but say it here). */
	close(master);
	close(p->console_socket_fd);
	/* We lead our own session (become_init), so this pty becomes its
	 * controlling terminal. */
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return errf(STEP_CONSOLE, errno, "TIOCSCTTY %s", name);
	/* exec's process shares the container's /dev/console: create's. With
	 * no mount ns of our own the bind would land in the host's. */
	if (p->exec_pidfd < 0 && in->mntns && (r = mount_console(slave, name)) < 0)
		return r;
	for (int fd = 0; fd < 3; fd++)
		if (dup3(slave, fd, 0) < 0)
			return errf(STEP_CONSOLE, errno, "dup %s to %d", name, fd);
	if (slave > 2)
		close(slave);
	return 0;
}
