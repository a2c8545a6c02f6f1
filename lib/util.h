/*
 * util.h — small shared helpers for every part of lab: error reporting,
 * growable strings, running programs from argv arrays (never a shell),
 * durations, clocks and the seeded random generator.
 *
 * Error convention (libvirt style): a function that fails reports the error
 * once, where it happens, with lab_error(), and returns -1 (or NULL); callers
 * pass -1 up without printing again. The last message is kept per thread so
 * that the runner can store it with the step that failed.
 */
#ifndef LAB_UTIL_H
#define LAB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LAB_VERSION "0.1"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes of the contract (DESIGN.md). */
enum lab_exit {
	LAB_EXIT_OK = 0,      /* every expectation met */
	LAB_EXIT_FINDING = 1, /* a verdict differs from what was expected */
	LAB_EXIT_BROKEN = 2,  /* the harness could not do its job */
};

/* Report an error: "lab: MESSAGE" on stderr (with the source location when
 * LAB_DEBUG is set) and remember it as this thread's last error. */
void lab_error_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define lab_error(...) lab_error_at(__FILE__, __LINE__, __VA_ARGS__)
/* Like lab_error but the message is only remembered, not printed: for
 * errors that the caller will decide to show or not (probing, retries). */
void lab_error_quiet(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* This thread's last error message ("" if none). Borrowed. */
const char *lab_last_error(void);
void lab_clear_error(void);

/* Informational line on stderr, "lab: MESSAGE", unless lab_quiet is set. */
extern bool lab_quiet;
extern bool lab_verbose;
void lab_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lab_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that aborts on out-of-memory: lab cannot do anything sensible
 * without memory, and checking every small allocation hides real errors. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable NUL-terminated string. Zero-initialise ({0}) before use. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
void sb_release(struct strbuf *sb);
/* Hands the buffer to the caller (never NULL) and resets sb. */
char *sb_detach(struct strbuf *sb);

/* A copy of text with secrets masked as "***": every occurrence of secret
 * (if non-NULL and non-empty) and the quoted value after IDENTIFIED BY and
 * MASTER_PASSWORD=. For anything printed or stored that may quote SQL or a
 * server's answer to it. Returns malloc'd. */
char *scrub_secrets(const char *secret, const char *text);

/* Copy with truncation, always NUL-terminated; returns strlen(src). */
size_t lab_strlcpy(char *dst, const char *src, size_t size);

/* Parse a duration "250ms", "10s", "2m", "1h" (a bare number is seconds).
 * Returns 0 and *ms, or -1 (no error printed: callers name the field). */
int parse_duration_ms(const char *s, int64_t *ms);
/* Parse a whole decimal number in [min, max]; -1 if not. No error printed. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Clocks. */
int64_t mono_ns(void);      /* CLOCK_MONOTONIC */
double wall_seconds(void);  /* CLOCK_REALTIME, Unix seconds */
void sleep_ms(int64_t ms);
/* "2026-11-21T06:40:12Z" for a Unix time. */
void format_utc(double unix_seconds, char *buf, size_t size);

/* Random numbers: xoshiro256**, seeded by splitmix64 from (seed, stream), so
 * every thread or purpose has its own reproducible stream from one seed. */
struct lab_rng {
	uint64_t s[4];
};
void rng_init(struct lab_rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct lab_rng *r);
/* Uniform in [lo, hi] (inclusive). */
int64_t rng_range(struct lab_rng *r, int64_t lo, int64_t hi);
double rng_double(struct lab_rng *r); /* [0, 1) */

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

/* Files. */
int mkdir_p(const char *path, mode_t mode);
/* rm -r without following symlinks; ENOENT is success. */
int remove_tree(const char *path);
/* Remove everything inside dir, not dir itself (it may be a mount's root):
 * the number of entries removed, or -1 (reported) if any could not be. */
int empty_dir(const char *dir);
/* Read a whole file (NUL-terminated); NULL on error (reported). */
char *read_file(const char *path, size_t *len);
/* Write atomically (temp file, fsync, rename) with the given mode. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
bool path_exists(const char *path);

/* Set by the signal handlers of long-running verbs (run, workload): work
 * loops poll it and wind down, running their undo actions. */
extern volatile int lab_interrupted;
/* Install SIGINT/SIGTERM handlers that set lab_interrupted (no SA_RESTART,
 * so blocking calls return EINTR). */
void lab_install_interrupt_handlers(void);

#endif
