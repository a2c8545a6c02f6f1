/*
 * trend.c — `lab results trend`: a nightly plan's results night by night.
 *
 * A series is a scenario with a plan's axis values (runs.label); for each
 * series and each of the last N nights that have runs, one cell: the worst
 * verdict of that night's runs of the series (verdict_rank: fail is worst)
 * and the figures of its last run, as rundata.c defines them: lost
 * acknowledged transactions (anomalies lost-*), seconds unavailable,
 * p99 latency and tps over the whole run. Text: one block per series, one
 * row per night. HTML (the run report's style sheet and escaping, html.h):
 * an overview with one row per series and one column per night, then one
 * table per series with one column per night.
 */
#include "html.h"
#include "nightly.h"
#include "rundata.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cell {
	bool have;
	int64_t run, n_runs;
	char verdict[16];
	int64_t lost, unavail;
	double p99, tps;
};

struct series {
	char *scenario, *label;
	struct cell *cells; /* one per night */
};

struct trend {
	char (*nights)[11];
	size_t n_nights;
	struct series *series;
	size_t n_series;
};

void trend_night(double started_at, char *buf, size_t size)
{
	time_t t = (time_t)floor(started_at) - 12 * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}

static void trend_release(struct trend *tr)
{
	for (size_t i = 0; i < tr->n_series; i++) {
		free(tr->series[i].scenario);
		free(tr->series[i].label);
		free(tr->series[i].cells);
	}
	free(tr->series);
	free(tr->nights);
}

static struct series *series_of(struct trend *tr, const char *scenario, const char *label)
{
	for (size_t i = 0; i < tr->n_series; i++)
		if (!strcmp(tr->series[i].scenario, scenario) && !strcmp(tr->series[i].label, label))
			return &tr->series[i];
	tr->series = xrealloc(tr->series, (tr->n_series + 1) * sizeof(*tr->series));
	tr->series[tr->n_series] = (struct series){ xstrdup(scenario), xstrdup(label),
						   xcalloc(tr->n_nights ? tr->n_nights : 1, sizeof(struct cell)) };
	return &tr->series[tr->n_series++];
}

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	int c = strcmp(x->scenario, y->scenario);

	return c ? c : strcmp(x->label, y->label);
}

/* The nights that have runs, oldest first; keep the last n. */
static int read_nights(sqlite3 *db, const char *scenario, int n, struct trend *tr)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT started_at FROM runs WHERE (?1 IS NULL OR scenario = ?1)"
				   " AND verdict <> 'running' ORDER BY started_at", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (scenario)
		sqlite3_bind_text(st, 1, scenario, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char night[11];
		trend_night(sqlite3_column_double(st, 0), night, sizeof(night));
		if (tr->n_nights && !strcmp(tr->nights[tr->n_nights - 1], night))
			continue;
		tr->nights = xrealloc(tr->nights, (tr->n_nights + 1) * sizeof(*tr->nights));
		memcpy(tr->nights[tr->n_nights++], night, sizeof(night));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (tr->n_nights > (size_t)n) {
		memmove(tr->nights, tr->nights + (tr->n_nights - (size_t)n), (size_t)n * sizeof(*tr->nights));
		tr->n_nights = (size_t)n;
	}
	return 0;
}

static int night_index(const struct trend *tr, const char *night)
{
	for (size_t i = 0; i < tr->n_nights; i++)
		if (!strcmp(tr->nights[i], night))
			return (int)i;
	return -1;
}

/* The figures of the last run of each cell. */
static int fill_figures(struct resultsdb *db, struct trend *tr)
{
	for (size_t s = 0; s < tr->n_series; s++)
		for (size_t i = 0; i < tr->n_nights; i++) {
			struct cell *c = &tr->series[s].cells[i];
			struct run_data *rd;
			struct run_stats st;
			if (!c->have)
				continue;
			if (!(rd = run_data_load(db, c->run)))
				return -1;
			run_stats_compute(rd, &st);
			c->lost = st.lost;
			c->unavail = st.unavail_seconds;
			c->p99 = st.phase[PHASE_ALL].p99;
			c->tps = st.phase[PHASE_ALL].tps;
			run_stats_release(&st);
			run_data_free(rd);
		}
	return 0;
}

static int trend_load(struct resultsdb *db, const char *scenario, int n, struct trend *tr)
{
	sqlite3 *h = resultsdb_handle(db);
	sqlite3_stmt *st;
	int rc;

	if (read_nights(h, scenario, n, tr) < 0)
		goto db_error;
	if (sqlite3_prepare_v2(h, "SELECT id, scenario, coalesce(label, ''), started_at, verdict FROM runs"
				  " WHERE (?1 IS NULL OR scenario = ?1) AND verdict <> 'running' ORDER BY started_at, id",
			       -1, &st, NULL) != SQLITE_OK)
		goto db_error;
	if (scenario)
		sqlite3_bind_text(st, 1, scenario, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char night[11];
		const char *verdict = (const char *)sqlite3_column_text(st, 4);
		struct cell *c;
		int k;

		trend_night(sqlite3_column_double(st, 3), night, sizeof(night));
		if ((k = night_index(tr, night)) < 0)
			continue;
		c = &series_of(tr, (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2))
			     ->cells[k];
		if (!c->have || verdict_rank(verdict) > verdict_rank(c->verdict))
			lab_strlcpy(c->verdict, verdict ? verdict : "?", sizeof(c->verdict));
		c->have = true;
		c->run = sqlite3_column_int64(st, 0); /* the last one of the night */
		c->n_runs++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto db_error;
	qsort(tr->series, tr->n_series, sizeof(*tr->series), cmp_series);
	return fill_figures(db, tr);
db_error:
	lab_error("results database '%s': cannot read: %s", resultsdb_path(db), sqlite3_errmsg(h));
	return -1;
}

static void fmt_num(char *buf, size_t size, double v, const char *fmt)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, fmt, v);
}

static void trend_text(const struct trend *tr, FILE *out)
{
	fprintf(out, "trend: %zu night%s (%s .. %s), %zu series; a night is 12:00 UTC to 12:00 UTC\n", tr->n_nights,
		tr->n_nights == 1 ? "" : "s", tr->nights[0], tr->nights[tr->n_nights - 1], tr->n_series);
	for (size_t s = 0; s < tr->n_series; s++) {
		const struct series *se = &tr->series[s];
		fprintf(out, "\n%s%s%s%s\n", se->scenario, *se->label ? " [" : "", se->label, *se->label ? "]" : "");
		fprintf(out, "  %-10s  %4s  %-8s %6s %10s %9s %9s %6s\n", "night", "runs", "verdict", "lost",
			"unavail s", "p99 ms", "tps", "run");
		for (size_t i = 0; i < tr->n_nights; i++) {
			const struct cell *c = &se->cells[i];
			char p99[32], tps[32];
			if (!c->have) {
				fprintf(out, "  %-10s  %4s  %-8s\n", tr->nights[i], "0", "-");
				continue;
			}
			fmt_num(p99, sizeof(p99), c->p99, "%.1f");
			fmt_num(tps, sizeof(tps), c->tps, "%.1f");
			fprintf(out, "  %-10s  %4lld  %-8s %6lld %10lld %9s %9s %6lld\n", tr->nights[i],
				(long long)c->n_runs, c->verdict, (long long)c->lost, (long long)c->unavail, p99, tps,
				(long long)c->run);
		}
	}
}

static void html_series_name(struct strbuf *sb, const struct series *se)
{
	html_esc(sb, se->scenario);
	if (*se->label) {
		sb_puts(sb, " <span class=\"meta\">[");
		html_esc(sb, se->label);
		sb_puts(sb, "]</span>");
	}
}

static void html_cell_num(struct strbuf *sb, const struct cell *c, double v, const char *fmt)
{
	sb_puts(sb, "<td class=\"num\">");
	if (!c->have || isnan(v))
		sb_puts(sb, "–");
	else
		sb_printf(sb, fmt, v);
	sb_puts(sb, "</td>");
}

static char *trend_html(const struct trend *tr, const char *db_path)
{
	struct strbuf sb = { 0 };

	sb_printf(&sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		       "<title>lab trend: %zu nights</title>\n<style>%s"
		       "td.cell{text-align:center}td.cell .verdict{margin:0;font-size:13px}</style></head><body>\n",
		  tr->n_nights, html_css);
	sb_printf(&sb, "<header><h1>Nightly trend</h1><p class=\"meta\">%zu night%s, %s to %s (a night is 12:00 UTC "
		       "to 12:00 UTC), %zu series, from <code>",
		  tr->n_nights, tr->n_nights == 1 ? "" : "s", tr->nights[0], tr->nights[tr->n_nights - 1],
		  tr->n_series);
	html_esc(&sb, db_path);
	sb_puts(&sb, "</code></p></header>\n");

	/* Overview: series x nights, the verdicts. */
	sb_puts(&sb, "<section id=\"overview\"><h2>Verdicts</h2>\n<table id=\"trend-verdicts\"><tr><th>scenario</th>");
	for (size_t i = 0; i < tr->n_nights; i++)
		sb_printf(&sb, "<th>%s</th>", tr->nights[i]);
	sb_puts(&sb, "</tr>\n");
	for (size_t s = 0; s < tr->n_series; s++) {
		const struct series *se = &tr->series[s];
		sb_puts(&sb, "<tr><td>");
		html_series_name(&sb, se);
		sb_puts(&sb, "</td>");
		for (size_t i = 0; i < tr->n_nights; i++) {
			const struct cell *c = &se->cells[i];
			if (!c->have) {
				sb_puts(&sb, "<td class=\"cell\">–</td>");
				continue;
			}
			sb_puts(&sb, "<td class=\"cell\"><span class=\"verdict verdict-");
			html_token(&sb, c->verdict);
			sb_printf(&sb, "\" title=\"run %lld, %lld run%s that night\">", (long long)c->run,
				  (long long)c->n_runs, c->n_runs == 1 ? "" : "s");
			html_esc(&sb, c->verdict);
			sb_puts(&sb, "</span></td>");
		}
		sb_puts(&sb, "</tr>\n");
	}
	sb_puts(&sb, "</table></section>\n");

	/* One table per series: figures x nights. */
	sb_puts(&sb, "<section id=\"figures\"><h2>Figures of the last run of each night</h2>\n");
	for (size_t s = 0; s < tr->n_series; s++) {
		const struct series *se = &tr->series[s];
		static const char *const rows[] = { "run", "verdict", "lost transactions", "unavailable (s)",
						     "p99 latency (ms)", "tps" };
		sb_puts(&sb, "<h3>");
		html_series_name(&sb, se);
		sb_puts(&sb, "</h3>\n<table class=\"trend-series\"><tr><th></th>");
		for (size_t i = 0; i < tr->n_nights; i++)
			sb_printf(&sb, "<th>%s</th>", tr->nights[i]);
		sb_puts(&sb, "</tr>\n");
		for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
			sb_printf(&sb, "<tr><th>%s</th>", rows[r]);
			for (size_t i = 0; i < tr->n_nights; i++) {
				const struct cell *c = &se->cells[i];
				switch (r) {
				case 0: html_cell_num(&sb, c, (double)c->run, "%.0f"); break;
				case 1:
					sb_puts(&sb, "<td class=\"cell\">");
					if (c->have) {
						sb_puts(&sb, "<span class=\"verdict verdict-");
						html_token(&sb, c->verdict);
						sb_puts(&sb, "\">");
						html_esc(&sb, c->verdict);
						sb_puts(&sb, "</span>");
					} else {
						sb_puts(&sb, "–");
					}
					sb_puts(&sb, "</td>");
					break;
				case 2: html_cell_num(&sb, c, (double)c->lost, "%.0f"); break;
				case 3: html_cell_num(&sb, c, (double)c->unavail, "%.0f"); break;
				case 4: html_cell_num(&sb, c, c->p99, "%.1f"); break;
				default: html_cell_num(&sb, c, c->tps, "%.1f"); break;
				}
			}
			sb_puts(&sb, "</tr>\n");
		}
		sb_puts(&sb, "</table>\n");
	}
	sb_puts(&sb, "</section>\n<footer class=\"meta\">made by lab results trend</footer>\n</body></html>\n");
	return sb_detach(&sb);
}

int results_trend(struct resultsdb *db, const char *scenario, int nights, FILE *out, const char *html_path)
{
	struct trend tr = { 0 };
	int rc = -1;

	if (trend_load(db, scenario, nights, &tr) < 0)
		goto done;
	if (!tr.n_nights) {
		fprintf(out, "no runs recorded%s%s%s in '%s'\n", scenario ? " for scenario '" : "", scenario ? scenario : "",
			scenario ? "'" : "", resultsdb_path(db));
		if (html_path)
			lab_error("no runs to draw a trend of: '%s' not written", html_path);
		rc = html_path ? -1 : 0;
		goto done;
	}
	trend_text(&tr, out);
	if (html_path) {
		char *page = trend_html(&tr, resultsdb_path(db));
		rc = write_file_atomic(html_path, page, strlen(page), 0644);
		free(page);
		if (rc == 0)
			fprintf(out, "\nhtml: %s\n", html_path);
		goto done;
	}
	rc = 0;
done:
	trend_release(&tr);
	return rc;
}
