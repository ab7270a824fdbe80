/* decode.c - all parsing of the plan happens here, so steps only act.
 * One table per struct names each field's tag, kind, JSON name and place;
 * the decoder and the --check-plan printer both walk it, which means the
 * drift test checks the very table the init runs on. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "init.h"

enum kind { K_U32, K_I32, K_U64, K_BOOL, K_STR, K_OPT_STR, K_OPT_U32, K_OPT_I32,
	    K_BYTES, K_STR_LIST, K_U32_LIST, K_REC, K_REC_LIST };

struct schema;
struct field {
	uint32_t tag;
	uint8_t kind;
	const char *name;                 /* InitPlan's field name */
	size_t off, cnt;                  /* value; element count for lists/bytes */
	const struct schema *sub;         /* K_REC, K_REC_LIST */
};
struct schema { const struct field *f; size_t n, size; };

#define F(S, tag, kind, name, m) { tag, kind, name, offsetof(struct S, m), 0, NULL }
#define L(S, tag, kind, name, m) { tag, kind, name, offsetof(struct S, m), offsetof(struct S, n_##m), NULL }
#define R(S, tag, kind, name, m, sub) { tag, kind, name, offsetof(struct S, m), offsetof(struct S, n_##m), &sub }
#define SCHEMA(S, tbl) { tbl, sizeof(tbl) / sizeof(tbl[0]), sizeof(struct S) }

static const struct field ns_f[] = {
	F(plan_ns, NS_TYPE, K_U32, "type", type), F(plan_ns, NS_PATH, K_STR, "path", path),
};
static const struct field mount_f[] = {
	F(plan_mount, M_SOURCE, K_STR, "source", source),
	F(plan_mount, M_DESTINATION, K_STR, "destination", destination),
	F(plan_mount, M_FSTYPE, K_STR, "fstype", fstype), F(plan_mount, M_FLAGS, K_U32, "flags", flags),
	L(plan_mount, M_PROPAGATION, K_U32_LIST, "propagation", propagation),
	F(plan_mount, M_DATA, K_STR, "data", data), F(plan_mount, M_ATTR_SET, K_U32, "attrSet", attr_set),
	F(plan_mount, M_ATTR_CLR, K_U32, "attrClr", attr_clr),
	F(plan_mount, M_FILE_TARGET, K_BOOL, "fileTarget", file_target),
};
static const struct field device_f[] = {
	F(plan_device, D_PATH, K_STR, "path", path), F(plan_device, D_TYPE, K_U32, "type", type),
	F(plan_device, D_MAJOR, K_U32, "major", major), F(plan_device, D_MINOR, K_U32, "minor", minor),
	F(plan_device, D_MODE, K_U32, "mode", mode), F(plan_device, D_UID, K_U32, "uid", uid),
	F(plan_device, D_GID, K_U32, "gid", gid), F(plan_device, D_BIND, K_BOOL, "bind", bind),
};
static const struct field idmap_f[] = {
	F(plan_idmap, I_MOUNT, K_U32, "mount", mount), F(plan_idmap, I_UID_MAP, K_STR, "uidMap", uid_map),
	F(plan_idmap, I_GID_MAP, K_STR, "gidMap", gid_map),
	F(plan_idmap, I_USERNS_PATH, K_STR, "usernsPath", userns_path),
	F(plan_idmap, I_RECURSIVE, K_BOOL, "recursive", recursive),
};
static const struct field sysctl_f[] = {
	F(plan_sysctl, S_KEY, K_STR, "key", key), F(plan_sysctl, S_VALUE, K_STR, "value", value),
};
static const struct field rlimit_f[] = {
	F(plan_rlimit, R_TYPE, K_U32, "type", type), F(plan_rlimit, R_SOFT, K_U64, "soft", soft),
	F(plan_rlimit, R_HARD, K_U64, "hard", hard),
};
static const struct field caps_f[] = {
	F(plan_caps, C_BOUNDING, K_U64, "bounding", bounding),
	F(plan_caps, C_EFFECTIVE, K_U64, "effective", effective),
	F(plan_caps, C_PERMITTED, K_U64, "permitted", permitted),
	F(plan_caps, C_INHERITABLE, K_U64, "inheritable", inheritable),
	F(plan_caps, C_AMBIENT, K_U64, "ambient", ambient),
};
static const struct field sched_f[] = {
	F(plan_sched, SC_POLICY, K_I32, "policy", policy), F(plan_sched, SC_FLAGS, K_U64, "flags", flags),
	F(plan_sched, SC_NICE, K_I32, "nice", nice), F(plan_sched, SC_PRIORITY, K_U32, "priority", priority),
	F(plan_sched, SC_RUNTIME, K_U64, "runtime", runtime),
	F(plan_sched, SC_DEADLINE, K_U64, "deadline", deadline),
	F(plan_sched, SC_PERIOD, K_U64, "period", period),
};
static const struct field mempolicy_f[] = {
	F(plan_mempolicy, MP_MODE, K_I32, "mode", mode), F(plan_mempolicy, MP_FLAGS, K_U32, "flags", flags),
	L(plan_mempolicy, MP_NODE, K_U32_LIST, "nodes", nodes),
};
static const struct field hook_f[] = {
	F(plan_hook, H_PATH, K_STR, "path", path), L(plan_hook, H_ARG, K_STR_LIST, "args", args),
	L(plan_hook, H_ENV, K_STR_LIST, "env", env), F(plan_hook, H_TIMEOUT, K_U32, "timeout", timeout),
};
static const struct schema ns_s = SCHEMA(plan_ns, ns_f), mount_s = SCHEMA(plan_mount, mount_f),
	device_s = SCHEMA(plan_device, device_f), sysctl_s = SCHEMA(plan_sysctl, sysctl_f),
	rlimit_s = SCHEMA(plan_rlimit, rlimit_f), caps_s = SCHEMA(plan_caps, caps_f),
	hook_s = SCHEMA(plan_hook, hook_f), sched_s = SCHEMA(plan_sched, sched_f),
	mempolicy_s = SCHEMA(plan_mempolicy, mempolicy_f), idmap_s = SCHEMA(plan_idmap, idmap_f);

static const struct field plan_f[] = {
	F(plan, T_ID, K_STR, "id", id),
	F(plan, T_CLONE_FLAGS, K_U32, "cloneFlags", clone_flags),
	R(plan, T_JOIN_NS, K_REC_LIST, "joinNamespaces", join_ns, ns_s),
	F(plan, T_UNSHARE_FLAGS, K_U32, "unshareFlags", unshare_flags),
	F(plan, T_FORK_FOR_PIDNS, K_BOOL, "forkForPidns", fork_for_pidns),
	L(plan, T_TIME_OFFSET, K_STR_LIST, "timeOffsets", time_offsets),
	F(plan, T_USERNS, K_BOOL, "userns", userns),
	F(plan, T_ROOTFS, K_STR, "rootfs", rootfs),
	F(plan, T_ROOT_PROPAGATION, K_U32, "rootPropagation", root_propagation),
	F(plan, T_ROOTFS_PROPAGATION, K_U32, "rootfsPropagation", rootfs_propagation),
	F(plan, T_ROOT_READONLY, K_BOOL, "rootReadonly", root_readonly),
	F(plan, T_NO_PIVOT, K_BOOL, "noPivot", no_pivot),
	R(plan, T_MOUNT, K_REC_LIST, "mounts", mounts, mount_s),
	R(plan, T_DEVICE, K_REC_LIST, "devices", devices, device_s),
	F(plan, T_DEV_SYMLINKS, K_BOOL, "devSymlinks", dev_symlinks),
	L(plan, T_MASKED_PATH, K_STR_LIST, "maskedPaths", masked_paths),
	L(plan, T_READONLY_PATH, K_STR_LIST, "readonlyPaths", readonly_paths),
	F(plan, T_FIFO_PATH, K_STR, "fifoPath", fifo_path),
	F(plan, T_MOUNT_LABEL, K_STR, "mountLabel", mount_label),
	F(plan, T_HOSTNAME, K_OPT_STR, "hostname", hostname),
	F(plan, T_DOMAINNAME, K_OPT_STR, "domainname", domainname),
	R(plan, T_SYSCTL, K_REC_LIST, "sysctls", sysctls, sysctl_s),
	R(plan, T_RLIMIT, K_REC_LIST, "rlimits", rlimits, rlimit_s),
	F(plan, T_OOM_SCORE_ADJ, K_OPT_I32, "oomScoreAdj", oom_score_adj),
	L(plan, T_ARG, K_STR_LIST, "args", args),
	L(plan, T_ENV, K_STR_LIST, "env", env),
	F(plan, T_CWD, K_STR, "cwd", cwd),
	F(plan, T_UID, K_U32, "uid", uid),
	F(plan, T_GID, K_U32, "gid", gid),
	L(plan, T_ADDITIONAL_GID, K_U32_LIST, "additionalGids", additional_gids),
	F(plan, T_UMASK, K_OPT_U32, "umask", umask),
	{ T_CAPS, K_REC, "caps", offsetof(struct plan, caps), 0, &caps_s },
	F(plan, T_NO_NEW_PRIVILEGES, K_BOOL, "noNewPrivileges", no_new_privileges),
	F(plan, T_TERMINAL, K_BOOL, "terminal", terminal),
	F(plan, T_CONSOLE_WIDTH, K_U32, "consoleWidth", console_width),
	F(plan, T_CONSOLE_HEIGHT, K_U32, "consoleHeight", console_height),
	F(plan, T_CONSOLE_SOCKET_FD, K_I32, "consoleSocketFd", console_socket_fd),
	F(plan, T_PRESERVE_FDS, K_U32, "preserveFds", preserve_fds),
	L(plan, T_SECCOMP_BPF, K_BYTES, "seccompBpf", seccomp_bpf),
	F(plan, T_SECCOMP_FLAGS, K_U32, "seccompFlags", seccomp_flags),
	F(plan, T_APPARMOR_PROFILE, K_STR, "apparmorProfile", apparmor_profile),
	F(plan, T_SELINUX_LABEL, K_STR, "selinuxLabel", selinux_label),
	F(plan, T_PERSONALITY, K_I32, "personality", personality),
	R(plan, T_CREATE_CONTAINER_HOOK, K_REC_LIST, "createContainerHooks", create_hooks, hook_s),
	R(plan, T_START_CONTAINER_HOOK, K_REC_LIST, "startContainerHooks", start_hooks, hook_s),
	F(plan, T_NEW_KEYRING, K_BOOL, "newKeyring", new_keyring),
	F(plan, T_IO_PRIORITY, K_I32, "ioPriority", io_priority),
	{ T_SCHEDULER, K_REC, "scheduler", offsetof(struct plan, scheduler), 0, &sched_s },
	{ T_MEMORY_POLICY, K_REC, "memoryPolicy", offsetof(struct plan, memory_policy), 0, &mempolicy_s },
	L(plan, T_CPU_AFFINITY, K_U32_LIST, "cpuAffinity", cpu_affinity),
	F(plan, T_KEEP_CPU_AFFINITY, K_BOOL, "keepCpuAffinity", keep_cpu_affinity),
	F(plan, T_EXEC_PIDFD, K_I32, "execPidfd", exec_pidfd),
	F(plan, T_EXEC_PID, K_U32, "execPid", exec_pid),
	F(plan, T_EXEC_NS, K_U32, "execNs", exec_ns),
	R(plan, T_IDMAP, K_REC_LIST, "idmaps", idmaps, idmap_s),
	F(plan, T_JOINED_UID_MAP, K_STR, "joinedUidMap", joined_uid_map),
	F(plan, T_JOINED_GID_MAP, K_STR, "joinedGidMap", joined_gid_map),
	L(plan, T_CGROUP_FD, K_U32_LIST, "cgroupFds", cgroup_fds),
	F(plan, T_SYNC_RUNTIME, K_BOOL, "syncRuntime", sync_runtime),
};
static const struct schema plan_s = SCHEMA(plan, plan_f);

/* Scalars have one valid length; anything else is a writer on the other
 * side that disagrees with us about a kind, which is drift, not data. */
static const size_t fixed_len[K_REC_LIST + 1] = { [K_U32] = 4, [K_I32] = 4, [K_U64] = 8, [K_BOOL] = 4,
				    [K_OPT_U32] = 4, [K_OPT_I32] = 4, [K_U32_LIST] = 4 };

/* Appends one zeroed element to a counted array; a NUL-terminated char **
 * gets room for its terminator too. */
static void *append(void *base, size_t off, size_t cnt, size_t elem, size_t extra)
{
	void **arr = (void **)((char *)base + off);
	size_t *n = (size_t *)((char *)base + cnt);
	char *a = realloc(*arr, (*n + 1 + extra) * elem);

	if (!a)
		return NULL;
	memset(a + *n * elem, 0, (1 + extra) * elem);
	*arr = a;
	return a + (*n)++ * elem;
}

static int decode_value(const struct field *f, const uint8_t *v, uint32_t len, void *base);

/* One record sequence into one struct. Every length is checked against
 * what is left before it is used: the plan comes from our own parent, but a
 * bounds bug here would still be a memory bug in a root process. */
static int decode_seq(const struct schema *s, const uint8_t *buf, size_t len, void *base)
{
	uint64_t seen[4] = { 0 };  /* tags are < 256 (protocol.h); lists may repeat */

	while (len > 0) {
		uint32_t tag, n;
		const struct field *f = NULL;

		if (len < 8)
			return errf(STEP_DECODE, EINVAL, "truncated record header");
		memcpy(&tag, buf, 4);
		memcpy(&n, buf + 4, 4);
		if (n > len - 8)
			return errf(STEP_DECODE, EINVAL, "tag %u: length %u beyond the end", tag, n);
		for (size_t i = 0; i < s->n && !f; i++)
			if (s->f[i].tag == tag)
				f = &s->f[i];
		if (!f)
			return errf(STEP_DECODE, EINVAL, "unknown tag %u", tag);
		bool list = f->kind == K_STR_LIST || f->kind == K_U32_LIST || f->kind == K_REC_LIST;
		if (tag >= 256)
			return errf(STEP_DECODE, EINVAL, "%s: tag %u out of range", f->name, tag);
		if (!list && (seen[tag / 64] >> (tag % 64) & 1))
			return errf(STEP_DECODE, EINVAL, "%s: duplicate tag %u", f->name, tag);
		seen[tag / 64] |= 1ULL << (tag % 64);
		if (fixed_len[f->kind] && n != fixed_len[f->kind])
			return errf(STEP_DECODE, EINVAL, "%s: bad length %u", f->name, n);
		int r = decode_value(f, buf + 8, n, base);
		if (r < 0)
			return r;
		buf += 8 + n;
		len -= 8 + n;
	}
	/* Absent strings read as "" so steps never see NULL where the TS type
	 * has a string; only the nullable ones (K_OPT_STR) stay NULL. */
	for (size_t i = 0; i < s->n; i++) {
		char **str = (char **)((char *)base + s->f[i].off);
		if (s->f[i].kind == K_STR && !*str)
			*str = "";
	}
	return 0;
}

/* Copied out and NUL-terminated: on the wire a string runs straight into
 * the next record. */
static char *dup_str(const uint8_t *v, uint32_t len)
{
	char *s;

	if (memchr(v, 0, len))
		return NULL;  /* a C string cannot carry NUL: refuse, don't truncate */
	if ((s = malloc(len + 1)))
		memcpy(s, v, len), s[len] = 0;
	return s;
}

static int decode_value(const struct field *f, const uint8_t *v, uint32_t len, void *base)
{
	void *dst = (char *)base + f->off;
	uint32_t u32 = 0;
	void *el;

	/* memcpy, not a cast: records are packed, so v is unaligned. The wire
	 * is little endian like every target we build for. */
	if (len == 4)
		memcpy(&u32, v, 4);
	switch (f->kind) {
	case K_U32: case K_I32:  /* same bits; the printer picks the sign */
		*(uint32_t *)dst = u32;
		return 0;
	case K_BOOL:
		if (u32 > 1)
			return errf(STEP_DECODE, EINVAL, "%s: bad bool %u", f->name, u32);
		*(bool *)dst = u32;
		return 0;
	case K_OPT_U32: case K_OPT_I32:
		*(struct opt_num *)dst = (struct opt_num){ u32, true };
		return 0;
	case K_U64:
		memcpy(dst, v, 8);
		return 0;
	case K_STR: case K_OPT_STR:
		if (!(*(char **)dst = dup_str(v, len)))
			return errf(STEP_DECODE, EINVAL, "%s: NUL in string", f->name);
		return 0;
	case K_BYTES:
		if (!(*(uint8_t **)dst = malloc(len + 1)))
			return errf(STEP_DECODE, ENOMEM, "%s", f->name);
		memcpy(*(uint8_t **)dst, v, len);
		*(size_t *)((char *)base + f->cnt) = len;
		return 0;
	case K_U32_LIST:
		if (!(el = append(base, f->off, f->cnt, 4, 0)))
			return errf(STEP_DECODE, ENOMEM, "%s", f->name);
		memcpy(el, &u32, 4);
		return 0;
	case K_STR_LIST:  /* kept NULL-terminated: args/env go to execve as is */
		if (!(el = append(base, f->off, f->cnt, sizeof(char *), 1)))
			return errf(STEP_DECODE, ENOMEM, "%s", f->name);
		if (!(*(char **)el = dup_str(v, len)))
			return errf(STEP_DECODE, EINVAL, "%s: NUL in string", f->name);
		return 0;
	case K_REC:
		return decode_seq(f->sub, v, len, dst);
	default: /* K_REC_LIST */
		if (!(el = append(base, f->off, f->cnt, f->sub->size, 0)))
			return errf(STEP_DECODE, ENOMEM, "%s", f->name);
		return decode_seq(f->sub, v, len, el);
	}
}

int decode_plan(const uint8_t *buf, size_t len, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	p->console_socket_fd = -1;  /* the TS defaults for "none" */
	p->personality = -1;
	p->io_priority = -1;
	p->scheduler.policy = -1;
	p->memory_policy.mode = -1;
	p->exec_pidfd = -1;
	return decode_seq(&plan_s, buf, len, p);
}

/* --check-plan output: JSON with InitPlan's names; bigints as decimal
 * strings and bytes as hex, the two forms JSON can carry exactly. */
/* Escapes only what JSON requires; UTF-8 passes through unchanged. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_obj(const struct schema *s, const void *base);

/* One value in the shape protocol.test.ts expects (its asJson()). */
static void json_value(const struct field *f, const void *base)
{
	const void *v = (const char *)base + f->off;
	size_t n = f->cnt ? *(const size_t *)((const char *)base + f->cnt) : 0;
	const struct opt_num *o = v;

	switch (f->kind) {
	case K_U32: printf("%" PRIu32, *(const uint32_t *)v); break;
	case K_I32: printf("%" PRId32, *(const int32_t *)v); break;
	case K_U64: printf("\"%" PRIu64 "\"", *(const uint64_t *)v); break;
	case K_BOOL: fputs(*(const bool *)v ? "true" : "false", stdout); break;
	case K_STR: json_str(*(char *const *)v); break;
	case K_OPT_STR: *(char *const *)v ? json_str(*(char *const *)v) : (void)fputs("null", stdout); break;
	case K_OPT_U32: o->set ? printf("%" PRIu32, o->v) : fputs("null", stdout); break;
	case K_OPT_I32: o->set ? printf("%" PRId32, (int32_t)o->v) : fputs("null", stdout); break;
	case K_REC: json_obj(f->sub, v); break;
	case K_BYTES:
		putchar('"');
		for (size_t i = 0; i < n; i++)
			printf("%02x", (*(uint8_t *const *)v)[i]);
		putchar('"');
		break;
	default: /* lists */
		putchar('[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				putchar(',');
			if (f->kind == K_U32_LIST)
				printf("%" PRIu32, (*(uint32_t *const *)v)[i]);
			else if (f->kind == K_STR_LIST)
				json_str((*(char **const *)v)[i]);
			else
				json_obj(f->sub, *(char *const *)v + i * f->sub->size);
		}
		putchar(']');
	}
}

static void json_obj(const struct schema *s, const void *base)
{
	putchar('{');
	for (size_t i = 0; i < s->n; i++) {
		printf("%s\"%s\":", i ? "," : "", s->f[i].name);
		json_value(&s->f[i], base);
	}
	putchar('}');
}

void print_plan_json(const struct plan *p)
{
	json_obj(&plan_s, p);
	putchar('\n');
	fflush(stdout);
}
