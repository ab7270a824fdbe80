/* protocol.h - the wire contract between tsrun (src/plan/protocol.ts) and
 * tsrun-init. Every number here has a twin in protocol.ts; the drift test
 * (test/unit/plan/protocol.test.ts) encodes a plan in TS, decodes it with
 * `tsrun-init --check-plan` and compares, so a change on one side only fails.
 *
 * Transport: SOCK_SEQPACKET socketpair, one message = u32 LE type + payload.
 * Every request has exactly one reply; the init never sends unprompted except
 * ERROR, after which it exits 1.
 *
 *   parent -> init                      init -> parent
 *   PLAN(1) encoded InitPlan  ->
 *                                   <-  USERNS_MAP_PLEASE(2)  unshared CLONE_NEWUSER,
 *                                       write /proc/<pid>/{setgroups,uid_map,gid_map}
 *   USERNS_MAP_DONE(3)        ->
 *                                   <-  CHILD_PID(4) u32 pid  sent by the process forked into
 *                                       the pid ns (pid as the parent sees it); the
 *                                       intermediate has exited 0 already
 *                                   <-  HOOKS_PLEASE(5)       mounts done, before pivot:
 *                                       run prestart + createRuntime hooks (only sent
 *                                       when the plan has syncRuntime or createContainer hooks)
 *   HOOKS_DONE(6) state JSON  ->        (stdin of createContainer/startContainer hooks)
 *                                   <-  SECCOMP_FD(30) [fd]   the filter's notify listener
 *                                       (SCM_RIGHTS), right after installing a filter
 *                                       with a SCMP_ACT_NOTIFY rule; no reply: the
 *                                       parent hands it to linux.seccomp.listenerPath
 *                                       before it reads READY, so a notified syscall
 *                                       of ours only waits for the listener
 *                                   <-  READY(7)              about to wait on the fifo
 *   GO(8) [state JSON]        ->        created recorded; a non-empty payload replaces
 *                                       the state given to startContainer hooks
 *                                   <-  ERROR(9) u32 step, i32 errno, detail (UTF-8)
 *
 * exec (a plan with execPidfd >= 0) is the same conversation without the
 * user-ns and hooks rounds: PLAN -> [CHILD_PID] -> READY -> GO. After GO the
 * init keeps its end open (close-on-exec): EOF tells the parent execve
 * succeeded, an ERROR that it did not.
 */
#ifndef TSRUN_PROTOCOL_H
#define TSRUN_PROTOCOL_H

enum msg_type {
	MSG_PLAN = 1,
	MSG_USERNS_MAP_PLEASE = 2,
	MSG_USERNS_MAP_DONE = 3,
	MSG_CHILD_PID = 4,
	MSG_HOOKS_PLEASE = 5,
	MSG_HOOKS_DONE = 6,
	MSG_READY = 7,
	MSG_GO = 8,
	MSG_ERROR = 9,
	MSG_SECCOMP_FD = 30,
};

/* Plan encoding: records `u32 tag, u32 len, payload`, little endian, no
 * padding. Scalars have fixed lengths (u32/i32/bool: 4, u64: 8); strings are
 * raw UTF-8 without NUL; a list is its tag repeated; a structured item is a
 * record whose payload is itself a record sequence in the item's own tag
 * space. An absent nullable field means null. Unknown or duplicated tags are
 * errors: a silently ignored field is exactly the drift we want to catch. */
/* Kinds: s = string, u = u32, i = i32, q = u64, b = bool (u32 0/1),
 * B = bytes, [x] = list (tag repeated), {X_} = record with X_ tags,
 * ? = nullable (absent = null). Names are InitPlan's (src/plan/types.ts). */
enum plan_tag {
	T_ID = 1 /* s */, T_CLONE_FLAGS = 2 /* u */, T_JOIN_NS = 3 /* [{NS_}] */,
	T_UNSHARE_FLAGS = 4 /* u */, T_FORK_FOR_PIDNS = 5 /* b */, T_TIME_OFFSET = 6 /* [s] */,
	T_USERNS = 7 /* b */, T_ROOTFS = 8 /* s */, T_ROOT_PROPAGATION = 9 /* u */,
	T_ROOTFS_PROPAGATION = 10 /* u */, T_ROOT_READONLY = 11 /* b */, T_NO_PIVOT = 12 /* b */,
	T_MOUNT = 13 /* [{M_}] */, T_DEVICE = 14 /* [{D_}] */, T_DEV_SYMLINKS = 15 /* b */,
	T_MASKED_PATH = 16 /* [s] */, T_READONLY_PATH = 17 /* [s] */, T_FIFO_PATH = 18 /* s */,
	T_MOUNT_LABEL = 19 /* s */, T_HOSTNAME = 20 /* s? */, T_DOMAINNAME = 21 /* s? */,
	T_SYSCTL = 22 /* [{S_}] */, T_RLIMIT = 23 /* [{R_}] */, T_OOM_SCORE_ADJ = 24 /* i? */,
	T_ARG = 25 /* [s] */, T_ENV = 26 /* [s] */, T_CWD = 27 /* s */, T_UID = 28 /* u */,
	T_GID = 29 /* u */, T_ADDITIONAL_GID = 30 /* [u] */, T_UMASK = 31 /* u? */,
	T_CAPS = 32 /* {C_} */, T_NO_NEW_PRIVILEGES = 33 /* b */, T_TERMINAL = 34 /* b */,
	T_CONSOLE_WIDTH = 35 /* u */, T_CONSOLE_HEIGHT = 36 /* u */, T_CONSOLE_SOCKET_FD = 37 /* i */,
	T_PRESERVE_FDS = 38 /* u */, T_SECCOMP_BPF = 39 /* B */, T_SECCOMP_FLAGS = 40 /* u */,
	T_APPARMOR_PROFILE = 41 /* s */, T_SELINUX_LABEL = 42 /* s */, T_PERSONALITY = 43 /* i */,
	T_CREATE_CONTAINER_HOOK = 44 /* [{H_}] */, T_START_CONTAINER_HOOK = 45 /* [{H_}] */,
	T_NEW_KEYRING = 46 /* b */,
	/* 150-179: process scheduling and memory placement */
	T_IO_PRIORITY = 150 /* i, -1 = leave */, T_SCHEDULER = 151 /* {SC_} */,
	T_MEMORY_POLICY = 152 /* {MP_} */,
	/* The process's CPUs once in its cgroup: these, or with none listed,
	 * every CPU (reset) unless T_KEEP_CPU_AFFINITY (exec's initial only). */
	T_CPU_AFFINITY = 153 /* [u] */, T_KEEP_CPU_AFFINITY = 154 /* b */,
	/* exec: join the running container behind this inherited pidfd (-1 =
	 * create a container), whose host pid is T_EXEC_PID, entering the
	 * namespaces in T_EXEC_NS (CLONE_NEW* flags that differ from ours). */
	T_EXEC_PIDFD = 60 /* i */, T_EXEC_PID = 61 /* u */, T_EXEC_NS = 62 /* u */,
	/* 120-149: user namespaces and idmapped mounts */
	T_IDMAP = 120 /* [{I_}] */, T_JOINED_UID_MAP = 121, T_JOINED_GID_MAP = 122 /* s */,
	/* v1 `tasks` files, opened by the parent, that the init joins by writing
	 * "0" (moving only itself skips the kernel's global threadgroup lock) */
	T_CGROUP_FD = 230 /* [u] */,
	T_SYNC_RUNTIME = 190 /* b: the parent has work at sync 3 (prestart/createRuntime hooks, netDevices) */,
};
enum ns_tag { NS_TYPE = 1 /* u */, NS_PATH = 2 /* s */ };
enum mount_tag {
	M_SOURCE = 1 /* s */, M_DESTINATION = 2 /* s */, M_FSTYPE = 3 /* s */, M_FLAGS = 4 /* u */,
	M_PROPAGATION = 5 /* [u] */, M_DATA = 6 /* s */, M_ATTR_SET = 7 /* u */, M_ATTR_CLR = 8 /* u */,
	M_FILE_TARGET = 9 /* b */,
};
enum device_tag {
	D_PATH = 1 /* s */, D_TYPE = 2, D_MAJOR = 3, D_MINOR = 4, D_MODE = 5, D_UID = 6,
	D_GID = 7 /* 2..7: u */, D_BIND = 8 /* b */,
};
/* An idmapped bind mount: which plan mount, and the user namespace whose
 * mapping it gets (maps to write into a throwaway one, or a path). */
enum idmap_tag {
	I_MOUNT = 1 /* u */, I_UID_MAP = 2, I_GID_MAP = 3, I_USERNS_PATH = 4 /* s */, I_RECURSIVE = 5 /* b */,
};
enum sysctl_tag { S_KEY = 1, S_VALUE = 2 /* s */ };
enum rlimit_tag { R_TYPE = 1 /* u */, R_SOFT = 2, R_HARD = 3 /* q */ };
enum caps_tag { C_BOUNDING = 1, C_EFFECTIVE = 2, C_PERMITTED = 3, C_INHERITABLE = 4, C_AMBIENT = 5 /* q */ };
/* sched_setattr(2) fields; policy -1 = leave. */
enum sched_tag {
	SC_POLICY = 1 /* i */, SC_FLAGS = 2 /* q */, SC_NICE = 3 /* i */, SC_PRIORITY = 4 /* u */,
	SC_RUNTIME = 5, SC_DEADLINE = 6, SC_PERIOD = 7 /* q, ns */,
};
/* set_mempolicy(2); mode -1 = leave, nodes are node numbers. */
enum mempolicy_tag { MP_MODE = 1 /* i */, MP_FLAGS = 2 /* u */, MP_NODE = 3 /* [u] */ };
enum hook_tag { H_PATH = 1 /* s */, H_ARG = 2, H_ENV = 3 /* [s] */, H_TIMEOUT = 4 /* u, seconds */ };

/* What failed, for ERROR reports. The TS side names each value and renders
 * "<name> <detail>: <strerror(errno)>"; errno 0 means the detail says it all
 * (a hook's exit status). EXEC_LOOKUP and EXEC_STAT details are runc's whole
 * phrase ("exec: \"x\": executable file not found in $PATH"). Append only. */
enum step {
	STEP_PROTOCOL = 1 /* socket I/O, unexpected message */, STEP_DECODE = 2 /* bad plan */,
	STEP_PRCTL = 3, STEP_SETNS = 4, STEP_UNSHARE = 5, STEP_TIMENS = 6, STEP_FORK = 7,
	STEP_SETSID = 8, STEP_BECOME_ROOT = 9 /* setresuid/gid(0) in the new user ns */,
	STEP_ROOT_PROPAGATION = 10, STEP_BIND_ROOTFS = 11,
	STEP_MKDIR = 12 /* creating a mountpoint or a device's directory */,
	STEP_MOUNT = 13, STEP_REMOUNT = 14 /* bind mount flags */, STEP_MOUNT_PROPAGATION = 15,
	STEP_MOUNT_SETATTR = 16 /* attrSet/attrClr */, STEP_DEVICE = 17, STEP_SYMLINK = 18,
	STEP_OPEN_FIFO = 19, STEP_CREATE_HOOK = 20, STEP_PIVOT_ROOT = 21, STEP_ROOTFS_PROPAGATION = 22,
	STEP_READONLY_MOUNTS = 23 /* delayed ro of tmpfs and /dev */, STEP_ROOT_READONLY = 24,
	STEP_SETHOSTNAME = 25, STEP_SETDOMAINNAME = 26, STEP_SYSCTL = 27, STEP_READONLY_PATH = 28,
	STEP_MASK_PATH = 29, STEP_SETRLIMIT = 30, STEP_OOM_SCORE_ADJ = 31, STEP_PERSONALITY = 32,
	STEP_LSM_LABEL = 33 /* apparmor profile, selinux exec label */, STEP_CONSOLE = 34,
	STEP_CHDIR = 35, STEP_EXEC_LOOKUP = 36 /* not found in $PATH */,
	STEP_EXEC_STAT = 37 /* args[0] with a slash: stat or permission */,
	STEP_SETGROUPS = 38, STEP_SETRESGID = 39, STEP_SETRESUID = 40, STEP_CAPBSET = 41,
	STEP_CAPSET = 42, STEP_AMBIENT = 43, STEP_NO_NEW_PRIVS = 44, STEP_SECCOMP = 45,
	STEP_CLOSE_FDS = 46,
	/* after GO the socket is closed: these reach stderr only */
	STEP_EXEC_FIFO = 47, STEP_START_HOOK = 48, STEP_EXEC = 49, STEP_KEYRING = 50,
	STEP_IO_PRIORITY = 150, STEP_SCHEDULER = 151, STEP_MEMORY_POLICY = 152, STEP_CPU_AFFINITY = 153,
	STEP_CGROUP = 230 /* joining the cgroup's v1 hierarchies */,
	/* exec: joining the running container */
	STEP_JOIN = 60 /* setns by pidfd */, STEP_JOIN_ROOT = 61 /* its mount ns and root */,
	STEP_IDMAP = 120 /* making an idmapped mount, while still root on the host */,
	STEP_USERNS_MAPS = 121 /* a joined user namespace's maps differ from the config's */,
};

#endif
