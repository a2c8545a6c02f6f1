/*
 * convergence.c — the `convergence` checker: every node holds the same
 * data. Each node's rows come from its shared scan (scan_checks.c: each
 * table once, in primary key order, read with mysql_use_result); lab hashes
 * each row's text and folds the hashes into a per-table, per-node checksum
 * in key order. The first node scanned is the reference. When a table's
 * checksum on a node differs, a second pass streams that table from every
 * node at once, in lock step by key, and names the first differing keys.
 * Kinds:
 *
 *   diverged-table   a table's checksum on a node differs from the reference
 *                    (the detail has both checksums, the count of differing
 *                    rows and the first ids)
 *   diverged-row     one of the first differing rows (max_examples per table
 *                    and node): different, missing on the node, or only there
 *   node-unreachable a node could not be read: reported, never skipped silently
 *
 * Memory is constant: one row per node at a time.
 */
#include "checker.h"
#include "checkutil.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* One node's per-table checksums and row counts. */
struct conv_node {
	size_t host;
	char name[300];
	bool scanned;
	uint64_t checksum[TBL_COUNT];
	int64_t rows[TBL_COUNT];
	struct table_consumer tc;
};

static int conv_open(void *arg, enum row_table t, const struct row_stream *st)
{
	struct conv_node *n = arg;

	(void)st;
	n->checksum[t] = CHECKSUM_INIT;
	n->rows[t] = 0;
	return 0;
}

static int conv_row(void *arg, enum row_table t, int64_t id, const struct row_stream *st)
{
	struct conv_node *n = arg;

	n->checksum[t] = checksum_combine(n->checksum[t], id,
					  row_hash(st->row + 1, st->lengths + 1, st->n_fields - 1));
	n->rows[t]++;
	return 0;
}

static int conv_close(void *arg, enum row_table t)
{
	(void)arg;
	(void)t;
	return 0;
}

static void conv_node_init(struct conv_node *n, const struct check_ctx *ctx, size_t host)
{
	memset(n, 0, sizeof(*n));
	n->host = host;
	check_node_name(ctx, host, n->name, sizeof(n->name));
	n->tc = (struct table_consumer){ .arg = n, .open = conv_open, .row = conv_row,
					 .close = conv_close };
}

/* The lock-step pass over one table: every node's stream at once. */
struct lock_node {
	struct conv_node *cn;
	MYSQL *m;
	struct row_stream st;
	int have;
	int64_t pk, diffs;
	uint64_t hash;
	struct strbuf first_ids;
};

static int advance(struct lock_node *n)
{
	int r = stream_next(&n->st);

	n->have = 0;
	if (r <= 0)
		return r;
	if (field_i64(n->st.row[0], &n->pk) < 0) {
		lab_error_quiet("unexpected id '%s' on %s: %s", n->st.row[0] ? n->st.row[0] : "NULL",
				n->cn->name, n->st.sql);
		return -1;
	}
	n->hash = row_hash(n->st.row + 1, n->st.lengths + 1, n->st.n_fields - 1);
	n->have = 1;
	return 1;
}

static int name_differences(const struct check_ctx *ctx, struct conv_node *nodes, size_t n,
			    enum row_table t, struct anomaly_sink *s)
{
	const char *table = row_table_name(t);
	int max_ex = ctx->max_examples > 0 ? ctx->max_examples : 20;
	struct lock_node *ln = xcalloc(n, sizeof(*ln));
	char sql[160];
	int rc = 0;

	snprintf(sql, sizeof(sql), "SELECT id, t.* FROM %s t ORDER BY id", table);
	for (size_t k = 0; k < n && rc == 0; k++) {
		ln[k].cn = &nodes[k];
		ln[k].m = check_connect(ctx, nodes[k].host, s);
		if (!ln[k].m || check_snapshot(ln[k].m) < 0 || stream_open(&ln[k].st, ln[k].m, sql) < 0 ||
		    advance(&ln[k]) < 0) {
			if (ln[k].m)
				sink_unreachable(s, nodes[k].name, lab_last_error());
			rc = -1;
		}
	}
	while (rc == 0) {
		int64_t pk = 0;
		bool any = false, ref_has;

		for (size_t k = 0; k < n; k++)
			if (ln[k].have && (!any || ln[k].pk < pk)) {
				pk = ln[k].pk;
				any = true;
			}
		if (!any)
			break;
		ref_has = ln[0].have && ln[0].pk == pk;
		for (size_t k = 1; k < n; k++) {
			struct lock_node *x = &ln[k];
			bool has = x->have && x->pk == pk;
			const char *how = NULL;

			if (has && !ref_has)
				how = "only on this node";
			else if (!has && ref_has)
				how = "missing on this node";
			else if (has && x->hash != ln[0].hash)
				how = "differs";
			if (!how)
				continue;
			if (x->diffs < max_ex) {
				sink_add(s, "diverged-row", table, pk, -1, x->cn->name,
					 "%s:%" PRId64 " %s (reference %s)", table, pk, how,
					 ln[0].cn->name);
				sb_printf(&x->first_ids, "%s%" PRId64, x->diffs ? "," : "", pk);
			}
			x->diffs++;
		}
		for (size_t k = 0; k < n && rc == 0; k++)
			if (ln[k].have && ln[k].pk == pk && advance(&ln[k]) < 0) {
				sink_unreachable(s, ln[k].cn->name, lab_last_error());
				rc = -1;
			}
	}
	for (size_t k = 1; k < n; k++) {
		struct conv_node *x = &nodes[k];
		if (rc < 0 || x->checksum[t] == nodes[0].checksum[t])
			continue;
		sink_add(s, "diverged-table", table, -1, -1, x->name,
			 "%s on %s: %" PRId64 " rows, checksum %016" PRIx64 "; reference %s: %" PRId64
			 " rows, checksum %016" PRIx64 "; %" PRId64 " rows differ%s%s", table, x->name,
			 x->rows[t], x->checksum[t], nodes[0].name, nodes[0].rows[t],
			 nodes[0].checksum[t], ln[k].diffs,
			 ln[k].diffs ? ", first ids " : " (none on a second look: did the data change?)",
			 ln[k].first_ids.len ? ln[k].first_ids.buf : "");
	}
	for (size_t k = 0; k < n; k++) {
		stream_close(&ln[k].st);
		if (ln[k].m)
			mysql_close(ln[k].m);
		sb_release(&ln[k].first_ids);
	}
	free(ln);
	return rc;
}

static int conv_compare(const struct check_ctx *ctx, struct conv_node *nodes, size_t n,
			struct anomaly_sink *s)
{
	int rc = 0;

	for (size_t i = 0; i < ARRAY_SIZE(check_tables); i++) {
		enum row_table t = (enum row_table)i;
		bool differs = false;

		for (size_t k = 0; k < n; k++) {
			const struct conv_node *x = &nodes[k];
			bool same = x->checksum[t] == nodes[0].checksum[t] && x->rows[t] == nodes[0].rows[t];
			differs = differs || !same;
			sink_note(s, "%-14s %s: %" PRId64 " rows, checksum %016" PRIx64 "%s",
				  row_table_name(t), x->name, x->rows[t], x->checksum[t],
				  k == 0 ? (n > 1 ? " (reference)" : "") : same ? " (same)" : " (DIFFERS)");
		}
		if (differs && name_differences(ctx, nodes, n, t, s) < 0)
			rc = -1;
	}
	if (n == 1)
		sink_note(s, "one node reachable: checksums computed, nothing to compare with");
	return rc;
}

/* The run's state: every node scanned so far, in scan order. */
struct conv_run {
	struct conv_node *nodes;
	size_t n;
};

static int conv_begin(const struct check_ctx *ctx, struct anomaly_sink *s, struct check_result *res,
		      void **state)
{
	struct conv_run *cr = xcalloc(1, sizeof(*cr));

	(void)s;
	(void)res;
	cr->nodes = xcalloc(ctx->n_hosts ? ctx->n_hosts : 1, sizeof(*cr->nodes));
	*state = cr;
	return 0;
}

/* The next slot; it counts once node_done says the scan was whole. */
static void *conv_node_new(void *state, const struct check_ctx *ctx, size_t host, const char *node,
			   struct anomaly_sink *s)
{
	struct conv_run *cr = state;
	struct conv_node *n = &cr->nodes[cr->n];

	(void)node;
	(void)s;
	conv_node_init(n, ctx, host);
	return n;
}

static struct table_consumer *conv_consumer(void *node_state)
{
	struct conv_node *n = node_state;

	return &n->tc;
}

static void conv_node_done(void *state, void *node_state)
{
	struct conv_run *cr = state;
	struct conv_node *n = node_state;

	n->scanned = true;
	cr->n++;
}

static void conv_node_free(void *node_state)
{
	(void)node_state; /* a slot of the run's array */
}

static int conv_finish(void *state, const struct check_ctx *ctx, struct anomaly_sink *s)
{
	struct conv_run *cr = state;

	return cr->n ? conv_compare(ctx, cr->nodes, cr->n, s) : 0;
}

static void conv_end(void *state)
{
	struct conv_run *cr = state;

	if (!cr)
		return;
	free(cr->nodes);
	free(cr);
}

static const struct scan_hooks convergence_scan = {
	.every_node = true,
	.begin = conv_begin,
	.node_new = conv_node_new,
	.consumer = conv_consumer,
	.node_done = conv_node_done,
	.node_free = conv_node_free,
	.finish = conv_finish,
	.end = conv_end,
};

const struct checker_ops checker_convergence = {
	.name = "convergence",
	.help = "every node holds the same rows: per-table checksums in key order, "
		"the first differing keys named",
	.expect_default = "pass",
	.workloads = checker_bank_only,
	.scan = &convergence_scan,
	.lag_sensitive = true,
};
