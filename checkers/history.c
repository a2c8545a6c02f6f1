/*
 * history.c — the `history` checker: the run's append journal through lab's
 * Elle-class history checker (history/history.h). It reports, with Elle's
 * names, every anomaly the consistency model of the check step (`model:`,
 * default strict-serializable) prohibits — G0, G1a/b/c, G-single, G2-item,
 * their -process / -realtime variants, lost updates, stale reads,
 * incompatible orders... — each with the cycle's transactions, edges, keys
 * and values, into the anomalies table; anomalies the model allows are
 * counted in the summary only. It needs the append workload's journal.
 */
#include "checker.h"
#include "history.h"
#include "resultsdb.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const append_only[] = { "append", NULL };

/* The summary: counts, types found, models ruled out. */
static char *summary_of(const struct history_result *hr, const char *model, const char *verdict)
{
	struct strbuf sb = { 0 };

	sb_printf(&sb, "history: %s (%zu transactions: %zu ok, %zu failed, %zu unknown; %zu keys; model %s; %.1f s)",
		  verdict, hr->n_txns, hr->n_ok, hr->n_fail, hr->n_info, hr->n_keys, model,
		  hr->seconds_read + hr->seconds_check);
	for (size_t i = 0; i < hr->n_types; i++)
		sb_printf(&sb, "%s%s %zu", i ? ", " : "\n  anomalies: ", hr->types[i], hr->type_counts[i]);
	for (size_t i = 0; i < hr->n_notes; i++)
		sb_printf(&sb, "%s%s %zu", i ? ", " : "\n  allowed by the model: ", hr->note_types[i],
			  hr->note_counts[i]);
	for (size_t i = 0; i < hr->n_not; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "\n  not: ", hr->not_models[i]);
	for (size_t i = 0; i < hr->n_also_not; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "\n  also not: ", hr->also_not_models[i]);
	return sb_detach(&sb);
}

static int history_run(const struct check_ctx *ctx, struct check_result *res)
{
	struct history_opts o;
	struct history_result hr;
	const char *model = ctx->model ? ctx->model : "strict-serializable";
	int max_ex = ctx->max_examples > 0 ? ctx->max_examples : 20, shown = 0;
	char *sum;

	memset(res, 0, sizeof(*res));
	memset(&hr, 0, sizeof(hr));
	if (!ctx->journal_path) {
		lab_strlcpy(res->actual, "skip", sizeof(res->actual));
		res->summary = xstrdup("skipped: no append journal");
		if (ctx->out)
			fprintf(ctx->out, "history: skip (no append journal)\n");
		return 0;
	}
	history_opts_init(&o);
	o.workload = HISTORY_WL_LIST_APPEND;
	o.models[0] = model;
	o.n_models = 1;
	/* Every value in lab's journal was written by a journaled transaction:
	 * a read of any other value is garbage, a finding. */
	o.anomalies[o.n_anomalies++] = "garbage-versions";
	if (history_check_path(ctx->journal_path, &o, &hr) < 0) {
		history_result_release(&hr);
		return -1;
	}
	lab_strlcpy(res->actual, hr.valid == HISTORY_INVALID ? "fail" : "pass", sizeof(res->actual));
	res->anomalies = 0;
	for (size_t i = 0; i < hr.n_types; i++)
		res->anomalies += (int64_t)hr.type_counts[i];
	if (ctx->db) {
		resultsdb_begin(ctx->db);
		for (size_t i = 0; i < hr.n_anomalies; i++)
			resultsdb_anomaly(ctx->db, ctx->run_id, "history", hr.anomalies[i].type, NULL, -1, -1, NULL,
					  hr.anomalies[i].explanation);
		resultsdb_commit(ctx->db);
	}
	sum = summary_of(&hr, model, res->actual);
	if (ctx->out) {
		fprintf(ctx->out, "%s\n", sum);
		for (size_t i = 0; i < hr.n_anomalies && shown < max_ex; i++, shown++)
			fprintf(ctx->out, "  %s\n", hr.anomalies[i].explanation);
	}
	res->summary = sum;
	history_result_release(&hr);
	return 0;
}

const struct checker_ops checker_history = {
	.name = "history",
	.help = "isolation anomalies in the append workload's history (Elle's G0..G2, lost updates, stale reads), "
		"for the check step's consistency model",
	.expect_default = "pass",
	.workloads = append_only,
	.run = history_run,
};
