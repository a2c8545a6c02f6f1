/*
 * nemesis.c — the `nemesis` step: a schedule of random faults drawn from
 * the run's seed (nemesis_plan, pure and unit-tested), and its executor.
 *
 * The executor runs the faults one at a time: it waits for the fault's
 * offset, registers the fault's undo on the runner's undo stack, applies
 * it, holds it, undoes it (restart with the position recovered — every
 * node through node_start_all when all are down —, resume, heal) and
 * waits until every node is synced again before the next one. Each fault
 * is one row of the steps table with the step's seq, the fault's action
 * and nodes, and a detail that starts with the fault as planned
 * ("nemesis #3 at=12.345s hold=4.200s target=one ...") so that lab replay
 * and lab shrink can read the schedule back (nemesis_parse_row).
 *
 * Galera: a crash of a majority (kill or hard-reset, not a clean stop)
 * leaves the survivors without a Primary component; what a careful DBA
 * does then is what the undo does: stop the survivors cleanly and start
 * every node from the most advanced (node_start_all). Target `primary` is
 * cluster_primary() for the replication flavors, and node 1 for Galera,
 * where every node takes writes and node 1 is the first host of every
 * client's list (the node most clients write to).
 */
#include "nemesis.h"

#include "runner.h"
#include "util.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const nemesis_kind_names[] = { "kill", "pause", "partition", "hard-reset", "stop", NULL };
const char *const nemesis_target_names[] = { "one", "minority", "majority", "all", "primary", "ring", NULL };

#define SYNC_TIMEOUT_MS 180000
#define PROMOTE_AFTER_MS 1000

const char *nemesis_kind_name(enum nem_kind k)
{
	return k < NEM_N_KINDS ? nemesis_kind_names[k] : "?";
}

/* ------------------------------------------------------------------ */
/* Options */


int nemesis_parse_duration_range(const char *s, int64_t *lo, int64_t *hi)
{
	char first[64];
	const char *second;

	if (parse_range_split(s, first, sizeof(first), &second) < 0 || parse_duration_ms(first, lo) < 0 ||
	    parse_duration_ms(second, hi) < 0 || *lo > *hi)
		return -1;
	return 0;
}

int nemesis_parse_fraction_range(const char *s, double *lo, double *hi)
{
	char first[64];
	const char *second;

	if (parse_range_split(s, first, sizeof(first), &second) < 0 || parse_fraction(first, lo) < 0 ||
	    parse_fraction(second, hi) < 0 || *lo > *hi)
		return -1;
	return 0;
}

static int word_index(const char *const *words, const char *w)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(words[i], w))
			return i;
	return -1;
}

const char *nemesis_validate(const struct sc_step *st)
{
	int64_t lo, hi;
	double flo, fhi;

	if (nemesis_parse_duration_range(st->interval, &lo, &hi) < 0)
		return "'interval' must be a duration or MIN..MAX, e.g. 2s..8s";
	if (nemesis_parse_duration_range(st->recover, &lo, &hi) < 0)
		return "'recover' must be a duration or MIN..MAX, e.g. 1s..10s";
	if (hi > SC_DAY_MS)
		return "'recover' must be at most a day";
	if (nemesis_parse_fraction_range(st->torn, &flo, &fhi) < 0)
		return "'torn' must be a fraction or MIN..MAX within 0..1, e.g. 0..1";
	/* ring shapes partitions only: the other faults need another target */
	if (st->targets.n) {
		bool only_ring = true, other_fault = !st->faults.n;
		for (size_t i = 0; i < st->targets.n; i++)
			if (strcmp(st->targets.v[i], "ring"))
				only_ring = false;
		for (size_t i = 0; i < st->faults.n; i++)
			if (strcmp(st->faults.v[i], "partition"))
				other_fault = true;
		if (only_ring && other_fault)
			return "target 'ring' shapes partitions only: give another target for the other faults";
	}
	return NULL;
}

int nemesis_opts_from_step(const struct sc_step *st, struct nemesis_opts *o)
{
	const char *why = nemesis_validate(st);

	memset(o, 0, sizeof(*o));
	if (why) {
		lab_error("nemesis: %s", why);
		return -1;
	}
	nemesis_parse_duration_range(st->interval, &o->interval_min, &o->interval_max);
	nemesis_parse_duration_range(st->recover, &o->recover_min, &o->recover_max);
	nemesis_parse_fraction_range(st->torn, &o->torn_min, &o->torn_max);
	o->for_ms = st->for_ms;
	/* Not given: every fault, one node at a time. */
	if (!st->faults.n)
		o->kinds = (1u << NEM_N_KINDS) - 1;
	if (!st->targets.n)
		o->targets = 1u << NEM_ONE;
	for (size_t i = 0; i < st->faults.n; i++) {
		int k = word_index(nemesis_kind_names, st->faults.v[i]);
		if (k < 0) {
			lab_error("nemesis: unknown fault '%s'", st->faults.v[i]);
			return -1;
		}
		o->kinds |= 1u << k;
	}
	for (size_t i = 0; i < st->targets.n; i++) {
		int k = word_index(nemesis_target_names, st->targets.v[i]);
		if (k < 0) {
			lab_error("nemesis: unknown target '%s'", st->targets.v[i]);
			return -1;
		}
		o->targets |= 1u << k;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The schedule */

static int target_count(enum nem_target t, int nodes)
{
	switch (t) {
	case NEM_ONE: return 1;
	case NEM_MINORITY: return (nodes - 1) / 2 > 0 ? (nodes - 1) / 2 : 1;
	case NEM_MAJORITY: return nodes / 2 + 1 < nodes ? nodes / 2 + 1 : nodes;
	case NEM_ALL: return nodes;
	default: return 0; /* primary: chosen when it runs */
	}
}

/* k distinct nodes of 1..nodes, drawn uniformly (partial Fisher-Yates). */
static uint32_t draw_nodes(struct lab_rng *rng, int nodes, int k)
{
	int v[LAB_MAX_NODES];
	uint32_t mask = 0;

	for (int i = 0; i < nodes; i++)
		v[i] = i + 1;
	for (int i = 0; i < k && i < nodes; i++) {
		int j = (int)rng_range(rng, i, nodes - 1), t = v[i];
		v[i] = v[j];
		v[j] = t;
		mask |= 1u << v[i];
	}
	return mask;
}

/* Partition groups (a bit each): the targets in group 2 against the rest
 * in group 1; target all: every node alone. */
static void partition_groups(struct nemesis_fault *f, int nodes)
{
	for (int i = 0; i < LAB_MAX_NODES; i++)
		f->member_of[i] = 0;
	for (int i = 0; i < nodes; i++) {
		if (f->target == NEM_ALL)
			f->member_of[i] = 1u << i;
		else
			f->member_of[i] = (f->nodes & (1u << (i + 1))) ? 2u : 1u;
	}
}

/* A ring over the nodes in a random order: neighbours share a group
 * (4+ nodes), or with 3 a bridge (the first node drawn is in both groups).
 * Every node is affected: f->nodes is all of them. */
static void ring_groups(struct lab_rng *rng, struct nemesis_fault *f, int nodes)
{
	int v[LAB_MAX_NODES];

	for (int i = 0; i < LAB_MAX_NODES; i++)
		f->member_of[i] = 0;
	for (int i = 0; i < nodes; i++)
		v[i] = i + 1;
	for (int i = 0; i < nodes - 1; i++) {
		int j = (int)rng_range(rng, i, nodes - 1), t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
	f->nodes = 0;
	for (int i = 0; i < nodes; i++)
		f->nodes |= 1u << v[i];
	if (nodes == 3) {
		f->member_of[v[0] - 1] = 3u;
		f->member_of[v[1] - 1] = 1u;
		f->member_of[v[2] - 1] = 2u;
		return;
	}
	/* group i joins v[i] and v[i+1] (wrapping) */
	for (int i = 0; i < nodes; i++) {
		f->member_of[v[i] - 1] |= 1u << i;
		f->member_of[v[(i + 1) % nodes] - 1] |= 1u << i;
	}
}

size_t nemesis_plan(const struct nemesis_opts *o, uint64_t seed, int seq, int nodes, struct nemesis_fault **out)
{
	enum nem_kind kinds[NEM_N_KINDS];
	enum nem_target targets[NEM_N_TARGETS];
	int nk = 0, nt = 0;
	struct lab_rng rng;
	struct nemesis_fault *v = NULL;
	size_t n = 0, cap = 0;
	int64_t t;

	*out = NULL;
	for (int k = 0; k < NEM_N_KINDS; k++)
		if (o->kinds & (1u << k) && (k != NEM_PARTITION || nodes > 1))
			kinds[nk++] = (enum nem_kind)k;
	for (int k = 0; k < NEM_N_TARGETS; k++)
		if (o->targets & (1u << k) && (k != NEM_RING || nodes >= 3))
			targets[nt++] = (enum nem_target)k;
	if (!nk || !nt || nodes < 1)
		return 0;
	/* Only partitions draw ring: with nothing else allowed, the other
	 * kinds have no target (nemesis_validate refuses that). */
	if (nt == 1 && targets[0] == NEM_RING) {
		nk = 0;
		if ((o->kinds & (1u << NEM_PARTITION)) && nodes > 1)
			kinds[nk++] = NEM_PARTITION;
		if (!nk)
			return 0;
	}
	rng_init(&rng, seed, 0x6e656d6573697300ULL + (uint64_t)seq);
	t = rng_range(&rng, o->interval_min, o->interval_max);
	while (t < o->for_ms && n < 10000) {
		struct nemesis_fault f;

		memset(&f, 0, sizeof(f));
		f.seq = seq;
		f.no = (int)n + 1;
		f.kind = kinds[rng_range(&rng, 0, nk - 1)];
		f.target = targets[rng_range(&rng, 0, nt - 1)];
		if (f.target == NEM_RING && f.kind != NEM_PARTITION) {
			/* another target, drawn among the others (nt >= 2 here) */
			int64_t x = rng_range(&rng, 0, nt - 2);
			for (int k = 0, seen = 0; k < nt; k++)
				if (targets[k] != NEM_RING && seen++ == x) {
					f.target = targets[k];
					break;
				}
		}
		f.at_ms = t;
		f.hold_ms = rng_range(&rng, o->recover_min, o->recover_max);
		if (f.kind == NEM_HARD_RESET) {
			/* Three decimals: what the steps row says is what runs. */
			double x = o->torn_min + (o->torn_max - o->torn_min) * rng_double(&rng);
			f.torn = floor(x * 1000.0 + 0.5) / 1000.0;
		}
		if (f.target == NEM_RING)
			ring_groups(&rng, &f, nodes);
		else
			f.nodes = draw_nodes(&rng, nodes, target_count(f.target, nodes));
		if (f.kind == NEM_PARTITION && f.target != NEM_PRIMARY && f.target != NEM_RING)
			partition_groups(&f, nodes);
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = f;
		t += f.hold_ms + rng_range(&rng, o->interval_min, o->interval_max);
	}
	*out = v;
	return n;
}

/* ------------------------------------------------------------------ */
/* As text, and back */

static void mask_text(uint32_t mask, int nodes, char *buf, size_t size)
{
	struct node_set ns = { .mask = mask, .all = false };
	uint32_t all = 0;

	for (int i = 1; i <= nodes; i++)
		all |= 1u << i;
	ns.all = mask == all && nodes > 1;
	node_set_format(&ns, buf, size);
}

void nemesis_describe(const struct nemesis_fault *f, int nodes, struct strbuf *out)
{
	sb_printf(out, "nemesis #%d at=%.3fs hold=%.3fs target=%s", f->no, (double)f->at_ms / 1000.0,
		  (double)f->hold_ms / 1000.0, nemesis_target_names[f->target]);
	if (f->kind == NEM_HARD_RESET)
		sb_printf(out, " torn=%.3f", f->torn);
	if (f->kind == NEM_PARTITION && f->member_of[0]) {
		bool first = true;
		sb_puts(out, " groups=");
		for (int g = 0; g < LAB_MAX_GROUPS; g++) {
			bool any = false;
			for (int i = 0; i < nodes; i++)
				if (f->member_of[i] & (1u << g)) {
					sb_printf(out, "%s%d", any ? "," : first ? "[" : "]|[", i + 1);
					any = true;
					first = false;
				}
		}
		if (!first)
			sb_puts(out, "]");
	}
}

static const char *field(const char *detail, const char *key)
{
	const char *p = strstr(detail, key);
	const char *semi = strchr(detail, ';');

	if (!p || (semi && p > semi))
		return NULL;
	return p + strlen(key);
}

static int parse_ms(const char *p, int64_t *ms)
{
	char *end;
	double s;

	if (!p)
		return -1;
	s = strtod(p, &end);
	if (end == p || *end != 's' || s < 0)
		return -1;
	*ms = (int64_t)llround(s * 1000.0);
	return 0;
}

static int parse_mask(const char *node, int nodes, uint32_t *mask)
{
	*mask = 0;
	if (!node)
		return -1;
	if (!strcmp(node, "all")) {
		for (int i = 1; i <= nodes; i++)
			*mask |= 1u << i;
		return 0;
	}
	for (const char *p = node; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > nodes)
			return -1;
		*mask |= 1u << v;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return 0;
}

int nemesis_parse_row(const char *action, const char *node, const char *detail, int seq, int nodes,
		      struct nemesis_fault *f)
{
	const char *p;
	int k;
	char *end;

	memset(f, 0, sizeof(*f));
	if (!action || !detail || strncmp(detail, "nemesis #", 9) || (k = word_index(nemesis_kind_names, action)) < 0)
		return -1;
	f->kind = (enum nem_kind)k;
	f->seq = seq;
	f->no = (int)strtol(detail + 9, &end, 10);
	if (parse_ms(field(detail, " at="), &f->at_ms) < 0 || parse_ms(field(detail, " hold="), &f->hold_ms) < 0)
		return -1;
	if ((p = field(detail, " target="))) {
		char word[16];
		size_t len = strcspn(p, " ;");
		if (len >= sizeof(word))
			return -1;
		memcpy(word, p, len);
		word[len] = '\0';
		if ((k = word_index(nemesis_target_names, word)) < 0)
			return -1;
		f->target = (enum nem_target)k;
	}
	if ((p = field(detail, " torn=")))
		f->torn = strtod(p, NULL);
	if (parse_mask(node, nodes, &f->nodes) < 0)
		return -1;
	if ((p = field(detail, " groups="))) {
		int g = 0;
		for (; *p && *p != ' ' && *p != ';'; p++) {
			if (*p == '|') {
				if (++g >= LAB_MAX_GROUPS)
					return -1;
			} else if (*p >= '0' && *p <= '9') {
				long v = strtol(p, &end, 10);
				if (v < 1 || v > nodes)
					return -1;
				f->member_of[v - 1] |= 1u << g;
				p = end - 1;
			}
		}
	} else if (f->kind == NEM_PARTITION) {
		return -1;
	}
	/* what the executor did beyond the plan (promote: true) */
	if ((p = strstr(detail, "; promoted node ")) &&
	    sscanf(p, "; promoted node %d (node %d was the primary)", &f->promoted, &f->old_primary) != 2)
		f->promoted = f->old_primary = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The executor */

static bool is_galera(struct runner *r)
{
	return !strcmp(r->sc->cluster.flavor, "galera");
}

static int n_nodes(struct runner *r)
{
	return (int)r->sc->cluster.nodes;
}

static void will_be_down(struct runner *r, int n)
{
	if (!undo_find(&r->undo, UNDO_START, n))
		undo_push(&r->undo, UNDO_START, n, NULL);
}

static bool every_node_down(struct runner *r)
{
	for (int n = 1; n <= n_nodes(r); n++)
		if (node_pid(&r->cluster, n) > 0)
			return false;
	return true;
}

/* Target primary: the replication flavors' primary; node 1 for Galera. */
static void resolve_primary(struct runner *r, struct nemesis_fault *f)
{
	int p = is_galera(r) ? 1 : cluster_primary(&r->cluster);

	if (p < 1)
		p = 1;
	f->nodes = 1u << p;
	if (f->kind == NEM_PARTITION)
		for (int i = 0; i < n_nodes(r); i++)
			f->member_of[i] = i + 1 == p ? 2u : 1u;
}

/* Apply f, its undo registered first. */
static int fault_apply(struct runner *r, const struct nemesis_fault *f, struct strbuf *d)
{
	int list[LAB_MAX_NODES];
	size_t k = 0;

	for (int n = 1; n <= n_nodes(r); n++)
		if (f->nodes & (1u << n))
			list[k++] = n;
	switch (f->kind) {
	case NEM_PARTITION:
		if (!undo_find(&r->undo, UNDO_HEAL, -1))
			undo_push(&r->undo, UNDO_HEAL, 0, NULL);
		return cluster_partition(&r->cluster, f->member_of);
	case NEM_PAUSE:
		for (size_t i = 0; i < k; i++) {
			undo_push(&r->undo, UNDO_RESUME, list[i], NULL);
			if (node_pause(&r->cluster, list[i]) < 0)
				return -1;
		}
		return 0;
	case NEM_KILL:
		for (size_t i = 0; i < k; i++) {
			pid_t pid = node_pid(&r->cluster, list[i]);
			will_be_down(r, list[i]);
			if (node_kill(&r->cluster, list[i], SIGKILL) < 0)
				return -1;
			sb_printf(d, "; node %d pid %d SIGKILL", list[i], (int)pid);
		}
		return 0;
	case NEM_STOP:
		for (size_t i = 0; i < k; i++) {
			will_be_down(r, list[i]);
			if (node_stop(&r->cluster, list[i]) < 0)
				return -1;
		}
		return 0;
	case NEM_HARD_RESET: {
		struct strbuf what = { 0 };
		int rc;
		for (size_t i = 0; i < k; i++)
			will_be_down(r, list[i]);
		r->cluster.note[0] = '\0';
		rc = nodes_hard_reset_torn(&r->cluster, list, k, f->torn, &what);
		if (what.len)
			sb_printf(d, "; %s", what.buf);
		if (cluster_last_note(&r->cluster)[0])
			sb_printf(d, "; %s", cluster_last_note(&r->cluster));
		sb_release(&what);
		return rc;
	}
	default:
		lab_error("nemesis: unknown fault %d", (int)f->kind);
		return -1;
	}
}

/* Start every node that is down: all of them through node_start_all (the
 * most advanced bootstraps); on Galera, survivors without a Primary
 * component (a majority crashed) are stopped cleanly first. */
static int restart_down(struct runner *r, bool crash, struct strbuf *d)
{
	int down = 0, n = n_nodes(r);

	for (int i = 1; i <= n; i++)
		down += node_pid(&r->cluster, i) <= 0;
	if (!down)
		return 0;
	if (down < n && is_galera(r) && crash && 2 * (n - down) <= n) {
		sb_puts(d, "; the survivors lost quorum: stopped them");
		for (int i = 1; i <= n; i++)
			if (node_pid(&r->cluster, i) > 0) {
				will_be_down(r, i);
				if (node_stop(&r->cluster, i) < 0)
					return -1;
			}
	}
	if (every_node_down(r) && n > 1) {
		struct strbuf why = { 0 };
		int rc = node_start_all(&r->cluster, &why);
		sb_printf(d, "; started every node: %s", why.buf ? why.buf : "");
		sb_release(&why);
		if (rc < 0)
			return -1;
		undo_cancel(&r->undo, UNDO_START, -1);
		return 0;
	}
	for (int i = 1; i <= n; i++) {
		if (node_pid(&r->cluster, i) > 0)
			continue;
		if (node_start(&r->cluster, i) < 0)
			return -1;
		undo_cancel(&r->undo, UNDO_START, i);
		sb_printf(d, "; started node %d", i);
	}
	return 0;
}

static int wait_synced(struct runner *r, struct strbuf *d)
{
	int64_t t0 = mono_ns(), deadline = t0 + (int64_t)SYNC_TIMEOUT_MS * 1000000;

	for (int n = 1; n <= n_nodes(r); n++) {
		int64_t left = (deadline - mono_ns()) / 1000000;
		if (lab_interrupted) {
			lab_error_quiet("interrupted");
			return -1;
		}
		if (node_wait(&r->cluster, n, "synced", left > 0 ? left : 1) < 0)
			return -1;
	}
	sb_printf(d, "; synced after %.1f s", (double)(mono_ns() - t0) / 1e9);
	return 0;
}

static int fault_undo_only(struct runner *r, const struct nemesis_fault *f, struct strbuf *d);

/* promote: true. When f took the primary away — down, frozen, or cut off
 * from a replica by a partition — promote the lowest-numbered running
 * replica it did not hit (for a partition: one that cannot reach the old
 * primary), as an orchestrator would; fault_undo rejoins the old primary.
 * Nothing when no replica is left. */
static int failover(struct runner *r, struct nemesis_fault *f, struct strbuf *d)
{
	int old = cluster_primary(&r->cluster), cand = 0;

	if (is_galera(r) || old < 1 || !(f->nodes & (1u << old)))
		return 0;
	for (int n = 1; n <= n_nodes(r) && !cand; n++) {
		if (n == old || node_pid(&r->cluster, n) <= 0)
			continue;
		if (f->kind == NEM_PARTITION ? partition_can_talk(f->member_of, n, old) : (f->nodes & (1u << n)) != 0)
			continue;
		cand = n;
	}
	if (!cand) {
		sb_printf(d, "; no replica left to promote (node %d was the primary)", old);
		return 0;
	}
	if (node_promote(&r->cluster, cand) < 0)
		return -1;
	f->promoted = cand;
	f->old_primary = old;
	sb_printf(d, "; promoted node %d (node %d was the primary)", cand, old);
	return 0;
}

/* Undo f (the step's own undo; the pending entries are cancelled); an old
 * primary that was replaced rejoins as a replica of the new one. */
static int fault_undo(struct runner *r, const struct nemesis_fault *f, struct strbuf *d)
{
	if (fault_undo_only(r, f, d) < 0)
		return -1;
	if (f->promoted) {
		if (node_rejoin(&r->cluster, f->old_primary) < 0)
			return -1;
		sb_printf(d, "; node %d rejoined as a replica of node %d", f->old_primary, f->promoted);
	}
	return wait_synced(r, d);
}

/* Undo f (the step's own undo; the pending entries are cancelled);
 * the caller waits for every node to be synced. */
static int fault_undo_only(struct runner *r, const struct nemesis_fault *f, struct strbuf *d)
{
	switch (f->kind) {
	case NEM_PARTITION:
		if (cluster_heal(&r->cluster) < 0)
			return -1;
		undo_cancel(&r->undo, UNDO_HEAL, -1);
		sb_puts(d, "; healed");
		break;
	case NEM_PAUSE:
		for (int n = 1; n <= n_nodes(r); n++)
			if (f->nodes & (1u << n)) {
				if (node_resume(&r->cluster, n) < 0)
					return -1;
				undo_cancel(&r->undo, UNDO_RESUME, n);
			}
		sb_puts(d, "; resumed");
		break;
	default:
		if (restart_down(r, f->kind != NEM_STOP, d) < 0)
			return -1;
	}
	return 0;
}

/* The step's faults: the replayed ones of this step, or drawn now. */
static size_t step_faults(struct runner *r, const struct sc_step *st, int seq, struct nemesis_fault **out)
{
	struct nemesis_opts o;
	size_t n = 0;

	if (!r->o->have_replay) {
		if (nemesis_opts_from_step(st, &o) < 0)
			return (size_t)-1;
		return nemesis_plan(&o, r->seed, seq, n_nodes(r), out);
	}
	*out = xcalloc(r->o->n_replay ? r->o->n_replay : 1, sizeof(**out));
	for (size_t i = 0; i < r->o->n_replay; i++)
		if (r->o->replay[i].seq == seq)
			(*out)[n++] = r->o->replay[i];
	return n;
}

static void step_text(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step_text(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&r->lock);
	va_start(ap, fmt);
	vsnprintf(r->step_text, sizeof(r->step_text), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&r->lock);
}

static void row_end(struct runner *r, int64_t sid, const char *outcome, const char *detail)
{
	char *clean = runner_scrub(r->secret, detail);

	resultsdb_step_end(r->db, sid, outcome, clean);
	free(clean);
}

int nemesis_run(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *detail)
{
	struct nemesis_fault *faults = NULL;
	size_t n = step_faults(r, st, (int)seq, &faults), done = 0;
	int64_t t0 = mono_ns();
	int rc = 0;

	if (n == (size_t)-1)
		return -1;
	runner_say(r, "nemesis: %zu fault%s %s (seed %llu)", n, n == 1 ? "" : "s", r->o->have_replay ? "replayed" : "drawn",
		   (unsigned long long)r->seed);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct nemesis_fault *f = &faults[i];
		struct strbuf d = { 0 };
		char nodes[64];
		int64_t wait = f->at_ms - (mono_ns() - t0) / 1000000, sid;

		if (wait > 0 && runner_sleep(wait) < 0) {
			rc = -1;
			break;
		}
		if (f->target == NEM_PRIMARY && !f->nodes)
			resolve_primary(r, f);
		mask_text(f->nodes, n_nodes(r), nodes, sizeof(nodes));
		nemesis_describe(f, n_nodes(r), &d);
		sb_printf(&d, "; started at +%.1f s", (double)(mono_ns() - t0) / 1e9);
		step_text(r, "nemesis %zu/%zu: %s %s", i + 1, n, nemesis_kind_name(f->kind), nodes);
		runner_say(r, "nemesis %zu/%zu: %s node %s for %.1f s", i + 1, n, nemesis_kind_name(f->kind), nodes,
			   (double)f->hold_ms / 1000.0);
		sid = resultsdb_step_begin(r->db, r->run_id, (int)seq, nemesis_kind_name(f->kind), nodes, NULL);
		lab_clear_error();
		f->promoted = f->old_primary = 0; /* decided again as it runs */
		rc = fault_apply(r, f, &d);
		if (rc == 0 && st->promote) {
			/* an orchestrator notices within a second or so */
			int64_t notice = f->hold_ms / 2 < PROMOTE_AFTER_MS ? f->hold_ms / 2 : PROMOTE_AFTER_MS;
			rc = runner_sleep(notice);
			if (rc == 0)
				rc = failover(r, f, &d);
			if (rc == 0)
				rc = runner_sleep(f->hold_ms - notice);
		} else if (rc == 0) {
			rc = runner_sleep(f->hold_ms);
		}
		if (rc == 0)
			rc = fault_undo(r, f, &d);
		if (rc < 0)
			sb_printf(&d, "; %s", lab_last_error()[0] ? lab_last_error() : "failed");
		else
			done++;
		row_end(r, sid, rc == 0 ? "ok" : "error", d.buf);
		sb_release(&d);
	}
	/* Whatever happened, every fault this step made is undone and every
	 * node is up at its end (when it ends normally; interrupted, the undo
	 * stack does it). */
	if (rc == 0) {
		struct strbuf d = { 0 };
		rc = restart_down(r, true, &d);
		if (rc == 0)
			rc = wait_synced(r, &d);
		sb_release(&d);
	}
	r->cluster.note[0] = '\0'; /* each fault's row has its own account */
	sb_printf(detail, "%zu of %zu faults injected and undone (seed %llu%s)", done, n,
		  (unsigned long long)r->seed, r->o->have_replay ? ", replayed" : "");
	free(faults);
	return rc;
}
