/*
 * exec.h — running programs and stopping processes.
 */
#ifndef LAB_EXEC_H
#define LAB_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "strbuf.h"

/* Running programs. argv[0] is looked up in PATH; nothing goes through a
 * shell. Children get lab's environment without its secrets
 * (LAB_PASSWORD, MYSQL_PWD): this is the one place they are filtered. */
struct run_opts {
	const char *netns;      /* enter /run/netns/NAME first, or NULL */
	int64_t timeout_ms;     /* 0: no limit; on expiry SIGTERM, 2 s, SIGKILL */
	struct strbuf *out;     /* capture stdout+stderr here, or NULL to inherit */
	bool quiet;             /* discard output (when out is NULL) */
	const char *stdin_data; /* fed to stdin, or NULL for /dev/null */
};
/* Run and wait. Returns the exit status (0..255), 128+signal if it died of
 * a signal, or -1 if it could not be run or timed out (error reported). */
int run_argv(const char *const argv[], const struct run_opts *opts);
/* Start in the background with stdin from /dev/null and stdout/stderr to
 * log_path (appended; NULL inherits). The child gets its own process group
 * and, if netns is set, runs in that namespace. Returns the pid or -1. */
pid_t spawn_argv(const char *const argv[], const char *netns, const char *log_path);
/* Enter the network namespace /run/netns/NAME in this thread/process. */
int netns_enter(const char *name);
/* Stop a process we started: SIGTERM, up to grace_ms, then SIGKILL, and reap
 * it if it is our child. Refuses pid <= 1 and our own pid or group.
 * Returns 0 when the process is gone. */
int stop_pid(pid_t pid, int64_t grace_ms);
bool pid_alive(pid_t pid);

#endif
