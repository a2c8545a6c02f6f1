/*
 * util.c — shared helpers: error reporting, strings, argv execution,
 * durations, clocks, the seeded RNG and file utilities. See util.h.
 */
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool lab_quiet;
bool lab_verbose;
volatile int lab_interrupted;

static _Thread_local char last_error[1024];

/* Through a copy: the arguments may include lab_last_error() itself
 * ("cannot do X: %s"), and vsnprintf into its own source is undefined. */
static void remember(const char *fmt, va_list ap)
{
	char buf[sizeof(last_error)];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	memcpy(last_error, buf, sizeof(buf));
}

void lab_error_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	remember(fmt, ap);
	va_end(ap);
	if (getenv("LAB_DEBUG"))
		fprintf(stderr, "lab: %s (%s:%d)\n", last_error, file, line);
	else
		fprintf(stderr, "lab: %s\n", last_error);
}

void lab_error_quiet(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	remember(fmt, ap);
	va_end(ap);
}

const char *lab_last_error(void)
{
	return last_error;
}

void lab_clear_error(void)
{
	last_error[0] = '\0';
}

void lab_info(const char *fmt, ...)
{
	va_list ap;

	if (lab_quiet)
		return;
	fputs("lab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void lab_debug(const char *fmt, ...)
{
	va_list ap;

	if (!lab_verbose)
		return;
	fputs("lab: debug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void out_of_memory(size_t n)
{
	fprintf(stderr, "lab: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		out_of_memory(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		out_of_memory(n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	return sb_detach(&sb);
}

static void sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	sb_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *sb_detach(struct strbuf *sb)
{
	char *p = sb->buf ? sb->buf : xstrdup("");

	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}

char *scrub_secrets(const char *secret, const char *text)
{
	static const char *const keys[] = { "IDENTIFIED BY ", "MASTER_PASSWORD=", "MASTER_PASSWORD =" };
	struct strbuf out = {0};
	const char *p = text ? text : "";
	size_t slen = secret ? strlen(secret) : 0;

	while (*p) {
		size_t k, klen = 0;

		if (slen && !strncmp(p, secret, slen)) {
			sb_puts(&out, "***");
			p += slen;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(keys); k++) {
			klen = strlen(keys[k]);
			if (!strncasecmp(p, keys[k], klen) && (p[klen] == '\'' || p[klen] == '"'))
				break;
		}
		if (k < ARRAY_SIZE(keys)) {
			char quote = p[klen];
			const char *end = strchr(p + klen + 1, quote);
			sb_add(&out, p, klen + 1);
			sb_puts(&out, "***");
			sb_add(&out, &quote, 1);
			p = end ? end + 1 : p + strlen(p);
			continue;
		}
		sb_add(&out, p, 1);
		p++;
	}
	return sb_detach(&out);
}

size_t lab_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_duration_ms(const char *s, int64_t *ms)
{
	char *end;
	double v;
	double mult;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	if (!*end || !strcmp(end, "s"))
		mult = 1000;
	else if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else
		return -1;
	if (v * mult > (double)INT64_MAX / 2)
		return -1;
	*ms = (int64_t)(v * mult + 0.5);
	return 0;
}

int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !lab_interrupted)
		;
}

void format_utc(double unix_seconds, char *buf, size_t size)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_init(struct lab_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct lab_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

int64_t rng_range(struct lab_rng *r, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	if (span == 0)
		return (int64_t)rng_next(r);
	/* Lemire-free simple rejection keeps it unbiased. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % span;
	uint64_t v;
	do
		v = rng_next(r);
	while (v >= limit);
	return lo + (int64_t)(v % span);
}

double rng_double(struct lab_rng *r)
{
	return (rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

int netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		lab_error("cannot open network namespace '%s': %s", name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		lab_error("cannot enter network namespace '%s': %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Variables no child inherits: the lab password (dbconn.c reads it) and
 * the MySQL client's own. mariadbd, SST scripts, nft, mariadb-binlog and
 * the rest get lab's environment without them. */
static const char *const secret_env[] = { "LAB_PASSWORD", "MYSQL_PWD" };

/* The environment for a child: environ without the secrets. Made before
 * fork (the child may only make async-signal-safe calls); the array is
 * malloc'd, its strings borrowed from environ. */
static char **child_environ(void)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 1, sizeof(*env));
	for (size_t i = 0; i < n; i++) {
		bool secret = false;
		for (size_t j = 0; j < ARRAY_SIZE(secret_env); j++) {
			size_t len = strlen(secret_env[j]);
			if (!strncmp(environ[i], secret_env[j], len) && environ[i][len] == '=')
				secret = true;
		}
		if (!secret)
			env[k++] = environ[i];
	}
	env[k] = NULL;
	return env;
}

/* In the child after fork: only async-signal-safe calls until exec. */
static void child_exec(const char *const argv[], const char *netns, int in_fd, int out_fd, char **envp)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	if (netns) {
		char path[PATH_MAX];
		int fd;

		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(126);
	}
	if (in_fd >= 0 && in_fd != 0) {
		dup2(in_fd, 0);
	}
	if (out_fd >= 0) {
		dup2(out_fd, 1);
		dup2(out_fd, 2);
	}
	execvpe(argv[0], (char *const *)argv, envp);
	_exit(127);
}

static char *argv_string(const char *const argv[])
{
	struct strbuf sb = {0};

	for (int i = 0; argv[i]; i++)
		sb_printf(&sb, "%s%s", i ? " " : "", argv[i]);
	return sb_detach(&sb);
}

int run_argv(const char *const argv[], const struct run_opts *opts)
{
	static const struct run_opts none;
	int outp[2] = {-1, -1}, inp[2] = {-1, -1};
	int devnull = -1;
	pid_t pid;
	int status = 0;
	int64_t deadline;
	bool timed_out = false;
	char **env = NULL;

	if (!opts)
		opts = &none;
	if (opts->out && pipe2(outp, O_CLOEXEC) < 0)
		goto syserr;
	if (opts->stdin_data && pipe2(inp, O_CLOEXEC) < 0)
		goto syserr;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		goto syserr;
	env = child_environ();
	pid = fork();
	if (pid < 0)
		goto syserr;
	if (pid == 0)
		child_exec(argv, opts->netns, inp[0] >= 0 ? inp[0] : devnull,
			   outp[1] >= 0 ? outp[1] : (opts->quiet ? devnull : -1), env);
	free(env);
	env = NULL;
	if (outp[1] >= 0)
		close(outp[1]);
	if (inp[0] >= 0) {
		close(inp[0]);
		size_t n = strlen(opts->stdin_data), off = 0;
		signal(SIGPIPE, SIG_IGN);
		while (off < n) {
			ssize_t w = write(inp[1], opts->stdin_data + off, n - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(inp[1]);
	}
	deadline = opts->timeout_ms ? mono_ns() + opts->timeout_ms * 1000000 : 0;
	if (outp[0] >= 0)
		fcntl(outp[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		pid_t w;

		if (outp[0] >= 0) {
			char buf[4096];
			ssize_t r;
			while ((r = read(outp[0], buf, sizeof(buf))) > 0)
				sb_add(opts->out, buf, (size_t)r);
			if (r == 0) {
				close(outp[0]);
				outp[0] = -1;
			}
		}
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			goto syserr;
		if (deadline && mono_ns() > deadline) {
			timed_out = true;
			kill(-pid, SIGTERM);
			kill(pid, SIGTERM);
			int64_t kill_at = mono_ns() + 2000000000LL;
			while (waitpid(pid, &status, WNOHANG) == 0) {
				if (mono_ns() > kill_at) {
					kill(-pid, SIGKILL);
					kill(pid, SIGKILL);
					waitpid(pid, &status, 0);
					break;
				}
				sleep_ms(20);
			}
			break;
		}
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	if (outp[0] >= 0) {
		char buf[4096];
		ssize_t r;
		while ((r = read(outp[0], buf, sizeof(buf))) > 0)
			sb_add(opts->out, buf, (size_t)r);
		close(outp[0]);
	}
	close(devnull);
	if (timed_out) {
		char *s = argv_string(argv);
		lab_error("'%s' did not finish within %lld ms", s, (long long)opts->timeout_ms);
		free(s);
		return -1;
	}
	if (WIFEXITED(status)) {
		int rc = WEXITSTATUS(status);
		if (rc == 127 || rc == 126) {
			lab_error_quiet("cannot run '%s' (exit %d)", argv[0], rc);
		}
		return rc;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;

syserr:
	lab_error("cannot run '%s': %s", argv[0], strerror(errno));
	free(env);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (inp[i] >= 0)
			close(inp[i]);
	}
	if (devnull >= 0)
		close(devnull);
	return -1;
}

pid_t spawn_argv(const char *const argv[], const char *netns, const char *log_path)
{
	int devnull, logfd = -1;
	pid_t pid;
	char **env;

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		lab_error("cannot open /dev/null: %s", strerror(errno));
		return -1;
	}
	if (log_path) {
		logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (logfd < 0) {
			lab_error("cannot open log '%s': %s", log_path, strerror(errno));
			close(devnull);
			return -1;
		}
	}
	env = child_environ();
	pid = fork();
	if (pid < 0) {
		lab_error("cannot fork for '%s': %s", argv[0], strerror(errno));
		free(env);
		close(devnull);
		if (logfd >= 0)
			close(logfd);
		return -1;
	}
	if (pid == 0)
		child_exec(argv, netns, devnull, logfd, env);
	free(env);
	setpgid(pid, pid);
	close(devnull);
	if (logfd >= 0)
		close(logfd);
	return pid;
}

bool pid_alive(pid_t pid)
{
	if (pid <= 0)
		return false;
	if (kill(pid, 0) == 0)
		return true;
	return errno == EPERM;
}

/* True if pid is a zombie or gone (for processes that are not our children). */
static bool reap_if_child(pid_t pid)
{
	int st;
	pid_t w = waitpid(pid, &st, WNOHANG);

	if (w == pid)
		return true;
	if (w < 0 && errno == ECHILD)
		return !pid_alive(pid);
	return false;
}

int stop_pid(pid_t pid, int64_t grace_ms)
{
	int64_t deadline;

	if (pid <= 1 || pid == getpid() || pid == getpgrp()) {
		lab_error("refusing to signal pid %d", (int)pid);
		return -1;
	}
	if (reap_if_child(pid))
		return 0;
	kill(pid, SIGTERM);
	deadline = mono_ns() + grace_ms * 1000000;
	while (mono_ns() < deadline) {
		if (reap_if_child(pid))
			return 0;
		sleep_ms(20);
	}
	kill(pid, SIGKILL);
	deadline = mono_ns() + 10000LL * 1000000;
	while (mono_ns() < deadline) {
		if (reap_if_child(pid))
			return 0;
		sleep_ms(10);
	}
	lab_error("process %d did not exit after SIGKILL", (int)pid);
	return -1;
}

int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n = lab_strlcpy(tmp, path, sizeof(tmp));

	if (n >= sizeof(tmp)) {
		lab_error("path too long: '%s'", path);
		return -1;
	}
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
			lab_error("cannot create directory '%s': %s", tmp, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
		lab_error("cannot create directory '%s': %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

int empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0, n = 0;

	if (!d) {
		lab_error("cannot open directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *child = xasprintf("%s/%s", dir, e->d_name);
		if (remove_tree(child) < 0)
			rc = -1;
		else
			n++;
		free(child);
	}
	closedir(d);
	return rc < 0 ? -1 : n;
}

int remove_tree(const char *path)
{
	struct stat st;
	int rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT) {
			lab_error("cannot remove '%s': %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	rc = empty_dir(path) < 0 ? -1 : 0;
	if (rmdir(path) < 0 && errno != ENOENT) {
		lab_error("cannot remove directory '%s': %s", path, strerror(errno));
		return -1;
	}
	return rc;
}

char *read_file(const char *path, size_t *len)
{
	struct strbuf sb = {0};
	char buf[65536];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		lab_error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		sb_add(&sb, buf, (size_t)r);
	if (r < 0) {
		lab_error("cannot read '%s': %s", path, strerror(errno));
		close(fd);
		sb_release(&sb);
		return NULL;
	}
	close(fd);
	if (len)
		*len = sb.len;
	return sb_detach(&sb);
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t off = 0;

	if (fd < 0) {
		lab_error("cannot create '%s': %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	fchmod(fd, mode);
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			lab_error("cannot write '%s': %s", tmp, strerror(errno));
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0) {
		lab_error("cannot fsync '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		lab_error("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void on_interrupt(int sig)
{
	(void)sig;
	lab_interrupted = 1;
}

void lab_install_interrupt_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
