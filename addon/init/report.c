/* report.c - the init's only ways to talk: one message out, one message in,
 * and one failure path. Errors travel as numbers (step, errno) plus a detail
 * naming what was acted on; the TS side owns strerror and wording, so the
 * text a user sees is produced once, in one place (STYLE.md, "three layers"). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "init.h"

int report_sock = -1;

static struct {
	uint32_t step;
	int32_t err;
	char detail[1024];
} last;

int errf(int step, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last.detail, sizeof(last.detail), fmt, ap);
	va_end(ap);
	last.step = step;
	last.err = err;
	/* errno 0 (a hook's exit status) is still a failure for the caller. */
	return err > 0 ? -err : -1;
}

/* Names, not strerror text: the TS side renders messages (one wording,
 * one place), and a name is what a bug report needs anyway. */
#define E(x) { x, #x }
static const struct { int err; const char *name; } names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC),
	E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
	E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE),
	E(EMFILE), E(ENOTTY), E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS),
	E(EMLINK), E(EPIPE), E(ERANGE), E(ENAMETOOLONG), E(ENOSYS), E(ELOOP),
	E(ENOTEMPTY), E(EPROTO), E(EOVERFLOW), E(EOPNOTSUPP), E(ECONNRESET),
	E(ETIMEDOUT), E(ESTALE),
};

/* Only for the paths with nobody to send to (--check-plan, after GO). */
const char *errno_name(int err)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return "E?";
}

/* The steps that can fail after GO, when nobody is left to name them: the
 * user reads these lines on the container's stderr. */
static const char *late_step_name(uint32_t step)
{
	switch (step) {
	case STEP_EXEC_FIFO: return "exec fifo";
	case STEP_START_HOOK: return "startContainer hook";
	case STEP_EXEC: return "execve";
	default: return NULL;
	}
}

void report_to_stderr(void)
{
	const char *name = late_step_name(last.step);
	char step[32];

	if (!name)
		snprintf(step, sizeof(step), "step %u:", last.step), name = step;
	if (last.err)
		dprintf(2, "tsrun-init: %s %s: %s (%d)\n", name, last.detail,
			errno_name(last.err), last.err);
	else
		dprintf(2, "tsrun-init: %s %s\n", name, last.detail);
}

/* The one exit for every failure before exec. It never returns, so error
 * paths elsewhere do not bother closing fds or freeing memory. */
void fail(int fallback_step)
{
	if (last.step == 0) {
		/* A step returned <0 without errf: a bug, but still report it. */
		last.step = fallback_step;
		last.err = EIO;
	}
	if (report_sock < 0) {
		report_to_stderr();
		_exit(1);
	}
	uint8_t msg[12 + sizeof(last.detail)];
	uint32_t type = MSG_ERROR;
	size_t n = strlen(last.detail);

	/* x86-64 and arm64 are little endian, which is the wire order. */
	memcpy(msg, &type, 4);
	memcpy(msg + 4, &last.step, 4);
	memcpy(msg + 8, &last.err, 4);
	memcpy(msg + 12, last.detail, n);
	if (send(report_sock, msg, 12 + n, MSG_NOSIGNAL) < 0)
		report_to_stderr();
	_exit(1);
}

/* fd >= 0 travels with the message as SCM_RIGHTS. */
static void send_with_fd(uint32_t type, const void *payload, size_t len, int fd)
{
	struct iovec iov[2] = { { &type, 4 }, { (void *)payload, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;

	if (fd >= 0) {
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}

	/* MSG_NOSIGNAL: a vanished parent must not kill us with SIGPIPE
	 * before we notice; there is nobody left to report to either way. */
	while (sendmsg(report_sock, &mh, MSG_NOSIGNAL) < 0) {
		if (errno == EINTR)
			continue;
		errf(STEP_PROTOCOL, errno, "send message %u", type);
		report_to_stderr();
		_exit(1);
	}
}

void send_msg(uint32_t type, const void *payload, size_t len)
{
	send_with_fd(type, payload, len, -1);
}

void send_fd(uint32_t type, int fd)
{
	send_with_fd(type, NULL, 0, fd);
}

/* Every sync is one request and one expected reply; anything else means
 * the two sides disagree about the protocol, so it is fatal. */
size_t recv_msg(uint32_t want, uint8_t **payload)
{
	ssize_t n;
	uint32_t type;

	/* SEQPACKET keeps boundaries: peek with MSG_TRUNC for the real size,
	 * so a large PLAN (seccomp BPF, many mounts) needs no fixed buffer. */
	do
		n = recv(report_sock, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	/* EOF before GO: the parent gave up on us, so do we. It reads as
	 * ECONNRESET when it closed with a message of ours unread. */
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		_exit(1);
	if (n < 0) {
		errf(STEP_PROTOCOL, errno, "receive message %u", want);
		fail(STEP_PROTOCOL);
	}
	uint8_t *buf = malloc(n + 1);
	if (!buf || recv(report_sock, buf, n, 0) != n || n < 4) {
		errf(STEP_PROTOCOL, buf ? EPROTO : ENOMEM, "receive message %u", want);
		fail(STEP_PROTOCOL);
	}
	buf[n] = 0;  /* payloads used as strings (state JSON) end here */
	memcpy(&type, buf, 4);
	if (type != want) {
		errf(STEP_PROTOCOL, EPROTO, "expected message %u, got %u", want, type);
		fail(STEP_PROTOCOL);
	}
	*payload = buf + 4;
	return n - 4;
}
