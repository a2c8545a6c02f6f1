/*
 * expect.h — what the client journal says each table must (or must not)
 * hold, and the merge of those expectations with a table's ids as a node
 * streams them in order. Pure logic (no database), unit-tested in
 * tests/unit/test_check_expect.c; durability.c feeds it real streams.
 *
 * A row id is claimed by the transactions whose journal line names it:
 * inserted (+) or deleted (-); updates (~) name the customers a
 * transaction touched. For each id, with P = the row is present:
 *
 *   no insert claim at all            P: phantom
 *   an acknowledged (ok) delete       P: lost-delete (the delete's effect is gone)
 *   only failed inserts               P: failed-present
 *   an ok insert, no ok/unknown
 *     delete of the row or of the
 *     customer the insert touched    !P: lost-ok
 *   an unknown insert                 P / !P counted for its transaction, which
 *                                     must end all-or-nothing (unknown-partial);
 *                                     rows a later ok/unknown delete removed are
 *                                     not counted
 *   an unknown delete of a row an ok
 *     insert made                     P / !P counted likewise
 *
 * Findings are kept per transaction (a count and the first few rows), so one
 * anomaly names a transaction, its node and its rows.
 */
#ifndef LAB_EXPECT_H
#define LAB_EXPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "journal.h"

enum row_verdict {
	RV_OK,
	RV_PHANTOM,        /* present, no transaction inserted it */
	RV_LOST,           /* an acknowledged insert is missing */
	RV_LOST_DELETE,    /* an acknowledged delete did not stick */
	RV_FAILED_PRESENT, /* a transaction that failed left the row */
};

/* What the journal says about one row id. */
struct row_claims {
	int ins_ok, ins_unknown, ins_failed;
	int del_ok, del_unknown;
	bool excused; /* a customer the ok insert touched was deleted (ok or unknown) */
};

/* The verdict on one row: pure, the heart of the durability check. */
enum row_verdict classify_row(const struct row_claims *c, bool present);

#define EXPECT_SAMPLES 4

struct row_sample {
	uint8_t table;
	int64_t id;
};

/* Per-transaction findings on one node. */
struct txn_finding {
	int64_t n_bad; /* lost (ok), present (failed), still present (ok delete) */
	struct row_sample bad[EXPECT_SAMPLES];
	/* unknown transactions: rows where it took effect (an insert present,
	 * a delete's row gone) and rows where it did not */
	int64_t n_applied, n_unapplied;
	struct row_sample applied[EXPECT_SAMPLES], unapplied[EXPECT_SAMPLES];
};

struct expect_txn {
	int64_t txn;
	uint8_t kind, outcome;
	uint16_t node;          /* index into expect.nodes */
	bool excused;           /* see row_claims.excused */
	uint32_t cust_first, n_cust; /* customers touched: expect.cust[cust_first..] */
	struct txn_finding f;
};

struct claim {
	int64_t first, last;
	uint32_t txn; /* index into expect.txns */
	char op;      /* '+' or '-' */
};

struct expect {
	struct expect_txn *txns;
	size_t n_txns, cap_txns;
	int64_t *cust;
	size_t n_cust, cap_cust;
	struct claim *claims[TBL_COUNT];
	size_t n_claims[TBL_COUNT], cap_claims[TBL_COUNT];
	char **nodes;
	size_t n_nodes, cap_nodes;
	uint32_t *node_slots;     /* open-addressing index of nodes: index + 1, 0 = empty */
	size_t n_slots;
	int64_t count[TXN_OUTCOME_COUNT]; /* transactions per outcome */
	bool finalized;
};

void expect_init(struct expect *e);
void expect_release(struct expect *e);
/* Add one journal record. */
void expect_add(struct expect *e, const struct txn_record *r);
/* Read a whole journal; -1 on error (reported). */
int expect_load(struct expect *e, const char *path);
/* Sort the claims and work out which transactions deletes excuse; call once
 * after the last expect_add. */
void expect_finalize(struct expect *e);
/* Clear the per-node findings before checking another node. */
void expect_reset_findings(struct expect *e);

/* Callbacks of the merge: next id of the table in ascending order (1 an id,
 * 0 end, -1 error) and each phantom row. */
typedef int (*id_source_fn)(void *arg, int64_t *id);
typedef void (*phantom_fn)(void *arg, enum row_table t, int64_t id);

/* The merge, pushed one id at a time (ids ascending) as a scan delivers
 * them; findings land in e->txns[].f, phantoms go to on_phantom. */
struct expect_cursor {
	struct expect *e;
	enum row_table t;
	size_t ci;                   /* next claim to become active */
	const struct claim **active; /* claims covering ids from last + 1 on */
	size_t n_active, cap_active;
	int64_t last;                /* last id judged */
	bool started;
	phantom_fn on_phantom;
	void *ph_arg;
	int64_t rows;                /* present ids seen */
};
void expect_cursor_begin(struct expect_cursor *c, struct expect *e, enum row_table t,
			 phantom_fn on_phantom, void *ph_arg);
/* The next present id; -1 (error reported) if it is not above the last. */
int expect_cursor_row(struct expect_cursor *c, int64_t id);
/* The table ended: every claimed id not seen is absent. Frees the cursor's
 * memory. */
void expect_cursor_end(struct expect_cursor *c);

/* Merge one table's ids with its claims, pulled from next(); the same
 * cursor underneath. Returns 0, or -1 if the source failed. Counts rows
 * seen in *rows. */
int expect_merge_table(struct expect *e, enum row_table t, id_source_fn next, void *src_arg,
		       phantom_fn on_phantom, void *ph_arg, int64_t *rows);

#endif
