/*
 * scanners.h — the three checkers that read the bank's tables (invariants,
 * durability, convergence) as consumers of one shared scan per node
 * (checkutil.h's scan_tables), and the function that runs any subset of
 * them with one pass over each node's tables: `lab check` runs all three
 * with one pass; each checker's own run() is this with a subset of one.
 * Internal to checkers/.
 */
#ifndef LAB_SCANNERS_H
#define LAB_SCANNERS_H

#include "checkutil.h"
#include "expect.h"

enum scan_checker {
	SCAN_INVARIANTS,
	SCAN_DURABILITY,
	SCAN_CONVERGENCE,
	SCAN_CHECKERS
};

/* Which of the three a checker name is, or -1. */
int scan_checker_index(const char *name);
/* Run the checkers whose want[] is set, filling res[] for those. Each one's
 * summary goes to ctx->out and its anomalies to ctx->db as its own run()
 * would. Returns 0, or -1 if any of them could not run. */
int scan_checks_run(const struct check_ctx *ctx, const bool want[SCAN_CHECKERS],
		    struct check_result res[SCAN_CHECKERS]);

/* invariants.c: one node's consumer. new() opens the node's second
 * connection (items in purchase order); NULL if it could not (reported in
 * s as the node's trouble). */
struct inv_node;
struct inv_node *inv_node_new(const struct check_ctx *ctx, size_t host, struct anomaly_sink *s);
struct table_consumer *inv_node_consumer(struct inv_node *n);
/* After a complete scan: per-customer balances, totals, the summary note. */
void inv_node_finish(struct inv_node *n);
void inv_node_free(struct inv_node *n);

/* durability.c: one node's consumer over the loaded journal e (findings
 * reset at new). */
struct dur_node;
struct dur_node *dur_node_new(struct expect *e, const char *node, struct anomaly_sink *s);
struct table_consumer *dur_node_consumer(struct dur_node *n);
void dur_node_finish(struct dur_node *n);
void dur_node_free(struct dur_node *n);
/* Load the journal and note its figures; -1 (reported) if it cannot be read. */
int dur_load(struct expect *e, const char *path, struct anomaly_sink *s);

/* convergence.c: per-node table checksums, then the comparison. */
struct conv_node {
	size_t host;
	char name[300];
	bool scanned;
	uint64_t checksum[TBL_COUNT];
	int64_t rows[TBL_COUNT];
	struct table_consumer tc;
};
void conv_node_init(struct conv_node *n, const struct check_ctx *ctx, size_t host);
/* Compare the scanned nodes' checksums with the first scanned one; for a
 * table that differs, name the first differing keys with a second,
 * lock-step pass over that table on every scanned node. -1 if that pass
 * could not run. */
int conv_compare(const struct check_ctx *ctx, struct conv_node *nodes, size_t n,
		 struct anomaly_sink *s);

#endif
