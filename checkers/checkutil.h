/*
 * checkutil.h — what the checkers share: the anomaly sink (counts per kind,
 * the first examples of each kind for the human summary, one results-DB row
 * per finding), connecting to the nodes a check looks at, and streaming a
 * query's rows with mysql_use_result so that no checker holds a table in
 * memory.
 */
#ifndef LAB_CHECKUTIL_H
#define LAB_CHECKUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "checker.h"
#include "journal.h"

/* Anomaly kinds that mean "could not look", not "found something wrong". */
#define ANOMALY_UNREACHABLE "node-unreachable"

/* Rows kept for the results database per checker run; beyond that only
 * counted (the summary says how many were not stored). */
#define SINK_MAX_STORED 50000

struct anomaly_sink;

/* A sink for one checker run; ctx is borrowed for the sink's lifetime. */
struct anomaly_sink *sink_new(const struct check_ctx *ctx, const char *checker);
void sink_free(struct anomaly_sink *s); /* NULL ok */
/* One finding. tbl/node may be NULL; row_id/txn_id < 0 mean none. */
void sink_add(struct anomaly_sink *s, const char *kind, const char *tbl, int64_t row_id,
	      int64_t txn_id, const char *node, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* A node that could not be reached (or broke during the check). */
void sink_unreachable(struct anomaly_sink *s, const char *node, const char *why);
/* Unreachable nodes are reported but do not make the verdict broken (with
 * first_reachable, once a node was checked). */
void sink_tolerate_unreachable(struct anomaly_sink *s);
/* Findings (every anomaly but node-unreachable). */
int64_t sink_findings(const struct anomaly_sink *s);
int64_t sink_count(const struct anomaly_sink *s, const char *kind);
int64_t sink_unreachable_count(const struct anomaly_sink *s);
/* Note a line for the summary (e.g. "customer: 1000 rows, checksum ..."). */
void sink_note(struct anomaly_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Finish a run: actual = broken if the check could not run (rc < 0) or
 * nothing was found but a node was unreachable; fail on findings; else pass.
 * Prints the summary to ctx->out, stores the anomalies in ctx->db (in one
 * transaction) and fills res (res->summary malloc'd). Returns rc, or -1 if
 * the results database could not be written. */
int sink_finish(struct anomaly_sink *s, int rc, struct check_result *res);

/* Connect to node i of ctx with the checkers' timeouts; on failure the node
 * is reported unreachable in s and NULL returned. */
MYSQL *check_connect(const struct check_ctx *ctx, size_t i, struct anomaly_sink *s);
/* "host:port" of node i (static per-thread buffer is not used: caller's buf). */
void check_node_name(const struct check_ctx *ctx, size_t i, char *buf, size_t size);
/* Start a consistent read-only snapshot on m; -1 with the error remembered. */
int check_snapshot(MYSQL *m);

/* A streamed query: rows arrive as the server sends them. */
struct row_stream {
	MYSQL *m;
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned long *lengths;
	unsigned n_fields;
	const char *sql;
};
/* Start; -1 with the error remembered (lab_error_quiet). */
int stream_open(struct row_stream *st, MYSQL *m, const char *sql);
/* 1 a row (st->row, st->lengths), 0 end, -1 error (remembered). */
int stream_next(struct row_stream *st);
void stream_close(struct row_stream *st);

/* Parse a decimal integer field (as the server sends it); -1 if it is not
 * one (NULL, empty, junk, overflow). */
int field_i64(const char *s, int64_t *out);

/* The hash of a row's text (each field with its length; NULL distinct from
 * "" and from "NULL") and the order-dependent combination of row hashes into
 * a table checksum. */
uint64_t row_hash(char **fields, const unsigned long *lengths, unsigned n);
uint64_t checksum_combine(uint64_t acc, int64_t pk, uint64_t rowhash);
#define CHECKSUM_INIT UINT64_C(0x6c61622d63686b31) /* "lab-chk1" */

/* Table names of the bank schema in a fixed order (journal.h's enum row_table). */
extern const char *const check_tables[5];

/* Column index of NAME in a stream's result (from index `from` on); -1 and
 * the error remembered when there is none. */
int stream_column(const struct row_stream *st, unsigned from, const char *name);

/* One pass over a node's tables feeds every checker at once (see
 * scan_checks.c): each table is streamed once, in primary key order, as
 * "SELECT id, t.* FROM t ORDER BY id" (or "SELECT id" when every consumer
 * needs only ids), in scan_order, and each row is handed to each consumer.
 * A callback returns 0, or -1 to stop the scan (error remembered). */
struct table_consumer {
	void *arg;
	bool ids_only;
	int (*open)(void *arg, enum row_table t, const struct row_stream *st);
	int (*row)(void *arg, enum row_table t, int64_t id, const struct row_stream *st);
	int (*close)(void *arg, enum row_table t);
};
/* product first (items need its weights), then customers (credits and
 * purchases add to their sums), credits, purchases, items. */
extern const enum row_table scan_order[TBL_COUNT];
int scan_tables(MYSQL *m, struct table_consumer *const *c, size_t n);

#endif
