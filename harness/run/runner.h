/*
 * runner.h — runs one parsed scenario against a fresh cluster and gives a
 * verdict (LTP's words): pass, fail (a finding about the database), broken
 * (lab or the lab machine failed: never read as a database bug), skip, or
 * aborted (interrupted). Everything lands in the results database.
 *
 * Every fault registers its undo on the undo stack BEFORE it is applied;
 * the stack is unwound (in a fixed order of kinds, newest first within a
 * kind: see undo_run_all) however the run ends: pass,
 * fail, broken, SIGINT, SIGTERM or the watchdog.
 */
#ifndef LAB_RUNNER_H
#define LAB_RUNNER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cluster.h"
#include "failover.h"
#include "resultsdb.h"
#include "scenario.h"
#include "workload.h"

struct nemesis_fault;

enum verdict { VERDICT_PASS, VERDICT_FAIL, VERDICT_BROKEN, VERDICT_SKIP, VERDICT_ABORTED };
const char *verdict_name(enum verdict v);
/* 0 pass/skip, 1 fail, 2 broken/aborted. */
int verdict_exit_code(enum verdict v);

struct runner_opts {
	const char *backend;    /* overrides cluster.backend, or NULL */
	bool have_seed;         /* --seed given */
	uint64_t seed;
	const char *name;       /* cluster name, default "run" */
	const char *state_dir;  /* cluster state directory, NULL: /var/tmp/lab/NAME */
	const char *runs_dir;   /* journals etc.: RUNS_DIR/RUN_ID/, NULL: next to the db */
	bool keep;              /* leave the cluster up at the end */
	bool progress;          /* a progress line on stderr (a terminal) */
	const char *label;      /* a plan's run: its axis values (runs.label), or NULL */
	/* lab replay / lab shrink: the nemesis steps execute these faults
	 * (those whose seq is theirs) instead of drawing them (nemesis.h);
	 * replays is the run replayed (0: none). Borrowed. */
	const struct nemesis_fault *replay;
	size_t n_replay;
	bool have_replay;
	int64_t replays;
};

struct run_result {
	int64_t run_id;
	enum verdict verdict;
	char *reason;  /* malloc'd one line, or NULL on pass */
	double seconds;
};
void run_result_release(struct run_result *r);

/* Run one scenario; fills res. Returns 0 when a verdict was reached (any
 * verdict), -1 only when not even the run record could be made. */
int runner_run(const struct scenario *sc, const struct runner_opts *o, struct resultsdb *db,
	       struct run_result *res);

/* ------------------------------------------------------------------ */
/* The undo stack (pure logic, unit-tested). */

enum undo_kind {
	UNDO_HEAL,      /* remove partitions */
	UNDO_RESUME,    /* SIGCONT a paused node */
	UNDO_CACHE,     /* set the node's cache mode back to arg */
	UNDO_START,     /* start a node the scenario left down (with --keep) */
	UNDO_WORKLOAD,  /* stop the workload, flush its journal */
};
const char *undo_kind_name(enum undo_kind k);

struct undo_entry {
	enum undo_kind kind;
	int node;     /* 0 when not about one node */
	char *arg;    /* UNDO_CACHE: the mode to restore */
	bool active;  /* false once the scenario undid it itself or it ran */
};

struct undo_stack {
	struct undo_entry *v;
	size_t n;
};

/* Register an undo. Returns the entry's index. */
size_t undo_push(struct undo_stack *s, enum undo_kind kind, int node, const char *arg);
/* The newest active entry of that kind (and node, unless node is -1), or NULL. */
struct undo_entry *undo_find(struct undo_stack *s, enum undo_kind kind, int node);
/* The scenario undid it itself: deactivate every active entry of that kind
 * and node (node -1: any node). Returns how many. */
int undo_cancel(struct undo_stack *s, enum undo_kind kind, int node);
/* Number of active entries. */
size_t undo_pending(const struct undo_stack *s);
/* Run every active entry exactly once even when one fails: workload stop,
 * resume, heal, cache modes, then starts; newest first within a kind. fn
 * returns 0 or -1. Returns -1 when any failed. */
int undo_run_all(struct undo_stack *s, int (*fn)(void *ctx, struct undo_entry *e), void *ctx);
void undo_release(struct undo_stack *s);

/* ------------------------------------------------------------------ */
/* The runner's state, shared with the actions (harness/run/actions.c). */

struct runner {
	const struct scenario *sc;
	const struct runner_opts *o;
	struct resultsdb *db;
	int64_t run_id;
	uint64_t seed;
	char *run_dir;                 /* RUNS_DIR/RUN_ID */
	struct cluster cluster;
	char *secret;                  /* the lab password: scrubbed from all we store or print */
	bool cluster_opened, cluster_made, cluster_was_up;
	struct undo_stack undo;
	char cache_mode[LAB_MAX_NODES + 1][16];

	/* workload */
	struct workload *wl;
	int wl_segments;               /* journal segments written so far */
	char **journals;
	struct workload_totals wl_totals;

	/* the steps that took nodes away (SC_A_FAULT), for the failover times */
	struct fault_mark *faults;
	size_t n_faults;
	double wall0;                  /* wall_seconds() when t0_ns was taken */

	/* verdict so far */
	bool broken, failed, aborted;
	bool outage;                   /* a step failed by the database's doing: no further steps */
	struct strbuf reason;          /* first broken/fail reason */
	struct strbuf findings;        /* every finding, one per line */

	/* progress, per-second figures (written by the workload's reporter thread) */
	pthread_mutex_t lock;
	struct workload_second *seconds;
	size_t n_seconds, cap_seconds;
	struct workload_second last_second;
	size_t step_no;
	char step_text[128];
	int64_t t0_ns;
	bool threads_stop;
	bool hold_progress;            /* a checker prints to stdout: no redraw */
	bool watchdog_fired;
	pthread_t progress_thread, watchdog_thread;
	bool progress_started, watchdog_started;
};

/* Execute one step; detail gets a line for the results db. 0 or -1 (error
 * reported with lab_error / lab_error_quiet). */
int action_run(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *detail);
/* The undo stack's executor (actions.c). */
int action_undo(void *runner, struct undo_entry *e);
/* Sleep ms in slices, returning -1 as soon as lab_interrupted is set. */
int runner_sleep(int64_t ms);
/* A copy of text with secret and anything quoted after "IDENTIFIED BY"
 * replaced by ***: lower layers' error messages may quote SQL, and
 * passwords are never printed or stored (docs/safety.md). malloc'd. */
char *runner_scrub(const char *secret, const char *text);
/* A finding (verdict fail) or broken condition, with its reason. */
void runner_finding(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void runner_broken(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a line on stderr without tearing the progress line. */
void runner_say(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
