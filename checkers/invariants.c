/*
 * invariants.c — the `invariants` checker: the four business invariants of
 * DESIGN.md, on every node given (or the first reachable one).
 *
 *   1. Σ customer.credit = Σ credit.amount − Σ purchase.cost     total-mismatch
 *   2. per customer: credit = its Σ amount − its Σ cost         balance-drift
 *      and credit ≥ 0                                           negative-balance
 *   3. no orphans: credit / purchase without its customer       orphan-credit, orphan-purchase
 *      item without its purchase / product                      orphan-item, orphan-item-product
 *   4. purchase.cost = Σ quantity × price                       cost-mismatch
 *      purchase.weight = Σ quantity × product.weight            weight-mismatch
 *      every purchase has an item                               empty-purchase
 *
 * How, without a round trip per customer: the customers (id, credit) and the
 * products are read into sorted arrays — O(customers + products) memory, the
 * only state kept; credits and purchases are streamed in primary-key order
 * and added to their customer's sums (binary search; a miss is an orphan);
 * purchases and their items are two streams merged by purchase id (items
 * ordered by purchase_id only, so that an index on purchase_item
 * (purchase_id, product_id, quantity, price) serves it without a sort), so
 * each purchase's cost and weight are checked as it passes. Both connections read from consistent snapshots taken one
 * after the other: the check expects a quiet cluster (workload stopped).
 */
#include "checkutil.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct cust_sums {
	int64_t *id;      /* sorted */
	int64_t *credit;  /* customer.credit */
	int64_t *credits; /* Σ credit.amount */
	int64_t *costs;   /* Σ purchase.cost */
	size_t n, cap;
};

struct product_tab {
	int64_t *id, *weight; /* sorted by id */
	size_t n, cap;
};

static void cust_release(struct cust_sums *c)
{
	free(c->id);
	free(c->credit);
	free(c->credits);
	free(c->costs);
	memset(c, 0, sizeof(*c));
}

static ssize_t find_id(const int64_t *ids, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo] == id ? (ssize_t)lo : -1;
}

/* A field that must be an integer; a NULL or junk value is itself an
 * anomaly of the schema, reported as a stream error. */
static int get_i64(struct row_stream *st, unsigned col, int64_t *v)
{
	if (field_i64(st->row[col], v) < 0) {
		lab_error_quiet("unexpected value '%s' in column %u of: %.120s",
				st->row[col] ? st->row[col] : "NULL", col + 1, st->sql);
		return -1;
	}
	return 0;
}

static int load_products(MYSQL *m, struct product_tab *p)
{
	struct row_stream st;
	int r;

	if (stream_open(&st, m, "SELECT id, weight FROM product ORDER BY id") < 0)
		return -1;
	while ((r = stream_next(&st)) == 1) {
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 256;
			p->id = xrealloc(p->id, p->cap * sizeof(*p->id));
			p->weight = xrealloc(p->weight, p->cap * sizeof(*p->weight));
		}
		if (get_i64(&st, 0, &p->id[p->n]) < 0 || get_i64(&st, 1, &p->weight[p->n]) < 0) {
			r = -1;
			break;
		}
		p->n++;
	}
	stream_close(&st);
	return r;
}

static int load_customers(MYSQL *m, struct cust_sums *c, const char *node,
			  struct anomaly_sink *s, int64_t *total)
{
	struct row_stream st;
	int r;

	if (stream_open(&st, m, "SELECT id, credit FROM customer ORDER BY id") < 0)
		return -1;
	while ((r = stream_next(&st)) == 1) {
		int64_t id, credit;
		if (get_i64(&st, 0, &id) < 0 || get_i64(&st, 1, &credit) < 0) {
			r = -1;
			break;
		}
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 4096;
			c->id = xrealloc(c->id, c->cap * sizeof(*c->id));
			c->credit = xrealloc(c->credit, c->cap * sizeof(*c->credit));
		}
		c->id[c->n] = id;
		c->credit[c->n] = credit;
		c->n++;
		*total += credit;
		if (credit < 0)
			sink_add(s, "negative-balance", "customer", id, -1, node, "credit %" PRId64,
				 credit);
	}
	stream_close(&st);
	if (r < 0)
		return -1;
	c->credits = xcalloc(c->n ? c->n : 1, sizeof(*c->credits));
	c->costs = xcalloc(c->n ? c->n : 1, sizeof(*c->costs));
	return 0;
}

static int scan_credits(MYSQL *m, struct cust_sums *c, const char *node, struct anomaly_sink *s,
			int64_t *total, int64_t *rows)
{
	struct row_stream st;
	int r;

	if (stream_open(&st, m, "SELECT id, customer_id, amount FROM credit ORDER BY id") < 0)
		return -1;
	while ((r = stream_next(&st)) == 1) {
		int64_t id, cust, amount;
		ssize_t k;
		if (get_i64(&st, 0, &id) < 0 || get_i64(&st, 1, &cust) < 0 ||
		    get_i64(&st, 2, &amount) < 0) {
			r = -1;
			break;
		}
		(*rows)++;
		*total += amount;
		k = find_id(c->id, c->n, cust);
		if (k < 0)
			sink_add(s, "orphan-credit", "credit", id, -1, node,
				 "customer_id=%" PRId64 " does not exist (amount %" PRId64 ")", cust,
				 amount);
		else
			c->credits[k] += amount;
	}
	stream_close(&st);
	return r;
}

/* Items of one purchase, gathered from the item stream as it passes. */
struct item_acc {
	int64_t cost, weight, n;
	int64_t first_item;
};

/* Advance the item stream past every item with purchase_id < pid (orphans:
 * their purchase was passed or never existed) and add up those with
 * purchase_id == pid. *have says whether st->row holds an unread item. */
static int items_for(struct row_stream *st, int *have, int64_t pid, const struct product_tab *pt,
		     const char *node, struct anomaly_sink *s, struct item_acc *acc, int64_t *rows)
{
	memset(acc, 0, sizeof(*acc));
	acc->first_item = -1;
	for (;;) {
		int64_t ipid, iid, prod, qty, price;
		ssize_t k;

		if (!*have) {
			int r = stream_next(st);
			if (r <= 0)
				return r;
			*have = 1;
			(*rows)++;
		}
		if (get_i64(st, 0, &ipid) < 0)
			return -1;
		if (pid != INT64_MAX && ipid > pid)
			return 1;
		if (get_i64(st, 1, &iid) < 0 || get_i64(st, 2, &prod) < 0 ||
		    get_i64(st, 3, &qty) < 0 || get_i64(st, 4, &price) < 0)
			return -1;
		*have = 0;
		k = find_id(pt->id, pt->n, prod);
		if (k < 0)
			sink_add(s, "orphan-item-product", "purchase_item", iid, -1, node,
				 "product_id=%" PRId64 " does not exist (purchase_id=%" PRId64 ")",
				 prod, ipid);
		if (ipid < pid) {
			sink_add(s, "orphan-item", "purchase_item", iid, -1, node,
				 "purchase_id=%" PRId64 " does not exist", ipid);
			continue;
		}
		acc->cost += qty * price;
		if (k >= 0)
			acc->weight += qty * pt->weight[k];
		if (acc->first_item < 0 || iid < acc->first_item)
			acc->first_item = iid;
		acc->n++;
	}
}

static int scan_purchases(MYSQL *pm, MYSQL *im, struct cust_sums *c, const struct product_tab *pt,
			  const char *node, struct anomaly_sink *s, int64_t *total,
			  int64_t *prow, int64_t *irows)
{
	struct row_stream ps, is;
	int r, have = 0, ir = 1;
	struct item_acc acc;

	if (stream_open(&ps, pm, "SELECT id, customer_id, cost, weight FROM purchase ORDER BY id") < 0)
		return -1;
	if (stream_open(&is, im,
			"SELECT purchase_id, id, product_id, quantity, price FROM purchase_item "
			"ORDER BY purchase_id") < 0) {
		stream_close(&ps);
		return -1;
	}
	while ((r = stream_next(&ps)) == 1) {
		int64_t id, cust, cost, weight;
		ssize_t k;

		if (get_i64(&ps, 0, &id) < 0 || get_i64(&ps, 1, &cust) < 0 ||
		    get_i64(&ps, 2, &cost) < 0 || get_i64(&ps, 3, &weight) < 0) {
			r = -1;
			break;
		}
		(*prow)++;
		*total += cost;
		k = find_id(c->id, c->n, cust);
		if (k < 0)
			sink_add(s, "orphan-purchase", "purchase", id, -1, node,
				 "customer_id=%" PRId64 " does not exist (cost %" PRId64 ")", cust,
				 cost);
		else
			c->costs[k] += cost;
		if (ir > 0 || have)
			ir = items_for(&is, &have, id, pt, node, s, &acc, irows);
		else
			memset(&acc, 0, sizeof(acc));
		if (ir < 0) {
			r = -1;
			break;
		}
		if (!acc.n) {
			sink_add(s, "empty-purchase", "purchase", id, -1, node,
				 "no purchase_item has purchase_id=%" PRId64 " (cost %" PRId64 ")", id,
				 cost);
			continue;
		}
		if (acc.cost != cost)
			sink_add(s, "cost-mismatch", "purchase", id, -1, node,
				 "cost %" PRId64 " but its %" PRId64 " item%s (first purchase_item:%"
				 PRId64 ") add up to %" PRId64, cost, acc.n, acc.n == 1 ? "" : "s",
				 acc.first_item, acc.cost);
		if (acc.weight != weight)
			sink_add(s, "weight-mismatch", "purchase", id, -1, node,
				 "weight %" PRId64 " but its %" PRId64 " item%s (first purchase_item:%"
				 PRId64 ") weigh %" PRId64, weight, acc.n, acc.n == 1 ? "" : "s",
				 acc.first_item, acc.weight);
	}
	/* Items after the last purchase have no purchase. */
	if (r == 0 && (ir > 0 || have))
		ir = items_for(&is, &have, INT64_MAX, pt, node, s, &acc, irows), r = ir < 0 ? -1 : 0;
	stream_close(&ps);
	stream_close(&is);
	return r;
}

static int check_node(const struct check_ctx *ctx, size_t i, struct anomaly_sink *s)
{
	char node[300];
	MYSQL *m = NULL, *m2 = NULL;
	struct cust_sums c = { 0 };
	struct product_tab pt = { 0 };
	int64_t tot_customer = 0, tot_credit = 0, tot_cost = 0;
	int64_t n_credit = 0, n_purchase = 0, n_item = 0, drift = 0;
	int rc = -1;

	check_node_name(ctx, i, node, sizeof(node));
	m = check_connect(ctx, i, s);
	if (!m)
		return 1; /* reported as unreachable */
	m2 = check_connect(ctx, i, s);
	if (!m2)
		goto out_unreachable;
	if (check_snapshot(m) < 0 || check_snapshot(m2) < 0 || load_products(m, &pt) < 0 ||
	    load_customers(m, &c, node, s, &tot_customer) < 0 ||
	    scan_credits(m, &c, node, s, &tot_credit, &n_credit) < 0 ||
	    scan_purchases(m, m2, &c, &pt, node, s, &tot_cost, &n_purchase, &n_item) < 0)
		goto out_broken;

	for (size_t k = 0; k < c.n; k++) {
		int64_t want = c.credits[k] - c.costs[k];
		if (c.credit[k] != want) {
			drift++;
			sink_add(s, "balance-drift", "customer", c.id[k], -1, node,
				 "credit %" PRId64 " but credits %" PRId64 " - purchases %" PRId64
				 " = %" PRId64 " (off by %" PRId64 ")", c.credit[k], c.credits[k],
				 c.costs[k], want, c.credit[k] - want);
		}
	}
	if (tot_customer != tot_credit - tot_cost)
		sink_add(s, "total-mismatch", "customer", -1, -1, node,
			 "sum of customer.credit %" PRId64 " but sum of credit.amount %" PRId64
			 " - sum of purchase.cost %" PRId64 " = %" PRId64 " (off by %" PRId64 ")",
			 tot_customer, tot_credit, tot_cost, tot_credit - tot_cost,
			 tot_customer - (tot_credit - tot_cost));
	sink_note(s, "%s: %zu customers, %" PRId64 " credits, %" PRId64 " purchases, %" PRId64
		  " items, %zu products; totals credit %" PRId64 " = %" PRId64 " - %" PRId64 "%s",
		  node, c.n, n_credit, n_purchase, n_item, pt.n, tot_customer, tot_credit, tot_cost,
		  tot_customer == tot_credit - tot_cost ? "" : " (MISMATCH)");
	rc = 0;
	goto out;
out_broken:
	sink_unreachable(s, node, lab_last_error());
out_unreachable:
	rc = 1;
out:
	if (m)
		mysql_close(m);
	if (m2)
		mysql_close(m2);
	cust_release(&c);
	free(pt.id);
	free(pt.weight);
	return rc;
}

static int invariants_run(const struct check_ctx *ctx, struct check_result *res)
{
	struct anomaly_sink *s = sink_new(ctx, "invariants");
	size_t checked = 0;
	int rc;

	for (size_t i = 0; i < ctx->n_hosts; i++) {
		if (check_node(ctx, i, s) == 0) {
			checked++;
			if (ctx->first_reachable)
				break;
		}
	}
	rc = sink_finish(s, checked ? 0 : -1, res);
	sink_free(s);
	return rc;
}

const struct checker_ops checker_invariants = {
	.name = "invariants",
	.help = "the ledger reconciles: totals, every customer's balance, no orphans, "
		"every purchase's cost and weight",
	.run = invariants_run,
};
