/*
 * junit.c — report_junit(): JUnit XML from the results database, for CI
 * (Jenkins, GitLab). One <testcase> per run (classname lab.FLAVOR, name the
 * scenario, with a plan's axis values in brackets). A run whose verdict is fail gets a <failure> whose text lists
 * the checks that differed from expect:, then the anomalies (lost or
 * phantom transactions, violated invariants, ...), then the steps that
 * failed; broken and aborted runs get an <error> with the reason (harness
 * trouble is never shown as a database failure); skip gets <skipped>.
 * Written atomically, so a CI job never reads half a file.
 */
#include "report.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JUNIT_MAX_ANOMALIES 200

static void xml_escape(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': sb_puts(sb, "&amp;"); break;
		case '<': sb_puts(sb, "&lt;"); break;
		case '>': sb_puts(sb, "&gt;"); break;
		case '"': sb_puts(sb, "&quot;"); break;
		case '\'': sb_puts(sb, "&apos;"); break;
		default:
			/* XML 1.0 forbids most control characters. */
			if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
				sb_puts(sb, "?");
			else
				sb_add(sb, s, 1);
		}
	}
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* Failure text of one run: mismatched checks, anomalies, failed steps. */
static int failure_text(sqlite3 *db, int64_t run, struct strbuf *out)
{
	sqlite3_stmt *st;
	int64_t total = 0, shown = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT checker, expected, actual, anomalies, details FROM checks WHERE run_id = ?1 "
			       "AND expected IS NOT NULL AND expected <> 'any' AND expected <> actual ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW)
		sb_printf(out, "check %s: expected %s, got %s (%lld anomalies)%s%s\n", col(st, 0), col(st, 1),
			  col(st, 2), (long long)sqlite3_column_int64(st, 3), *col(st, 4) ? "\n  " : "", col(st, 4));
	sqlite3_finalize(st);

	if (sqlite3_prepare_v2(db,
			       "SELECT checker, kind, tbl, row_id, txn_id, node, detail, count(*) OVER () FROM anomalies "
			       "WHERE run_id = ?1 ORDER BY id LIMIT ?2",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, JUNIT_MAX_ANOMALIES);
	while (sqlite3_step(st) == SQLITE_ROW) {
		total = sqlite3_column_int64(st, 7);
		if (!shown++)
			sb_puts(out, "anomalies:\n");
		sb_printf(out, "  %s %s", col(st, 0), col(st, 1));
		if (*col(st, 2))
			sb_printf(out, " %s", col(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			sb_printf(out, " row %lld", (long long)sqlite3_column_int64(st, 3));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			sb_printf(out, " txn %lld", (long long)sqlite3_column_int64(st, 4));
		if (*col(st, 5))
			sb_printf(out, " node %s", col(st, 5));
		if (*col(st, 6))
			sb_printf(out, ": %s", col(st, 6));
		sb_puts(out, "\n");
	}
	sqlite3_finalize(st);
	if (total > shown)
		sb_printf(out, "  ... and %lld more (lab results show %lld)\n", (long long)(total - shown), (long long)run);

	if (sqlite3_prepare_v2(db,
			       "SELECT seq, action, node, detail FROM steps WHERE run_id = ?1 AND outcome = 'error' ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW)
		sb_printf(out, "step %lld %s%s%s failed: %s\n", (long long)sqlite3_column_int64(st, 0), col(st, 1),
			  *col(st, 2) ? " node " : "", col(st, 2), col(st, 3));
	sqlite3_finalize(st);
	return 0;
fail:
	lab_error("cannot read the results database: %s", sqlite3_errmsg(db));
	return -1;
}

/* Every check of a run, one line each, into the XML (escaped): a pass
 * that expected a failure (a reproduced bug) still shows what was found. */
static int checks_text(sqlite3 *db, int64_t run, struct strbuf *xml)
{
	sqlite3_stmt *st;
	struct strbuf line = { 0 };

	if (sqlite3_prepare_v2(db, "SELECT checker, actual, expected, anomalies FROM checks WHERE run_id = ?1 ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK) {
		lab_error("cannot read the results database: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW) {
		sb_reset(&line);
		sb_printf(&line, "\ncheck %s: %s (expected %s, %lld anomalies)", col(st, 0), col(st, 1),
			  *col(st, 2) ? col(st, 2) : "-", (long long)sqlite3_column_int64(st, 3));
		xml_escape(xml, line.buf);
	}
	sqlite3_finalize(st);
	sb_release(&line);
	return 0;
}

/* What the suite's opening tag counts. */
struct junit_totals {
	int failures, errors, skipped;
	double total, first_start;
};

/* The <failure>, <error> or <skipped> element of a run, from its verdict;
 * st is the run's row (see junit_testcase). */
static int junit_outcome(sqlite3 *db, int64_t run, sqlite3_stmt *st, const char *verdict,
			 struct junit_totals *t, struct strbuf *cases)
{
	struct strbuf text = { 0 };
	int rc = 0;

	if (!strcmp(verdict, "fail")) {
		t->failures++;
		if (failure_text(db, run, &text) < 0) {
			rc = -1;
			goto out;
		}
		sb_puts(cases, "      <failure type=\"fail\" message=\"");
		xml_escape(cases, col(st, 3));
		sb_puts(cases, "\">");
		if (*col(st, 6)) {
			sb_puts(cases, "tags: ");
			xml_escape(cases, col(st, 6));
			sb_puts(cases, "\n");
		}
		xml_escape(cases, text.buf);
		sb_puts(cases, "</failure>\n");
	} else if (!strcmp(verdict, "broken") || !strcmp(verdict, "aborted") || !strcmp(verdict, "running")) {
		t->errors++;
		failure_text(db, run, &text);
		sb_printf(cases, "      <error type=\"%s\" message=\"", verdict);
		xml_escape(cases, *col(st, 3) ? col(st, 3) : verdict);
		sb_puts(cases, "\">");
		xml_escape(cases, text.buf);
		sb_puts(cases, "</error>\n");
	} else if (!strcmp(verdict, "skip")) {
		t->skipped++;
		sb_puts(cases, "      <skipped message=\"");
		xml_escape(cases, col(st, 3));
		sb_puts(cases, "\"/>\n");
	}
out:
	sb_release(&text);
	return rc;
}

/* One run as a <testcase>, appended to cases. */
static int junit_testcase(struct resultsdb *rdb, int64_t run, bool first, struct junit_totals *t,
			  struct strbuf *cases)
{
	sqlite3 *db = resultsdb_handle(rdb);
	sqlite3_stmt *st;
	const char *verdict;
	double secs;
	int rc = -1;

	if (sqlite3_prepare_v2(db,
			       "SELECT scenario, flavor, verdict, reason, started_at, coalesce(ended_at, started_at), "
			       "tags, seed, backend, scenario_file, label FROM runs WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		lab_error("cannot read the results database: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) != SQLITE_ROW) {
		lab_error("no run %lld in '%s'", (long long)run, resultsdb_path(rdb));
		goto out;
	}
	verdict = col(st, 2);
	secs = sqlite3_column_double(st, 5) - sqlite3_column_double(st, 4);
	if (first)
		t->first_start = sqlite3_column_double(st, 4);
	t->total += secs;
	sb_puts(cases, "    <testcase classname=\"lab.");
	xml_escape(cases, *col(st, 1) ? col(st, 1) : "scenario");
	sb_puts(cases, "\" name=\"");
	xml_escape(cases, col(st, 0));
	if (*col(st, 10)) {
		/* a plan's runs of one scenario differ by their axis values */
		sb_puts(cases, " [");
		xml_escape(cases, col(st, 10));
		sb_puts(cases, "]");
	}
	sb_printf(cases, "\" time=\"%.3f\"", secs);
	if (*col(st, 9)) {
		sb_puts(cases, " file=\"");
		xml_escape(cases, col(st, 9));
		sb_puts(cases, "\"");
	}
	sb_puts(cases, ">\n");
	if (junit_outcome(db, run, st, verdict, t, cases) < 0)
		goto out;
	sb_printf(cases, "      <system-out>run %lld, seed %lld, backend ", (long long)run,
		  (long long)sqlite3_column_int64(st, 7));
	xml_escape(cases, col(st, 8));
	sb_printf(cases, ", verdict %s (lab results show %lld)", verdict, (long long)run);
	if (checks_text(db, run, cases) < 0)
		goto out;
	sb_puts(cases, "</system-out>\n");
	sb_puts(cases, "    </testcase>\n");
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* The XML declaration, the suite's tags with its totals, and the cases. */
static void junit_document(struct strbuf *doc, const char *cases, size_t n_runs, const struct junit_totals *t)
{
	char ts[32];

	format_utc(t->first_start, ts, sizeof(ts));
	if (strlen(ts) && ts[strlen(ts) - 1] == 'Z')
		ts[strlen(ts) - 1] = '\0'; /* JUnit's timestamp has no zone */
	sb_puts(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	sb_printf(doc, "<testsuites name=\"lab\" tests=\"%zu\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
		  n_runs, t->failures, t->errors, t->skipped, t->total);
	sb_printf(doc, "  <testsuite name=\"lab\" tests=\"%zu\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\" timestamp=\"%s\">\n",
		  n_runs, t->failures, t->errors, t->skipped, t->total, ts);
	sb_puts(doc, cases);
	sb_puts(doc, "  </testsuite>\n</testsuites>\n");
}

int report_junit(struct resultsdb *rdb, const int64_t *runs, size_t n_runs, const char *path)
{
	struct strbuf cases = { 0 }, doc = { 0 };
	struct junit_totals t = { 0 };
	int rc = -1;

	for (size_t i = 0; i < n_runs; i++)
		if (junit_testcase(rdb, runs[i], i == 0, &t, &cases) < 0)
			goto out;
	junit_document(&doc, cases.buf ? cases.buf : "", n_runs, &t);
	rc = write_file_atomic(path, doc.buf, doc.len, 0644);
out:
	sb_release(&cases);
	sb_release(&doc);
	return rc;
}
