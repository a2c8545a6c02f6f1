/* Unit tests for results/resultsdb.c: create with schema version, record a
 * run, and find a run whose lab died as aborted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "resultsdb.h"
#include "util.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/lab-resultsdb-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(dir);
}

static int64_t scalar(struct resultsdb *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(sqlite3_prepare_v2(resultsdb_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_run_rows(void **state)
{
	(void)state;
	char *path = xasprintf("%s/sub/lab.db", dir);
	struct resultsdb *db = resultsdb_open(path);
	assert_non_null(db);
	assert_int_equal(scalar(db, "PRAGMA user_version"), RESULTSDB_SCHEMA_VERSION);
	struct run_info ri = { .scenario = "t", .seed = 7, .backend = "local", .flavor = "galera", .nodes = 3 };
	int64_t run = resultsdb_run_begin(db, &ri);
	assert_true(run > 0);
	int64_t step = resultsdb_step_begin(db, run, 1, "kill", "2", NULL);
	assert_true(step > 0);
	assert_int_equal(resultsdb_step_end(db, step, "ok", "pid 123 gone"), 0);
	assert_int_equal(resultsdb_check(db, run, "invariants", "pass", "fail", 1, "drift"), 0);
	assert_int_equal(resultsdb_anomaly(db, run, "invariants", "balance-drift", "customer", 17, -1, NULL, "x"), 0);
	assert_int_equal(resultsdb_second(db, run, 1000, 10, 1, 0, 1.5, 3.0, 9.0), 0);
	assert_int_equal(resultsdb_run_end(db, run, "fail", "invariants"), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM anomalies WHERE txn_id IS NULL AND row_id = 17"), 1);
	assert_int_equal(scalar(db, "SELECT count(*) FROM runs WHERE verdict = 'fail' AND ended_at IS NOT NULL"), 1);
	/* bad verdicts are refused by the schema */
	assert_int_equal(resultsdb_run_end(db, run, "maybe", NULL), -1);
	resultsdb_close(db);
	free(path);
}

static void test_abandoned_run_is_aborted(void **state)
{
	(void)state;
	char *path = xasprintf("%s/lab.db", dir);
	pid_t child = fork();
	if (child == 0) {
		struct resultsdb *db = resultsdb_open(path);
		struct run_info ri = { .scenario = "dies" };
		_exit(db && resultsdb_run_begin(db, &ri) > 0 ? 0 : 1);
	}
	int st;
	waitpid(child, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct resultsdb *db = resultsdb_open(path);
	assert_non_null(db);
	assert_int_equal(scalar(db, "SELECT count(*) FROM runs WHERE verdict = 'aborted'"), 1);
	resultsdb_close(db);
	free(path);
}

/* A schema 1 database (no node_versions) opens, gains the table and keeps
 * its runs readable. */
static void test_migration_from_1(void **state)
{
	(void)state;
	char *path = xasprintf("%s/old.db", dir);
	struct resultsdb *db = resultsdb_open(path);
	assert_non_null(db);
	struct run_info ri = { .scenario = "old", .nodes = 3 };
	int64_t run = resultsdb_run_begin(db, &ri);
	assert_true(run > 0);
	assert_int_equal(resultsdb_run_end(db, run, "pass", NULL), 0);
	assert_int_equal(sqlite3_exec(resultsdb_handle(db), "DROP TABLE node_versions; PRAGMA user_version = 1",
				      NULL, NULL, NULL), SQLITE_OK);
	resultsdb_close(db);
	db = resultsdb_open(path);
	assert_non_null(db);
	assert_int_equal(scalar(db, "PRAGMA user_version"), RESULTSDB_SCHEMA_VERSION);
	assert_int_equal(scalar(db, "SELECT count(*) FROM runs WHERE scenario = 'old' AND verdict = 'pass'"), 1);
	assert_int_equal(resultsdb_node_version(db, run, 1.0, 2, "10.11.18-MariaDB", 0), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM node_versions WHERE node = 2"), 1);
	resultsdb_close(db);
	free(path);
}

/* A version-1 database (runs without replays, uuid, label) opens: the
 * migration adds the columns, old rows read NULL replays and get the
 * legacy uuid (host:pid:start, the same in every copy), a replay records
 * its run, and a new run gets a random version-4 uuid and its label. */
static void test_migration_v1(void **state)
{
	(void)state;
	char *path = xasprintf("%s/v1.db", dir);
	sqlite3 *h;
	struct resultsdb *db;

	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
		"CREATE TABLE runs (id INTEGER PRIMARY KEY, scenario TEXT NOT NULL, scenario_file TEXT,"
		" scenario_hash TEXT, seed INTEGER, backend TEXT, flavor TEXT, nodes INTEGER, server_version TEXT,"
		" galera_version TEXT, cache_mode TEXT, mysqld_options TEXT, tags TEXT, lab_version TEXT, host TEXT,"
		" pid INTEGER, started_at REAL NOT NULL, ended_at REAL, verdict TEXT NOT NULL DEFAULT 'running',"
		" reason TEXT);"
		"INSERT INTO runs (scenario, host, pid, started_at, verdict) VALUES ('old', 'h1', 42, 1.5, 'pass');"
		"PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	db = resultsdb_open(path);
	assert_non_null(db);
	assert_int_equal(scalar(db, "PRAGMA user_version"), RESULTSDB_SCHEMA_VERSION);
	assert_int_equal(scalar(db, "SELECT count(*) FROM runs WHERE scenario = 'old' AND replays IS NULL"), 1);
	{
		struct run_info ri = { .scenario = "again", .seed = 7, .nodes = 3, .replays = 1, .label = "cache_mode=none" };
		int64_t run = resultsdb_run_begin(db, &ri);
		assert_true(run > 1);
		assert_int_equal(scalar(db, "SELECT replays FROM runs WHERE scenario = 'again'"), 1);
		assert_int_equal(scalar(db, "SELECT count(*) FROM runs WHERE scenario = 'old'"
					    " AND uuid = 'legacy:h1:42:1.500000' AND label IS NULL"), 1);
		assert_int_equal(scalar(db, "SELECT count(*) FROM runs WHERE scenario = 'again' AND label = 'cache_mode=none'"
					    " AND length(uuid) = 36 AND substr(uuid, 15, 1) = '4'"), 1);
	}
	resultsdb_close(db);
	/* Opened again: nothing to migrate. */
	db = resultsdb_open(path);
	assert_non_null(db);
	resultsdb_close(db);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_rows),
		cmocka_unit_test(test_abandoned_run_is_aborted),
		cmocka_unit_test(test_migration_from_1),
		cmocka_unit_test(test_migration_v1),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
