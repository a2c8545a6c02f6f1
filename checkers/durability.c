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
 * Each table's ids are streamed in order (SELECT id ... ORDER BY id, read
 * with mysql_use_result) and merged with the journal's sorted claims, so
 * memory is the journal's, never the table's. Each finding names the
 * transaction, its rows (the first few, with a count) and the node that
 * acknowledged it; the node where the rows were looked for is in the
 * detail.
 */
#include "checkutil.h"
#include "expect.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct id_src {
	struct row_stream st;
};

static int next_id(void *arg, int64_t *id)
{
	struct id_src *src = arg;
	int r = stream_next(&src->st);

	if (r <= 0)
		return r;
	if (field_i64(src->st.row[0], id) < 0) {
		lab_error_quiet("unexpected id '%s' from: %s", src->st.row[0] ? src->st.row[0] : "NULL",
				src->st.sql);
		return -1;
	}
	return 1;
}

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

static int check_node(const struct check_ctx *ctx, size_t i, struct expect *e,
		      struct anomaly_sink *s)
{
	/* Customers first: a reader of the summary sees lost customers before
	 * the rows that hung off them. */
	static const enum row_table order[] = { TBL_CUSTOMER, TBL_CREDIT, TBL_PURCHASE,
						TBL_PURCHASE_ITEM, TBL_PRODUCT };
	char node[300], sql[128];
	struct strbuf counts = { 0 };
	int64_t unknown_all = 0, unknown_none = 0;
	MYSQL *m;
	int rc = 0;

	check_node_name(ctx, i, node, sizeof(node));
	m = check_connect(ctx, i, s);
	if (!m)
		return 1;
	expect_reset_findings(e);
	if (check_snapshot(m) < 0)
		rc = -1;
	for (size_t k = 0; k < ARRAY_SIZE(order) && rc == 0; k++) {
		struct id_src src;
		struct phantom_arg pa = { .s = s, .node = node };
		int64_t rows = 0;

		snprintf(sql, sizeof(sql), "SELECT id FROM %s ORDER BY id", row_table_name(order[k]));
		if (stream_open(&src.st, m, sql) < 0) {
			rc = -1;
			break;
		}
		if (expect_merge_table(e, order[k], next_id, &src, on_phantom, &pa, &rows) < 0)
			rc = -1;
		stream_close(&src.st);
		sb_printf(&counts, "%s%s %" PRId64, k ? ", " : "", row_table_name(order[k]), rows);
	}
	if (rc == 0) {
		report_txns(e, s, node, &unknown_all, &unknown_none);
		sink_note(s, "%s: %s rows; unknown transactions applied in full %" PRId64
			  ", not at all %" PRId64, node, counts.buf, unknown_all, unknown_none);
	} else {
		sink_unreachable(s, node, lab_last_error());
	}
	sb_release(&counts);
	mysql_close(m);
	return rc == 0 ? 0 : 1;
}

static int durability_run(const struct check_ctx *ctx, struct check_result *res)
{
	struct anomaly_sink *s;
	struct expect e;
	size_t checked = 0;
	int rc;

	if (!ctx->journal_path) {
		lab_strlcpy(res->actual, "skip", sizeof(res->actual));
		res->anomalies = 0;
		res->summary = xstrdup("skipped: no journal given");
		if (ctx->out)
			fprintf(ctx->out, "durability: skip (no journal given)\n");
		return 0;
	}
	s = sink_new(ctx, "durability");
	expect_init(&e);
	if (expect_load(&e, ctx->journal_path) < 0) {
		rc = sink_finish(s, -1, res);
		goto out;
	}
	expect_finalize(&e);
	sink_note(s, "journal %s: %zu transactions (ok %" PRId64 ", failed %" PRId64
		  ", unknown %" PRId64 ")", ctx->journal_path, e.n_txns, e.count[TXN_OK],
		  e.count[TXN_FAILED], e.count[TXN_UNKNOWN]);
	for (size_t i = 0; i < ctx->n_hosts; i++) {
		if (check_node(ctx, i, &e, s) == 0) {
			checked++;
			if (ctx->first_reachable)
				break;
		}
	}
	rc = sink_finish(s, checked ? 0 : -1, res);
out:
	expect_release(&e);
	sink_free(s);
	return rc;
}

const struct checker_ops checker_durability = {
	.name = "durability",
	.help = "the client journal against the data: acknowledged transactions present, "
		"failed ones absent, unknown ones all-or-nothing, no phantom rows",
	.run = durability_run,
};
