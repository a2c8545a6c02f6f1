/*
 * merge.c — `lab results merge A.db B.db ... --into C.db`: the databases
 * of a plan's CI runners (one per shard) joined into one, for the trend.
 *
 * A run's identity is its uuid (schema 4; older runs get the legacy
 * identity of RESULTSDB_LEGACY_UUID, the same in every copy), so a run
 * that is in two inputs, or already in C.db, is copied once. C.db's own
 * runs are kept, with their ids: C.db is the first input when it exists,
 * which lets a nightly job add each night's shards to the same history.
 * The inputs' runs get the next ids, input by input, oldest first.
 *
 * Atomic: every input is checked first (a lab results database, schema 1
 * up to this lab's), the result is written to C.db.tmp.PID next to it,
 * switched out of WAL mode, synced, and renamed over C.db; on any error
 * the temporary file is removed and C.db is as it was.
 */
#include "resultsdb.h"
#include "nightly.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The tables that hang off a run (run_id), in schema order. */
static const char *const child_tables[] = {
	"steps", "checks", "anomalies", "workload_seconds", "node_states", "node_versions", "manager_events",
	"artifacts", NULL,
};
/* Columns renumbered in the result rather than copied. */
static const char *const own_ids[] = { "steps", "checks", "anomalies", NULL };

static bool in_list(const char *const *v, const char *w)
{
	for (size_t i = 0; v[i]; i++)
		if (!strcmp(v[i], w))
			return true;
	return false;
}

/* 0 when path is a lab results database this lab can read; -1 with one
 * line saying why not. */
static int check_input(const char *path)
{
	struct stat sb;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int version = -1, has_runs = 0, rc = -1;

	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0 || access(path, R_OK) < 0) {
		lab_error("cannot merge '%s': %s", path,
			  stat(path, &sb) < 0 ? strerror(errno) : !S_ISREG(sb.st_mode) ? "not a file" :
			  sb.st_size == 0 ? "empty" : strerror(EACCES));
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
			       " (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs')",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		lab_error("cannot merge '%s': not a lab results database (%s)", path, db ? sqlite3_errmsg(db) : "no memory");
		goto out;
	}
	version = sqlite3_column_int(st, 0);
	has_runs = sqlite3_column_int(st, 1);
	if (version < 1 || !has_runs)
		lab_error("cannot merge '%s': not a lab results database (no runs table or schema version)", path);
	else if (version > RESULTSDB_SCHEMA_VERSION)
		lab_error("cannot merge '%s': schema version %d is newer than this lab's (%d)", path, version,
			  RESULTSDB_SCHEMA_VERSION);
	else
		rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

static int exec(sqlite3 *db, const char *sql, const char *what)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		lab_error("merge: %s: %s", what, err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* The columns table has in both the result (main) and the input (src),
 * comma-separated, less `skip` ones. Empty when src has no such table. */
static void common_columns(sqlite3 *db, const char *table, const char *const *skip, const char *prefix,
			   struct strbuf *out)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db,
			       "SELECT m.name FROM pragma_table_info(?1, 'main') m"
			       " JOIN pragma_table_info(?1, 'src') s ON s.name = m.name ORDER BY m.cid",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		if (in_list(skip, c))
			continue;
		sb_printf(out, "%s%s\"%s\"", out->len ? ", " : "", prefix, c);
	}
	sqlite3_finalize(st);
}

static bool src_has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *st;
	bool found = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1, 'src') WHERE name = ?2", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

/* The runs of the attached input `src` that the result does not have yet,
 * with everything that hangs off them. keep_ids: the result's own runs
 * (the first input, into itself) keep their ids, so that "run 57" of a
 * history still names the same run after the next merge. */
static int merge_one(sqlite3 *db, const char *path, bool keep_ids, struct merge_counts *mc)
{
	static const char *const run_skip[] = { "id", "uuid", "replays", NULL };
	static const char *const run_skip_keep[] = { "uuid", "replays", NULL };
	struct strbuf cols = { 0 }, sql = { 0 };
	sqlite3_stmt *runs = NULL, *find = NULL, *ins = NULL, *map = NULL;
	int rc = -1, step;

	if (exec(db, "DELETE FROM temp.map", "cannot clear the id map") < 0)
		return -1;
	common_columns(db, "runs", keep_ids ? run_skip_keep : run_skip, "", &cols);
	sb_printf(&sql, "SELECT s.id, %s FROM src.runs s ORDER BY s.started_at, s.id",
		  src_has_column(db, "runs", "uuid") ? "coalesce(s.uuid, " RESULTSDB_LEGACY_UUID("s.") ")"
						     : RESULTSDB_LEGACY_UUID("s."));
	if (sqlite3_prepare_v2(db, sql.buf, -1, &runs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT id FROM main.runs WHERE uuid = ?1", -1, &find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO temp.map (old, new, fresh) VALUES (?1, ?2, ?3)", -1, &map, NULL) !=
		    SQLITE_OK) {
		lab_error("merge '%s': cannot read its runs: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	sb_reset(&sql);
	sb_printf(&sql, "INSERT INTO main.runs (%s, uuid) SELECT %s, ?1 FROM src.runs WHERE id = ?2", cols.buf, cols.buf);
	if (sqlite3_prepare_v2(db, sql.buf, -1, &ins, NULL) != SQLITE_OK) {
		lab_error("merge '%s': cannot copy its runs: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	while ((step = sqlite3_step(runs)) == SQLITE_ROW) {
		int64_t old = sqlite3_column_int64(runs, 0), new_id;
		const char *uuid = (const char *)sqlite3_column_text(runs, 1);
		bool fresh;

		sqlite3_reset(find);
		sqlite3_bind_text(find, 1, uuid, -1, SQLITE_TRANSIENT);
		fresh = sqlite3_step(find) != SQLITE_ROW;
		if (!fresh) {
			new_id = sqlite3_column_int64(find, 0);
			mc->duplicates++;
		} else {
			sqlite3_reset(ins);
			sqlite3_bind_text(ins, 1, uuid, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(ins, 2, old);
			if (sqlite3_step(ins) != SQLITE_DONE) {
				lab_error("merge '%s': cannot copy run %lld: %s", path, (long long)old, sqlite3_errmsg(db));
				goto out;
			}
			new_id = sqlite3_last_insert_rowid(db);
			mc->runs++;
		}
		sqlite3_reset(map);
		sqlite3_bind_int64(map, 1, old);
		sqlite3_bind_int64(map, 2, new_id);
		sqlite3_bind_int(map, 3, fresh);
		if (sqlite3_step(map) != SQLITE_DONE) {
			lab_error("merge '%s': cannot map run %lld: %s", path, (long long)old, sqlite3_errmsg(db));
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		lab_error("merge '%s': cannot read its runs: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	/* What a copied run replays is renumbered like the run itself. */
	if (src_has_column(db, "runs", "replays") &&
	    exec(db, "UPDATE main.runs SET replays = (SELECT m2.new FROM temp.map m2 WHERE m2.old ="
		     " (SELECT s.replays FROM src.runs s JOIN temp.map m ON m.old = s.id WHERE m.new = main.runs.id))"
		     " WHERE id IN (SELECT new FROM temp.map WHERE fresh)", "cannot renumber replays") < 0)
		goto out;
	for (size_t t = 0; child_tables[t]; t++) {
		static const char *const skip_id[] = { "id", "run_id", NULL }, *const skip_run[] = { "run_id", NULL };
		const char *const *skip = in_list(own_ids, child_tables[t]) ? skip_id : skip_run;
		struct strbuf scols = { 0 };
		int ok;
		sb_reset(&cols);
		common_columns(db, child_tables[t], skip, "", &cols);
		common_columns(db, child_tables[t], skip, "s.", &scols);
		if (!cols.len) {
			sb_release(&scols);
			continue; /* the input predates the table */
		}
		sb_reset(&sql);
		sb_printf(&sql,
			  "INSERT INTO main.%s (run_id, %s) SELECT m.new, %s FROM src.%s s"
			  " JOIN temp.map m ON m.old = s.run_id WHERE m.fresh ORDER BY s.rowid",
			  child_tables[t], cols.buf, scols.buf, child_tables[t]);
		sb_release(&scols);
		ok = exec(db, sql.buf, child_tables[t]) == 0;
		if (!ok)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(runs);
	sqlite3_finalize(find);
	sqlite3_finalize(ins);
	sqlite3_finalize(map);
	sb_release(&cols);
	sb_release(&sql);
	return rc;
}

/* Sync the file and its directory, so the rename lands with the data. */
static int sync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		lab_error("cannot sync '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void remove_db_files(const char *path)
{
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);

	unlink(path);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
}

int results_merge(const char *const *inputs, size_t n, const char *into, struct merge_counts *mc)
{
	const char **all = xcalloc(n + 1, sizeof(*all));
	size_t n_all = 0;
	char *tmp = NULL, *dircopy = NULL;
	struct resultsdb *out = NULL;
	sqlite3 *db;
	int rc = -1;

	memset(mc, 0, sizeof(*mc));
	/* C.db's own runs first, then the inputs; each file once. */
	if (path_exists(into))
		all[n_all++] = into;
	for (size_t i = 0; i < n; i++) {
		char a[PATH_MAX], b[PATH_MAX];
		bool dup = false;
		for (size_t k = 0; k < n_all; k++)
			dup |= realpath(all[k], a) && realpath(inputs[i], b) && !strcmp(a, b);
		if (!dup)
			all[n_all++] = inputs[i];
	}
	for (size_t i = 0; i < n_all; i++)
		if (check_input(all[i]) < 0)
			goto out;
	tmp = xasprintf("%s.tmp.%d", into, (int)getpid());
	remove_db_files(tmp);
	if (!(out = resultsdb_open(tmp)))
		goto out;
	db = resultsdb_handle(out);
	if (exec(db, "CREATE TEMP TABLE map (old INTEGER PRIMARY KEY, new INTEGER NOT NULL, fresh INTEGER NOT NULL)",
		 "cannot make the id map") < 0)
		goto out;
	for (size_t i = 0; i < n_all; i++) {
		sqlite3_stmt *st;
		int ok;
		if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS src", -1, &st, NULL) != SQLITE_OK)
			goto out;
		sqlite3_bind_text(st, 1, all[i], -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
		if (!ok) {
			lab_error("cannot merge '%s': %s", all[i], sqlite3_errmsg(db));
			goto out;
		}
		ok = exec(db, "BEGIN IMMEDIATE", "cannot begin") == 0 && merge_one(db, all[i], i == 0 && all[0] == into, mc) == 0 &&
		     exec(db, "COMMIT", "cannot commit") == 0;
		if (!ok)
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		if (exec(db, "DETACH DATABASE src", "cannot detach") < 0 || !ok)
			goto out;
		mc->inputs++;
		if (i == 0 && all[0] == into) {
			mc->kept = mc->runs; /* C.db's own, not added */
			mc->runs = 0;
		}
	}
	/* One plain file to rename: no WAL beside it. */
	if (exec(db, "PRAGMA journal_mode=DELETE", "cannot leave WAL mode") < 0)
		goto out;
	resultsdb_close(out);
	out = NULL;
	dircopy = xstrdup(into);
	if (sync_path(tmp, false) < 0)
		goto out;
	if (rename(tmp, into) < 0) {
		lab_error("cannot rename '%s' to '%s': %s", tmp, into, strerror(errno));
		goto out;
	}
	/* A WAL left by a lab that had C.db open belongs to the old file. */
	{
		char *wal = xasprintf("%s-wal", into), *shm = xasprintf("%s-shm", into);
		unlink(wal);
		unlink(shm);
		free(wal);
		free(shm);
	}
	sync_path(dirname(dircopy), true);
	rc = 0;
out:
	resultsdb_close(out);
	if (rc < 0 && tmp)
		remove_db_files(tmp);
	free(tmp);
	free(dircopy);
	free(all);
	return rc;
}
