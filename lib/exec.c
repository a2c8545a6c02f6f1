/*
 * exec.c — how lab runs other programs (mysqld, mariadb-backup, ip, nft):
 * from an argv array, never through a shell, optionally inside a network
 * namespace, with a timeout that ends in SIGTERM then SIGKILL, output
 * captured or discarded; background servers are spawned in their own
 * process group with a log file; stop_pid() ends them (SIGTERM, grace,
 * SIGKILL, reap) and refuses pid 1 and our own group. See exec.h.
 */
#include "exec.h"
#include "error.h"
#include "timeutil.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
		for (size_t j = 0; j < sizeof(secret_env) / sizeof(secret_env[0]); j++) {
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
