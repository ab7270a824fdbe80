/* idmap.c - idmapped bind mounts (mount_setattr MOUNT_ATTR_IDMAP).
 *
 * The kernel lets a mount be idmapped only by a caller with CAP_SYS_ADMIN
 * over the filesystem's superblock (can_idmap_mount() in fs/namespace.c):
 * for a host filesystem, root in the host's user namespace. So this step
 * runs first, before we join or create any user namespace, and leaves one
 * detached tree per mount (open_tree OPEN_TREE_CLONE) for mount_all to move
 * into place later, as runc's parent does with its mount fds. The mapping
 * comes from a user namespace: the one joined by path, or a throwaway one
 * holding the wanted maps (runc's userns.Handles, crun's
 * get_idmapped_mount), made by a child that only waits to be let go. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "init.h"

/* A user namespace with these maps, as an fd. The child is cloned into it
 * and tells us its pid as our /proc knows it (it may differ from what
 * clone returns once we lead a pid namespace), then waits for EOF. */
static int userns_with_maps(const char *uid_map, const char *gid_map)
{
	int up[2], down[2], fd = -1, e = 0;
	char path[64], self[16] = "";
	uint32_t pid = 0;

	if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
		return errf(STEP_IDMAP, errno, "pipe");
	pid_t child = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (child < 0)
		return errf(STEP_IDMAP, errno, "clone a user namespace");
	if (child == 0) {
		char c;
		close(up[0]);
		close(down[1]);
		ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
		pid = n > 0 ? strtoul(self, NULL, 10) : 0;
		if (write(up[1], &pid, sizeof(pid)) == sizeof(pid))
			(void)!read(down[0], &c, 1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &pid, sizeof(pid)) != sizeof(pid) || pid == 0) {
		e = errf(STEP_IDMAP, EPROTO, "throwaway user namespace");
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%u/uid_map", pid);
	if (write_file_at(AT_FDCWD, path, uid_map, strlen(uid_map)) < 0) {
		e = errf(STEP_IDMAP, errno, "write uid_map of a throwaway user namespace");
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%u/gid_map", pid);
	if (write_file_at(AT_FDCWD, path, gid_map, strlen(gid_map)) < 0) {
		e = errf(STEP_IDMAP, errno, "write gid_map of a throwaway user namespace");
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%u/ns/user", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		e = errf(STEP_IDMAP, errno, "open %s", path);
out:
	close(up[0]);
	close(down[1]);  /* EOF: the child exits; the namespace lives on in fd */
	waitpid(child, NULL, 0);
	return e < 0 ? e : fd;
}

/* Mounts that share a mapping share its namespace. */
static int userns_for(const struct plan *p, size_t i, int *fds)
{
	const struct plan_idmap *m = &p->idmaps[i];

	for (size_t j = 0; j < i; j++) {
		const struct plan_idmap *o = &p->idmaps[j];
		if (!strcmp(o->uid_map, m->uid_map) && !strcmp(o->gid_map, m->gid_map) &&
		    !strcmp(o->userns_path, m->userns_path))
			return fds[j];
	}
	if (*m->userns_path) {
		int fd = open(m->userns_path, O_RDONLY | O_CLOEXEC);
		return fd >= 0 ? fd : errf(STEP_IDMAP, errno, "open user namespace %s", m->userns_path);
	}
	return userns_with_maps(m->uid_map, m->gid_map);
}

static int idmap_one(struct init *in, size_t i, int userns)
{
	const struct plan_idmap *m = &in->p.idmaps[i];
	const struct plan_mount *mnt = &in->p.mounts[m->mount];
	int tree = open_tree(AT_FDCWD, mnt->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			     (mnt->flags & MS_REC ? AT_RECURSIVE : 0));
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = userns };

	if (tree < 0)
		return errf(STEP_IDMAP, errno, "open_tree %s", mnt->source);
	/* Without AT_RECURSIVE ("idmap") only the top of an rbind is mapped. */
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (m->recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0)
		return errf(STEP_IDMAP, errno, errno == EINVAL ? "%s on %s (does its filesystem support idmapped mounts?)"
			    : "%s on %s", mnt->source, mnt->destination);
	in->idmap_fds[m->mount] = tree;
	return 0;
}

int prepare_idmapped_mounts(struct init *in)
{
	const struct plan *p = &in->p;
	int fds[p->n_idmaps + 1], r = 0;
	size_t made = 0;

	if (!p->n_idmaps)
		return 0;
	in->idmap_fds = malloc(p->n_mounts * sizeof(int));
	if (!in->idmap_fds)
		return errf(STEP_IDMAP, ENOMEM, "malloc");
	for (size_t i = 0; i < p->n_mounts; i++)
		in->idmap_fds[i] = -1;
	for (; made < p->n_idmaps && r == 0; made++) {
		if (p->idmaps[made].mount >= p->n_mounts)
			return errf(STEP_IDMAP, EINVAL, "idmap of mount %u of %zu", p->idmaps[made].mount, p->n_mounts);
		if ((fds[made] = userns_for(p, made, fds)) < 0)
			return fds[made];
		r = idmap_one(in, made, fds[made]);
	}
	/* The mounts hold their namespaces now; shared fds appear once. */
	for (size_t i = 0; i < made; i++) {
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup |= fds[j] == fds[i];
		if (!dup)
			close(fds[i]);
	}
	return r;
}

/* "inside outside count" triples of a map text, sorted: the kernel prints
 * /proc/self/uid_map padded and in its own order. */
static size_t parse_map(const char *text, uint32_t (*out)[3], size_t max)
{
	size_t n = 0;
	unsigned a, b, c;
	int used;

	while (n < max && sscanf(text, " %u %u %u%n", &a, &b, &c, &used) == 3) {
		out[n][0] = a, out[n][1] = b, out[n][2] = c;
		n++;
		text += used;
	}
	for (size_t i = 1; i < n; i++)  /* insertion sort: at most 340 lines */
		for (size_t j = i; j > 0 && out[j - 1][0] > out[j][0]; j--) {
			uint32_t t[3] = { out[j][0], out[j][1], out[j][2] };
			memcpy(out[j], out[j - 1], sizeof(t));
			memcpy(out[j - 1], t, sizeof(t));
		}
	return n;
}

static bool same_map(const char *file, const char *want)
{
	static uint32_t have_m[340][3], want_m[340][3];
	char buf[340 * 34 + 1];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	size_t nh = parse_map(buf, have_m, 340), nw = parse_map(want, want_m, 340);
	return nh == nw && !memcmp(have_m, want_m, nh * sizeof(have_m[0]));
}

/* Just joined the user namespace at path: a config that also gives maps
 * must give that namespace's own (runc refuses others; containerd and
 * CRI-O send both). Read from inside, /proc/self/{uid,gid}_map is relative to the
 * namespace's parent, as the config's maps are. */
int check_joined_maps(const struct plan *p, const char *path)
{
	if (*p->joined_uid_map && !same_map("/proc/self/uid_map", p->joined_uid_map))
		return errf(STEP_USERNS_MAPS, 0, "%s: its uid_map is not linux.uidMappings: give a path or mappings, not both", path);
	if (*p->joined_gid_map && !same_map("/proc/self/gid_map", p->joined_gid_map))
		return errf(STEP_USERNS_MAPS, 0, "%s: its gid_map is not linux.gidMappings: give a path or mappings, not both", path);
	return 0;
}
