/*
 * scan_checks.c — runs checkers: those with scan hooks (checker.h) as
 * consumers of one pass over each node's tables, the others one after
 * another. Every table is streamed once per node (checkutil's scan_tables:
 * primary key order, mysql_use_result) inside one consistent snapshot, and
 * each row goes to the consumers of the checkers asked for. The server
 * reads each table once instead of once per checker.
 *
 * Nodes are scanned one after another; a checker looks at every node, or
 * only the first reachable one with ctx->first_reachable unless its hooks
 * say every_node. A node that cannot be reached, or that breaks off during
 * its scan, is reported to every checker that wanted it. A checker that
 * reads on a second connection (needs_lock: the invariants' items) gets its
 * node state made under a brief global read lock, so that both snapshots
 * see the same state.
 */
#include "checker.h"
#include "checkutil.h"
#include "dbconn.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* One scanning checker during a run. */
struct scan_run {
	const struct checker_ops *ops;
	struct anomaly_sink *sink;
	void *state;
	int rc;           /* -1: could not run */
	bool active;      /* begun and not skipped */
	size_t checked;   /* nodes fully scanned */
	struct check_result res;
};

/* Report a node's missing bank tables to every checker looking at it: the
 * node answers but its data is gone (a power cut that lost everything, a
 * deleted datadir), a finding about the database. */
static void report_missing(const struct check_ctx *ctx, struct scan_run *sr, const bool *on, size_t n,
			   unsigned missing, const char *node)
{
	for (size_t c = 0; c < n; c++) {
		if (!on[c])
			continue;
		for (int t = 0; t < TBL_COUNT; t++)
			if (missing & (1u << t))
				sink_add(sr[c].sink, "missing-table", row_table_name((enum row_table)t), -1, -1,
					 node, "table '%s.%s' does not exist on %s: every row it held is gone%s",
					 ctx->creds->database, row_table_name((enum row_table)t), node,
					 !strcmp(sr[c].ops->name, "durability")
						 ? ", acknowledged transactions included" : "");
		sr[c].checked++;
	}
}

static void report_unreachable(struct scan_run *sr, const bool *on, size_t n, const char *node,
			       const char *why)
{
	for (size_t c = 0; c < n; c++)
		if (on[c])
			sink_unreachable(sr[c].sink, node, why);
}

/* Make the node states of the checkers that are on and whose needs_lock is
 * locked; a checker that cannot is turned off for this node. */
static void make_node_states(const struct check_ctx *ctx, struct scan_run *sr, bool *on, size_t n,
			     void **ns, size_t host, const char *node, bool locked)
{
	for (size_t c = 0; c < n; c++) {
		if (!on[c] || sr[c].ops->scan->needs_lock != locked)
			continue;
		ns[c] = sr[c].ops->scan->node_new(sr[c].state, ctx, host, node, sr[c].sink);
		if (!ns[c])
			on[c] = false;
	}
}

/* One node: connect, snapshot, node states, one scan, done hooks. */
static void scan_one_node(const struct check_ctx *ctx, struct scan_run *sr, size_t n, bool *on, size_t host)
{
	void **ns = xcalloc(n, sizeof(*ns));
	struct table_consumer **tc = xcalloc(n, sizeof(*tc));
	char node[300];
	unsigned missing = 0;
	bool locked = false, want_lock = false;
	size_t k = 0;
	MYSQL *m;

	check_node_name(ctx, host, node, sizeof(node));
	m = check_connect_scan(ctx, host);
	if (m && check_missing_tables(ctx, m, &missing) == 0 && missing) {
		report_missing(ctx, sr, on, n, missing, node);
		goto out;
	}
	for (size_t c = 0; c < n; c++)
		want_lock = want_lock || (on[c] && sr[c].ops->scan->needs_lock);
	/* As mysqldump --single-transaction --master-data does: the snapshot
	 * and the second connection's one under a brief global read lock. */
	if (m && want_lock) {
		if (db_exec(m, "SET SESSION lock_wait_timeout = 10") == 0 &&
		    db_exec(m, "FLUSH TABLES WITH READ LOCK") == 0)
			locked = true;
		else
			for (size_t c = 0; c < n; c++)
				if (on[c] && sr[c].ops->scan->needs_lock)
					sink_note(sr[c].sink, "%s: the two snapshots were taken one after the other (%s)",
						  node, lab_last_error());
	}
	if (!m || check_snapshot(m) < 0) {
		report_unreachable(sr, on, n, node, lab_last_error());
		goto out; /* closing releases the lock */
	}
	make_node_states(ctx, sr, on, n, ns, host, node, true);
	if (locked && db_exec(m, "UNLOCK TABLES") < 0) {
		report_unreachable(sr, on, n, node, lab_last_error());
		goto out;
	}
	make_node_states(ctx, sr, on, n, ns, host, node, false);
	for (size_t c = 0; c < n; c++)
		if (on[c])
			tc[k++] = sr[c].ops->scan->consumer(ns[c]);
	if (k && scan_tables(m, tc, k) < 0) {
		report_unreachable(sr, on, n, node, lab_last_error());
	} else if (k) {
		for (size_t c = 0; c < n; c++)
			if (on[c]) {
				if (sr[c].ops->scan->node_done)
					sr[c].ops->scan->node_done(sr[c].state, ns[c]);
				sr[c].checked++;
			}
	}
out:
	for (size_t c = 0; c < n; c++)
		if (ns[c])
			sr[c].ops->scan->node_free(ns[c]);
	if (m)
		mysql_close(m);
	free(ns);
	free(tc);
}

/* The scanning checkers sr[0..n-1]: begin, every node, finish. */
static int scan_checks_run(const struct check_ctx *ctx, struct scan_run *sr, size_t n)
{
	bool *on = xcalloc(n ? n : 1, sizeof(*on));
	int ret = 0;

	for (size_t c = 0; c < n; c++) {
		const struct scan_hooks *h = sr[c].ops->scan;
		int b = 0;
		sr[c].sink = sink_new(ctx, sr[c].ops->name);
		if (h->begin)
			b = h->begin(ctx, sr[c].sink, &sr[c].res, &sr[c].state);
		sr[c].active = b == 0;
		if (b < 0)
			sr[c].rc = -1;
		if (b > 0) { /* skipped: res filled (and said) by begin */
			sink_free(sr[c].sink);
			sr[c].sink = NULL;
		}
	}
	for (size_t host = 0; host < ctx->n_hosts; host++) {
		bool any = false;
		for (size_t c = 0; c < n; c++) {
			on[c] = sr[c].active &&
				!(!sr[c].ops->scan->every_node && ctx->first_reachable && sr[c].checked);
			any = any || on[c];
		}
		if (!any)
			break;
		scan_one_node(ctx, sr, n, on, host);
	}
	for (size_t c = 0; c < n; c++) {
		const struct scan_hooks *h = sr[c].ops->scan;
		if (!sr[c].sink)
			continue;
		if (sr[c].active && sr[c].checked && h->finish && h->finish(sr[c].state, ctx, sr[c].sink) < 0)
			sr[c].rc = -1;
		if (sr[c].active && !sr[c].checked)
			sr[c].rc = -1; /* no node could be checked */
		else if (ctx->first_reachable && !h->every_node)
			sink_tolerate_unreachable(sr[c].sink);
		if (sink_finish(sr[c].sink, sr[c].rc, &sr[c].res) < 0)
			ret = -1;
		sink_free(sr[c].sink);
		sr[c].sink = NULL;
	}
	for (size_t c = 0; c < n; c++)
		if (sr[c].ops->scan->end)
			sr[c].ops->scan->end(sr[c].state);
	free(on);
	return ret;
}

int checkers_run(const struct check_ctx *ctx, const struct checker_ops *const *ops, size_t n,
		 struct check_result *res)
{
	struct scan_run *sr = xcalloc(n ? n : 1, sizeof(*sr));
	size_t n_sr = 0;
	int rc = 0;

	memset(res, 0, n * sizeof(*res));
	/* Each scanning checker once, however often it is listed. */
	for (size_t i = 0; i < n; i++) {
		size_t k;
		if (!ops[i]->scan)
			continue;
		for (k = 0; k < n_sr && sr[k].ops != ops[i]; k++)
			;
		if (k == n_sr)
			sr[n_sr++].ops = ops[i];
	}
	if (n_sr && scan_checks_run(ctx, sr, n_sr) < 0)
		rc = -1;
	for (size_t i = 0; i < n; i++) {
		if (ops[i]->scan) {
			size_t k;
			for (k = 0; sr[k].ops != ops[i]; k++)
				;
			res[i] = sr[k].res;
			res[i].summary = xstrdup(sr[k].res.summary ? sr[k].res.summary : "");
		} else if (ops[i]->run(ctx, &res[i]) < 0) {
			rc = -1;
		}
		if (!res[i].actual[0]) {
			lab_strlcpy(res[i].actual, "broken", sizeof(res[i].actual));
			rc = -1;
		}
		if (!strcmp(res[i].actual, "broken"))
			rc = -1;
	}
	for (size_t k = 0; k < n_sr; k++)
		free(sr[k].res.summary);
	free(sr);
	return rc;
}
