/* nsrun ROOTFS: the least a container start needs, for `npm run bench` to
 * compare tsrun-init's part against: clone into the namespaces the bench
 * bundle asks for, mount the runc-spec defaults, pivot_root, exec /bin/true,
 * wait. No cgroups, no state, no protocol: the kernel's share of a `run`. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *rootfs;
static char stack[1 << 16];

static void die(const char *what)
{
	perror(what);
	_exit(1);
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	char p[4096];

	snprintf(p, sizeof p, "%s%s", rootfs, dst);
	mkdir(p, 0755);
	if (mount(src, p, type, flags, data))
		die(dst);
}

static int child(void *arg)
{
	char *argv[] = { "/bin/true", NULL }, *envp[] = { "PATH=/bin", NULL };

	(void)arg;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) || mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL))
		die("rootfs");
	mnt("proc", "/proc", "proc", 0, NULL);
	mnt("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	mnt("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mnt("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k");
	mnt("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	mnt("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
	if (chdir(rootfs) || syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) || chdir("/"))
		die("pivot_root");
	sethostname("runc", 4);
	execve(argv[0], argv, envp);
	die("execve");
	return 1;
}

int main(int argc, char **argv)
{
	int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
	int st;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: nsrun ROOTFS\n");
		return 2;
	}
	rootfs = argv[1];
	pid = clone(child, stack + sizeof stack, flags | SIGCHLD, NULL);
	if (pid < 0)
		die("clone");
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
