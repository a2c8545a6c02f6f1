/*
 * hist_result.c — the checker's entry points and its results: read the
 * history, pick the workload, run the workload's inference, the order
 * edges and the cycle search, then keep what Elle would report (the
 * anomalies the expected models prohibit, plus empty-transaction-graph and
 * cycle-search-timeout, without cycle-exists cases a named anomaly already
 * explains), decide valid / invalid / unknown, name the models ruled out,
 * and print it all for a DBA or, with --json, in Elle's result shape.
 */
#include "hist_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void history_opts_init(struct history_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cycle_search_ms = 1000;
	o->max_per_type = 8;
}

static bool any_reportable(const struct history_opts *o, const char *suffix)
{
	static const char *const bases[] = { "G0", "G1c", "G-single-item", "G-nonadjacent-item", "G2-item" };
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s%s", bases[i], suffix);
		if (anomaly_reportable(o, name))
			return true;
	}
	return false;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_anom(const void *a, const void *b)
{
	return strcmp(((const struct history_anomaly *)a)->type, ((const struct history_anomaly *)b)->type);
}

static void build_result(struct checker *c, struct history_result *res)
{
	struct anoms *as = c->out;
	const struct history_opts *o = c->opts;
	/* not / also-not from every anomaly type found */
	models_boundary(as->tnames, as->n_types, &res->not_models, &res->n_not, &res->also_not_models,
			&res->n_also_not);
	/* reportable types, minus redundant cycle-exists */
	char **others = xcalloc(as->n_types + 1, sizeof(char *));
	size_t n_others = 0;
	for (size_t i = 0; i < as->n_types; i++)
		if (anomaly_reportable(o, as->tnames[i]) && !ends_with(as->tnames[i], "-cycle-exists"))
			others[n_others++] = as->tnames[i];
	bool *keep = xcalloc(as->n_types + 1, sizeof(bool));
	bool bad = false;
	for (size_t i = 0; i < as->n_types; i++) {
		const char *t = as->tnames[i];
		if (!anomaly_reportable(o, t))
			continue;
		if (ends_with(t, "-cycle-exists")) {
			char model[64];
			lab_strlcpy(model, t, sizeof(model));
			model[strlen(t) - strlen("-cycle-exists")] = '\0';
			if (model_ruled_out(others, n_others, model))
				continue;
		}
		keep[i] = true;
		bad = bad || anomaly_prohibited(o, t);
	}
	res->types = xcalloc(as->n_types + 1, sizeof(char *));
	res->type_counts = xcalloc(as->n_types + 1, sizeof(size_t));
	for (size_t i = 0; i < as->n_types; i++)
		if (keep[i])
			res->types[res->n_types++] = xstrdup(as->tnames[i]);
	qsort(res->types, res->n_types, sizeof(char *), cmp_str);
	res->note_types = xcalloc(as->n_types + 1, sizeof(char *));
	res->note_counts = xcalloc(as->n_types + 1, sizeof(size_t));
	for (size_t i = 0; i < as->n_types; i++)
		if (!anomaly_reportable(o, as->tnames[i]) && !ends_with(as->tnames[i], "-cycle-exists")) {
			res->note_types[res->n_notes] = xstrdup(as->tnames[i]);
			res->note_counts[res->n_notes++] = as->tcounts[i];
		}
	for (size_t i = 0; i < res->n_types; i++)
		res->type_counts[i] = anoms_count(as, res->types[i]);
	res->anomalies = xcalloc(as->n + 1, sizeof(*res->anomalies));
	for (size_t i = 0; i < as->n; i++) {
		bool kept = false;
		for (size_t j = 0; j < res->n_types && !kept; j++)
			kept = strcmp(res->types[j], as->a[i].type) == 0;
		for (size_t j = 0; j < res->n_notes && !kept; j++)
			kept = strcmp(res->note_types[j], as->a[i].type) == 0;
		if (!kept)
			continue;
		struct history_anomaly *a = &res->anomalies[res->n_anomalies++];
		a->type = as->a[i].type;
		a->explanation = as->a[i].text;
		a->json = as->a[i].json;
		as->a[i].type = as->a[i].text = as->a[i].json = NULL;
	}
	/* stable grouping by type, in type order */
	for (size_t i = 1; i < res->n_anomalies; i++) {
		struct history_anomaly x = res->anomalies[i];
		size_t j = i;
		while (j > 0 && cmp_anom(&res->anomalies[j - 1], &x) > 0) {
			res->anomalies[j] = res->anomalies[j - 1];
			j--;
		}
		res->anomalies[j] = x;
	}
	res->valid = bad ? HISTORY_INVALID : res->n_types ? HISTORY_UNKNOWN : HISTORY_VALID;
	free(others);
	free(keep);
}

int history_check_stream(FILE *f, const char *name, const struct history_opts *opts, struct history_result *res)
{
	struct hist h;
	struct anoms as = { 0 };
	struct checker c = { 0 };
	int rc = -1;
	memset(res, 0, sizeof(*res));
	hist_init(&h, name);
	as.max_per_type = opts->max_per_type;
	int64_t t0 = mono_ns();
	if (hist_read_stream(&h, f) < 0)
		goto cleanup;
	hist_finish(&h);
	int64_t t1 = mono_ns();
	res->seconds_read = (double)(t1 - t0) / 1e9;
	enum history_workload wl = opts->workload;
	bool la = h.saw_append || h.saw_list_read, rr = h.saw_write || h.saw_reg_read;
	if (wl == HISTORY_WL_AUTO) {
		if (la && rr) {
			lab_error("%s: the history mixes list-append (append, list reads) and rw-register (w, value "
				  "reads) micro-ops; say --workload",
				  name);
			goto cleanup;
		}
		wl = rr ? HISTORY_WL_RW_REGISTER : HISTORY_WL_LIST_APPEND;
	}
	res->workload = wl;
	for (size_t i = 0; i < h.n_txns; i++) {
		res->n_ok += h.txns[i].type == HT_OK;
		res->n_fail += h.txns[i].type == HT_FAIL;
		res->n_info += h.txns[i].type == HT_INFO;
	}
	res->n_txns = h.n_txns;
	res->n_keys = h.n_keys;
	if (h.n_txns >= UINT32_MAX) {
		lab_error("%s: more than %u transactions", name, UINT32_MAX - 1);
		goto cleanup;
	}
	c.h = &h;
	c.opts = opts;
	c.out = &as;
	c.wl = wl;
	c.want_realtime = any_reportable(opts, "-realtime");
	c.want_process = any_reportable(opts, "-process");
	if ((wl == HISTORY_WL_LIST_APPEND ? check_list_append(&c) : check_rw_register(&c)) < 0)
		goto cleanup;
	int64_t t2 = mono_ns();
	add_order_edges(&c);
	int64_t t3 = mono_ns();
	find_cycles(&c);
	lab_debug("history %s: read %.2f s, inference %.2f s, order edges %.2f s, graph and cycles %.2f s "
		  "(%zu txns, %zu mops, %zu values, %zu keys)",
		  name, (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9, (double)(t3 - t2) / 1e9,
		  (double)(mono_ns() - t3) / 1e9, h.n_txns, h.n_mops, h.n_vals, h.n_keys);
	if (c.empty_graph)
		anoms_add(&as, "empty-transaction-graph",
			  xstrdup("empty-transaction-graph: no transaction depends on another, so there is nothing "
				  "to order and cycle search proves nothing"),
			  xstrdup("true"));
	build_result(&c, res);
	res->seconds_check = (double)(mono_ns() - t1) / 1e9;
	rc = 0;
cleanup:
	checker_workload_free(&c);
	pm_release(&c.writer);
	edges_release(&c.edges);
	anoms_release(&as);
	hist_release(&h);
	return rc;
}

int history_check_path(const char *path, const struct history_opts *opts, struct history_result *res)
{
	memset(res, 0, sizeof(*res));
	if (strcmp(path, "-") == 0)
		return history_check_stream(stdin, "-", opts, res);
	FILE *f = fopen(path, "r");
	if (!f) {
		lab_error("cannot open history '%s': %s", path, strerror(errno));
		return -1;
	}
	int rc = history_check_stream(f, path, opts, res);
	fclose(f);
	return rc;
}

void history_result_release(struct history_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n_anomalies; i++) {
		free(res->anomalies[i].type);
		free(res->anomalies[i].explanation);
		free(res->anomalies[i].json);
	}
	free(res->anomalies);
	for (size_t i = 0; i < res->n_types; i++)
		free(res->types[i]);
	free(res->types);
	free(res->type_counts);
	for (size_t i = 0; i < res->n_notes; i++)
		free(res->note_types[i]);
	free(res->note_types);
	free(res->note_counts);
	for (size_t i = 0; i < res->n_not; i++)
		free(res->not_models[i]);
	for (size_t i = 0; i < res->n_also_not; i++)
		free(res->also_not_models[i]);
	free(res->not_models);
	free(res->also_not_models);
	memset(res, 0, sizeof(*res));
}

static const char *wl_name(enum history_workload w)
{
	return w == HISTORY_WL_RW_REGISTER ? "rw-register" : "list-append";
}

void history_result_print(FILE *out, const char *name, const struct history_result *r)
{
	fprintf(out, "%s: %s — %s, %zu transactions (%zu ok, %zu failed, %zu unknown), %zu keys\n", name,
		r->valid == HISTORY_VALID ? "valid" : r->valid == HISTORY_INVALID ? "INVALID" : "unknown",
		wl_name(r->workload), r->n_txns, r->n_ok, r->n_fail, r->n_info, r->n_keys);
	if (r->n_types) {
		fprintf(out, "  anomalies:");
		for (size_t i = 0; i < r->n_types; i++)
			fprintf(out, "%s %s (%zu)", i ? "," : "", r->types[i], r->type_counts[i]);
		fprintf(out, "\n");
	}
	if (r->n_notes) {
		fprintf(out, "  also seen (allowed by the expected models, not a finding):");
		for (size_t i = 0; i < r->n_notes; i++)
			fprintf(out, "%s %s (%zu)", i ? "," : "", r->note_types[i], r->note_counts[i]);
		fprintf(out, "\n");
	}
	if (r->n_not) {
		fprintf(out, "  rules out:");
		for (size_t i = 0; i < r->n_not; i++)
			fprintf(out, "%s %s", i ? "," : "", r->not_models[i]);
		fprintf(out, "\n");
	}
	if (r->n_also_not) {
		fprintf(out, "  and so also:");
		for (size_t i = 0; i < r->n_also_not; i++)
			fprintf(out, "%s %s", i ? "," : "", r->also_not_models[i]);
		fprintf(out, "\n");
	}
	for (size_t i = 0; i < r->n_anomalies; i++)
		fprintf(out, "\n%s\n", r->anomalies[i].explanation);
	for (size_t i = 0; i < r->n_types + r->n_notes; i++) {
		const char *t = i < r->n_types ? r->types[i] : r->note_types[i - r->n_types];
		size_t cnt = i < r->n_types ? r->type_counts[i] : r->note_counts[i - r->n_types];
		size_t shown = 0;
		for (size_t j = 0; j < r->n_anomalies; j++)
			shown += strcmp(r->anomalies[j].type, t) == 0;
		if (shown < cnt)
			fprintf(out, "\n(%zu more %s not shown; --max-per-type raises the limit)\n", cnt - shown, t);
	}
}

static void print_str_array(FILE *out, char **v, size_t n)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", v[i]);
	fputc(']', out);
}

void history_result_print_json(FILE *out, const struct history_result *r)
{
	if (r->valid == HISTORY_VALID) {
		fprintf(out, "{\"valid?\": true}\n");
		return;
	}
	fprintf(out, "{\"valid?\": %s, \"anomaly-types\": ", r->valid == HISTORY_INVALID ? "false" : "\"unknown\"");
	print_str_array(out, r->types, r->n_types);
	fprintf(out, ", \"anomalies\": {");
	for (size_t i = 0; i < r->n_types; i++) {
		fprintf(out, "%s\"%s\": ", i ? ", " : "", r->types[i]);
		bool scalar = strcmp(r->types[i], "empty-transaction-graph") == 0;
		if (!scalar)
			fputc('[', out);
		size_t k = 0;
		for (size_t j = 0; j < r->n_anomalies; j++)
			if (strcmp(r->anomalies[j].type, r->types[i]) == 0) {
				fprintf(out, "%s%s", k++ ? ", " : "", r->anomalies[j].json);
				if (scalar)
					break;
			}
		if (!scalar)
			fputc(']', out);
	}
	fprintf(out, "}, \"not\": ");
	print_str_array(out, r->not_models, r->n_not);
	fprintf(out, ", \"also-not\": ");
	print_str_array(out, r->also_not_models, r->n_also_not);
	fprintf(out, "}\n");
}
