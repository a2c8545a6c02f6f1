/*
 * convergence.c — the `convergence` checker: every node holds the same
 * data. For each table, every reachable node streams its rows in primary
 * key order (SELECT id, t.* ... ORDER BY id with mysql_use_result) at the
 * same time; lab hashes each row's text and folds the hashes into a
 * per-table, per-node checksum in key order, and walks the streams in lock
 * step so that the first differing primary keys are known without a second
 * pass. The first reachable node given is the reference. Kinds:
 *
 *   diverged-table   a table's checksum on a node differs from the reference
 *                    (the detail counts the rows and names the first ids)
 *   diverged-row     one of the first differing rows (max_examples per table
 *                    and node): different, missing on the node, or only there
 *   node-unreachable a node could not be read: reported, never skipped silently
 *
 * Memory is constant: one row per node at a time.
 */
#include "checkutil.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct node_state {
	size_t host;         /* index in ctx->hosts */
	char name[300];
	MYSQL *m;
	struct row_stream st;
	int have;            /* st holds an unread row */
	int64_t pk;
	uint64_t hash;
	/* per table */
	uint64_t checksum;
	int64_t rows, diffs;
	struct strbuf first_ids;
};

static int advance(struct node_state *n)
{
	int r = stream_next(&n->st);

	n->have = 0;
	if (r <= 0)
		return r;
	if (field_i64(n->st.row[0], &n->pk) < 0) {
		lab_error_quiet("unexpected id '%s' on %s: %s", n->st.row[0] ? n->st.row[0] : "NULL",
				n->name, n->st.sql);
		return -1;
	}
	n->hash = row_hash(n->st.row + 1, n->st.lengths + 1, n->st.n_fields - 1);
	n->have = 1;
	return 1;
}

static int check_table(const struct check_ctx *ctx, struct node_state *ns, size_t n,
		       const char *table, struct anomaly_sink *s)
{
	char sql[160];
	int max_ex = ctx->max_examples > 0 ? ctx->max_examples : 20;
	int rc = 0;

	snprintf(sql, sizeof(sql), "SELECT id, t.* FROM %s t ORDER BY id", table);
	for (size_t k = 0; k < n; k++) {
		ns[k].checksum = CHECKSUM_INIT;
		ns[k].rows = ns[k].diffs = 0;
		sb_reset(&ns[k].first_ids);
		if (stream_open(&ns[k].st, ns[k].m, sql) < 0 || advance(&ns[k]) < 0) {
			sink_unreachable(s, ns[k].name, lab_last_error());
			rc = -1;
		}
	}
	while (rc == 0) {
		int64_t pk = INT64_MAX;
		bool any = false;
		const struct node_state *ref = &ns[0];
		bool ref_has;

		for (size_t k = 0; k < n; k++)
			if (ns[k].have && (!any || ns[k].pk < pk)) {
				pk = ns[k].pk;
				any = true;
			}
		if (!any)
			break;
		ref_has = ref->have && ref->pk == pk;
		for (size_t k = 0; k < n; k++) {
			struct node_state *x = &ns[k];
			bool has = x->have && x->pk == pk;
			const char *how = NULL;

			if (k > 0) {
				if (has && !ref_has)
					how = "only on this node";
				else if (!has && ref_has)
					how = "missing on this node";
				else if (has && x->hash != ref->hash)
					how = "differs";
			}
			if (how) {
				if (x->diffs < max_ex) {
					sink_add(s, "diverged-row", table, pk, -1, x->name,
						 "%s:%" PRId64 " %s (reference %s)", table, pk, how,
						 ref->name);
					sb_printf(&x->first_ids, "%s%" PRId64, x->diffs ? "," : "", pk);
				}
				x->diffs++;
			}
		}
		/* Fold in and move on only after every node compared with the
		 * reference's current row. */
		for (size_t k = 0; k < n; k++) {
			struct node_state *x = &ns[k];
			if (x->have && x->pk == pk) {
				x->checksum = checksum_combine(x->checksum, pk, x->hash);
				x->rows++;
				if (advance(x) < 0) {
					sink_unreachable(s, x->name, lab_last_error());
					rc = -1;
				}
			}
		}
	}
	for (size_t k = 0; k < n; k++)
		stream_close(&ns[k].st);
	if (rc < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		struct node_state *x = &ns[k];
		if (k > 0 && (x->diffs || x->checksum != ns[0].checksum))
			sink_add(s, "diverged-table", table, -1, -1, x->name,
				 "%s on %s: %" PRId64 " rows, checksum %016" PRIx64 "; reference %s: %"
				 PRId64 " rows, checksum %016" PRIx64 "; %" PRId64
				 " rows differ, first ids %s", table, x->name, x->rows, x->checksum,
				 ns[0].name, ns[0].rows, ns[0].checksum, x->diffs,
				 x->first_ids.len ? x->first_ids.buf : "-");
		sink_note(s, "%-14s %s: %" PRId64 " rows, checksum %016" PRIx64 "%s", table, x->name,
			  x->rows, x->checksum,
			  k == 0 ? (n > 1 ? " (reference)" : "")
			  : x->checksum == ns[0].checksum && !x->diffs ? " (same)" : " (DIFFERS)");
	}
	return 0;
}

static int convergence_run(const struct check_ctx *ctx, struct check_result *res)
{
	struct anomaly_sink *s = sink_new(ctx, "convergence");
	struct node_state *ns = xcalloc(ctx->n_hosts ? ctx->n_hosts : 1, sizeof(*ns));
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < ctx->n_hosts; i++) {
		MYSQL *m = check_connect(ctx, i, s);
		if (!m)
			continue;
		ns[n].host = i;
		ns[n].m = m;
		check_node_name(ctx, i, ns[n].name, sizeof(ns[n].name));
		if (check_snapshot(m) < 0) {
			sink_unreachable(s, ns[n].name, lab_last_error());
			mysql_close(m);
			continue;
		}
		n++;
	}
	if (!n)
		rc = -1;
	for (size_t t = 0; t < ARRAY_SIZE(check_tables) && rc == 0; t++)
		if (check_table(ctx, ns, n, check_tables[t], s) < 0)
			rc = -1;
	if (rc == 0 && n == 1)
		sink_note(s, "one node reachable: checksums computed, nothing to compare with");
	rc = sink_finish(s, rc, res);
	for (size_t k = 0; k < n; k++) {
		mysql_close(ns[k].m);
		sb_release(&ns[k].first_ids);
	}
	free(ns);
	sink_free(s);
	return rc;
}

const struct checker_ops checker_convergence = {
	.name = "convergence",
	.help = "every node holds the same rows: per-table checksums in key order, "
		"the first differing keys named",
	.run = convergence_run,
};
