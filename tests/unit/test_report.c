/* Unit tests for results/rundata.c, results/compare.c and results/report.c:
 * runs recorded through the resultsdb API into a fresh database (with the
 * step times then set to known values), their figures (fault windows,
 * unavailability, recovery, phases), compare naming a known difference and
 * counting regressions, the HTML page's elements and escaping, and the EDN
 * history of a journal written with the journal writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "report.h"
#include "resultsdb.h"
#include "rundata.h"
#include "util.h"

static char dir[64];
#define T0 1800000000.0

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lab-report-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(dir);
}

static void exec_sql(struct resultsdb *db, const char *sql)
{
	assert_int_equal(sqlite3_exec(resultsdb_handle(db), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* A step at known times: begin/end through the API, then the times set. */
static void step(struct resultsdb *db, int64_t run, int seq, const char *action, const char *node,
		 double start, double end)
{
	int64_t id = resultsdb_step_begin(db, run, seq, action, node, NULL);
	char *sql;
	assert_true(id > 0);
	assert_int_equal(resultsdb_step_end(db, id, "ok", NULL), 0);
	sql = xasprintf("UPDATE steps SET started_at = %.3f, ended_at = %.3f WHERE id = %lld", T0 + start,
			T0 + end, (long long)id);
	exec_sql(db, sql);
	free(sql);
}

/* 30 workload seconds from T0+1 at `tps`; ok = 0 at +10, +11 and +20 (and
 * +21..+24 when slow); kill node 2 at +9.5, started again at +15; partition
 * at +19.2, healed at +22. Node 2 leaves Synced at +9.6, is back at +18
 * (+25 when slow). */
static int64_t record_run(struct resultsdb *db, const char *scenario, const char *server,
			  const char *opts, const char *verdict, int64_t tps, bool slow)
{
	struct run_info ri = { .scenario = scenario, .scenario_hash = "abc", .seed = 1, .backend = "local",
			       .flavor = "galera", .nodes = 3, .server_version = server,
			       .galera_version = "26.4.16", .cache_mode = "none", .mysqld_options = opts };
	int64_t run = resultsdb_run_begin(db, &ri);
	char *sql;

	assert_true(run > 0);
	step(db, run, 1, "workload", NULL, 0.5, 0.6);
	step(db, run, 2, "kill", "2", 9.5, 9.7);
	step(db, run, 3, "wait", "2", 9.7, 10.0); /* for: down — does not end the kill */
	step(db, run, 3, "start", "2", 14.0, 15.0);
	step(db, run, 4, "partition", "1", 19.2, 19.4);
	step(db, run, 5, "heal", NULL, 22.0, 22.1);
	step(db, run, 6, "check", NULL, 31.0, 33.0);
	step(db, run, 0, "undo:partition", NULL, 33.0, 33.1);
	assert_int_equal(resultsdb_begin(db), 0);
	for (int s = 1; s <= 30; s++) {
		int64_t ok = tps;
		if (s == 10 || s == 11 || s == 20 || (slow && s >= 21 && s <= 24))
			ok = 0;
		assert_int_equal(resultsdb_second(db, run, (int64_t)T0 + s, ok, ok ? 1 : 9, s == 10 ? 2 : 0,
						  1.0, 5.0, slow ? 20.0 : 10.0), 0);
	}
	for (int n = 1; n <= 3; n++)
		assert_int_equal(resultsdb_node_state(db, run, T0 + 0.2, n, "Synced", NULL), 0);
	/* the runner records every node after each step: unchanged states repeat */
	assert_int_equal(resultsdb_node_state(db, run, T0 + 5.0, 1, "Synced", "again"), 0);
	assert_int_equal(resultsdb_node_state(db, run, T0 + 9.6, 2, "down", NULL), 0);
	assert_int_equal(resultsdb_node_state(db, run, T0 + (slow ? 25 : 18), 2, "Synced", NULL), 0);
	assert_int_equal(resultsdb_check(db, run, "durability", "pass", strcmp(verdict, "pass") ? "fail" : "pass",
					 slow ? 2 : 0, NULL), 0);
	if (slow) {
		assert_int_equal(resultsdb_anomaly(db, run, "durability", "lost-ok", "credit", 9001, 51001,
						   "10.213.1.2:3306", "missing"), 0);
		assert_int_equal(resultsdb_anomaly(db, run, "durability", "phantom", "credit", 9100, -1, NULL,
						   "no journal entry"), 0);
	}
	assert_int_equal(resultsdb_commit(db), 0);
	assert_int_equal(resultsdb_run_end(db, run, verdict, NULL), 0);
	sql = xasprintf("UPDATE runs SET started_at = %.3f, ended_at = %.3f WHERE id = %lld", T0, T0 + 34,
			(long long)run);
	exec_sql(db, sql);
	free(sql);
	return run;
}

static struct resultsdb *fresh_db(const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct resultsdb *db = resultsdb_open(path);
	free(path);
	assert_non_null(db);
	return db;
}

static void test_node_mask(void **state)
{
	(void)state;
	assert_true(node_mask("2") == 2);
	assert_true(node_mask("1,3") == 5);
	assert_true(node_mask("[1, 2]") == 3);
	assert_true(node_mask("all") == ~(uint64_t)0);
	assert_true(node_mask(NULL) == ~(uint64_t)0);
	assert_true(verdict_rank("pass") < verdict_rank("skip"));
	assert_true(verdict_rank("skip") < verdict_rank("broken"));
	assert_true(verdict_rank("broken") < verdict_rank("fail"));
	struct check_row c = { .expected = "primary", .actual = "no-primary" };
	assert_false(check_met(&c));
	c.expected = "any";
	assert_true(check_met(&c));
}

static void test_stats(void **state)
{
	(void)state;
	struct resultsdb *db = fresh_db("stats.db");
	int64_t run = record_run(db, "s", "10.11.6", "a=1", "pass", 100, false);
	struct run_data *rd = run_data_load(db, run);
	struct run_stats st;

	assert_non_null(rd);
	assert_int_equal(rd->n_seconds, 30);
	assert_int_equal(rd->n_steps, 8);
	run_stats_compute(rd, &st);
	/* two fault steps; the undo step at seq 0 is not one */
	assert_int_equal(st.n_faults, 2);
	assert_string_equal(st.faults[0].step->action, "kill");
	assert_true(fabs(st.faults[0].start - (T0 + 9.5)) < 1e-6);
	assert_true(fabs(st.faults[0].end - (T0 + 15.0)) < 1e-6); /* the start of node 2 ends it */
	assert_true(fabs(st.faults[1].end - (T0 + 22.1)) < 1e-6); /* heal */
	/* ok = 0 at +10, +11 and +20 */
	assert_int_equal(st.n_unavail, 2);
	assert_int_equal(st.unavail[0].start, (int64_t)T0 + 10);
	assert_int_equal(st.unavail[0].seconds, 2);
	assert_int_equal(st.unavail[1].start, (int64_t)T0 + 20);
	assert_int_equal(st.unavail_seconds, 3);
	assert_int_equal(st.longest_unavail, 2);
	/* recovery: first ok at +12 after a kill at +9.5; +21 after +19.2 */
	assert_true(fabs(st.recoveries[0].to_first_ok - 2.5) < 1e-6);
	assert_true(fabs(st.recoveries[1].to_first_ok - 1.8) < 1e-6);
	assert_true(fabs(st.recoveries[0].to_synced - 8.5) < 1e-6); /* Synced at +18 */
	assert_true(isnan(st.recoveries[1].to_synced));              /* node 1 never left Synced */
	/* phases: before = +1..+8 (8 s), during = +9..+14 and +19..+22 (10 s), after the rest */
	assert_int_equal(st.phase[PHASE_BEFORE].seconds, 8);
	assert_int_equal(st.phase[PHASE_DURING].seconds, 10);
	assert_int_equal(st.phase[PHASE_AFTER].seconds, 12);
	assert_true(fabs(st.phase[PHASE_BEFORE].tps - 100.0) < 1e-9);
	assert_true(fabs(st.phase[PHASE_DURING].tps - 70.0) < 1e-9);
	assert_true(fabs(st.phase[PHASE_BEFORE].p99 - 10.0) < 1e-9);
	assert_int_equal(st.total_unknown, 2);
	run_stats_release(&st);
	run_data_free(rd);
	/* a missing run is an error */
	assert_null(run_data_load(db, 999));
	resultsdb_close(db);
}

static char *compare_text(struct resultsdb *db, int64_t a, int64_t b, const struct compare_limits *lim,
			  int *regressions)
{
	struct run_data *ra = run_data_load(db, a), *rb = run_data_load(db, b);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(ra);
	assert_non_null(rb);
	assert_non_null(f);
	*regressions = runs_compare(ra, rb, lim, f);
	fclose(f);
	run_data_free(ra);
	run_data_free(rb);
	return text;
}

static void test_compare(void **state)
{
	(void)state;
	struct resultsdb *db = fresh_db("compare.db");
	int64_t a = record_run(db, "s", "10.11.6", "innodb_flush_log_at_trx_commit=1\nsync_binlog=1", "pass", 100, false);
	int64_t b = record_run(db, "s", "10.11.9", "innodb_flush_log_at_trx_commit=2\nsync_binlog=1\nextra=on",
			       "fail", 70, true);
	struct compare_limits none = { -1, -1, -1, -1 }, tight = { 20, 50, 2, 1 };
	int reg;
	char *text;

	text = compare_text(db, a, b, &none, &reg);
	assert_non_null(strstr(text, "server version"));
	assert_non_null(strstr(text, "10.11.6 -> 10.11.9"));
	assert_non_null(strstr(text, "mysqld innodb_flush_log_at_trx_commit"));
	assert_non_null(strstr(text, "mysqld extra"));
	assert_non_null(strstr(text, "(unset) -> on"));
	assert_null(strstr(text, "mysqld sync_binlog")); /* unchanged */
	assert_non_null(strstr(text, "lost-ok (new)"));
	assert_non_null(strstr(text, "phantom (new)"));
	/* without limits: the verdict and the check are the regressions */
	assert_int_equal(reg, 2);
	assert_non_null(strstr(text, "result: 2 regressions: verdict pass -> fail; check durability pass -> fail"));
	free(text);

	/* with limits, tps -30% and p99 x2 in each phase, +4 s unavailable, slower recovery */
	text = compare_text(db, a, b, &tight, &reg);
	assert_non_null(strstr(text, "tps -30.0% REGRESSION (limit -20%)"));
	assert_non_null(strstr(text, "p99 +100.0% REGRESSION (limit +50%)"));
	assert_non_null(strstr(text, "REGRESSION (+4 s, limit 2 s)"));
	assert_non_null(strstr(text, "Synced later by 7.0 s"));
	assert_int_equal(reg, 2 + 3 + 3 + 1 + 1);
	free(text);

	/* the other way round nothing got worse */
	text = compare_text(db, b, a, &tight, &reg);
	assert_int_equal(reg, 0);
	assert_non_null(strstr(text, "result: no regression"));
	free(text);
	text = compare_text(db, a, a, &tight, &reg);
	assert_int_equal(reg, 0);
	assert_non_null(strstr(text, "nothing recorded"));
	free(text);

	int64_t *ids = NULL;
	assert_int_equal(runs_of_scenario(db, "s", 5, &ids), 2);
	assert_int_equal(ids[0], a);
	assert_int_equal(ids[1], b);
	free(ids);
	resultsdb_close(db);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_html(void **state)
{
	(void)state;
	struct resultsdb *db = fresh_db("html.db");
	int64_t run = record_run(db, "<x&y>", "10.11.6", NULL, "fail", 100, true);
	char *path = xasprintf("%s/r.html", dir);
	char *html;

	assert_int_equal(report_html(db, run, path), 0);
	html = read_file(path, NULL);
	assert_non_null(html);
	assert_int_equal(count(html, "class=\"fault-band\""), 3 * 2); /* 3 charts, 2 faults */
	assert_int_equal(count(html, "class=\"fault-label\""), 2);
	assert_int_equal(count(html, "class=\"point ok\""), 30);
	assert_int_equal(count(html, "class=\"point p99\""), 30 - 7); /* seconds with ok > 0 */
	assert_int_equal(count(html, "class=\"state-seg "), 5); /* 6 rows, one repeats */
	assert_int_equal(count(html, "class=\"anomaly\""), 2);
	assert_non_null(strstr(html, "&lt;x&amp;y&gt;"));
	assert_null(strstr(html, "<x&y>"));
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(html, "</html>"));
	free(html);
	/* an unknown run writes nothing */
	char *none = xasprintf("%s/none.html", dir);
	assert_int_equal(report_html(db, 4242, none), -1);
	assert_false(path_exists(none));
	free(none);
	free(path);
	resultsdb_close(db);
}

static void test_history(void **state)
{
	(void)state;
	char *jpath = xasprintf("%s/journal", dir), *hpath = xasprintf("%s/h.edn", dir);
	struct journal_writer *w = journal_create(jpath, 7, 10);
	struct txn_record r;
	char *edn;
	int n = 40;

	assert_non_null(w);
	txn_record_init(&r);
	/* 4 clients; txn 5 is unknown (its client is then a new process) */
	for (int i = 0; i < n; i++) {
		txn_record_reset(&r);
		r.txn = 1000 + i;
		r.kind = i % 3 == 0 ? TXN_NEW_CUSTOMER : TXN_CREDIT;
		r.outcome = i == 5 ? TXN_UNKNOWN : i % 7 == 6 ? TXN_FAILED : TXN_OK;
		r.err = r.outcome == TXN_OK ? 0 : r.outcome == TXN_UNKNOWN ? 2013 : 1213;
		snprintf(r.node, sizeof(r.node), "10.213.1.%d:3306", i % 3 + 1);
		r.start_ns = 5000 + (i / 4) * 1000 + (i % 4) * 10;
		r.end_ns = r.start_ns + 900;
		txn_add_row(&r, ROW_INSERT, TBL_CREDIT, 9000 + i, 9000 + i);
		journal_append(w, &r);
	}
	txn_record_release(&r);
	assert_int_equal(journal_close(w), 0);
	assert_int_equal(report_history(jpath, hpath), 0);
	edn = read_file(hpath, NULL);
	assert_non_null(edn);
	assert_int_equal(count(edn, "\n"), 2 * n);
	assert_int_equal(count(edn, ":type :invoke"), n);
	assert_int_equal(count(edn, ":type :info"), 1);
	assert_int_equal(count(edn, ":type :fail"), 5);
	assert_int_equal(count(edn, ":f :new-customer"), 2 * 14);
	/* the first line: the earliest invoke at time 0 */
	assert_non_null(strstr(edn, "{:index 0, :type :invoke, :f :new-customer, :value {:txn 1000, "
				    ":node \"10.213.1.1:3306\", :rows [\"+credit:9000\"]}, :process 0, :time 0}\n"));
	assert_non_null(strstr(edn, ":type :info, :f :credit, :value {:txn 1005, :node \"10.213.1.3:3306\", "
				    ":rows [\"+credit:9005\"]}, :process 1, :time 1910, :error [:mysql 2013]}"));
	/* processes are the lowest free one; process 1 is retired after its :info,
	 * so the fourth op of the next round (txn 1011) needs a new process 4 */
	assert_non_null(strstr(edn, ":value {:txn 1011, :node \"10.213.1.3:3306\", :rows [\"+credit:9011\"]}, :process 4,"));
	assert_null(strstr(strchr(strstr(edn, ":type :info"), '\n'), ":process 1,"));
	assert_null(strstr(edn, ":process 5,"));
	free(edn);
	/* a missing journal is an error, nothing written */
	char *missing = xasprintf("%s/nope", dir), *out2 = xasprintf("%s/h2.edn", dir);
	assert_int_equal(report_history(missing, out2), -1);
	assert_false(path_exists(out2));
	free(missing);
	free(out2);
	free(jpath);
	free(hpath);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_mask),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_history),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
