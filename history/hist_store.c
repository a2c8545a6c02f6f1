/*
 * hist_store.c — the compact store under the history checker: growable
 * arrays of transactions, micro-ops and read values, interned keys, an
 * open-addressing (int64, int64) -> int64 hash map used everywhere a map is
 * needed (keys, writers, pending invocations), the edge list and its CSR
 * graph, the anomaly collector, and the formatting of transactions and
 * micro-ops for explanations and for Elle-shaped JSON.
 */
#include "hist_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static size_t pm_hash(int64_t a, int64_t b, size_t mask)
{
	return (size_t)(mix64((uint64_t)a * 0x9e3779b97f4a7c15ULL ^ mix64((uint64_t)b))) & mask;
}

static void pm_grow(struct pairmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct pairmap_ent *ne = xmalloc(ncap * sizeof(*ne));
	for (size_t i = 0; i < ncap; i++)
		ne[i].val = INT64_MIN;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->e[i].val == INT64_MIN)
			continue;
		size_t j = pm_hash(m->e[i].a, m->e[i].b, ncap - 1);
		while (ne[j].val != INT64_MIN)
			j = (j + 1) & (ncap - 1);
		ne[j] = m->e[i];
	}
	free(m->e);
	m->e = ne;
	m->cap = ncap;
}

bool pm_slot(struct pairmap *m, int64_t a, int64_t b, int64_t **val)
{
	if ((m->n + 1) * 4 >= m->cap * 3)
		pm_grow(m);
	size_t j = pm_hash(a, b, m->cap - 1);
	while (m->e[j].val != INT64_MIN) {
		if (m->e[j].a == a && m->e[j].b == b) {
			*val = &m->e[j].val;
			return true;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->e[j].a = a;
	m->e[j].b = b;
	m->n++;
	*val = &m->e[j].val;
	return false;
}

int64_t pm_get(const struct pairmap *m, int64_t a, int64_t b)
{
	if (!m->cap)
		return INT64_MIN;
	size_t j = pm_hash(a, b, m->cap - 1);
	while (m->e[j].val != INT64_MIN) {
		if (m->e[j].a == a && m->e[j].b == b)
			return m->e[j].val;
		j = (j + 1) & (m->cap - 1);
	}
	return INT64_MIN;
}

void pm_release(struct pairmap *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

void hist_init(struct hist *h, const char *name)
{
	memset(h, 0, sizeof(*h));
	h->name = name;
}

void hist_release(struct hist *h)
{
	free(h->txns);
	free(h->mops);
	free(h->vals);
	free(h->keys);
	pm_release(&h->key_ids);
	pm_release(&h->pending);
	for (size_t i = 0; i < h->n_strkeys; i++)
		free(h->strkeys[i]);
	free(h->strkeys);
	memset(h, 0, sizeof(*h));
}

static uint32_t new_key(struct hist *h, int64_t ival, const char *sval)
{
	if (h->n_keys == h->cap_keys) {
		h->cap_keys = h->cap_keys ? h->cap_keys * 2 : 256;
		h->keys = xrealloc(h->keys, h->cap_keys * sizeof(*h->keys));
	}
	h->keys[h->n_keys].ival = ival;
	h->keys[h->n_keys].sval = sval;
	return (uint32_t)h->n_keys++;
}

uint32_t hist_key_int(struct hist *h, int64_t k)
{
	int64_t *v;
	if (pm_slot(&h->key_ids, 0, k, &v))
		return (uint32_t)*v;
	*v = new_key(h, k, NULL);
	return (uint32_t)*v;
}

uint32_t hist_key_str(struct hist *h, const char *s, size_t n)
{
	uint64_t hash = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		hash = (hash ^ (unsigned char)s[i]) * 1099511628211ULL;
	/* Probe (1, hash), (2, hash), ... until the text matches or a free slot. */
	for (int64_t tag = 1;; tag++) {
		int64_t *v;
		if (pm_slot(&h->key_ids, tag, (int64_t)hash, &v)) {
			const char *have = h->keys[*v].sval;
			if (strlen(have) == n && memcmp(have, s, n) == 0)
				return (uint32_t)*v;
			continue;
		}
		char *copy = xmalloc(n + 1);
		memcpy(copy, s, n);
		copy[n] = '\0';
		h->strkeys = xrealloc(h->strkeys, (h->n_strkeys + 1) * sizeof(*h->strkeys));
		h->strkeys[h->n_strkeys++] = copy;
		*v = new_key(h, 0, copy);
		return (uint32_t)*v;
	}
}

void hist_key_format(const struct hist *h, uint32_t key, struct strbuf *sb)
{
	if (h->keys[key].sval)
		sb_printf(sb, "%s", h->keys[key].sval);
	else
		sb_printf(sb, "%" PRId64, h->keys[key].ival);
}

void key_json(const struct hist *h, uint32_t key, struct strbuf *sb)
{
	if (h->keys[key].sval) {
		json_object *s = json_object_new_string(h->keys[key].sval);
		sb_puts(sb, json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN));
		json_object_put(s);
	} else
		sb_printf(sb, "%" PRId64, h->keys[key].ival);
}

struct hist_txn *hist_new_txn(struct hist *h)
{
	if (h->n_txns == h->cap_txns) {
		h->cap_txns = h->cap_txns ? h->cap_txns * 2 : 1024;
		h->txns = xrealloc(h->txns, h->cap_txns * sizeof(*h->txns));
	}
	struct hist_txn *t = &h->txns[h->n_txns++];
	memset(t, 0, sizeof(*t));
	return t;
}

struct hist_mop *hist_new_mops(struct hist *h, size_t n, uint32_t *off)
{
	if (h->n_mops + n > h->cap_mops) {
		while (h->n_mops + n > h->cap_mops)
			h->cap_mops = h->cap_mops ? h->cap_mops * 2 : 4096;
		h->mops = xrealloc(h->mops, h->cap_mops * sizeof(*h->mops));
	}
	*off = (uint32_t)h->n_mops;
	if (!n)
		return h->mops; /* an empty transaction: no pointer arithmetic on a NULL array */
	h->n_mops += n;
	return &h->mops[*off];
}

int64_t *hist_new_vals(struct hist *h, size_t n, int64_t *off)
{
	if (h->n_vals + n > h->cap_vals) {
		while (h->n_vals + n > h->cap_vals)
			h->cap_vals = h->cap_vals ? h->cap_vals * 2 : 4096;
		h->vals = xrealloc(h->vals, h->cap_vals * sizeof(*h->vals));
	}
	*off = (int64_t)h->n_vals;
	if (!n)
		return h->vals; /* nothing to write: no pointer arithmetic on a NULL array */
	h->n_vals += n;
	return &h->vals[*off];
}

void edges_add(struct edge_list *l, uint32_t src, uint32_t dst, uint8_t kind)
{
	if (src == dst)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->e = xrealloc(l->e, l->cap * sizeof(*l->e));
		l->k = xrealloc(l->k, l->cap);
	}
	l->e[l->n] = (uint64_t)src << 32 | dst;
	l->k[l->n++] = kind;
}

void edges_release(struct edge_list *l)
{
	free(l->e);
	free(l->k);
	memset(l, 0, sizeof(*l));
}

/* Counting sort by source, then merge duplicate (src, dst) pairs by OR-ing
 * their kinds. The edge list is consumed (freed). */
void graph_build(struct graph *g, uint32_t n, struct edge_list *l)
{
	g->n = n;
	g->off = xcalloc((size_t)n + 1, sizeof(*g->off));
	for (size_t i = 0; i < l->n; i++)
		g->off[(l->e[i] >> 32) + 1]++;
	for (uint32_t i = 0; i < n; i++)
		g->off[i + 1] += g->off[i];
	uint32_t *dst = xmalloc((l->n ? l->n : 1) * sizeof(*dst));
	uint8_t *kind = xmalloc(l->n ? l->n : 1);
	uint64_t *fill = xmalloc(((size_t)n + 1) * sizeof(*fill));
	memcpy(fill, g->off, ((size_t)n + 1) * sizeof(*fill));
	for (size_t i = 0; i < l->n; i++) {
		uint32_t s = (uint32_t)(l->e[i] >> 32);
		uint64_t p = fill[s]++;
		dst[p] = (uint32_t)l->e[i];
		kind[p] = l->k[i];
	}
	free(fill);
	edges_release(l);
	/* Dedupe each adjacency (small: sort by insertion of a last-seen mark). */
	uint32_t *mark = xmalloc(((size_t)n ? n : 1) * sizeof(*mark));
	uint64_t *pos = xmalloc(((size_t)n ? n : 1) * sizeof(*pos));
	for (uint32_t i = 0; i < n; i++)
		mark[i] = UINT32_MAX;
	uint64_t w = 0;
	for (uint32_t s = 0; s < n; s++) {
		uint64_t start = w;
		for (uint64_t p = g->off[s]; p < g->off[s + 1]; p++) {
			uint32_t d = dst[p];
			if (mark[d] == s) {
				kind[pos[d]] |= kind[p];
				continue;
			}
			mark[d] = s;
			pos[d] = w;
			dst[w] = d;
			kind[w] = kind[p];
			w++;
		}
		g->off[s] = start;
	}
	g->off[n] = w;
	free(mark);
	free(pos);
	g->dst = dst;
	g->kind = kind;
}

void graph_release(struct graph *g)
{
	free(g->off);
	free(g->dst);
	free(g->kind);
	memset(g, 0, sizeof(*g));
}

static ssize_t type_slot(struct anoms *as, const char *type, bool create)
{
	for (size_t i = 0; i < as->n_types; i++)
		if (strcmp(as->tnames[i], type) == 0)
			return (ssize_t)i;
	if (!create)
		return -1;
	as->tnames = xrealloc(as->tnames, (as->n_types + 1) * sizeof(*as->tnames));
	as->tcounts = xrealloc(as->tcounts, (as->n_types + 1) * sizeof(*as->tcounts));
	as->tnames[as->n_types] = xstrdup(type);
	as->tcounts[as->n_types] = 0;
	return (ssize_t)as->n_types++;
}

void anoms_add(struct anoms *as, const char *type, char *text, char *json)
{
	ssize_t t = type_slot(as, type, true);
	if (as->max_per_type && as->tcounts[t] >= as->max_per_type) {
		as->tcounts[t]++;
		free(text);
		free(json);
		return;
	}
	as->tcounts[t]++;
	if (as->n == as->cap) {
		as->cap = as->cap ? as->cap * 2 : 16;
		as->a = xrealloc(as->a, as->cap * sizeof(*as->a));
	}
	as->a[as->n].type = xstrdup(type);
	as->a[as->n].text = text;
	as->a[as->n].json = json;
	as->n++;
}

size_t anoms_count(const struct anoms *as, const char *type)
{
	for (size_t i = 0; i < as->n_types; i++)
		if (strcmp(as->tnames[i], type) == 0)
			return as->tcounts[i];
	return 0;
}

void anoms_release(struct anoms *as)
{
	for (size_t i = 0; i < as->n; i++) {
		free(as->a[i].type);
		free(as->a[i].text);
		free(as->a[i].json);
	}
	for (size_t i = 0; i < as->n_types; i++)
		free(as->tnames[i]);
	free(as->a);
	free(as->tnames);
	free(as->tcounts);
	memset(as, 0, sizeof(*as));
}

static const char *type_name(uint8_t t)
{
	switch (t) {
	case HT_OK: return "ok";
	case HT_FAIL: return "fail";
	default: return "info";
	}
}

static void mop_text(const struct hist *h, const struct hist_mop *m, struct strbuf *sb)
{
	if (m->f == HF_APPEND || m->f == HF_WRITE) {
		sb_puts(sb, m->f == HF_APPEND ? "append " : "w ");
		hist_key_format(h, m->key, sb);
		sb_printf(sb, " %" PRId64, m->v);
		return;
	}
	sb_puts(sb, "r ");
	hist_key_format(h, m->key, sb);
	if (m->flags & HM_UNKNOWN)
		sb_puts(sb, " ?");
	else if (m->flags & HM_LIST) {
		sb_puts(sb, " [");
		for (uint32_t i = 0; i < m->len; i++)
			sb_printf(sb, "%s%" PRId64, i ? " " : "", h->vals[m->v + i]);
		sb_puts(sb, "]");
	} else if (m->flags & HM_NIL)
		sb_puts(sb, " nil");
	else
		sb_printf(sb, " %" PRId64, m->v);
}

void describe_txn(const struct hist *h, uint32_t t, struct strbuf *sb)
{
	const struct hist_txn *x = &h->txns[t];
	sb_printf(sb, "T%" PRId64 " (process %" PRId64 ", %s, line %u: [", x->index, x->process,
		  type_name(x->type), x->line);
	for (uint16_t i = 0; i < x->n_mops; i++) {
		if (i)
			sb_puts(sb, ", ");
		mop_text(h, &h->mops[x->mop_off + i], sb);
	}
	sb_puts(sb, "])");
}

void mop_json(const struct hist *h, const struct hist_mop *m, struct strbuf *sb)
{
	sb_printf(sb, "[\"%s\", ", m->f == HF_APPEND ? "append" : m->f == HF_WRITE ? "w" : "r");
	key_json(h, m->key, sb);
	if (m->f != HF_READ)
		sb_printf(sb, ", %" PRId64 "]", m->v);
	else if (m->flags & (HM_UNKNOWN | HM_NIL))
		sb_puts(sb, ", null]");
	else if (m->flags & HM_LIST) {
		sb_puts(sb, ", [");
		for (uint32_t i = 0; i < m->len; i++)
			sb_printf(sb, "%s%" PRId64, i ? ", " : "", h->vals[m->v + i]);
		sb_puts(sb, "]]");
	} else
		sb_printf(sb, ", %" PRId64 "]", m->v);
}

void txn_json(const struct hist *h, uint32_t t, struct strbuf *sb)
{
	const struct hist_txn *x = &h->txns[t];
	sb_printf(sb, "{\"index\": %" PRId64 ", \"type\": \"%s\", \"process\": %" PRId64 ", \"value\": [",
		  x->index, type_name(x->type), x->process);
	for (uint16_t i = 0; i < x->n_mops; i++) {
		if (i)
			sb_puts(sb, ", ");
		mop_json(h, &h->mops[x->mop_off + i], sb);
	}
	sb_puts(sb, "]}");
}
