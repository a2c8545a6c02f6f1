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
#include "scanners.h"
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

struct dur_node *dur_node_new(struct expect *e, const char *node, struct anomaly_sink *s)
{
	struct dur_node *n = xcalloc(1, sizeof(*n));

	n->e = e;
	n->s = s;
	lab_strlcpy(n->node, node, sizeof(n->node));
	n->pa = (struct phantom_arg){ .s = s, .node = n->node };
	n->tc = (struct table_consumer){ .arg = n, .ids_only = true, .open = dur_open,
					 .row = dur_row, .close = dur_close };
	expect_reset_findings(e);
	return n;
}

struct table_consumer *dur_node_consumer(struct dur_node *n)
{
	return &n->tc;
}

void dur_node_finish(struct dur_node *n)
{
	static const enum row_table order[] = { TBL_CUSTOMER, TBL_CREDIT, TBL_PURCHASE,
						TBL_PURCHASE_ITEM, TBL_PRODUCT };
	int64_t unknown_all = 0, unknown_none = 0;
	struct strbuf counts = { 0 };

	report_txns(n->e, n->s, n->node, &unknown_all, &unknown_none);
	for (size_t k = 0; k < ARRAY_SIZE(order); k++)
		sb_printf(&counts, "%s%s %" PRId64, k ? ", " : "", row_table_name(order[k]),
			  n->rows[order[k]]);
	sink_note(n->s, "%s: %s rows; unknown transactions applied in full %" PRId64
		  ", not at all %" PRId64, n->node, counts.buf, unknown_all, unknown_none);
	sb_release(&counts);
}

void dur_node_free(struct dur_node *n)
{
	if (!n)
		return;
	free(n->cur.active);
	free(n);
}

int dur_load(struct expect *e, const char *path, struct anomaly_sink *s)
{
	if (expect_load(e, path) < 0)
		return -1;
	expect_finalize(e);
	sink_note(s, "journal %s: %zu transactions (ok %" PRId64 ", failed %" PRId64
		  ", unknown %" PRId64 ")", path, e->n_txns, e->count[TXN_OK],
		  e->count[TXN_FAILED], e->count[TXN_UNKNOWN]);
	return 0;
}

static int durability_run(const struct check_ctx *ctx, struct check_result *res)
{
	bool want[SCAN_CHECKERS] = { [SCAN_DURABILITY] = true };
	struct check_result r[SCAN_CHECKERS];
	int rc;

	memset(r, 0, sizeof(r));
	rc = scan_checks_run(ctx, want, r);
	*res = r[SCAN_DURABILITY];
	return rc;
}

const struct checker_ops checker_durability = {
	.name = "durability",
	.help = "the client journal against the data: acknowledged transactions present, "
		"failed ones absent, unknown ones all-or-nothing, no phantom rows",
	.run = durability_run,
};
