/*
 * resultsdb.h — the results database (SQLite, schema in results/schema.sql).
 *
 * Every write is its own transaction (or a caller's batch) in WAL mode, so a
 * crash of lab never leaves the file unreadable; a run that never reached
 * resultsdb_run_end() is found at the next open (its pid is gone) and
 * marked 'aborted'.
 */
#ifndef LAB_RESULTSDB_H
#define LAB_RESULTSDB_H

#include <sqlite3.h>
#include <stdint.h>

#define RESULTSDB_DEFAULT "results/lab.db"
#define RESULTSDB_SCHEMA_VERSION 5

/* The identity of a run recorded before schema 4 (no uuid), as an SQL
 * expression over the runs columns of table alias T ("" or "s."): the same
 * in every copy of the database, so that lab results merge never counts
 * one run twice. */
#define RESULTSDB_LEGACY_UUID(T) \
	"('legacy:' || coalesce(" T "host, '') || ':' || coalesce(" T "pid, 0) || ':' ||" \
	" printf('%.6f', " T "started_at))"

struct resultsdb;

struct run_info {
	const char *scenario, *scenario_file, *scenario_hash;
	uint64_t seed;
	const char *backend, *flavor;
	int nodes;
	const char *server_version, *galera_version, *cache_mode, *mysqld_options, *tags;
	int64_t replays;  /* the run this one replays (lab replay), 0: none */
	const char *label; /* a plan's run: its axis values, or NULL */
};

/* Open or create (with its directory). NULL path: RESULTSDB_DEFAULT. */
struct resultsdb *resultsdb_open(const char *path);
/* For verbs that only read: the database must exist and be lab's (a
 * missing, empty or foreign file is refused, never turned into one). */
struct resultsdb *resultsdb_open_existing(const char *path);
void resultsdb_close(struct resultsdb *db); /* NULL ok */
sqlite3 *resultsdb_handle(struct resultsdb *db);
const char *resultsdb_path(const struct resultsdb *db);

/* A random (version 4) UUID, 36 characters and a NUL. -1 (reported) when
 * the kernel gives no randomness. */
int resultsdb_new_uuid(char out[37]);
int64_t resultsdb_run_begin(struct resultsdb *db, const struct run_info *ri); /* -1 on error */
/* Fill in what is learnt later (versions); NULL leaves a field alone. */
int resultsdb_run_update(struct resultsdb *db, int64_t run, const char *server_version,
			 const char *galera_version, const char *cache_mode);
int resultsdb_run_end(struct resultsdb *db, int64_t run, const char *verdict, const char *reason);
/* A step: begin returns its id, end fills in the outcome. */
int64_t resultsdb_step_begin(struct resultsdb *db, int64_t run, int seq, const char *action,
			     const char *node, const char *detail);
int resultsdb_step_end(struct resultsdb *db, int64_t step, const char *outcome, const char *detail);
int resultsdb_check(struct resultsdb *db, int64_t run, const char *checker, const char *expected,
		    const char *actual, int64_t anomalies, const char *details);
/* row_id / txn_id < 0 are stored as NULL. */
int resultsdb_anomaly(struct resultsdb *db, int64_t run, const char *checker, const char *kind,
		      const char *tbl, int64_t row_id, int64_t txn_id, const char *node,
		      const char *detail);
int resultsdb_second(struct resultsdb *db, int64_t run, int64_t t, int64_t ok, int64_t failed,
		     int64_t unknown, double p50_ms, double p95_ms, double p99_ms);
/* The server build a node runs from t on (VERSION(): at cluster up, and
 * after each upgrade step, step_seq; 0 at cluster up). */
int resultsdb_node_version(struct resultsdb *db, int64_t run, double t, int node, const char *version,
			   int64_t step_seq);
int resultsdb_node_state(struct resultsdb *db, int64_t run, double t, int node, const char *state,
			 const char *detail);
int resultsdb_artifact(struct resultsdb *db, int64_t run, const char *name, const char *path);
/* What a failover manager did to a node (manager_events); seconds < 0 is
 * stored as NULL (only a failover has it). */
int resultsdb_manager_event(struct resultsdb *db, int64_t run, double t, int node, const char *kind,
			    const char *result, double seconds, const char *detail);
/* Batches: many anomalies in one transaction. */
int resultsdb_begin(struct resultsdb *db);
int resultsdb_commit(struct resultsdb *db);

#endif
