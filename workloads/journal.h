/*
 * journal.h — the client journal: what the workload did and what it was
 * told, one line per transaction, so that checkers can prove durability
 * (an `ok` transaction is present, a `failed` one absent, an `unknown` one
 * all-or-nothing) and find phantom rows no transaction explains.
 *
 * Format (text, version 1). The first line is a header:
 *
 *   # lab-journal 1 seed=SEED started=UNIX_SECONDS
 *
 * Other lines starting with '#' are comments. Every other line is one
 * transaction, fields separated by one TAB:
 *
 *   TXN  KIND  OUTCOME  NODE  START_NS  END_NS  ERRNO  ROWS
 *
 *   TXN      transaction id (int64, unique in the journal)
 *   KIND     load | credit | purchase | transfer | new_customer | delete_customer
 *            | audit
 *   OUTCOME  ok | failed | unknown
 *              ok       COMMIT was acknowledged
 *              failed   rolled back before COMMIT was sent (or COMMIT got an
 *                       error reply that proves it did not commit)
 *              unknown  the connection broke while COMMIT was in flight
 *   NODE     host:port the transaction ran on
 *   START_NS, END_NS  CLOCK_MONOTONIC nanoseconds
 *   ERRNO    MySQL error number of the failure, 0 when ok
 *   ROWS     space-separated row operations, each OP TABLE ':' ID or
 *            OP TABLE ':' FIRST '-' LAST for a contiguous range of ids:
 *              +  inserted     ~  updated     -  deleted
 *            e.g. "+credit:9001 ~customer:17" or "+customer:1-2000".
 *            Tables: customer credit purchase purchase_item product.
 *            A delete_customer lists every row it deleted (the customer and
 *            its credits, purchases and purchase items, as read inside the
 *            transaction). "-" for no rows (an audit's ROWS is always "-").
 *
 * An audit (bank mix weight `audit`, 0 by default) reads, in ONE statement
 * (so one read view at any isolation level), Σ customer.credit, Σ
 * credit.amount, Σ purchase.cost and the number of negative balances. A
 * snapshot that does not add up (Σ credit ≠ Σ amount − Σ cost, or a
 * negative balance) is read skew — or a ledger already broken, e.g. by
 * read_modify_write's lost updates; the invariants checker on the quiet
 * database tells which. It is journaled as a comment line just before the
 * audit's own line, so readers that do not know it skip it:
 *
 *   # read-skew TXN customer=SUM ledger=SUM diff=CUSTOMER-LEDGER negative=N
 *
 * (ledger = Σ amount − Σ cost) and counted in the summary ("audits: ...").
 *
 * What the bank workload writes in the edge cases (refused purchases,
 * errors in reply to COMMIT, the rows of failed transactions, the id
 * scheme) is documented at the top of workload.h.
 *
 * This is the bank's journal. Other workloads write their own line format
 * through the same writer (journal_create_with_header, journal_append_line)
 * and name themselves in the header ("# lab-journal 1 workload=append ...",
 * append.h); the reader below refuses them ("an append journal, not a bank
 * journal") rather than misparse them. The bank's header names no workload.
 *
 * Lines are appended by one writer and flushed in blocks (never a system
 * call per transaction); a journal cut short by a crash ends at a whole
 * line or has one partial last line, which the reader ignores.
 */
#ifndef LAB_JOURNAL_H
#define LAB_JOURNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum txn_kind {
	TXN_LOAD,
	TXN_CREDIT,
	TXN_PURCHASE,
	TXN_TRANSFER,
	TXN_NEW_CUSTOMER,
	TXN_DELETE_CUSTOMER,
	TXN_AUDIT,
	TXN_KIND_COUNT
};

enum txn_outcome {
	TXN_OK,
	TXN_FAILED,
	TXN_UNKNOWN,
	TXN_OUTCOME_COUNT
};

enum row_table {
	TBL_CUSTOMER,
	TBL_CREDIT,
	TBL_PURCHASE,
	TBL_PURCHASE_ITEM,
	TBL_PRODUCT,
	TBL_COUNT
};

enum row_op {
	ROW_INSERT = '+',
	ROW_UPDATE = '~',
	ROW_DELETE = '-',
};

struct row_ref {
	char op;             /* enum row_op */
	uint8_t table;       /* enum row_table */
	int64_t first, last; /* first == last for a single row */
};

struct txn_record {
	int64_t txn;
	enum txn_kind kind;
	enum txn_outcome outcome;
	char node[128];
	int64_t start_ns, end_ns;
	unsigned err;
	struct row_ref *rows; /* owned by the record */
	size_t n_rows, cap_rows;
};

const char *txn_kind_name(enum txn_kind k);
const char *txn_outcome_name(enum txn_outcome o);
const char *row_table_name(enum row_table t);
int txn_kind_parse(const char *s, enum txn_kind *out);
int txn_outcome_parse(const char *s, enum txn_outcome *out);
int row_table_parse(const char *s, enum row_table *out);

void txn_record_init(struct txn_record *r);
void txn_record_reset(struct txn_record *r); /* keeps the rows buffer */
void txn_record_release(struct txn_record *r);
void txn_add_row(struct txn_record *r, char op, enum row_table t, int64_t first, int64_t last);

/* Writer: thread-safe, buffered; a background flush every flush_ms. */
struct journal_writer;
struct journal_writer *journal_create(const char *path, uint64_t seed, int flush_ms);
/* The same with a header line of the caller's (with its '\n'). */
struct journal_writer *journal_create_with_header(const char *path, const char *header, int flush_ms);
/* Append one record (copied into the buffer). */
void journal_append(struct journal_writer *w, const struct txn_record *r);
/* Append one formatted line (with its '\n'), copied into the buffer. */
void journal_append_line(struct journal_writer *w, const char *line, size_t len);
int journal_flush(struct journal_writer *w);
/* Flush, stop the flusher, close. Returns -1 if any write failed. NULL ok. */
int journal_close(struct journal_writer *w);
/* Format one record as a journal line (with '\n') into buf; returns length
 * or -1 if it did not fit. */
int journal_format(const struct txn_record *r, char *buf, size_t size);

/* Reader: one record at a time. */
struct journal_reader;
struct journal_reader *journal_open(const char *path);
/* 1 a record, 0 end, -1 error (reported with file:line). r is reused. */
int journal_next(struct journal_reader *jr, struct txn_record *r);
uint64_t journal_seed(const struct journal_reader *jr);
void journal_reader_free(struct journal_reader *jr);
/* Parse one line (without '\n'); -1 if malformed (no error printed). */
int journal_parse_line(char *line, struct txn_record *r);

#endif
