/* mounts.c - the container's filesystem, before and after the jail.
 *
 * Container paths are untrusted (the rootfs may hold symlinks aimed at the
 * host), so they are never joined onto the rootfs string: every destination
 * is resolved from a rootfs fd with openat2(RESOLVE_IN_ROOT) and mounted
 * through that fd with the new mount API (fsopen/fsmount or open_tree, then
 * move_mount). The mount fd we get back addresses the new mount itself, so
 * flags and propagation are applied to it without a path lookup race (the
 * TODO runc's mountPropagate still carries). Needs Linux 5.12 (mount_setattr). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

static char root_path[PATH_MAX];  /* the rootfs as the kernel names it */

/* RESOLVE_IN_ROOT treats root_fd as "/" for absolute links and "..";
 * NO_MAGICLINKS stops /proc/<pid>/root style jumps out of it. */
static int resolve(int root_fd, const char *path, int how)
{
	struct open_how oh = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
			   (how & NO_SYMLINKS ? RESOLVE_NO_SYMLINKS : 0),
	};
	return syscall(SYS_openat2, root_fd, path, &oh, sizeof(oh));
}

/* Opens unsafe_path inside the rootfs, creating what is missing one
 * component at a time (like runc's MkdirAllInRoot): each prefix is resolved
 * in the root and the next component created under the fd we got, so a
 * symlink anywhere leads at worst elsewhere inside the rootfs. A dangling
 * symlink on the way is followed, its target made inside the root, as
 * runc's securejoin does (images ship /etc/resolv.conf -> ../run/...). */
static int open_in_root_at(int root_fd, const char *unsafe_path, int how, int step, int depth)
{
	char path[PATH_MAX], link[PATH_MAX], next[PATH_MAX];
	int dir = root_fd, fd;

	if (strlen(unsafe_path) >= sizeof(path))
		return errf(step, ENAMETOOLONG, "%s", unsafe_path);
	fd = resolve(root_fd, unsafe_path, how);
	if (fd >= 0 || errno != ENOENT || !(how & (CREATE_DIRS | CREATE_FILE)))
		return fd >= 0 ? fd : errf(step, errno, "%s", unsafe_path);
	strcpy(path, unsafe_path);
	for (char *c = path; *c;) {
		while (*c == '/')
			c++;
		char *end = strchrnul(c, '/'), save = *end;
		bool last = !end[strspn(end, "/")];
		if (!*c)
			break;
		*end = 0;
		fd = resolve(root_fd, path, how);
		if (fd < 0 && errno == ENOENT) {
			/* "." and ".." just hit EEXIST and resolve as usual. */
			int r = last && (how & CREATE_FILE) ? mknodat(dir, c, S_IFREG | 0644, 0)
							    : mkdirat(dir, c, 0755);
			if (r < 0 && errno != EEXIST)
				return errf(STEP_MKDIR, errno, "%s", path);
			fd = resolve(root_fd, path, how);
			/* Still missing although it exists: a dangling symlink. Its
			 * target (absolute = from the root, relative = from the link's
			 * directory) plus the rest of the path is resolved anew. */
			ssize_t n;
			if (fd < 0 && errno == ENOENT && !(how & NO_SYMLINKS) &&
			    (n = readlinkat(dir, c, link, sizeof(link) - 1)) > 0) {
				link[n] = 0;
				*end = save;
				if (++depth > 40)  /* the kernel's MAXSYMLINKS */
					return errf(step, ELOOP, "%s", unsafe_path);
				if (snprintf(next, sizeof(next), "%.*s%s%s", link[0] == '/' ? 0 : (int)(c - path),
					     path, link, end) >= (int)sizeof(next))
					return errf(step, ENAMETOOLONG, "%s", unsafe_path);
				if (dir != root_fd)
					close(dir);
				return open_in_root_at(root_fd, next, how, step, depth);
			}
		}
		if (fd < 0)
			return errf(step, errno, "%s", path);
		if (dir != root_fd)
			close(dir);
		dir = fd;
		*end = save;
		c = end;
	}
	return dir;
}

int open_in_root(int root_fd, const char *unsafe_path, int how, int step)
{
	return open_in_root_at(root_fd, unsafe_path, how, step, 0);
}

/* Clones src (a path, or dirfd itself when src is "") and moves the copy
 * onto dst_fd. Returns the new mount's fd, or -1 with errno set (the fd is
 * not closed then: every failure ends in fail() and exit). */
int bind_onto(const char *src, int src_dirfd, int dst_fd, int recursive)
{
	int tree = open_tree(src_dirfd, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			     (recursive ? AT_RECURSIVE : 0) | (*src ? 0 : AT_EMPTY_PATH));
	if (tree < 0 || move_mount(tree, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -1;
	return tree;
}

static const struct { uint32_t ms; uint64_t attr; } ms_attrs[] = {
	{ MS_RDONLY, MOUNT_ATTR_RDONLY }, { MS_NOSUID, MOUNT_ATTR_NOSUID },
	{ MS_NODEV, MOUNT_ATTR_NODEV }, { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
	{ MS_NOATIME, MOUNT_ATTR_NOATIME }, { MS_STRICTATIME, MOUNT_ATTR_STRICTATIME },
	{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
};
#define MS_ATIME (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)

static uint64_t ms_to_attr(uint32_t ms)
{
	uint64_t a = 0;

	for (size_t i = 0; i < sizeof(ms_attrs) / sizeof(ms_attrs[0]); i++)
		if (ms & ms_attrs[i].ms)
			a |= ms_attrs[i].attr;
	return a;
}

int mnt_setattr(int fd, unsigned flags, uint64_t set, uint64_t clr, uint64_t prop)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr, .propagation = prop };
	return mount_setattr(fd, "", AT_EMPTY_PATH | flags, &a, sizeof(a));
}

/* A new filesystem instance, detached. Superblock flags and the data string
 * become fsconfig() parameters; per-mount flags become fsmount() attrs. */
int new_fs(const char *fstype, const char *source, uint32_t flags, const char *data,
	   const char *label, int mode, const char *dest)
{
	static const struct { uint32_t ms; const char *key; } sb[] = {
		{ MS_RDONLY, "ro" }, { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" },
		{ MS_LAZYTIME, "lazytime" }, { MS_MANDLOCK, "mand" },
	};
	char opts[4096], log[256], m[16];
	int fs = fsopen(fstype, FSOPEN_CLOEXEC), mnt, e;

	if (fs < 0)
		return errf(STEP_MOUNT, errno, "fsopen %s for %s", fstype, dest);
	if (*source && fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		goto bad;
	for (size_t i = 0; i < sizeof(sb) / sizeof(sb[0]); i++)
		if ((flags & sb[i].ms) && fsconfig(fs, FSCONFIG_SET_FLAG, sb[i].key, NULL, 0) < 0)
			goto bad;
	/* runc gives a tmpfs the mode of the directory it covers; a mode in
	 * the data string comes later and wins. */
	snprintf(m, sizeof(m), "%o", mode);
	if (mode >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "mode", m, 0) < 0)
		goto bad;
	if (*label && fsconfig(fs, FSCONFIG_SET_STRING, "context", label, 0) < 0)
		goto bad;
	/* "a=b,c" as mount(8) would pass it: a=b is a string, c a flag. */
	snprintf(opts, sizeof(opts), "%s", data);
	for (char *o = strtok(opts, ","); o; o = strtok(NULL, ",")) {
		char *v = strchr(o, '=');
		if (v)
			*v++ = 0;
		if (fsconfig(fs, v ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, o, v, 0) < 0)
			goto bad;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto bad;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, ms_to_attr(flags));
	if (mnt < 0)
		goto bad;
	close(fs);
	return mnt;
bad:
	/* The fs context keeps the kernel's reason ("e tmpfs: Bad value for
	 * 'size'"): far more useful than the bare EINVAL. The "e " is its
	 * severity tag (e/w/i), not part of the message. */
	e = errno;
	ssize_t n = read(fs, log, sizeof(log) - 1);
	log[n > 0 ? n : 0] = 0;
	log[strcspn(log, "\n")] = 0;
	close(fs);
	const char *why = log[0] && strchr("ewi", log[0]) && log[1] == ' ' ? log + 2 : log;
	return errf(STEP_MOUNT, e, "%s on %s%s%s", fstype, dest, n > 0 ? ": " : "", why);
}

/* The kernel lets procfs be covered only by procfs and a few lxcfs-style
 * files (runc's checkProcMount, CVE-2019-16884): anything else mounted in
 * /proc could hide what LSMs rely on. Checked on the resolved path. */
static int check_proc_dest(int dst, const struct plan_mount *m)
{
	static const char *const ok[] = {
		"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
		"/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo",
		"/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled",
	};
	char link[64], real[PATH_MAX];
	size_t rl = strcmp(root_path, "/") ? strlen(root_path) : 0;
	struct statfs st;

	/* Before the pivot /proc is the host's: the link names the real path. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dst);
	ssize_t n = readlink(link, real, sizeof(real) - 1);
	if (n < 0)
		return errf(STEP_MOUNT, errno, "readlink %s", m->destination);
	real[n] = 0;
	if (strncmp(real, root_path, rl) != 0 || real[rl] != '/')
		return errf(STEP_MOUNT, EXDEV, "%s resolves outside the rootfs", m->destination);
	const char *in = real + rl;
	if (strncmp(in, "/proc", 5) != 0 || (in[5] && in[5] != '/'))
		return 0;
	if (!in[5]) {
		if (!strcmp(m->fstype, "proc"))
			return 0;
		if ((m->flags & MS_BIND) && statfs(m->source, &st) == 0 && st.f_type == PROC_SUPER_MAGIC)
			return 0;
		return errf(STEP_MOUNT, EPERM, "%s cannot be mounted because it is not of type proc", in);
	}
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(in, ok[i]))
			return 0;
	return errf(STEP_MOUNT, EPERM, "%s cannot be mounted because it is inside /proc", in);
}

/* "mount --bind -o ro,nosuid" semantics (runc's mountToRootfs, see
 * util-linux#2433 on why not "remount,bind"): the requested flags
 * replace the clone's, since the first bind ignores them. Flags the kernel
 * locked (the source came from a more privileged mount ns) are kept. */
static int set_bind_flags(int mnt, const struct plan_mount *m, uint32_t flags)
{
	const uint64_t lockable = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				  MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW;
	uint64_t set = ms_to_attr(flags), clr = lockable & ~set;
	struct statfs st;

	if (flags & MS_ATIME)
		clr |= MOUNT_ATTR__ATIME;
	if (mnt_setattr(mnt, 0, set, clr, 0) == 0)
		return 0;
	if (errno != EPERM || fstatfs(mnt, &st) < 0)
		return errf(STEP_REMOUNT, errno, "%s", m->destination);
	/* statfs's ST_RDONLY..ST_NOEXEC have the MS_* values (fs/statfs.c). */
	clr &= ~ms_to_attr(st.f_flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
	if (mnt_setattr(mnt, 0, set, clr, 0) < 0)
		return errf(STEP_REMOUNT, errno, "%s (locked flags kept)", m->destination);
	return 0;
}

/* Makes the mount described by m (detached) and moves it onto dst. */
static int attach(struct init *in, const struct plan_mount *m, uint32_t flags, int mode, int dst)
{
	bool special = !strcmp(m->fstype, "proc") || !strcmp(m->fstype, "sysfs");
	bool label = *in->p.mount_label && !special && strcmp(m->fstype, "mqueue");
	int mnt, r;

	int idmapped = in->idmap_fds ? in->idmap_fds[m - in->p.mounts] : -1;

	if (m->flags & MS_BIND) {
		/* An idmapped tree was cloned and mapped while we were still the
		 * host's root (prepare_idmapped_mounts): it only moves here. */
		mnt = idmapped >= 0 ? idmapped : bind_onto(m->source, AT_FDCWD, dst, m->flags & MS_REC);
		if (idmapped >= 0 && move_mount(mnt, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return errf(STEP_MOUNT, errno, "move idmapped %s to %s", m->source, m->destination);
		if (mnt < 0)
			return errf(STEP_MOUNT, errno, "bind %s on %s", m->source, m->destination);
		if ((flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) && (r = set_bind_flags(mnt, m, flags)) < 0)
			return r;
		return mnt;
	}
	mnt = new_fs(m->fstype, m->source, flags, m->data, label ? in->p.mount_label : "", mode,
		     m->destination);
	if (mnt < 0)
		return mnt;
	if (move_mount(mnt, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return errf(STEP_MOUNT, errno, "move %s to %s", m->fstype, m->destination);
	return mnt;
}

static int mount_one(struct init *in, const struct plan_mount *m)
{
	bool special = !strcmp(m->fstype, "proc") || !strcmp(m->fstype, "sysfs");
	/* /dev must stay writable for devices and symlinks, and a tmpfs for
	 * the hooks: both turn read-only in finish_mounts, after the pivot
	 * (runc's finalizeRootfs does the same). */
	bool late_ro = (m->flags & MS_RDONLY) && (!strcmp(m->fstype, "tmpfs") ||
			!strcmp(m->destination, "/dev") || !strcmp(m->destination, "/dev/"));
	int mode = -1, dst, mnt, r;
	struct stat st, rst;

	/* Only a directory the image ships lends its mode (runc); a new one
	 * keeps tmpfs's 1777 default. */
	if (!strcmp(m->fstype, "tmpfs") && (dst = resolve(in->root_fd, m->destination, 0)) >= 0) {
		if (fstat(dst, &st) == 0)
			mode = st.st_mode & 07777;
		close(dst);
	}
	/* procfs and sysfs never go through a symlink: "fun" attacks of the
	 * past swapped /proc for a link (runc's mountToRootfs). */
	dst = open_in_root(in->root_fd, m->destination, (m->file_target ? CREATE_FILE : CREATE_DIRS) |
			   (special ? NO_SYMLINKS : 0), STEP_MKDIR);
	if (dst < 0)
		return dst;
	if (fstat(dst, &st) < 0 || fstat(in->root_fd, &rst) < 0)
		return errf(STEP_MOUNT, errno, "stat %s", m->destination);
	if (st.st_dev == rst.st_dev && st.st_ino == rst.st_ino)
		return errf(STEP_MOUNT, EINVAL, "%s is the rootfs itself", m->destination);
	if ((r = check_proc_dest(dst, m)) < 0)
		return r;
	/* mnt is the new mount itself: propagation and attrs below apply to
	 * it, whatever happens to the path meanwhile. */
	if ((mnt = attach(in, m, late_ro ? m->flags & ~MS_RDONLY : m->flags, mode, dst)) < 0)
		return mnt;
	close(dst);
	for (size_t i = 0; i < m->n_propagation; i++) {
		uint32_t pr = m->propagation[i];
		if (mnt_setattr(mnt, pr & MS_REC ? AT_RECURSIVE : 0, 0, 0, pr & ~MS_REC) < 0)
			return errf(STEP_MOUNT_PROPAGATION, errno, "%s: 0x%x", m->destination, pr);
	}
	if ((m->attr_set || m->attr_clr) && mnt_setattr(mnt, AT_RECURSIVE, m->attr_set, m->attr_clr, 0) < 0)
		return errf(STEP_MOUNT_SETATTR, errno, "%s: set 0x%x clear 0x%x", m->destination,
			    m->attr_set, m->attr_clr);
	if (!late_ro)
		return close(mnt), 0;
	in->ro_fds = realloc(in->ro_fds, (in->n_ro_fds + 1) * sizeof(int));
	in->ro_fds[in->n_ro_fds++] = mnt;
	return 0;
}

/* Before the first mount: our copy of the host's mounts must not pass
 * events back (rslave by default, plan.rootPropagation), the rootfs'
 * parent must not be shared (pivot_root refuses it, and our bind would
 * leak to the host), and the rootfs must be a mount of its own. */
int prepare_rootfs(struct init *in)
{
	struct plan *p = &in->p;
	uint32_t prop = p->root_propagation ? p->root_propagation : MS_SLAVE | MS_REC;
	uint32_t parent = prop & MS_SLAVE ? MS_SLAVE : MS_PRIVATE;
	char path[PATH_MAX], link[64];

	if (in->mntns) {
		if (mount(NULL, "/", NULL, prop, NULL) < 0)
			return errf(STEP_ROOT_PROPAGATION, errno, "/: 0x%x", prop);
		snprintf(path, sizeof(path), "%s", p->rootfs);
		/* EINVAL: not a mount point, so try the directory above. */
		while (mount(NULL, path, NULL, parent, NULL) < 0) {
			char *slash = strrchr(path, '/');
			if (errno != EINVAL || !slash || !strcmp(path, "/"))
				return errf(STEP_ROOT_PROPAGATION, errno, "%s: 0x%x", path, parent);
			slash == path ? (void)strcpy(path, "/") : (void)(*slash = 0);
		}
		if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
			return errf(STEP_BIND_ROOTFS, errno, "%s", p->rootfs);
	}
	in->root_fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (in->root_fd < 0)
		return errf(STEP_BIND_ROOTFS, errno, "open %s", p->rootfs);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", in->root_fd);
	ssize_t n = readlink(link, root_path, sizeof(root_path) - 1);
	if (n < 0)
		return errf(STEP_BIND_ROOTFS, errno, "readlink %s", p->rootfs);
	root_path[n] = 0;
	return 0;
}

int mount_all(struct init *in)
{
	int r;

	/* Without a mount namespace of our own, a mount would land on the host. */
	if (in->p.n_mounts && !in->mntns)
		return errf(STEP_MOUNT, EINVAL, "mounts need a mount namespace");

	for (size_t i = 0; i < in->p.n_mounts; i++)
		if ((r = mount_one(in, &in->p.mounts[i])) < 0)
			return r;
	return 0;
}
