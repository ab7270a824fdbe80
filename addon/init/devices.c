/* devices.c - /dev's content: the plan's device nodes, created with mknod
 * or bound from the host (all a user namespace may do), and the symlinks
 * every Linux userland expects. Runs before the pivot, inside the rootfs fd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "init.h"

static int make_device(struct init *in, const struct plan_device *d)
{
	char dir[PATH_MAX];
	const char *name = strrchr(d->path, '/');
	int dfd, fd, tree;

	/* TS hands us absolute, clean paths: "/dev/x" -> "/dev" + "x". */
	if (!name || !name[1] || strlen(d->path) >= sizeof(dir))
		return errf(STEP_DEVICE, EINVAL, "bad device path %s", d->path);
	snprintf(dir, sizeof(dir), "%.*s", name == d->path ? 1 : (int)(name - d->path), d->path);
	name++;
	if ((dfd = open_in_root(in->root_fd, dir, CREATE_DIRS, STEP_MKDIR)) < 0)
		return dfd;
	if (!d->bind && mknodat(dfd, name, d->type | d->mode, makedev(d->major, d->minor)) == 0) {
		/* mknod obeyed our umask; the owner is the container's. */
		if (fchmodat(dfd, name, d->mode, 0) < 0 ||
		    fchownat(dfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return errf(STEP_DEVICE, errno, "chmod/chown %s", d->path);
		return close(dfd), 0;
	}
	if (!d->bind && errno == EEXIST)
		return close(dfd), 0;  /* the image ships it: runc keeps it as is */
	if (!d->bind && errno != EPERM)
		return errf(STEP_DEVICE, errno, "mknod %s", d->path);
	/* A bind needs a file to cover; mknod(S_IFREG) creates one even in a
	 * user namespace, and never follows a symlink. */
	if (mknodat(dfd, name, S_IFREG, 0) < 0 && errno != EEXIST)
		return errf(STEP_DEVICE, errno, "create %s", d->path);
	struct open_how oh = { .flags = O_PATH | O_CLOEXEC | O_NOFOLLOW, .resolve = RESOLVE_BENEATH };
	if ((fd = syscall(SYS_openat2, dfd, name, &oh, sizeof(oh))) < 0)
		return errf(STEP_DEVICE, errno, "open %s", d->path);
	if ((tree = bind_onto(d->path, AT_FDCWD, fd, 0)) < 0)
		return errf(STEP_DEVICE, errno, "bind %s", d->path);
	close(tree);
	close(fd);
	close(dfd);
	return 0;
}

int create_devices(struct init *in)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "/proc/kcore", "core" }, { "pts/ptmx", "ptmx" },
	};
	int r, dev;

	for (size_t i = 0; i < in->p.n_devices; i++)
		if ((r = make_device(in, &in->p.devices[i])) < 0)
			return r;
	if (!in->p.dev_symlinks)
		return 0;
	if ((dev = open_in_root(in->root_fd, "/dev", CREATE_DIRS, STEP_MKDIR)) < 0)
		return dev;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		const char *target = links[i][0], *name = links[i][1];
		/* kcore exists only with CONFIG_PROC_KCORE; the host's /proc tells. */
		if (!strcmp(name, "core") && access("/proc/kcore", F_OK) < 0)
			continue;
		/* ptmx must lead to this container's devpts instance. */
		if (!strcmp(name, "ptmx") && unlinkat(dev, name, 0) < 0 && errno != ENOENT)
			return errf(STEP_SYMLINK, errno, "/dev/%s", name);
		if (symlinkat(target, dev, name) < 0 && errno != EEXIST)
			return errf(STEP_SYMLINK, errno, "/dev/%s", name);
	}
	return close(dev), 0;
}
