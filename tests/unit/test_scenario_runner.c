/* Unit tests for the runner's pure logic: the undo stack (LIFO, each entry
 * once, cancel, find), verdict words and exit codes, and the JUnit report
 * made from a real (temporary) results database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "resultsdb.h"
#include "runner.h"
#include "util.h"

struct trace {
	char log[256];
	int fail_kind; /* this kind's undo fails */
};

static int record_undo(void *ctx, struct undo_entry *e)
{
	struct trace *t = ctx;
	char item[32];

	snprintf(item, sizeof(item), "%s%s%d", t->log[0] ? " " : "", undo_kind_name(e->kind), e->node);
	strncat(t->log, item, sizeof(t->log) - strlen(t->log) - 1);
	return (int)e->kind == t->fail_kind ? -1 : 0;
}

static void test_undo_lifo_and_cancel(void **state)
{
	(void)state;
	struct undo_stack s = { 0 };
	struct trace t = { .fail_kind = -1 };

	undo_push(&s, UNDO_WORKLOAD, 0, NULL);
	undo_push(&s, UNDO_HEAL, 0, NULL);
	undo_push(&s, UNDO_START, 2, NULL);
	undo_push(&s, UNDO_CACHE, 1, "none");
	undo_push(&s, UNDO_RESUME, 3, NULL);
	assert_int_equal(undo_pending(&s), 5);
	assert_non_null(undo_find(&s, UNDO_START, 2));
	assert_null(undo_find(&s, UNDO_START, 1));
	assert_string_equal(undo_find(&s, UNDO_CACHE, -1)->arg, "none");
	/* the scenario resumed node 3 itself */
	assert_int_equal(undo_cancel(&s, UNDO_RESUME, 3), 1);
	assert_int_equal(undo_cancel(&s, UNDO_RESUME, 3), 0);
	assert_int_equal(undo_pending(&s), 4);
	assert_int_equal(undo_run_all(&s, record_undo, &t), 0);
	/* workload first, then (resume cancelled) heal, cache modes, starts */
	assert_string_equal(t.log, "workload-stop0 heal0 disk-cache1 start2");
	assert_int_equal(undo_pending(&s), 0);
	/* a second unwind does nothing */
	t.log[0] = '\0';
	assert_int_equal(undo_run_all(&s, record_undo, &t), 0);
	assert_string_equal(t.log, "");
	undo_release(&s);
	undo_release(NULL);
}

static void test_undo_failure_runs_the_rest(void **state)
{
	(void)state;
	struct undo_stack s = { 0 };
	struct trace t = { .fail_kind = UNDO_HEAL };

	undo_push(&s, UNDO_START, 1, NULL);
	undo_push(&s, UNDO_HEAL, 0, NULL);
	undo_push(&s, UNDO_RESUME, 2, NULL);
	assert_int_equal(undo_run_all(&s, record_undo, &t), -1);
	assert_string_equal(t.log, "resume2 heal0 start1");
	undo_release(&s);

	/* newest first within a kind; resume before start whatever the push order */
	struct trace t2 = { .fail_kind = -1 };
	undo_push(&s, UNDO_START, 3, NULL);
	undo_push(&s, UNDO_RESUME, 2, NULL);
	undo_push(&s, UNDO_START, 1, NULL);
	undo_push(&s, UNDO_RESUME, 1, NULL);
	assert_int_equal(undo_run_all(&s, record_undo, &t2), 0);
	assert_string_equal(t2.log, "resume1 resume2 start1 start3");
	assert_int_equal(undo_pending(&s), 0);
	undo_release(&s);
}

static void test_undo_cancel_any_node(void **state)
{
	(void)state;
	struct undo_stack s = { 0 };

	undo_push(&s, UNDO_START, 1, NULL);
	undo_push(&s, UNDO_START, 2, NULL);
	undo_push(&s, UNDO_START, 3, NULL);
	undo_push(&s, UNDO_HEAL, 0, NULL);
	assert_int_equal(undo_cancel(&s, UNDO_START, -1), 3);
	assert_int_equal(undo_pending(&s), 1);
	undo_release(&s);
}

static void test_verdicts(void **state)
{
	(void)state;
	assert_string_equal(verdict_name(VERDICT_PASS), "pass");
	assert_string_equal(verdict_name(VERDICT_ABORTED), "aborted");
	assert_int_equal(verdict_exit_code(VERDICT_PASS), 0);
	assert_int_equal(verdict_exit_code(VERDICT_SKIP), 0);
	assert_int_equal(verdict_exit_code(VERDICT_FAIL), 1);
	assert_int_equal(verdict_exit_code(VERDICT_BROKEN), 2);
	assert_int_equal(verdict_exit_code(VERDICT_ABORTED), 2);
}

static void test_sleep_interruptible(void **state)
{
	(void)state;
	int64_t t0 = mono_ns();
	assert_int_equal(runner_sleep(50), 0);
	assert_true(mono_ns() - t0 >= 50 * 1000000LL);
	lab_interrupted = 1;
	t0 = mono_ns();
	assert_int_equal(runner_sleep(10000), -1);
	assert_true(mono_ns() - t0 < 1000 * 1000000LL);
	lab_interrupted = 0;
}

static void test_scrub(void **state)
{
	(void)state;
	char *s = runner_scrub("s3cr3t", "CREATE USER 'lab'@'%' IDENTIFIED BY 's3cr3t' -- ERROR 1047; pw s3cr3t again");
	assert_string_equal(s, "CREATE USER 'lab'@'%' IDENTIFIED BY '***' -- ERROR 1047; pw *** again");
	free(s);
	s = runner_scrub(NULL, "identified by 'other' and more");
	assert_string_equal(s, "identified by '***' and more");
	free(s);
	s = runner_scrub("", NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_junit(void **state)
{
	(void)state;
	char dir[] = "/tmp/lab-junit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *dbp = xasprintf("%s/lab.db", dir), *xml = xasprintf("%s/junit.xml", dir);
	struct resultsdb *db = resultsdb_open(dbp);
	assert_non_null(db);
	struct run_info ri = { .scenario = "lost-write", .scenario_file = "s/lost.yaml", .seed = 7,
			       .backend = "local", .flavor = "galera", .nodes = 3, .tags = "MDEV-1<2>" };
	int64_t r1 = resultsdb_run_begin(db, &ri);
	assert_true(r1 > 0);
	resultsdb_check(db, r1, "durability", "pass", "fail", 1, "1 acknowledged purchase lost");
	resultsdb_check(db, r1, "invariants", "pass", "pass", 0, "ok");
	resultsdb_anomaly(db, r1, "durability", "lost-ok", "purchase", 42, 9001, "10.213.1.2:3306", "txn & co");
	resultsdb_run_end(db, r1, "fail", "durability: expected pass, got fail");
	ri.scenario = "no-cluster";
	ri.tags = NULL;
	int64_t r2 = resultsdb_run_begin(db, &ri);
	int64_t s = resultsdb_step_begin(db, r2, 0, "cluster-up", "all", NULL);
	resultsdb_step_end(db, s, "error", "galera did not start");
	resultsdb_run_end(db, r2, "broken", "cluster 'run' did not come up");
	ri.scenario = "fine";
	int64_t r3 = resultsdb_run_begin(db, &ri);
	resultsdb_run_end(db, r3, "pass", NULL);

	int64_t runs[] = { r1, r2, r3 };
	assert_int_equal(report_junit(db, runs, 3, xml), 0);
	size_t len;
	char *text = read_file(xml, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "<testsuites name=\"lab\" tests=\"3\" failures=\"1\" errors=\"1\" skipped=\"0\""));
	assert_non_null(strstr(text, "<testcase classname=\"lab.galera\" name=\"lost-write\""));
	assert_non_null(strstr(text, "<failure type=\"fail\" message=\"durability: expected pass, got fail\">tags: MDEV-1&lt;2&gt;"));
	assert_non_null(strstr(text, "check durability: expected pass, got fail (1 anomalies)"));
	assert_null(strstr(text, "check invariants: expected"));   /* it met its expectation */
	assert_non_null(strstr(text, "check invariants: pass (expected pass, 0 anomalies)")); /* system-out */
	assert_non_null(strstr(text, "durability lost-ok purchase row 42 txn 9001 node 10.213.1.2:3306: txn &amp; co"));
	assert_non_null(strstr(text, "<error type=\"broken\" message=\"cluster &apos;run&apos; did not come up\">step 0 cluster-up node all failed: galera did not start"));
	assert_non_null(strstr(text, "name=\"fine\""));
	free(text);
	/* an unknown run is an error, and nothing half-written is left */
	int64_t bad[] = { 999 };
	char *xml2 = xasprintf("%s/bad.xml", dir);
	assert_int_equal(report_junit(db, bad, 1, xml2), -1);
	assert_false(path_exists(xml2));
	resultsdb_close(db);
	remove_tree(dir);
	free(xml2);
	free(dbp);
	free(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_undo_lifo_and_cancel),
		cmocka_unit_test(test_undo_failure_runs_the_rest),
		cmocka_unit_test(test_undo_cancel_any_node),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_sleep_interruptible),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_junit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
