/*
 * invariants.c — the `invariants` checker: the four business invariants of
 * docs/bank-workload.md, on every node given (or the first reachable one).
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
 * How, without a round trip per customer: it consumes the node's shared
 * scan (scan_checks.c: every table once, in primary key order). The
 * customers (id, credit) and the products are kept in sorted arrays —
 * O(customers + products) memory, the only state kept; credits and
 * purchases are added to their customer's sums as they pass (binary
 * search; a miss is an orphan). While the purchases pass, a second
 * connection streams the items ordered by purchase_id (an index on
 * purchase_item (purchase_id, product_id, quantity, price) serves that
 * without a sort), merged by purchase id, so each purchase's cost and
 * weight are checked as it passes. Both connections read from consistent
 * snapshots taken one after the other: the check expects a quiet cluster
 * (workload stopped).
 */
#include "checker.h"
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

struct inv_node {
	const struct check_ctx *ctx;
	struct anomaly_sink *s;
	char node[300];
	MYSQL *im;              /* the items connection */
	struct row_stream is;   /* items ordered by purchase_id, during the purchase table */
	int item_have, item_rc; /* is holds an unread item; last items_for() result */
	struct cust_sums c;
	struct product_tab pt;
	int64_t tot_customer, tot_credit, tot_cost;
	int64_t n_credit, n_purchase, n_item;
	int col[3];             /* the current table's columns */
	struct table_consumer tc;
};

static int inv_open(void *arg, enum row_table t, const struct row_stream *st)
{
	struct inv_node *n = arg;
	static const char *const cols[TBL_COUNT][3] = {
		[TBL_CUSTOMER] = { "credit" },
		[TBL_CREDIT] = { "customer_id", "amount" },
		[TBL_PURCHASE] = { "customer_id", "cost", "weight" },
		[TBL_PRODUCT] = { "weight" },
	};

	for (int k = 0; k < 3; k++) {
		n->col[k] = -1;
		if (cols[t][k] && (n->col[k] = stream_column(st, 1, cols[t][k])) < 0)
			return -1;
	}
	if (t == TBL_PURCHASE) {
		if (stream_open(&n->is, n->im,
				"SELECT purchase_id, id, product_id, quantity, price FROM purchase_item "
				"ORDER BY purchase_id") < 0)
			return -1;
		n->item_have = 0;
		n->item_rc = 1;
	}
	return 0;
}

static int inv_row(void *arg, enum row_table t, int64_t id, const struct row_stream *cst)
{
	struct inv_node *n = arg;
	struct row_stream *st = (struct row_stream *)cst;
	int64_t a = 0, b = 0, w = 0;
	ssize_t k;

	if (n->col[0] >= 0 && get_i64(st, (unsigned)n->col[0], &a) < 0)
		return -1;
	if (n->col[1] >= 0 && get_i64(st, (unsigned)n->col[1], &b) < 0)
		return -1;
	if (n->col[2] >= 0 && get_i64(st, (unsigned)n->col[2], &w) < 0)
		return -1;
	switch (t) {
	case TBL_PRODUCT: {
		struct product_tab *p = &n->pt;
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 256;
			p->id = xrealloc(p->id, p->cap * sizeof(*p->id));
			p->weight = xrealloc(p->weight, p->cap * sizeof(*p->weight));
		}
		p->id[p->n] = id;
		p->weight[p->n] = a;
		p->n++;
		break;
	}
	case TBL_CUSTOMER: {
		struct cust_sums *c = &n->c;
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 4096;
			c->id = xrealloc(c->id, c->cap * sizeof(*c->id));
			c->credit = xrealloc(c->credit, c->cap * sizeof(*c->credit));
		}
		c->id[c->n] = id;
		c->credit[c->n] = a;
		c->n++;
		n->tot_customer += a;
		if (a < 0)
			sink_add(n->s, "negative-balance", "customer", id, -1, n->node,
				 "credit %" PRId64, a);
		break;
	}
	case TBL_CREDIT:
		n->n_credit++;
		n->tot_credit += b;
		k = find_id(n->c.id, n->c.n, a);
		if (k < 0)
			sink_add(n->s, "orphan-credit", "credit", id, -1, n->node,
				 "customer_id=%" PRId64 " does not exist (amount %" PRId64 ")", a, b);
		else
			n->c.credits[k] += b;
		break;
	case TBL_PURCHASE: {
		struct item_acc acc;
		n->n_purchase++;
		n->tot_cost += b;
		k = find_id(n->c.id, n->c.n, a);
		if (k < 0)
			sink_add(n->s, "orphan-purchase", "purchase", id, -1, n->node,
				 "customer_id=%" PRId64 " does not exist (cost %" PRId64 ")", a, b);
		else
			n->c.costs[k] += b;
		memset(&acc, 0, sizeof(acc));
		if (n->item_rc > 0 || n->item_have)
			n->item_rc = items_for(&n->is, &n->item_have, id, &n->pt, n->node, n->s, &acc,
					       &n->n_item);
		if (n->item_rc < 0)
			return -1;
		if (!acc.n) {
			sink_add(n->s, "empty-purchase", "purchase", id, -1, n->node,
				 "no purchase_item has purchase_id=%" PRId64 " (cost %" PRId64 ")", id, b);
			break;
		}
		if (acc.cost != b)
			sink_add(n->s, "cost-mismatch", "purchase", id, -1, n->node,
				 "cost %" PRId64 " but its %" PRId64 " item%s (first purchase_item:%"
				 PRId64 ") add up to %" PRId64, b, acc.n, acc.n == 1 ? "" : "s",
				 acc.first_item, acc.cost);
		if (acc.weight != w)
			sink_add(n->s, "weight-mismatch", "purchase", id, -1, n->node,
				 "weight %" PRId64 " but its %" PRId64 " item%s (first purchase_item:%"
				 PRId64 ") weigh %" PRId64, w, acc.n, acc.n == 1 ? "" : "s",
				 acc.first_item, acc.weight);
		break;
	}
	default:
		break;
	}
	return 0;
}

static int inv_close(void *arg, enum row_table t)
{
	struct inv_node *n = arg;
	struct item_acc acc;
	int rc = 0;

	if (t == TBL_CUSTOMER) {
		n->c.credits = xcalloc(n->c.n ? n->c.n : 1, sizeof(*n->c.credits));
		n->c.costs = xcalloc(n->c.n ? n->c.n : 1, sizeof(*n->c.costs));
	} else if (t == TBL_PURCHASE) {
		/* Items after the last purchase have no purchase. */
		if (n->item_rc > 0 || n->item_have)
			rc = items_for(&n->is, &n->item_have, INT64_MAX, &n->pt, n->node, n->s, &acc,
				       &n->n_item) < 0 ? -1 : 0;
		stream_close(&n->is);
	}
	return rc;
}

static struct inv_node *inv_node_new(const struct check_ctx *ctx, size_t host, struct anomaly_sink *s)
{
	struct inv_node *n = xcalloc(1, sizeof(*n));

	n->ctx = ctx;
	n->s = s;
	check_node_name(ctx, host, n->node, sizeof(n->node));
	n->im = check_connect(ctx, host, s);
	if (!n->im) {
		free(n);
		return NULL;
	}
	if (check_snapshot(n->im) < 0) {
		sink_unreachable(s, n->node, lab_last_error());
		mysql_close(n->im);
		free(n);
		return NULL;
	}
	n->tc = (struct table_consumer){ .arg = n, .open = inv_open, .row = inv_row, .close = inv_close };
	return n;
}

static struct table_consumer *inv_node_consumer(void *node_state)
{
	struct inv_node *n = node_state;

	return &n->tc;
}

static void inv_node_finish(void *state, void *node_state)
{
	struct inv_node *n = node_state;
	struct cust_sums *c = &n->c;

	(void)state;

	if (!c->credits) /* no customer table seen: nothing to add up */
		return;
	for (size_t k = 0; k < c->n; k++) {
		int64_t want = c->credits[k] - c->costs[k];
		if (c->credit[k] != want)
			sink_add(n->s, "balance-drift", "customer", c->id[k], -1, n->node,
				 "credit %" PRId64 " but credits %" PRId64 " - purchases %" PRId64
				 " = %" PRId64 " (off by %" PRId64 ")", c->credit[k], c->credits[k],
				 c->costs[k], want, c->credit[k] - want);
	}
	if (n->tot_customer != n->tot_credit - n->tot_cost)
		sink_add(n->s, "total-mismatch", "customer", -1, -1, n->node,
			 "sum of customer.credit %" PRId64 " but sum of credit.amount %" PRId64
			 " - sum of purchase.cost %" PRId64 " = %" PRId64 " (off by %" PRId64 ")",
			 n->tot_customer, n->tot_credit, n->tot_cost, n->tot_credit - n->tot_cost,
			 n->tot_customer - (n->tot_credit - n->tot_cost));
	sink_note(n->s, "%s: %zu customers, %" PRId64 " credits, %" PRId64 " purchases, %" PRId64
		  " items, %zu products; totals credit %" PRId64 " = %" PRId64 " - %" PRId64 "%s",
		  n->node, c->n, n->n_credit, n->n_purchase, n->n_item, n->pt.n, n->tot_customer,
		  n->tot_credit, n->tot_cost,
		  n->tot_customer == n->tot_credit - n->tot_cost ? "" : " (MISMATCH)");
}

static void inv_node_free(void *node_state)
{
	struct inv_node *n = node_state;

	if (!n)
		return;
	stream_close(&n->is);
	if (n->im)
		mysql_close(n->im);
	cust_release(&n->c);
	free(n->pt.id);
	free(n->pt.weight);
	free(n);
}

static void *inv_node_make(void *state, const struct check_ctx *ctx, size_t host, const char *node,
			   struct anomaly_sink *s)
{
	(void)state;
	(void)node;
	return inv_node_new(ctx, host, s);
}

/* The audits of the run (the bank's `audit` transactions read every
 * balance and the ledger's sums in one snapshot while the load ran): each
 * snapshot whose totals did not add up was journaled as a "# read-skew"
 * line, and each is a finding here — the ledger was seen broken while the
 * cluster ran, whatever it holds at rest. */
static int inv_begin(const struct check_ctx *ctx, struct anomaly_sink *s, struct check_result *res, void **state)
{
	char line[512];
	FILE *f;
	int64_t skews = 0;

	(void)res;
	*state = NULL;
	if (!ctx->journal_path || !(f = fopen(ctx->journal_path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char num[24];
		int64_t txn;
		if (strncmp(line, "# read-skew ", 12))
			continue;
		line[strcspn(line, "\n")] = '\0';
		lab_strlcpy(num, line + 12, sizeof(num));
		num[strcspn(num, " ")] = '\0';
		if (parse_int64(num, 0, INT64_MAX, &txn) < 0)
			txn = -1;
		skews++;
		sink_add(s, "read-skew", "customer", -1, txn, NULL,
			 "an audit saw the ledger not add up inside one snapshot: %s", line + 12);
	}
	fclose(f);
	if (skews)
		sink_note(s, "journal: %" PRId64 " audit snapshots in which the ledger did not add up", skews);
	return 0;
}

static const struct scan_hooks invariants_scan = {
	.needs_lock = true,
	.begin = inv_begin,
	.node_new = inv_node_make,
	.consumer = inv_node_consumer,
	.node_done = inv_node_finish,
	.node_free = inv_node_free,
};

const struct checker_ops checker_invariants = {
	.name = "invariants",
	.help = "the ledger reconciles: totals, every customer's balance, no orphans, "
		"every purchase's cost and weight",
	.expect_default = "pass",
	.workloads = checker_bank_only,
	.scan = &invariants_scan,
};
