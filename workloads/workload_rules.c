/*
 * workload_rules.c — the pure rules of the bank workload, kept apart from
 * threads and sockets so that unit tests can pin them: the transaction mix
 * (parse and draw), the MySQL error classification table, and the client id
 * scheme (all documented in workload.h).
 */
#include "workload.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- mix ---- */

static int *mix_slot(struct workload_mix *m, enum txn_kind k)
{
	switch (k) {
	case TXN_CREDIT: return &m->credit;
	case TXN_PURCHASE: return &m->purchase;
	case TXN_TRANSFER: return &m->transfer;
	case TXN_NEW_CUSTOMER: return &m->new_customer;
	case TXN_DELETE_CUSTOMER: return &m->delete_customer;
	case TXN_AUDIT: return &m->audit;
	default: return NULL;
	}
}

int workload_mix_total(const struct workload_mix *m)
{
	return m->credit + m->purchase + m->transfer + m->new_customer + m->delete_customer + m->audit;
}

int workload_mix_parse(const char *s, struct workload_mix *m)
{
	struct workload_mix out = { 0 };
	char *copy = xstrdup(s ? s : ""), *save = NULL, *item;
	int rc = -1;

	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		enum txn_kind k;
		int64_t w;
		int *slot;

		if (!eq) {
			lab_error("--mix: '%s' is not KIND=WEIGHT", item);
			goto out;
		}
		*eq = '\0';
		if (txn_kind_parse(item, &k) < 0 || !(slot = mix_slot(&out, k))) {
			lab_error("--mix: unknown transaction kind '%s' (credit, purchase, transfer, "
				  "new_customer, delete_customer, audit)", item);
			goto out;
		}
		if (parse_int64(eq + 1, 0, 1000000, &w) < 0) {
			lab_error("--mix: weight of '%s' is not a number in 0..1000000: '%s'", item, eq + 1);
			goto out;
		}
		*slot = (int)w;
	}
	if (workload_mix_total(&out) <= 0) {
		lab_error("--mix: the weights add up to 0 in '%s'", s ? s : "");
		goto out;
	}
	*m = out;
	rc = 0;
out:
	free(copy);
	return rc;
}

enum txn_kind workload_mix_pick(const struct workload_mix *m, int r)
{
	static const enum txn_kind order[] = { TXN_CREDIT, TXN_PURCHASE, TXN_TRANSFER,
					       TXN_NEW_CUSTOMER, TXN_DELETE_CUSTOMER, TXN_AUDIT };
	const int weight[] = { m->credit, m->purchase, m->transfer, m->new_customer,
			       m->delete_customer, m->audit };

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (r < weight[i])
			return order[i];
		r -= weight[i];
	}
	return TXN_CREDIT; /* r out of range: not reached with r < total */
}

/* ---- error classification ---- */

/*
 * The table: what a MySQL / MariaDB error number means for the transaction
 * and for the connection it happened on. Errors not listed: server errors
 * (< 2000, or >= 3000 server range) roll the transaction back and keep the
 * connection; client errors (2000..2999) mean the connection is gone.
 *
 * commit_proves_rollback: an error reply to COMMIT that proves nothing was
 * committed. 1213 on COMMIT is Galera's certification failure (decided
 * the same way on every node) or a brute-force abort before replication;
 * 1290/1792/1836 are read-only refusals that ha_commit_trans() answers
 * after rolling back. Any other error reply to COMMIT (1047 "not ready",
 * which Galera may send after the write set left the node, 1180 "error
 * during COMMIT", a kill or a shutdown) leaves the outcome unknown.
 */
struct err_rule {
	unsigned err;
	enum wl_err_action action;
	bool commit_proves_rollback;
};

static const struct err_rule err_rules[] = {
	/* rolled back, connection fine */
	{ 1213, WL_ACT_ROLLBACK, true },   /* ER_LOCK_DEADLOCK, Galera certification conflict */
	{ 1205, WL_ACT_ROLLBACK, true },   /* ER_LOCK_WAIT_TIMEOUT */
	{ 1020, WL_ACT_ROLLBACK, true },   /* ER_CHECKREAD: record changed since last read */
	{ 1062, WL_ACT_ROLLBACK, false },  /* ER_DUP_ENTRY */
	{ 1032, WL_ACT_ROLLBACK, false },  /* ER_KEY_NOT_FOUND (lab: the customer is gone) */
	{ 1644, WL_ACT_ROLLBACK, false },  /* ER_SIGNAL_EXCEPTION (lab: purchase refused) */
	{ 1451, WL_ACT_ROLLBACK, false },  /* ER_ROW_IS_REFERENCED_2 */
	{ 1452, WL_ACT_ROLLBACK, false },  /* ER_NO_REFERENCED_ROW_2 */
	{ 1180, WL_ACT_ROLLBACK, false },  /* ER_ERROR_DURING_COMMIT */
	{ 1317, WL_ACT_ROLLBACK, false },  /* ER_QUERY_INTERRUPTED */
	/* the node refuses work: move to another host */
	{ 1047, WL_ACT_NODE, false },      /* ER_UNKNOWN_COM_ERROR: WSREP not ready */
	{ 1290, WL_ACT_NODE, true },       /* ER_OPTION_PREVENTS_STATEMENT: read_only */
	{ 1792, WL_ACT_NODE, true },       /* ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION */
	{ 1836, WL_ACT_NODE, true },       /* ER_READ_ONLY_MODE */
	{ 1053, WL_ACT_NODE, false },      /* ER_SERVER_SHUTDOWN */
	{ 1927, WL_ACT_NODE, false },      /* ER_CONNECTION_KILLED */
	{ 1040, WL_ACT_NODE, false },      /* ER_CON_COUNT_ERROR */
	{ 1152, WL_ACT_CONNECTION, false }, /* ER_ABORTING_CONNECTION */
	{ 1158, WL_ACT_CONNECTION, false }, /* ER_NET_READ_ERROR */
	{ 1159, WL_ACT_CONNECTION, false }, /* ER_NET_READ_INTERRUPTED */
	{ 1160, WL_ACT_CONNECTION, false }, /* ER_NET_ERROR_ON_WRITE */
	{ 1161, WL_ACT_CONNECTION, false }, /* ER_NET_WRITE_INTERRUPTED */
	{ 1184, WL_ACT_CONNECTION, false }, /* ER_NEW_ABORTING_CONNECTION */
	/* client side: 2002/2003 cannot connect, 2006 gone away, 2013 lost
	 * during query (also the read timeout), 2055 lost at handshake/reading,
	 * 2014 out of sync: every 2xxx drops the connection (default below). */
};

struct wl_err_class workload_classify_error(unsigned err, bool in_commit)
{
	struct wl_err_class c = { WL_ACT_ROLLBACK, TXN_FAILED };
	const struct err_rule *rule = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(err_rules); i++)
		if (err_rules[i].err == err) {
			rule = &err_rules[i];
			break;
		}
	if (rule)
		c.action = rule->action;
	else if (err >= 2000 && err < 3000)
		c.action = WL_ACT_CONNECTION;
	else
		c.action = WL_ACT_ROLLBACK;
	if (in_commit && !(rule && rule->commit_proves_rollback))
		c.outcome = TXN_UNKNOWN;
	return c;
}

/* ---- ids ---- */

#define ID_EPOCH 1767225600.0 /* 2026-01-01T00:00:00Z */

int64_t workload_id(uint32_t prefix, unsigned thread, uint32_t counter)
{
	return (int64_t)(((uint64_t)prefix & ((1u << WL_ID_PREFIX_BITS) - 1))
			 << (WL_ID_THREAD_BITS + WL_ID_COUNTER_BITS)) |
	       (int64_t)((uint64_t)(thread & ((1u << WL_ID_THREAD_BITS) - 1)) << WL_ID_COUNTER_BITS) |
	       (int64_t)(counter & ((1u << WL_ID_COUNTER_BITS) - 1));
}

uint32_t workload_id_prefix(int64_t id)
{
	return (uint32_t)((uint64_t)id >> (WL_ID_THREAD_BITS + WL_ID_COUNTER_BITS)) &
	       ((1u << WL_ID_PREFIX_BITS) - 1);
}

unsigned workload_id_thread(int64_t id)
{
	return (unsigned)((uint64_t)id >> WL_ID_COUNTER_BITS) & ((1u << WL_ID_THREAD_BITS) - 1);
}

uint32_t workload_choose_prefix(double unix_now, int64_t max_id_in_db)
{
	uint32_t limit = (1u << WL_ID_PREFIX_BITS) - 1;
	double t = (unix_now - ID_EPOCH) / 10.0;
	uint32_t by_time = t < 1 ? 1 : t >= limit ? limit : (uint32_t)t;
	uint32_t by_db = max_id_in_db > 0 ? workload_id_prefix(max_id_in_db) + 1 : 1;
	uint32_t p = by_time > by_db ? by_time : by_db;

	return p > limit ? limit : p;
}

/* ---- isolation ---- */

static const struct {
	const char *name, *sql;
} isolation_names[] = {
	[WL_ISO_SERVER] = { "server", NULL },
	[WL_ISO_SERIALIZABLE] = { "serializable", "SERIALIZABLE" },
	[WL_ISO_REPEATABLE_READ] = { "repeatable-read", "REPEATABLE READ" },
	[WL_ISO_READ_COMMITTED] = { "read-committed", "READ COMMITTED" },
	[WL_ISO_READ_UNCOMMITTED] = { "read-uncommitted", "READ UNCOMMITTED" },
};

int workload_isolation_parse(const char *s, enum wl_isolation *out)
{
	char norm[32];
	size_t n = strlen(s);

	if (!n || n >= sizeof(norm))
		return -1;
	for (size_t i = 0; i <= n; i++) {
		char ch = s[i];
		if (ch == '_' || ch == ' ')
			ch = '-';
		else if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		norm[i] = ch;
	}
	for (size_t i = 0; i < ARRAY_SIZE(isolation_names); i++)
		if (!strcmp(norm, isolation_names[i].name)) {
			*out = (enum wl_isolation)i;
			return 0;
		}
	return -1;
}

const char *workload_isolation_sql(enum wl_isolation i)
{
	return (unsigned)i < ARRAY_SIZE(isolation_names) ? isolation_names[i].sql : NULL;
}
