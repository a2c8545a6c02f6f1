/*
 * resultsdb.c — the results database: open/create/migrate, and one function
 * per kind of row. See resultsdb.h; the schema is results/schema.sql,
 * compiled in as schema_sql.h by the Makefile.
 */
#include "resultsdb.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static const char schema_sql[] =
#include "schema_sql.h"
	;

struct resultsdb {
	sqlite3 *db;
	char *path;
	int depth; /* nesting of resultsdb_begin */
};

static int db_fail(struct resultsdb *db, const char *what)
{
	lab_error("results database '%s': %s: %s", db->path, what, sqlite3_errmsg(db->db));
	return -1;
}

static int exec_sql(struct resultsdb *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		lab_error("results database '%s': %s", db->path, err ? err : "error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Runs left 'running' by a lab that died: mark them aborted. */
static void mark_abandoned(struct resultsdb *db)
{
	sqlite3_stmt *st;
	int64_t ids[256];
	int n = 0;

	if (sqlite3_prepare_v2(db->db, "SELECT id, pid FROM runs WHERE verdict = 'running'", -1,
			       &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW && n < 256) {
		pid_t pid = (pid_t)sqlite3_column_int64(st, 1);
		if (pid != getpid() && !pid_alive(pid))
			ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++)
		resultsdb_run_end(db, ids[i], "aborted", "lab stopped before the run ended");
}

/* Whether table has that column (a migration may find it there already:
 * a file made from the new schema.sql but stamped with an old version). */
static bool has_column(struct resultsdb *db, const char *table, const char *column)
{
	char *sql = xasprintf("SELECT 1 FROM pragma_table_info('%s') WHERE name = ?", table);
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, column, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	free(sql);
	return found;
}

/* The schema version of an open database without changing anything, or
 * -1 when it cannot be read (not an SQLite file). */
static int read_version(struct resultsdb *db)
{
	sqlite3_stmt *st;
	int version = -1;

	if (sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

static struct resultsdb *open_db(const char *path, bool existing)
{
	struct resultsdb *db = xcalloc(1, sizeof(*db));
	char *dir;
	int version = 0;
	sqlite3_stmt *st;
	struct stat sb;

	db->path = xstrdup(path ? path : RESULTSDB_DEFAULT);
	if (existing) {
		/* A verb that only reads: never make a database out of a path
		 * that is missing, empty or something else. */
		if (stat(db->path, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
			lab_error("'%s' is not a lab results database (%s)", db->path,
				  stat(db->path, &sb) < 0 ? "no such file" : !S_ISREG(sb.st_mode) ? "not a file" : "empty");
			goto fail;
		}
		if (sqlite3_open_v2(db->path, &db->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
		    (version = read_version(db)) <= 0) {
			lab_error("'%s' is not a lab results database", db->path);
			goto fail;
		}
	} else {
		dir = xstrdup(db->path);
		if (mkdir_p(dirname(dir), 0755) < 0) {
			free(dir);
			goto fail;
		}
		free(dir);
		if (sqlite3_open_v2(db->path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		    SQLITE_OK) {
			db_fail(db, "cannot open");
			goto fail;
		}
	}
	sqlite3_busy_timeout(db->db, 10000);
	if (exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;") < 0)
		goto fail;
	if (sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, "cannot read the schema version");
		goto fail;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > RESULTSDB_SCHEMA_VERSION) {
		lab_error("results database '%s' has schema version %d, newer than this lab (%d)",
			  db->path, version, RESULTSDB_SCHEMA_VERSION);
		goto fail;
	}
	if (version < RESULTSDB_SCHEMA_VERSION) {
		char pragma[64];
		if (exec_sql(db, "BEGIN IMMEDIATE") < 0)
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", RESULTSDB_SCHEMA_VERSION);
		/* Migrations of an existing database, oldest first; then the
		 * schema (CREATE ... IF NOT EXISTS) adds what is new. */
		if ((version >= 1 && version < 3 && !has_column(db, "runs", "replays") &&
		     exec_sql(db, "ALTER TABLE runs ADD COLUMN replays INTEGER") < 0) ||
		    (version >= 1 && version < 4 && !has_column(db, "runs", "uuid") &&
		     exec_sql(db, "ALTER TABLE runs ADD COLUMN uuid TEXT") < 0) ||
		    (version >= 1 && version < 4 && !has_column(db, "runs", "label") &&
		     exec_sql(db, "ALTER TABLE runs ADD COLUMN label TEXT") < 0) ||
		    (version >= 1 && version < 4 &&
		     exec_sql(db, "UPDATE runs SET uuid = " RESULTSDB_LEGACY_UUID("") " WHERE uuid IS NULL") < 0)) {
			sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
		if (exec_sql(db, schema_sql) < 0 || exec_sql(db, pragma) < 0) {
			sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
		if (exec_sql(db, "COMMIT") < 0)
			goto fail;
	}
	mark_abandoned(db);
	return db;
fail:
	resultsdb_close(db);
	return NULL;
}

struct resultsdb *resultsdb_open(const char *path)
{
	return open_db(path, false);
}

struct resultsdb *resultsdb_open_existing(const char *path)
{
	return open_db(path, true);
}

void resultsdb_close(struct resultsdb *db)
{
	if (!db)
		return;
	if (db->db)
		sqlite3_close(db->db);
	free(db->path);
	free(db);
}

sqlite3 *resultsdb_handle(struct resultsdb *db)
{
	return db->db;
}

const char *resultsdb_path(const struct resultsdb *db)
{
	return db->path;
}

int resultsdb_begin(struct resultsdb *db)
{
	if (db->depth++ == 0)
		return exec_sql(db, "BEGIN IMMEDIATE");
	return 0;
}

int resultsdb_commit(struct resultsdb *db)
{
	if (db->depth > 0 && --db->depth == 0)
		return exec_sql(db, "COMMIT");
	return 0;
}

/* Bind helpers: NULL text binds NULL. */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v >= 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Prepare, let the caller bind, step once, finalize. */
static sqlite3_stmt *prepare(struct resultsdb *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, "cannot prepare");
		return NULL;
	}
	return st;
}

static int step_done(struct resultsdb *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, what);
	return 0;
}

int resultsdb_new_uuid(char out[37])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lab_error("cannot draw a run uuid: %s", strerror(errno));
			return -1;
		}
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

int64_t resultsdb_run_begin(struct resultsdb *db, const struct run_info *ri)
{
	char host[256] = "";
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO runs (scenario, scenario_file, scenario_hash, seed, backend, flavor, nodes,"
		" server_version, galera_version, cache_mode, mysqld_options, tags, lab_version, host,"
		" pid, started_at, replays, uuid, label, verdict)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'running')");
	char uuid[37];

	if (!st)
		return -1;
	if (resultsdb_new_uuid(uuid) < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	gethostname(host, sizeof(host) - 1);
	bind_text(st, 1, ri->scenario ? ri->scenario : "?");
	bind_text(st, 2, ri->scenario_file);
	bind_text(st, 3, ri->scenario_hash);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)ri->seed);
	bind_text(st, 5, ri->backend);
	bind_text(st, 6, ri->flavor);
	sqlite3_bind_int(st, 7, ri->nodes);
	bind_text(st, 8, ri->server_version);
	bind_text(st, 9, ri->galera_version);
	bind_text(st, 10, ri->cache_mode);
	bind_text(st, 11, ri->mysqld_options);
	bind_text(st, 12, ri->tags);
	bind_text(st, 13, LAB_VERSION);
	bind_text(st, 14, host);
	sqlite3_bind_int64(st, 15, getpid());
	sqlite3_bind_double(st, 16, wall_seconds());
	if (ri->replays > 0)
		sqlite3_bind_int64(st, 17, ri->replays);
	else
		sqlite3_bind_null(st, 17);
	bind_text(st, 18, uuid);
	bind_text(st, 19, ri->label);
	if (step_done(db, st, "cannot record the run") < 0)
		return -1;
	return sqlite3_last_insert_rowid(db->db);
}

int resultsdb_run_update(struct resultsdb *db, int64_t run, const char *server_version,
			 const char *galera_version, const char *cache_mode)
{
	sqlite3_stmt *st = prepare(db,
		"UPDATE runs SET server_version = COALESCE(?, server_version),"
		" galera_version = COALESCE(?, galera_version), cache_mode = COALESCE(?, cache_mode)"
		" WHERE id = ?");

	if (!st)
		return -1;
	bind_text(st, 1, server_version);
	bind_text(st, 2, galera_version);
	bind_text(st, 3, cache_mode);
	sqlite3_bind_int64(st, 4, run);
	return step_done(db, st, "cannot update the run");
}

int resultsdb_run_end(struct resultsdb *db, int64_t run, const char *verdict, const char *reason)
{
	sqlite3_stmt *st = prepare(db, "UPDATE runs SET verdict = ?, reason = ?, ended_at = ? WHERE id = ?");

	if (!st)
		return -1;
	bind_text(st, 1, verdict);
	bind_text(st, 2, reason);
	sqlite3_bind_double(st, 3, wall_seconds());
	sqlite3_bind_int64(st, 4, run);
	return step_done(db, st, "cannot record the verdict");
}

int64_t resultsdb_step_begin(struct resultsdb *db, int64_t run, int seq, const char *action,
			     const char *node, const char *detail)
{
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO steps (run_id, seq, action, node, started_at, outcome, detail)"
		" VALUES (?,?,?,?,?,'running',?)");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, seq);
	bind_text(st, 3, action);
	bind_text(st, 4, node);
	sqlite3_bind_double(st, 5, wall_seconds());
	bind_text(st, 6, detail);
	if (step_done(db, st, "cannot record the step") < 0)
		return -1;
	return sqlite3_last_insert_rowid(db->db);
}

int resultsdb_step_end(struct resultsdb *db, int64_t step, const char *outcome, const char *detail)
{
	sqlite3_stmt *st = prepare(db,
		"UPDATE steps SET outcome = ?, ended_at = ?, detail = COALESCE(?, detail) WHERE id = ?");

	if (!st)
		return -1;
	bind_text(st, 1, outcome);
	sqlite3_bind_double(st, 2, wall_seconds());
	bind_text(st, 3, detail);
	sqlite3_bind_int64(st, 4, step);
	return step_done(db, st, "cannot record the step's outcome");
}

int resultsdb_check(struct resultsdb *db, int64_t run, const char *checker, const char *expected,
		    const char *actual, int64_t anomalies, const char *details)
{
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO checks (run_id, checker, expected, actual, anomalies, details)"
		" VALUES (?,?,?,?,?,?)");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	bind_text(st, 2, checker);
	bind_text(st, 3, expected);
	bind_text(st, 4, actual);
	sqlite3_bind_int64(st, 5, anomalies);
	bind_text(st, 6, details);
	return step_done(db, st, "cannot record the check");
}

int resultsdb_anomaly(struct resultsdb *db, int64_t run, const char *checker, const char *kind,
		      const char *tbl, int64_t row_id, int64_t txn_id, const char *node,
		      const char *detail)
{
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO anomalies (run_id, checker, kind, tbl, row_id, txn_id, node, detail)"
		" VALUES (?,?,?,?,?,?,?,?)");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	bind_text(st, 2, checker);
	bind_text(st, 3, kind);
	bind_text(st, 4, tbl);
	bind_id(st, 5, row_id);
	bind_id(st, 6, txn_id);
	bind_text(st, 7, node);
	bind_text(st, 8, detail);
	return step_done(db, st, "cannot record the anomaly");
}

int resultsdb_second(struct resultsdb *db, int64_t run, int64_t t, int64_t ok, int64_t failed,
		     int64_t unknown, double p50_ms, double p95_ms, double p99_ms)
{
	sqlite3_stmt *st = prepare(db,
		"INSERT OR REPLACE INTO workload_seconds (run_id, t, ok, failed, unknown, p50_ms,"
		" p95_ms, p99_ms) VALUES (?,?,?,?,?,?,?,?)");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, t);
	sqlite3_bind_int64(st, 3, ok);
	sqlite3_bind_int64(st, 4, failed);
	sqlite3_bind_int64(st, 5, unknown);
	sqlite3_bind_double(st, 6, p50_ms);
	sqlite3_bind_double(st, 7, p95_ms);
	sqlite3_bind_double(st, 8, p99_ms);
	return step_done(db, st, "cannot record the workload figures");
}

int resultsdb_node_state(struct resultsdb *db, int64_t run, double t, int node, const char *state,
			 const char *detail)
{
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO node_states (run_id, t, node, state, detail) VALUES (?,?,?,?,?)");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_double(st, 2, t);
	sqlite3_bind_int(st, 3, node);
	bind_text(st, 4, state);
	bind_text(st, 5, detail);
	return step_done(db, st, "cannot record the node state");
}

int resultsdb_manager_event(struct resultsdb *db, int64_t run, double t, int node, const char *kind,
			    const char *result, double seconds, const char *detail)
{
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO manager_events (run_id, t, node, kind, result, seconds, detail) VALUES (?,?,?,?,?,?,?)");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_double(st, 2, t);
	sqlite3_bind_int(st, 3, node);
	bind_text(st, 4, kind);
	bind_text(st, 5, result);
	if (seconds < 0)
		sqlite3_bind_null(st, 6);
	else
		sqlite3_bind_double(st, 6, seconds);
	bind_text(st, 7, detail);
	return step_done(db, st, "cannot record the manager event");
}

int resultsdb_node_version(struct resultsdb *db, int64_t run, double t, int node, const char *version,
			   int64_t step_seq)
{
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO node_versions (run_id, t, node, version, step_seq) VALUES (?,?,?,?,?)");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_double(st, 2, t);
	sqlite3_bind_int(st, 3, node);
	bind_text(st, 4, version);
	sqlite3_bind_int64(st, 5, step_seq);
	return step_done(db, st, "cannot record the node's version");
}

int resultsdb_artifact(struct resultsdb *db, int64_t run, const char *name, const char *path)
{
	sqlite3_stmt *st = prepare(db, "INSERT INTO artifacts (run_id, name, path) VALUES (?,?,?)");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	bind_text(st, 2, name);
	bind_text(st, 3, path);
	return step_done(db, st, "cannot record the artifact");
}
