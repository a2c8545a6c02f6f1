/* Unit tests for harness/run/failover.c: the failover time from the
 * manager's promote, the run's fault steps and the client's journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "failover.h"

static const char *const hosts[] = { NULL, "10.213.1.11:3306", "10.213.1.12:3306", "10.213.1.13:3306" };

/* A journal whose monotonic clock is wall time - 1000 s (mono_to_wall 1000). */
static char *journal(const char *body)
{
	char *path = strdup("/tmp/lab-test-failover.XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "# lab-journal 1 seed=1 started=1000.000\n%s", body);
	fclose(f);
	return path;
}

static struct manager_event event(double t, int node, const char *kind, const char *result)
{
	struct manager_event e;

	memset(&e, 0, sizeof(e));
	e.t = t;
	e.node = node;
	snprintf(e.kind, sizeof(e.kind), "%s", kind);
	snprintf(e.result, sizeof(e.result), "%s", result);
	return e;
}

/* Galera: every node's power cut, the step from 2000 to 2000.2; node 3 took
 * a write that ended at 2000.1, before the cut reached it: not the
 * service back. It bootstrapped at 2015; its first write after it, 2016. */
static void test_galera_write_before_the_cut(void **state)
{
	struct fault_mark faults[] = { { 2000.0, 2000.2, 3, "hard-reset node all" } };
	struct manager_event ev[] = { event(2015.0, 3, "promote", "ok"), event(2017.0, 1, "promote", "ok") };
	char *j = journal("1\tcredit\tok\t10.213.1.13:3306\t1000000000000\t1000100000000\t0\t+credit:1\n"
			  "2\tcredit\tok\t10.213.1.13:3306\t1015900000000\t1016000000000\t0\t+credit:2\n");
	char *journals[] = { j };
	struct failover *fo;
	size_t n;

	(void)state;
	assert_int_equal(failover_measure(ev, 2, faults, 1, hosts, 3, journals, 1, 1000.0, &fo, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fo[0].node, 3);
	assert_true(fo[0].seconds > 15.99 && fo[0].seconds < 16.01);
	free(fo);
	unlink(j);
	free(j);
}

/* kill node 1 at 2000; n1 failed at 2003, n2 promoted at 2007; the client's
 * first ok write on node 2 ends at 2008.5 (an audit, a read, ended on node 2
 * at 2005 and does not count; node 3's writes fail, read-only). */
static void test_promote_then_first_write(void **state)
{
	struct fault_mark faults[] = { { 2000.0, 0, 3, "kill node 1" } };
	struct manager_event ev[] = {
		event(1990.0, 1, "promote", "ok"), /* at cluster up: before any fault */
		event(2003.0, 1, "failed", "not running"),
		event(2007.0, 2, "promote", "ok"),
		event(2010.0, 1, "start", "ok"),
	};
	char *j = journal("1\tcredit\tok\t10.213.1.11:3306\t999000000000\t999500000000\t0\t+credit:1\n"
			  "2\tcredit\tfailed\t10.213.1.13:3306\t1001000000000\t1001100000000\t1290\t-\n"
			  "3\taudit\tok\t10.213.1.12:3306\t1004900000000\t1005000000000\t0\t-\n"
			  "4\tcredit\tok\t10.213.1.12:3306\t1008400000000\t1008500000000\t0\t+credit:2\n"
			  "5\tcredit\tok\t10.213.1.12:3306\t1009000000000\t1009100000000\t0\t+credit:3\n");
	char *journals[] = { j };
	struct failover *fo;
	size_t n;

	(void)state;
	assert_int_equal(failover_measure(ev, 4, faults, 1, hosts, 3, journals, 1, 1000.0, &fo, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fo[0].node, 2);
	assert_ptr_equal(fo[0].fault, &faults[0]);
	assert_true(fo[0].promoted == 2007.0);
	assert_true(fo[0].first_ok > 2008.49 && fo[0].first_ok < 2008.51);
	assert_true(fo[0].seconds > 8.49 && fo[0].seconds < 8.51);
	free(fo);
	unlink(j);
	free(j);
}

/* Two faults: each gets the first promote after it and before the next
 * fault; a promote that failed is none; no write on the promoted node
 * afterwards: seconds -1. */
static void test_two_faults_and_no_write(void **state)
{
	struct fault_mark faults[] = { { 2000.0, 0, 3, "kill node 1" }, { 2100.0, 0, 7, "partition" } };
	struct manager_event ev[] = {
		event(2005.0, 3, "promote", "error"),
		event(2006.0, 2, "promote", "ok"),
		event(2009.0, 3, "promote", "ok"), /* a second promote for the same fault: not counted */
		event(2110.0, 1, "promote", "ok"),
	};
	char *j = journal("1\tcredit\tok\t10.213.1.12:3306\t1006500000000\t1006600000000\t0\t+credit:1\n");
	char *journals[] = { j };
	struct failover *fo;
	size_t n;

	(void)state;
	assert_int_equal(failover_measure(ev, 4, faults, 2, hosts, 3, journals, 1, 1000.0, &fo, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(fo[0].node, 2);
	assert_true(fo[0].seconds > 6.59 && fo[0].seconds < 6.61);
	assert_int_equal(fo[1].node, 1);
	assert_ptr_equal(fo[1].fault, &faults[1]);
	assert_true(fo[1].seconds == -1);
	assert_true(fo[1].first_ok == 0);
	free(fo);
	unlink(j);
	free(j);
}

/* No fault, or no promote after it: nothing to measure; a journal that
 * cannot be read is an error. */
static void test_nothing_and_errors(void **state)
{
	struct fault_mark faults[] = { { 2000.0, 0, 3, "kill node 3" } };
	struct manager_event ev[] = { event(1990.0, 1, "promote", "ok"), event(2001.0, 3, "stop", "ok") };
	char *missing[] = { "/nonexistent/journal" };
	struct failover *fo;
	size_t n;

	(void)state;
	assert_int_equal(failover_measure(ev, 2, NULL, 0, hosts, 3, NULL, 0, 0, &fo, &n), 0);
	assert_int_equal(n, 0);
	free(fo);
	assert_int_equal(failover_measure(ev, 2, faults, 1, hosts, 3, missing, 1, 0, &fo, &n), 0);
	assert_int_equal(n, 0);
	free(fo);
	struct manager_event ev2[] = { event(2004.0, 2, "promote", "ok") };
	assert_int_equal(failover_measure(ev2, 1, faults, 1, hosts, 3, missing, 1, 0, &fo, &n), -1);
	assert_int_equal(n, 1);
	assert_true(fo[0].seconds == -1);
	free(fo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_promote_then_first_write),
		cmocka_unit_test(test_galera_write_before_the_cut),
		cmocka_unit_test(test_two_faults_and_no_write),
		cmocka_unit_test(test_nothing_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
