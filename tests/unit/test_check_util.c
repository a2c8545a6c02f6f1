/* Unit tests for checkers/checkutil.c: the row hash and the ordered
 * checksum combine used by convergence, integer fields, and the anomaly
 * sink's counting, verdicts and stored rows (in a real SQLite results db). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkutil.h"
#include "util.h"

static uint64_t hash_of(const char *a, const char *b)
{
	char *f[2] = { (char *)a, (char *)b };
	unsigned long len[2] = { a ? strlen(a) : 0, b ? strlen(b) : 0 };
	return row_hash(f, len, 2);
}

static void test_row_hash(void **state)
{
	(void)state;
	assert_true(hash_of("17", "1000") == hash_of("17", "1000"));
	assert_true(hash_of("17", "1000") != hash_of("17", "1001"));
	/* field boundaries count: ("1","71000") is not ("17","1000") */
	assert_true(hash_of("17", "1000") != hash_of("1", "71000"));
	/* NULL, "" and "NULL" all differ */
	assert_true(hash_of("1", NULL) != hash_of("1", ""));
	assert_true(hash_of("1", NULL) != hash_of("1", "NULL"));
	/* long fields: every byte counts, past the 8-byte blocks too */
	assert_true(hash_of("customer-1234567890", "x") != hash_of("customer-1234567891", "x"));
	assert_true(hash_of("abcdefghi", "x") != hash_of("abcdefghj", "x"));
}

static uint64_t table_sum(const int64_t *pk, const uint64_t *h, size_t n)
{
	uint64_t acc = CHECKSUM_INIT;
	for (size_t i = 0; i < n; i++)
		acc = checksum_combine(acc, pk[i], h[i]);
	return acc;
}

static void test_checksum_combine(void **state)
{
	(void)state;
	int64_t pk[] = { 1, 2, 3 };
	uint64_t h[] = { 111, 222, 333 };
	uint64_t base = table_sum(pk, h, 3);
	assert_true(base == table_sum(pk, h, 3));
	/* two rows' contents swapped (same multiset of rows) */
	uint64_t h2[] = { 222, 111, 333 };
	assert_true(base != table_sum(pk, h2, 3));
	/* a row moved to another key */
	int64_t pk2[] = { 1, 2, 4 };
	assert_true(base != table_sum(pk2, h, 3));
	/* a row missing, a row extra */
	assert_true(base != table_sum(pk, h, 2));
	int64_t pk4[] = { 1, 2, 3, 4 };
	uint64_t h4[] = { 111, 222, 333, 444 };
	assert_true(base != table_sum(pk4, h4, 4));
	/* empty table: the initial value */
	assert_true(table_sum(pk, h, 0) == CHECKSUM_INIT);
}

static void test_field_i64(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(field_i64("12345", &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(field_i64("-7", &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(field_i64("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(field_i64("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(field_i64("9223372036854775808", &v), -1);
	assert_int_equal(field_i64(NULL, &v), -1);
	assert_int_equal(field_i64("", &v), -1);
	assert_int_equal(field_i64("-", &v), -1);
	assert_int_equal(field_i64("12a", &v), -1);
	assert_int_equal(field_i64("1.5", &v), -1);
}

static void test_sink_verdicts(void **state)
{
	(void)state;
	char path[] = "/tmp/lab-test-check-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	struct resultsdb *db = resultsdb_open(path);
	assert_non_null(db);
	struct run_info ri = { .scenario = "check" };
	int64_t run = resultsdb_run_begin(db, &ri);
	assert_true(run > 0);
	FILE *out = tmpfile();
	struct check_ctx ctx = { .db = db, .run_id = run, .out = out, .max_examples = 2 };
	struct check_result res;

	/* clean: pass */
	struct anomaly_sink *s = sink_new(&ctx, "invariants");
	memset(&res, 0, sizeof(res));
	assert_int_equal(sink_finish(s, 0, &res), 0);
	assert_string_equal(res.actual, "pass");
	free(res.summary);
	sink_free(s);

	/* only an unreachable node: broken, not a finding */
	s = sink_new(&ctx, "convergence");
	sink_unreachable(s, "10.0.0.9:3306", "connection refused");
	memset(&res, 0, sizeof(res));
	assert_int_equal(sink_finish(s, 0, &res), 0);
	assert_string_equal(res.actual, "broken");
	assert_int_equal(sink_findings(s), 0);
	free(res.summary);
	sink_free(s);

	/* findings: fail, every one stored, examples capped at 2 per kind */
	s = sink_new(&ctx, "durability");
	for (int i = 0; i < 5; i++)
		sink_add(s, "lost-ok", "credit", 9000 + i, 70 + i, "n1:3306", "row %d", i);
	sink_add(s, "phantom", "credit", 4242, -1, "n1:3306", NULL);
	assert_int_equal(sink_count(s, "lost-ok"), 5);
	assert_int_equal(sink_findings(s), 6);
	memset(&res, 0, sizeof(res));
	assert_int_equal(sink_finish(s, 0, &res), 0);
	assert_string_equal(res.actual, "fail");
	assert_int_equal(res.anomalies, 6);
	assert_non_null(strstr(res.summary, "lost-ok 5"));
	free(res.summary);
	sink_free(s);

	/* the rows landed */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(resultsdb_handle(db),
		"SELECT count(*), sum(row_id = 4242 AND txn_id IS NULL), sum(txn_id = 74) FROM anomalies "
		"WHERE run_id = ? AND checker = 'durability'", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, run);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 6);
	assert_int_equal(sqlite3_column_int(st, 1), 1);
	assert_int_equal(sqlite3_column_int(st, 2), 1);
	sqlite3_finalize(st);

	/* the printed summary: counts, and only the first 2 examples */
	rewind(out);
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, out);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "durability: fail, 6 anomalies"));
	assert_non_null(strstr(buf, "lost-ok credit:9001 txn 71 node n1:3306: row 1"));
	assert_null(strstr(buf, "credit:9002"));
	assert_non_null(strstr(buf, "phantom credit:4242"));

	/* could not run: broken whatever was found */
	s = sink_new(&ctx, "invariants");
	sink_add(s, "balance-drift", "customer", 1, -1, NULL, "x");
	memset(&res, 0, sizeof(res));
	assert_int_equal(sink_finish(s, -1, &res), -1);
	assert_string_equal(res.actual, "broken");
	free(res.summary);
	sink_free(s);

	fclose(out);
	resultsdb_close(db);
	unlink(path);
	char side[300];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_hash),
		cmocka_unit_test(test_checksum_combine),
		cmocka_unit_test(test_field_i64),
		cmocka_unit_test(test_sink_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
