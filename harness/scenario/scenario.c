/*
 * scenario.c — reads a scenario file with libyaml and turns it into a
 * validated struct scenario, driven entirely by the option tables below
 * (one table per section and per action, STYLE.md "options described once,
 * as data"). The same tables give the defaults, the ranges, the allowed
 * values, the "did you mean" hints and `lab validate --describe`.
 *
 * Parsing never stops at the first problem: every error is collected as
 * "FILE:LINE:COL: message" so that `lab validate` can show all of them.
 * After the syntax, a pass over the steps checks what can be known before
 * touching a node: node numbers against cluster.nodes, that a revert has an
 * earlier snapshot of that name, that snapshot/revert/wipe act on a node
 * the scenario has stopped, that the workload is started before it is
 * stopped, and that every expectation has a check step that can meet it.
 */
#include "append.h"
#include "scenario.h"
#include "workload.h"
#include "util.h"

#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ------------------------------------------------------------------ */
/* Allowed values */

#define LAB_MAX_PLUGINS 16

/* Filled from the plug-in tables (lab_flavors[], lab_backends[],
 * lab_checkers[]) before the first parse: no second list of their names. */
static const char *v_flavors[LAB_MAX_PLUGINS + 1];
static const char *v_backends[LAB_MAX_PLUGINS + 1];
const char *sc_checker_names[LAB_MAX_CHECKERS + 1];
const char *const sc_cache_modes[] = { "none", "writethrough", "writeback", "unsafe", "directsync", NULL };
static const char *v_workloads[LAB_MAX_PLUGINS + 1];
static const char *const v_isolation[] = { "server", "serializable", "repeatable-read", "read-committed", "read-uncommitted", NULL };
static const char *const v_update[] = { "relative", "read_modify_write", NULL };
static const char *const v_lock[] = { "none", "for_update", NULL };
static const char *const v_cleanup[] = { "restart", "leave", NULL };

#define DAY_MS SC_DAY_MS
#define O(type, field) offsetof(type, field)
#define SECTION(tbl) tbl, ARRAY_SIZE(tbl)

/* ------------------------------------------------------------------ */
/* Section tables */

static const struct sc_option t_mix[] = {
	{ "credit", SC_INT, O(struct sc_mix, credit), "30", 0, 1000, NULL, 0, NULL, 0, "weight of credit transactions" },
	{ "purchase", SC_INT, O(struct sc_mix, purchase), "45", 0, 1000, NULL, 0, NULL, 0, "weight of purchases (1-5 products)" },
	{ "transfer", SC_INT, O(struct sc_mix, transfer), "10", 0, 1000, NULL, 0, NULL, 0, "weight of transfers between customers" },
	{ "new_customer", SC_INT, O(struct sc_mix, new_customer), "10", 0, 1000, NULL, 0, NULL, 0, "weight of new customers" },
	{ "delete_customer", SC_INT, O(struct sc_mix, delete_customer), "5", 0, 1000, NULL, 0, NULL, 0, "weight of customer deletions (with all their rows)" },
	{ "audit", SC_INT, O(struct sc_mix, audit), "0", 0, 1000, NULL, 0, NULL, 0, "weight of audits: every balance and the ledger sums read in one snapshot (a total that does not add up is read skew)" },
};

static const struct sc_option t_libvirt[] = {
	{ "uri", SC_STRING, O(struct sc_libvirt, uri), "qemu:///system", 0, 0, NULL, 0, NULL, 0, "libvirt connection URI, e.g. qemu+ssh://pve1/system" },
	{ "domains", SC_LIST, O(struct sc_libvirt, domains), NULL, 0, 0, NULL, 0, NULL, 0, "domain names, one per node, each carrying the lab marker" },
};

static const struct sc_option t_proxmox[] = {
	{ "url", SC_STRING, O(struct sc_proxmox, url), NULL, 0, 0, NULL, 0, NULL, 0, "the API, https://HOST:8006" },
	{ "node", SC_STRING, O(struct sc_proxmox, node), NULL, 0, 0, NULL, 0, NULL, 0, "the Proxmox node every VM is on" },
	{ "nodes", SC_LIST, O(struct sc_proxmox, nodes), NULL, 0, 0, NULL, 0, NULL, 0, "or the Proxmox node of each VM, one per node" },
	{ "vmids", SC_LIST, O(struct sc_proxmox, vmids), NULL, 0, 0, NULL, 0, NULL, 0, "VM ids, one per node, each tagged lab-CLUSTER-N" },
	{ "token_file", SC_STRING, O(struct sc_proxmox, token_file), NULL, 0, 0, NULL, 0, NULL, 0, "0600 file with USER@REALM!TOKENID=SECRET (else LAB_PROXMOX_TOKEN)" },
	{ "ca_file", SC_STRING, O(struct sc_proxmox, ca_file), NULL, 0, 0, NULL, 0, NULL, 0, "PEM CA of the API's certificate" },
	{ "fingerprint", SC_STRING, O(struct sc_proxmox, fingerprint), NULL, 0, 0, NULL, 0, NULL, 0, "or the certificate's SHA-256 fingerprint, AA:BB:..." },
};

static const struct sc_option t_cluster[] = {
	{ "flavor", SC_STRING, O(struct sc_cluster, flavor), "galera", 0, 0, v_flavors, 0, NULL, 0, "database topology" },
	{ "nodes", SC_INT, O(struct sc_cluster, nodes), "3", 1, LAB_MAX_NODES, NULL, 0, NULL, 0, "number of nodes" },
	{ "backend", SC_STRING, O(struct sc_cluster, backend), "local", 0, 0, v_backends, 0, NULL, 0, "what controls the nodes (--backend overrides)" },
	{ "mysqld", SC_KVMAP, O(struct sc_cluster, mysqld), NULL, 0, 0, NULL, 0, NULL, 0, "extra server options for every node" },
	{ "libvirt", SC_SECTION, O(struct sc_cluster, libvirt), NULL, 0, 0, NULL, 0, SECTION(t_libvirt), "libvirt connection and domains" },
	{ "proxmox", SC_SECTION, O(struct sc_cluster, proxmox), NULL, 0, 0, NULL, 0, SECTION(t_proxmox), "Proxmox VE API and VMs" },
	{ "cache_mode", SC_STRING, O(struct sc_cluster, cache_mode), "none", 0, 0, sc_cache_modes, 0, NULL, 0, "initial disk cache mode of every node" },
};

static const struct sc_option t_workload[] = {
	{ "name", SC_STRING, O(struct sc_workload, name), "bank", 0, 0, v_workloads, 0, NULL, 0, "workload" },
	{ "threads", SC_INT, O(struct sc_workload, threads), "8", 1, 256, NULL, 0, NULL, 0, "client threads" },
	{ "customers", SC_INT, O(struct sc_workload, customers), "1000", 1, 10000000, NULL, 0, NULL, 0, "customers loaded" },
	{ "products", SC_INT, O(struct sc_workload, products), "100", 1, 1000000, NULL, 0, NULL, 0, "products loaded" },
	{ "mix", SC_SECTION, O(struct sc_workload, mix), NULL, 0, 0, NULL, 0, SECTION(t_mix), "transaction mix (weights)" },
	{ "update_style", SC_STRING, O(struct sc_workload, update_style), "relative", 0, 0, v_update, 0, NULL, 0, "credit = credit + x, or read then write" },
	{ "lock", SC_STRING, O(struct sc_workload, lock), "none", 0, 0, v_lock, 0, NULL, 0, "SELECT ... FOR UPDATE before a read_modify_write" },
	{ "rate", SC_INT, O(struct sc_workload, rate), "0", 0, 1000000, NULL, 0, NULL, 0, "transactions per second in total, 0 = as fast as possible" },
	{ "isolation", SC_STRING, O(struct sc_workload, isolation), "server", 0, 0, v_isolation, 0, NULL, 0, "the session's transaction isolation level (server: leave the server's default)" },
	{ "sync_wait", SC_INT, O(struct sc_workload, sync_wait), "-1", -1, 15, NULL, 0, NULL, 0, "Galera's wsrep_sync_wait for every session (-1: leave the server's)" },
	{ "keys", SC_INT, O(struct sc_workload, keys), "8", 1, 100000, NULL, 0, NULL, 0, "append: keys in use at once (each retired after appends_per_key appends)" },
	{ "appends_per_key", SC_INT, O(struct sc_workload, appends_per_key), "32", 1, 65535, NULL, 0, NULL, 0, "append: appends before a key is replaced by a fresh one" },
	{ "ops_per_txn", SC_STRING, O(struct sc_workload, ops_per_txn), "1..4", 0, 0, NULL, 0, NULL, 0, "append: micro-operations per transaction, N or MIN..MAX within 1..16" },
	{ "read_ratio", SC_STRING, O(struct sc_workload, read_ratio), "0.5", 0, 0, NULL, 0, NULL, 0, "append: chance that a micro-operation is a read of a whole list, 0..1" },
};

static const struct sc_option t_cleanup[] = {
	{ "nodes", SC_STRING, O(struct sc_cleanup, nodes), "restart", 0, 0, v_cleanup, 0, NULL, 0, "at the end, restart nodes the scenario left down (only matters with --keep), or leave them" },
};

const struct sc_option sc_top[] = {
	{ "name", SC_STRING, O(struct scenario, name), NULL, 0, 0, NULL, SC_F_REQUIRED | SC_F_IDENT, NULL, 0, "scenario name: lowercase letters, digits, '-', '_', '.'" },
	{ "description", SC_STRING, O(struct scenario, description), NULL, 0, 0, NULL, 0, NULL, 0, "what it reproduces; the first sentence is the one-line purpose" },
	{ "seed", SC_INT, O(struct scenario, seed), NULL, 0, INT64_MAX, NULL, 0, NULL, 0, "random seed (--seed overrides; random when absent)" },
	{ "tags", SC_LIST, O(struct scenario, tags), NULL, 0, 0, NULL, 0, NULL, 0, "bug ids etc., printed when the scenario fails" },
	{ "timeout", SC_DURATION, O(struct scenario, timeout_ms), "30m", 1000, DAY_MS, NULL, 0, NULL, 0, "watchdog: the run is broken when it takes longer" },
	{ "cluster", SC_SECTION, O(struct scenario, cluster), NULL, 0, 0, NULL, SC_F_REQUIRED, SECTION(t_cluster), "what to build" },
	{ "workload", SC_SECTION, O(struct scenario, workload), NULL, 0, 0, NULL, 0, SECTION(t_workload), "the workload's parameters (bank, or append for the history checker)" },
	{ "steps", SC_STEPS, O(struct scenario, steps), NULL, 0, 0, NULL, SC_F_REQUIRED, NULL, 0, "the actions, in order" },
	{ "expect", SC_EXPECT, O(struct scenario, expect), NULL, 0, 0, NULL, 0, NULL, 0, "what the last run of each checker must find: CHECKER-KEY: VALUE" },
	{ "cleanup", SC_SECTION, O(struct scenario, cleanup), NULL, 0, 0, NULL, 0, SECTION(t_cleanup), "what to do with the nodes at the end" },
};
const size_t sc_n_top = ARRAY_SIZE(sc_top);

const struct sc_action_desc *sc_action_find(const char *name)
{
	for (size_t i = 0; i < sc_n_actions; i++)
		if (!strcmp(sc_actions[i].name, name))
			return &sc_actions[i];
	return NULL;
}

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

struct snap {
	int node;
	const char *name;
};

struct pctx {
	const char *file;
	yaml_document_t *doc;
	struct sc_errors *errs;
	size_t errors_at_start;
	int nodes;          /* cluster.nodes, for node numbers */
	char *flavor;       /* a copy of cluster.flavor: the defaults pass may free the original */
};

static void perr(struct pctx *p, const yaml_node_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct pctx *p, const yaml_node_t *at, const char *fmt, ...)
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

static yaml_node_t *node_at(struct pctx *p, int idx)
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

static void list_words(struct strbuf *sb, const char *const *v)
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

static bool is_safe_relpath(const char *s)
{
	char *copy, *save = NULL, *part;
	bool ok = true;

	if (!*s || *s == '/')
		return false;
	copy = xstrdup(s);
	for (part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save))
		if (!strcmp(part, ".."))
			ok = false;
	free(copy);
	return ok;
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
		perr(p, at, "'%s' must be all, a node number or a list of them, not '%s'", key, s);
		return;
	}
	if (v < 1 || v > p->nodes) {
		perr(p, at, "node %lld is out of range: the cluster has %d node%s", (long long)v, p->nodes,
		     p->nodes == 1 ? "" : "s");
		return;
	}
	if (ns->mask & (1u << v))
		perr(p, at, "node %lld is listed twice", (long long)v);
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
	if (s && !strcmp(s, "all")) {
		if ((o->flags & SC_F_SINGLE) && p->nodes > 1) {
			perr(p, v, "'%s' must be one node, not all", o->name);
			return;
		}
		ns->all = true;
		ns->mask = all_mask(p->nodes);
	} else if (s) {
		node_set_add(p, v, o->name, s, ns);
	} else if (v->type == YAML_SEQUENCE_NODE) {
		if (o->flags & SC_F_SINGLE) {
			perr(p, v, "'%s' must be one node, not a list", o->name);
			return;
		}
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = node_at(p, *it);
			if (!scalar(e)) {
				perr(p, e, "'%s' must list node numbers, found %s", o->name, kind_name(e));
				continue;
			}
			node_set_add(p, e, o->name, scalar(e), ns);
		}
		if (!ns->mask && v->data.sequence.items.start == v->data.sequence.items.top)
			perr(p, v, "'%s' is an empty list", o->name);
	} else {
		perr(p, v, "'%s' must be all, a node number or a list of them, found %s", o->name, kind_name(v));
	}
}

static void parse_groups(struct pctx *p, const struct sc_option *o, const yaml_node_t *v, int *group_of)
{
	int ngroups = 0;
	size_t errors_before = p->errs->n;

	memset(group_of, 0, sizeof(int) * LAB_MAX_NODES);
	if (v->type != YAML_SEQUENCE_NODE) {
		perr(p, v, "'%s' must be a list of node lists, e.g. [[1], [2, 3]], found %s", o->name, kind_name(v));
		return;
	}
	for (yaml_node_item_t *g = v->data.sequence.items.start; g < v->data.sequence.items.top; g++) {
		yaml_node_t *gn = node_at(p, *g);
		struct node_set ns = { 0 };

		ngroups++;
		if (gn->type != YAML_SEQUENCE_NODE) {
			perr(p, gn, "each group in '%s' must be a list of nodes, found %s", o->name, kind_name(gn));
			continue;
		}
		for (yaml_node_item_t *it = gn->data.sequence.items.start; it < gn->data.sequence.items.top; it++) {
			yaml_node_t *e = node_at(p, *it);
			int64_t n;
			if (!scalar(e) || parse_int64(scalar(e), 1, p->nodes, &n) < 0) {
				if (scalar(e))
					node_set_add(p, e, o->name, scalar(e), &ns); /* reports it */
				else
					perr(p, e, "'%s' must list node numbers, found %s", o->name, kind_name(e));
				continue;
			}
			if (group_of[n - 1]) {
				perr(p, e, "node %lld is in two groups", (long long)n);
				continue;
			}
			group_of[n - 1] = ngroups;
		}
	}
	if (ngroups < 2) {
		perr(p, v, "'%s' needs at least two groups", o->name);
		return;
	}
	if (p->errs->n != errors_before)
		return; /* a node in a broken group is not "in no group" */
	for (int i = 0; i < p->nodes; i++)
		if (!group_of[i]) {
			perr(p, v, "node %d is in no group of '%s'", i + 1, o->name);
			return;
		}
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
		perr(p, v, "'%s' must be a list, found %s", o->name, kind_name(v));
		return;
	}
	for (const yaml_node_item_t *it = start; it < top; it++) {
		const yaml_node_t *e = start == one ? v : node_at(p, *it);
		const char *s = scalar(e);
		if (!s) {
			perr(p, e, "'%s' must list words, found %s", o->name, kind_name(e));
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
					list_words(&sb, o->allowed);
					sb_puts(&sb, ")");
				}
				perr(p, e, "%s", sb.buf);
				sb_release(&sb);
				continue;
			}
		}
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = xstrdup(s);
	}
	if (start == top && (o->flags & SC_F_REQUIRED))
		perr(p, v, "'%s' is empty", o->name);
}

static void parse_kvmap(struct pctx *p, const struct sc_option *o, const yaml_node_t *v, struct kvlist *l)
{
	if (is_null(v))
		return;
	if (v->type != YAML_MAPPING_NODE) {
		perr(p, v, "'%s' must be a mapping of option: value, found %s", o->name, kind_name(v));
		return;
	}
	for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(p, pr->key), *val = node_at(p, pr->value);
		const char *ks = scalar(k), *vs = scalar(val);
		bool ok = ks && *ks;

		for (const char *c = ks; ok && *c; c++)
			if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-' || *c == '.'))
				ok = false;
		if (!ok) {
			perr(p, k, "'%s' option names are letters, digits, '_', '-' and '.', not '%s'", o->name,
			     ks ? ks : kind_name(k));
			continue;
		}
		if (!vs) {
			perr(p, val, "'%s.%s' must be a scalar, found %s", o->name, ks, kind_name(val));
			continue;
		}
		if (strchr(vs, '\n')) {
			perr(p, val, "'%s.%s' must be on one line", o->name, ks);
			continue;
		}
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n].key = xstrdup(ks);
		l->v[l->n].value = xstrdup(vs);
		l->n++;
	}
}

/* "250ms", "10s", "2m", "24h": the largest unit that divides ms. */
static void format_duration(int64_t ms, char *buf, size_t size)
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
				list_words(&sb, o->allowed);
				sb_printf(&sb, ", not '%s'", s);
				did_you_mean(&sb, s, o->allowed, SIZE_MAX);
				perr(p, at, "%s", sb.buf);
				sb_release(&sb);
				return;
			}
		}
		if ((o->flags & SC_F_IDENT) && !is_ident(s)) {
			perr(p, at, "'%s' must be lowercase letters, digits, '.', '_' or '-', not '%s'", o->name, s);
			return;
		}
		if ((o->flags & SC_F_RELPATH) && !is_safe_relpath(s)) {
			perr(p, at, "'%s' must be a path relative to the datadir without '..', not '%s'", o->name, s);
			return;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(s);
		break;
	case SC_INT:
		if (parse_int64(s, INT64_MIN, INT64_MAX, &v) < 0) {
			perr(p, at, "'%s' must be a whole number, not '%s'", o->name, s);
			return;
		}
		if (v < o->min || v > o->max) {
			if (o->max == INT64_MAX)
				perr(p, at, "'%s' must be at least %lld, not %lld", o->name, (long long)o->min, (long long)v);
			else
				perr(p, at, "'%s' must be between %lld and %lld, not %lld", o->name, (long long)o->min,
				     (long long)o->max, (long long)v);
			return;
		}
		*(int64_t *)field = v;
		break;
	case SC_DURATION:
		if (parse_duration_ms(s, &v) < 0) {
			perr(p, at, "'%s' must be a duration such as 500ms, 10s or 2m, not '%s'", o->name, s);
			return;
		}
		if (v < o->min || v > o->max) {
			char lo[32], hi[32];
			format_duration(o->min, lo, sizeof(lo));
			format_duration(o->max, hi, sizeof(hi));
			perr(p, at, "'%s' must be between %s and %s, not '%s'", o->name, lo, hi, s);
			return;
		}
		*(int64_t *)field = v;
		break;
	case SC_BOOL:
		if (parse_bool(s, (bool *)field) < 0)
			perr(p, at, "'%s' must be true or false, not '%s'", o->name, s);
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
			perr(p, at, "%s", sb.buf);
			sb_release(&sb);
			return;
		}
		*(int *)field = sig;
		break;
	}
	default:
		perr(p, at, "'%s' must be %s", o->name, "a structured value");
		break;
	}
}

static void parse_map(struct pctx *p, const yaml_node_t *m, const struct sc_option *t, size_t n,
		      void *base, const char *section, uint64_t *given_out);

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
		perr(p, v, "'%s' must be a single value, found %s", o->name, kind_name(v));
		return;
	}
	if (is_null(v) && o->type != SC_STRING) {
		perr(p, v, "'%s' has no value", o->name);
		return;
	}
	parse_scalar_opt(p, o, v, scalar(v), base);
}

static const yaml_node_t *map_get(struct pctx *p, const yaml_node_t *m, const char *key, const yaml_node_t **keynode)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		const yaml_node_t *k = node_at(p, pr->key);
		if (scalar(k) && !strcmp(scalar(k), key)) {
			if (keynode)
				*keynode = k;
			return node_at(p, pr->value);
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
		perr(p, m, "'%s' must be a mapping of checker: expected result, found %s", o->name, kind_name(m));
		return;
	}
	for (size_t i = 0; lab_checkers[i] && n < LAB_MAX_CHECKERS; i++)
		keys[n++] = checker_expect_key(lab_checkers[i]);
	keys[n] = NULL;
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *ks = scalar(k), *vs = scalar(v);
		const struct checker_ops *c = ks ? checker_by_expect_key(ks) : NULL;
		int idx;

		if (!ks) {
			perr(p, k, "keys in '%s' must be words, found %s", o->name, kind_name(k));
			continue;
		}
		if (!c) {
			struct strbuf sb = { 0 };
			sb_printf(&sb, "unknown key '%s' in '%s'", ks, o->name);
			did_you_mean(&sb, ks, keys, n);
			if (!nearest_word(ks, keys, n)) {
				sb_puts(&sb, " (one of ");
				list_words(&sb, keys);
				sb_puts(&sb, ")");
			}
			perr(p, k, "%s", sb.buf);
			sb_release(&sb);
			continue;
		}
		idx = checker_index(c);
		if (e->v[idx]) {
			perr(p, k, "duplicate key '%s' in '%s'", ks, o->name);
			continue;
		}
		if (!vs || is_null(v) || !checker_expect_valid(c, vs)) {
			const char *const *allowed = c->expect_values ? c->expect_values : checker_pass_fail;
			struct strbuf sb = { 0 };
			sb_printf(&sb, "'%s' must be ", ks);
			list_words(&sb, allowed);
			sb_printf(&sb, ", not '%s'", vs ? vs : kind_name(v));
			if (vs)
				did_you_mean(&sb, vs, allowed, SIZE_MAX);
			perr(p, vs ? v : k, "%s", sb.buf);
			sb_release(&sb);
			continue;
		}
		e->v[idx] = xstrdup(vs);
	}
}

const char *sc_expect_get(const struct sc_expect *e, const struct checker_ops *ops)
{
	int i = checker_index(ops);

	return i >= 0 ? e->v[i] : NULL;
}

/* The name lists that come from the plug-in tables, once. */
static void fill_names(void)
{
	size_t n = 0;


	for (size_t i = 0; lab_flavors[i] && n < LAB_MAX_PLUGINS; i++)
		v_flavors[n++] = flavor_name(lab_flavors[i]);
	v_flavors[n] = NULL;
	n = 0;
	for (size_t i = 0; lab_backends[i] && n < LAB_MAX_PLUGINS; i++)
		v_backends[n++] = backend_name(lab_backends[i]);
	v_backends[n] = NULL;
	n = 0;
	for (const char *w; (w = workload_name_at(n)) && n < LAB_MAX_PLUGINS;)
		v_workloads[n++] = w;
	v_workloads[n] = NULL;
	n = 0;
	for (size_t i = 0; lab_checkers[i] && n < LAB_MAX_CHECKERS; i++)
		sc_checker_names[n++] = lab_checkers[i]->name;
	sc_checker_names[n] = NULL;
}

static void fill_names_once(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fill_names);
}

/* Parse mapping m against table t into base. Keys whose bit is already set
 * in *given_out on entry are skipped (parsed earlier by the caller). */
static void parse_map(struct pctx *p, const yaml_node_t *m, const struct sc_option *t, size_t n,
		      void *base, const char *section, uint64_t *given_out)
{
	uint64_t pre = given_out ? *given_out : 0, given = pre;
	const char *names[64];

	if (m->type != YAML_MAPPING_NODE) {
		perr(p, m, "'%s' must be a mapping, found %s", section, kind_name(m));
		return;
	}
	option_names(t, n, names);
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *ks = scalar(k);
		size_t i;

		if (!ks) {
			perr(p, k, "keys in '%s' must be words, found %s", section, kind_name(k));
			continue;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(t[i].name, ks))
				break;
		if (i == n) {
			struct strbuf sb = { 0 };
			sb_printf(&sb, "unknown key '%s' in '%s'", ks, section);
			did_you_mean(&sb, ks, names, n);
			perr(p, k, "%s", sb.buf);
			sb_release(&sb);
			continue;
		}
		if (pre & (1ull << i))
			continue;
		if (given & (1ull << i)) {
			perr(p, k, "duplicate key '%s' in '%s'", ks, section);
			continue;
		}
		given |= 1ull << i;
		parse_value(p, &t[i], v, base);
	}
	for (size_t i = 0; i < n; i++)
		if ((t[i].flags & SC_F_REQUIRED) && !(given & (1ull << i)))
			perr(p, m, "missing key '%s' in '%s'", t[i].name, section);
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
				perr(p, item, "missing key '%s' in '%s'", a->opts[i].name, a->name);
		return;
	}
	if (item->type != YAML_MAPPING_NODE || item->data.mapping.pairs.top == item->data.mapping.pairs.start) {
		perr(p, item, "a step must be one action, e.g. '- kill: {node: 2}', found %s",
		     item->type == YAML_MAPPING_NODE ? "an empty mapping" : kind_name(item));
		return;
	}
	if (item->data.mapping.pairs.top - item->data.mapping.pairs.start > 1) {
		yaml_node_t *second = node_at(p, item->data.mapping.pairs.start[1].key);
		perr(p, second, "a step has one action; '%s' must be a step of its own (start it with '-')",
		     scalar(second) ? scalar(second) : "this");
	}
	k = node_at(p, item->data.mapping.pairs.start[0].key);
	v = node_at(p, item->data.mapping.pairs.start[0].value);
	name = scalar(k);
	if (!name) {
		perr(p, k, "an action name must be a word, found %s", kind_name(k));
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
		perr(p, k, "%s", sb.buf);
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
			list_words(&sb, a->flavors);
			perr(p, k, "'%s' needs a cluster of flavor %s, this one is %s", a->name, sb.buf, p->flavor);
			sb_release(&sb);
		}
	}
	if (v->type == YAML_MAPPING_NODE) {
		parse_map(p, v, a->opts, a->n_opts, st, a->name, &given);
	} else if (is_null(v)) {
		for (size_t i = 0; i < a->n_opts; i++)
			if (a->opts[i].flags & SC_F_REQUIRED)
				perr(p, v->start_mark.line == k->start_mark.line ? k : v, "missing key '%s' in '%s'",
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
		perr(p, v, "'%s' takes a mapping of its keys, e.g. {%s: ...}, found %s", a->name, a->opts[0].name,
		     kind_name(v));
		return;
	}
	if (a->validate) {
		const char *why = a->validate(st);
		if (why)
			perr(p, v, "%s", why);
	}
}

/* What the pass over the steps knows about each node. */
enum nstate { N_UP, N_DOWN, N_UNKNOWN };

static bool in_set(const struct node_set *ns, int node)
{
	return ns->mask & (1u << node);
}

static void lint_steps(struct pctx *p, struct scenario *sc, const yaml_node_t *steps_node)
{
	enum nstate state[LAB_MAX_NODES + 1];
	struct snap *snaps = NULL;
	size_t n_snaps = 0;
	int workload_line = 0;
	bool ran[LAB_MAX_CHECKERS] = { false };

	for (int i = 0; i <= LAB_MAX_NODES; i++)
		state[i] = N_UP;
	for (size_t s = 0; s < sc->n_steps; s++) {
		struct sc_step *st = &sc->steps[s];
		yaml_node_t *item = node_at(p, steps_node->data.sequence.items.start[s]);
		bool certain = st->outcome && !strcmp(st->outcome, "ok");

		if (!st->action)
			continue;
		if (st->action->flags & SC_A_WORKLOAD) {
			if (!st->op) {
				/* reported by the parser */
			} else if (!strcmp(st->op, "start")) {
				if (workload_line)
					perr(p, item, "the workload is already running (started at line %d)", workload_line);
				workload_line = st->line;
			} else {
				if (!workload_line)
					perr(p, item, "the workload is not running here; 'workload: start' it first");
				workload_line = 0;
			}
		}
		if (st->action->effect == SC_EFFECT_NEEDS_DOWN)
			for (int n = 1; n <= p->nodes; n++) {
				if (!in_set(&st->nodes, n))
					continue;
				if (state[n] == N_UP)
					perr(p, item, "node %d is running here: '%s' needs it stopped (stop, kill or hard-reset it first)",
					     n, st->action->name);
				if ((st->action->flags & SC_A_TAKES_SNAPSHOT) && st->name) {
					snaps = xrealloc(snaps, (n_snaps + 1) * sizeof(*snaps));
					snaps[n_snaps].node = n;
					snaps[n_snaps].name = st->name;
					n_snaps++;
				} else if ((st->action->flags & SC_A_NEEDS_SNAPSHOT) && st->name) {
					size_t k;
					for (k = 0; k < n_snaps; k++)
						if (snaps[k].node == n && !strcmp(snaps[k].name, st->name))
							break;
					if (k == n_snaps)
						perr(p, item, "no snapshot '%s' of node %d is taken before this step", st->name, n);
				}
			}
		/* A kill with STOP or CONT freezes or thaws: the node stays up. */
		if ((st->action->effect == SC_EFFECT_DOWN && st->signal != SIGSTOP && st->signal != SIGCONT) ||
		    st->action->effect == SC_EFFECT_UP)
			for (int n = 1; n <= p->nodes; n++)
				if (in_set(&st->nodes, n))
					state[n] = !certain ? N_UNKNOWN : st->action->effect == SC_EFFECT_UP ? N_UP : N_DOWN;
		if (st->action->flags & SC_A_CHECK)
			for (size_t c = 0; c < st->checks.n; c++) {
				const struct checker_ops *ops = checker_find(st->checks.v[c]);
				if (!ops)
					continue;
				ran[checker_index(ops)] = true;
				if (!checker_reads_workload(ops, sc->workload.name)) {
					struct strbuf sb = { 0 };
					list_words(&sb, ops->workloads);
					perr(p, item, "checker '%s' reads the %s workload's data, not the %s workload's",
					     ops->name, sb.buf, sc->workload.name);
					sb_release(&sb);
				}
				if (!checker_applies_to(ops, p->flavor)) {
					struct strbuf sb = { 0 };
					list_words(&sb, ops->flavors);
					perr(p, item, "checker '%s' applies to %s clusters, not %s", ops->name, sb.buf,
					     p->flavor);
					sb_release(&sb);
				}
			}
	}
	free(snaps);

	/* Every scenario-wide expectation needs a check step that runs it. */
	const yaml_node_t *ek, *ex = map_get(p, yaml_document_get_root_node(p->doc), "expect", &ek);
	for (size_t i = 0; ex && lab_checkers[i]; i++) {
		const yaml_node_t *kn = NULL;
		const char *key = checker_expect_key(lab_checkers[i]);
		if (map_get(p, ex, key, &kn) && !ran[i])
			perr(p, kn, "expect '%s' but no check step runs '%s'", key, lab_checkers[i]->name);
	}
}

static void parse_steps(struct pctx *p, struct scenario *sc, const yaml_node_t *v)
{
	if (v->type != YAML_SEQUENCE_NODE) {
		perr(p, v, "'steps' must be a list of actions, found %s", kind_name(v));
		return;
	}
	sc->n_steps = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (!sc->n_steps) {
		perr(p, v, "'steps' is empty");
		return;
	}
	sc->steps = xcalloc(sc->n_steps, sizeof(*sc->steps));
	for (size_t i = 0; i < sc->n_steps; i++)
		parse_step(p, node_at(p, v->data.sequence.items.start[i]), &sc->steps[i]);
	lint_steps(p, sc, v);
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

static void parse_document(struct pctx *p, struct scenario *sc)
{
	yaml_node_t *root = yaml_document_get_root_node(p->doc);
	const yaml_node_t *cl, *steps, *k;
	uint64_t given = 0;
	size_t i_cluster = top_index("cluster");

	if (!root) {
		perr(p, NULL, "empty scenario: it needs name, cluster and steps");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		perr(p, root, "a scenario must be a mapping with name, cluster and steps, found %s", kind_name(root));
		return;
	}
	/* Defaults everywhere first, so that no field is left NULL whatever
	 * errors follow; the keys given replace them. */
	apply_defaults(p, sc_top, sc_n_top, sc, 0);
	/* The cluster first: node numbers and flavors in steps depend on it. */
	cl = map_get(p, root, "cluster", &k);
	if (cl) {
		size_t before = p->errs->n;
		parse_value(p, &sc_top[i_cluster], cl, sc);
		given |= 1ull << i_cluster;
		if (p->errs->n != before && sc->cluster.nodes < 1)
			sc->cluster.nodes = 3;
	}
	p->nodes = (int)sc->cluster.nodes;
	p->flavor = xstrdup(sc->cluster.flavor ? sc->cluster.flavor : "galera");
	steps = map_get(p, root, "steps", &k);
	parse_map(p, root, sc_top, sc_n_top, sc, "scenario", &given);
	if (steps)
		parse_steps(p, sc, steps);
	sc->has_seed = (given >> top_index("seed")) & 1;

	/* Cross-field rules. */
	if (!strcmp(sc->workload.lock, "for_update") && strcmp(sc->workload.update_style, "read_modify_write")) {
		const yaml_node_t *wk = map_get(p, root, "workload", NULL);
		const yaml_node_t *lk = NULL;
		map_get(p, wk, "lock", &lk);
		perr(p, lk ? lk : wk, "'lock: for_update' needs 'update_style: read_modify_write'");
	}
	{
		const yaml_node_t *wk = map_get(p, root, "workload", NULL), *at;
		int lo, hi;
		double ratio;
		if (append_ops_range_parse(sc->workload.ops_per_txn, &lo, &hi) < 0) {
			at = map_get(p, wk, "ops_per_txn", NULL);
			perr(p, at ? at : wk, "%s", lab_last_error());
		}
		if (append_ratio_parse(sc->workload.read_ratio, &ratio) < 0) {
			at = map_get(p, wk, "read_ratio", NULL);
			perr(p, at ? at : wk, "%s", lab_last_error());
		}
	}
	{
		const struct sc_mix *m = &sc->workload.mix;
		if (m->credit + m->purchase + m->transfer + m->new_customer + m->delete_customer + m->audit == 0)
			perr(p, map_get(p, map_get(p, root, "workload", NULL), "mix", NULL), "'mix' has no transaction with a weight above 0");
	}
	if (cl && !strcmp(sc->cluster.backend, "libvirt")) {
		const yaml_node_t *lv = map_get(p, cl, "libvirt", NULL);
		if (!lv)
			perr(p, cl, "backend libvirt needs 'libvirt: {uri: ..., domains: [...]}' in 'cluster'");
		else if ((int64_t)sc->cluster.libvirt.domains.n != sc->cluster.nodes)
			perr(p, lv, "'domains' lists %zu domain%s but the cluster has %lld nodes",
			     sc->cluster.libvirt.domains.n, sc->cluster.libvirt.domains.n == 1 ? "" : "s",
			     (long long)sc->cluster.nodes);
	}
	if (cl && !strcmp(sc->cluster.backend, "proxmox")) {
		const yaml_node_t *px = map_get(p, cl, "proxmox", NULL);
		const struct sc_proxmox *x = &sc->cluster.proxmox;
		if (!px || !x->url)
			perr(p, px ? px : cl, "backend proxmox needs 'proxmox: {url: ..., node: ..., vmids: [...]}' in 'cluster'");
		else if ((int64_t)x->vmids.n != sc->cluster.nodes || (x->nodes.n && (int64_t)x->nodes.n != sc->cluster.nodes))
			perr(p, px, "'vmids' (and 'nodes', if given) must list one entry per node: the cluster has %lld nodes",
			     (long long)sc->cluster.nodes);
		else if (!x->node && !x->nodes.n)
			perr(p, px, "'proxmox' needs 'node' (or 'nodes', one per VM)");
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
static void sort_errors(struct sc_errors *e, size_t from, size_t flen)
{
	for (size_t i = from + 1; i < e->n; i++) {
		char *m = e->v[i];
		long l, c;
		size_t j = i;
		error_pos(m, flen, &l, &c);
		while (j > from) {
			long pl, pc;
			error_pos(e->v[j - 1], flen, &pl, &pc);
			if (pl < l || (pl == l && pc <= c))
				break;
			e->v[j] = e->v[j - 1];
			j--;
		}
		e->v[j] = m;
	}
}

struct scenario *scenario_parse(const char *text, size_t len, const char *file, struct sc_errors *errs)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct scenario *sc = xcalloc(1, sizeof(*sc));
	struct pctx p = { .file = file, .doc = &doc, .errs = errs, .errors_at_start = errs->n, .nodes = 3 };
	char hash[65];

	fill_names_once();
	sc->file = xstrdup(file);
	sha256_hex(text, len, hash);
	sc->hash = xstrdup(hash);
	if (!yaml_parser_initialize(&parser)) {
		perr(&p, NULL, "cannot initialise the YAML parser");
		scenario_free(sc);
		return NULL;
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
		scenario_free(sc);
		return NULL;
	}
	parse_document(&p, sc);
	free(p.flavor);
	p.flavor = NULL;
	yaml_document_delete(&doc);
	/* One document per file. */
	if (yaml_parser_load(&parser, &doc)) {
		yaml_node_t *r = yaml_document_get_root_node(&doc);
		if (r)
			perr(&p, r, "a scenario file holds one document; this is a second one");
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	sort_errors(errs, p.errors_at_start, strlen(file));
	if (errs->n != p.errors_at_start) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

struct scenario *scenario_load(const char *path, struct sc_errors *errs)
{
	size_t len;
	char *text = read_file(path, &len);
	struct scenario *sc;

	if (!text) {
		errors_add(errs, xasprintf("%s: cannot read: %s", path, lab_last_error()));
		return NULL;
	}
	sc = scenario_parse(text, len, path, errs);
	free(text);
	return sc;
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

/* ------------------------------------------------------------------ */
/* Reference text, purpose, node sets */

static const char *type_text(const struct sc_option *o)
{
	switch (o->type) {
	case SC_STRING: return o->allowed ? "word" : "text";
	case SC_INT: return "number";
	case SC_BOOL: return "bool";
	case SC_DURATION: return "duration";
	case SC_NODES: return (o->flags & SC_F_SINGLE) ? "node" : "nodes";
	case SC_SIGNAL: return "signal";
	case SC_GROUPS: return "groups";
	case SC_LIST: return "list";
	case SC_KVMAP: return "map";
	case SC_SECTION: return "section";
	case SC_STEPS: return "steps";
	case SC_EXPECT: return "section";
	}
	return "?";
}

/* One line per checker: its expect key, what it checks, its values. */
static void describe_expect(FILE *f, int indent)
{
	for (size_t i = 0; lab_checkers[i]; i++) {
		const struct checker_ops *c = lab_checkers[i];
		struct strbuf sb = { 0 };

		sb_printf(&sb, "%*s%-18s %-8s checker %s: %s; ", indent, "", checker_expect_key(c), "word", c->name,
			  c->help);
		list_words(&sb, c->expect_values ? c->expect_values : checker_pass_fail);
		if (c->flavors) {
			sb_puts(&sb, "; flavor ");
			list_words(&sb, c->flavors);
		}
		if (c->workloads) {
			sb_puts(&sb, "; workload ");
			list_words(&sb, c->workloads);
		}
		sb_printf(&sb, "; default %s", c->expect_default ? c->expect_default : "pass");
		fprintf(f, "%s\n", sb.buf);
		sb_release(&sb);
	}
}

static void describe_options(FILE *f, const struct sc_option *t, size_t n, int indent)
{
	for (size_t i = 0; i < n; i++) {
		const struct sc_option *o = &t[i];
		struct strbuf sb = { 0 };

		sb_printf(&sb, "%*s%-18s %-8s %s", indent, "", o->name, type_text(o), o->help);
		if (o->allowed) {
			sb_puts(&sb, "; ");
			list_words(&sb, o->allowed);
		}
		if (o->type == SC_INT && o->max != INT64_MAX)
			sb_printf(&sb, "; %lld..%lld", (long long)o->min, (long long)o->max);
		if (o->type == SC_DURATION) {
			char lo[32], hi[32];
			format_duration(o->min, lo, sizeof(lo));
			format_duration(o->max, hi, sizeof(hi));
			sb_printf(&sb, "; %s..%s", lo, hi);
		}
		if (o->def)
			sb_printf(&sb, "; default %s", o->def);
		if (o->flags & SC_F_REQUIRED)
			sb_puts(&sb, "; required");
		fprintf(f, "%s\n", sb.buf);
		sb_release(&sb);
		if (o->type == SC_SECTION)
			describe_options(f, o->sub, o->n_sub, indent + 2);
		if (o->type == SC_EXPECT)
			describe_expect(f, indent + 2);
	}
}

void scenario_describe(FILE *f)
{
	fill_names_once();
	fputs("Scenario keys:\n", f);
	describe_options(f, sc_top, sc_n_top, 2);
	fputs("\nActions (each step is '- ACTION: {key: value, ...}'; a scalar or list stands for the key in [ ]):\n", f);
	for (size_t i = 0; i < sc_n_actions; i++) {
		const struct sc_action_desc *a = &sc_actions[i];
		fprintf(f, "  - %s%s%s%s: %s", a->name, a->shorthand ? " [" : "", a->shorthand ? a->shorthand : "",
			a->shorthand ? "]" : "", a->help);
		if (a->flavors) {
			struct strbuf sb = { 0 };
			list_words(&sb, a->flavors);
			fprintf(f, " (flavor %s)", sb.buf);
			sb_release(&sb);
		}
		if (a->undo)
			fprintf(f, "; at the end, unless a later step did: %s", a->undo);
		fputc('\n', f);
		describe_options(f, a->opts, a->n_opts, 4);
	}
	fputs("\nNodes: all, a number, or a list [1, 3]. Durations: 500ms, 10s, 2m.\n", f);
}

void scenario_purpose(const struct scenario *sc, char *buf, size_t size)
{
	const char *d = sc->description ? sc->description : "";
	size_t o = 0;
	bool space = false;

	if (!size)
		return;
	while (isspace((unsigned char)*d))
		d++;
	for (; *d && o + 1 < size; d++) {
		if (isspace((unsigned char)*d)) {
			space = true;
			continue;
		}
		if (space && o + 2 < size)
			buf[o++] = ' ';
		space = false;
		buf[o++] = *d;
		if ((*d == '.' || *d == '!' || *d == '?') && (!d[1] || isspace((unsigned char)d[1])))
			break;
	}
	buf[o] = '\0';
}

void node_set_format(const struct node_set *ns, char *buf, size_t size)
{
	size_t o = 0;

	if (!size)
		return;
	buf[0] = '\0';
	if (ns->all) {
		lab_strlcpy(buf, "all", size);
		return;
	}
	for (int n = 1; n <= LAB_MAX_NODES; n++)
		if (ns->mask & (1u << n)) {
			int w = snprintf(buf + o, size - o, "%s%d", o ? "," : "", n);
			if (w < 0 || (size_t)w >= size - o)
				return;
			o += (size_t)w;
		}
}

int node_set_count(const struct node_set *ns)
{
	return __builtin_popcount(ns->mask);
}
