/*
 * workload.c — the client machinery every workload runs on (the bank, the
 * list-append workload: one table of operations each, lab_workloads[]
 * below): one pthread per client, each with its own connection and its own
 * random stream (rng_init(seed, thread)), walking the explicit state
 * machine below (pgbench's advanceConnectionState() style); a reporter
 * thread that sums the per-thread counters once a second; start, stop and
 * the final summary.
 *
 * Client state machine (enum client_state in wl_internal.h):
 *
 *   CONNECT ──ok──> THROTTLE ──> BEGIN ──> BODY ──ready──> COMMIT ──> RECORD
 *     ^  └─fail: next host,           │ error/refused          │
 *     │    pause after a round        v                        │
 *     │                             ABORT (ROLLBACK) ────────> RECORD
 *     │                                                         │
 *     └──────────── DISCONNECT <── node refused / connection lost┘
 *                                   (otherwise back to THROTTLE)
 *   Any state that waits (CONNECT, THROTTLE) goes to DONE once stop is set;
 *   a transaction in flight is finished first (bounded by the timeouts).
 *
 * A workload whose ops say host_per_txn (append) keeps one connection per
 * host and goes back to CONNECT after every transaction: CONNECT then picks
 * a host at random among those not marked down (reusing its connection or
 * opening one), and DISCONNECT closes only the failed host's connection and
 * marks that host down for a second. So consecutive transactions of one
 * thread run on different nodes — a read can go to another node than the
 * write before it, which is how stale reads show — and a dead node is
 * skipped without any thread waiting on it.
 *
 * Session settings, on every new connection: autocommit off, a lock wait
 * timeout below the read timeout, the isolation level (SET SESSION
 * TRANSACTION ISOLATION LEVEL) and wsrep_sync_wait when asked (skipped
 * when the server has no such variable); the first connection reads them
 * back for the summary ("session: ...").
 *
 * Outcomes (workload.h): an error before COMMIT is `failed` (the server
 * never saw COMMIT, so it rolls back); the answer to COMMIT decides between
 * ok, failed (an error that proves the rollback) and unknown (anything
 * else, including no answer). No thread waits on another: the customer pool
 * is lock-free and the journal lock is held for a memcpy.
 *
 * Statistics: each thread counts into its own cache-line aligned struct
 * wl_stats (relaxed atomics, one writer); the reporter reads them, so
 * per second and in total: attempted = ok + failed + unknown.
 */
#include "wl_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct workload_ops *const lab_workloads[] = {
	&bank_ops,
	&append_ops,
};

static const struct workload_ops *find_ops(const char *name)
{
	if (!name)
		name = "bank";
	for (size_t i = 0; i < ARRAY_SIZE(lab_workloads); i++)
		if (!strcmp(lab_workloads[i]->name, name))
			return lab_workloads[i];
	return NULL;
}

const char *workload_name_at(size_t i)
{
	return i < ARRAY_SIZE(lab_workloads) ? lab_workloads[i]->name : NULL;
}

bool workload_known(const char *name)
{
	return find_ops(name) != NULL;
}

static char workload_names_buf[128];

static void build_workload_names(void)
{
	size_t off = 0;

	for (size_t i = 0; i < ARRAY_SIZE(lab_workloads); i++) {
		int n = snprintf(workload_names_buf + off, sizeof(workload_names_buf) - off, "%s%s",
				 i ? "|" : "", lab_workloads[i]->name);
		if (n < 0 || (size_t)n >= sizeof(workload_names_buf) - off)
			break;
		off += (size_t)n;
	}
}

const char *workload_names(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, build_workload_names); /* from lab_workloads[], in order */
	return workload_names_buf;
}

/* A table with a hook missing is refused at start (fio's check_engine_ops). */
static int check_ops(const struct workload_ops *ops)
{
	if (!ops->name || !ops->kind_name || !ops->check_opts || !ops->journal_header ||
	    !ops->setup || !ops->begin || !ops->body || !ops->journal || ops->n_kinds < 1 ||
	    ops->n_kinds > TXN_KIND_COUNT || ops->first_kind < 0 || ops->first_kind >= ops->n_kinds) {
		lab_error("workload '%s': its table of operations is incomplete",
			  ops->name ? ops->name : "?");
		return -1;
	}
	return 0;
}

void workload_opts_defaults(struct workload_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->workload = "bank";
	o->sync_wait = -1;
	o->isolation = WL_ISO_SERVER;
	o->append = (struct append_opts){ .keys = 8, .ops_min = 1, .ops_max = 4, .read_ratio = 0.5,
					  .appends_per_key = 32 };
	o->threads = 8;
	o->customers = 2000;
	o->products = 200;
	o->mix = (struct workload_mix){ .credit = 30, .purchase = 45, .transfer = 10,
					.new_customer = 10, .delete_customer = 5 };
	o->update_style = UPDATE_RELATIVE;
	o->lock = LOCK_NONE;
	o->seed = 1;
	o->connect_timeout_s = 2;
	o->rw_timeout_s = 5;
	o->load = true;
}

static bool stopping(const struct workload *w)
{
	return atomic_load_explicit(&w->stop, memory_order_relaxed);
}

/* Sleep until CLOCK_MONOTONIC t_ns or until stop, in steps of <= 100 ms. */
static void sleep_until_ns(const struct workload *w, int64_t t_ns)
{
	for (;;) {
		int64_t now = mono_ns(), left = t_ns - now;
		struct timespec ts;

		if (left <= 0 || stopping(w))
			return;
		if (left > 100000000)
			left = 100000000;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		nanosleep(&ts, NULL);
	}
}

static void count(_Atomic uint64_t *x)
{
	atomic_fetch_add_explicit(x, 1, memory_order_relaxed);
}

static void note_error(struct wl_stats *s, unsigned err)
{
	for (int i = 0; i < WL_MAX_ERRNOS; i++) {
		if (s->errs[i].err == err) {
			s->errs[i].count++;
			return;
		}
		if (!s->errs[i].count) {
			s->errs[i].err = err;
			s->errs[i].count = 1;
			return;
		}
	}
	s->errs_other++;
}

/* First connection to set the session: read the settings back for the
 * summary. */
static void read_back_session(struct wl_client *c)
{
	struct workload *w = c->w;
	bool done;
	char *iso, *sw = NULL;
	int err = 0;

	pthread_mutex_lock(&w->rlock);
	done = w->session_readback[0] != '\0';
	pthread_mutex_unlock(&w->rlock);
	if (done)
		return;
	iso = db_query_value(c->db, "SELECT @@session.tx_isolation", &err);
	if (!w->no_sync_wait)
		sw = db_query_value(c->db, "SELECT @@session.wsrep_sync_wait", &err);
	pthread_mutex_lock(&w->rlock);
	if (!w->session_readback[0])
		snprintf(w->session_readback, sizeof(w->session_readback),
			 "isolation=%s wsrep_sync_wait=%s (read back on %s)", iso ? iso : "?",
			 sw ? sw : "none", c->node);
	pthread_mutex_unlock(&w->rlock);
	free(iso);
	free(sw);
}

/* Connect to c->host; 0 or -1 (reason kept in lab_last_error). */
static int client_connect(struct wl_client *c)
{
	struct workload *w = c->w;
	const struct workload_opts *o = &w->opts;
	const struct hostport *hp = &o->hosts[c->host];
	const char *iso = workload_isolation_sql(o->isolation);
	char set[128];

	c->db = db_connect(hp, o->creds, o->connect_timeout_s, o->rw_timeout_s, 1);
	if (!c->db)
		return -1;
	/* A lock wait must end (1205, failed) before the read timeout would
	 * cut the connection. */
	snprintf(set, sizeof(set), "SET SESSION autocommit = 0, innodb_lock_wait_timeout = %d",
		 o->rw_timeout_s > 2 ? o->rw_timeout_s - 1 : 1);
	if (db_exec(c->db, set) < 0)
		goto fail;
	if (iso) {
		snprintf(set, sizeof(set), "SET SESSION TRANSACTION ISOLATION LEVEL %s", iso);
		if (db_exec(c->db, set) < 0)
			goto fail;
	}
	if (o->sync_wait >= 0 && !w->no_sync_wait) {
		snprintf(set, sizeof(set), "SET SESSION wsrep_sync_wait = %d", o->sync_wait);
		if (db_exec(c->db, set) < 0) {
			if (mysql_errno(c->db) != 1193) /* ER_UNKNOWN_SYSTEM_VARIABLE */
				goto fail;
			w->no_sync_wait = true; /* benign race: every thread finds the same */
			lab_debug("%s has no wsrep_sync_wait: not set", w->node_names[c->host]);
		}
	}
	lab_strlcpy(c->node, w->node_names[c->host], sizeof(c->node));
	if (iso || o->sync_wait >= 0)
		read_back_session(c);
	return 0;
fail:
	mysql_close(c->db);
	c->db = NULL;
	return -1;
}

/* host_per_txn: pick the next transaction's host at random among those not
 * marked down; -1 when every host is down. */
static int pick_host(struct wl_client *c)
{
	size_t n = c->w->opts.n_hosts, up = 0, k;
	int64_t now = mono_ns();

	for (size_t i = 0; i < n; i++)
		up += c->down_until[i] <= now;
	if (!up)
		return -1;
	k = (size_t)rng_range(&c->rng, 0, (int64_t)up - 1);
	for (size_t i = 0; i < n; i++)
		if (c->down_until[i] <= now && k-- == 0)
			return (int)i;
	return -1;
}

/* host_per_txn: CONNECT. Pick a host, reuse or open its connection. 0 with
 * c->db set, -1 not now (stay in CONNECT). */
static int connect_per_txn(struct wl_client *c)
{
	int h = pick_host(c);

	if (h < 0) {
		sleep_until_ns(c->w, mono_ns() + 100000000);
		return -1;
	}
	c->host = (size_t)h;
	if (c->conns[h]) {
		c->db = c->conns[h];
		lab_strlcpy(c->node, c->w->node_names[h], sizeof(c->node));
		return 0;
	}
	if (client_connect(c) < 0) {
		lab_debug("thread %u: %s", c->thread, lab_last_error());
		c->down_until[h] = mono_ns() + 1000000000;
		return -1;
	}
	if (c->connected_before[h])
		count(&c->stats->reconnects);
	c->connected_before[h] = true;
	c->conns[h] = c->db;
	return 0;
}

static void record(struct wl_client *c, enum txn_outcome outcome)
{
	struct wl_stats *s = c->stats;
	const struct workload_ops *ops = c->w->ops;

	c->end_ns = mono_ns();
	c->outcome = outcome;
	if (outcome == TXN_OK)
		c->err = 0;
	ops->journal(c);
	count(&s->outcome[outcome]);
	count(&s->by_kind[c->kind][outcome]);
	if (outcome == TXN_OK) {
		uint64_t us = (uint64_t)(c->end_ns - c->start_ns) / 1000;
		count(&s->hist[hist_bucket(us)]);
		if (ops->after_commit)
			ops->after_commit(c);
	} else {
		note_error(s, c->err);
	}
	/* Jepsen: a process whose operation is indeterminate never issues
	 * another; the thread carries on as a new process. */
	if (outcome == TXN_UNKNOWN)
		c->process += c->w->opts.threads;
}

static void *client_main(void *arg)
{
	struct wl_client *c = arg;
	struct workload *w = c->w;
	const struct workload_opts *o = &w->opts;
	const struct workload_ops *ops = w->ops;
	enum wl_err_action action = WL_ACT_ROLLBACK;
	enum txn_outcome outcome = TXN_FAILED;
	int64_t interval_ns = o->rate > 0 ? (int64_t)(1e9 * o->threads / o->rate) : 0;
	int connect_failures = 0;
	bool first_connect = true;

	c->next_start_ns = mono_ns();
	c->state = CS_CONNECT;
	while (c->state != CS_DONE) {
		switch (c->state) {
		case CS_CONNECT:
			if (stopping(w)) {
				c->state = CS_DONE;
				break;
			}
			if (ops->host_per_txn) {
				if (connect_per_txn(c) == 0)
					c->state = CS_THROTTLE;
				break;
			}
			if (client_connect(c) < 0) {
				lab_debug("thread %u: %s", c->thread, lab_last_error());
				c->host = (c->host + 1) % o->n_hosts;
				if (++connect_failures % (int)o->n_hosts == 0)
					sleep_until_ns(w, mono_ns() + 200000000);
				break;
			}
			connect_failures = 0;
			if (!first_connect)
				count(&c->stats->reconnects);
			first_connect = false;
			c->state = CS_THROTTLE;
			break;

		case CS_THROTTLE:
			if (stopping(w)) {
				c->state = CS_DONE;
				break;
			}
			if (interval_ns) {
				/* Poisson arrivals, as pgbench --rate; a thread that
				 * fell behind by over a second does not burst. */
				int64_t now = mono_ns();
				double u = rng_double(&c->rng);
				c->next_start_ns += (int64_t)(-log(1.0 - u) * (double)interval_ns);
				if (c->next_start_ns < now - 1000000000)
					c->next_start_ns = now;
				sleep_until_ns(w, c->next_start_ns);
				if (stopping(w)) {
					c->state = CS_DONE;
					break;
				}
			}
			c->state = CS_BEGIN;
			break;

		case CS_BEGIN:
			c->txn_id = wl_next_id(c);
			if (!c->txn_id || c->counter > (1u << WL_ID_COUNTER_BITS) - 4096) {
				lab_error("thread %u used up its ids (2^%d) and stops", c->thread,
					  WL_ID_COUNTER_BITS);
				c->state = CS_DONE;
				break;
			}
			c->err = 0;
			if (ops->begin(c) < 0) {
				c->state = CS_DONE;
				break;
			}
			c->start_ns = mono_ns();
			c->state = CS_BODY;
			break;

		case CS_BODY:
			switch (ops->body(c)) {
			case BODY_READY:
				c->state = CS_COMMIT;
				break;
			case BODY_REFUSED:
				action = WL_ACT_ROLLBACK;
				c->state = CS_ABORT;
				break;
			case BODY_ERROR:
				action = workload_classify_error(c->err, false).action;
				c->state = CS_ABORT;
				break;
			}
			break;

		case CS_COMMIT:
			if (mysql_real_query(c->db, "COMMIT", 6) == 0) {
				outcome = TXN_OK;
				action = WL_ACT_ROLLBACK;
			} else {
				struct wl_err_class cls;
				c->err = mysql_errno(c->db);
				if (!c->err)
					c->err = 2013;
				cls = workload_classify_error(c->err, true);
				outcome = cls.outcome;
				action = cls.action;
				if (action == WL_ACT_ROLLBACK && mysql_real_query(c->db, "ROLLBACK", 8))
					action = WL_ACT_CONNECTION;
			}
			c->state = CS_RECORD;
			break;

		case CS_ABORT:
			outcome = TXN_FAILED;
			if (action == WL_ACT_ROLLBACK && mysql_real_query(c->db, "ROLLBACK", 8))
				action = WL_ACT_CONNECTION;
			c->state = CS_RECORD;
			break;

		case CS_RECORD:
			record(c, outcome);
			if (outcome == TXN_OK)
				c->refusals = 0;
			if (action != WL_ACT_ROLLBACK)
				c->state = CS_DISCONNECT;
			else
				c->state = ops->host_per_txn ? CS_CONNECT : CS_THROTTLE;
			break;

		case CS_DISCONNECT:
			lab_debug("thread %u: leaving %s after error %u", c->thread, c->node, c->err);
			mysql_close(c->db);
			c->db = NULL;
			if (ops->host_per_txn) {
				/* Only this host's connection; the host rests a second. */
				c->conns[c->host] = NULL;
				c->down_until[c->host] = mono_ns() + 1000000000;
				c->state = CS_CONNECT;
				break;
			}
			c->host = (c->host + 1) % o->n_hosts;
			if (action == WL_ACT_NODE && ++c->refusals >= (int)o->n_hosts) {
				/* Every host refused in a row: do not spin. */
				c->refusals = 0;
				sleep_until_ns(w, mono_ns() + 100000000);
			}
			c->state = CS_CONNECT;
			break;

		case CS_DONE:
			break;
		}
	}
	if (ops->host_per_txn) {
		for (size_t i = 0; i < o->n_hosts; i++)
			if (c->conns[i])
				mysql_close(c->conns[i]);
		c->db = NULL;
	}
	if (c->db) {
		mysql_close(c->db);
		c->db = NULL;
	}
	mysql_thread_end();
	return NULL;
}

/* ---- reporter ---- */

struct snapshot {
	uint64_t outcome[TXN_OUTCOME_COUNT];
	uint64_t hist[HIST_BUCKETS];
};

static void take_snapshot(struct workload *w, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < w->opts.threads; i++) {
		struct wl_stats *st = w->clients[i].stats;
		for (int k = 0; k < TXN_OUTCOME_COUNT; k++)
			s->outcome[k] += atomic_load_explicit(&st->outcome[k], memory_order_relaxed);
		for (unsigned b = 0; b < HIST_BUCKETS; b++)
			s->hist[b] += atomic_load_explicit(&st->hist[b], memory_order_relaxed);
	}
}

static void emit_second(struct workload *w, int64_t t, const struct snapshot *prev,
			const struct snapshot *now, uint64_t *delta)
{
	struct workload_second sec = { .t = t };

	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		delta[b] = now->hist[b] - prev->hist[b];
	sec.ok = (int64_t)(now->outcome[TXN_OK] - prev->outcome[TXN_OK]);
	sec.failed = (int64_t)(now->outcome[TXN_FAILED] - prev->outcome[TXN_FAILED]);
	sec.unknown = (int64_t)(now->outcome[TXN_UNKNOWN] - prev->outcome[TXN_UNKNOWN]);
	sec.p50_ms = hist_percentile(delta, 50) / 1000.0;
	sec.p95_ms = hist_percentile(delta, 95) / 1000.0;
	sec.p99_ms = hist_percentile(delta, 99) / 1000.0;
	if (w->opts.on_second)
		w->opts.on_second(w->opts.arg, &sec);
}

static void *reporter_main(void *arg)
{
	struct workload *w = arg;
	struct snapshot *prev = xcalloc(1, sizeof(*prev)), *now = xcalloc(1, sizeof(*now)), *tmp;
	uint64_t *delta = xcalloc(HIST_BUCKETS, sizeof(*delta));
	int64_t k = 1;

	pthread_mutex_lock(&w->rlock);
	for (;;) {
		int64_t deadline = w->start_ns + k * 1000000000;
		struct timespec ts = { .tv_sec = deadline / 1000000000, .tv_nsec = deadline % 1000000000 };
		while (!w->rstop && mono_ns() < deadline)
			pthread_cond_timedwait(&w->rwake, &w->rlock, &ts);
		if (w->rstop)
			break;
		pthread_mutex_unlock(&w->rlock);
		take_snapshot(w, now);
		emit_second(w, (int64_t)w->start_wall + k - 1, prev, now, delta);
		tmp = prev, prev = now, now = tmp;
		k++;
		pthread_mutex_lock(&w->rlock);
	}
	pthread_mutex_unlock(&w->rlock);
	/* The partial last second: workers have stopped by now. */
	take_snapshot(w, now);
	if (memcmp(now->outcome, prev->outcome, sizeof(now->outcome)))
		emit_second(w, (int64_t)w->start_wall + k - 1, prev, now, delta);
	free(prev);
	free(now);
	free(delta);
	return NULL;
}

/* ---- start / stop ---- */

static int check_opts(const struct workload_opts *o)
{
	const struct workload_ops *ops = find_ops(o->workload);

	if (!ops)
		return lab_error("workload: '%s' is not a workload (%s)", o->workload, workload_names()), -1;
	if (check_ops(ops) < 0)
		return -1;
	if (!o->hosts || !o->n_hosts)
		return lab_error("workload: no hosts given"), -1;
	if (!o->creds)
		return lab_error("workload: no credentials given"), -1;
	if (o->threads < 1 || o->threads > WL_MAX_THREADS)
		return lab_error("workload: threads %d out of range 1..%d", o->threads, WL_MAX_THREADS), -1;
	if (o->rate < 0)
		return lab_error("workload: rate %g is negative", o->rate), -1;
	if (o->connect_timeout_s < 1 || o->rw_timeout_s < 1)
		return lab_error("workload: timeouts must be at least 1 s"), -1;
	if (!o->journal_path || !*o->journal_path)
		return lab_error("workload: a journal file is required"), -1;
	if (o->sync_wait < -1 || o->sync_wait > 15)
		return lab_error("workload: sync_wait %d out of range 0..15", o->sync_wait), -1;
	if (o->isolation < WL_ISO_SERVER || o->isolation > WL_ISO_READ_UNCOMMITTED)
		return lab_error("workload: unknown isolation level %d", (int)o->isolation), -1;
	return ops->check_opts(o);
}

static void free_workload(struct workload *w)
{
	if (!w)
		return;
	if (w->clients) {
		for (int i = 0; i < w->opts.threads; i++) {
			struct wl_client *c = &w->clients[i];
			txn_record_release(&c->rec);
			append_record_release(&c->arec);
			sb_release(&c->sql);
			free(c->stats);
			free(c->conns);
			free(c->down_until);
			free(c->connected_before);
		}
		free(w->clients);
	}
	if (w->ops && w->ops->release)
		w->ops->release(w);
	free(w->node_names);
	pthread_mutex_destroy(&w->rlock);
	pthread_cond_destroy(&w->rwake);
	free(w);
}

/* Stop and join whatever threads run; the journal stays open. */
static void halt_threads(struct workload *w)
{
	atomic_store(&w->stop, true);
	for (int i = 0; w->clients && i < w->opts.threads; i++)
		if (w->clients[i].started) {
			pthread_join(w->clients[i].tid, NULL);
			w->clients[i].started = false;
		}
	if (w->reporter_started) {
		pthread_mutex_lock(&w->rlock);
		w->rstop = true;
		pthread_cond_signal(&w->rwake);
		pthread_mutex_unlock(&w->rlock);
		pthread_join(w->reporter, NULL);
		w->reporter_started = false;
	}
	if (!w->stopped) {
		w->stop_ns = mono_ns();
		w->stopped = true;
	}
}

struct workload *workload_start(const struct workload_opts *o)
{
	struct workload *w;
	pthread_condattr_t ca;
	sigset_t block, old;
	MYSQL *db = NULL;
	char node[128] = "";
	struct strbuf header = { 0 };

	if (check_opts(o) < 0)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->opts = *o;
	w->ops = find_ops(o->workload);
	w->node_names = xcalloc(o->n_hosts, sizeof(*w->node_names));
	for (size_t i = 0; i < o->n_hosts; i++)
		hostport_format(&o->hosts[i], w->node_names[i], sizeof(w->node_names[i]));
	w->mix_total = workload_mix_total(&o->mix);
	pthread_mutex_init(&w->rlock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->rwake, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&w->stop, false);

	/* Threads started from here do not take SIGINT/SIGTERM (the caller's
	 * thread does, and stops us), nor die of SIGPIPE on a dead socket. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);

	/* Connect first: a run that cannot reach any host leaves no journal. */
	db = bank_admin_connect(w, o->load, node, sizeof(node));
	if (!db)
		goto fail;
	w->ops->journal_header(o, &header);
	w->journal = journal_create_with_header(o->journal_path, header.buf, 100);
	sb_release(&header);
	if (!w->journal)
		goto fail;
	if (w->ops->setup(w, db, node) < 0)
		goto fail;
	mysql_close(db);
	db = NULL;
	if (journal_flush(w->journal) < 0)
		goto fail;

	w->clients = xcalloc((size_t)o->threads, sizeof(*w->clients));
	for (int i = 0; i < o->threads; i++) {
		struct wl_client *c = &w->clients[i];
		c->w = w;
		c->thread = (unsigned)i + 1;
		rng_init(&c->rng, o->seed, c->thread);
		c->host = (size_t)i % o->n_hosts;
		c->process = i;
		txn_record_init(&c->rec);
		if (w->ops->host_per_txn) {
			c->conns = xcalloc(o->n_hosts, sizeof(*c->conns));
			c->down_until = xcalloc(o->n_hosts, sizeof(*c->down_until));
			c->connected_before = xcalloc(o->n_hosts, sizeof(*c->connected_before));
		}
		c->stats = aligned_alloc(64, sizeof(struct wl_stats));
		if (!c->stats)
			abort();
		memset(c->stats, 0, sizeof(*c->stats));
	}
	w->start_ns = mono_ns();
	w->start_wall = wall_seconds();
	for (int i = 0; i < o->threads; i++) {
		if (pthread_create(&w->clients[i].tid, NULL, client_main, &w->clients[i])) {
			lab_error("cannot start workload thread %d", i + 1);
			goto fail;
		}
		w->clients[i].started = true;
	}
	if (pthread_create(&w->reporter, NULL, reporter_main, w)) {
		lab_error("cannot start the workload reporter thread");
		goto fail;
	}
	w->reporter_started = true;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return w;

fail:
	if (db)
		mysql_close(db);
	halt_threads(w);
	journal_close(w->journal);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free_workload(w);
	return NULL;
}

static void sum_totals(struct workload *w, struct workload_totals *t, uint64_t *hist)
{
	memset(t, 0, sizeof(*t));
	memset(hist, 0, HIST_BUCKETS * sizeof(*hist));
	for (int i = 0; i < w->opts.threads; i++) {
		struct wl_stats *s = w->clients[i].stats;
		t->ok += (int64_t)atomic_load_explicit(&s->outcome[TXN_OK], memory_order_relaxed);
		t->failed += (int64_t)atomic_load_explicit(&s->outcome[TXN_FAILED], memory_order_relaxed);
		t->unknown += (int64_t)atomic_load_explicit(&s->outcome[TXN_UNKNOWN], memory_order_relaxed);
		t->reconnects += (int64_t)atomic_load_explicit(&s->reconnects, memory_order_relaxed);
		t->audits += (int64_t)atomic_load_explicit(&s->audits, memory_order_relaxed);
		t->read_skew += (int64_t)atomic_load_explicit(&s->read_skew, memory_order_relaxed);
		for (unsigned b = 0; b < HIST_BUCKETS; b++)
			hist[b] += atomic_load_explicit(&s->hist[b], memory_order_relaxed);
	}
	t->attempted = t->ok + t->failed + t->unknown;
	t->p50_ms = hist_percentile(hist, 50) / 1000.0;
	t->p95_ms = hist_percentile(hist, 95) / 1000.0;
	t->p99_ms = hist_percentile(hist, 99) / 1000.0;
	t->seconds = (double)((w->stopped ? w->stop_ns : mono_ns()) - w->start_ns) / 1e9;
}

void workload_get_totals(struct workload *w, struct workload_totals *t)
{
	uint64_t *hist = xcalloc(HIST_BUCKETS, sizeof(*hist));

	sum_totals(w, t, hist);
	free(hist);
}

static int cmp_err_count(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b; /* {err, count} pairs, by count descending */
	return x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : (x[0] > y[0]) - (x[0] < y[0]);
}

static void print_summary(struct workload *w, const struct workload_totals *t, FILE *f)
{
	const struct workload_opts *o = &w->opts;
	uint64_t errs[WL_MAX_ERRNOS * 8][2];
	size_t n_errs = 0;
	uint64_t other = 0;
	double secs = t->seconds > 0 ? t->seconds : 1;

	fprintf(f, "workload: %s, %.1f s, %d threads, %zu host%s, seed %" PRIu64 ", id prefix %" PRIu32 "\n",
		w->ops->name, t->seconds, o->threads, o->n_hosts, o->n_hosts == 1 ? "" : "s", o->seed,
		w->prefix);
	if (w->session_readback[0])
		fprintf(f, "session: %s\n", w->session_readback);
	fprintf(f, "summary: attempted=%" PRId64 " ok=%" PRId64 " failed=%" PRId64 " unknown=%" PRId64
		   " reconnects=%" PRId64 "\n", t->attempted, t->ok, t->failed, t->unknown, t->reconnects);
	if (t->audits)
		fprintf(f, "audits: %" PRId64 " ok, read skew in %" PRId64 " (journal: # read-skew)\n",
			t->audits, t->read_skew);
	fprintf(f, "rate: %.1f ok/s, %.1f attempted/s\n", (double)t->ok / secs,
		(double)t->attempted / secs);
	fprintf(f, "latency of ok transactions (ms): p50 %.2f  p95 %.2f  p99 %.2f\n", t->p50_ms,
		t->p95_ms, t->p99_ms);
	fprintf(f, "%-16s %10s %10s %10s\n", "kind", "ok", "failed", "unknown");
	for (int k = w->ops->first_kind; k < w->ops->n_kinds; k++) {
		uint64_t v[TXN_OUTCOME_COUNT] = { 0 };
		for (int i = 0; i < o->threads; i++)
			for (int x = 0; x < TXN_OUTCOME_COUNT; x++)
				v[x] += atomic_load(&w->clients[i].stats->by_kind[k][x]);
		fprintf(f, "%-16s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n", w->ops->kind_name(k),
			v[TXN_OK], v[TXN_FAILED], v[TXN_UNKNOWN]);
	}
	for (int i = 0; i < o->threads; i++) {
		struct wl_stats *s = w->clients[i].stats;
		other += s->errs_other;
		for (int e = 0; e < WL_MAX_ERRNOS && s->errs[e].count; e++) {
			size_t j;
			for (j = 0; j < n_errs && errs[j][0] != s->errs[e].err; j++)
				;
			if (j == n_errs) {
				if (n_errs == ARRAY_SIZE(errs)) {
					other += s->errs[e].count;
					continue;
				}
				errs[n_errs][0] = s->errs[e].err;
				errs[n_errs++][1] = 0;
			}
			errs[j][1] += s->errs[e].count;
		}
	}
	qsort(errs, n_errs, sizeof(errs[0]), cmp_err_count);
	fprintf(f, "errors:");
	for (size_t j = 0; j < n_errs; j++)
		fprintf(f, " %" PRIu64 "x%" PRIu64, errs[j][0], errs[j][1]);
	if (other)
		fprintf(f, " other x%" PRIu64, other);
	fprintf(f, "%s\n", n_errs || other ? "" : " none");
	fprintf(f, "journal: %s\n", o->journal_path);
}

int workload_stop(struct workload *w, struct workload_totals *t)
{
	struct workload_totals tot;
	uint64_t *hist;
	int rc;

	if (!w) {
		if (t)
			memset(t, 0, sizeof(*t));
		return -1;
	}
	halt_threads(w);
	rc = journal_close(w->journal);
	w->journal = NULL;
	hist = xcalloc(HIST_BUCKETS, sizeof(*hist));
	sum_totals(w, &tot, hist);
	free(hist);
	if (w->opts.summary)
		print_summary(w, &tot, w->opts.summary);
	if (t)
		*t = tot;
	free_workload(w);
	return rc;
}
