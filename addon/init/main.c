/* tsrun-init - turns one InitPlan into one container process.
 *
 * Started by the addon as `tsrun-init <sockfd>` from a sealed memfd inside
 * the namespaces it cloned (so /proc/<pid>/exe is never a writable host file:
 * CVE-2019-5736). It is single threaded and never returns to Node, so it may
 * use libc freely. The order below is runc's standard_init_linux.go; each
 * line of the table says why it sits where it does.
 *
 * `tsrun-init --check-plan` decodes a plan from stdin and prints it as JSON:
 * the drift test for protocol.h vs src/plan/protocol.ts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "init.h"

struct step_entry { int step; int (*run)(struct init *); };

/* A new step that acts on the process (not on the container's setup)
 * belongs in exec_steps below as well. */
static const struct step_entry create_steps[] = {
	{ STEP_CGROUP, join_cgroups },            /* the fds' owner's rights: while nothing changed */
	{ STEP_OOM_SCORE_ADJ, set_oom_score_adj }, /* while /proc/self is still ours */
	/* A host path: opened while we are still the host's root in the host's
	 * mount ns (a joined mount ns or an unmapped user ns can't reach it). */
	{ STEP_OPEN_FIFO, open_fifo },
	/* Idmapping a host filesystem's mount takes the host's root: before
	 * any user namespace is joined or made (idmap.c). */
	{ STEP_IDMAP, prepare_idmapped_mounts },
	/* Namespaces first: user ns joins lead (TS orders them) so later setns
	 * calls are checked against the container's user ns. */
	{ STEP_SETNS, join_namespaces },
	{ STEP_UNSHARE, unshare_namespaces },     /* userns first, then "sync 1": id maps */
	{ STEP_FORK, fork_for_pidns },            /* "sync 2": CHILD_PID */
	{ STEP_SETSID, become_init },             /* own session; uid 0 in the new user ns */
	{ STEP_KEYRING, join_session_keyring },   /* runc's default: the caller's keys stay out */
	/* Mounts while the host is still visible: sources are host paths. */
	{ STEP_ROOT_PROPAGATION, prepare_rootfs },
	{ STEP_MOUNT, mount_all },
	{ STEP_DEVICE, create_devices },
	{ STEP_PROTOCOL, sync_hooks },            /* "sync 3": prestart/createRuntime */
	{ STEP_CREATE_HOOK, run_create_hooks },   /* spec: after mounts, before pivot */
	{ STEP_PIVOT_ROOT, jail },
	/* From here every path is the container's. */
	{ STEP_CHDIR, make_cwd },                 /* while the root is still writable */
	/* As runc: after the config's mounts, before the root goes read-only
	 * (/dev/console may have to be created) and before maskedPaths and
	 * readonlyPaths, which then apply over it too. */
	{ STEP_CONSOLE, setup_console },
	{ STEP_READONLY_MOUNTS, finish_mounts },  /* rootfsPropagation, delayed ro, ro root */
	{ STEP_SETHOSTNAME, set_uts },
	/* sysctls before readonlyPaths, which usually include /proc/sys. */
	{ STEP_SYSCTL, write_sysctls },
	{ STEP_READONLY_PATH, readonly_paths },
	{ STEP_MASK_PATH, mask_paths },
	{ STEP_SETRLIMIT, set_rlimits },          /* still root: may raise hard limits */
	{ STEP_PERSONALITY, set_personality },
	{ STEP_LSM_LABEL, set_lsm_labels },
	{ STEP_CHDIR, enter_cwd },                /* as root, as runc's first attempt */
	{ STEP_EXEC_LOOKUP, set_home },           /* the image's /etc/passwd, as runc */
	{ STEP_EXEC_LOOKUP, lookup_exec },        /* a missing binary fails create, not start */
	/* Without no_new_privs, installing a filter needs CAP_SYS_ADMIN:
	 * do it before the caps go (runc does the same). */
	{ STEP_SECCOMP, seccomp_early },
	{ STEP_CAPBSET, drop_bounding },          /* needs CAP_SETPCAP: before setresuid */
	{ STEP_SETRESUID, switch_user },
	{ STEP_CAPSET, apply_caps },
	{ STEP_NO_NEW_PRIVS, set_umask_nnp },
	/* With the container's own credentials, as runc: an RT policy needs
	 * CAP_SYS_NICE in the container's set, not the runtime's. */
	{ STEP_CPU_AFFINITY, set_cpu_affinity },  /* before SCHED_DEADLINE, which pins it */
	{ STEP_SCHEDULER, set_scheduler },
	{ STEP_IO_PRIORITY, set_io_priority },
	{ STEP_MEMORY_POLICY, set_memory_policy },
	/* With no_new_privs the filter goes in last of all, just before
	 * execve (start_container): none of our own syscalls — the socket,
	 * the fifo, close_range — has to pass the container's profile. */
	{ STEP_CLOSE_FDS, close_fds },            /* CVE-2024-21626: no host fd survives */
	{ STEP_SECCOMP, seccomp_listener },       /* a notify fd needs the socket: now */
	{ STEP_PROTOCOL, sync_ready },            /* "sync 4": READY, then GO */
};

/* exec: the process half of the list above, in a container that exists
 * (runc's setns_init_linux.go). Mounts, devices, hostname and sysctls are
 * the container's already; the exec fifo and hooks are create's. */
static const struct step_entry exec_steps[] = {
	{ STEP_CGROUP, join_cgroups },
	{ STEP_OOM_SCORE_ADJ, set_oom_score_adj },
	{ STEP_JOIN, join_container },            /* all namespaces but the mount ns */
	{ STEP_FORK, fork_for_pidns },            /* CHILD_PID, read from the host's /proc */
	{ STEP_SETSID, become_init },
	{ STEP_KEYRING, join_session_keyring },
	{ STEP_JOIN_ROOT, join_root },            /* mount ns, then the init's root */
	{ STEP_SETRLIMIT, set_rlimits },
	{ STEP_PERSONALITY, set_personality },
	{ STEP_LSM_LABEL, set_lsm_labels },
	{ STEP_CONSOLE, setup_console },          /* the container's /dev/ptmx */
	{ STEP_CHDIR, enter_cwd },                /* no mkdir: runc's exec fails on a missing cwd */
	{ STEP_EXEC_LOOKUP, set_home },
	{ STEP_EXEC_LOOKUP, lookup_exec },
	{ STEP_SECCOMP, seccomp_early },
	{ STEP_CAPBSET, drop_bounding },
	{ STEP_SETRESUID, switch_user },
	{ STEP_CAPSET, apply_caps },
	{ STEP_NO_NEW_PRIVS, set_umask_nnp },
	{ STEP_CPU_AFFINITY, set_cpu_affinity },  /* execCPUAffinity.final */
	{ STEP_SCHEDULER, set_scheduler },
	{ STEP_IO_PRIORITY, set_io_priority },
	{ STEP_MEMORY_POLICY, set_memory_policy },
	{ STEP_CLOSE_FDS, close_fds },            /* the pidfd and root fd are gone already */
	{ STEP_SECCOMP, seccomp_listener },
	{ STEP_PROTOCOL, sync_ready },
};

static void run_steps(struct init *in, const struct step_entry *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].run(in) < 0)
			fail(s[i].step);
}

static int check_plan(void)
{
	size_t len = 0, cap = 1 << 16;
	uint8_t *buf = malloc(cap);
	ssize_t n;
	struct plan p;

	while (buf && (n = read(0, buf + len, cap - len)) > 0)
		if ((len += n) == cap)
			buf = realloc(buf, cap *= 2);
	if (!buf || n < 0)
		return errf(STEP_DECODE, buf ? errno : ENOMEM, "read stdin");
	if (decode_plan(buf, len, &p) < 0)
		return -1;
	print_plan_json(&p);
	return 0;
}

/* Signal state is inherited through the addon's clone+execveat: all signals
 * blocked (so none hit the vfork window) and SIG_IGN kept for what Node
 * ignores (SIGPIPE). The container must start from defaults. */
static void reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);  /* fails harmlessly for KILL/STOP and RT slots */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int main(int argc, char **argv)
{
	struct init in = { .root_fd = -1, .fifo_fd = -1, .fd_dir = -1, .join_root = -1 };
	uint8_t *plan;
	size_t len;

	if (argc == 2 && strcmp(argv[1], "--check-plan") == 0) {
		if (check_plan() < 0)
			fail(STEP_DECODE);  /* report_sock is -1: goes to stderr */
		return 0;
	}
	if (argc != 2 || (report_sock = atoi(argv[1])) < 3) {
		dprintf(2, "usage: tsrun-init <sockfd> | --check-plan\n");
		return 2;
	}
	reset_signals();
	/* A closed stdio slot would be taken by our first open (say the
	 * rootfs fd) and end up as the container's stdin: fill it first. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return 2;
	/* The addon cleared CLOEXEC so the socket survived its execveat; set
	 * it back so no hook or container process inherits it. */
	fcntl(report_sock, F_SETFD, FD_CLOEXEC);
	/* Die with the parent until it has recorded us (cleared on GO); stay
	 * non-dumpable so the container can't ptrace or read our memory and fds
	 * before execve resets it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0 ||
	    prctl(PR_SET_NAME, "tsrun:[INIT]") < 0) {
		errf(STEP_PRCTL, errno, "prctl");
		fail(STEP_PRCTL);
	}
	in.pdeathsig = true;

	len = recv_msg(MSG_PLAN, &plan);
	if (decode_plan(plan, len, &in.p) < 0)
		fail(STEP_DECODE);
	if (in.p.exec_pidfd >= 0)
		run_steps(&in, exec_steps, sizeof(exec_steps) / sizeof(exec_steps[0]));
	else
		run_steps(&in, create_steps, sizeof(create_steps) / sizeof(create_steps[0]));
	start_container(&in);  /* fifo, startContainer hooks, execve */
}
