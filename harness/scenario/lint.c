/*
 * lint.c — the pass over the parsed steps that checks what can be known
 * before touching a node, from each action's row (its effect on its nodes,
 * its flags): node numbers against cluster.nodes, that a revert has an
 * earlier snapshot of that name, that snapshot/revert/wipe act on a node
 * the scenario has stopped, that the workload is started before it is
 * stopped, that every checker named applies to the cluster's flavor and
 * workload, and that every expectation has a check step that can meet it.
 */
#include "scenario.h"
#include "scenario_internal.h"
#include "util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct snap {
	int node;
	const char *name;
};

/* What the pass over the steps knows about each node. */
enum nstate { N_UP, N_DOWN, N_UNKNOWN };

static bool in_set(const struct node_set *ns, int node)
{
	return ns->mask & (1u << node);
}

void sc_lint_steps(struct pctx *p, struct scenario *sc, const yaml_node_t *steps_node)
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
		yaml_node_t *item = sc_node_at(p, steps_node->data.sequence.items.start[s]);
		bool certain = st->outcome && !strcmp(st->outcome, "ok");

		if (!st->action)
			continue;
		if (st->action->flags & SC_A_WORKLOAD) {
			if (!st->op) {
				/* reported by the parser */
			} else if (!strcmp(st->op, "start")) {
				if (workload_line)
					sc_perr(p, item, "the workload is already running (started at line %d)", workload_line);
				workload_line = st->line;
			} else {
				if (!workload_line)
					sc_perr(p, item, "the workload is not running here; 'workload: start' it first");
				workload_line = 0;
			}
		}
		if (st->action->effect == SC_EFFECT_NEEDS_DOWN)
			for (int n = 1; n <= p->nodes; n++) {
				if (!in_set(&st->nodes, n))
					continue;
				if (state[n] == N_UP)
					sc_perr(p, item, "node %d is running here: '%s' needs it stopped (stop, kill or hard-reset it first)",
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
						sc_perr(p, item, "no snapshot '%s' of node %d is taken before this step", st->name, n);
				}
			}
		/* A kill with STOP or CONT freezes or thaws: the node stays up. */
		if ((st->action->effect == SC_EFFECT_DOWN && st->signal != SIGSTOP && st->signal != SIGCONT) ||
		    st->action->effect == SC_EFFECT_UP)
			for (int n = 1; n <= p->nodes; n++) {
				if (st->nodes.role)
					state[n] = N_UNKNOWN; /* which node it hits is known when it runs */
				else if (in_set(&st->nodes, n))
					state[n] = !certain ? N_UNKNOWN : st->action->effect == SC_EFFECT_UP ? N_UP : N_DOWN;
			}
		if (st->promote && !strcmp(st->action->name, "nemesis") && !strcmp(p->flavor, "galera"))
			sc_perr(p, item, "'promote' applies to async and semisync clusters: a Galera cluster has no primary to replace");
		if (st->action->flags & SC_A_CHECK)
			for (size_t c = 0; c < st->checks.n; c++) {
				const struct checker_ops *ops = checker_find(st->checks.v[c]);
				if (!ops)
					continue;
				ran[checker_index(ops)] = true;
				if (!checker_reads_workload(ops, sc->workload.name)) {
					struct strbuf sb = { 0 };
					sc_list_words(&sb, ops->workloads);
					sc_perr(p, item, "checker '%s' reads the %s workload's data, not the %s workload's",
					     ops->name, sb.buf, sc->workload.name);
					sb_release(&sb);
				}
				if (!checker_applies_to(ops, p->flavor)) {
					struct strbuf sb = { 0 };
					sc_list_words(&sb, ops->flavors);
					sc_perr(p, item, "checker '%s' applies to %s clusters, not %s", ops->name, sb.buf,
					     p->flavor);
					sb_release(&sb);
				}
			}
	}
	free(snaps);

	/* Every scenario-wide expectation needs a check step that runs it. */
	const yaml_node_t *ek, *ex = sc_map_get(p, yaml_document_get_root_node(p->doc), "expect", &ek);
	for (size_t i = 0; ex && lab_checkers[i]; i++) {
		const yaml_node_t *kn = NULL;
		const char *key = checker_expect_key(lab_checkers[i]);
		if (sc_map_get(p, ex, key, &kn) && !ran[i])
			sc_perr(p, kn, "expect '%s' but no check step runs '%s'", key, lab_checkers[i]->name);
	}
}

