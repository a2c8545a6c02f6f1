/*
 * checker.h — checkers decide whether a cluster's data is right. Each is
 * one table of operations in its own file, listed in lab_checkers[]
 * (invariants, durability, convergence, split-brain). Used by `lab check`
 * and by the runner's `check:` step.
 */
#ifndef LAB_CHECKER_H
#define LAB_CHECKER_H

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
	/* Added by H3: look at the first reachable node only (the others are
	 * still reported when they cannot be reached before it). Convergence
	 * always looks at every node. */
	int first_reachable;
};

struct check_result {
	char actual[32];   /* pass | fail | broken | skip, or for split-brain:
			      primary | no-primary | split-brain-detected */
	int64_t anomalies;
	char *summary;     /* malloc'd one-paragraph summary, owned by the caller */
};

struct checker_ops {
	const char *name;
	const char *help;
	/* 0 when the check ran (whatever it found), -1 when it could not run. */
	int (*run)(const struct check_ctx *ctx, struct check_result *res);
};

extern const struct checker_ops *const lab_checkers[]; /* NULL-terminated */
const struct checker_ops *checker_find(const char *name);

/* Added by H3: run several checkers at once, as `lab check` does: those
 * that read the bank's tables (invariants, durability, convergence) share
 * one pass over each node's tables, the others run one after another.
 * res[i] is ops[i]'s result (res[i].summary malloc'd, the caller's; an ops
 * listed twice gets a copy). Each checker prints and stores as its run()
 * does. Returns 0, or -1 if any could not run (its actual is "broken"). */
int checkers_run(const struct check_ctx *ctx, const struct checker_ops *const *ops, size_t n,
		 struct check_result *res);

#endif
