/*
 * recorded.c — a recorded run read back for lab replay, lab shrink and
 * lab explore: the runs row (scenario file and hash, seed, nodes), the
 * nemesis faults from its steps rows (nemesis_parse_row over the rows
 * whose detail starts "nemesis #"), and its anomalies by kind.
 */
#include "recorded.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct resultsdb *recorded_db_open(const char *path)
{
	const char *p = path ? path : RESULTSDB_DEFAULT;

	if (!path_exists(p)) {
		lab_error("results database '%s' does not exist (no run recorded there yet)", p);
		return NULL;
	}
	return resultsdb_open(p);
}

int recorded_parse_id(const char *s, int64_t *id)
{
	return parse_int64(s, 1, INT64_MAX, id);
}

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static int db_fail(struct resultsdb *db, const char *what)
{
	lab_error("results database '%s': %s: %s", resultsdb_path(db), what, sqlite3_errmsg(resultsdb_handle(db)));
	return -1;
}

int recorded_run_load(struct resultsdb *db, int64_t id, struct recorded_run *rr)
{
	sqlite3 *h = resultsdb_handle(db);
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	memset(rr, 0, sizeof(*rr));
	if (sqlite3_prepare_v2(h, "SELECT scenario, scenario_file, scenario_hash, seed, nodes, verdict FROM runs WHERE id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "cannot read runs");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE) {
			lab_error("no run %lld in '%s'", (long long)id, resultsdb_path(db));
			return -1;
		}
		return db_fail(db, "cannot read runs");
	}
	rr->id = id;
	rr->scenario = col_text(st, 0);
	rr->scenario_file = col_text(st, 1);
	rr->scenario_hash = col_text(st, 2);
	rr->seed = (uint64_t)sqlite3_column_int64(st, 3);
	rr->nodes = sqlite3_column_int(st, 4);
	rr->verdict = col_text(st, 5);
	sqlite3_finalize(st);

	if (sqlite3_prepare_v2(h, "SELECT seq, action, node, detail FROM steps WHERE run_id = ? AND seq > 0"
				  " AND detail LIKE 'nemesis #%' ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		recorded_run_release(rr);
		return db_fail(db, "cannot read steps");
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct nemesis_fault f;
		if (nemesis_parse_row((const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
				      (const char *)sqlite3_column_text(st, 3), sqlite3_column_int(st, 0), rr->nodes,
				      &f) < 0)
			continue; /* not a fault row */
		if (rr->n_faults == cap) {
			cap = cap ? 2 * cap : 16;
			rr->faults = xrealloc(rr->faults, cap * sizeof(*rr->faults));
		}
		rr->faults[rr->n_faults++] = f;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		recorded_run_release(rr);
		return db_fail(db, "cannot read steps");
	}
	return 0;
}

void recorded_run_release(struct recorded_run *rr)
{
	if (!rr)
		return;
	free(rr->scenario);
	free(rr->scenario_file);
	free(rr->scenario_hash);
	free(rr->verdict);
	free(rr->faults);
	memset(rr, 0, sizeof(*rr));
}

struct scenario *recorded_scenario(const struct recorded_run *rr)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc;

	if (!rr->scenario_file) {
		lab_error("run %lld has no scenario file recorded", (long long)rr->id);
		return NULL;
	}
	sc = scenario_load(rr->scenario_file, &errs);
	for (size_t e = 0; e < errs.n; e++)
		fprintf(stderr, "%s\n", errs.v[e]);
	sc_errors_release(&errs);
	if (!sc) {
		lab_error("the scenario of run %lld, '%s', does not load", (long long)rr->id, rr->scenario_file);
		return NULL;
	}
	if (rr->scenario_hash && strcmp(rr->scenario_hash, sc->hash)) {
		lab_error("scenario file '%s' changed since run %lld (its SHA-256 differs): cannot replay it",
			  rr->scenario_file, (long long)rr->id);
		scenario_free(sc);
		return NULL;
	}
	if (sc->cluster.nodes != rr->nodes) {
		lab_error("run %lld had %d nodes, scenario '%s' has %lld", (long long)rr->id, rr->nodes,
			  rr->scenario_file, (long long)sc->cluster.nodes);
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

int64_t recorded_anomalies(struct resultsdb *db, int64_t id, struct strbuf *out)
{
	sqlite3_stmt *st = NULL;
	int64_t total = 0;

	if (sqlite3_prepare_v2(resultsdb_handle(db),
			       "SELECT kind, count(*) FROM anomalies WHERE run_id = ? GROUP BY kind ORDER BY kind", -1,
			       &st, NULL) != SQLITE_OK) {
		sb_puts(out, "?");
		return 0;
	}
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(st, 1);
		sb_printf(out, "%s%s %lld", out->len ? ", " : "", (const char *)sqlite3_column_text(st, 0), (long long)k);
		total += k;
	}
	sqlite3_finalize(st);
	if (!out->len)
		sb_puts(out, "-");
	return total;
}

int recorded_has_anomaly(struct resultsdb *db, int64_t id, const char *kind)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(resultsdb_handle(db), "SELECT 1 FROM anomalies WHERE run_id = ? AND kind = ? LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

char *recorded_verdict(struct resultsdb *db, int64_t id)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(resultsdb_handle(db), "SELECT verdict FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = col_text(st, 0);
	sqlite3_finalize(st);
	return v;
}
