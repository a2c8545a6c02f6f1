/*
 * hist_models.c — Elle's consistency-model lattice, as data: which anomaly
 * implies which (G0 implies G1c, lost-update implies G2-item, ...), which
 * model implies which (strict-serializable implies serializable, ...), and
 * which anomalies each model directly proscribes. From these three tables:
 * the anomalies a set of expected models prohibits (what counts as a
 * finding), and the models a set of found anomalies rules out, split as Elle
 * does into the weakest ones (`not`) and the rest (`also-not`), under their
 * friendly names. Names follow Elle (consistency_model.clj) so that results
 * compare one to one. garbage-versions (a read of a value nobody wrote) is,
 * as in Elle's causal fork, in no model's list: a finding only when asked
 * for with --anomaly garbage-versions.
 */
#include "hist_internal.h"

#include <stdlib.h>
#include <string.h>

struct rel {
	const char *from, *to;
};

/* a -> b: anomaly a implies anomaly b. */
static const struct rel implied[] = {
	{ "G0", "G1c" }, { "G0", "G0-process" },
	{ "G0-process", "G1c-process" }, { "G0-process", "G0-realtime" },
	{ "G0-realtime", "G1c-realtime" },
	{ "G1a", "G1" }, { "G1b", "G1" }, { "G1c", "G1" }, { "G1c", "G1c-process" },
	{ "G1c-process", "G1c-realtime" }, { "G1c-process", "G1-process" },
	{ "G1c-realtime", "G1-realtime" }, { "G1", "G1-process" }, { "G1-process", "G1-realtime" },
	{ "G-single-item", "G-single" }, { "G-single-item", "G-single-item-process" },
	{ "G-single-item", "G-nonadjacent-item" },
	{ "G-single-item-process", "G-single-process" }, { "G-single-item-process", "G-single-item-realtime" },
	{ "G-single-item-process", "G-nonadjacent-item-process" },
	{ "G-single-item-realtime", "G-single-realtime" },
	{ "G-single-item-realtime", "G-nonadjacent-item-realtime" },
	{ "G-single", "G-nonadjacent" }, { "G-single", "GSIb" }, { "G-single", "G-single-process" },
	{ "G-single-process", "G-nonadjacent-process" }, { "G-single-process", "G-single-realtime" },
	{ "G-single-realtime", "G-nonadjacent-realtime" },
	{ "G-nonadjacent-item", "G-nonadjacent" }, { "G-nonadjacent-item", "G2-item" },
	{ "G-nonadjacent-item", "G-nonadjacent-item-process" },
	{ "G-nonadjacent-item-process", "G-nonadjacent-process" },
	{ "G-nonadjacent-item-process", "G2-item-process" },
	{ "G-nonadjacent-item-process", "G-nonadjacent-item-realtime" },
	{ "G-nonadjacent-item-realtime", "G2-item-realtime" },
	{ "G-nonadjacent-item-realtime", "G-nonadjacent-realtime" },
	{ "G-nonadjacent", "G2" }, { "G-nonadjacent", "G-nonadjacent-process" },
	{ "G-nonadjacent-process", "G2-process" }, { "G-nonadjacent-process", "G-nonadjacent-realtime" },
	{ "G-nonadjacent-realtime", "G2-realtime" },
	{ "G2", "G2-process" },
	{ "G2-item", "G2" }, { "G2-item", "G2-item-process" },
	{ "G2-item-process", "G2-process" }, { "G2-item-process", "G2-item-realtime" },
	{ "G2-item-realtime", "G2-realtime" },
	{ "G2-process", "G2-realtime" },
	{ "GSIa", "GSI" }, { "GSIb", "GSI" },
	{ "incompatible-order", "G1a" },
	{ "future-read", "G1c" },
	{ "dirty-update", "G1a" },
	{ "lost-update", "write-skew" }, { "lost-update", "G2-item" },
	{ "write-skew", "G2" },
};

/* a -> b: a history satisfying model a satisfies b (canonical names). */
static const struct rel models[] = {
	{ "causal-cerone", "read-atomic" },
	{ "PL-2+", "PL-CS" }, { "PL-2+", "PL-2L" },
	{ "PL-3", "view-serializable" },
	{ "PL-CS", "read-committed" }, { "PL-CS", "PL-2" },
	{ "PL-FCV", "PL-2+" },
	{ "PL-2", "PL-1" },
	{ "PL-3", "PL-2.99" }, { "PL-3", "PL-3U" },
	{ "PL-3U", "PL-FCV" },
	{ "monotonic-atomic-view", "read-committed" },
	{ "PL-2L", "PL-2" },
	{ "PL-MSR", "PL-2" },
	{ "parallel-snapshot-isolation", "causal-cerone" }, { "parallel-snapshot-isolation", "ROLA" },
	{ "prefix", "causal-cerone" },
	{ "read-atomic", "monotonic-atomic-view" },
	{ "read-committed", "read-uncommitted" },
	{ "PL-2.99", "PL-CS" }, { "PL-2.99", "monotonic-atomic-view" },
	{ "ROLA", "read-atomic" },
	{ "PL-3", "PL-2.99" }, { "PL-3", "PL-SI" }, { "PL-3", "view-serializable" },
	{ "session-serializable", "1SR" },
	{ "PL-SI", "PL-FCV" }, { "PL-SI", "monotonic-atomic-view" }, { "PL-SI", "PL-MSR" },
	{ "PL-SI", "parallel-snapshot-isolation" }, { "PL-SI", "prefix" },
	{ "PL-SS", "PL-3" }, { "PL-SS", "linearizable" }, { "PL-SS", "PL-SI" },
	{ "PL-SS", "strong-snapshot-isolation" }, { "PL-SS", "strong-session-serializable" },
	{ "strong-session-PL-1", "PL-1" },
	{ "strong-session-PL-2", "PL-2" }, { "strong-session-PL-2", "strong-session-PL-1" },
	{ "strong-PL-1", "strong-session-PL-1" },
	{ "strong-PL-2", "strong-session-PL-2" }, { "strong-PL-2", "strong-PL-1" },
	{ "strong-session-serializable", "PL-3" },
	{ "strong-session-serializable", "strong-session-snapshot-isolation" },
	{ "strong-session-snapshot-isolation", "PL-SI" },
	{ "strong-session-snapshot-isolation", "strong-session-PL-2" },
	{ "PL-SS", "session-serializable" },
	{ "strong-snapshot-isolation", "strong-session-snapshot-isolation" },
	{ "strong-snapshot-isolation", "strong-PL-2" },
	{ "linearizable", "sequential" }, { "sequential", "causal" },
	{ "causal", "writes-follow-reads" }, { "causal", "PRAM" },
	{ "PRAM", "monotonic-reads" }, { "PRAM", "monotonic-writes" }, { "PRAM", "read-your-writes" },
};

/* model -> anomaly it directly proscribes (canonical model names). */
static const struct rel proscribed[] = {
	{ "causal-cerone", "internal" }, { "causal-cerone", "G1a" },
	{ "PL-CS", "G1" }, { "PL-CS", "G-cursor" }, { "PL-CS", "lost-update" },
	{ "PL-2L", "G1" }, { "PL-2L", "G-monotonic" },
	{ "PL-MSR", "G1" }, { "PL-MSR", "G-MSR" },
	{ "PL-2+", "G1" }, { "PL-2+", "G-single" },
	{ "PL-FCV", "G1" }, { "PL-FCV", "G-SIb" },
	{ "parallel-snapshot-isolation", "internal" }, { "parallel-snapshot-isolation", "G1a" },
	{ "PL-3", "G1" }, { "PL-3", "G2" }, { "PL-3", "predicate-read-miss" }, { "PL-3", "PL-3-cycle-exists" },
	{ "PL-2", "G1" }, { "PL-2", "PL-2-cycle-exists" },
	{ "PL-1", "G0" }, { "PL-1", "duplicate-elements" }, { "PL-1", "cyclic-versions" },
	{ "PL-1", "PL-1-cycle-exists" },
	{ "prefix", "internal" }, { "prefix", "G1a" },
	{ "PL-3", "internal" },
	{ "PL-SI", "internal" }, { "PL-SI", "G1" }, { "PL-SI", "G-SI" }, { "PL-SI", "G-nonadjacent" },
	{ "PL-SI", "PL-SI-cycle-exists" },
	{ "read-atomic", "internal" }, { "read-atomic", "G1a" }, { "read-atomic", "future-read" },
	{ "PL-2.99", "G1" }, { "PL-2.99", "G2-item" }, { "PL-2.99", "PL-2.99-cycle-exists" },
	{ "PL-2.99", "lost-update" },
	{ "ROLA", "lost-update" },
	{ "PL-SS", "G1" }, { "PL-SS", "G1c-realtime" }, { "PL-SS", "G2-realtime" },
	{ "PL-SS", "PL-SS-cycle-exists" },
	{ "strong-session-PL-1", "strong-session-PL-1-cycle-exists" }, { "strong-session-PL-1", "G0-process" },
	{ "strong-session-PL-2", "strong-session-PL-2-cycle-exists" }, { "strong-session-PL-2", "G1c-process" },
	{ "strong-PL-1", "strong-PL-1-cycle-exists" }, { "strong-PL-1", "G0-realtime" },
	{ "strong-PL-2", "strong-PL-2-cycle-exists" }, { "strong-PL-2", "G1c-realtime" },
	{ "strong-session-snapshot-isolation", "internal" },
	{ "strong-session-snapshot-isolation", "G1-process" },
	{ "strong-session-snapshot-isolation", "G-nonadjacent-process" },
	{ "strong-session-snapshot-isolation", "strong-session-snapshot-isolation-cycle-exists" },
	{ "strong-snapshot-isolation", "internal" }, { "strong-snapshot-isolation", "G1-realtime" },
	{ "strong-snapshot-isolation", "G-nonadjacent-realtime" },
	{ "strong-snapshot-isolation", "strong-snapshot-isolation-cycle-exists" },
	{ "strong-session-serializable", "G1-process" }, { "strong-session-serializable", "G2-process" },
	{ "strong-session-serializable", "strong-session-serializable-cycle-exists" },
	{ "PL-3U", "G1" }, { "PL-3U", "G-update" },
};

/* friendly -> canonical */
static const struct rel canonical[] = {
	{ "consistent-view", "PL-2+" }, { "conflict-serializable", "PL-3" },
	{ "cursor-stability", "PL-CS" }, { "forward-consistent-view", "PL-FCV" },
	{ "monotonic-snapshot-read", "PL-MSR" }, { "monotonic-view", "PL-2L" },
	{ "read-committed", "PL-2" }, { "read-uncommitted", "PL-1" },
	{ "repeatable-read", "PL-2.99" }, { "serializable", "PL-3" },
	{ "snapshot-isolation", "PL-SI" }, { "strict-serializable", "PL-SS" },
	{ "strong-serializable", "PL-SS" }, { "update-serializable", "PL-3U" },
	{ "strong-session-read-uncommitted", "strong-session-PL-1" },
	{ "strong-session-read-committed", "strong-session-PL-2" },
	{ "strong-read-uncommitted", "strong-PL-1" }, { "strong-read-committed", "strong-PL-2" },
	{ "update-atomic", "ROLA" },
};

static const char *canon(const char *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(canonical); i++)
		if (strcmp(canonical[i].from, m) == 0)
			return canonical[i].to;
	return m;
}

const char *model_friendly(const char *c)
{
	if (strcmp(c, "PL-3") == 0)
		return "serializable";
	/* The last friendly name mapping to c wins, as Elle's map inversion
	 * (strong-serializable for PL-SS). */
	const char *f = c;
	for (size_t i = 0; i < ARRAY_SIZE(canonical); i++)
		if (strcmp(canonical[i].to, c) == 0)
			f = canonical[i].from;
	return f;
}

/* A small set of interned strings (the tables' names are static). */
struct nset {
	const char *v[256];
	size_t n;
};

static bool ns_has(const struct nset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

static bool ns_add(struct nset *s, const char *x)
{
	if (ns_has(s, x) || s->n == ARRAY_SIZE(s->v))
		return false;
	s->v[s->n++] = x;
	return true;
}

/* Close s under the relation, following edges forward (a in s -> add b) or
 * backward (b in s -> add a). */
static void closure(struct nset *s, const struct rel *r, size_t nr, bool forward)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < nr; j++) {
			const char *a = canon(forward ? r[j].from : r[j].to);
			const char *b = canon(forward ? r[j].to : r[j].from);
			if (strcmp(a, s->v[i]) == 0)
				ns_add(s, b);
		}
}

static void prohibited_set(const struct history_opts *o, struct nset *out)
{
	struct nset ms = { .n = 0 };
	if (o->n_models == 0)
		ns_add(&ms, "PL-SS");
	for (size_t i = 0; i < o->n_models; i++)
		ns_add(&ms, canon(o->models[i]));
	closure(&ms, models, ARRAY_SIZE(models), true);
	out->n = 0;
	for (size_t i = 0; i < ms.n; i++)
		for (size_t j = 0; j < ARRAY_SIZE(proscribed); j++)
			if (strcmp(canon(proscribed[j].from), ms.v[i]) == 0)
				ns_add(out, proscribed[j].to);
	for (size_t i = 0; i < o->n_anomalies; i++)
		ns_add(out, o->anomalies[i]);
	closure(out, implied, ARRAY_SIZE(implied), false);
}

bool anomaly_prohibited(const struct history_opts *o, const char *type)
{
	struct nset p;
	prohibited_set(o, &p);
	return ns_has(&p, type);
}

bool anomaly_reportable(const struct history_opts *o, const char *type)
{
	return strcmp(type, "empty-transaction-graph") == 0 || strcmp(type, "cycle-search-timeout") == 0 ||
	       anomaly_prohibited(o, type);
}

static void impossible_models(char **types, size_t n, struct nset *imp)
{
	struct nset an = { .n = 0 };
	for (size_t i = 0; i < n; i++)
		ns_add(&an, types[i]);
	closure(&an, implied, ARRAY_SIZE(implied), true);
	imp->n = 0;
	for (size_t i = 0; i < an.n; i++)
		for (size_t j = 0; j < ARRAY_SIZE(proscribed); j++)
			if (strcmp(proscribed[j].to, an.v[i]) == 0)
				ns_add(imp, canon(proscribed[j].from));
	closure(imp, models, ARRAY_SIZE(models), false);
}

bool model_ruled_out(char **types, size_t n, const char *model)
{
	struct nset imp;
	impossible_models(types, n, &imp);
	return ns_has(&imp, canon(model));
}

bool history_model_known(const char *name)
{
	const char *c = canon(name);
	for (size_t i = 0; i < ARRAY_SIZE(models); i++)
		if (strcmp(models[i].from, c) == 0 || strcmp(models[i].to, c) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void models_boundary(char **types, size_t n, char ***not_m, size_t *n_not, char ***also, size_t *n_also)
{
	struct nset imp;
	impossible_models(types, n, &imp);
	*not_m = xcalloc(imp.n + 1, sizeof(char *));
	*also = xcalloc(imp.n + 1, sizeof(char *));
	*n_not = *n_also = 0;
	for (size_t i = 0; i < imp.n; i++) {
		/* weakest: no other impossible model is weaker than this one */
		struct nset down = { .n = 0 };
		ns_add(&down, imp.v[i]);
		closure(&down, models, ARRAY_SIZE(models), true);
		bool weakest = true;
		for (size_t j = 0; j < imp.n && weakest; j++)
			if (j != i && ns_has(&down, imp.v[j]))
				weakest = false;
		const char *f = model_friendly(imp.v[i]);
		bool dup = false;
		char **arr = weakest ? *not_m : *also;
		size_t *cnt = weakest ? n_not : n_also;
		for (size_t k = 0; k < *cnt; k++)
			dup = dup || strcmp(arr[k], f) == 0;
		if (!dup)
			arr[(*cnt)++] = xstrdup(f);
	}
	qsort(*not_m, *n_not, sizeof(char *), cmp_str);
	qsort(*also, *n_also, sizeof(char *), cmp_str);
}

bool model_implies(const char *stronger, const char *weaker)
{
	struct nset s = { .n = 0 };
	ns_add(&s, canon(stronger));
	closure(&s, models, ARRAY_SIZE(models), true);
	return ns_has(&s, canon(weaker));
}

bool anomaly_prohibited_by_models(const char *const *ms, size_t n, const char *anomaly)
{
	struct history_opts o;
	history_opts_init(&o);
	o.n_models = 0;
	struct nset p;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n && i < ARRAY_SIZE(o.models); i++)
		o.models[o.n_models++] = ms[i];
	prohibited_set(&o, &p);
	return ns_has(&p, anomaly);
}

bool anomaly_implies(const char *a, const char *b)
{
	struct nset s = { .n = 0 };
	ns_add(&s, a);
	closure(&s, implied, ARRAY_SIZE(implied), true);
	return ns_has(&s, b);
}
