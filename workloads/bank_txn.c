/*
 * bank_txn.c — the bodies of the five bank transactions (docs/bank-workload.md), run by
 * a client thread between its first statement and COMMIT, and the
 * lock-free pool of customer ids they pick from.
 *
 * Every transaction that touches a customer's rows first writes (or, for
 * delete_customer, locks) that customer's row. That one rule is what keeps
 * the ledger whole under concurrency: on one node the row lock serializes
 * them; across Galera nodes the customer row is in both write sets, so
 * certification lets only one of two conflicting transactions commit.
 *
 * Balances are changed in one of two styles (--update-style):
 *   relative           UPDATE customer SET credit = credit + D WHERE id = X
 *                      [AND credit >= -D]   (one statement, safe anywhere)
 *   read_modify_write  SELECT credit ... [FOR UPDATE], then UPDATE ... SET
 *                      credit = <absolute value>. Without FOR UPDATE two
 *                      transactions can both read the old balance and one
 *                      update is lost: the ledger no longer adds up (what
 *                      Jepsen showed for Galera); lab can reproduce that.
 * Transfers change the two balances in id order, so two opposite transfers
 * do not deadlock on one node.
 *
 * Every row id comes from the client's own sequence (workload.h), taken
 * when the transaction is planned, so the journal lists them even if the
 * transaction fails half way. Each body adds its rows to c->rec and
 * returns BODY_READY, BODY_ERROR (c->err = the server's errno) or
 * BODY_REFUSED (c->err = 1644 not enough credit, 1032 customer gone).
 */
#include "wl_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ERR_NO_CUSTOMER 1032u /* ER_KEY_NOT_FOUND */
#define ERR_NO_CREDIT 1644u   /* ER_SIGNAL_EXCEPTION */
#define ERR_CHANGED 1020u     /* ER_CHECKREAD */
#define ERR_LOST 2013u        /* CR_SERVER_LOST: no errno from the library */

/* ---- customer pool ---- */

int64_t pool_pick(struct wl_pool *p, struct lab_rng *rng, size_t *index)
{
	size_t start;

	if (!p->n)
		return 0;
	for (int i = 0; i < 8; i++) {
		size_t k = (size_t)rng_range(rng, 0, (int64_t)p->n - 1);
		int64_t id = atomic_load_explicit(&p->slot[k], memory_order_relaxed);
		if (id) {
			*index = k;
			return id;
		}
	}
	start = (size_t)rng_range(rng, 0, (int64_t)p->n - 1);
	for (size_t i = 0; i < p->n; i++) {
		size_t k = (start + i) % p->n;
		int64_t id = atomic_load_explicit(&p->slot[k], memory_order_relaxed);
		if (id) {
			*index = k;
			return id;
		}
	}
	return 0;
}

void pool_add(struct wl_pool *p, struct lab_rng *rng, int64_t id)
{
	size_t start;

	if (!p->n)
		return;
	start = (size_t)rng_range(rng, 0, (int64_t)p->n - 1);
	for (size_t i = 0; i < p->n; i++) {
		int64_t expect = 0;
		if (atomic_compare_exchange_strong(&p->slot[(start + i) % p->n], &expect, id))
			return;
	}
	/* Full: the customer exists but is not picked; harmless. */
}

void pool_remove(struct wl_pool *p, size_t index, int64_t id)
{
	int64_t expect = id;

	if (index < p->n)
		atomic_compare_exchange_strong(&p->slot[index], &expect, 0);
}

/* ---- statements ---- */

int64_t wl_next_id(struct wl_client *c)
{
	if (c->counter >= (1u << WL_ID_COUNTER_BITS) - 1)
		return 0;
	return workload_id(c->w->prefix, c->thread, ++c->counter);
}

static void sql(struct wl_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql(struct wl_client *c, const char *fmt, ...)
{
	va_list ap;

	sb_reset(&c->sql);
	va_start(ap, fmt);
	sb_vprintf(&c->sql, fmt, ap);
	va_end(ap);
}

/* Run c->sql; -1 with c->err set. */
static int run(struct wl_client *c)
{
	if (mysql_real_query(c->db, c->sql.buf, c->sql.len)) {
		c->err = mysql_errno(c->db);
		if (!c->err)
			c->err = ERR_LOST;
		return -1;
	}
	return 0;
}

/* Run c->sql, a SELECT; *res is the stored result (free it). */
static int run_select(struct wl_client *c, MYSQL_RES **res)
{
	if (run(c) < 0)
		return -1;
	*res = mysql_store_result(c->db);
	if (!*res) {
		c->err = mysql_errno(c->db);
		if (!c->err)
			c->err = ERR_LOST;
		return -1;
	}
	return 0;
}

/* Rows an UPDATE matched (not only changed): mysql_info() says
 * "Rows matched: N  Changed: M  Warnings: W". */
static int64_t rows_matched(MYSQL *db)
{
	const char *info = mysql_info(db);
	int64_t n = (int64_t)mysql_affected_rows(db);

	if (info && !strncmp(info, "Rows matched: ", 14))
		n = strtoll(info + 14, NULL, 10);
	return n;
}

/* 1 the customer row exists, 0 not, -1 error. */
static int customer_exists(struct wl_client *c, int64_t cust)
{
	MYSQL_RES *res;
	int found;

	sql(c, "SELECT 1 FROM customer WHERE id = %" PRId64, cust);
	if (run_select(c, &res) < 0)
		return -1;
	found = mysql_num_rows(res) > 0;
	mysql_free_result(res);
	return found;
}

/* Add delta to a customer's credit; with check_funds the result may not go
 * below 0. The customer's pool slot is emptied when it turns out gone. */
static enum body_result adjust_credit(struct wl_client *c, int64_t cust, size_t slot, int64_t delta,
				      bool check_funds)
{
	const struct workload_opts *o = &c->w->opts;

	if (o->update_style == UPDATE_RELATIVE) {
		if (check_funds && delta < 0)
			sql(c, "UPDATE customer SET credit = credit - %" PRId64 " WHERE id = %" PRId64
			       " AND credit >= %" PRId64, -delta, cust, -delta);
		else
			sql(c, "UPDATE customer SET credit = credit + %" PRId64 " WHERE id = %" PRId64,
			    delta, cust);
		if (run(c) < 0)
			return BODY_ERROR;
		if (mysql_affected_rows(c->db) > 0)
			return BODY_READY;
		/* Nothing changed: no such customer, or not enough credit. */
		switch (customer_exists(c, cust)) {
		case -1: return BODY_ERROR;
		case 1: c->err = ERR_NO_CREDIT; return BODY_REFUSED;
		default: break;
		}
	} else {
		MYSQL_RES *res;
		MYSQL_ROW row;
		int64_t balance = 0;
		bool found;

		sql(c, "SELECT credit FROM customer WHERE id = %" PRId64 "%s", cust,
		    o->lock == LOCK_FOR_UPDATE ? " FOR UPDATE" : "");
		if (run_select(c, &res) < 0)
			return BODY_ERROR;
		row = mysql_fetch_row(res);
		found = row && row[0];
		if (found)
			balance = strtoll(row[0], NULL, 10);
		mysql_free_result(res);
		if (found) {
			if (check_funds && balance + delta < 0) {
				c->err = ERR_NO_CREDIT;
				return BODY_REFUSED;
			}
			sql(c, "UPDATE customer SET credit = %" PRId64 " WHERE id = %" PRId64,
			    balance + delta, cust);
			if (run(c) < 0)
				return BODY_ERROR;
			if (rows_matched(c->db) > 0)
				return BODY_READY;
		}
	}
	pool_remove(&c->w->pool, slot, cust);
	c->err = ERR_NO_CUSTOMER;
	return BODY_REFUSED;
}

static enum body_result body_credit(struct wl_client *c, int64_t cust, size_t slot)
{
	int64_t amount = rng_range(&c->rng, 1, 1000);
	int64_t id = wl_next_id(c);
	enum body_result r;

	txn_add_row(&c->rec, ROW_INSERT, TBL_CREDIT, id, id);
	txn_add_row(&c->rec, ROW_UPDATE, TBL_CUSTOMER, cust, cust);
	if ((r = adjust_credit(c, cust, slot, amount, false)) != BODY_READY)
		return r;
	sql(c, "INSERT INTO credit (id, customer_id, amount) VALUES (%" PRId64 ",%" PRId64 ",%" PRId64 ")",
	    id, cust, amount);
	return run(c) < 0 ? BODY_ERROR : BODY_READY;
}

static enum body_result body_purchase(struct wl_client *c, int64_t cust, size_t slot)
{
	struct workload *w = c->w;
	int n = (int)rng_range(&c->rng, 1, 5);
	int64_t product[5], quantity[5], cost = 0, weight = 0;
	int64_t pid = wl_next_id(c), first_item = 0;
	enum body_result r;

	for (int i = 0; i < n; i++) {
		product[i] = (int64_t)rng_range(&c->rng, 0, (int64_t)w->n_products - 1);
		quantity[i] = rng_range(&c->rng, 1, 3);
		cost += quantity[i] * w->products[product[i]].price;
		weight += quantity[i] * w->products[product[i]].weight;
	}
	for (int i = 0; i < n; i++) {
		int64_t id = wl_next_id(c);
		if (!i)
			first_item = id;
	}
	txn_add_row(&c->rec, ROW_INSERT, TBL_PURCHASE, pid, pid);
	txn_add_row(&c->rec, ROW_INSERT, TBL_PURCHASE_ITEM, first_item, first_item + n - 1);
	txn_add_row(&c->rec, ROW_UPDATE, TBL_CUSTOMER, cust, cust);
	if ((r = adjust_credit(c, cust, slot, -cost, true)) != BODY_READY)
		return r;
	sql(c, "INSERT INTO purchase (id, customer_id, cost, weight) VALUES (%" PRId64 ",%" PRId64
	       ",%" PRId64 ",%" PRId64 ")", pid, cust, cost, weight);
	if (run(c) < 0)
		return BODY_ERROR;
	sql(c, "INSERT INTO purchase_item (id, purchase_id, product_id, quantity, price) VALUES ");
	for (int i = 0; i < n; i++) {
		const struct wl_product *p = &w->products[product[i]];
		sb_printf(&c->sql, "%s(%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ")",
			  i ? "," : "", first_item + i, pid, p->id, quantity[i], p->price);
	}
	return run(c) < 0 ? BODY_ERROR : BODY_READY;
}

static enum body_result body_transfer(struct wl_client *c, int64_t from, size_t from_slot, int64_t to,
				      size_t to_slot)
{
	int64_t amount = rng_range(&c->rng, 1, 500);
	int64_t id = wl_next_id(c);
	enum body_result r;

	wl_next_id(c); /* id + 1: the positive row */
	txn_add_row(&c->rec, ROW_INSERT, TBL_CREDIT, id, id + 1);
	txn_add_row(&c->rec, ROW_UPDATE, TBL_CUSTOMER, from, from);
	txn_add_row(&c->rec, ROW_UPDATE, TBL_CUSTOMER, to, to);
	if (from < to) {
		if ((r = adjust_credit(c, from, from_slot, -amount, true)) != BODY_READY ||
		    (r = adjust_credit(c, to, to_slot, amount, false)) != BODY_READY)
			return r;
	} else {
		if ((r = adjust_credit(c, to, to_slot, amount, false)) != BODY_READY ||
		    (r = adjust_credit(c, from, from_slot, -amount, true)) != BODY_READY)
			return r;
	}
	sql(c, "INSERT INTO credit (id, customer_id, amount) VALUES (%" PRId64 ",%" PRId64 ",%" PRId64
	       "),(%" PRId64 ",%" PRId64 ",%" PRId64 ")", id, from, -amount, id + 1, to, amount);
	return run(c) < 0 ? BODY_ERROR : BODY_READY;
}

static enum body_result body_new_customer(struct wl_client *c)
{
	int64_t cust = wl_next_id(c), cred = wl_next_id(c);
	int64_t amount = rng_range(&c->rng, 1000, 10000);

	txn_add_row(&c->rec, ROW_INSERT, TBL_CUSTOMER, cust, cust);
	txn_add_row(&c->rec, ROW_INSERT, TBL_CREDIT, cred, cred);
	c->txn_customer = cust;
	sql(c, "INSERT INTO customer (id, name, credit, address) VALUES (%" PRId64 ",'c%u-%u',%" PRId64
	       ",'street %" PRId64 "')", cust, c->thread, c->counter, amount, rng_range(&c->rng, 1, 9999));
	if (run(c) < 0)
		return BODY_ERROR;
	sql(c, "INSERT INTO credit (id, customer_id, amount) VALUES (%" PRId64 ",%" PRId64 ",%" PRId64 ")",
	    cred, cust, amount);
	return run(c) < 0 ? BODY_ERROR : BODY_READY;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Journal the ids as sorted ranges of consecutive ids. */
static void add_id_ranges(struct txn_record *rec, char op, enum row_table t, int64_t *ids, size_t n)
{
	size_t i = 0;

	if (!n)
		return;
	qsort(ids, n, sizeof(*ids), cmp_i64);
	while (i < n) {
		size_t j = i;
		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		txn_add_row(rec, op, t, ids[i], ids[j]);
		i = j + 1;
	}
}

/* Delete statement whose affected row count must be `want`. */
static enum body_result delete_exactly(struct wl_client *c, uint64_t want)
{
	if (run(c) < 0)
		return BODY_ERROR;
	if (mysql_affected_rows(c->db) != want) {
		c->err = ERR_CHANGED; /* rows changed between our read and our delete */
		return BODY_ERROR;
	}
	return BODY_READY;
}

static enum body_result body_delete_customer(struct wl_client *c, int64_t cust, size_t slot)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	int64_t *ids[3] = { NULL, NULL, NULL };
	size_t n[3] = { 0, 0, 0 }, cap[3] = { 0, 0, 0 };
	static const enum row_table tables[3] = { TBL_CREDIT, TBL_PURCHASE, TBL_PURCHASE_ITEM };
	enum body_result r = BODY_ERROR;

	c->txn_customer = cust;
	/* Lock the customer first: whoever else writes its rows must update
	 * this row before, so after the lock the set of its rows is fixed. */
	sql(c, "SELECT id FROM customer WHERE id = %" PRId64 " FOR UPDATE", cust);
	if (run_select(c, &res) < 0) {
		txn_add_row(&c->rec, ROW_DELETE, TBL_CUSTOMER, cust, cust);
		return BODY_ERROR;
	}
	row = mysql_fetch_row(res);
	mysql_free_result(res);
	if (!row) {
		txn_add_row(&c->rec, ROW_DELETE, TBL_CUSTOMER, cust, cust);
		pool_remove(&c->w->pool, slot, cust);
		c->err = ERR_NO_CUSTOMER;
		return BODY_REFUSED;
	}
	sql(c, "SELECT 0, id FROM credit WHERE customer_id = %" PRId64
	       " UNION ALL SELECT 1, id FROM purchase WHERE customer_id = %" PRId64
	       " UNION ALL SELECT 2, i.id FROM purchase_item i JOIN purchase p ON p.id = i.purchase_id"
	       " WHERE p.customer_id = %" PRId64, cust, cust, cust);
	if (run_select(c, &res) < 0) {
		txn_add_row(&c->rec, ROW_DELETE, TBL_CUSTOMER, cust, cust);
		return BODY_ERROR;
	}
	while ((row = mysql_fetch_row(res))) {
		int t = row[0] ? (int)(row[0][0] - '0') : -1;
		if (t < 0 || t > 2 || !row[1])
			continue;
		if (n[t] == cap[t]) {
			cap[t] = cap[t] ? cap[t] * 2 : 16;
			ids[t] = xrealloc(ids[t], cap[t] * sizeof(int64_t));
		}
		ids[t][n[t]++] = strtoll(row[1], NULL, 10);
	}
	mysql_free_result(res);
	txn_add_row(&c->rec, ROW_DELETE, TBL_CUSTOMER, cust, cust);
	for (int t = 0; t < 3; t++)
		add_id_ranges(&c->rec, ROW_DELETE, tables[t], ids[t], n[t]);

	if (n[2]) {
		sql(c, "DELETE i FROM purchase_item i JOIN purchase p ON p.id = i.purchase_id"
		       " WHERE p.customer_id = %" PRId64, cust);
		if (delete_exactly(c, n[2]) != BODY_READY)
			goto out;
	}
	if (n[1]) {
		sql(c, "DELETE FROM purchase WHERE customer_id = %" PRId64, cust);
		if (delete_exactly(c, n[1]) != BODY_READY)
			goto out;
	}
	if (n[0]) {
		sql(c, "DELETE FROM credit WHERE customer_id = %" PRId64, cust);
		if (delete_exactly(c, n[0]) != BODY_READY)
			goto out;
	}
	sql(c, "DELETE FROM customer WHERE id = %" PRId64, cust);
	r = delete_exactly(c, 1);
out:
	for (int t = 0; t < 3; t++)
		free(ids[t]);
	return r;
}

/* One statement, so one read view at any isolation level: the sums and the
 * negative balances. c->audit_skew when they do not add up (journal.h). */
static enum body_result body_audit(struct wl_client *c)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	int64_t v[4] = { 0, 0, 0, 0 };

	c->audit_skew = false;
	sql(c, "SELECT (SELECT COALESCE(SUM(credit),0) FROM customer),"
	       " (SELECT COALESCE(SUM(amount),0) FROM credit),"
	       " (SELECT COALESCE(SUM(cost),0) FROM purchase),"
	       " (SELECT COUNT(*) FROM customer WHERE credit < 0)");
	if (run_select(c, &res) < 0)
		return BODY_ERROR;
	row = mysql_fetch_row(res);
	for (int i = 0; row && i < 4; i++)
		if (!row[i] || parse_int64(row[i], INT64_MIN, INT64_MAX, &v[i]) < 0)
			row = NULL;
	mysql_free_result(res);
	if (!row) {
		c->err = ERR_CHANGED;
		return BODY_ERROR;
	}
	c->audit_customer = v[0];
	c->audit_ledger = v[1] - v[2];
	c->audit_negative = v[3];
	c->audit_skew = c->audit_customer != c->audit_ledger || c->audit_negative != 0;
	return BODY_READY;
}

enum body_result bank_body(struct wl_client *c)
{
	struct workload *w = c->w;
	int64_t cust = 0, other = 0;
	size_t slot = 0, other_slot = 0;

	c->txn_customer = 0;
	c->pool_index = 0;
	if (c->kind == TXN_AUDIT)
		return body_audit(c);
	if (c->kind != TXN_NEW_CUSTOMER) {
		cust = pool_pick(&w->pool, &c->rng, &slot);
		if (cust && c->kind == TXN_TRANSFER) {
			for (int i = 0; i < 8 && (!other || other == cust); i++)
				other = pool_pick(&w->pool, &c->rng, &other_slot);
			if (!other || other == cust)
				c->kind = TXN_CREDIT; /* fewer than two customers left */
		}
		if (!cust)
			c->kind = TXN_NEW_CUSTOMER; /* nobody left to pick */
		c->rec.kind = c->kind;
	}
	c->pool_index = slot;
	switch (c->kind) {
	case TXN_CREDIT: return body_credit(c, cust, slot);
	case TXN_PURCHASE: return body_purchase(c, cust, slot);
	case TXN_TRANSFER: return body_transfer(c, cust, slot, other, other_slot);
	case TXN_NEW_CUSTOMER: return body_new_customer(c);
	case TXN_DELETE_CUSTOMER: return body_delete_customer(c, cust, slot);
	default: break;
	}
	c->err = ERR_CHANGED;
	return BODY_ERROR;
}

void bank_after_commit(struct wl_client *c)
{
	if (c->kind == TXN_AUDIT) {
		atomic_fetch_add_explicit(&c->stats->audits, 1, memory_order_relaxed);
		if (c->audit_skew)
			atomic_fetch_add_explicit(&c->stats->read_skew, 1, memory_order_relaxed);
	} else if (c->kind == TXN_NEW_CUSTOMER && c->txn_customer)
		pool_add(&c->w->pool, &c->rng, c->txn_customer);
	else if (c->kind == TXN_DELETE_CUSTOMER && c->txn_customer)
		pool_remove(&c->w->pool, c->pool_index, c->txn_customer);
}

/* ---- the bank's table of operations ---- */

int bank_begin(struct wl_client *c)
{
	struct workload *w = c->w;

	txn_record_reset(&c->rec);
	c->kind = workload_mix_pick(&w->opts.mix, (int)rng_range(&c->rng, 0, w->mix_total - 1));
	c->rec.kind = c->kind;
	c->rec.txn = c->txn_id;
	return 0;
}

void bank_journal(struct wl_client *c)
{
	lab_strlcpy(c->rec.node, c->node, sizeof(c->rec.node));
	c->rec.start_ns = c->start_ns;
	c->rec.end_ns = c->end_ns;
	c->rec.outcome = c->outcome;
	c->rec.err = c->outcome == TXN_OK ? 0 : c->err;
	if (c->kind == TXN_AUDIT && c->outcome == TXN_OK && c->audit_skew) {
		char line[192];
		int n = snprintf(line, sizeof(line), "# read-skew %" PRId64 " customer=%" PRId64
				 " ledger=%" PRId64 " diff=%" PRId64 " negative=%" PRId64 "\n",
				 c->txn_id, c->audit_customer, c->audit_ledger,
				 c->audit_customer - c->audit_ledger, c->audit_negative);
		if (n > 0 && (size_t)n < sizeof(line))
			journal_append_line(c->w->journal, line, (size_t)n);
	}
	journal_append(c->w->journal, &c->rec);
}

static int bank_check_opts(const struct workload_opts *o)
{
	if (o->customers < 2 || o->customers > 10000000)
		return lab_error("workload: customers %" PRId64 " out of range 2..10000000", o->customers), -1;
	if (o->products < 1 || o->products > 1000000)
		return lab_error("workload: products %" PRId64 " out of range 1..1000000", o->products), -1;
	if (workload_mix_total(&o->mix) <= 0 || o->mix.credit < 0 || o->mix.purchase < 0 ||
	    o->mix.transfer < 0 || o->mix.new_customer < 0 || o->mix.delete_customer < 0 ||
	    o->mix.audit < 0)
		return lab_error("workload: the mix weights must be >= 0 and add up to more than 0"), -1;
	return 0;
}

static void bank_journal_header(const struct workload_opts *o, struct strbuf *sb)
{
	/* The bank's header names no workload (journal.h). */
	sb_printf(sb, "# lab-journal 1 seed=%" PRIu64 " started=%.3f\n", o->seed, wall_seconds());
}

static const char *bank_kind_name(int kind)
{
	return txn_kind_name((enum txn_kind)kind);
}

static void bank_release(struct workload *w)
{
	free(w->products);
	w->products = NULL;
	free(w->pool.slot);
	w->pool.slot = NULL;
}

const struct workload_ops bank_ops = {
	.name = "bank",
	.host_per_txn = false,
	.first_kind = TXN_CREDIT,
	.n_kinds = TXN_KIND_COUNT,
	.kind_name = bank_kind_name,
	.check_opts = bank_check_opts,
	.journal_header = bank_journal_header,
	.setup = bank_setup,
	.begin = bank_begin,
	.body = bank_body,
	.journal = bank_journal,
	.after_commit = bank_after_commit,
	.release = bank_release,
};
