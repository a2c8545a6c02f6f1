/*
 * hist_cycles.c — cycles in the dependency graph. The edges become a CSR
 * graph; Tarjan's algorithm (iterative: no recursion, whatever the graph's
 * depth) splits it into strongly connected components, and only inside a
 * component of two or more transactions can a cycle lie. For each one, as
 * Elle does:
 *
 *  1. cycle existence: for each model's subgraph (ww; ww+wr; ww+wr extended
 *     by one rw hop; ww+wr+rw; the same with process, then real-time edges)
 *     a component of that subgraph proves the model impossible even if no
 *     named cycle is found (the *-cycle-exists anomalies), and the models it
 *     leaves possible tell which named cycles cannot exist;
 *  2. the shortest cycle of each anomaly class — G0, G1c, G-single-item,
 *     G-nonadjacent-item, G2-item and their -process and -realtime variants —
 *     by breadth-first search over (transaction, path state) pairs, the state
 *     counting rw edges, their adjacency and the required edge kinds; a found
 *     class skips the classes it implies;
 *  3. each cycle is classified from its edges (ww before wr before rw before
 *     process before real-time, as Elle's explainer) and explained edge by
 *     edge: the transactions, the kind, key and values of each step.
 *
 * The search of one component stops at the time budget
 * (opts->cycle_search_ms): a cycle-search-timeout anomaly then says so and
 * one fallback cycle is reported.
 */
#include "hist_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- Tarjan, iterative, over a CSR graph with an edge filter ---- */

struct lgraph {
	uint32_t n;
	uint32_t *off;
	uint32_t *dst;
	uint8_t *kind;
	bool *self; /* a self-loop (from an rw extension) */
};

/* comp[v] = component id; returns the number of components. Edges whose
 * kind has no bit in mask are ignored (mask 0xff: all). */
static uint32_t tarjan(uint32_t n, const uint64_t *off64, const uint32_t *off32, const uint32_t *dst,
		       const uint8_t *kind, uint8_t mask, uint32_t *comp)
{
	uint32_t *index = xmalloc((n ? n : 1) * sizeof(*index));
	uint32_t *low = xmalloc((n ? n : 1) * sizeof(*low));
	uint32_t *stack = xmalloc((n ? n : 1) * sizeof(*stack));
	uint32_t *cs_v = xmalloc((n ? n : 1) * sizeof(*cs_v));
	uint64_t *cs_e = xmalloc((n ? n : 1) * sizeof(*cs_e));
	bool *on = xcalloc(n ? n : 1, sizeof(*on));
	for (uint32_t i = 0; i < n; i++)
		index[i] = UINT32_MAX;
	uint32_t next = 0, sp = 0, ncomp = 0;
#define OFF(v) (off64 ? off64[v] : (uint64_t)off32[v])
	for (uint32_t root = 0; root < n; root++) {
		if (index[root] != UINT32_MAX)
			continue;
		uint32_t csp = 0;
		cs_v[csp] = root;
		cs_e[csp++] = OFF(root);
		index[root] = low[root] = next++;
		stack[sp++] = root;
		on[root] = true;
		while (csp) {
			uint32_t v = cs_v[csp - 1];
			uint64_t e = cs_e[csp - 1];
			if (e < OFF(v + 1)) {
				cs_e[csp - 1] = e + 1;
				if (!(kind[e] & mask))
					continue;
				uint32_t w = dst[e];
				if (index[w] == UINT32_MAX) {
					index[w] = low[w] = next++;
					stack[sp++] = w;
					on[w] = true;
					cs_v[csp] = w;
					cs_e[csp++] = OFF(w);
				} else if (on[w] && index[w] < low[v])
					low[v] = index[w];
				continue;
			}
			if (low[v] == index[v]) {
				uint32_t w;
				do {
					w = stack[--sp];
					on[w] = false;
					comp[w] = ncomp;
				} while (w != v);
				ncomp++;
			}
			csp--;
			if (csp) {
				uint32_t u = cs_v[csp - 1];
				if (low[v] < low[u])
					low[u] = low[v];
			}
		}
	}
#undef OFF
	free(index);
	free(low);
	free(stack);
	free(cs_v);
	free(cs_e);
	free(on);
	return ncomp;
}

/* ---- one component ---- */

struct scc {
	struct checker *c;
	const struct graph *g;
	uint32_t *members; /* global txn indexes */
	uint32_t n;
	int32_t *local;    /* global -> local (or -1), shared, reset after */
	struct lgraph lg;  /* all edges inside the component */
	int64_t deadline;
	bool timed_out;
	/* BFS state, sized n * 128 */
	uint32_t *stamp;
	uint32_t *parent; /* local*128+state of the predecessor */
	uint8_t *plabel;
	uint32_t *queue;
	uint32_t cur_stamp;
};

static void scc_local_graph(struct scc *s)
{
	const struct graph *g = s->g;
	s->lg.n = s->n;
	s->lg.off = xcalloc((size_t)s->n + 1, sizeof(uint32_t));
	size_t m = 0;
	for (uint32_t i = 0; i < s->n; i++)
		for (uint64_t e = g->off[s->members[i]]; e < g->off[s->members[i] + 1]; e++)
			if (s->local[g->dst[e]] >= 0)
				m++;
	s->lg.dst = xmalloc((m ? m : 1) * sizeof(uint32_t));
	s->lg.kind = xmalloc(m ? m : 1);
	m = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		s->lg.off[i] = (uint32_t)m;
		for (uint64_t e = g->off[s->members[i]]; e < g->off[s->members[i] + 1]; e++)
			if (s->local[g->dst[e]] >= 0) {
				s->lg.dst[m] = (uint32_t)s->local[g->dst[e]];
				s->lg.kind[m++] = g->kind[e];
			}
	}
	s->lg.off[s->n] = (uint32_t)m;
}

static uint8_t edge_kind(const struct scc *s, uint32_t a, uint32_t b)
{
	for (uint32_t e = s->lg.off[a]; e < s->lg.off[a + 1]; e++)
		if (s->lg.dst[e] == b)
			return s->lg.kind[e];
	return 0;
}

/* Elle's explainer order: the label an edge of these kinds gets. */
static uint8_t label_of(uint8_t kind)
{
	static const uint8_t order[] = { EK_WW, EK_WR, EK_RW, EK_PROCESS, EK_REALTIME };
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (kind & order[i])
			return order[i];
	return 0;
}

static const char *label_name(uint8_t l)
{
	switch (l) {
	case EK_WW: return "ww";
	case EK_WR: return "wr";
	case EK_RW: return "rw";
	case EK_PROCESS: return "process";
	default: return "realtime";
	}
}

/* The anomaly type of a cycle (local ids cyc[0..len), edge i from cyc[i]
 * to cyc[i+1 mod len]). */
static void classify(const struct scc *s, const uint32_t *cyc, size_t len, struct strbuf *type)
{
	size_t ww = 0, wr = 0, rw = 0, proc = 0, rt = 0;
	bool adj = false;
	uint8_t *labels = xmalloc(len);
	for (size_t i = 0; i < len; i++) {
		labels[i] = label_of(edge_kind(s, cyc[i], cyc[(i + 1) % len]));
		ww += labels[i] == EK_WW;
		wr += labels[i] == EK_WR;
		rw += labels[i] == EK_RW;
		proc += labels[i] == EK_PROCESS;
		rt += labels[i] == EK_REALTIME;
	}
	for (size_t i = 0; i < len; i++)
		if (labels[i] == EK_RW && labels[(i + 1) % len] == EK_RW)
			adj = true;
	free(labels);
	const char *base = rw == 1 ? "G-single-item" : rw > 1 ? (adj ? "G2-item" : "G-nonadjacent-item")
				   : wr ? "G1c" : ww ? "G0" : "G0";
	(void)ww;
	sb_puts(type, base);
	if (rt)
		sb_puts(type, "-realtime");
	else if (proc)
		sb_puts(type, "-process");
}

static void report_cycle(struct scc *s, const uint32_t *cyc, size_t len, const char *type_override)
{
	struct checker *c = s->c;
	struct strbuf type = { 0 }, tx = { 0 }, js = { 0 };
	if (type_override)
		sb_puts(&type, type_override);
	else
		classify(s, cyc, len, &type);
	sb_printf(&tx, "%s: a cycle of %zu transactions:", type.buf, len);
	for (size_t i = 0; i < len; i++) {
		sb_puts(&tx, "\n    ");
		describe_txn(c->h, s->members[cyc[i]], &tx);
	}
	sb_puts(&js, "{\"type\": \"");
	sb_puts(&js, type.buf);
	sb_puts(&js, "\", \"cycle\": [");
	for (size_t i = 0; i <= len; i++) {
		if (i)
			sb_puts(&js, ", ");
		txn_json(c->h, s->members[cyc[i % len]], &js);
	}
	sb_puts(&js, "], \"steps\": [");
	for (size_t i = 0; i < len; i++) {
		uint32_t a = s->members[cyc[i]], b = s->members[cyc[(i + 1) % len]];
		uint8_t l = label_of(edge_kind(s, cyc[i], cyc[(i + 1) % len]));
		sb_printf(&tx, "\n  T%" PRId64 " -> T%" PRId64 " (%s): ", c->h->txns[a].index, c->h->txns[b].index,
			  label_name(l));
		if (i)
			sb_puts(&js, ", ");
		explain_edge(c, a, b, l, &tx, &js);
	}
	sb_puts(&js, "]}");
	anoms_add(c->out, type.buf, sb_detach(&tx), sb_detach(&js));
	sb_release(&type);
}

/* ---- cycle specs and the state BFS ---- */

enum rw_rule { RW_NONE, RW_SINGLE, RW_NONADJ, RW_ADJ };

struct cspec {
	const char *name;
	uint8_t base;     /* ww, or ww|wr */
	enum rw_rule rw;
	uint8_t variant;  /* 0, EK_PROCESS or EK_REALTIME */
	bool need_wr;
	bool typed;       /* the classified type must be this one */
};

/* state bits */
#define ST_RW1 1
#define ST_RW2 2
#define ST_LAST 4
#define ST_FIRST 8
#define ST_WR 16
#define ST_VAR 32
#define ST_ADJ 64
#define NSTATES 128
#define MAX_SEARCH_SCC 50000

static bool accept(const struct cspec *sp, unsigned st)
{
	unsigned rwc = (st & ST_RW2) ? 2 : (st & ST_RW1) ? 1 : 0;
	if (sp->need_wr && !(st & ST_WR))
		return false;
	if (sp->variant && !(st & ST_VAR))
		return false;
	switch (sp->rw) {
	case RW_NONE: return rwc == 0;
	case RW_SINGLE: return rwc == 1;
	case RW_NONADJ: return rwc == 2 && !(st & ST_ADJ) && !((st & ST_LAST) && (st & ST_FIRST));
	case RW_ADJ: return rwc == 2 && ((st & ST_ADJ) || ((st & ST_LAST) && (st & ST_FIRST)));
	}
	return false;
}

/* Next state after an edge labelled l, or -1 if the path becomes invalid. */
static int step(const struct cspec *sp, unsigned st, bool first, uint8_t l)
{
	bool isrw = l == EK_RW;
	unsigned rwc = (st & ST_RW2) ? 2 : (st & ST_RW1) ? 1 : 0;
	if (isrw) {
		if (sp->rw == RW_NONE || (sp->rw == RW_SINGLE && rwc >= 1))
			return -1;
		if (sp->rw == RW_NONADJ && (st & ST_LAST) && !first)
			return -1;
		if (!first && (st & ST_LAST))
			st |= ST_ADJ;
		rwc = rwc < 2 ? rwc + 1 : 2;
	}
	st &= ~(unsigned)(ST_RW1 | ST_RW2 | ST_LAST);
	st |= rwc == 2 ? ST_RW2 : rwc == 1 ? ST_RW1 : 0;
	if (isrw)
		st |= ST_LAST;
	if (first && isrw)
		st |= ST_FIRST;
	if (l == EK_WR)
		st |= ST_WR;
	if (sp->variant && l == sp->variant)
		st |= ST_VAR;
	return (int)st;
}

/* Shortest cycle through some start node matching sp; fills cyc (local
 * ids), returns its length or 0. */
static size_t bfs_cycle(struct scc *s, const struct cspec *sp, uint32_t *cyc)
{
	uint8_t allowed = sp->base | (sp->rw != RW_NONE ? EK_RW : 0) | sp->variant;
	static const uint8_t labels[] = { EK_WW, EK_WR, EK_RW, EK_PROCESS, EK_REALTIME };
	for (uint32_t start = 0; start < s->n; start++) {
		if ((start & 63) == 0 && mono_ns() > s->deadline) {
			s->timed_out = true;
			return 0;
		}
		s->cur_stamp++;
		size_t qh = 0, qt = 0;
		/* the start is (start, state 0) with no edges yet: encode as parent UINT32_MAX */
		uint32_t sid = start * NSTATES;
		s->stamp[sid] = s->cur_stamp;
		s->parent[sid] = UINT32_MAX;
		s->queue[qt++] = sid;
		while (qh < qt) {
			uint32_t id = s->queue[qh++];
			uint32_t v = id / NSTATES;
			unsigned st = id % NSTATES;
			bool first = s->parent[id] == UINT32_MAX && v == start;
			for (uint32_t e = s->lg.off[v]; e < s->lg.off[v + 1]; e++) {
				uint8_t k = s->lg.kind[e] & allowed;
				if (!k)
					continue;
				uint32_t w = s->lg.dst[e];
				for (size_t li = 0; li < ARRAY_SIZE(labels); li++) {
					if (!(k & labels[li]))
						continue;
					int ns = step(sp, st, first, labels[li]);
					if (ns < 0)
						continue;
					if (w == start) {
						if (!accept(sp, (unsigned)ns))
							continue;
						/* reconstruct: walk parents from id */
						size_t len = 0;
						for (uint32_t p = id; p != UINT32_MAX; p = s->parent[p])
							cyc[len++] = p / NSTATES;
						/* reverse: cyc[0] = start */
						for (size_t i = 0; i < len / 2; i++) {
							uint32_t tmp = cyc[i];
							cyc[i] = cyc[len - 1 - i];
							cyc[len - 1 - i] = tmp;
						}
						return len;
					}
					uint32_t nid = w * NSTATES + (uint32_t)ns;
					if (s->stamp[nid] == s->cur_stamp)
						continue;
					s->stamp[nid] = s->cur_stamp;
					s->parent[nid] = id;
					s->plabel[nid] = labels[li];
					s->queue[qt++] = nid;
				}
			}
		}
	}
	return 0;
}

static const struct cspec base_specs[] = {
	{ "G0", EK_WW, RW_NONE, 0, false, false },
	{ "G1c", EK_WW | EK_WR, RW_NONE, 0, true, false },
	{ "G-single-item", EK_WW | EK_WR, RW_SINGLE, 0, false, true },
	{ "G-nonadjacent-item", EK_WW | EK_WR, RW_NONADJ, 0, false, true },
	{ "G2-item", EK_WW | EK_WR, RW_ADJ, 0, false, true },
};


/* ---- cycle existence ---- */

struct exists_spec {
	const char *model;  /* canonical */
	uint8_t mask;
	bool extend_rw;
	const char *subgraph; /* Elle's subgraph, as JSON */
	const char *text;
};

static const struct exists_spec exists_specs[] = {
	{ "PL-1", EK_WW, false, "\"ww\"", "ww" },
	{ "PL-2", EK_WW | EK_WR, false, "[\"union\", \"ww\", \"wr\"]", "ww+wr" },
	{ "PL-SI", EK_WW | EK_WR, true, "[\"extension\", [\"union\", \"ww\", \"wr\"], \"rw\"]",
	  "ww+wr extended by one rw" },
	{ "PL-3", EK_WW | EK_WR | EK_RW, false, "[\"union\", \"ww\", \"wr\", \"rw\"]", "ww+wr+rw" },
	{ "strong-session-PL-1", EK_WW | EK_PROCESS, false, "[\"union\", \"ww\", \"process\"]", "ww+process" },
	{ "strong-session-PL-2", EK_WW | EK_WR | EK_PROCESS, false, "[\"union\", \"ww\", \"wr\", \"process\"]",
	  "ww+wr+process" },
	{ "strong-session-snapshot-isolation", EK_WW | EK_WR | EK_PROCESS, true,
	  "[\"extension\", [\"union\", \"ww\", \"wr\", \"process\"], \"rw\"]", "ww+wr+process extended by one rw" },
	{ "strong-session-serializable", EK_WW | EK_WR | EK_RW | EK_PROCESS, false,
	  "[\"union\", \"ww\", \"wr\", \"rw\", \"process\"]", "ww+wr+rw+process" },
	{ "strong-PL-1", EK_WW | EK_REALTIME, false, "[\"union\", \"ww\", \"realtime\"]", "ww+realtime" },
	{ "strong-PL-2", EK_WW | EK_WR | EK_REALTIME, false, "[\"union\", \"ww\", \"wr\", \"realtime\"]",
	  "ww+wr+realtime" },
	{ "strong-snapshot-isolation", EK_WW | EK_WR | EK_REALTIME, true,
	  "[\"extension\", [\"union\", \"ww\", \"wr\", \"realtime\"], \"rw\"]", "ww+wr+realtime extended by one rw" },
	{ "PL-SS", EK_WW | EK_WR | EK_RW | EK_REALTIME, false, "[\"union\", \"ww\", \"wr\", \"rw\", \"realtime\"]",
	  "ww+wr+rw+realtime" },
};

struct exists_case {
	const struct exists_spec *spec;
	uint32_t *members; /* local ids of the smallest component */
	uint32_t n;
};

/* Components of the subgraph; the smallest cyclic one (size >= 2 or a
 * self-loop) goes to *out. Returns true if there is one. */
static bool exists_in(struct scc *s, const struct exists_spec *es, struct exists_case *out)
{
	uint32_t n = s->n;
	/* build the subgraph's CSR */
	uint32_t *off = xcalloc((size_t)n + 1, sizeof(*off));
	uint32_t *dst = NULL;
	size_t m = 0, cap = 0;
	bool *self = xcalloc(n, sizeof(*self));
	uint32_t *mark = xmalloc(n * sizeof(*mark));
	for (uint32_t i = 0; i < n; i++)
		mark[i] = UINT32_MAX;
	for (uint32_t u = 0; u < n; u++) {
		off[u] = (uint32_t)m;
		for (uint32_t e = s->lg.off[u]; e < s->lg.off[u + 1]; e++) {
			if (!(s->lg.kind[e] & es->mask))
				continue;
			uint32_t y = s->lg.dst[e];
			uint32_t cand[1] = { y };
			for (int pass = 0; pass < 2; pass++) {
				if (pass == 0) {
					if (mark[cand[0]] != u) {
						mark[cand[0]] = u;
						if (m == cap) {
							cap = cap ? cap * 2 : 256;
							dst = xrealloc(dst, cap * sizeof(*dst));
						}
						dst[m++] = cand[0];
					}
					continue;
				}
				if (!es->extend_rw)
					break;
				for (uint32_t f = s->lg.off[y]; f < s->lg.off[y + 1]; f++) {
					if (!(s->lg.kind[f] & EK_RW))
						continue;
					uint32_t z = s->lg.dst[f];
					if (z == u) {
						self[u] = true;
						continue;
					}
					if (mark[z] == u)
						continue;
					mark[z] = u;
					if (m == cap) {
						cap = cap ? cap * 2 : 256;
						dst = xrealloc(dst, cap * sizeof(*dst));
					}
					dst[m++] = z;
				}
			}
		}
	}
	off[n] = (uint32_t)m;
	uint8_t *kind = xmalloc(m ? m : 1);
	memset(kind, 1, m ? m : 1);
	uint32_t *comp = xmalloc(n * sizeof(*comp));
	uint32_t nc = tarjan(n, NULL, off, dst ? dst : mark, kind, 1, comp);
	uint32_t *size = xcalloc(nc, sizeof(*size));
	bool *cyc = xcalloc(nc, sizeof(*cyc));
	for (uint32_t v = 0; v < n; v++) {
		size[comp[v]]++;
		if (self[v])
			cyc[comp[v]] = true;
	}
	uint32_t best = UINT32_MAX;
	for (uint32_t k = 0; k < nc; k++) {
		if (size[k] >= 2)
			cyc[k] = true;
		if (cyc[k] && (best == UINT32_MAX || size[k] < size[best]))
			best = k;
	}
	if (best != UINT32_MAX) {
		out->spec = es;
		out->n = size[best];
		out->members = xmalloc(size[best] * sizeof(uint32_t));
		uint32_t w = 0;
		for (uint32_t v = 0; v < n; v++)
			if (comp[v] == best)
				out->members[w++] = v;
	}
	free(off);
	free(dst);
	free(self);
	free(mark);
	free(kind);
	free(comp);
	free(size);
	free(cyc);
	return best != UINT32_MAX;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void report_exists(struct scc *s, const struct exists_case *ec)
{
	struct checker *c = s->c;
	struct strbuf type = { 0 }, tx = { 0 }, js = { 0 };
	const char *friendly = model_friendly(ec->spec->model);
	sb_printf(&type, "%s-cycle-exists", ec->spec->model);
	sb_printf(&tx, "%s: %u transactions form a cycle in the %s dependency graph, which %s forbids "
		       "(no shorter named cycle was found):",
		  type.buf, ec->n, ec->spec->text, friendly);
	int64_t *idx = xmalloc(ec->n * sizeof(*idx));
	for (uint32_t i = 0; i < ec->n; i++)
		idx[i] = c->h->txns[s->members[ec->members[i]]].index;
	qsort(idx, ec->n, sizeof(*idx), cmp_i64);
	for (uint32_t i = 0; i < ec->n && i < 20; i++) {
		sb_puts(&tx, "\n    ");
		describe_txn(c->h, s->members[ec->members[i]], &tx);
	}
	sb_printf(&js, "{\"type\": \"%s\", \"not\": \"%s\", \"subgraph\": %s, \"scc-size\": %u, \"scc\": [", type.buf,
		  friendly, ec->spec->subgraph, ec->n);
	for (uint32_t i = 0; i < ec->n; i++)
		sb_printf(&js, "%s%" PRId64, i ? ", " : "", idx[i]);
	sb_puts(&js, "]}");
	free(idx);
	anoms_add(c->out, type.buf, sb_detach(&tx), sb_detach(&js));
	sb_release(&type);
}

static void search_scc(struct scc *s)
{
	struct checker *c = s->c;
	scc_local_graph(s);
	/* 1. cycle existence */
	struct exists_case cases[ARRAY_SIZE(exists_specs)];
	size_t n_cases = 0;
	const char *found_models[ARRAY_SIZE(exists_specs)];
	for (size_t i = 0; i < ARRAY_SIZE(exists_specs); i++) {
		bool redundant = false;
		for (size_t j = 0; j < n_cases && !redundant; j++)
			redundant = model_implies(exists_specs[i].model, found_models[j]);
		if (redundant)
			continue;
		if (exists_in(s, &exists_specs[i], &cases[n_cases])) {
			found_models[n_cases] = exists_specs[i].model;
			n_cases++;
		}
	}
	/* models the existence check leaves possible: their prohibited cycle
	 * types cannot be present */
	const char *possible_models[ARRAY_SIZE(exists_specs)];
	size_t n_possible = 0;
	for (size_t i = 0; i < ARRAY_SIZE(exists_specs); i++) {
		bool impossible = false;
		for (size_t j = 0; j < n_cases && !impossible; j++)
			impossible = model_implies(exists_specs[i].model, found_models[j]);
		if (!impossible)
			possible_models[n_possible++] = exists_specs[i].model;
	}
	/* 2. named cycles; a component too large for the search's state
	 * arrays (13 bytes per transaction and path state) goes straight to
	 * the timeout's fallback */
	if (s->n > MAX_SEARCH_SCC)
		s->timed_out = true;
	size_t ns = s->timed_out ? 1 : (size_t)s->n * NSTATES;
	s->stamp = xcalloc(ns, sizeof(uint32_t));
	s->parent = xmalloc(ns * sizeof(uint32_t));
	s->plabel = xmalloc(ns);
	s->queue = xmalloc(ns * sizeof(uint32_t));
	uint32_t *cyc = xmalloc(((ns > s->n ? ns : s->n) + 1) * sizeof(uint32_t));
	char found_names[16][64];
	size_t n_found = 0;
	char *found_types[16];
	size_t n_found_types = 0;
	static const uint8_t variants[] = { 0, EK_PROCESS, EK_REALTIME };
	for (size_t vi = 0; vi < ARRAY_SIZE(variants) && !s->timed_out; vi++) {
		if (variants[vi] == EK_PROCESS && (!c->want_process || c->want_realtime))
			continue;
		if (variants[vi] == EK_REALTIME && !c->want_realtime)
			continue;
		for (size_t bi = 0; bi < ARRAY_SIZE(base_specs) && !s->timed_out; bi++) {
			struct cspec sp = base_specs[bi];
			char name[64];
			snprintf(name, sizeof(name), "%s%s", sp.name,
				 variants[vi] == EK_PROCESS ? "-process" : variants[vi] == EK_REALTIME ? "-realtime" : "");
			sp.name = name;
			sp.variant = variants[vi];
			bool skip = n_possible && anomaly_prohibited_by_models(possible_models, n_possible, name);
			for (size_t j = 0; j < n_found && !skip; j++)
				skip = anomaly_implies(found_names[j], name);
			if (skip)
				continue;
			size_t len = bfs_cycle(s, &sp, cyc);
			if (!len)
				continue;
			struct strbuf type = { 0 };
			classify(s, cyc, len, &type);
			if (sp.typed && strcmp(type.buf, name) != 0) {
				sb_release(&type);
				continue;
			}
			report_cycle(s, cyc, len, type.buf);
			if (n_found < ARRAY_SIZE(found_names))
				lab_strlcpy(found_names[n_found++], name, sizeof(found_names[0]));
			if (n_found_types < ARRAY_SIZE(found_types))
				found_types[n_found_types++] = sb_detach(&type);
			else
				sb_release(&type);
		}
	}
	if (s->timed_out) {
		struct strbuf tx = { 0 }, js = { 0 };
		if (s->n > MAX_SEARCH_SCC)
			sb_printf(&tx, "cycle-search-timeout: a component of %u transactions is too large to search "
				       "for named cycles (the limit is %u); one cycle in it is shown",
				  s->n, MAX_SEARCH_SCC);
		else
			sb_printf(&tx, "cycle-search-timeout: the search of a component of %u transactions ran out "
				       "of its %" PRId64 " ms budget; some cycles in it may be unreported",
				  s->n, c->opts->cycle_search_ms);
		sb_printf(&js, "{\"type\": \"cycle-search-timeout\", \"scc-size\": %u}", s->n);
		anoms_add(c->out, "cycle-search-timeout", sb_detach(&tx), sb_detach(&js));
		/* a fallback cycle: any cycle through member 0, all edges */
		uint32_t *par = xmalloc(s->n * sizeof(uint32_t));
		uint32_t *q = xmalloc(s->n * sizeof(uint32_t));
		for (uint32_t i = 0; i < s->n; i++)
			par[i] = UINT32_MAX;
		size_t qh = 0, qt = 0;
		q[qt++] = 0;
		par[0] = 0;
		uint32_t last = UINT32_MAX;
		while (qh < qt && last == UINT32_MAX) {
			uint32_t v = q[qh++];
			for (uint32_t e = s->lg.off[v]; e < s->lg.off[v + 1]; e++) {
				uint32_t w = s->lg.dst[e];
				if (w == 0) {
					last = v;
					break;
				}
				if (par[w] == UINT32_MAX) {
					par[w] = v;
					q[qt++] = w;
				}
			}
		}
		if (last != UINT32_MAX) {
			size_t len = 0;
			for (uint32_t v = last; v != 0; v = par[v])
				cyc[len++] = v;
			cyc[len++] = 0;
			for (size_t i = 0; i < len / 2; i++) {
				uint32_t t = cyc[i];
				cyc[i] = cyc[len - 1 - i];
				cyc[len - 1 - i] = t;
			}
			report_cycle(s, cyc, len, NULL);
		}
		free(par);
		free(q);
	}
	/* 3. cycle-exists cases not explained by a named cycle */
	for (size_t i = 0; i < n_cases; i++) {
		bool explained = model_ruled_out(found_types, n_found_types, cases[i].spec->model);
		if (!explained)
			report_exists(s, &cases[i]);
		free(cases[i].members);
	}
	for (size_t i = 0; i < n_found_types; i++)
		free(found_types[i]);
	free(cyc);
	free(s->stamp);
	free(s->parent);
	free(s->plabel);
	free(s->queue);
	free(s->lg.off);
	free(s->lg.dst);
	free(s->lg.kind);
}

int find_cycles(struct checker *c)
{
	struct hist *h = c->h;
	struct graph g;
	uint32_t n = (uint32_t)h->n_txns;
	graph_build(&g, n, &c->edges);
	c->empty_graph = g.off[n] == 0;
	uint32_t *comp = xmalloc((n ? n : 1) * sizeof(*comp));
	uint32_t nc = tarjan(n, g.off, NULL, g.dst, g.kind, 0xff, comp);
	/* group members by component (counting sort) */
	uint32_t *size = xcalloc((size_t)nc + 1, sizeof(*size));
	for (uint32_t v = 0; v < n; v++)
		size[comp[v] + 1]++;
	for (uint32_t k = 0; k < nc; k++)
		size[k + 1] += size[k];
	uint32_t *order = xmalloc((n ? n : 1) * sizeof(*order));
	uint32_t *fill = xmalloc(((size_t)nc + 1) * sizeof(*fill));
	memcpy(fill, size, ((size_t)nc + 1) * sizeof(*fill));
	for (uint32_t v = 0; v < n; v++)
		order[fill[comp[v]]++] = v;
	free(fill);
	int32_t *local = xmalloc((n ? n : 1) * sizeof(*local));
	for (uint32_t v = 0; v < n; v++)
		local[v] = -1;
	for (uint32_t k = 0; k < nc; k++) {
		uint32_t cnt = size[k + 1] - size[k];
		if (cnt < 2)
			continue;
		struct scc s = { .c = c, .g = &g, .members = &order[size[k]], .n = cnt, .local = local };
		for (uint32_t i = 0; i < cnt; i++)
			local[s.members[i]] = (int32_t)i;
		s.deadline = mono_ns() + c->opts->cycle_search_ms * 1000000;
		search_scc(&s);
		for (uint32_t i = 0; i < cnt; i++)
			local[s.members[i]] = -1;
	}
	free(local);
	free(order);
	free(size);
	free(comp);
	graph_release(&g);
	return 0;
}
