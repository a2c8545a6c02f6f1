/* Unit tests for results/resultsdb.c: create with schema version, record a
 * run, and find a run whose lab died as aborted; results/merge.c: runs
 * joined once each, atomically; trend.c's nights. */
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

#include "nightly.h"
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
	/* schema 5: manager_events; seconds NULL unless given */
	assert_int_equal(resultsdb_manager_event(db, run, 2.0, 1, "promote", "ok", -1, "Result of promote"), 0);
	assert_int_equal(resultsdb_manager_event(db, run, 3.0, 1, "failover", "ok", 7.25, "kill node 2"), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM manager_events WHERE seconds IS NULL AND kind = 'promote'"), 1);
	assert_int_equal(scalar(db, "SELECT CAST(seconds * 100 AS INTEGER) FROM manager_events WHERE kind = 'failover'"),
			 725);
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

/* One run with a step, a check and a replay of `replays`; its id. */
static int64_t add_run(const char *path, const char *scenario, int64_t replays)
{
	struct resultsdb *db = resultsdb_open(path);
	struct run_info ri = { .scenario = scenario, .seed = 1, .nodes = 3, .replays = replays };
	int64_t run;

	assert_non_null(db);
	run = resultsdb_run_begin(db, &ri);
	assert_true(run > 0);
	assert_true(resultsdb_step_begin(db, run, 1, "kill", "2", NULL) > 0);
	assert_int_equal(resultsdb_check(db, run, "durability", "pass", "pass", 0, NULL), 0);
	assert_int_equal(resultsdb_run_end(db, run, "pass", NULL), 0);
	resultsdb_close(db);
	return run;
}

static int64_t count(const char *path, const char *sql)
{
	struct resultsdb *db = resultsdb_open_existing(path);
	int64_t v;

	assert_non_null(db);
	v = scalar(db, sql);
	resultsdb_close(db);
	return v;
}

/* Two shards that share a run (a copy of one database grown further):
 * each run once, its rows along, a replay pointing at the renumbered run;
 * merging again adds nothing; a bad input leaves the result as it was and
 * no temporary file. */
static void test_merge(void **state)
{
	char *a = xasprintf("%s/a.db", dir), *b = xasprintf("%s/b.db", dir), *c = xasprintf("%s/m/c.db", dir);
	char *junk = xasprintf("%s/junk.db", dir), *cmd;
	const char *inputs[3];
	struct merge_counts mc;
	int64_t first;

	(void)state;
	first = add_run(a, "one", 0);
	cmd = xasprintf("cp %s %s", a, b);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	add_run(b, "two", 0);
	add_run(b, "again", first);
	add_run(a, "three", 0);
	inputs[0] = a;
	inputs[1] = b;
	assert_int_equal(results_merge(inputs, 2, c, &mc), 0);
	assert_int_equal(mc.inputs, 2);
	assert_int_equal(mc.runs, 4);
	assert_int_equal(mc.duplicates, 1);
	assert_int_equal(count(c, "SELECT count(*) FROM runs"), 4);
	assert_int_equal(count(c, "SELECT count(DISTINCT uuid) FROM runs"), 4);
	assert_int_equal(count(c, "SELECT count(*) FROM steps"), 4);
	assert_int_equal(count(c, "SELECT count(*) FROM checks c JOIN runs r ON r.id = c.run_id"), 4);
	assert_int_equal(count(c, "SELECT count(*) FROM runs a JOIN runs o ON o.id = a.replays"
				  " WHERE a.scenario = 'again' AND o.scenario = 'one'"), 1);
	/* again, the other way round, after a run was deleted from the result:
	 * the result's own runs keep their ids (the gap stays), the deleted
	 * one comes back with a new id, nothing else is added */
	{
		struct resultsdb *db = resultsdb_open_existing(c);
		assert_non_null(db);
		assert_int_equal(scalar(db, "SELECT id FROM runs WHERE scenario = 'three'"), 2);
		assert_int_equal(sqlite3_exec(resultsdb_handle(db), "DELETE FROM runs WHERE scenario = 'three'", NULL, NULL,
					      NULL), SQLITE_OK);
		resultsdb_close(db);
	}
	inputs[0] = b;
	inputs[1] = a;
	assert_int_equal(results_merge(inputs, 2, c, &mc), 0);
	assert_int_equal(mc.kept, 3);
	assert_int_equal(mc.runs, 1);
	assert_int_equal(mc.duplicates, 4);
	assert_int_equal(count(c, "SELECT count(*) FROM runs WHERE (id, scenario) IN (VALUES (1, 'one'), (3, 'two'),"
				  " (4, 'again'), (5, 'three'))"), 4);
	assert_int_equal(count(c, "SELECT count(*) FROM steps s JOIN runs r ON r.id = s.run_id"), 4);
	assert_int_equal(count(c, "SELECT count(*) FROM runs"), 4);
	/* a bad input: -1, the result untouched, nothing left beside it */
	assert_int_equal(write_file_atomic(junk, "not sqlite", 10, 0644), 0);
	add_run(a, "four", 0);
	inputs[0] = a;
	inputs[1] = junk;
	assert_int_equal(results_merge(inputs, 2, c, &mc), -1);
	assert_int_equal(count(c, "SELECT count(*) FROM runs"), 4);
	cmd = xasprintf("test $(ls %s/m | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	inputs[1] = "/nonexistent/x.db";
	assert_int_equal(results_merge(inputs, 2, c, &mc), -1);
	free(a);
	free(b);
	free(c);
	free(junk);
}

/* A night is 12:00 UTC to 12:00 UTC, named by its first day. */
static void test_trend_night(void **state)
{
	char buf[16];

	(void)state;
	trend_night(1796425200.0, buf, sizeof(buf)); /* 2026-12-04 23:00 UTC */
	assert_string_equal(buf, "2026-12-04");
	trend_night(1796439600.0, buf, sizeof(buf)); /* 2026-12-05 03:00 */
	assert_string_equal(buf, "2026-12-04");
	trend_night(1796472000.0, buf, sizeof(buf)); /* 2026-12-05 12:00 */
	assert_string_equal(buf, "2026-12-05");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_rows),
		cmocka_unit_test(test_abandoned_run_is_aborted),
		cmocka_unit_test(test_migration_from_1),
		cmocka_unit_test(test_migration_v1),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_trend_night),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
