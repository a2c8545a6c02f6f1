/*
 * expect.c — the journal's expectations per table and their merge with a
 * node's ordered ids (the rules are in expect.h). Memory is the journal's
 * claims (a load range is one claim however many rows it names) plus one
 * small record per transaction; the tables themselves are only streamed.
 */
#include "expect.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum row_verdict classify_row(const struct row_claims *c, bool present)
{
	if (!c->ins_ok && !c->ins_unknown && !c->ins_failed)
		return present ? RV_PHANTOM : RV_OK;
	if (present) {
		if (c->del_ok)
			return RV_LOST_DELETE;
		if (!c->ins_ok && !c->ins_unknown)
			return RV_FAILED_PRESENT;
		return RV_OK;
	}
	if (c->ins_ok && !c->del_ok && !c->del_unknown && !c->excused)
		return RV_LOST;
	return RV_OK;
}

void expect_init(struct expect *e)
{
	memset(e, 0, sizeof(*e));
}

void expect_release(struct expect *e)
{
	free(e->txns);
	free(e->cust);
	for (int t = 0; t < TBL_COUNT; t++)
		free(e->claims[t]);
	for (size_t i = 0; i < e->n_nodes; i++)
		free(e->nodes[i]);
	free(e->nodes);
	free(e->node_slots);
	memset(e, 0, sizeof(*e));
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Put node index i into the slot table (which has room). */
static void slot_put(struct expect *e, size_t i)
{
	size_t k = name_hash(e->nodes[i]) & (e->n_slots - 1);

	while (e->node_slots[k])
		k = (k + 1) & (e->n_slots - 1);
	e->node_slots[k] = (uint32_t)i + 1;
}

/* The node's index, hashed (a journal may name many nodes: no linear
 * search per line). */
static uint16_t node_index(struct expect *e, const char *node)
{
	size_t k;

	if (e->n_slots) {
		for (k = name_hash(node) & (e->n_slots - 1); e->node_slots[k]; k = (k + 1) & (e->n_slots - 1))
			if (!strcmp(e->nodes[e->node_slots[k] - 1], node))
				return (uint16_t)(e->node_slots[k] - 1);
	}
	if (e->n_nodes >= UINT16_MAX - 1)
		return UINT16_MAX - 1; /* absurdly many nodes: lump the rest */
	if (e->n_nodes == e->cap_nodes) {
		e->cap_nodes = e->cap_nodes ? 2 * e->cap_nodes : 16;
		e->nodes = xrealloc(e->nodes, e->cap_nodes * sizeof(*e->nodes));
	}
	e->nodes[e->n_nodes] = xstrdup(node);
	if (2 * (e->n_nodes + 1) > e->n_slots) { /* keep the table at most half full */
		free(e->node_slots);
		e->n_slots = e->n_slots ? 2 * e->n_slots : 64;
		e->node_slots = xcalloc(e->n_slots, sizeof(*e->node_slots));
		for (size_t i = 0; i < e->n_nodes; i++)
			slot_put(e, i);
	}
	slot_put(e, e->n_nodes);
	return (uint16_t)e->n_nodes++;
}

static void add_claim(struct expect *e, enum row_table t, const struct row_ref *ref, uint32_t txn)
{
	if (e->n_claims[t] == e->cap_claims[t]) {
		e->cap_claims[t] = e->cap_claims[t] ? e->cap_claims[t] * 2 : 1024;
		e->claims[t] = xrealloc(e->claims[t], e->cap_claims[t] * sizeof(**e->claims));
	}
	e->claims[t][e->n_claims[t]++] =
		(struct claim){ .first = ref->first, .last = ref->last, .txn = txn, .op = ref->op };
}

static void add_cust(struct expect *e, int64_t id)
{
	if (e->n_cust == e->cap_cust) {
		e->cap_cust = e->cap_cust ? e->cap_cust * 2 : 1024;
		e->cust = xrealloc(e->cust, e->cap_cust * sizeof(*e->cust));
	}
	e->cust[e->n_cust++] = id;
}

void expect_add(struct expect *e, const struct txn_record *r)
{
	struct expect_txn *t;
	uint32_t idx = (uint32_t)e->n_txns;

	if (e->n_txns == e->cap_txns) {
		e->cap_txns = e->cap_txns ? e->cap_txns * 2 : 1024;
		e->txns = xrealloc(e->txns, e->cap_txns * sizeof(*e->txns));
	}
	t = &e->txns[e->n_txns++];
	memset(t, 0, sizeof(*t));
	t->txn = r->txn;
	t->kind = (uint8_t)r->kind;
	t->outcome = (uint8_t)r->outcome;
	t->node = node_index(e, r->node);
	t->cust_first = (uint32_t)e->n_cust;
	if ((unsigned)r->outcome < TXN_OUTCOME_COUNT)
		e->count[r->outcome]++;
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct row_ref *x = &r->rows[i];
		if (x->table >= TBL_COUNT)
			continue;
		/* The customers an insert depends on: updated ones, and a new
		 * customer's own row. Ranges (loads) are not tracked: a load's
		 * rows are excused only by deletes that name them. */
		if (x->table == TBL_CUSTOMER && x->first == x->last &&
		    (x->op == ROW_UPDATE || x->op == ROW_INSERT)) {
			add_cust(e, x->first);
			t->n_cust++;
		}
		if (x->op == ROW_INSERT || x->op == ROW_DELETE)
			add_claim(e, (enum row_table)x->table, x, idx);
	}
}

int expect_load(struct expect *e, const char *path)
{
	struct journal_reader *jr = journal_open(path);
	struct txn_record r;
	int rc;

	if (!jr)
		return -1;
	txn_record_init(&r);
	while ((rc = journal_next(jr, &r)) == 1)
		expect_add(e, &r);
	txn_record_release(&r);
	journal_reader_free(jr);
	return rc < 0 ? -1 : 0;
}

static int claim_cmp(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	return x->txn < y->txn ? -1 : x->txn > y->txn;
}

struct range {
	int64_t first, last;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static bool in_ranges(const struct range *r, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	/* last range with first <= id */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].first <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && r[lo - 1].last >= id;
}

void expect_finalize(struct expect *e)
{
	struct range *del = NULL;
	size_t n_del = 0, cap = 0, merged = 0;

	if (e->finalized)
		return;
	e->finalized = true;
	for (int t = 0; t < TBL_COUNT; t++)
		if (e->n_claims[t])
			qsort(e->claims[t], e->n_claims[t], sizeof(**e->claims), claim_cmp);
	/* Customers removed by a delete that committed or may have. */
	for (size_t i = 0; i < e->n_claims[TBL_CUSTOMER]; i++) {
		const struct claim *c = &e->claims[TBL_CUSTOMER][i];
		if (c->op != ROW_DELETE || e->txns[c->txn].outcome == TXN_FAILED)
			continue;
		if (n_del == cap) {
			cap = cap ? cap * 2 : 64;
			del = xrealloc(del, cap * sizeof(*del));
		}
		del[n_del++] = (struct range){ c->first, c->last };
	}
	if (n_del) {
		qsort(del, n_del, sizeof(*del), range_cmp);
		for (size_t i = 1; i < n_del; i++) {
			if (del[merged].last == INT64_MAX || del[i].first <= del[merged].last + 1) {
				if (del[i].last > del[merged].last)
					del[merged].last = del[i].last;
			} else {
				del[++merged] = del[i];
			}
		}
		n_del = merged + 1;
	}
	for (size_t i = 0; i < e->n_txns; i++) {
		struct expect_txn *t = &e->txns[i];
		if (t->kind == TXN_DELETE_CUSTOMER)
			continue;
		for (uint32_t k = 0; k < t->n_cust && !t->excused; k++)
			t->excused = in_ranges(del, n_del, e->cust[t->cust_first + k]);
	}
	free(del);
}

void expect_reset_findings(struct expect *e)
{
	for (size_t i = 0; i < e->n_txns; i++)
		memset(&e->txns[i].f, 0, sizeof(e->txns[i].f));
}

static void sample(struct row_sample *arr, int64_t *n, enum row_table t, int64_t id)
{
	if (*n < EXPECT_SAMPLES)
		arr[*n] = (struct row_sample){ .table = (uint8_t)t, .id = id };
	(*n)++;
}

/* The claims covering one id, gathered from the active list. */
struct gathered {
	struct row_claims rc;
	uint32_t ok_ins, failed_ins, ok_del, unk_del;
	uint32_t unk_ins[8];
	int n_unk_ins;
};

static void gather(const struct expect *e, const struct claim *const *active, size_t n_active,
		   struct gathered *g)
{
	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < n_active; i++) {
		const struct claim *c = active[i];
		const struct expect_txn *t = &e->txns[c->txn];
		if (c->op == ROW_INSERT) {
			switch (t->outcome) {
			case TXN_OK:
				if (!g->rc.ins_ok++)
					g->ok_ins = c->txn;
				if (t->excused)
					g->rc.excused = true;
				break;
			case TXN_FAILED:
				if (!g->rc.ins_failed++)
					g->failed_ins = c->txn;
				break;
			default:
				g->rc.ins_unknown++;
				if (g->n_unk_ins < (int)ARRAY_SIZE(g->unk_ins))
					g->unk_ins[g->n_unk_ins++] = c->txn;
				break;
			}
		} else {
			switch (t->outcome) {
			case TXN_OK:
				if (!g->rc.del_ok++)
					g->ok_del = c->txn;
				break;
			case TXN_FAILED:
				break;
			default:
				if (!g->rc.del_unknown++)
					g->unk_del = c->txn;
				break;
			}
		}
	}
}

static void judge(struct expect *e, enum row_table t, int64_t id, bool present,
		  const struct gathered *g, phantom_fn on_phantom, void *ph_arg)
{
	struct txn_finding *f;

	switch (classify_row(&g->rc, present)) {
	case RV_OK:
		break;
	case RV_PHANTOM:
		if (on_phantom)
			on_phantom(ph_arg, t, id);
		break;
	case RV_LOST:
		f = &e->txns[g->ok_ins].f;
		sample(f->bad, &f->n_bad, t, id);
		break;
	case RV_LOST_DELETE:
		f = &e->txns[g->ok_del].f;
		sample(f->bad, &f->n_bad, t, id);
		break;
	case RV_FAILED_PRESENT:
		f = &e->txns[g->failed_ins].f;
		sample(f->bad, &f->n_bad, t, id);
		break;
	}
	/* Unknown inserts: all-or-nothing over the rows no delete explains. */
	if (!g->rc.del_ok && !g->rc.del_unknown) {
		for (int i = 0; i < g->n_unk_ins; i++) {
			struct expect_txn *u = &e->txns[g->unk_ins[i]];
			if (u->excused)
				continue;
			if (present)
				sample(u->f.applied, &u->f.n_applied, t, id);
			else
				sample(u->f.unapplied, &u->f.n_unapplied, t, id);
		}
	}
	/* An unknown delete of a row that surely existed. */
	if (g->rc.del_unknown == 1 && !g->rc.del_ok && g->rc.ins_ok && !g->rc.excused) {
		struct expect_txn *d = &e->txns[g->unk_del];
		if (present)
			sample(d->f.unapplied, &d->f.n_unapplied, t, id);
		else
			sample(d->f.applied, &d->f.n_applied, t, id);
	}
}

void expect_cursor_begin(struct expect_cursor *c, struct expect *e, enum row_table t,
			 phantom_fn on_phantom, void *ph_arg)
{
	expect_finalize(e);
	memset(c, 0, sizeof(*c));
	c->e = e;
	c->t = t;
	c->on_phantom = on_phantom;
	c->ph_arg = ph_arg;
}

/* The next id a claim names, after c->last; false when none is left. */
static bool next_claimed(const struct expect_cursor *c, int64_t *id)
{
	bool any = false;

	if (c->ci < c->e->n_claims[c->t]) {
		*id = c->e->claims[c->t][c->ci].first;
		any = true;
	}
	/* Active claims all reach past c->last (see step). */
	if (c->n_active && c->last < INT64_MAX && (!any || c->last + 1 < *id)) {
		*id = c->last + 1;
		any = true;
	}
	return any;
}

/* Judge one id: push the claims that start at or before it, gather, judge,
 * drop the claims that end with it. */
static void step(struct expect_cursor *c, int64_t id, bool present)
{
	const struct claim *cl = c->e->claims[c->t];
	size_t n = c->e->n_claims[c->t];
	struct gathered g;

	while (c->ci < n && cl[c->ci].first <= id) {
		if (c->n_active == c->cap_active) {
			c->cap_active = c->cap_active ? c->cap_active * 2 : 16;
			c->active = xrealloc(c->active, c->cap_active * sizeof(*c->active));
		}
		c->active[c->n_active++] = &cl[c->ci++];
	}
	gather(c->e, c->active, c->n_active, &g);
	judge(c->e, c->t, id, present, &g, c->on_phantom, c->ph_arg);
	for (size_t i = 0; i < c->n_active;) {
		if (c->active[i]->last <= id)
			c->active[i] = c->active[--c->n_active];
		else
			i++;
	}
	c->last = id;
	c->started = true;
}

int expect_cursor_row(struct expect_cursor *c, int64_t id)
{
	int64_t nxt;

	if (c->started && id <= c->last) {
		lab_error("%s ids do not come in ascending order (%lld after %lld)",
			  row_table_name(c->t), (long long)id, (long long)c->last);
		return -1;
	}
	while (next_claimed(c, &nxt) && nxt < id)
		step(c, nxt, false);
	step(c, id, true);
	c->rows++;
	return 0;
}

void expect_cursor_end(struct expect_cursor *c)
{
	int64_t nxt;

	while (next_claimed(c, &nxt))
		step(c, nxt, false);
	free(c->active);
	c->active = NULL;
	c->n_active = c->cap_active = 0;
}

int expect_merge_table(struct expect *e, enum row_table t, id_source_fn next, void *src_arg,
		       phantom_fn on_phantom, void *ph_arg, int64_t *rows)
{
	struct expect_cursor c;
	int64_t id;
	int r;

	expect_cursor_begin(&c, e, t, on_phantom, ph_arg);
	while ((r = next(src_arg, &id)) == 1)
		if (expect_cursor_row(&c, id) < 0) {
			r = -1;
			break;
		}
	if (r == 0)
		expect_cursor_end(&c);
	free(c.active);
	if (rows)
		*rows = c.rows;
	return r < 0 ? -1 : 0;
}
