/*
 * hist_check.c — what a history says about itself before any cycle search:
 * version orders and the non-cycle anomalies, then the dependency edges.
 *
 * list-append (after Elle's paper and list_append.clj): per key the longest
 * committed read is the version order; every other read must be a prefix
 * of it (incompatible-order), a key with a single append and no non-empty
 * read has the order [that value]. Each element is indexed by key and value
 * with its writer and its position (one hash map). Edges: ww (writer of
 * element i before the writer of i+1, and the writer of the last observed
 * element before every unobserved append), wr (writer of the last element
 * read before the reader), rw (readers of element i, or of the empty list,
 * before the writer of i+1, or of every unobserved append after the last).
 * Failed transactions never happened: they are no graph nodes, but reading
 * their appends is G1a and ordering them before committed ones dirty-update.
 *
 * rw-register (after rw_register.clj): external reads and writes per
 * transaction; the version order of a key has the initial nil before every
 * written value, plus, when asked, write-follows-read (wfr-keys), per
 * process order (sequential-keys) and real-time order (linearizable-keys);
 * a cycle in a key's version order is cyclic-versions and that key gives no
 * edges. Edges: ww and rw along each version pair, wr from writer to reader.
 *
 * Also: process order and the real-time order (frontier construction: each
 * invocation gets an edge from every op in the frontier of completed ops;
 * a completion replaces in the frontier the ops that preceded it), and the
 * text of each edge for explanations.
 */
#include "hist_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define INIT INT64_MIN
#define NO_TXN UINT32_MAX

static inline bool possible(const struct hist *h, uint32_t t)
{
	return t != NO_TXN && (h->txns[t].type == HT_OK || h->txns[t].type == HT_INFO);
}

static inline uint32_t w_txn(int64_t v)
{
	return v == INT64_MIN ? NO_TXN : (uint32_t)(v & 0xffffffff);
}

static inline int64_t w_pos(int64_t v)
{
	return v == INT64_MIN ? -1 : (v >> 32) - 1;
}

static inline struct hist_mop *mop_at(const struct hist *h, uint32_t t, uint16_t i)
{
	return &h->mops[h->txns[t].mop_off + i];
}

static inline bool known_list(const struct hist_mop *m)
{
	return m->f == HF_READ && (m->flags & HM_LIST) && !(m->flags & HM_UNKNOWN);
}

static char *key_text(const struct hist *h, uint32_t key)
{
	struct strbuf sb = { 0 };
	hist_key_format(h, key, &sb);
	return sb_detach(&sb);
}

static void list_text(const int64_t *v, uint32_t n, struct strbuf *sb, bool json)
{
	sb_puts(sb, "[");
	for (uint32_t i = 0; i < n; i++)
		sb_printf(sb, "%s%" PRId64, i ? (json ? ", " : " ") : "", v[i]);
	sb_puts(sb, "]");
}

/* ---------------- list-append ---------------- */

struct la {
	int64_t *off;       /* version order per key: offset in h->vals */
	uint32_t *len;
	uint32_t *n_appends; /* appends by possible txns */
	int64_t *single;     /* the value, when n_appends == 1 */
	uint64_t *ua_off;    /* unobserved possible appenders, CSR by key */
	uint32_t *ua_txn;
	uint64_t *ow_off;    /* writer of each order position (NO_TXN: none), by key */
	uint32_t *ow;
};

/* The writer of each position of each key's order, looked up once. */
static void la_order_writers(struct checker *c, struct la *la)
{
	struct hist *h = c->h;
	la->ow_off = xcalloc((size_t)h->n_keys + 1, sizeof(*la->ow_off));
	for (uint32_t k = 0; k < h->n_keys; k++)
		la->ow_off[k + 1] = la->ow_off[k] + la->len[k];
	la->ow = xmalloc((la->ow_off[h->n_keys] ? la->ow_off[h->n_keys] : 1) * sizeof(*la->ow));
	for (uint32_t k = 0; k < h->n_keys; k++)
		for (uint32_t i = 0; i < la->len[k]; i++)
			la->ow[la->ow_off[k] + i] = w_txn(pm_get(&c->writer, k, h->vals[la->off[k] + i]));
}

static struct la *la_of(struct checker *c)
{
	return c->wl_data; /* set in check_list_append */
}

/* The element before v on key in version order: INIT if v is first (or
 * only follows the initial state), or the last observed element if v was
 * never observed. */
static int64_t prev_element(struct checker *c, struct la *la, uint32_t key, int64_t v)
{
	int64_t p = w_pos(pm_get(&c->writer, key, v));
	if (p > 0)
		return c->h->vals[la->off[key] + p - 1];
	if (p == 0 || la->len[key] == 0)
		return INIT;
	return c->h->vals[la->off[key] + la->len[key] - 1];
}

static int la_index_writes(struct checker *c, struct la *la)
{
	struct hist *h = c->h;
	for (uint32_t t = 0; t < h->n_txns; t++) {
		struct hist_txn *x = &h->txns[t];
		for (uint16_t i = 0; i < x->n_mops; i++) {
			struct hist_mop *m = mop_at(h, t, i);
			if (m->f == HF_WRITE) {
				lab_error("%s:%u: a write (w) in a list-append history", h->name, x->line);
				return -1;
			}
			if (m->f != HF_APPEND)
				continue;
			int64_t *slot;
			if (pm_slot(&c->writer, m->key, m->v, &slot)) {
				char *k = key_text(h, m->key);
				lab_error("%s:%u: value %" PRId64 " appended to key %s again (first on line %u); "
					  "list-append needs unique values per key",
					  h->name, x->line, m->v, k, h->txns[w_txn(*slot)].line);
				free(k);
				return -1;
			}
			*slot = t;
			if (possible(h, t)) {
				la->n_appends[m->key]++;
				la->single[m->key] = m->v;
			}
		}
	}
	return 0;
}

/* Version orders from the longest reads; positions into the writer map. */
static void la_orders(struct checker *c, struct la *la)
{
	struct hist *h = c->h;
	for (uint32_t t = 0; t < h->n_txns; t++) {
		if (h->txns[t].type != HT_OK)
			continue;
		for (uint16_t i = 0; i < h->txns[t].n_mops; i++) {
			struct hist_mop *m = mop_at(h, t, i);
			if (known_list(m) && m->len > la->len[m->key]) {
				la->len[m->key] = m->len;
				la->off[m->key] = m->v;
			}
		}
	}
	for (uint32_t k = 0; k < h->n_keys; k++) {
		if (la->len[k] == 0 && la->n_appends[k] == 1) {
			int64_t off;
			int64_t *v = hist_new_vals(h, 1, &off);
			*v = la->single[k];
			la->off[k] = off;
			la->len[k] = 1;
		}
		/* index positions; a duplicate in the longest read makes a distinct copy */
		uint32_t n = la->len[k];
		bool dup = false;
		for (uint32_t i = 0; i < n; i++) {
			int64_t e = h->vals[la->off[k] + i];
			int64_t *slot;
			bool had = pm_slot(&c->writer, k, e, &slot);
			if (!had)
				*slot = NO_TXN;
			if (w_pos(*slot) >= 0) {
				dup = true;
				break;
			}
			*slot = (int64_t)((uint64_t)(i + 1) << 32 | (uint32_t)*slot);
		}
		if (!dup)
			continue;
		/* rebuild: distinct elements, first occurrence wins */
		for (uint32_t i = 0; i < n; i++) {
			int64_t *slot;
			pm_slot(&c->writer, k, h->vals[la->off[k] + i], &slot);
			*slot = (uint32_t)*slot;
		}
		int64_t off;
		hist_new_vals(h, n, &off);
		uint32_t w = 0;
		for (uint32_t i = 0; i < n; i++) {
			int64_t e = h->vals[la->off[k] + i];
			int64_t *slot;
			pm_slot(&c->writer, k, e, &slot);
			if (w_pos(*slot) >= 0)
				continue;
			*slot = (int64_t)((uint64_t)(w + 1) << 32 | (uint32_t)*slot);
			h->vals[off + w++] = e;
		}
		la->off[k] = off;
		la->len[k] = w;
	}
}

static void op_mop_json(struct checker *c, uint32_t t, const struct hist_mop *m, struct strbuf *j)
{
	sb_puts(j, "\"op\": ");
	txn_json(c->h, t, j);
	sb_puts(j, ", \"mop\": ");
	mop_json(c->h, m, j);
}

static void add(struct checker *c, const char *type, struct strbuf *text, struct strbuf *json)
{
	anoms_add(c->out, type, sb_detach(text), sb_detach(json));
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Reads: incompatible-order, duplicates, G1a, G1b, garbage. */
static void la_check_reads(struct checker *c, struct la *la)
{
	struct hist *h = c->h;
	bool *incompat = xcalloc(h->n_keys ? h->n_keys : 1, sizeof(bool));
	/* First position of each key's order whose element was appended by a
	 * failed transaction or by nobody: a read that is a prefix of the order
	 * and shorter than that needs no per-element look-up. */
	uint32_t *first_bad = xmalloc((h->n_keys ? h->n_keys : 1) * sizeof(*first_bad));
	for (uint32_t k = 0; k < h->n_keys; k++) {
		first_bad[k] = UINT32_MAX;
		for (uint32_t i = 0; i < la->len[k]; i++) {
			uint32_t w = la->ow[la->ow_off[k] + i];
			if (w == NO_TXN || h->txns[w].type == HT_FAIL) {
				first_bad[k] = i;
				break;
			}
		}
	}
	for (uint32_t t = 0; t < h->n_txns; t++) {
		if (h->txns[t].type != HT_OK)
			continue;
		for (uint16_t i = 0; i < h->txns[t].n_mops; i++) {
			struct hist_mop *m = mop_at(h, t, i);
			if (!known_list(m) || m->len == 0)
				continue;
			uint32_t k = m->key;
			const int64_t *r = &h->vals[m->v];
			const int64_t *o = &h->vals[la->off[k]];
			bool prefix = m->len <= la->len[k];
			for (uint32_t j = 0; prefix && j < m->len; j++)
				prefix = r[j] == o[j];
			if (prefix)
				m->flags |= HM_PREFIX;
			if (!prefix) {
				/* duplicates? */
				int64_t *cp = xmalloc(m->len * sizeof(*cp));
				memcpy(cp, r, m->len * sizeof(*cp));
				qsort(cp, m->len, sizeof(*cp), cmp_i64);
				int64_t dupv = 0;
				bool dup = false;
				for (uint32_t j = 1; j < m->len && !dup; j++)
					if (cp[j] == cp[j - 1]) {
						dup = true;
						dupv = cp[j];
					}
				free(cp);
				struct strbuf tx = { 0 }, js = { 0 };
				if (dup) {
					sb_printf(&tx, "duplicate-elements: a read of key ");
					hist_key_format(h, k, &tx);
					sb_printf(&tx, " saw %" PRId64 " more than once, but each value is appended once: ", dupv);
					describe_txn(h, t, &tx);
					sb_puts(&js, "{");
					op_mop_json(c, t, m, &js);
					sb_printf(&js, ", \"duplicates\": {\"%" PRId64 "\": 2}}", dupv);
					add(c, "duplicate-elements", &tx, &js);
				} else if (!incompat[k]) {
					incompat[k] = true;
					sb_puts(&tx, "incompatible-order: two reads of key ");
					hist_key_format(h, k, &tx);
					sb_puts(&tx, " disagree on the order of appends (neither is a prefix of the other): ");
					list_text(r, m->len, &tx, false);
					sb_puts(&tx, " in ");
					describe_txn(h, t, &tx);
					sb_puts(&tx, " and the longest read ");
					list_text(o, la->len[k], &tx, false);
					sb_puts(&js, "{\"key\": ");
					key_json(h, k, &js);
					sb_puts(&js, ", \"values\": [");
					bool shorter = m->len <= la->len[k];
					list_text(shorter ? r : o, shorter ? m->len : la->len[k], &js, true);
					sb_puts(&js, ", ");
					list_text(shorter ? o : r, shorter ? la->len[k] : m->len, &js, true);
					sb_puts(&js, "]}");
					add(c, "incompatible-order", &tx, &js);
				} else {
					sb_release(&tx);
					sb_release(&js);
				}
			}
			for (uint32_t j = 0; j < m->len && !(prefix && first_bad[k] >= m->len); j++) {
				int64_t wv = pm_get(&c->writer, k, r[j]);
				uint32_t w = w_txn(wv);
				struct strbuf tx = { 0 }, js = { 0 };
				if (w == NO_TXN) {
					sb_printf(&tx, "garbage-versions: read %" PRId64 " in key ", r[j]);
					hist_key_format(h, k, &tx);
					sb_puts(&tx, ", a value no transaction ever appended: ");
					describe_txn(h, t, &tx);
					sb_puts(&js, "{");
					op_mop_json(c, t, m, &js);
					sb_printf(&js, ", \"element\": %" PRId64 "}", r[j]);
					add(c, "garbage-versions", &tx, &js);
					continue;
				}
				if (h->txns[w].type == HT_FAIL) {
					sb_printf(&tx, "G1a (aborted read): ");
					describe_txn(h, t, &tx);
					sb_printf(&tx, " read %" PRId64 " in key ", r[j]);
					hist_key_format(h, k, &tx);
					sb_puts(&tx, ", appended by the failed ");
					describe_txn(h, w, &tx);
					sb_puts(&js, "{");
					op_mop_json(c, t, m, &js);
					sb_puts(&js, ", \"writer\": ");
					txn_json(h, w, &js);
					sb_printf(&js, ", \"element\": %" PRId64 "}", r[j]);
					add(c, "G1a", &tx, &js);
				}
			}
			/* G1b: the last element is another txn's non-final append to k */
			int64_t last = r[m->len - 1];
			uint32_t w = w_txn(pm_get(&c->writer, k, last));
			if (w == NO_TXN || w == t)
				continue;
			bool seen = false, later = false;
			for (uint16_t j = 0; j < h->txns[w].n_mops; j++) {
				struct hist_mop *wm = mop_at(h, w, j);
				if (wm->f != HF_APPEND || wm->key != k)
					continue;
				if (seen)
					later = true;
				if (wm->v == last)
					seen = true;
			}
			if (later) {
				struct strbuf tx = { 0 }, js = { 0 };
				sb_puts(&tx, "G1b (intermediate read): ");
				describe_txn(h, t, &tx);
				sb_printf(&tx, " read key ");
				hist_key_format(h, k, &tx);
				sb_printf(&tx, " ending in %" PRId64 ", which ", last);
				describe_txn(h, w, &tx);
				sb_puts(&tx, " appended but then appended more to the same key");
				sb_puts(&js, "{");
				op_mop_json(c, t, m, &js);
				sb_puts(&js, ", \"writer\": ");
				txn_json(h, w, &js);
				sb_printf(&js, ", \"element\": %" PRId64 "}", last);
				add(c, "G1b", &tx, &js);
			}
		}
	}
	free(incompat);
	free(first_bad);
}

/* internal and future-read, per committed transaction. */
static void la_check_internal(struct checker *c)
{
	struct hist *h = c->h;
	int64_t *exp = NULL;
	size_t exp_cap = 0;
	for (uint32_t t = 0; t < h->n_txns; t++) {
		struct hist_txn *x = &h->txns[t];
		if (x->type != HT_OK || x->n_mops < 2)
			continue;
		bool reported = false;
		for (uint16_t j = 0; j < x->n_mops && !reported; j++) {
			struct hist_mop *m = mop_at(h, t, j);
			if (m->f == HF_APPEND) {
				/* future read: an earlier read of this key saw this value */
				for (uint16_t i = 0; i < j; i++) {
					struct hist_mop *r = mop_at(h, t, i);
					if (!known_list(r) || r->key != m->key)
						continue;
					for (uint32_t e = 0; e < r->len; e++)
						if (h->vals[r->v + e] == m->v) {
							struct strbuf tx = { 0 }, js = { 0 };
							sb_puts(&tx, "future-read: ");
							describe_txn(h, t, &tx);
							sb_printf(&tx, " read %" PRId64 " in key ", m->v);
							hist_key_format(h, m->key, &tx);
							sb_puts(&tx, " before it appended that value itself");
							sb_puts(&js, "{");
							op_mop_json(c, t, r, &js);
							sb_printf(&js, ", \"element\": %" PRId64 "}", m->v);
							add(c, "future-read", &tx, &js);
							e = r->len;
							i = j;
						}
				}
				continue;
			}
			if (!known_list(m))
				continue;
			/* expected state: the last earlier read of the key plus later appends */
			int prev_read = -1;
			for (int i = j - 1; i >= 0; i--) {
				struct hist_mop *p = mop_at(h, t, (uint16_t)i);
				if (p->key == m->key && known_list(p)) {
					prev_read = i;
					break;
				}
			}
			size_t n = 0;
			uint32_t base = 0;
			if (prev_read >= 0) {
				struct hist_mop *p = mop_at(h, t, (uint16_t)prev_read);
				base = p->len;
				if (exp_cap < base + x->n_mops) {
					exp_cap = base + x->n_mops;
					exp = xrealloc(exp, exp_cap * sizeof(*exp));
				}
				memcpy(exp, &h->vals[p->v], base * sizeof(*exp));
				n = base;
			} else if (exp_cap < x->n_mops) {
				exp_cap = x->n_mops;
				exp = xrealloc(exp, exp_cap * sizeof(*exp));
			}
			size_t suffix = 0;
			for (int i = prev_read + 1; i < j; i++) {
				struct hist_mop *p = mop_at(h, t, (uint16_t)i);
				if (p->key == m->key && p->f == HF_APPEND) {
					exp[n++] = p->v;
					suffix++;
				}
			}
			if (prev_read < 0 && suffix == 0)
				continue; /* nothing known about this key yet */
			const int64_t *r = &h->vals[m->v];
			bool bad;
			if (prev_read >= 0)
				bad = m->len != n || memcmp(r, exp, n * sizeof(*exp)) != 0;
			else
				bad = m->len < n || memcmp(r + m->len - n, exp, n * sizeof(*exp)) != 0;
			if (!bad)
				continue;
			struct strbuf tx = { 0 }, js = { 0 };
			sb_puts(&tx, "internal: ");
			describe_txn(h, t, &tx);
			sb_puts(&tx, " read key ");
			hist_key_format(h, m->key, &tx);
			sb_puts(&tx, " as ");
			list_text(r, m->len, &tx, false);
			sb_puts(&tx, " but its own earlier reads and appends say it must be ");
			if (prev_read < 0) {
				sb_puts(&tx, "[...");
				for (size_t e = 0; e < n; e++)
					sb_printf(&tx, " %" PRId64, exp[e]);
				sb_puts(&tx, "] (ending with its own appends)");
			} else
				list_text(exp, (uint32_t)n, &tx, false);
			sb_puts(&js, "{");
			op_mop_json(c, t, m, &js);
			sb_puts(&js, ", \"expected\": ");
			if (prev_read < 0) {
				sb_puts(&js, "[\"...\"");
				for (size_t e = 0; e < n; e++)
					sb_printf(&js, ", %" PRId64, exp[e]);
				sb_puts(&js, "]");
			} else
				list_text(exp, (uint32_t)n, &js, true);
			sb_puts(&js, "}");
			add(c, "internal", &tx, &js);
			reported = true;
		}
	}
	free(exp);
}

/* lost-update: two committed txns read the same state of a key, then both
 * appended to it. */
struct lu {
	uint32_t key;
	uint32_t len;
	int64_t last;
	uint32_t txn;
	uint16_t mop;
};

static int cmp_lu(const void *a, const void *b)
{
	const struct lu *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	return x->txn < y->txn ? -1 : x->txn > y->txn;
}

static void report_lost_updates(struct checker *c, struct lu *v, size_t n)
{
	struct hist *h = c->h;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_lu);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j].key == v[i].key && v[j].len == v[i].len && v[j].last == v[i].last)
			j++;
		if (j - i >= 2) {
			struct strbuf tx = { 0 }, js = { 0 };
			const struct hist_mop *rm = mop_at(h, v[i].txn, v[i].mop);
			sb_printf(&tx, "lost-update: %zu transactions read the same state of key ", j - i);
			hist_key_format(h, v[i].key, &tx);
			sb_puts(&tx, " and each wrote it, so all but one update is lost:");
			for (size_t k = i; k < j; k++) {
				sb_puts(&tx, "\n    ");
				describe_txn(h, v[k].txn, &tx);
			}
			sb_puts(&js, "{\"key\": ");
			key_json(h, v[i].key, &js);
			sb_puts(&js, ", \"value\": ");
			if (rm->flags & HM_LIST)
				list_text(&h->vals[rm->v], rm->len, &js, true);
			else if (rm->flags & HM_NIL)
				sb_puts(&js, "null");
			else
				sb_printf(&js, "%" PRId64, rm->v);
			sb_puts(&js, ", \"txns\": [");
			for (size_t k = i; k < j; k++) {
				if (k > i)
					sb_puts(&js, ", ");
				txn_json(h, v[k].txn, &js);
			}
			sb_puts(&js, "]}");
			add(c, "lost-update", &tx, &js);
		}
		i = j;
	}
}

static void la_lost_update(struct checker *c)
{
	struct hist *h = c->h;
	struct lu *v = NULL;
	size_t n = 0, cap = 0;
	for (uint32_t t = 0; t < h->n_txns; t++) {
		struct hist_txn *x = &h->txns[t];
		if (x->type != HT_OK)
			continue;
		for (uint16_t j = 0; j < x->n_mops; j++) {
			struct hist_mop *m = mop_at(h, t, j);
			if (m->f != HF_APPEND)
				continue;
			/* first append of this key, after a read of it? */
			int first_read = -1;
			bool earlier_append = false;
			for (uint16_t i = 0; i < j; i++) {
				struct hist_mop *p = mop_at(h, t, i);
				if (p->key != m->key)
					continue;
				if (p->f == HF_APPEND)
					earlier_append = true;
				else if (first_read < 0 && known_list(p))
					first_read = i;
			}
			if (earlier_append || first_read < 0)
				continue;
			struct hist_mop *r = mop_at(h, t, (uint16_t)first_read);
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = (struct lu){ m->key, r->len, r->len ? h->vals[r->v + r->len - 1] : INIT, t,
					      (uint16_t)first_read };
		}
	}
	report_lost_updates(c, v, n);
	free(v);
}

static void la_dirty_update(struct checker *c, struct la *la)
{
	struct hist *h = c->h;
	for (uint32_t k = 0; k < h->n_keys; k++) {
		int t1type = HT_OK;
		uint32_t t1 = NO_TXN;
		uint32_t vs_start = 0;
		for (uint32_t i = 0; i < la->len[k]; i++) {
			uint32_t t2 = la->ow[la->ow_off[k] + i];
			if (t2 == NO_TXN)
				continue;
			int t2type = h->txns[t2].type;
			if (t1type == HT_FAIL && t2type == HT_OK) {
				struct strbuf tx = { 0 }, js = { 0 };
				sb_puts(&tx, "dirty-update: in key ");
				hist_key_format(h, k, &tx);
				sb_puts(&tx, " the committed ");
				describe_txn(h, t2, &tx);
				sb_puts(&tx, " appended after values of the failed ");
				describe_txn(h, t1, &tx);
				sb_puts(&tx, ": ");
				list_text(&h->vals[la->off[k] + vs_start], i - vs_start + 1, &tx, false);
				sb_puts(&js, "{\"key\": ");
				key_json(h, k, &js);
				sb_puts(&js, ", \"values\": ");
				list_text(&h->vals[la->off[k] + vs_start], i - vs_start + 1, &js, true);
				sb_puts(&js, ", \"txns\": [");
				txn_json(h, t1, &js);
				sb_puts(&js, ", \"...\", ");
				txn_json(h, t2, &js);
				sb_puts(&js, "]}");
				add(c, "dirty-update", &tx, &js);
			}
			bool keep_t1 = t2type == HT_INFO || (t1type == HT_FAIL && t2type == HT_FAIL);
			if (!keep_t1) {
				t1 = t2;
				t1type = t2type;
				vs_start = i;
			}
		}
	}
}

static void la_edges(struct checker *c, struct la *la)
{
	struct hist *h = c->h;
	/* ww along each order, then last observed -> unobserved appends */
	for (uint32_t k = 0; k < h->n_keys; k++) {
		uint32_t prev = NO_TXN;
		for (uint32_t i = 0; i < la->len[k]; i++) {
			uint32_t w = la->ow[la->ow_off[k] + i];
			if (!possible(h, w)) {
				prev = NO_TXN;
				continue;
			}
			if (prev != NO_TXN && prev != w)
				edges_add(&c->edges, prev, w, EK_WW);
			prev = w;
		}
		if (prev != NO_TXN && la->len[k])
			for (uint64_t u = la->ua_off[k]; u < la->ua_off[k + 1]; u++)
				edges_add(&c->edges, prev, la->ua_txn[u], EK_WW);
	}
	/* wr and rw from every committed read */
	for (uint32_t t = 0; t < h->n_txns; t++) {
		if (!possible(h, t))
			continue;
		for (uint16_t i = 0; i < h->txns[t].n_mops; i++) {
			struct hist_mop *m = mop_at(h, t, i);
			if (!known_list(m))
				continue;
			uint32_t k = m->key;
			int64_t next_pos;
			if (m->len && (m->flags & HM_PREFIX)) {
				/* the last element is at position len - 1 of the order */
				uint32_t w = la->ow[la->ow_off[k] + m->len - 1];
				if (possible(h, w))
					edges_add(&c->edges, w, t, EK_WR);
				next_pos = m->len;
			} else if (m->len) {
				int64_t e = h->vals[m->v + m->len - 1];
				int64_t wv = pm_get(&c->writer, k, e);
				uint32_t w = w_txn(wv);
				if (possible(h, w))
					edges_add(&c->edges, w, t, EK_WR);
				int64_t p = w_pos(wv);
				if (p < 0)
					continue;
				next_pos = p + 1;
			} else
				next_pos = 0;
			if (next_pos < la->len[k]) {
				uint32_t w = la->ow[la->ow_off[k] + next_pos];
				if (possible(h, w))
					edges_add(&c->edges, t, w, EK_RW);
			} else {
				for (uint64_t u = la->ua_off[k]; u < la->ua_off[k + 1]; u++)
					edges_add(&c->edges, t, la->ua_txn[u], EK_RW);
			}
		}
	}
}

static void la_unobserved(struct checker *c, struct la *la)
{
	struct hist *h = c->h;
	la->ua_off = xcalloc((size_t)h->n_keys + 1, sizeof(*la->ua_off));
	size_t total = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t t = 0; t < h->n_txns; t++) {
			if (!possible(h, t))
				continue;
			for (uint16_t i = 0; i < h->txns[t].n_mops; i++) {
				struct hist_mop *m = mop_at(h, t, i);
				if (m->f != HF_APPEND || w_pos(pm_get(&c->writer, m->key, m->v)) >= 0)
					continue;
				if (pass == 0) {
					la->ua_off[m->key + 1]++;
					total++;
				} else
					la->ua_txn[la->ua_off[m->key]++] = t;
			}
		}
		if (pass == 0) {
			for (uint32_t k = 0; k < h->n_keys; k++)
				la->ua_off[k + 1] += la->ua_off[k];
			la->ua_txn = xmalloc((total ? total : 1) * sizeof(*la->ua_txn));
		} else {
			/* ua_off[k] now holds the end of k: shift back */
			memmove(la->ua_off + 1, la->ua_off, h->n_keys * sizeof(*la->ua_off));
			la->ua_off[0] = 0;
		}
	}
}

static struct la *la_new(size_t nkeys)
{
	struct la *la = xcalloc(1, sizeof(*la));
	size_t n = nkeys ? nkeys : 1;
	la->off = xcalloc(n, sizeof(*la->off));
	la->len = xcalloc(n, sizeof(*la->len));
	la->n_appends = xcalloc(n, sizeof(*la->n_appends));
	la->single = xcalloc(n, sizeof(*la->single));
	return la;
}

static void la_free(struct la *la)
{
	if (!la)
		return;
	free(la->off);
	free(la->len);
	free(la->n_appends);
	free(la->single);
	free(la->ua_off);
	free(la->ua_txn);
	free(la->ow_off);
	free(la->ow);
	free(la);
}

int check_list_append(struct checker *c)
{
	struct la *la = la_new(c->h->n_keys);
	c->wl_data = la;
	if (la_index_writes(c, la) < 0)
		return -1;
	la_orders(c, la);
	la_order_writers(c, la);
	la_unobserved(c, la);
	la_check_reads(c, la);
	la_check_internal(c);
	la_lost_update(c);
	la_dirty_update(c, la);
	la_edges(c, la);
	return 0;
}

static void la_explain(struct checker *c, uint32_t a, uint32_t b, uint8_t kind, struct strbuf *tx,
		       struct strbuf *js)
{
	struct hist *h = c->h;
	struct la *la = la_of(c);
	if (kind & EK_WW) {
		for (uint16_t i = 0; i < h->txns[b].n_mops; i++) {
			struct hist_mop *m = mop_at(h, b, i);
			if (m->f != HF_APPEND)
				continue;
			int64_t p = prev_element(c, la, m->key, m->v);
			if (p == INIT || w_txn(pm_get(&c->writer, m->key, p)) != a)
				continue;
			sb_printf(tx, "T%" PRId64 " appended %" PRId64 " after T%" PRId64 " appended %" PRId64 " to key ",
				  h->txns[b].index, m->v, h->txns[a].index, p);
			hist_key_format(h, m->key, tx);
			sb_puts(js, "{\"type\": \"ww\", \"key\": ");
			key_json(h, m->key, js);
			sb_printf(js, ", \"value\": %" PRId64 ", \"value'\": %" PRId64 "}", p, m->v);
			return;
		}
	}
	if (kind & EK_WR) {
		for (uint16_t i = 0; i < h->txns[b].n_mops; i++) {
			struct hist_mop *m = mop_at(h, b, i);
			if (!known_list(m) || !m->len)
				continue;
			int64_t e = h->vals[m->v + m->len - 1];
			if (w_txn(pm_get(&c->writer, m->key, e)) != a)
				continue;
			sb_printf(tx, "T%" PRId64 " observed T%" PRId64 "'s append of %" PRId64 " to key ",
				  h->txns[b].index, h->txns[a].index, e);
			hist_key_format(h, m->key, tx);
			sb_puts(js, "{\"type\": \"wr\", \"key\": ");
			key_json(h, m->key, js);
			sb_printf(js, ", \"value\": %" PRId64 "}", e);
			return;
		}
	}
	if (kind & EK_RW) {
		for (uint16_t i = 0; i < h->txns[b].n_mops; i++) {
			struct hist_mop *m = mop_at(h, b, i);
			if (m->f != HF_APPEND)
				continue;
			int64_t p = prev_element(c, la, m->key, m->v);
			for (uint16_t j = 0; j < h->txns[a].n_mops; j++) {
				struct hist_mop *r = mop_at(h, a, j);
				if (!known_list(r) || r->key != m->key)
					continue;
				bool match = p == INIT ? r->len == 0 : (r->len && h->vals[r->v + r->len - 1] == p);
				if (!match)
					continue;
				if (p == INIT)
					sb_printf(tx, "T%" PRId64 " observed the initial (empty) state of key ",
						  h->txns[a].index);
				else
					sb_printf(tx, "T%" PRId64 " read key ", h->txns[a].index);
				hist_key_format(h, m->key, tx);
				if (p != INIT)
					sb_printf(tx, " up to %" PRId64, p);
				sb_printf(tx, " and did not observe T%" PRId64 "'s append of %" PRId64 " that came next",
					  h->txns[b].index, m->v);
				sb_puts(js, "{\"type\": \"rw\", \"key\": ");
				key_json(h, m->key, js);
				if (p == INIT)
					sb_puts(js, ", \"value\": null");
				else
					sb_printf(js, ", \"value\": %" PRId64, p);
				sb_printf(js, ", \"value'\": %" PRId64 "}", m->v);
				return;
			}
		}
	}
	sb_printf(tx, "T%" PRId64 " precedes T%" PRId64, h->txns[a].index, h->txns[b].index);
	sb_puts(js, "{\"type\": \"unknown\"}");
}

/* ---------------- rw-register ---------------- */

struct vedge {
	uint32_t key;
	int64_t from, to;
};

struct rread {
	uint32_t key;
	int64_t v;
	uint32_t txn;
};

struct rr {
	struct vedge *ve;
	size_t n_ve, cap_ve;
	struct rread *rd;
	size_t n_rd;
	bool *cyclic;
};

static int cmp_ve(const void *a, const void *b)
{
	const struct vedge *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

static int cmp_rd(const void *a, const void *b)
{
	const struct rread *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->txn < y->txn ? -1 : x->txn > y->txn;
}

static void ve_add(struct rr *rr, uint32_t key, int64_t from, int64_t to)
{
	if (from == to)
		return;
	if (rr->n_ve == rr->cap_ve) {
		rr->cap_ve = rr->cap_ve ? rr->cap_ve * 2 : 1024;
		rr->ve = xrealloc(rr->ve, rr->cap_ve * sizeof(*rr->ve));
	}
	rr->ve[rr->n_ve++] = (struct vedge){ key, from, to };
}

/* External read of key in txn t (first read before any write), value or
 * INIT for nil; returns false when there is none. */
static bool ext_read(const struct hist *h, uint32_t t, uint32_t key, int64_t *v, uint16_t *idx)
{
	for (uint16_t i = 0; i < h->txns[t].n_mops; i++) {
		const struct hist_mop *m = mop_at(h, t, i);
		if (m->key != key)
			continue;
		if (m->f == HF_WRITE)
			return false;
		if (m->f == HF_READ && !(m->flags & HM_UNKNOWN)) {
			*v = (m->flags & HM_NIL) ? INIT : m->v;
			if (idx)
				*idx = i;
			return true;
		}
	}
	return false;
}

/* Final write of key in txn t. */
static bool ext_write(const struct hist *h, uint32_t t, uint32_t key, int64_t *v)
{
	bool found = false;
	for (uint16_t i = 0; i < h->txns[t].n_mops; i++) {
		const struct hist_mop *m = mop_at(h, t, i);
		if (m->key == key && m->f == HF_WRITE) {
			*v = m->v;
			found = true;
		}
	}
	return found;
}

/* The version of key a txn leaves behind or observed (for sequential and
 * linearizable keys): its final write, else its last read. */
static bool txn_version(const struct hist *h, uint32_t t, uint32_t key, int64_t *v)
{
	if (ext_write(h, t, key, v))
		return true;
	bool found = false;
	for (uint16_t i = 0; i < h->txns[t].n_mops; i++) {
		const struct hist_mop *m = mop_at(h, t, i);
		if (m->key == key && m->f == HF_READ && !(m->flags & HM_UNKNOWN)) {
			*v = (m->flags & HM_NIL) ? INIT : m->v;
			found = true;
		}
	}
	return found;
}

struct tsort {
	const struct hist *h;
	uint32_t t;
};

static int cmp_by_process(const void *a, const void *b)
{
	const struct tsort *x = a, *y = b;
	const struct hist_txn *tx = &x->h->txns[x->t], *ty = &y->h->txns[y->t];
	if (tx->process != ty->process)
		return tx->process < ty->process ? -1 : 1;
	if (tx->t_inv != ty->t_inv)
		return tx->t_inv < ty->t_inv ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* Cycle check of one key's version graph (edges ve[lo..hi)): Kahn's
 * topological sort; values left over lie on or behind a cycle. */
static bool versions_cyclic(struct rr *rr, size_t lo, size_t hi, struct strbuf *cyc)
{
	struct pairmap ids = { 0 };
	size_t ne = hi - lo, nv = 0;
	uint32_t *src = xmalloc(ne * sizeof(*src)), *dst = xmalloc(ne * sizeof(*dst));
	int64_t *val = xmalloc(2 * ne * sizeof(*val));
	for (size_t i = 0; i < ne; i++) {
		int64_t *slot;
		for (int side = 0; side < 2; side++) {
			int64_t v = side ? rr->ve[lo + i].to : rr->ve[lo + i].from;
			if (!pm_slot(&ids, 0, v, &slot)) {
				*slot = (int64_t)nv;
				val[nv++] = v;
			}
			(side ? dst : src)[i] = (uint32_t)*slot;
		}
	}
	uint32_t *indeg = xcalloc(nv, sizeof(*indeg)), *off = xcalloc(nv + 1, sizeof(*off));
	uint32_t *adj = xmalloc(ne * sizeof(*adj)), *queue = xmalloc(nv * sizeof(*queue));
	for (size_t i = 0; i < ne; i++) {
		indeg[dst[i]]++;
		off[src[i] + 1]++;
	}
	for (size_t v = 0; v < nv; v++)
		off[v + 1] += off[v];
	uint32_t *fill = xmalloc((nv + 1) * sizeof(*fill));
	memcpy(fill, off, (nv + 1) * sizeof(*fill));
	for (size_t i = 0; i < ne; i++)
		adj[fill[src[i]]++] = dst[i];
	size_t qh = 0, qt = 0;
	for (size_t v = 0; v < nv; v++)
		if (!indeg[v])
			queue[qt++] = (uint32_t)v;
	while (qh < qt) {
		uint32_t v = queue[qh++];
		for (uint32_t e = off[v]; e < off[v + 1]; e++)
			if (--indeg[adj[e]] == 0)
				queue[qt++] = adj[e];
	}
	bool cyclic = qt < nv;
	if (cyclic) {
		size_t shown = 0;
		for (size_t v = 0; v < nv && shown < 8; v++)
			if (indeg[v]) {
				if (val[v] == INT64_MIN)
					sb_printf(cyc, "%snil", shown++ ? ", " : "");
				else
					sb_printf(cyc, "%s%" PRId64, shown++ ? ", " : "", val[v]);
			}
	}
	free(src);
	free(dst);
	free(val);
	free(indeg);
	free(off);
	free(adj);
	free(queue);
	free(fill);
	pm_release(&ids);
	return cyclic;
}

int check_rw_register(struct checker *c)
{
	struct hist *h = c->h;
	struct rr *rr = xcalloc(1, sizeof(*rr));
	c->wl_data = rr;
	/* writers */
	for (uint32_t t = 0; t < h->n_txns; t++) {
		for (uint16_t i = 0; i < h->txns[t].n_mops; i++) {
			struct hist_mop *m = mop_at(h, t, i);
			if (m->f == HF_APPEND) {
				lab_error("%s:%u: an append in an rw-register history", h->name, h->txns[t].line);
				return -1;
			}
			if (m->f != HF_WRITE)
				continue;
			int64_t *slot;
			if (pm_slot(&c->writer, m->key, m->v, &slot) && w_txn(*slot) != t) {
				char *k = key_text(h, m->key);
				lab_error("%s:%u: value %" PRId64 " written to key %s again (first on line %u); "
					  "rw-register needs unique values per key",
					  h->name, h->txns[t].line, m->v, k, h->txns[w_txn(*slot)].line);
				free(k);
				return -1;
			}
			*slot = t;
			if (possible(h, t))
				ve_add(rr, m->key, INIT, m->v);
		}
	}
	/* per-txn anomalies: internal, G1a, G1b, garbage; lost-update candidates; reads */
	struct lu *lus = NULL;
	size_t n_lu = 0, cap_lu = 0, cap_rd = 0;
	for (uint32_t t = 0; t < h->n_txns; t++) {
		struct hist_txn *x = &h->txns[t];
		if (!possible(h, t))
			continue;
		for (uint16_t j = 0; j < x->n_mops; j++) {
			struct hist_mop *m = mop_at(h, t, j);
			if (m->f != HF_READ || (m->flags & HM_UNKNOWN))
				continue;
			int64_t v = (m->flags & HM_NIL) ? INIT : m->v;
			/* internal: the last earlier mop of this key decides */
			int prev = -1;
			for (int i = j - 1; i >= 0; i--)
				if (mop_at(h, t, (uint16_t)i)->key == m->key &&
				    !(mop_at(h, t, (uint16_t)i)->flags & HM_UNKNOWN)) {
					prev = i;
					break;
				}
			if (prev >= 0) {
				struct hist_mop *p = mop_at(h, t, (uint16_t)prev);
				int64_t pv = p->f == HF_READ && (p->flags & HM_NIL) ? INIT : p->v;
				if (pv != v && x->type == HT_OK) {
					struct strbuf tx = { 0 }, js = { 0 };
					sb_puts(&tx, "internal: ");
					describe_txn(h, t, &tx);
					sb_puts(&tx, " read key ");
					hist_key_format(h, m->key, &tx);
					if (v == INIT)
						sb_puts(&tx, " as nil");
					else
						sb_printf(&tx, " as %" PRId64, v);
					if (pv == INIT)
						sb_puts(&tx, " but its own earlier micro-op says nil");
					else
						sb_printf(&tx, " but its own earlier micro-op says %" PRId64, pv);
					sb_puts(&js, "{");
					op_mop_json(c, t, m, &js);
					if (pv == INIT)
						sb_puts(&js, ", \"expected\": null}");
					else
						sb_printf(&js, ", \"expected\": %" PRId64 "}", pv);
					add(c, "internal", &tx, &js);
				}
				continue; /* not an external read */
			}
			if (x->type == HT_OK) {
				if (n_lu == cap_lu) {
					cap_lu = cap_lu ? cap_lu * 2 : 256;
					lus = xrealloc(lus, cap_lu * sizeof(*lus));
				}
				int64_t wv;
				if (ext_write(h, t, m->key, &wv))
					lus[n_lu++] = (struct lu){ m->key, 0, v, t, j };
			}
			if (rr->n_rd == cap_rd) {
				cap_rd = cap_rd ? cap_rd * 2 : 1024;
				rr->rd = xrealloc(rr->rd, cap_rd * sizeof(*rr->rd));
			}
			rr->rd[rr->n_rd++] = (struct rread){ m->key, v, t };
			if (v == INIT || x->type != HT_OK)
				continue;
			uint32_t w = w_txn(pm_get(&c->writer, m->key, v));
			struct strbuf tx = { 0 }, js = { 0 };
			if (w == NO_TXN) {
				sb_printf(&tx, "garbage-versions: read %" PRId64 " in key ", v);
				hist_key_format(h, m->key, &tx);
				sb_puts(&tx, ", a value no transaction ever wrote: ");
				describe_txn(h, t, &tx);
				sb_puts(&js, "{");
				op_mop_json(c, t, m, &js);
				sb_printf(&js, ", \"element\": %" PRId64 "}", v);
				add(c, "garbage-versions", &tx, &js);
				continue;
			}
			if (w == t)
				continue;
			if (h->txns[w].type == HT_FAIL) {
				sb_puts(&tx, "G1a (aborted read): ");
				describe_txn(h, t, &tx);
				sb_printf(&tx, " read %" PRId64 " in key ", v);
				hist_key_format(h, m->key, &tx);
				sb_puts(&tx, ", written by the failed ");
				describe_txn(h, w, &tx);
				sb_puts(&js, "{");
				op_mop_json(c, t, m, &js);
				sb_puts(&js, ", \"writer\": ");
				txn_json(h, w, &js);
				sb_printf(&js, ", \"element\": %" PRId64 "}", v);
				add(c, "G1a", &tx, &js);
				continue;
			}
			int64_t fv = 0;
			if (ext_write(h, w, m->key, &fv) && fv != v) {
				sb_puts(&tx, "G1b (intermediate read): ");
				describe_txn(h, t, &tx);
				sb_printf(&tx, " read %" PRId64 " in key ", v);
				hist_key_format(h, m->key, &tx);
				sb_puts(&tx, ", which ");
				describe_txn(h, w, &tx);
				sb_printf(&tx, " overwrote with %" PRId64 " before committing", fv);
				sb_puts(&js, "{");
				op_mop_json(c, t, m, &js);
				sb_puts(&js, ", \"writer\": ");
				txn_json(h, w, &js);
				sb_printf(&js, ", \"element\": %" PRId64 "}", v);
				add(c, "G1b", &tx, &js);
				continue;
			}
			sb_release(&tx);
			sb_release(&js);
		}
		/* internal: read after own write in the same txn handled above (prev
		 * covers writes too) */
		if (c->opts->wfr_keys && x->type == HT_OK) {
			for (uint16_t j = 0; j < x->n_mops; j++) {
				struct hist_mop *m = mop_at(h, t, j);
				int64_t rv, wv;
				if (m->f == HF_WRITE && ext_read(h, t, m->key, &rv, NULL) && ext_write(h, t, m->key, &wv) &&
				    wv == m->v)
					ve_add(rr, m->key, rv, wv);
			}
		}
	}
	report_lost_updates(c, lus, n_lu);
	free(lus);
	/* sequential keys: per process, consecutive versions of each key */
	if (c->opts->sequential_keys || c->opts->linearizable_keys) {
		struct tsort *ts = xmalloc((h->n_txns ? h->n_txns : 1) * sizeof(*ts));
		size_t n = 0;
		for (uint32_t t = 0; t < h->n_txns; t++)
			if (h->txns[t].type == HT_OK)
				ts[n++] = (struct tsort){ h, t };
		if (c->opts->sequential_keys) {
			qsort(ts, n, sizeof(*ts), cmp_by_process);
			for (size_t i = 1; i < n; i++) {
				uint32_t a = ts[i - 1].t, b = ts[i].t;
				if (h->txns[a].process != h->txns[b].process)
					continue;
				for (uint16_t j = 0; j < h->txns[b].n_mops; j++) {
					uint32_t k = mop_at(h, b, j)->key;
					int64_t va, vb;
					if (txn_version(h, a, k, &va) && txn_version(h, b, k, &vb) && va != INIT)
						ve_add(rr, k, va, vb);
				}
			}
		}
		if (c->opts->linearizable_keys) {
			/* all pairs per key would be quadratic: compare each op with the
			 * ops completed before it, bounded to the last 256 per check */
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++) {
					uint32_t a = ts[i].t, b = ts[j].t;
					if (h->txns[a].t_done >= h->txns[b].t_inv)
						continue;
					for (uint16_t q = 0; q < h->txns[b].n_mops; q++) {
						uint32_t k = mop_at(h, b, q)->key;
						int64_t va, vb;
						if (txn_version(h, a, k, &va) && txn_version(h, b, k, &vb) && va != INIT)
							ve_add(rr, k, va, vb);
					}
					if (n > 4096)
						break; /* documented: linearizable-keys is for small histories */
				}
		}
		free(ts);
	}
	if (rr->n_ve)
		qsort(rr->ve, rr->n_ve, sizeof(*rr->ve), cmp_ve);
	/* dedupe */
	size_t w = 0;
	for (size_t i = 0; i < rr->n_ve; i++)
		if (!w || cmp_ve(&rr->ve[w - 1], &rr->ve[i]) != 0)
			rr->ve[w++] = rr->ve[i];
	rr->n_ve = w;
	if (rr->n_rd)
		qsort(rr->rd, rr->n_rd, sizeof(*rr->rd), cmp_rd);
	rr->cyclic = xcalloc(h->n_keys ? h->n_keys : 1, sizeof(bool));
	for (size_t lo = 0; lo < rr->n_ve;) {
		size_t hi = lo;
		while (hi < rr->n_ve && rr->ve[hi].key == rr->ve[lo].key)
			hi++;
		struct strbuf cyc = { 0 };
		if (versions_cyclic(rr, lo, hi, &cyc)) {
			uint32_t k = rr->ve[lo].key;
			rr->cyclic[k] = true;
			struct strbuf tx = { 0 }, js = { 0 };
			sb_puts(&tx, "cyclic-versions: the version order of key ");
			hist_key_format(h, k, &tx);
			sb_printf(&tx, " has a cycle (through %s): no total order of its writes explains the reads",
				  cyc.buf);
			sb_puts(&js, "{\"key\": ");
			key_json(h, k, &js);
			sb_printf(&js, ", \"cycle\": \"%s\"}", cyc.buf);
			add(c, "cyclic-versions", &tx, &js);
		}
		sb_release(&cyc);
		lo = hi;
	}
	/* edges */
	for (size_t i = 0; i < rr->n_rd; i++) {
		struct rread *r = &rr->rd[i];
		if (r->v == INIT || rr->cyclic[r->key])
			continue;
		uint32_t wt = w_txn(pm_get(&c->writer, r->key, r->v));
		if (possible(h, wt))
			edges_add(&c->edges, wt, r->txn, EK_WR);
	}
	for (size_t i = 0; i < rr->n_ve; i++) {
		struct vedge *e = &rr->ve[i];
		if (rr->cyclic[e->key])
			continue;
		uint32_t w2 = w_txn(pm_get(&c->writer, e->key, e->to));
		if (!possible(h, w2))
			continue;
		if (e->from != INIT) {
			uint32_t w1 = w_txn(pm_get(&c->writer, e->key, e->from));
			if (possible(h, w1))
				edges_add(&c->edges, w1, w2, EK_WW);
		}
		struct rread key = { e->key, e->from, 0 };
		size_t l = 0, r = rr->n_rd;
		while (l < r) {
			size_t mid = (l + r) / 2;
			if (cmp_rd(&rr->rd[mid], &key) < 0)
				l = mid + 1;
			else
				r = mid;
		}
		for (; l < rr->n_rd && rr->rd[l].key == e->key && rr->rd[l].v == e->from; l++)
			edges_add(&c->edges, rr->rd[l].txn, w2, EK_RW);
	}
	return 0;
}

static bool has_version_edge(struct rr *rr, uint32_t key, int64_t from, int64_t to)
{
	struct vedge k = { key, from, to };
	return rr->n_ve && bsearch(&k, rr->ve, rr->n_ve, sizeof(k), cmp_ve) != NULL;
}

static void rr_explain(struct checker *c, uint32_t a, uint32_t b, uint8_t kind, struct strbuf *tx,
		       struct strbuf *js)
{
	struct hist *h = c->h;
	struct rr *rr = c->wl_data;
	for (uint16_t i = 0; i < h->txns[b].n_mops; i++) {
		struct hist_mop *m = mop_at(h, b, i);
		int64_t v1 = 0, v2 = 0;
		if ((kind & EK_WR) && m->f == HF_READ && !(m->flags & (HM_UNKNOWN | HM_NIL)) &&
		    w_txn(pm_get(&c->writer, m->key, m->v)) == a) {
			sb_printf(tx, "T%" PRId64 " read T%" PRId64 "'s write of %" PRId64 " to key ", h->txns[b].index,
				  h->txns[a].index, m->v);
			hist_key_format(h, m->key, tx);
			sb_puts(js, "{\"type\": \"wr\", \"key\": ");
			key_json(h, m->key, js);
			sb_printf(js, ", \"value\": %" PRId64 "}", m->v);
			return;
		}
		if (m->f != HF_WRITE || !ext_write(h, b, m->key, &v2) || v2 != m->v)
			continue;
		if ((kind & EK_WW) && ext_write(h, a, m->key, &v1) && has_version_edge(rr, m->key, v1, v2)) {
			sb_printf(tx, "T%" PRId64 " wrote %" PRId64 " to key ", h->txns[b].index, v2);
			hist_key_format(h, m->key, tx);
			sb_printf(tx, " after T%" PRId64 " wrote %" PRId64, h->txns[a].index, v1);
			sb_puts(js, "{\"type\": \"ww\", \"key\": ");
			key_json(h, m->key, js);
			sb_printf(js, ", \"value\": %" PRId64 ", \"value'\": %" PRId64 "}", v1, v2);
			return;
		}
		if ((kind & EK_RW) && ext_read(h, a, m->key, &v1, NULL) && has_version_edge(rr, m->key, v1, v2)) {
			if (v1 == INIT)
				sb_printf(tx, "T%" PRId64 " read key ", h->txns[a].index);
			else
				sb_printf(tx, "T%" PRId64 " read key ", h->txns[a].index);
			hist_key_format(h, m->key, tx);
			if (v1 == INIT)
				sb_puts(tx, " as nil (the initial state)");
			else
				sb_printf(tx, " as %" PRId64, v1);
			sb_printf(tx, " and did not observe T%" PRId64 "'s later write of %" PRId64, h->txns[b].index, v2);
			sb_puts(js, "{\"type\": \"rw\", \"key\": ");
			key_json(h, m->key, js);
			if (v1 == INIT)
				sb_puts(js, ", \"value\": null");
			else
				sb_printf(js, ", \"value\": %" PRId64, v1);
			sb_printf(js, ", \"value'\": %" PRId64 "}", v2);
			return;
		}
	}
	sb_printf(tx, "T%" PRId64 " precedes T%" PRId64, h->txns[a].index, h->txns[b].index);
	sb_puts(js, "{\"type\": \"unknown\"}");
}

void explain_edge(struct checker *c, uint32_t a, uint32_t b, uint8_t kind, struct strbuf *tx, struct strbuf *js)
{
	struct hist *h = c->h;
	if (kind & EK_PROCESS) {
		sb_printf(tx, "T%" PRId64 " and T%" PRId64 " ran on process %" PRId64 ", T%" PRId64 " first",
			  h->txns[a].index, h->txns[b].index, h->txns[a].process, h->txns[a].index);
		sb_printf(js, "{\"type\": \"process\", \"process\": %" PRId64 "}", h->txns[a].process);
		return;
	}
	if (kind & EK_REALTIME) {
		sb_printf(tx, "T%" PRId64 " completed (at %" PRId64 ") before T%" PRId64 " was invoked (at %" PRId64 ")",
			  h->txns[a].index, h->txns[a].t_done, h->txns[b].index, h->txns[b].t_inv);
		sb_puts(js, "{\"type\": \"realtime\", \"a'\": ");
		txn_json(h, a, js);
		sb_puts(js, ", \"b\": ");
		txn_json(h, b, js);
		sb_puts(js, "}");
		return;
	}
	if (c->wl == HISTORY_WL_LIST_APPEND)
		la_explain(c, a, b, kind, tx, js);
	else
		rr_explain(c, a, b, kind, tx, js);
}

void checker_workload_free(struct checker *c)
{
	if (!c->wl_data)
		return;
	if (c->wl == HISTORY_WL_LIST_APPEND) {
		la_free(c->wl_data);
	} else {
		struct rr *rr = c->wl_data;
		free(rr->ve);
		free(rr->rd);
		free(rr->cyclic);
		free(rr);
	}
	c->wl_data = NULL;
}

/* ---------------- process and real-time order ---------------- */

struct ev {
	int64_t t;
	uint32_t txn;
	uint8_t done; /* 0 invoke, 1 completion; invokes first at equal times */
};

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->done != y->done)
		return x->done < y->done ? -1 : 1;
	return x->txn < y->txn ? -1 : x->txn > y->txn;
}

void add_order_edges(struct checker *c)
{
	struct hist *h = c->h;
	if (c->want_process && !c->want_realtime) {
		struct tsort *ts = xmalloc((h->n_txns ? h->n_txns : 1) * sizeof(*ts));
		size_t n = 0;
		for (uint32_t t = 0; t < h->n_txns; t++)
			if (possible(h, t))
				ts[n++] = (struct tsort){ h, t };
		qsort(ts, n, sizeof(*ts), cmp_by_process);
		for (size_t i = 1; i < n; i++)
			if (h->txns[ts[i - 1].t].process == h->txns[ts[i].t].process)
				edges_add(&c->edges, ts[i - 1].t, ts[i].t, EK_PROCESS);
		free(ts);
	}
	if (!c->want_realtime)
		return;
	struct ev *ev = xmalloc((2 * h->n_txns + 1) * sizeof(*ev));
	size_t n = 0;
	bool sorted = true;
	for (uint32_t t = 0; t < h->n_txns; t++) {
		if (!possible(h, t))
			continue;
		ev[n++] = (struct ev){ h->txns[t].t_inv, t, 0 };
		if (h->txns[t].type == HT_OK)
			ev[n++] = (struct ev){ h->txns[t].t_done, t, 1 };
	}
	for (size_t i = 1; i < n && sorted; i++)
		sorted = cmp_ev(&ev[i - 1], &ev[i]) <= 0;
	if (!sorted)
		qsort(ev, n, sizeof(*ev), cmp_ev);
	/* frontier: txn and the sequence number it entered with */
	uint32_t *fr = NULL;
	uint64_t *fseq = NULL;
	size_t nf = 0, capf = 0;
	uint64_t seq = 0;
	uint64_t *snap = xmalloc((h->n_txns ? h->n_txns : 1) * sizeof(*snap));
	for (size_t i = 0; i < n; i++) {
		uint32_t t = ev[i].txn;
		if (!ev[i].done) {
			for (size_t j = 0; j < nf; j++)
				edges_add(&c->edges, fr[j], t, EK_REALTIME);
			snap[t] = seq;
			continue;
		}
		/* drop the frontier ops that preceded t (entered before t's invoke) */
		size_t w = 0;
		for (size_t j = 0; j < nf; j++)
			if (fseq[j] >= snap[t]) {
				fr[w] = fr[j];
				fseq[w++] = fseq[j];
			}
		nf = w;
		if (nf == capf) {
			capf = capf ? capf * 2 : 64;
			fr = xrealloc(fr, capf * sizeof(*fr));
			fseq = xrealloc(fseq, capf * sizeof(*fseq));
		}
		fr[nf] = t;
		fseq[nf++] = seq++;
	}
	free(snap);
	free(fr);
	free(fseq);
	free(ev);
}
