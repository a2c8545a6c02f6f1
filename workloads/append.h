/*
 * append.h — the list-append workload (Jepsen's "append"): keys
 * are rows whose text column is a comma-separated list that transactions
 * grow by appending unique values and read whole, so that a history
 * checker can infer the order of every transaction on every key and find
 * anomalies (lost appends, stale reads, G0/G1/G2 cycles) from the journal
 * alone.
 *
 * Schema, in the lab database (creds->database):
 *
 *   CREATE TABLE append_kv (k BIGINT PRIMARY KEY, v MEDIUMTEXT NOT NULL) ENGINE=InnoDB
 *
 *   append  INSERT INTO append_kv (k, v) VALUES (K, 'X')
 *             ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', 'X')
 *   read    SELECT v FROM append_kv WHERE k = K     (no row: the empty list)
 *
 * A transaction is 1..4 (--ops-per-txn MIN..MAX) micro-operations, each a
 * read with probability --read-ratio, else an append, on keys drawn from a
 * small active window (--keys slots); a key is retired after
 * --appends-per-key appends have been planned on it and a fresh key (the
 * next integer) takes its slot, so lists stay short (Jepsen's key rotation).
 * Values are the client-made ids of workload.h (PREFIX|THREAD|COUNTER),
 * unique in the run; keys are fresh in every run (above every key in the
 * table when --no-load), so a value is unique per key.
 *
 * ---- Journal format (text, version 1) -----------------------------------
 *
 *   # lab-journal 1 workload=append seed=SEED started=UNIX_SECONDS
 *   TXN<TAB>append<TAB>OUTCOME<TAB>NODE<TAB>START_NS<TAB>END_NS<TAB>ERRNO<TAB>PROCESS<TAB>MOPS
 *
 * One line per transaction, written when it completed (so lines are in
 * completion order only per thread; sort by END_NS if needed).
 *   TXN       int64, unique in the journal (the transaction's own id)
 *   append    the kind, always "append"
 *   OUTCOME   ok       COMMIT was acknowledged
 *             failed   proven rolled back (an error before COMMIT was sent,
 *                      or a COMMIT answer that proves it: 1213 1205 1020
 *                      1290 1792 1836 — workload_classify_error())
 *             unknown  the connection broke or COMMIT got another error
 *                      while COMMIT was in flight
 *   NODE      host:port the transaction ran on
 *   START_NS  CLOCK_MONOTONIC ns just before the first statement (invoke)
 *   END_NS    CLOCK_MONOTONIC ns when the COMMIT/ROLLBACK answer came
 *             (completion)
 *   ERRNO     MySQL (or client library) error number, 0 when ok
 *   PROCESS   int >= 0: the client thread's current process number,
 *             thread-1 + k*threads; after an `unknown` outcome the thread
 *             continues under process + threads (Jepsen: a process whose
 *             operation is indeterminate never issues another), so every
 *             process's operations are sequential.
 *   MOPS      space-separated micro-operations in transaction order:
 *               a:KEY:VALUE          append VALUE to KEY's list
 *               r:KEY:V1,V2,...      whole-list read, in list order
 *               r:KEY:               read of an empty (absent) list
 *               r:KEY:?              read that did not return (only in
 *                                    failed or unknown transactions)
 *             A failed or unknown transaction lists all its appends (those
 *             of a failed one never happened; an unknown one's all or none)
 *             and the reads that returned before the failure with their
 *             values.
 * Lines starting with '#' are comments. A partial last line (no '\n')
 * after a crash is ignored by readers. The bank's journal reader
 * (journal.c) refuses this journal: "an append journal, not a bank journal".
 */
#ifndef LAB_APPEND_H
#define LAB_APPEND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "util.h"

#define APPEND_MAX_OPS 16 /* micro-operations per transaction, upper bound */

enum append_mop_kind { MOP_APPEND = 'a', MOP_READ = 'r' };

/* One micro-operation. For a read, `list` is the text of the list as read
 * (comma-separated decimal values, "" for empty) and `done` says the read
 * returned; the list buffer is owned by the mop. */
struct append_mop {
	char kind; /* enum append_mop_kind */
	int64_t key;
	int64_t value;     /* append */
	bool done;         /* read: it returned (list valid) */
	struct strbuf list; /* read: the list text */
};

/* One journal line of the append workload. */
struct append_record {
	int64_t txn;
	enum txn_outcome outcome;
	char node[128];
	int64_t start_ns, end_ns;
	unsigned err;
	int64_t process;
	struct append_mop mops[APPEND_MAX_OPS];
	size_t n_mops;
};

/* Release the list buffers of r's mops (r itself is not freed). */
void append_record_release(struct append_record *r);
/* Forget the mops (keeps the list buffers for reuse). */
void append_record_reset(struct append_record *r);

/* The header line (with '\n') for seed and start time, into sb. */
void append_journal_header(struct strbuf *sb, uint64_t seed, double unix_seconds);
/* Append r's journal line (with '\n') to sb. */
void append_journal_format(const struct append_record *r, struct strbuf *sb);
/* Only the MOPS field (no '\n'). */
void append_mops_format(const struct append_mop *m, size_t n, struct strbuf *sb);
/* Parse one line (no '\n') into r (r initialised zero or by a previous
 * parse). -1 if malformed (nothing printed). The line is not modified. */
int append_journal_parse_line(const char *line, struct append_record *r);

/* A list's text "V1,V2,..." ("" for empty): 0 and the values in *vals
 * (malloc'd, free it; NULL when empty) and *n, or -1 if it is not a list
 * of decimal int64 values (nothing printed). */
int append_list_parse(const char *text, size_t len, int64_t **vals, size_t *n);

/* "MIN..MAX" or "N" with 1 <= MIN <= MAX <= APPEND_MAX_OPS. -1 if not, the
 * reason (naming the option) remembered, not printed (lab_last_error). */
int append_ops_range_parse(const char *s, int *min, int *max);
/* A fraction in [0, 1] (no NaN). -1 if not, the reason remembered. */
int append_ratio_parse(const char *s, double *out);

/* Key rotation (Jepsen's append workload): `n` active slots; each slot
 * packs KEY << 16 | APPENDS planned on it. A slot's key gets at most
 * max_appends appends; the one that reaches it moves the slot to a fresh
 * key from the shared counter. Lock-free (one CAS per append). */
struct append_keys {
	_Atomic uint64_t *slot;
	size_t n;
	int max_appends;         /* 1..65535 */
	_Atomic int64_t next_key; /* the next fresh key */
};
#define APPEND_KEY_MAX ((INT64_C(1) << 47) - 1)
/* Slots 0..n-1 get keys first_key .. first_key+n-1. */
void append_keys_init(struct append_keys *k, size_t n, int max_appends, int64_t first_key);
void append_keys_release(struct append_keys *k);
/* The key to append to in slot i (counts the append; may retire the key:
 * the slot then holds a fresh key). */
int64_t append_keys_for_append(struct append_keys *k, size_t i);
/* The key currently in slot i (reads do not count). */
int64_t append_keys_for_read(struct append_keys *k, size_t i);

#endif
