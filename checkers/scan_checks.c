/*
 * scan_checks.c — invariants, durability and convergence from one pass over
 * each node's tables. Every table is streamed once per node (checkutil's
 * scan_tables: primary key order, mysql_use_result) inside one consistent
 * snapshot, and each row goes to the consumers of the checkers asked for:
 * the invariants' sums, the durability cursor over the journal's claims,
 * the convergence checksums. The server reads each table once instead of
 * once per checker. The invariants also stream the items in purchase_id
 * order on a second connection while the purchases pass.
 *
 * Nodes are scanned one after another; invariants and durability look at
 * every node (or only the first reachable one with ctx->first_reachable),
 * convergence at every node. A node that cannot be reached, or that breaks
 * off during its scan, is reported to every checker that wanted it.
 */
#include "dbconn.h"
#include "scanners.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const scan_names[SCAN_CHECKERS] = { "invariants", "durability", "convergence" };

int scan_checker_index(const char *name)
{
	for (int i = 0; i < SCAN_CHECKERS; i++)
		if (!strcmp(scan_names[i], name))
			return i;
	return -1;
}

int scan_checks_run(const struct check_ctx *ctx, const bool want_in[SCAN_CHECKERS],
		    struct check_result res[SCAN_CHECKERS])
{
	struct anomaly_sink *s[SCAN_CHECKERS] = { NULL };
	bool want[SCAN_CHECKERS];
	int rc[SCAN_CHECKERS] = { 0 };
	size_t checked[SCAN_CHECKERS] = { 0 }, n_cn = 0;
	struct conv_node *cn = xcalloc(ctx->n_hosts ? ctx->n_hosts : 1, sizeof(*cn));
	struct expect e;
	int ret = 0;

	expect_init(&e);
	memcpy(want, want_in, sizeof(want));
	for (int c = 0; c < SCAN_CHECKERS; c++)
		if (want[c])
			s[c] = sink_new(ctx, scan_names[c]);
	if (want[SCAN_DURABILITY] && !ctx->journal_path) {
		struct check_result *r = &res[SCAN_DURABILITY];
		lab_strlcpy(r->actual, "skip", sizeof(r->actual));
		r->anomalies = 0;
		r->summary = xstrdup("skipped: no journal given");
		if (ctx->out)
			fprintf(ctx->out, "durability: skip (no journal given)\n");
		sink_free(s[SCAN_DURABILITY]);
		s[SCAN_DURABILITY] = NULL;
		want[SCAN_DURABILITY] = false;
	} else if (want[SCAN_DURABILITY] && dur_load(&e, ctx->journal_path, s[SCAN_DURABILITY]) < 0) {
		rc[SCAN_DURABILITY] = -1;
		want[SCAN_DURABILITY] = false;
	}

	for (size_t i = 0; i < ctx->n_hosts; i++) {
		bool on[SCAN_CHECKERS];
		struct table_consumer *tc[SCAN_CHECKERS];
		struct inv_node *in = NULL;
		struct dur_node *dn = NULL;
		char node[300];
		size_t k = 0;
		bool any = false;
		MYSQL *m;

		for (int c = 0; c < SCAN_CHECKERS; c++) {
			on[c] = want[c] && !(c != SCAN_CONVERGENCE && ctx->first_reachable && checked[c]);
			any = any || on[c];
		}
		if (!any)
			break;
		check_node_name(ctx, i, node, sizeof(node));
		m = check_connect_scan(ctx, i);
		unsigned missing = 0;
		if (m && check_missing_tables(ctx, m, &missing) == 0 && missing) {
			/* The node answers but the bank's data is gone (a power cut
			 * that lost everything, a deleted datadir): a finding about
			 * the database, reported on every checker that looked. */
			for (int c = 0; c < SCAN_CHECKERS; c++) {
				if (!on[c])
					continue;
				for (int t = 0; t < TBL_COUNT; t++)
					if (missing & (1u << t))
						sink_add(s[c], "missing-table", row_table_name((enum row_table)t),
							 -1, -1, node,
							 "table '%s.%s' does not exist on %s: every row it held is gone%s",
							 ctx->creds->database, row_table_name((enum row_table)t), node,
							 c == SCAN_DURABILITY ? ", acknowledged transactions included" : "");
				checked[c]++;
			}
			mysql_close(m);
			continue;
		}
		/* The invariants read the items on a second connection. Both
		 * snapshots must see the same state, or a replica still applying
		 * (or a late client) makes orphans and cost mismatches out of
		 * nothing: take them under a brief global read lock, as
		 * mysqldump --single-transaction --master-data does. */
		bool locked = false;
		if (m && on[SCAN_INVARIANTS]) {
			if (db_exec(m, "SET SESSION lock_wait_timeout = 10") == 0 &&
			    db_exec(m, "FLUSH TABLES WITH READ LOCK") == 0)
				locked = true;
			else
				sink_note(s[SCAN_INVARIANTS],
					  "%s: the two snapshots were taken one after the other (%s)", node,
					  lab_last_error());
		}
		if (!m || check_snapshot(m) < 0) {
			const char *why = lab_last_error();
			for (int c = 0; c < SCAN_CHECKERS; c++)
				if (on[c])
					sink_unreachable(s[c], node, why);
			if (m)
				mysql_close(m); /* closing releases the lock */
			continue;
		}
		if (on[SCAN_INVARIANTS]) {
			in = inv_node_new(ctx, i, s[SCAN_INVARIANTS]);
			if (in)
				tc[k++] = inv_node_consumer(in);
			else
				on[SCAN_INVARIANTS] = false;
		}
		if (locked && db_exec(m, "UNLOCK TABLES") < 0) {
			const char *why = lab_last_error();
			for (int c = 0; c < SCAN_CHECKERS; c++)
				if (on[c])
					sink_unreachable(s[c], node, why);
			inv_node_free(in);
			mysql_close(m);
			continue;
		}
		if (on[SCAN_DURABILITY]) {
			dn = dur_node_new(&e, node, s[SCAN_DURABILITY]);
			tc[k++] = dur_node_consumer(dn);
		}
		if (on[SCAN_CONVERGENCE]) {
			conv_node_init(&cn[n_cn], ctx, i);
			tc[k++] = &cn[n_cn].tc;
		}
		if (k && scan_tables(m, tc, k) < 0) {
			const char *why = lab_last_error();
			for (int c = 0; c < SCAN_CHECKERS; c++)
				if (on[c])
					sink_unreachable(s[c], node, why);
		} else if (k) {
			if (in) {
				inv_node_finish(in);
				checked[SCAN_INVARIANTS]++;
			}
			if (dn) {
				dur_node_finish(dn);
				checked[SCAN_DURABILITY]++;
			}
			if (on[SCAN_CONVERGENCE]) {
				cn[n_cn++].scanned = true;
				checked[SCAN_CONVERGENCE]++;
			}
		}
		inv_node_free(in);
		dur_node_free(dn);
		mysql_close(m);
	}
	if (want[SCAN_CONVERGENCE] && n_cn)
		conv_compare(ctx, cn, n_cn, s[SCAN_CONVERGENCE]);

	for (int c = 0; c < SCAN_CHECKERS; c++) {
		if (!s[c])
			continue;
		if (want[c] && !checked[c])
			rc[c] = -1; /* no node could be checked */
		else if (ctx->first_reachable && c != SCAN_CONVERGENCE)
			sink_tolerate_unreachable(s[c]);
		if (sink_finish(s[c], rc[c], &res[c]) < 0)
			ret = -1;
		sink_free(s[c]);
	}
	expect_release(&e);
	free(cn);
	return ret;
}

int checkers_run(const struct check_ctx *ctx, const struct checker_ops *const *ops, size_t n,
		 struct check_result *res)
{
	bool want[SCAN_CHECKERS] = { false }, any = false;
	struct check_result scanned[SCAN_CHECKERS];
	int rc = 0;

	memset(scanned, 0, sizeof(scanned));
	memset(res, 0, n * sizeof(*res));
	for (size_t i = 0; i < n; i++) {
		int k = scan_checker_index(ops[i]->name);
		if (k >= 0)
			want[k] = any = true;
	}
	if (any && scan_checks_run(ctx, want, scanned) < 0)
		rc = -1;
	for (size_t i = 0; i < n; i++) {
		int k = scan_checker_index(ops[i]->name);
		if (k >= 0) {
			res[i] = scanned[k];
			res[i].summary = xstrdup(scanned[k].summary ? scanned[k].summary : "");
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
	for (int k = 0; k < SCAN_CHECKERS; k++)
		free(scanned[k].summary);
	return rc;
}
