/*
 * parse.c — reads a scenario file with libyaml and turns it into a
 * validated struct scenario, driven entirely by the option tables of
 * schema.c and the faults table (harness/run/actions.c): one table per
 * section and per action (STYLE.md "options described once, as data"). The
 * same tables give the defaults, the ranges, the allowed values and the
 * "did you mean" hints.
 *
 * Parsing never stops at the first problem: every error is collected as
 * "FILE:LINE:COL: message" so that `lab validate` can show all of them;
 * then lint.c's pass over the steps checks what can be known before
 * touching a node.
 */
#include "append.h"
#include "names.h"
#include "scenario.h"
#include "scenario_internal.h"
#include "util.h"
#include "versions.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ------------------------------------------------------------------ */
/* Errors and words */

void sc_errors_release(struct sc_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

static void errors_add(struct sc_errors *e, char *msg)
{
	e->v = xrealloc(e->v, (e->n + 1) * sizeof(*e->v));
	e->v[e->n++] = msg;
}

/* ------------------------------------------------------------------ */
/* Parser state */

void sc_perr(struct pctx *p, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = { 0 };

	if (at)
		sb_printf(&sb, "%s:%zu:%zu: ", p->file, at->start_mark.line + 1, at->start_mark.column + 1);
	else
		sb_printf(&sb, "%s: ", p->file);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	errors_add(p->errs, sb_detach(&sb));
}

yaml_node_t *sc_node_at(struct pctx *p, int idx)
{
	return yaml_document_get_node(p->doc, idx);
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_SEQUENCE_NODE: return "a list";
	default: return "a scalar";
	}
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static void did_you_mean(struct strbuf *sb, const char *word, const char *const *cands, size_t n)
{
	const char *near = nearest_word(word, cands, n);

	if (near)
		sb_printf(sb, " (did you mean '%s'?)", near);
}

void sc_list_words(struct strbuf *sb, const char *const *v)
{
	for (size_t i = 0; v[i]; i++)
		sb_printf(sb, "%s%s", i ? (v[i + 1] ? ", " : " or ") : "", v[i]);
}

static const char *const *option_names(const struct sc_option *t, size_t n, const char **buf)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = t[i].name;
	buf[n] = NULL;
	return buf;
}

/* ------------------------------------------------------------------ */
/* Values */

static bool is_ident(const char *s)
{
	if (!*s || !(islower((unsigned char)*s) || isdigit((unsigned char)*s)))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || strchr("._-", *s)))
			return false;
	return true;
}


static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "True", "Yes", "On", "TRUE", "YES", "ON" };
	static const char *const no[] = { "false", "no", "off", "False", "No", "Off", "FALSE", "NO", "OFF" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static void node_set_add(struct pctx *p, const yaml_node_t *at, const char *key, const char *s,
			 struct node_set *ns)
{
	int64_t v;

	if (parse_int64(s, INT64_MIN / 2, INT64_MAX / 2, &v) < 0) {
		sc_perr(p, at, "'%s' must be all, primary, replicas, a node number or a list of them, not '%s'", key, s);
		return;
	}
	if (v < 1 || v > p->nodes) {
		sc_perr(p, at, "node %lld is out of range: the cluster has %d node%s", (long long)v, p->nodes,
		     p->nodes == 1 ? "" : "s");
		return;
	}
	if (ns->mask & (1u << v))
		sc_perr(p, at, "node %lld is listed twice", (long long)v);
	ns->mask |= 1u << v;
}

static uint32_t all_mask(int nodes)
{
	uint32_t m = 0;

	for (int i = 1; i <= nodes; i++)
		m |= 1u << i;
	return m;
}

static void parse_nodes(struct pctx *p, const struct sc_option *o, const yaml_node_t *v, struct node_set *ns)
{
	const char *s = scalar(v);

	memset(ns, 0, sizeof(*ns));
	if (s && (!strcmp(s, "primary") || !strcmp(s, "replicas") || !strcmp(s, "replica"))) {
		/* chosen when the step runs (action_run) */
		if (p->flavor && !strcmp(p->flavor, "galera"))
			sc_perr(p, v, "'%s: %s' needs a replication flavor (async or semisync): every Galera node takes writes",
				o->name, s);
		else if (s[0] == 'r' && (o->flags & SC_F_SINGLE) && p->nodes > 2)
			sc_perr(p, v, "'%s' must be one node, not the replicas", o->name);
		ns->role = s[0] == 'p' ? NODE_ROLE_PRIMARY : NODE_ROLE_REPLICAS;
	} else if (s && !strcmp(s, "all")) {
		if ((o->flags & SC_F_SINGLE) && p->nodes > 1) {
			sc_perr(p, v, "'%s' must be one node, not all", o->name);
			return;
		}
		ns->all = true;
		ns->mask = all_mask(p->nodes);
	} else if (s) {
		node_set_add(p, v, o->name, s, ns);
	} else if (v->type == YAML_SEQUENCE_NODE) {
		if (o->flags & SC_F_SINGLE) {
			sc_perr(p, v, "'%s' must be one node, not a list", o->name);
			return;
		}
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = sc_node_at(p, *it);
			if (!scalar(e)) {
				sc_perr(p, e, "'%s' must list node numbers, found %s", o->name, kind_name(e));
				continue;
			}
			node_set_add(p, e, o->name, scalar(e), ns);
		}
		if (!ns->mask && v->data.sequence.items.start == v->data.sequence.items.top)
			sc_perr(p, v, "'%s' is an empty list", o->name);
	} else {
		sc_perr(p, v, "'%s' must be all, a node number or a list of them, found %s", o->name, kind_name(v));
	}
}

static void parse_groups(struct pctx *p, const struct sc_option *o, const yaml_node_t *v, uint32_t *member_of)
{
	int ngroups = 0;
	size_t errors_before = p->errs->n;

	memset(member_of, 0, sizeof(uint32_t) * LAB_MAX_NODES);
	if (v->type != YAML_SEQUENCE_NODE) {
		sc_perr(p, v, "'%s' must be a list of node lists, e.g. [[1], [2, 3]], found %s", o->name, kind_name(v));
		return;
	}
	for (yaml_node_item_t *g = v->data.sequence.items.start; g < v->data.sequence.items.top; g++) {
		yaml_node_t *gn = sc_node_at(p, *g);
		struct node_set ns = { 0 };

		if (++ngroups > LAB_MAX_GROUPS) {
			sc_perr(p, gn, "'%s' has more than %d groups", o->name, LAB_MAX_GROUPS);
			return;
		}
		if (gn->type != YAML_SEQUENCE_NODE) {
			sc_perr(p, gn, "each group in '%s' must be a list of nodes, found %s", o->name, kind_name(gn));
			continue;
		}
		for (yaml_node_item_t *it = gn->data.sequence.items.start; it < gn->data.sequence.items.top; it++) {
			yaml_node_t *e = sc_node_at(p, *it);
			int64_t n;
			if (!scalar(e) || parse_int64(scalar(e), 1, p->nodes, &n) < 0) {
				if (scalar(e))
					node_set_add(p, e, o->name, scalar(e), &ns); /* reports it */
				else
					sc_perr(p, e, "'%s' must list node numbers, found %s", o->name, kind_name(e));
				continue;
			}
			if (member_of[n - 1] & (1u << (ngroups - 1))) {
				sc_perr(p, e, "node %lld is twice in one group", (long long)n);
				continue;
			}
			member_of[n - 1] |= 1u << (ngroups - 1);
		}
	}
	if (ngroups < 2) {
		sc_perr(p, v, "'%s' needs at least two groups", o->name);
		return;
	}
	if (p->errs->n != errors_before)
		return; /* a node in a broken group is not "in no group" */
	for (int i = 0; i < p->nodes; i++)
		if (!member_of[i]) {
			sc_perr(p, v, "node %d is in no group of '%s'", i + 1, o->name);
			return;
		}
	for (int a = 1; a <= p->nodes; a++)
		for (int b = a + 1; b <= p->nodes; b++)
			if (!partition_can_talk(member_of, a, b))
				return;
	sc_perr(p, v, "'%s' cuts nothing: every node shares a group with every other", o->name);
}

static void parse_list(struct pctx *p, const struct sc_option *o, const yaml_node_t *v, struct strlist *l)
{
	const yaml_node_item_t *start, *top;
	const yaml_node_item_t one[1] = { 0 };

	if (v->type == YAML_SCALAR_NODE && !is_null(v)) {
		/* a single value stands for a list of one */
		start = one;
		top = one + 1;
	} else if (v->type == YAML_SEQUENCE_NODE) {
		start = v->data.sequence.items.start;
		top = v->data.sequence.items.top;
	} else if (is_null(v)) {
		start = top = NULL;
	} else {
		sc_perr(p, v, "'%s' must be a list, found %s", o->name, kind_name(v));
		return;
	}
	for (const yaml_node_item_t *it = start; it < top; it++) {
		const yaml_node_t *e = start == one ? v : sc_node_at(p, *it);
		const char *s = scalar(e);
		if (!s) {
			sc_perr(p, e, "'%s' must list words, found %s", o->name, kind_name(e));
			continue;
		}
		if (o->allowed) {
			size_t k;
			for (k = 0; o->allowed[k]; k++)
				if (!strcmp(o->allowed[k], s))
					break;
			if (!o->allowed[k]) {
				struct strbuf sb = { 0 };
				sb_printf(&sb, "unknown %s '%s'", !strcmp(o->name, "checks") ? "checker" : "value", s);
				did_you_mean(&sb, s, o->allowed, SIZE_MAX);
				if (!nearest_word(s, o->allowed, SIZE_MAX)) {
					sb_puts(&sb, " (one of ");
					sc_list_words(&sb, o->allowed);
					sb_puts(&sb, ")");
				}
				sc_perr(p, e, "%s", sb.buf);
				sb_release(&sb);
				continue;
			}
		}
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = xstrdup(s);
	}
	if (start == top && (o->flags & SC_F_REQUIRED))
		sc_perr(p, v, "'%s' is empty", o->name);
}

static void parse_kvmap(struct pctx *p, const struct sc_option *o, const yaml_node_t *v, struct kvlist *l)
{
	if (is_null(v))
		return;
	if (v->type != YAML_MAPPING_NODE) {
		sc_perr(p, v, "'%s' must be a mapping of option: value, found %s", o->name, kind_name(v));
		return;
	}
	for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = sc_node_at(p, pr->key), *val = sc_node_at(p, pr->value);
		const char *ks = scalar(k), *vs = scalar(val);
		bool ok = ks && *ks;

		for (const char *c = ks; ok && *c; c++)
			if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-' || *c == '.'))
				ok = false;
		if (!ok) {
			sc_perr(p, k, "'%s' option names are letters, digits, '_', '-' and '.', not '%s'", o->name,
			     ks ? ks : kind_name(k));
			continue;
		}
		if (!vs) {
			sc_perr(p, val, "'%s.%s' must be a scalar, found %s", o->name, ks, kind_name(val));
			continue;
		}
		if (strchr(vs, '\n')) {
			sc_perr(p, val, "'%s.%s' must be on one line", o->name, ks);
			continue;
		}
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n].key = xstrdup(ks);
		l->v[l->n].value = xstrdup(vs);
		l->n++;
	}
}

/* NAME: {option: value, ...}, ...: each set an SC_KVMAP of its own. */
static void parse_kvsets(struct pctx *p, const struct sc_option *o, const yaml_node_t *v, struct sc_kvsets *l)
{
	if (is_null(v))
		return;
	if (v->type != YAML_MAPPING_NODE) {
		sc_perr(p, v, "'%s' must be a mapping of NAME: {option: value, ...}, found %s", o->name, kind_name(v));
		return;
	}
	for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = sc_node_at(p, pr->key), *val = sc_node_at(p, pr->value);
		const char *ks = scalar(k);
		struct sc_option sub = *o;
		struct sc_kvset *set;
		bool dup = false;

		if (!ks || !is_ident(ks)) {
			sc_perr(p, k, "'%s' set names must be lowercase letters, digits, '.', '_' or '-', not '%s'", o->name,
				ks ? ks : kind_name(k));
			continue;
		}
		for (size_t i = 0; i < l->n; i++)
			dup |= !strcmp(l->v[i].name, ks);
		if (dup) {
			sc_perr(p, k, "duplicate key '%s' in '%s'", ks, o->name);
			continue;
		}
		if (is_null(val)) {
			sc_perr(p, val, "'%s.%s' is empty: an option set needs option: value", o->name, ks);
			continue;
		}
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		set = &l->v[l->n++];
		memset(set, 0, sizeof(*set));
		set->name = xstrdup(ks);
		set->line = (int)k->start_mark.line + 1;
		set->col = (int)k->start_mark.column + 1;
		sub.name = ks;
		parse_kvmap(p, &sub, val, &set->opts);
	}
}

/* "250ms", "10s", "2m", "24h": the largest unit that divides ms. */
void sc_format_duration(int64_t ms, char *buf, size_t size)
{
	if (ms % 1000 || ms == 0)
		snprintf(buf, size, "%lldms", (long long)ms);
	else if (ms % 60000)
		snprintf(buf, size, "%llds", (long long)(ms / 1000));
	else if (ms % 3600000)
		snprintf(buf, size, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, size, "%lldh", (long long)(ms / 3600000));
}

/* A scalar value (given or default). at is NULL for defaults. */
static void parse_scalar_opt(struct pctx *p, const struct sc_option *o, const yaml_node_t *at,
			     const char *s, void *base)
{
	void *field = (char *)base + o->offset;
	int64_t v;

	switch (o->type) {
	case SC_STRING:
		if (o->allowed) {
			size_t k;
			for (k = 0; o->allowed[k]; k++)
				if (!strcmp(o->allowed[k], s))
					break;
			if (!o->allowed[k]) {
				struct strbuf sb = { 0 };
				sb_printf(&sb, "'%s' must be ", o->name);
				sc_list_words(&sb, o->allowed);
				sb_printf(&sb, ", not '%s'", s);
				did_you_mean(&sb, s, o->allowed, SIZE_MAX);
				sc_perr(p, at, "%s", sb.buf);
				sb_release(&sb);
				return;
			}
		}
		if ((o->flags & SC_F_IDENT) && !is_ident(s)) {
			sc_perr(p, at, "'%s' must be lowercase letters, digits, '.', '_' or '-', not '%s'", o->name, s);
			return;
		}
		if ((o->flags & SC_F_RELPATH) && relpath_problem(s)) {
			sc_perr(p, at, "'%s' must be a plain path inside the datadir, not '%s': %s", o->name, s,
				relpath_problem(s));
			return;
		}
		if (o->flags & SC_F_SNAPSHOT) {
			const struct backend_ops *b = p->backend ? backend_find(p->backend) : NULL;
			const char *why = snapshot_name_problem(s);
			if (!why && b && b->snapshot_name_problem)
				why = b->snapshot_name_problem(s);
			if (why) {
				sc_perr(p, at, "'%s' is not a snapshot name%s%s takes: %s", s, b ? " backend " : "",
					b ? b->name : "", why);
				return;
			}
		}
		free(*(char **)field);
		*(char **)field = xstrdup(s);
		break;
	case SC_INT:
		if (parse_int64(s, INT64_MIN, INT64_MAX, &v) < 0) {
			sc_perr(p, at, "'%s' must be a whole number, not '%s'", o->name, s);
			return;
		}
		if (v < o->min || v > o->max) {
			if (o->max == INT64_MAX)
				sc_perr(p, at, "'%s' must be at least %lld, not %lld", o->name, (long long)o->min, (long long)v);
			else
				sc_perr(p, at, "'%s' must be between %lld and %lld, not %lld", o->name, (long long)o->min,
				     (long long)o->max, (long long)v);
			return;
		}
		*(int64_t *)field = v;
		break;
	case SC_DURATION:
		if (parse_duration_ms(s, &v) < 0) {
			sc_perr(p, at, "'%s' must be a duration such as 500ms, 10s or 2m, not '%s'", o->name, s);
			return;
		}
		if (v < o->min || v > o->max) {
			char lo[32], hi[32];
			sc_format_duration(o->min, lo, sizeof(lo));
			sc_format_duration(o->max, hi, sizeof(hi));
			sc_perr(p, at, "'%s' must be between %s and %s, not '%s'", o->name, lo, hi, s);
			return;
		}
		*(int64_t *)field = v;
		break;
	case SC_BOOL:
		if (parse_bool(s, (bool *)field) < 0)
			sc_perr(p, at, "'%s' must be true or false, not '%s'", o->name, s);
		break;
	case SC_SIGNAL: {
		int sig = signal_from_name(s);
		if (sig < 0) {
			const char *names[ARRAY_SIZE(signals) + 1];
			struct strbuf sb = { 0 };
			for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
				names[i] = signals[i].name;
			names[ARRAY_SIZE(signals)] = NULL;
			sb_printf(&sb, "'%s' must be a signal name or number, not '%s'", o->name, s);
			did_you_mean(&sb, !strncasecmp(s, "SIG", 3) ? s + 3 : s, names, SIZE_MAX);
			sc_perr(p, at, "%s", sb.buf);
			sb_release(&sb);
			return;
		}
		*(int *)field = sig;
		break;
	}
	default:
		sc_perr(p, at, "'%s' must be %s", o->name, "a structured value");
		break;
	}
}

#define parse_map sc_parse_map

static void apply_defaults(struct pctx *p, const struct sc_option *t, size_t n, void *base, uint64_t given)
{
	for (size_t i = 0; i < n; i++) {
		if (given & (1ull << i))
			continue;
		if (t[i].type == SC_SECTION) {
			apply_defaults(p, t[i].sub, t[i].n_sub, (char *)base + t[i].offset, 0);
		} else if (t[i].type == SC_NODES && t[i].def && !strcmp(t[i].def, "all")) {
			struct node_set *ns = (struct node_set *)((char *)base + t[i].offset);
			ns->all = true;
			ns->mask = all_mask(p->nodes);
		} else if (t[i].def) {
			parse_scalar_opt(p, &t[i], NULL, t[i].def, base);
		}
	}
}

static void parse_expect(struct pctx *p, const struct sc_option *o, const yaml_node_t *m, struct sc_expect *e);

static void parse_value(struct pctx *p, const struct sc_option *o, const yaml_node_t *v, void *base)
{
	void *field = (char *)base + o->offset;

	switch (o->type) {
	case SC_NODES:
		parse_nodes(p, o, v, field);
		return;
	case SC_GROUPS:
		parse_groups(p, o, v, field);
		return;
	case SC_LIST:
		parse_list(p, o, v, field);
		return;
	case SC_KVMAP:
		parse_kvmap(p, o, v, field);
		return;
	case SC_KVSETS:
		parse_kvsets(p, o, v, field);
		return;
	case SC_SECTION:
		if (is_null(v)) {
			apply_defaults(p, o->sub, o->n_sub, field, 0);
			return;
		}
		parse_map(p, v, o->sub, o->n_sub, field, o->name, NULL);
		return;
	case SC_STEPS:
		return; /* handled by the caller */
	case SC_EXPECT:
		parse_expect(p, o, v, field);
		return;
	default:
		break;
	}
	if (!scalar(v)) {
		sc_perr(p, v, "'%s' must be a single value, found %s", o->name, kind_name(v));
		return;
	}
	if (is_null(v) && o->type != SC_STRING) {
		sc_perr(p, v, "'%s' has no value", o->name);
		return;
	}
	parse_scalar_opt(p, o, v, scalar(v), base);
}

const yaml_node_t *sc_map_get(struct pctx *p, const yaml_node_t *m, const char *key, const yaml_node_t **keynode)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		const yaml_node_t *k = sc_node_at(p, pr->key);
		if (scalar(k) && !strcmp(scalar(k), key)) {
			if (keynode)
				*keynode = k;
			return sc_node_at(p, pr->value);
		}
	}
	return NULL;
}

/* expect: { KEY: VALUE, ... } where KEY is a checker's expect key and VALUE
 * one of the values that checker reports (checker.h). */
static void parse_expect(struct pctx *p, const struct sc_option *o, const yaml_node_t *m, struct sc_expect *e)
{
	const char *keys[LAB_MAX_CHECKERS + 1];
	size_t n = 0;

	if (is_null(m))
		return;
	if (m->type != YAML_MAPPING_NODE) {
		sc_perr(p, m, "'%s' must be a mapping of checker: expected result, found %s", o->name, kind_name(m));
		return;
	}
	for (size_t i = 0; lab_checkers[i] && n < LAB_MAX_CHECKERS; i++)
		keys[n++] = checker_expect_key(lab_checkers[i]);
	keys[n] = NULL;
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = sc_node_at(p, pr->key), *v = sc_node_at(p, pr->value);
		const char *ks = scalar(k), *vs = scalar(v);
		const struct checker_ops *c = ks ? checker_by_expect_key(ks) : NULL;
		int idx;

		if (!ks) {
			sc_perr(p, k, "keys in '%s' must be words, found %s", o->name, kind_name(k));
			continue;
		}
		if (!c) {
			struct strbuf sb = { 0 };
			sb_printf(&sb, "unknown key '%s' in '%s'", ks, o->name);
			did_you_mean(&sb, ks, keys, n);
			if (!nearest_word(ks, keys, n)) {
				sb_puts(&sb, " (one of ");
				sc_list_words(&sb, keys);
				sb_puts(&sb, ")");
			}
			sc_perr(p, k, "%s", sb.buf);
			sb_release(&sb);
			continue;
		}
		idx = checker_index(c);
		if (e->v[idx]) {
			sc_perr(p, k, "duplicate key '%s' in '%s'", ks, o->name);
			continue;
		}
		if (!vs || is_null(v) || !checker_expect_valid(c, vs)) {
			const char *const *allowed = c->expect_values ? c->expect_values : checker_pass_fail;
			struct strbuf sb = { 0 };
			sb_printf(&sb, "'%s' must be ", ks);
			sc_list_words(&sb, allowed);
			sb_printf(&sb, ", not '%s'", vs ? vs : kind_name(v));
			if (vs)
				did_you_mean(&sb, vs, allowed, SIZE_MAX);
			sc_perr(p, vs ? v : k, "%s", sb.buf);
			sb_release(&sb);
			continue;
		}
		e->v[idx] = xstrdup(vs);
	}
}

/* Parse mapping m against table t into base. Keys whose bit is already set
 * in *given_out on entry are skipped (parsed earlier by the caller). */
void sc_parse_map(struct pctx *p, const yaml_node_t *m, const struct sc_option *t, size_t n,
		      void *base, const char *section, uint64_t *given_out)
{
	uint64_t pre = given_out ? *given_out : 0, given = pre, seen_pre = 0;
	const char *names[64];

	if (m->type != YAML_MAPPING_NODE) {
		sc_perr(p, m, "'%s' must be a mapping, found %s", section, kind_name(m));
		return;
	}
	option_names(t, n, names);
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = sc_node_at(p, pr->key), *v = sc_node_at(p, pr->value);
		const char *ks = scalar(k);
		size_t i;

		if (!ks) {
			sc_perr(p, k, "keys in '%s' must be words, found %s", section, kind_name(k));
			continue;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(t[i].name, ks))
				break;
		if (i == n) {
			struct strbuf sb = { 0 };
			sb_printf(&sb, "unknown key '%s' in '%s'", ks, section);
			did_you_mean(&sb, ks, names, n);
			sc_perr(p, k, "%s", sb.buf);
			sb_release(&sb);
			continue;
		}
		if (pre & (1ull << i)) {
			/* parsed earlier by the caller: a second one is a duplicate */
			if (seen_pre & (1ull << i))
				sc_perr(p, k, "duplicate key '%s' in '%s'", ks, section);
			seen_pre |= 1ull << i;
			continue;
		}
		if (given & (1ull << i)) {
			sc_perr(p, k, "duplicate key '%s' in '%s'", ks, section);
			continue;
		}
		given |= 1ull << i;
		parse_value(p, &t[i], v, base);
	}
	for (size_t i = 0; i < n; i++)
		if ((t[i].flags & SC_F_REQUIRED) && !(given & (1ull << i)))
			sc_perr(p, m, "missing key '%s' in '%s'", t[i].name, section);
	apply_defaults(p, t, n, base, given);
	if (given_out)
		*given_out = given;
}

/* ------------------------------------------------------------------ */
/* Steps */

static void step_init(struct sc_step *st)
{
	memset(st, 0, sizeof(*st));
	st->seqno = SC_SEQNO_KEEP;
	st->safe_to_bootstrap = -1;
}

static void parse_step(struct pctx *p, const yaml_node_t *item, struct sc_step *st)
{
	const yaml_node_t *k, *v;
	const struct sc_action_desc *a;
	const char *name;
	uint64_t given = 0;

	step_init(st);
	st->line = (int)item->start_mark.line + 1;
	st->col = (int)item->start_mark.column + 1;
	if (scalar(item) && sc_action_find(scalar(item))) {
		/* "- heal": an action with no keys */
		a = sc_action_find(scalar(item));
		st->action = a;
		apply_defaults(p, a->opts, a->n_opts, st, 0);
		for (size_t i = 0; i < a->n_opts; i++)
			if (a->opts[i].flags & SC_F_REQUIRED)
				sc_perr(p, item, "missing key '%s' in '%s'", a->opts[i].name, a->name);
		return;
	}
	if (item->type != YAML_MAPPING_NODE || item->data.mapping.pairs.top == item->data.mapping.pairs.start) {
		sc_perr(p, item, "a step must be one action, e.g. '- kill: {node: 2}', found %s",
		     item->type == YAML_MAPPING_NODE ? "an empty mapping" : kind_name(item));
		return;
	}
	if (item->data.mapping.pairs.top - item->data.mapping.pairs.start > 1) {
		yaml_node_t *second = sc_node_at(p, item->data.mapping.pairs.start[1].key);
		sc_perr(p, second, "a step has one action; '%s' must be a step of its own (start it with '-')",
		     scalar(second) ? scalar(second) : "this");
	}
	k = sc_node_at(p, item->data.mapping.pairs.start[0].key);
	v = sc_node_at(p, item->data.mapping.pairs.start[0].value);
	name = scalar(k);
	if (!name) {
		sc_perr(p, k, "an action name must be a word, found %s", kind_name(k));
		return;
	}
	a = sc_action_find(name);
	if (!a) {
		const char *names[64];
		struct strbuf sb = { 0 };
		for (size_t i = 0; i < sc_n_actions; i++)
			names[i] = sc_actions[i].name;
		names[sc_n_actions] = NULL;
		sb_printf(&sb, "unknown action '%s'", name);
		did_you_mean(&sb, name, names, sc_n_actions);
		sc_perr(p, k, "%s", sb.buf);
		sb_release(&sb);
		return;
	}
	st->action = a;
	apply_defaults(p, a->opts, a->n_opts, st, 0);
	if (a->flavors && p->flavor) {
		size_t i;
		for (i = 0; a->flavors[i]; i++)
			if (!strcmp(a->flavors[i], p->flavor))
				break;
		if (!a->flavors[i]) {
			struct strbuf sb = { 0 };
			sc_list_words(&sb, a->flavors);
			sc_perr(p, k, "'%s' needs a cluster of flavor %s, this one is %s", a->name, sb.buf, p->flavor);
			sb_release(&sb);
		}
	}
	if (v->type == YAML_MAPPING_NODE) {
		parse_map(p, v, a->opts, a->n_opts, st, a->name, &given);
	} else if (is_null(v)) {
		for (size_t i = 0; i < a->n_opts; i++)
			if (a->opts[i].flags & SC_F_REQUIRED)
				sc_perr(p, v->start_mark.line == k->start_mark.line ? k : v, "missing key '%s' in '%s'",
				     a->opts[i].name, a->name);
		apply_defaults(p, a->opts, a->n_opts, st, 0);
	} else if (a->shorthand) {
		size_t i;
		for (i = 0; i < a->n_opts; i++)
			if (!strcmp(a->opts[i].name, a->shorthand))
				break;
		parse_value(p, &a->opts[i], v, st);
		apply_defaults(p, a->opts, a->n_opts, st, 1ull << i);
		given = 1ull << i;
	} else {
		sc_perr(p, v, "'%s' takes a mapping of its keys, e.g. {%s: ...}, found %s", a->name, a->opts[0].name,
		     kind_name(v));
		return;
	}
	if (a->validate) {
		const char *why = a->validate(st);
		if (why)
			sc_perr(p, v, "%s", why);
	}
}

static void parse_steps(struct pctx *p, struct scenario *sc, const yaml_node_t *v)
{
	if (v->type != YAML_SEQUENCE_NODE) {
		sc_perr(p, v, "'steps' must be a list of actions, found %s", kind_name(v));
		return;
	}
	sc->n_steps = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (!sc->n_steps) {
		sc_perr(p, v, "'steps' is empty");
		return;
	}
	sc->steps = xcalloc(sc->n_steps, sizeof(*sc->steps));
	for (size_t i = 0; i < sc->n_steps; i++)
		parse_step(p, sc_node_at(p, v->data.sequence.items.start[i]), &sc->steps[i]);
	sc_lint_steps(p, sc, v);
}

/* ------------------------------------------------------------------ */
/* The document */

static size_t top_index(const char *name)
{
	for (size_t i = 0; i < sc_n_top; i++)
		if (!strcmp(sc_top[i].name, name))
			return i;
	abort();
}

/* A scalar with a NUL in it (a YAML escape "\0") would be cut short
 * everywhere lab reads it as a C string: refused wherever it is. */
static void refuse_nul_scalars(struct pctx *p)
{
	for (yaml_node_t *n = p->doc->nodes.start; n < p->doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
			sc_perr(p, n, "a value may not hold a NUL character (\\0)");
}

/* cluster.mysqld: refuse what lab manages, and what runs programs unless
 * allow_commands says so (the same spelling with '-' or '_'). */
static void check_mysqld_options(struct pctx *p, const struct scenario *sc, const yaml_node_t *cl)
{
	const yaml_node_t *m = sc_map_get(p, cl, "mysqld", NULL);

	if (!m || m->type != YAML_MAPPING_NODE)
		return;
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = sc_node_at(p, pr->key);
		const char *ks = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;
		const char *why = ks ? mysqld_option_problem(ks, sc->cluster.allow_commands) : NULL;

		if (why)
			sc_perr(p, k, "'mysqld.%s' %s%s", ks, why,
				mysqld_option_problem(ks, true) ? "" : ": set 'allow_commands: true' in 'cluster' to allow it");
	}
}

/* A plan's run: its axis values replace the cluster section's (the
 * option set is merged over cluster.mysqld, key by key), before the steps
 * are read, so that everything that depends on them (the flavor an action
 * needs, a managed option) is checked as if the file said so. Problems
 * point at the cluster section. */
static void apply_overrides(struct pctx *p, struct scenario *sc, const yaml_node_t *cl)
{
	const struct sc_overrides *ov = p->ov;
	struct sc_cluster *c = &sc->cluster;

	if (ov->flavor) {
		free(c->flavor);
		c->flavor = xstrdup(ov->flavor);
	}
	if (ov->cache_mode) {
		free(c->cache_mode);
		c->cache_mode = xstrdup(ov->cache_mode);
	}
	if (ov->version) {
		free(c->version);
		c->version = xstrdup(ov->version);
	}
	for (size_t i = 0; ov->mysqld && i < ov->mysqld->n; i++) {
		const struct kv *o = &ov->mysqld->v[i];
		const char *why = mysqld_option_problem(o->key, c->allow_commands);
		size_t k;

		if (why) {
			sc_perr(p, cl, "'mysqld.%s' %s%s", o->key, why,
				mysqld_option_problem(o->key, true) ? "" : ": set 'allow_commands: true' in 'cluster' to allow it");
			continue;
		}
		for (k = 0; k < c->mysqld.n; k++)
			if (!strcmp(c->mysqld.v[k].key, o->key))
				break;
		if (k == c->mysqld.n) {
			c->mysqld.v = xrealloc(c->mysqld.v, (c->mysqld.n + 1) * sizeof(*c->mysqld.v));
			c->mysqld.v[k].key = xstrdup(o->key);
			c->mysqld.n++;
		} else {
			free(c->mysqld.v[k].value);
		}
		c->mysqld.v[k].value = xstrdup(o->value);
	}
}

static void parse_document(struct pctx *p, struct scenario *sc)
{
	yaml_node_t *root = yaml_document_get_root_node(p->doc);
	const yaml_node_t *cl, *steps, *k;
	uint64_t given = 0;
	size_t i_cluster = top_index("cluster");

	if (!root) {
		sc_perr(p, NULL, "empty scenario: it needs name, cluster and steps");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		sc_perr(p, root, "a scenario must be a mapping with name, cluster and steps, found %s", kind_name(root));
		return;
	}
	refuse_nul_scalars(p);
	/* Defaults everywhere first, so that no field is left NULL whatever
	 * errors follow; the keys given replace them. */
	apply_defaults(p, sc_top, sc_n_top, sc, 0);
	/* The cluster first: node numbers and flavors in steps depend on it. */
	cl = sc_map_get(p, root, "cluster", &k);
	if (cl) {
		size_t before = p->errs->n;
		parse_value(p, &sc_top[i_cluster], cl, sc);
		given |= 1ull << i_cluster;
		if (p->errs->n != before && sc->cluster.nodes < 1)
			sc->cluster.nodes = 3;
	}
	if (p->ov)
		apply_overrides(p, sc, cl ? cl : root);
	p->nodes = (int)sc->cluster.nodes;
	p->flavor = xstrdup(sc->cluster.flavor ? sc->cluster.flavor : "galera");
	p->backend = xstrdup(sc->cluster.backend ? sc->cluster.backend : "local");
	steps = sc_map_get(p, root, "steps", &k);
	parse_map(p, root, sc_top, sc_n_top, sc, "scenario", &given);
	if (steps)
		parse_steps(p, sc, steps);
	sc->has_seed = (given >> top_index("seed")) & 1;

	/* Cross-field rules. */
	if (cl)
		check_mysqld_options(p, sc, cl);
	if (!strcmp(sc->workload.lock, "for_update") && strcmp(sc->workload.update_style, "read_modify_write")) {
		const yaml_node_t *wk = sc_map_get(p, root, "workload", NULL);
		const yaml_node_t *lk = NULL;
		sc_map_get(p, wk, "lock", &lk);
		sc_perr(p, lk ? lk : wk, "'lock: for_update' needs 'update_style: read_modify_write'");
	}
	{
		const yaml_node_t *wk = sc_map_get(p, root, "workload", NULL), *at;
		int lo, hi;
		double ratio;
		if (append_ops_range_parse(sc->workload.ops_per_txn, &lo, &hi) < 0) {
			at = sc_map_get(p, wk, "ops_per_txn", NULL);
			sc_perr(p, at ? at : wk, "%s", lab_last_error());
		}
		if (append_ratio_parse(sc->workload.read_ratio, &ratio) < 0) {
			at = sc_map_get(p, wk, "read_ratio", NULL);
			sc_perr(p, at ? at : wk, "%s", lab_last_error());
		}
	}
	{
		const struct sc_mix *m = &sc->workload.mix;
		if (m->credit + m->purchase + m->transfer + m->new_customer + m->delete_customer + m->audit == 0)
			sc_perr(p, sc_map_get(p, sc_map_get(p, root, "workload", NULL), "mix", NULL), "'mix' has no transaction with a weight above 0");
	}
	if (cl && !strcmp(sc->cluster.backend, "libvirt")) {
		const yaml_node_t *lv = sc_map_get(p, cl, "libvirt", NULL);
		if (!lv)
			sc_perr(p, cl, "backend libvirt needs 'libvirt: {uri: ..., domains: [...]}' in 'cluster'");
		else if ((int64_t)sc->cluster.libvirt.domains.n != sc->cluster.nodes)
			sc_perr(p, lv, "'domains' lists %zu domain%s but the cluster has %lld nodes",
			     sc->cluster.libvirt.domains.n, sc->cluster.libvirt.domains.n == 1 ? "" : "s",
			     (long long)sc->cluster.nodes);
	}
	if (cl && sc->cluster.version && !versions_valid(sc->cluster.version))
		sc_perr(p, sc_map_get(p, cl, "version", NULL), "'version' must be a server version like 10.11.18, not '%s'",
			sc->cluster.version);
	for (size_t i = 0; cl && i < sc->cluster.versions.n; i++) {
		const struct kv *kv = &sc->cluster.versions.v[i];
		int64_t node;
		if (parse_int64(kv->key, 1, sc->cluster.nodes, &node) < 0)
			sc_perr(p, sc_map_get(p, cl, "versions", NULL), "'versions' keys are node numbers 1..%lld, not '%s'",
				(long long)sc->cluster.nodes, kv->key);
		else if (!versions_valid(kv->value))
			sc_perr(p, sc_map_get(p, cl, "versions", NULL), "'versions.%s' must be a server version like 10.11.18, not '%s'",
				kv->key, kv->value);
	}
	if (cl && !strcmp(sc->cluster.backend, "proxmox")) {
		const yaml_node_t *px = sc_map_get(p, cl, "proxmox", NULL);
		const struct sc_proxmox *x = &sc->cluster.proxmox;
		if (!px || !x->url)
			sc_perr(p, px ? px : cl, "backend proxmox needs 'proxmox: {url: ..., node: ..., vmids: [...]}' in 'cluster'");
		else if ((int64_t)x->vmids.n != sc->cluster.nodes || (x->nodes.n && (int64_t)x->nodes.n != sc->cluster.nodes))
			sc_perr(p, px, "'vmids' (and 'nodes', if given) must list one entry per node: the cluster has %lld nodes",
			     (long long)sc->cluster.nodes);
		else if (!x->node && !x->nodes.n)
			sc_perr(p, px, "'proxmox' needs 'node' (or 'nodes', one per VM)");
	}
}

/* Where an error message points: line and column after "FILE:". */
static void error_pos(const char *msg, size_t flen, long *line, long *col)
{
	*line = *col = 0;
	if (strlen(msg) > flen && msg[flen] == ':')
		sscanf(msg + flen + 1, "%ld:%ld:", line, col);
}

/* Errors in file order (insertion sort: stable, and the lists are short). */
/* An error with where it points, for sorting. */
struct placed_error {
	char *msg;
	long line, col;
	size_t order;  /* as reported: ties keep it (stable) */
};

static int placed_cmp(const void *a, const void *b)
{
	const struct placed_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Errors in file order, stable; O(n log n) (a file with tens of thousands
 * of bad steps is sorted in milliseconds). */
static void sort_errors(struct sc_errors *e, size_t from, size_t flen)
{
	size_t n = e->n - from;
	struct placed_error *v;

	if (n < 2)
		return;
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].msg = e->v[from + i];
		v[i].order = i;
		error_pos(v[i].msg, flen, &v[i].line, &v[i].col);
	}
	qsort(v, n, sizeof(*v), placed_cmp);
	for (size_t i = 0; i < n; i++)
		e->v[from + i] = v[i].msg;
	free(v);
}

/* Nesting deeper than this, or a file larger than SC_MAX_FILE_BYTES, is
 * refused before the document is built (libyaml's tree of 100k nested
 * lists takes seconds and memory for nothing). */
#define SC_MAX_DEPTH 64

/* 0, or -1 with the error added: the events of the text nest deeper than
 * SC_MAX_DEPTH (the document API would build the whole tree first). */
static int check_depth(const char *text, size_t len, const char *file, struct sc_errors *errs)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = 0;

	if (!yaml_parser_initialize(&parser))
		return 0; /* reported by the real parse */
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev))
			break; /* a syntax error: the real parse reports it */
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > SC_MAX_DEPTH) {
				errors_add(errs, xasprintf("%s:%zu:%zu: nested deeper than %d levels; a scenario needs a few",
							   file, ev.start_mark.line + 1, ev.start_mark.column + 1,
							   SC_MAX_DEPTH));
				rc = -1;
			}
		} else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		bool end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (end || rc < 0)
			break;
	}
	yaml_parser_delete(&parser);
	return rc;
}

int sc_parse_text(const char *text, size_t len, const char *file, const char *what, const struct sc_overrides *ov,
		  struct sc_errors *errs, void (*fill)(struct pctx *p, const yaml_node_t *root, void *arg), void *arg)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct pctx p = { .file = file, .doc = &doc, .errs = errs, .errors_at_start = errs->n, .nodes = 3, .ov = ov };

	sc_fill_names_once();
	if (len > SC_MAX_FILE_BYTES) {
		errors_add(errs, xasprintf("%s: %zu bytes; a %s file may hold at most %d (a %s is a few KiB)", file, len,
					   what, SC_MAX_FILE_BYTES, what));
		return -1;
	}
	if (check_depth(text, len, file, errs) < 0)
		return -1;
	if (!yaml_parser_initialize(&parser)) {
		sc_perr(&p, NULL, "cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		struct strbuf sb = { 0 };
		sb_printf(&sb, "%s:%zu:%zu: YAML syntax: %s", file, parser.problem_mark.line + 1,
			  parser.problem_mark.column + 1, parser.problem ? parser.problem : "error");
		if (parser.context)
			sb_printf(&sb, " (%s at line %zu)", parser.context, parser.context_mark.line + 1);
		errors_add(errs, sb_detach(&sb));
		yaml_parser_delete(&parser);
		return -1;
	}
	fill(&p, yaml_document_get_root_node(&doc), arg);
	free(p.flavor);
	free(p.backend);
	p.flavor = p.backend = NULL;
	yaml_document_delete(&doc);
	/* One document per file. */
	if (yaml_parser_load(&parser, &doc)) {
		yaml_node_t *r = yaml_document_get_root_node(&doc);
		if (r)
			sc_perr(&p, r, "a %s file holds one document; this is a second one", what);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	sort_errors(errs, p.errors_at_start, strlen(file));
	return errs->n != p.errors_at_start ? -1 : 0;
}

static void fill_scenario(struct pctx *p, const yaml_node_t *root, void *arg)
{
	(void)root;
	parse_document(p, arg);
}

static struct scenario *parse_with(const char *text, size_t len, const char *file, const struct sc_overrides *ov,
				   struct sc_errors *errs)
{
	struct scenario *sc = xcalloc(1, sizeof(*sc));
	char hash[65];

	sc->file = xstrdup(file);
	sha256_hex(text, len, hash);
	sc->hash = xstrdup(hash);
	if (sc_parse_text(text, len, file, "scenario", ov, errs, fill_scenario, sc) < 0) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

struct scenario *scenario_parse(const char *text, size_t len, const char *file, struct sc_errors *errs)
{
	return parse_with(text, len, file, NULL, errs);
}

/* At most max + 1 bytes of the file (so that "too large" can be said
 * without reading /dev/zero to the end). malloc'd, NUL-terminated. */
static char *read_capped(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f) {
		lab_error_quiet("%s", strerror(errno));
		return NULL;
	}
	buf = xmalloc(max + 2);
	*len = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		lab_error_quiet("read error");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

char *sc_read_file(const char *path, size_t *len, struct sc_errors *errs)
{
	char *text = read_capped(path, SC_MAX_FILE_BYTES, len);

	if (!text)
		errors_add(errs, xasprintf("%s: cannot read: %s", path, lab_last_error()));
	return text;
}

struct scenario *scenario_load_with(const char *path, const struct sc_overrides *ov, struct sc_errors *errs)
{
	size_t len;
	char *text = sc_read_file(path, &len, errs);
	struct scenario *sc;

	if (!text)
		return NULL;
	sc = parse_with(text, len, path, ov, errs);
	free(text);
	return sc;
}

struct scenario *scenario_load(const char *path, struct sc_errors *errs)
{
	return scenario_load_with(path, NULL, errs);
}

static void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void expect_release(struct sc_expect *e)
{
	for (size_t i = 0; i < LAB_MAX_CHECKERS; i++)
		free(e->v[i]);
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	free(sc->file);
	free(sc->hash);
	free(sc->name);
	free(sc->description);
	strlist_release(&sc->tags);
	free(sc->cluster.flavor);
	free(sc->cluster.backend);
	for (size_t i = 0; i < sc->cluster.mysqld.n; i++) {
		free(sc->cluster.mysqld.v[i].key);
		free(sc->cluster.mysqld.v[i].value);
	}
	free(sc->cluster.mysqld.v);
	free(sc->cluster.libvirt.uri);
	strlist_release(&sc->cluster.libvirt.domains);
	free(sc->cluster.proxmox.url);
	free(sc->cluster.proxmox.node);
	free(sc->cluster.proxmox.token_file);
	free(sc->cluster.proxmox.ca_file);
	free(sc->cluster.proxmox.fingerprint);
	strlist_release(&sc->cluster.proxmox.nodes);
	strlist_release(&sc->cluster.proxmox.vmids);
	free(sc->cluster.cache_mode);
	free(sc->cluster.version);
	free(sc->cluster.manager);
	for (size_t i = 0; i < sc->cluster.versions.n; i++) {
		free(sc->cluster.versions.v[i].key);
		free(sc->cluster.versions.v[i].value);
	}
	free(sc->cluster.versions.v);
	free(sc->workload.name);
	free(sc->workload.update_style);
	free(sc->workload.lock);
	free(sc->workload.isolation);
	free(sc->workload.ops_per_txn);
	free(sc->workload.read_ratio);
	for (size_t i = 0; i < sc->n_steps; i++) {
		struct sc_step *st = &sc->steps[i];
		free(st->op);
		free(st->name);
		free(st->path);
		free(st->mode);
		free(st->for_state);
		free(st->outcome);
		free(st->transfer);
		free(st->version);
		strlist_release(&st->checks);
		free(st->model);
		expect_release(&st->expect);
		free(st->torn);
		strlist_release(&st->faults);
		strlist_release(&st->targets);
		free(st->interval);
		free(st->recover);
	}
	free(sc->steps);
	expect_release(&sc->expect);
	free(sc->cleanup.nodes);
	free(sc);
}

