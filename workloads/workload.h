/*
 * workload.h — lab's workloads: the bank (docs/bank-workload.md) and the
 * list-append workload (append.h, docs/journal.md); the API used by
 * `lab workload` and by the scenario runner's `workload:` steps. Both run
 * on the same client machinery (workload.c): one pthread and connection
 * per client, failover between hosts, the outcome classification and the
 * accounting below, a buffered journal and per-second figures; what
 * differs is one table of operations per workload (wl_internal.h,
 * lab_workloads[] in workload.c), chosen by workload_opts.workload.
 *
 * Accounting identity, per second and in total:
 *     attempted = ok + failed + unknown
 * where every attempted transaction is one journal line (load records are
 * not counted) and
 *     ok       COMMIT was acknowledged;
 *     failed   rolled back before COMMIT was sent (deadlock, lock wait,
 *              certification conflict, constraint error, node not ready,
 *              read-only node, refused purchase, lost connection before
 *              COMMIT), or COMMIT was answered by an error that proves the
 *              rollback (1213, 1205, 1020, 1290, 1792, 1836);
 *     unknown  the connection broke, timed out, or COMMIT got any other
 *              error reply, while COMMIT was in flight.
 * A failed transaction is never re-sent: the thread draws a new transaction
 * with new ids.
 *
 * Ids. Every id (rows and journal transaction ids alike) is made by the
 * client, unique across runs against the same database:
 *
 *     id = PREFIX << 36 | THREAD << 28 | COUNTER      (63 bits, > 0)
 *
 *   PREFIX  27 bits, one per run: max(the largest prefix of any id already
 *           in the five tables + 1, (start time - 2026-01-01) in units of
 *           10 s). A run that recreates the schema gets the time prefix.
 *   THREAD  8 bits: 0 the initial load, 1..255 the worker threads.
 *   COUNTER 28 bits, per thread, from 1; a thread that exhausts it stops.
 * A transaction takes one id for itself (its journal TXN), then one per row
 * it inserts, so the rows of one transaction have consecutive ids.
 *
 * Journal semantics for the edge cases (format in journal.h):
 *   - a purchase or transfer refused for want of credit: failed, ERRNO 1644
 *     (ER_SIGNAL_EXCEPTION, as a server-side SIGNAL '45000' would say);
 *     one whose customer no longer exists: failed, ERRNO 1032
 *     (ER_KEY_NOT_FOUND). Both are rolled back by the client.
 *   - ROWS of a failed or unknown transaction list the rows it would have
 *     written (all of them: the checker wants none, resp. all or none).
 *   - delete_customer lists every row it deleted as read inside the
 *     transaction under the customer's row lock; if it failed before
 *     reading them, only "-customer:ID".
 *   - ERRNO of an unknown transaction is the client error (2013, 2006...).
 */
#ifndef LAB_WORKLOAD_H
#define LAB_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dbconn.h"
#include "journal.h"

struct workload_mix {
	int credit, purchase, transfer, new_customer, delete_customer; /* weights */
	int audit; /* read every sum in one snapshot (journal.h); 0 by default */
};

enum update_style { UPDATE_RELATIVE, UPDATE_READ_MODIFY_WRITE };
enum lock_style { LOCK_NONE, LOCK_FOR_UPDATE };

struct workload_second {
	int64_t t; /* Unix second */
	int64_t ok, failed, unknown;
	double p50_ms, p95_ms, p99_ms; /* latency of the second's ok transactions */
};

struct workload_totals {
	int64_t attempted, ok, failed, unknown;
	int64_t reconnects;             /* connections made after each thread's first (append:
					   to a host whose connection had failed) */
	int64_t audits, read_skew;      /* bank: ok audits, and those whose snapshot did not add up */
	double p50_ms, p95_ms, p99_ms;  /* latency of ok transactions, whole run */
	double seconds;                 /* from start to now / to the stop */
};

/* Session isolation level set on every connection (SET SESSION TRANSACTION
 * ISOLATION LEVEL ...); WL_ISO_SERVER leaves the server's default. */
enum wl_isolation {
	WL_ISO_SERVER,
	WL_ISO_SERIALIZABLE,
	WL_ISO_REPEATABLE_READ,
	WL_ISO_READ_COMMITTED,
	WL_ISO_READ_UNCOMMITTED,
};

/* The list-append workload's settings (append.h). */
struct append_opts {
	int64_t keys;        /* active key window: keys in use at once (default 8) */
	int ops_min, ops_max; /* micro-operations per transaction (default 1..4) */
	double read_ratio;   /* probability that a micro-operation is a read (default 0.5) */
	int appends_per_key; /* a key is retired after this many appends (default 32) */
};

struct workload_opts {
	const char *workload; /* "bank" (also NULL) or "append": lab_workloads[] */
	const struct hostport *hosts; /* borrowed for the workload's lifetime */
	size_t n_hosts;
	const struct lab_creds *creds; /* borrowed */
	int threads;
	int64_t customers, products;
	struct workload_mix mix;
	enum update_style update_style;
	enum lock_style lock;
	uint64_t seed;
	double rate;              /* total transactions per second, 0 = as fast as possible */
	int connect_timeout_s;    /* default 2 */
	int rw_timeout_s;         /* default 5 */
	const char *journal_path; /* required */
	enum wl_isolation isolation; /* default WL_ISO_SERVER */
	int sync_wait;            /* SET SESSION wsrep_sync_wait = N (0..15) when the server has
				     the variable; -1 (default) leaves it alone */
	struct append_opts append; /* used when workload is "append" */
	bool load;                /* (re)create the schema and load customers/products;
				     false: attach to the existing tables */
	bool recreate;            /* load even into a database lab did not mark
				     as its own (lab_meta.h) */
	FILE *summary;            /* workload_stop prints the final summary here (NULL: none) */
	/* Called once per second from the reporter thread (may be NULL); a
	 * last call covers the partial second before the stop. */
	void (*on_second)(void *arg, const struct workload_second *s);
	void *arg;
};

/* Defaults: the bank, 8 threads, 2000 customers, 200 products, the
 * documented mix (30/45/10/10/5), relative updates, no lock, timeouts
 * 2 s / 5 s, load, the server's isolation and sync_wait; for append 8 keys,
 * 1..4 ops, read ratio 0.5, 32 appends per key. */
void workload_opts_defaults(struct workload_opts *o);

/* Whether name is a workload ("bank", "append"); the names as "bank|append". */
bool workload_known(const char *name);
/* The i-th workload's name (lab_workloads[] order), NULL past the end. */
const char *workload_name_at(size_t i);
const char *workload_names(void);
/* "serializable", "repeatable-read", "read-committed", "read-uncommitted"
 * (also with '_' or ' ' for '-', any case), "server" (leave it). -1 if not
 * (nothing printed). */
int workload_isolation_parse(const char *s, enum wl_isolation *out);
/* The SQL words ("REPEATABLE READ"), NULL for WL_ISO_SERVER. */
const char *workload_isolation_sql(enum wl_isolation i);

struct workload;
/* Open the journal, load if asked, start the threads; returns at once.
 * NULL on error (reported). */
struct workload *workload_start(const struct workload_opts *o);
/* Totals so far (thread-safe). */
void workload_get_totals(struct workload *w, struct workload_totals *t);
/* Stop the threads, flush and close the journal, free w. 0, or -1 if the
 * journal could not be written. t may be NULL. */
int workload_stop(struct workload *w, struct workload_totals *t);

/* ---- Pure parts, exposed for the unit tests and the scenario parser ---- */

/* Parse "credit=30,purchase=45,..." (kinds as in the journal; a kind not
 * named gets weight 0; the sum must be > 0). -1 with the error reported
 * naming the item. */
int workload_mix_parse(const char *s, struct workload_mix *m);
int workload_mix_total(const struct workload_mix *m);
/* The kind for a draw r in [0, total). */
enum txn_kind workload_mix_pick(const struct workload_mix *m, int r);

/* Error classification (sysbench check_error() style). */
enum wl_err_action {
	WL_ACT_ROLLBACK,   /* the transaction is rolled back; the connection is fine */
	WL_ACT_NODE,       /* the node refuses work (not ready, read-only, shutting down): move on */
	WL_ACT_CONNECTION, /* the connection is gone or hung: reconnect to another host */
};
struct wl_err_class {
	enum wl_err_action action;
	enum txn_outcome outcome; /* TXN_FAILED or TXN_UNKNOWN */
};
/* Classify MySQL error err, seen before COMMIT was sent (in_commit false)
 * or as the answer to COMMIT (in_commit true). */
struct wl_err_class workload_classify_error(unsigned err, bool in_commit);

/* The id scheme above. */
#define WL_ID_PREFIX_BITS 27
#define WL_ID_THREAD_BITS 8
#define WL_ID_COUNTER_BITS 28
#define WL_MAX_THREADS 255
int64_t workload_id(uint32_t prefix, unsigned thread, uint32_t counter);
uint32_t workload_id_prefix(int64_t id);
unsigned workload_id_thread(int64_t id);
/* The run's prefix from the start time and the largest id found in the
 * database (0 if none). */
uint32_t workload_choose_prefix(double unix_now, int64_t max_id_in_db);

#endif
