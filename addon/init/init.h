/* init.h - the decoded InitPlan (field for field as src/plan/types.ts), the
 * init's run state, and the step functions main.c lists in order. */
#ifndef TSRUN_INIT_H
#define TSRUN_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "protocol.h"

struct opt_num { uint32_t v; bool set; };   /* nullable u32/i32; set=false is null */

struct plan_ns { uint32_t type; char *path; };
struct plan_mount {
	char *source, *destination, *fstype, *data;
	uint32_t flags, attr_set, attr_clr;
	uint32_t *propagation; size_t n_propagation;
	bool file_target;
};
struct plan_idmap { uint32_t mount; char *uid_map, *gid_map, *userns_path; bool recursive; };
struct plan_device { char *path; uint32_t type, major, minor, mode, uid, gid; bool bind; };
struct plan_sysctl { char *key, *value; };
struct plan_rlimit { uint32_t type; uint64_t soft, hard; };
struct plan_sched {
	int32_t policy, nice;
	uint32_t priority;
	uint64_t flags, runtime, deadline, period;
};
struct plan_mempolicy { int32_t mode; uint32_t flags; uint32_t *nodes; size_t n_nodes; };
struct plan_caps { uint64_t bounding, effective, permitted, inheritable, ambient; };
/* String lists are NULL-terminated as well as counted, so args/env go
 * straight to execve. */
struct plan_hook { char *path; char **args; size_t n_args; char **env; size_t n_env; uint32_t timeout; };

struct plan {
	char *id;
	uint32_t clone_flags, unshare_flags;
	struct plan_ns *join_ns; size_t n_join_ns;
	bool fork_for_pidns, userns;
	char **time_offsets; size_t n_time_offsets;

	char *rootfs;
	uint32_t root_propagation, rootfs_propagation;
	bool root_readonly, no_pivot, dev_symlinks;
	struct plan_mount *mounts; size_t n_mounts;
	struct plan_idmap *idmaps; size_t n_idmaps;
	char *joined_uid_map, *joined_gid_map;  /* "" = no check */
	struct plan_device *devices; size_t n_devices;
	char **masked_paths; size_t n_masked_paths;
	char **readonly_paths; size_t n_readonly_paths;
	char *fifo_path, *mount_label;

	char *hostname, *domainname;            /* NULL = leave as is */
	struct plan_sysctl *sysctls; size_t n_sysctls;
	struct plan_rlimit *rlimits; size_t n_rlimits;
	struct opt_num oom_score_adj;           /* i32 */

	char **args; size_t n_args;
	char **env; size_t n_env;
	char *cwd;
	uint32_t uid, gid;
	uint32_t *additional_gids; size_t n_additional_gids;
	struct opt_num umask;
	struct plan_caps caps;
	bool no_new_privileges, terminal, new_keyring;
	bool sync_runtime;  /* the parent has work at sync 3: hooks, netDevices */
	uint32_t console_width, console_height, preserve_fds, seccomp_flags;
	int32_t console_socket_fd, personality;
	uint8_t *seccomp_bpf; size_t n_seccomp_bpf;
	char *apparmor_profile, *selinux_label;
	int32_t io_priority;                    /* -1 = leave */
	struct plan_sched scheduler;
	struct plan_mempolicy memory_policy;
	uint32_t *cpu_affinity; size_t n_cpu_affinity;
	bool keep_cpu_affinity;
	uint32_t *cgroup_fds; size_t n_cgroup_fds;

	struct plan_hook *create_hooks; size_t n_create_hooks;
	struct plan_hook *start_hooks; size_t n_start_hooks;

	int32_t exec_pidfd;                     /* -1: create, not exec */
	uint32_t exec_pid, exec_ns;
};

/* Everything the steps share besides the plan. Fds are O_CLOEXEC and -1 when
 * not open; close_fds() keeps only report_sock and fifo_fd past the preserved fds. */
struct init {
	struct plan p;
	int root_fd;         /* O_PATH of the bind-mounted rootfs until pivot */
	int fifo_fd;         /* O_PATH of the exec fifo (host path, opened before pivot) */
	int fd_dir;          /* the host's /proc/self/fd, kept only without a mount ns of
			      * our own: the chroot has no /proc to reopen the fifo through */
	int *ro_fds; size_t n_ro_fds;  /* mounts made ro only after /dev is populated */
	int *idmap_fds;      /* per plan mount: its detached idmapped tree, or -1 */
	bool mntns;          /* we own a mount namespace: safe to touch "/" */
	bool pdeathsig;      /* PR_SET_PDEATHSIG is ours to restore after setresuid */
	bool seccomp_done;   /* the filter is in force: install it once */
	char *state; size_t n_state;   /* container state JSON for in-container hooks */
	char *exec_path;     /* args[0] resolved in the container's PATH */
	int join_root;       /* exec: O_PATH of the container's root, until chroot */
};

/* report.c: messages and the single failure path. Steps return 0 or the
 * -errno from errf(), which records (step, errno, detail) for fail(). */
int errf(int step, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void fail(int fallback_step) __attribute__((noreturn));
extern int report_sock;   /* the parent's socket; -1 once GO closed it */
void send_msg(uint32_t type, const void *payload, size_t len);
void send_fd(uint32_t type, int fd);
size_t recv_msg(uint32_t want, uint8_t **payload);
void report_to_stderr(void);
const char *errno_name(int err);

/* decode.c */
int decode_plan(const uint8_t *buf, size_t len, struct plan *p);
void print_plan_json(const struct plan *p);

/* the steps, in main.c's order */
int join_cgroups(struct init *in);
int set_oom_score_adj(struct init *in);
int prepare_idmapped_mounts(struct init *in);
int check_joined_maps(const struct plan *p, const char *path);  /* idmap.c */
int join_namespaces(struct init *in);
int unshare_namespaces(struct init *in);
int fork_for_pidns(struct init *in);
int become_init(struct init *in);
int prepare_rootfs(struct init *in);
int mount_all(struct init *in);
int create_devices(struct init *in);
int open_fifo(struct init *in);
int sync_hooks(struct init *in);
int run_create_hooks(struct init *in);
int jail(struct init *in);
int finish_mounts(struct init *in);
int set_uts(struct init *in);
int write_sysctls(struct init *in);
int readonly_paths(struct init *in);
int mask_paths(struct init *in);
int set_rlimits(struct init *in);
int set_personality(struct init *in);
int set_cpu_affinity(struct init *in);
int set_scheduler(struct init *in);
int set_io_priority(struct init *in);
int set_memory_policy(struct init *in);
int set_lsm_labels(struct init *in);
int setup_console(struct init *in);
int make_cwd(struct init *in);
int enter_cwd(struct init *in);
int set_home(struct init *in);
int join_session_keyring(struct init *in);
int lookup_exec(struct init *in);
int seccomp_early(struct init *in);
int drop_bounding(struct init *in);
int switch_user(struct init *in);
int apply_caps(struct init *in);
int set_umask_nnp(struct init *in);
int seccomp_listener(struct init *in);
int seccomp_late(struct init *in);
int close_fds(struct init *in);
int sync_ready(struct init *in);
int join_container(struct init *in);   /* join.c, exec only */
int join_root(struct init *in);
void start_container(struct init *in) __attribute__((noreturn));

/* helpers shared between files (mounts.c unless noted) */
/* How open_in_root treats a missing path: fail, create directories, or
 * directories then an empty file (bind of a file); NO_SYMLINKS refuses any
 * symlink on the way (procfs, sysfs). */
enum { CREATE_DIRS = 1, CREATE_FILE = 2, NO_SYMLINKS = 4 };
int open_in_root(int root_fd, const char *path, int how, int step);
int bind_onto(const char *src, int src_dirfd, int dst_fd, int recursive);
int new_fs(const char *fstype, const char *source, uint32_t flags, const char *data,
	   const char *label, int mode, const char *dest);
int mnt_setattr(int fd, unsigned flags, uint64_t set, uint64_t clr, uint64_t propagation);
int run_hook(const struct plan_hook *h, const char *state, size_t n, int step, size_t idx);
int write_file_at(int dirfd, const char *path, const char *data, size_t len);  /* sys.c */

#endif
