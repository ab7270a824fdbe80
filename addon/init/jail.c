/* jail.c - entering the rootfs, then hardening what the container sees.
 * After jail() every path is resolved inside the container, where a symlink
 * can no longer lead to the host, so plain paths are fine from there on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "init.h"

/* pivot_root(".", ".") stacks the old root on top of the new one at "/"
 * (an LXC trick runc uses too), so no directory is needed in the rootfs;
 * the old root is then made rslave, so our detach does not propagate to
 * the host, and detached. */
static int pivot(void)
{
	int old = open("/", O_DIRECTORY | O_PATH | O_CLOEXEC);

	if (old < 0)
		return errf(STEP_PIVOT_ROOT, errno, "open /");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return errf(STEP_PIVOT_ROOT, errno, "pivot_root .");
	/* The kernel leaves "." at the old root today; don't rely on it. */
	if (fchdir(old) < 0)
		return errf(STEP_PIVOT_ROOT, errno, "fchdir old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return errf(STEP_PIVOT_ROOT, errno, "make old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return errf(STEP_PIVOT_ROOT, errno, "detach old root");
	close(old);
	return chdir("/") < 0 ? errf(STEP_PIVOT_ROOT, errno, "chdir /") : 0;
}

/* --no-pivot: chroot leaves the host's mounts reachable, and the kernel
 * allows a new procfs/sysfs only where a full one is visible. So first
 * detach (or cover) the host's full procfs and sysfs mounts, as runc's
 * msMoveRoot does, then move the rootfs onto "/" and chroot. */
static int move_root(const char *rootfs)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], root[1024], *pts[256];
	size_t n = 0, rl = strlen(rootfs);

	if (!f)
		return errf(STEP_PIVOT_ROOT, errno, "/proc/self/mountinfo");
	/* Collect first: detaching while reading shifts the file under us. */
	while (n < 256 && fgets(line, sizeof(line), f)) {
		char mnt[1024], fstype[64], *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2 ||
		    sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		if (!strcmp(root, "/") && (!strcmp(fstype, "proc") || !strcmp(fstype, "sysfs")) &&
		    strncmp(mnt, rootfs, rl) != 0)
			pts[n++] = strdup(mnt);
	}
	fclose(f);
	while (n-- > 0) {  /* deepest (latest) first */
		if (mount(NULL, pts[n], NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;  /* already gone with its parent */
			return errf(STEP_PIVOT_ROOT, errno, "make %s rslave", pts[n]);
		}
		if (umount2(pts[n], MNT_DETACH) < 0 &&
		    ((errno != EINVAL && errno != EPERM) ||
		     mount("tmpfs", pts[n], "tmpfs", 0, NULL) < 0))
			return errf(STEP_PIVOT_ROOT, errno, "hide %s", pts[n]);
	}
	/* "." is the rootfs (jail() chdir-ed there): no path to re-resolve. */
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return errf(STEP_PIVOT_ROOT, errno, "move %s to /", rootfs);
	if (chroot(".") < 0 || chdir("/") < 0)
		return errf(STEP_PIVOT_ROOT, errno, "chroot %s", rootfs);
	return 0;
}

int jail(struct init *in)
{
	int r;

	if (fchdir(in->root_fd) < 0)
		return errf(STEP_PIVOT_ROOT, errno, "chdir %s", in->p.rootfs);
	if (!in->mntns) {  /* nothing to pivot: runc's plain chroot */
		if ((in->fd_dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return errf(STEP_PIVOT_ROOT, errno, "open /proc/self/fd");
		r = chroot(".") < 0 || chdir("/") < 0 ? errf(STEP_PIVOT_ROOT, errno, "chroot") : 0;
	}
	else if (in->p.no_pivot)
		r = move_root(in->p.rootfs);
	else
		r = pivot();
	close(in->root_fd);
	in->root_fd = -1;
	return r;
}

int finish_mounts(struct init *in)
{
	/* Applied to "/" only now: before the pivot "/" was the host's root
	 * and a shared flag there would reach the host. */
	if (in->p.rootfs_propagation && mount(NULL, "/", NULL, in->p.rootfs_propagation, NULL) < 0)
		return errf(STEP_ROOTFS_PROPAGATION, errno, "/: 0x%x", in->p.rootfs_propagation);
	for (size_t i = 0; i < in->n_ro_fds; i++) {
		if (mnt_setattr(in->ro_fds[i], 0, MOUNT_ATTR_RDONLY, 0, 0) < 0)
			return errf(STEP_READONLY_MOUNTS, errno, "mount %zu", i);
		close(in->ro_fds[i]);
	}
	in->n_ro_fds = 0;
	/* Setting only RDONLY keeps nosuid/nodev/... as they are, which also
	 * keeps us clear of the flags a user namespace may not clear. */
	if (in->p.root_readonly && mount_setattr(AT_FDCWD, "/", 0,
			&(struct mount_attr){ .attr_set = MOUNT_ATTR_RDONLY }, sizeof(struct mount_attr)) < 0)
		return errf(STEP_ROOT_READONLY, errno, "/");
	return 0;
}

int readonly_paths(struct init *in)
{
	for (size_t i = 0; i < in->p.n_readonly_paths; i++) {
		const char *path = in->p.readonly_paths[i];
		int fd = open(path, O_PATH | O_CLOEXEC), mnt;

		if (fd < 0 && errno == ENOENT)
			continue;  /* the spec lets a missing path pass */
		if (fd < 0)
			return errf(STEP_READONLY_PATH, errno, "%s", path);
		/* A bind of the path onto itself, recursive like runc's, made
		 * read-only at the top only. */
		if ((mnt = bind_onto("", fd, fd, 1)) < 0 || mnt_setattr(mnt, 0, MOUNT_ATTR_RDONLY, 0, 0) < 0)
			return errf(STEP_READONLY_PATH, errno, "%s", path);
		close(mnt);
		close(fd);
	}
	return 0;
}

/* Directories get an empty read-only tmpfs, files the container's own
 * /dev/null, after checking it really is 1:3 (the image could ship a
 * regular file there, which would unmask nothing but leak nothing either). */
static int mask_one(const char *path, const char *label)
{
	int fd = open(path, O_PATH | O_CLOEXEC), mnt;
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? 0 : errf(STEP_MASK_PATH, errno, "%s", path);
	if (fstat(fd, &st) < 0)
		return errf(STEP_MASK_PATH, errno, "stat %s", path);
	if (S_ISDIR(st.st_mode)) {
		mnt = new_fs("tmpfs", "tmpfs", MS_RDONLY, "nr_blocks=1,nr_inodes=1", label, -1, path);
		if (mnt < 0)
			return mnt;
		if (move_mount(mnt, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return errf(STEP_MASK_PATH, errno, "%s", path);
	} else {
		mnt = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (mnt < 0 || fstat(mnt, &st) < 0)
			return errf(STEP_MASK_PATH, errno, "/dev/null for %s", path);
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			return errf(STEP_MASK_PATH, EINVAL, "/dev/null is not the null device");
		if (move_mount(mnt, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return errf(STEP_MASK_PATH, errno, "%s", path);
	}
	close(mnt);
	close(fd);
	return 0;
}

int mask_paths(struct init *in)
{
	int r;

	for (size_t i = 0; i < in->p.n_masked_paths; i++)
		if ((r = mask_one(in->p.masked_paths[i], in->p.mount_label)) < 0)
			return r;
	return 0;
}
