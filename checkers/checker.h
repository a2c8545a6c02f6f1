/*
 * checker.h — checkers decide whether a cluster's data is right. Each is
 * one table of operations in its own file, listed in lab_checkers[]
 * (checkers.c). Used by `lab check`, by the runner's `check:` step and by
 * the scenario parser (check: names, expect: keys and values).
 */
#ifndef LAB_CHECKER_H
#define LAB_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dbconn.h"
#include "resultsdb.h"

struct cluster;

struct check_ctx {
	const struct hostport *hosts; /* every node to look at */
	size_t n_hosts;
	const struct lab_creds *creds;
	const char *journal_path;  /* NULL: the durability checker says it was skipped */
	struct resultsdb *db;      /* NULL: anomalies only printed */
	int64_t run_id;
	struct cluster *cluster;   /* NULL against a cluster lab did not start */
	FILE *out;                 /* human summary */
	int max_examples;          /* examples printed per anomaly kind (20) */
	/* Look at the first reachable node only (the others are still
	 * reported when they cannot be reached before it). Checkers whose scan
	 * hooks say every_node (convergence) always look at every node. */
	int first_reachable;
	/* The consistency model whose violations the history checker reports
	 * (NULL: strict-serializable). */
	const char *model;
};

struct check_result {
	char actual[32];   /* pass | fail | broken | skip, or for split-brain:
			      primary | no-primary | split-brain-detected */
	int64_t anomalies;
	char *summary;     /* malloc'd one-paragraph summary, owned by the caller */
};

struct anomaly_sink;
struct table_consumer;

/*
 * Hooks of a checker that reads the bank's tables as a consumer of the
 * shared one-pass scan (scan_checks.c): every table of a node is streamed
 * once, in primary key order inside one consistent snapshot, and each row
 * goes to the consumers of every checker asked for. `lab check` and the
 * runner's check step both go through checkers_run, so a node's tables are
 * read once however many such checkers run.
 *
 *   begin     once per run, before any node: load what the check compares
 *             against (the journal) into *state. Returns 0, 1 when the
 *             checker has nothing to do and said why in res (verdict skip),
 *             -1 when it cannot run (reported with lab_error).
 *   node_new  per node, after the snapshot: the node's consumer state, or
 *             NULL when it could not (the trouble reported in s).
 *   consumer  the table consumer of a node state.
 *   node_done after a complete scan of the node.
 *   node_free any node state (NULL ok), scanned or not.
 *   finish    after every node (optional): compare across nodes. 0 / -1.
 *   end       free *state (NULL ok).
 */
struct scan_hooks {
	/* Look at every node even with ctx->first_reachable (convergence). */
	bool every_node;
	/* node_new reads on a second connection whose snapshot must match
	 * the scan's: it runs under a brief global read lock. */
	bool needs_lock;
	int (*begin)(const struct check_ctx *ctx, struct anomaly_sink *s, struct check_result *res,
		     void **state);
	void *(*node_new)(void *state, const struct check_ctx *ctx, size_t host, const char *node,
			  struct anomaly_sink *s);
	struct table_consumer *(*consumer)(void *node_state);
	void (*node_done)(void *state, void *node_state);
	void (*node_free)(void *node_state);
	int (*finish)(void *state, const struct check_ctx *ctx, struct anomaly_sink *s);
	void (*end)(void *state);
};

/*
 * A checker: one table of operations in its own file (checkers/X.c), one
 * row in lab_checkers[] (checkers.c). Everything lab knows about a checker
 * is here: the scenario parser, `lab validate --describe`, the lint, the
 * runner's check step and `lab check` all read lab_checkers[]; there is no
 * other list of checker names.
 */
struct checker_ops {
	const char *name;            /* in check: [..] and `lab check --checks` */
	const char *help;
	/* The key under expect: that states what it must find (default: the
	 * name), the values it can report (NULL-terminated, "any" included),
	 * and what a run expects when the scenario says nothing. */
	const char *expect_key;
	const char *const *expect_values;
	const char *expect_default;
	/* Cluster flavors it applies to, NULL-terminated; NULL: every flavor. */
	const char *const *flavors;
	/* The workloads whose data or journal it reads, NULL-terminated;
	 * NULL: any workload (or none). */
	const char *const *workloads;
	/* Either run (0 when the check ran, whatever it found, -1 when it
	 * could not run) or scan (a consumer of the shared table scan). */
	int (*run)(const struct check_ctx *ctx, struct check_result *res);
	const struct scan_hooks *scan;
	/* A replica that has not applied everything yet fails it (its rows
	 * are missing there): the runner's check step names such a replica
	 * beside a failure (flavor node_behind). */
	bool lag_sensitive;
};

/* Values for expect_values: what most checkers report. */
extern const char *const checker_pass_fail[];
/* For workloads: the checkers of the bank's tables and journal. */
extern const char *const checker_bank_only[];

extern const struct checker_ops *const lab_checkers[]; /* NULL-terminated */
#define LAB_MAX_CHECKERS 16
size_t checker_count(void);
const struct checker_ops *checker_find(const char *name);
/* Index in lab_checkers[], or -1. */
int checker_index(const struct checker_ops *ops);
/* The checker whose expect key is key, or NULL. */
const struct checker_ops *checker_by_expect_key(const char *key);
const char *checker_expect_key(const struct checker_ops *ops);
/* True when the checker applies to clusters of that flavor. */
bool checker_applies_to(const struct checker_ops *ops, const char *flavor);
/* True when the checker can judge a run of that workload. */
bool checker_reads_workload(const struct checker_ops *ops, const char *workload);
/* True when value is one the checker can report ("any" too). */
bool checker_expect_valid(const struct checker_ops *ops, const char *value);

/* Run several checkers at once, as `lab check` and the runner's check step
 * do: those with scan hooks share one pass over each node's tables, the
 * others run one after another. res[i] is ops[i]'s result (res[i].summary
 * malloc'd, the caller's; an ops listed twice gets a copy). Each checker
 * prints its summary to ctx->out and stores its anomalies in ctx->db.
 * Returns 0, or -1 if any could not run (its actual is "broken"). */
int checkers_run(const struct check_ctx *ctx, const struct checker_ops *const *ops, size_t n,
		 struct check_result *res);

#endif
