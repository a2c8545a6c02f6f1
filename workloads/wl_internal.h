/*
 * wl_internal.h — what the pieces of the bank workload share inside
 * workloads/: the run (struct workload), one client thread (struct
 * wl_client) and the functions of the bank schema and its transactions
 * (bank_schema.c, bank_txn.c). Not for use outside workloads/.
 */
#ifndef LAB_WL_INTERNAL_H
#define LAB_WL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dbconn.h"
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
	int64_t next_start_ns; /* --rate schedule */
	int64_t txn_customer;  /* new_customer: the new id; delete_customer: the victim */
	size_t pool_index;     /* the victim's pool slot */
	struct strbuf sql;
	struct wl_stats *stats;
};

struct workload {
	struct workload_opts opts;
	struct journal_writer *journal;
	uint32_t prefix;
	struct wl_pool pool;
	struct wl_product *products;
	size_t n_products;
	int mix_total;
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

/* bank_txn.c */
/* Next id of this client's sequence (0 when the counter is exhausted). */
int64_t wl_next_id(struct wl_client *c);
/* Run the statements of c->kind, filling c->rec.rows and c->err. */
enum body_result bank_body(struct wl_client *c);
/* After an ok commit: pool bookkeeping (new customer in, deleted out). */
void bank_after_commit(struct wl_client *c);
/* Pool helpers. */
int64_t pool_pick(struct wl_pool *p, struct lab_rng *rng, size_t *index);
void pool_add(struct wl_pool *p, struct lab_rng *rng, int64_t id);
void pool_remove(struct wl_pool *p, size_t index, int64_t id);

#endif
