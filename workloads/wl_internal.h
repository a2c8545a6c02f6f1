/*
 * wl_internal.h — what the pieces of the workloads share inside
 * workloads/: the table of operations every workload fills (struct
 * workload_ops, one per workload, listed in lab_workloads[] in workload.c),
 * the run (struct workload), one client thread (struct wl_client) and the
 * functions of the bank (bank_schema.c, bank_txn.c) and of the list-append
 * workload (append_txn.c). Not for use outside workloads/.
 */
#ifndef LAB_WL_INTERNAL_H
#define LAB_WL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dbconn.h"
#include "append.h"
#include "histogram.h"
#include "journal.h"
#include "util.h"
#include "workload.h"

#define WL_MAX_ERRNOS 32

/* Per-thread statistics: one writer (the thread), read by the reporter with
 * relaxed loads; aligned to a cache line so threads do not share lines.
 * Accounting: Σ outcome[] = attempted; by_kind sums to the same. */
struct wl_stats {
	_Alignas(64) _Atomic uint64_t outcome[TXN_OUTCOME_COUNT];
	_Atomic uint64_t by_kind[TXN_KIND_COUNT][TXN_OUTCOME_COUNT];
	_Atomic uint64_t reconnects;
	_Atomic uint64_t audits, read_skew; /* ok audits; those that did not add up */
	_Atomic uint64_t hist[HIST_BUCKETS]; /* cumulative latency, microseconds */
	/* Only read after the thread has stopped: */
	struct {
		unsigned err;
		uint64_t count;
	} errs[WL_MAX_ERRNOS];
	uint64_t errs_other;
};

/* The customers that transactions pick from: slots holding a live
 * customer's id or 0. Lock-free: new customers CAS into empty slots,
 * deleted ones are CAS'd out. Ids that are gone but still in a slot are
 * found by the transaction that tries them (1032) and removed. */
struct wl_pool {
	_Atomic int64_t *slot;
	size_t n;
};

struct wl_product {
	int64_t id, price, weight;
};

enum client_state {
	CS_CONNECT,    /* connect to hosts[host]; on failure try the next host, pausing after a whole round */
	CS_THROTTLE,   /* under --rate, wait for this thread's next scheduled start */
	CS_BEGIN,      /* draw the kind and its ids, note the start time */
	CS_BODY,       /* run the statements (autocommit off: the first one opens the transaction) */
	CS_COMMIT,     /* send COMMIT: ok, failed or unknown by the answer */
	CS_ABORT,      /* an error before COMMIT: ROLLBACK if the connection is usable */
	CS_RECORD,     /* journal line, counters, histogram */
	CS_DISCONNECT, /* drop the connection and move to the next host */
	CS_DONE,       /* stop was asked: leave the loop */
};

/* What a transaction body tells the state machine. */
enum body_result {
	BODY_READY,   /* all statements done: COMMIT next */
	BODY_ERROR,   /* a statement failed: c->err holds mysql_errno */
	BODY_REFUSED, /* refused by the client's own rule (1644 no credit, 1032 no customer) */
};

struct workload;
struct wl_client;

/* One workload: what the shared client machinery (workload.c) asks of it.
 * Every hook is required unless marked optional; workload_start() refuses
 * a table with a missing hook. */
struct workload_ops {
	const char *name; /* as in --workload and the scenario's workload: name */
	/* Each transaction picks its host at random among the reachable ones
	 * (a thread keeps one connection per host) instead of staying on one
	 * host until it fails: reads then see other nodes than the writes. */
	bool host_per_txn;
	/* Kinds counted in the summary: kind_name(k) for k in
	 * first_kind..n_kinds-1 (c->kind indexes wl_stats.by_kind). */
	int first_kind, n_kinds;
	const char *(*kind_name)(int kind);
	/* The workload's own option checks (the shared ones are done). */
	int (*check_opts)(const struct workload_opts *o);
	/* The journal's header line (with '\n'). */
	void (*journal_header)(const struct workload_opts *o, struct strbuf *sb);
	/* Create or attach to the schema on db (an admin connection on node,
	 * database selected) and choose w->prefix. */
	int (*setup)(struct workload *w, MYSQL *db, const char *node);
	/* Plan the next transaction: c->txn_id is taken; draw its kind and
	 * ids. 0, or -1 to stop the thread (reported). */
	int (*begin)(struct wl_client *c);
	/* The statements between the first one and COMMIT. */
	enum body_result (*body)(struct wl_client *c);
	/* Journal the transaction: c->outcome, c->err, c->start_ns, c->end_ns,
	 * c->node and c->process are set. */
	void (*journal)(struct wl_client *c);
	/* Optional: bookkeeping after an ok COMMIT. */
	void (*after_commit)(struct wl_client *c);
	/* Optional: free what the workload keeps in w (after the threads). */
	void (*release)(struct workload *w);
};

extern const struct workload_ops bank_ops;
extern const struct workload_ops append_ops;

struct wl_client {
	struct workload *w;
	unsigned thread; /* 1..threads; 0 is the loader */
	pthread_t tid;
	bool started;
	struct lab_rng rng;
	MYSQL *db;
	size_t host;       /* index in w->opts.hosts */
	char node[128];    /* "host:port" of the current connection */
	int refusals;      /* consecutive hosts that refused work */
	uint32_t counter;  /* the id scheme's per-thread counter */
	enum client_state state;
	enum txn_kind kind;
	struct txn_record rec;
	unsigned err;
	/* The current transaction, for every workload: */
	int64_t txn_id;
	int64_t start_ns, end_ns;
	enum txn_outcome outcome;
	int64_t process;       /* Jepsen's process: thread-1, + threads after each unknown */
	/* host_per_txn: one connection per host (NULL: none), and until when
	 * (CLOCK_MONOTONIC ns) a host that failed is not picked. */
	MYSQL **conns;
	int64_t *down_until;
	bool *connected_before;
	/* The list-append workload's transaction (append_txn.c). */
	struct append_record arec;
	int64_t next_start_ns; /* --rate schedule */
	int64_t txn_customer;  /* new_customer: the new id; delete_customer: the victim */
	size_t pool_index;     /* the victim's pool slot */
	/* audit: the snapshot's sums, and whether they failed to add up */
	int64_t audit_customer, audit_ledger, audit_negative;
	bool audit_skew;
	struct strbuf sql;
	struct wl_stats *stats;
};

struct workload {
	struct workload_opts opts;
	const struct workload_ops *ops;
	char (*node_names)[128]; /* "host:port" of each opts.hosts[] */
	struct journal_writer *journal;
	uint32_t prefix;
	struct wl_pool pool;
	struct wl_product *products;
	size_t n_products;
	int mix_total;
	struct append_keys keys;   /* append: the active key window */
	/* The session settings as read back on the first connection that set
	 * them (printed in the summary), under rlock. */
	char session_readback[192];
	atomic_bool no_sync_wait;  /* the server has no wsrep_sync_wait */
	struct wl_client *clients; /* opts.threads of them */
	atomic_bool stop;
	int64_t start_ns;
	double start_wall;
	/* reporter */
	pthread_t reporter;
	bool reporter_started;
	pthread_mutex_t rlock;
	pthread_cond_t rwake;
	bool rstop;
	int64_t stop_ns;
	bool stopped;
};

/* bank_schema.c */
/* Connect to the first host that answers (creating the database when
 * with_create). NULL with the error reported. */
MYSQL *bank_admin_connect(struct workload *w, bool create_db, char *node, size_t node_size);
/* Drop and create the five tables, load customers and products with
 * multi-row inserts, journal one `load` record per batch. */
int bank_load(struct workload *w, MYSQL *db, const char *node);
/* Read products, live customer ids and the largest id of an existing
 * schema (--no-load). */
int bank_attach(struct workload *w, MYSQL *db, int64_t *max_id);
/* bank_ops.setup: bank_load or bank_attach, and the id prefix. */
int bank_setup(struct workload *w, MYSQL *db, const char *node);

/* bank_txn.c */
/* Next id of this client's sequence (0 when the counter is exhausted). */
int64_t wl_next_id(struct wl_client *c);
/* Run the statements of c->kind, filling c->rec.rows and c->err. */
enum body_result bank_body(struct wl_client *c);
/* After an ok commit: pool bookkeeping (new customer in, deleted out). */
void bank_after_commit(struct wl_client *c);
/* bank_txn.c: the bank's hooks for bank_ops. */
int bank_begin(struct wl_client *c);
void bank_journal(struct wl_client *c);
/* Pool helpers. */
int64_t pool_pick(struct wl_pool *p, struct lab_rng *rng, size_t *index);
void pool_add(struct wl_pool *p, struct lab_rng *rng, int64_t id);
void pool_remove(struct wl_pool *p, size_t index, int64_t id);

#endif
