/*
 * powerfs_client.c — what the local backend calls to use the power-loss
 * filesystem: start the daemon (`lab _powerfs`, one binary, no separate
 * daemon to install), talk to its control socket (cache mode, stats, power
 * cut, stop), run programs in its mount namespace, and keep the post-cut
 * datadir image as evidence. See powerfs.h for the recipe.
 */
#include "powerfs.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Connect, send cmd, read the whole reply. -1 on transport error (quiet:
 * callers decide). */
static int ctl_raw(const char *socket_path, const char *cmd, struct strbuf *reply, int64_t timeout_ms)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct timeval tv = { (time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000 };
	char buf[4096];
	int fd;
	size_t len = strlen(cmd);

	if (strlen(socket_path) >= sizeof(a.sun_path)) {
		lab_error_quiet("control socket path '%s' is too long", socket_path);
		return -1;
	}
	memcpy(a.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		lab_error_quiet("cannot connect to powerfs socket '%s': %s", socket_path, strerror(errno));
		close(fd);
		return -1;
	}
	char *line = xasprintf("%s\n", cmd);
	bool sent = write(fd, line, len + 1) == (ssize_t)len + 1;

	free(line);
	if (!sent) {
		lab_error_quiet("cannot send to powerfs socket '%s': %s", socket_path, strerror(errno));
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			lab_error_quiet("no answer from powerfs socket '%s': %s", socket_path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		if (reply)
			sb_add(reply, buf, (size_t)n);
	}
	close(fd);
	return 0;
}

int powerfs_ctl(const char *socket_path, const char *cmd, struct strbuf *reply)
{
	struct strbuf r = { 0 };
	int rc;

	/* A power cut of a big pending set takes time: generous timeout. */
	if (ctl_raw(socket_path, cmd, &r, 120000) < 0) {
		char msg[512];

		lab_strlcpy(msg, lab_last_error(), sizeof(msg));
		lab_error("%s", msg);
		sb_release(&r);
		return -1;
	}
	if (r.len == 0 || strncmp(r.buf, "ok", 2)) {
		const char *why = r.len ? r.buf : "no reply";
		size_t n;

		if (!strncmp(why, "error ", 6))
			why += 6;
		n = strcspn(why, "\n");
		lab_error("powerfs '%s' refused '%s': %.*s", socket_path, cmd, (int)n, why);
		rc = -1;
	} else {
		rc = 0;
	}
	if (reply)
		sb_add(reply, r.buf ? r.buf : "", r.len);
	sb_release(&r);
	return rc;
}

int64_t powerfs_flush_interval(int64_t spec_ms)
{
	return spec_ms == 0 ? POWERFS_FLUSH_DEFAULT_MS : spec_ms < 0 ? 0 : spec_ms;
}

bool powerfs_env_off(void)
{
	const char *e = getenv("LAB_POWERFS");

	return e && (!strcmp(e, "off") || !strcmp(e, "0") || !strcmp(e, "no"));
}

bool powerfs_answers(const char *socket_path)
{
	return path_exists(socket_path) && ctl_raw(socket_path, "stats", NULL, 2000) == 0;
}

static struct powerfs *pfs_new(const char *backing, const char *mountpoint, const char *socket_path)
{
	struct powerfs *p = xcalloc(1, sizeof(*p));

	p->backing = xstrdup(backing ? backing : "");
	p->mountpoint = xstrdup(mountpoint ? mountpoint : "");
	p->socket_path = xstrdup(socket_path);
	return p;
}

void powerfs_free(struct powerfs *pfs)
{
	if (!pfs)
		return;
	free(pfs->backing);
	free(pfs->mountpoint);
	free(pfs->socket_path);
	free(pfs);
}

int64_t powerfs_reply_field(const char *reply, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = reply; p && *p; p = strchr(p, ' ')) {
		int64_t v;
		char num[32];
		size_t n;

		while (*p == ' ')
			p++;
		if (strncmp(p, key, k) || p[k] != '=')
			continue;
		n = strcspn(p + k + 1, " \n");
		if (n >= sizeof(num))
			return -1;
		memcpy(num, p + k + 1, n);
		num[n] = '\0';
		return parse_int64(num, INT64_MIN, INT64_MAX, &v) == 0 ? v : -1;
	}
	return -1;
}

struct powerfs *powerfs_start(const char *backing, const char *mountpoint,
			      const char *socket_path, const struct powerfs_opts *opts)
{
	static const struct powerfs_opts defaults;
	char exe[PATH_MAX], max_pending[32], interval[32], loop_size[32];
	const char *argv[16];
	struct powerfs *p;
	size_t n = 0;
	int64_t deadline;

	if (!opts)
		opts = &defaults;
	if (opts->mode && powerfs_mode_parse(opts->mode) < 0) {
		lab_error("unknown cache mode '%s' (none, writeback, writethrough, directsync, unsafe)", opts->mode);
		return NULL;
	}
	if ((!opts->loop && mkdir_p(backing, 0755) < 0) || mkdir_p(mountpoint, 0755) < 0)
		return NULL;
	if (opts->lab_binary) {
		lab_strlcpy(exe, opts->lab_binary, sizeof(exe));
	} else {
		ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (len < 0) {
			lab_error("cannot find the lab binary: %s", strerror(errno));
			return NULL;
		}
		exe[len] = '\0';
	}
	snprintf(max_pending, sizeof(max_pending), "%" PRIu64, opts->max_pending);
	snprintf(interval, sizeof(interval), "%" PRId64 "ms", opts->flush_interval_ms);
	argv[n++] = exe;
	argv[n++] = "_powerfs";
	argv[n++] = backing;
	argv[n++] = mountpoint;
	argv[n++] = "--socket";
	argv[n++] = socket_path;
	argv[n++] = "--mode";
	argv[n++] = opts->mode ? opts->mode : "none";
	argv[n++] = "--max-pending";
	argv[n++] = max_pending;
	argv[n++] = "--flush-interval";
	argv[n++] = interval;
	if (opts->real_sync)
		argv[n++] = "--real-sync";
	if (opts->host_mount)
		argv[n++] = "--host-mount";
	if (opts->loop) {
		snprintf(loop_size, sizeof(loop_size), "%" PRIu64, opts->loop_size);
		argv[n++] = "--loop";
		argv[n++] = "--loop-size";
		argv[n++] = loop_size;
	}
	argv[n] = NULL;
	unlink(socket_path);
	p = pfs_new(backing, mountpoint, socket_path);
	p->pid = spawn_argv(argv, NULL, opts->log_path);
	if (p->pid < 0) {
		powerfs_free(p);
		return NULL;
	}
	deadline = mono_ns() + 20 * 1000000000ll;
	while (mono_ns() < deadline) {
		int status;

		if (ctl_raw(socket_path, "stats", NULL, 2000) == 0)
			return p;
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			lab_error("powerfs daemon for '%s' exited before mounting (see %s)", mountpoint,
				  opts->log_path ? opts->log_path : "its stderr");
			powerfs_free(p);
			return NULL;
		}
		sleep_ms(50);
	}
	lab_error("powerfs daemon for '%s' did not answer within 20 s", mountpoint);
	stop_pid(p->pid, 2000);
	powerfs_free(p);
	return NULL;
}

struct powerfs *powerfs_attach(const char *socket_path)
{
	struct strbuf r = { 0 };
	struct powerfs *p;

	if (powerfs_ctl(socket_path, "stats", &r) < 0) {
		sb_release(&r);
		return NULL;
	}
	p = pfs_new(NULL, NULL, socket_path);
	p->pid = (pid_t)powerfs_reply_field(r.buf, "pid");
	sb_release(&r);
	return p;
}

int powerfs_set_mode(struct powerfs *pfs, const char *mode)
{
	char cmd[64];

	if (powerfs_mode_parse(mode) < 0) {
		lab_error("unknown cache mode '%s' (none, writeback, writethrough, directsync, unsafe)", mode);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "mode %s", mode);
	return powerfs_ctl(pfs->socket_path, cmd, NULL);
}

int powerfs_power_cut(struct powerfs *pfs, double keep, uint64_t seed,
		      const char *trace_path, struct strbuf *stats)
{
	struct strbuf cmd = { 0 };
	int rc;

	if (!(keep >= 0 && keep <= 1)) {
		lab_error("power cut keep fraction %g is not in [0, 1]", keep);
		return -1;
	}
	if (trace_path && strpbrk(trace_path, " \t\n")) {
		lab_error("trace path '%s' must not contain blanks", trace_path);
		return -1;
	}
	sb_printf(&cmd, "cut keep=%.6f seed=%" PRIu64, keep, seed & INT64_MAX);
	if (trace_path)
		sb_printf(&cmd, " trace=%s", trace_path);
	rc = powerfs_ctl(pfs->socket_path, cmd.buf, stats);
	sb_release(&cmd);
	return rc;
}

int powerfs_hard_reset(struct powerfs *pfs, const pid_t *pids, size_t npids, double keep,
		       uint64_t seed, const char *trace_path, struct strbuf *stats)
{
	int64_t deadline;

	for (size_t i = 0; i < npids; i++) {
		if (pids[i] <= 1 || pids[i] == getpid()) {
			lab_error("refusing to kill pid %d", (int)pids[i]);
			return -1;
		}
		if (kill(pids[i], SIGKILL) < 0 && errno != ESRCH) {
			lab_error("cannot kill pid %d: %s", (int)pids[i], strerror(errno));
			return -1;
		}
	}
	deadline = mono_ns() + 10 * 1000000000ll;
	for (size_t i = 0; i < npids; i++) {
		for (;;) {
			pid_t w = waitpid(pids[i], NULL, WNOHANG);

			if (w == pids[i] || (w < 0 && !pid_alive(pids[i])))
				break;
			if (mono_ns() > deadline) {
				lab_error("pid %d did not die after SIGKILL; power not cut", (int)pids[i]);
				return -1;
			}
			sleep_ms(10);
		}
	}
	return powerfs_power_cut(pfs, keep, seed, trace_path, stats);
}

int powerfs_stats(struct powerfs *pfs, struct strbuf *out)
{
	return powerfs_ctl(pfs->socket_path, "stats", out);
}

int64_t powerfs_pending_bytes(struct powerfs *pfs)
{
	struct strbuf r = { 0 };
	int64_t v = -1;

	if (powerfs_stats(pfs, &r) == 0)
		v = powerfs_reply_field(r.buf, "pending_bytes");
	sb_release(&r);
	return v;
}

int powerfs_stop(struct powerfs *pfs, bool flush)
{
	int rc = 0;
	int64_t deadline;

	if (!pfs || pfs->pid <= 0)
		return 0;
	if (powerfs_ctl(pfs->socket_path, flush ? "stop" : "stop noflush", NULL) < 0)
		rc = -1; /* still make sure the daemon goes */
	deadline = mono_ns() + 10 * 1000000000ll;
	while (mono_ns() < deadline) {
		int status;
		pid_t w = waitpid(pfs->pid, &status, WNOHANG);

		if (w == pfs->pid || (w < 0 && errno == ECHILD && !pid_alive(pfs->pid))) {
			pfs->pid = 0;
			return rc;
		}
		sleep_ms(50);
	}
	lab_error("powerfs daemon %d did not stop within 10 s; killing it", (int)pfs->pid);
	if (kill(pfs->pid, SIGKILL) == 0)
		waitpid(pfs->pid, NULL, 0);
	pfs->pid = 0;
	return -1;
}

int powerfs_ns_path(const struct powerfs *pfs, char *buf, size_t size)
{
	if (pfs->pid <= 0) {
		lab_error("powerfs daemon is not running");
		return -1;
	}
	snprintf(buf, size, "/proc/%d/ns/mnt", (int)pfs->pid);
	return 0;
}

const char **powerfs_wrap_argv(const struct powerfs *pfs, const char *const argv[])
{
	size_t n = 0;
	const char **v;

	while (argv[n])
		n++;
	v = xcalloc(n + 4, sizeof(*v));
	v[0] = "nsenter";
	v[1] = xasprintf("--mount=/proc/%d/ns/mnt", (int)pfs->pid);
	v[2] = "--";
	for (size_t i = 0; i < n; i++)
		v[3 + i] = argv[i];
	return v;
}

void powerfs_free_argv(const char **argv)
{
	if (!argv)
		return;
	free((char *)argv[1]);
	free(argv);
}

int powerfs_save_image(const struct powerfs *pfs, const char *dest)
{
	char *src = xasprintf("%s/", pfs->backing);
	char *dst = xasprintf("%s/", dest);
	const char *argv[] = { "rsync", "-a", "--delete", "--exclude=/" POWERFS_PRIVATE_DIR, src, dst, NULL };
	struct run_opts o = { .timeout_ms = 600000, .quiet = true };
	int rc;

	if (mkdir_p(dest, 0755) < 0) {
		free(src);
		free(dst);
		return -1;
	}
	rc = run_argv(argv, &o);
	if (rc != 0 && rc != -1)
		lab_error("cannot copy the datadir image '%s' to '%s' (rsync exit %d)", pfs->backing, dest, rc);
	free(src);
	free(dst);
	return rc == 0 ? 0 : -1;
}
