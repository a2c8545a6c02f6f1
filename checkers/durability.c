/*
 * durability.c — the `durability` checker: the client journal against what
 * each node holds (rules in expect.h). Kinds of anomaly:
 *
 *   lost-ok          an acknowledged transaction's inserted rows are missing
 *                    (and no acknowledged or unknown delete explains it)
 *   lost-delete      an acknowledged delete_customer's rows are back / still there
 *   failed-present   a transaction the client saw fail left rows behind
 *   unknown-partial  an unknown transaction took effect in part
 *   phantom          a row no journal transaction inserted (load ranges count)
 *
 * Each table's ids come in order from the node's shared scan (scan_checks.c;
 * SELECT ... ORDER BY id read with mysql_use_result) and are merged with the
 * journal's sorted claims as they pass (expect.h's cursor), so memory is
 * the journal's, never the table's. Each finding names the
 * transaction, its rows (the first few, with a count) and the node that
 * acknowledged it; the node where the rows were looked for is in the
 * detail.
 */
#include "checker.h"
#include "checkutil.h"
#include "expect.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct phantom_arg {
	struct anomaly_sink *s;
	const char *node;
	int64_t n;
};

static void on_phantom(void *arg, enum row_table t, int64_t id)
{
	struct phantom_arg *pa = arg;

	pa->n++;
	sink_add(pa->s, "phantom", row_table_name(t), id, -1, pa->node,
		 "%s:%" PRId64 " is on %s but no journal transaction inserted it",
		 row_table_name(t), id, pa->node);
}

static void samples_text(struct strbuf *sb, const struct row_sample *v, int64_t n)
{
	for (int64_t i = 0; i < n && i < EXPECT_SAMPLES; i++)
		sb_printf(sb, "%s%s:%" PRId64, i ? ", " : "", row_table_name(v[i].table), v[i].id);
	if (n > EXPECT_SAMPLES)
		sb_printf(sb, " and %" PRId64 " more", n - EXPECT_SAMPLES);
}

static void report_txns(struct expect *e, struct anomaly_sink *s, const char *where,
			int64_t *unknown_all, int64_t *unknown_none)
{
	for (size_t i = 0; i < e->n_txns; i++) {
		const struct expect_txn *t = &e->txns[i];
		const struct txn_finding *f = &t->f;
		const char *ack = e->nodes[t->node];
		struct strbuf rows = { 0 };
		const char *kind;

		if (f->n_bad) {
			if (t->outcome == TXN_FAILED)
				kind = "failed-present";
			else if (t->kind == TXN_DELETE_CUSTOMER)
				kind = "lost-delete";
			else
				kind = "lost-ok";
			samples_text(&rows, f->bad, f->n_bad);
			sink_add(s, kind, row_table_name(f->bad[0].table), f->bad[0].id, t->txn, ack,
				 "%s txn %" PRId64 " (%s on %s): %" PRId64 " row%s %s on %s: %s",
				 txn_kind_name(t->kind), t->txn, txn_outcome_name(t->outcome), ack,
				 f->n_bad, f->n_bad == 1 ? "" : "s",
				 t->outcome == TXN_FAILED ? "present"
				 : t->kind == TXN_DELETE_CUSTOMER ? "still present" : "missing",
				 where, rows.buf);
			sb_release(&rows);
		}
		if (t->outcome == TXN_UNKNOWN) {
			if (f->n_applied && f->n_unapplied) {
				struct strbuf un = { 0 };
				samples_text(&rows, f->applied, f->n_applied);
				samples_text(&un, f->unapplied, f->n_unapplied);
				sink_add(s, "unknown-partial", row_table_name(f->unapplied[0].table),
					 f->unapplied[0].id, t->txn, ack,
					 "%s txn %" PRId64 " (unknown on %s) took effect in part on %s: "
					 "%" PRId64 " row%s applied (%s), %" PRId64 " not (%s)",
					 txn_kind_name(t->kind), t->txn, ack, where, f->n_applied,
					 f->n_applied == 1 ? "" : "s", rows.buf, f->n_unapplied, un.buf);
				sb_release(&un);
				sb_release(&rows);
			} else if (f->n_applied) {
				(*unknown_all)++;
			} else if (f->n_unapplied) {
				(*unknown_none)++;
			}
		}
	}
}

struct dur_node {
	struct expect *e;
	struct anomaly_sink *s;
	char node[300];
	struct expect_cursor cur;
	struct phantom_arg pa;
	int64_t rows[TBL_COUNT];
	struct table_consumer tc;
};

static int dur_open(void *arg, enum row_table t, const struct row_stream *st)
{
	struct dur_node *n = arg;

	(void)st;
	expect_cursor_begin(&n->cur, n->e, t, on_phantom, &n->pa);
	return 0;
}

static int dur_row(void *arg, enum row_table t, int64_t id, const struct row_stream *st)
{
	struct dur_node *n = arg;

	(void)t;
	(void)st;
	return expect_cursor_row(&n->cur, id);
}

static int dur_close(void *arg, enum row_table t)
{
	struct dur_node *n = arg;

	expect_cursor_end(&n->cur);
	n->rows[t] = n->cur.rows;
	return 0;
}

static void *dur_node_new(void *state, const struct check_ctx *ctx, size_t host, const char *node,
			  struct anomaly_sink *s)
{
	struct expect *e = state;
	struct dur_node *n = xcalloc(1, sizeof(*n));

	(void)ctx;
	(void)host;
	n->e = e;
	n->s = s;
	lab_strlcpy(n->node, node, sizeof(n->node));
	n->pa = (struct phantom_arg){ .s = s, .node = n->node };
	n->tc = (struct table_consumer){ .arg = n, .ids_only = true, .open = dur_open,
					 .row = dur_row, .close = dur_close };
	expect_reset_findings(e);
	return n;
}

static struct table_consumer *dur_node_consumer(void *node_state)
{
	struct dur_node *n = node_state;

	return &n->tc;
}

static void dur_node_finish(void *state, void *node_state)
{
	struct dur_node *n = node_state;
	static const enum row_table order[] = { TBL_CUSTOMER, TBL_CREDIT, TBL_PURCHASE,
						TBL_PURCHASE_ITEM, TBL_PRODUCT };
	int64_t unknown_all = 0, unknown_none = 0;
	struct strbuf counts = { 0 };

	(void)state;
	report_txns(n->e, n->s, n->node, &unknown_all, &unknown_none);
	for (size_t k = 0; k < ARRAY_SIZE(order); k++)
		sb_printf(&counts, "%s%s %" PRId64, k ? ", " : "", row_table_name(order[k]),
			  n->rows[order[k]]);
	sink_note(n->s, "%s: %s rows; unknown transactions applied in full %" PRId64
		  ", not at all %" PRId64, n->node, counts.buf, unknown_all, unknown_none);
	sb_release(&counts);
}

static void dur_node_free(void *node_state)
{
	struct dur_node *n = node_state;

	if (!n)
		return;
	free(n->cur.active);
	free(n);
}

/* Load the journal once for every node; skip when there is none. */
static int dur_begin(const struct check_ctx *ctx, struct anomaly_sink *s, struct check_result *res,
		     void **state)
{
	struct expect *e;

	if (!ctx->journal_path) {
		lab_strlcpy(res->actual, "skip", sizeof(res->actual));
		res->anomalies = 0;
		res->summary = xstrdup("skipped: no journal given");
		if (ctx->out)
			fprintf(ctx->out, "durability: skip (no journal given)\n");
		return 1;
	}
	e = xcalloc(1, sizeof(*e));
	expect_init(e);
	*state = e;
	if (expect_load(e, ctx->journal_path) < 0)
		return -1;
	expect_finalize(e);
	sink_note(s, "journal %s: %zu transactions (ok %" PRId64 ", failed %" PRId64
		  ", unknown %" PRId64 ")", ctx->journal_path, e->n_txns, e->count[TXN_OK],
		  e->count[TXN_FAILED], e->count[TXN_UNKNOWN]);
	return 0;
}

static void dur_end(void *state)
{
	struct expect *e = state;

	if (!e)
		return;
	expect_release(e);
	free(e);
}

static const struct scan_hooks durability_scan = {
	.begin = dur_begin,
	.node_new = dur_node_new,
	.consumer = dur_node_consumer,
	.node_done = dur_node_finish,
	.node_free = dur_node_free,
	.end = dur_end,
};

const struct checker_ops checker_durability = {
	.name = "durability",
	.help = "the client journal against the data: acknowledged transactions present, "
		"failed ones absent, unknown ones all-or-nothing, no phantom rows",
	.expect_default = "pass",
	.workloads = checker_bank_only,
	.scan = &durability_scan,
	.lag_sensitive = true,
};
