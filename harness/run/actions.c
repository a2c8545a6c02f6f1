/*
 * actions.c — what each scenario action does, as one function per action in
 * a table indexed by enum sc_action, and the executor of the undo stack.
 *
 * Rule for every fault: its undo is registered on the runner's undo stack
 * BEFORE the fault is applied (a partition registers "heal", a pause
 * "resume", a cache-mode change "restore the old mode", a stop/kill/reset
 * "start it again", a workload start "stop it"), and the step that undoes
 * a fault itself cancels the pending undo. The faults themselves are the
 * cluster API's (harness/cluster/cluster.h); nothing here pretends: when the
 * backend cannot do something, the step fails and says why.
 */
#include "runner.h"

#include "checker.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int runner_sleep(int64_t ms)
{
	int64_t end = mono_ns() + ms * 1000000;

	for (;;) {
		int64_t left = (end - mono_ns() + 999999) / 1000000; /* rounded up */
		if (lab_interrupted) {
			lab_error_quiet("interrupted");
			return -1;
		}
		if (left <= 0)
			return 0;
		sleep_ms(left < 200 ? left : 200);
	}
}

static int each_node(const struct node_set *ns, int nodes, int *n)
{
	for (int i = *n + 1; i <= nodes; i++)
		if (ns->mask & (1u << i)) {
			*n = i;
			return 1;
		}
	return 0;
}
#define FOR_NODES(r, st, n) for (int n = 0; each_node(&(st)->nodes, (int)(r)->sc->cluster.nodes, &n);)

/* ------------------------------------------------------------------ */
/* Workload */

static void on_second(void *arg, const struct workload_second *s)
{
	struct runner *r = arg;

	pthread_mutex_lock(&r->lock);
	if (r->n_seconds == r->cap_seconds) {
		r->cap_seconds = r->cap_seconds ? 2 * r->cap_seconds : 64;
		r->seconds = xrealloc(r->seconds, r->cap_seconds * sizeof(*r->seconds));
	}
	r->seconds[r->n_seconds++] = *s;
	r->last_second = *s;
	pthread_mutex_unlock(&r->lock);
}

static int workload_begin(struct runner *r, struct strbuf *detail)
{
	const struct sc_workload *w = &r->sc->workload;
	struct workload_opts o;
	char *path;
	size_t u;

	if (r->wl) {
		lab_error("the workload is already running");
		return -1;
	}
	workload_opts_defaults(&o);
	o.hosts = r->cluster.hosts;
	o.n_hosts = (size_t)r->sc->cluster.nodes;
	o.creds = &r->cluster.creds;
	o.threads = (int)w->threads;
	o.customers = w->customers;
	o.products = w->products;
	o.mix.credit = (int)w->mix.credit;
	o.mix.purchase = (int)w->mix.purchase;
	o.mix.transfer = (int)w->mix.transfer;
	o.mix.new_customer = (int)w->mix.new_customer;
	o.mix.delete_customer = (int)w->mix.delete_customer;
	o.update_style = !strcmp(w->update_style, "read_modify_write") ? UPDATE_READ_MODIFY_WRITE : UPDATE_RELATIVE;
	o.lock = !strcmp(w->lock, "for_update") ? LOCK_FOR_UPDATE : LOCK_NONE;
	o.rate = (double)w->rate;
	/* Each start is a journal segment with its own random stream, derived
	 * from the run's seed, so that restarts never replay the same ids. */
	o.seed = r->seed + (uint64_t)r->wl_segments * 0x9e3779b97f4a7c15ULL;
	o.load = r->wl_segments == 0;
	path = xasprintf("%s/journal.%d", r->run_dir, r->wl_segments + 1);
	o.journal_path = path;
	o.on_second = on_second;
	o.arg = r;
	u = undo_push(&r->undo, UNDO_WORKLOAD, 0, NULL);
	r->wl = workload_start(&o);
	if (!r->wl) {
		r->undo.v[u].active = false;
		free(path);
		return -1;
	}
	r->journals = xrealloc(r->journals, (size_t)(r->wl_segments + 1) * sizeof(*r->journals));
	r->journals[r->wl_segments++] = path;
	resultsdb_artifact(r->db, r->run_id, "journal", path);
	sb_printf(detail, "journal %s, %d threads on %lld nodes%s", path, o.threads,
		  (long long)r->sc->cluster.nodes, o.load ? ", loaded" : "");
	return 0;
}

static int workload_end(struct runner *r, struct strbuf *detail)
{
	struct workload_totals t = { 0 };
	int rc;

	if (!r->wl) {
		lab_error("the workload is not running");
		return -1;
	}
	rc = workload_stop(r->wl, &t);
	r->wl = NULL;
	undo_cancel(&r->undo, UNDO_WORKLOAD, -1);
	r->wl_totals.attempted += t.attempted;
	r->wl_totals.ok += t.ok;
	r->wl_totals.failed += t.failed;
	r->wl_totals.unknown += t.unknown;
	if (detail)
		sb_printf(detail, "attempted %lld = ok %lld + failed %lld + unknown %lld", (long long)t.attempted,
			  (long long)t.ok, (long long)t.failed, (long long)t.unknown);
	return rc;
}

static int act_workload(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq;
	return !strcmp(st->op, "start") ? workload_begin(r, d) : workload_end(r, d);
}

/* The journal the checkers read: every segment, in order (a segment's
 * header is a '#' comment to the reader). NULL when none. */
static char *merged_journal(struct runner *r)
{
	struct strbuf all = { 0 };
	char *path;

	if (!r->wl_segments)
		return NULL;
	if (r->wl_segments == 1)
		return xstrdup(r->journals[0]);
	for (int i = 0; i < r->wl_segments; i++) {
		size_t len;
		char *text = read_file(r->journals[i], &len);
		if (!text) {
			sb_release(&all);
			return NULL;
		}
		sb_add(&all, text, len);
		if (len && text[len - 1] != '\n')
			sb_puts(&all, "\n");
		free(text);
	}
	path = xasprintf("%s/journal", r->run_dir);
	if (write_file_atomic(path, all.buf ? all.buf : "", all.len, 0644) < 0) {
		free(path);
		path = NULL;
	}
	sb_release(&all);
	return path;
}

/* ------------------------------------------------------------------ */
/* Node faults */

static int act_sleep(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)r; (void)seq; (void)d;
	return runner_sleep(st->duration_ms);
}

static void will_be_down(struct runner *r, int n)
{
	if (!undo_find(&r->undo, UNDO_START, n))
		undo_push(&r->undo, UNDO_START, n, NULL);
}

static int act_snapshot(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq;
	FOR_NODES(r, st, n) {
		if (node_snapshot(&r->cluster, n, st->name) < 0)
			return -1;
	}
	sb_printf(d, "snapshot '%s'", st->name);
	return 0;
}

static int act_kill(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq;
	FOR_NODES(r, st, n) {
		pid_t pid = node_pid(&r->cluster, n);
		if (st->signal == SIGSTOP)
			undo_push(&r->undo, UNDO_RESUME, n, NULL);
		else if (st->signal != SIGCONT)
			will_be_down(r, n);
		if (node_kill(&r->cluster, n, st->signal) < 0)
			return -1;
		sb_printf(d, "%snode %d pid %d SIG%s", d->len ? ", " : "", n, (int)pid, signal_name(st->signal));
		if (st->signal == SIGCONT)
			undo_cancel(&r->undo, UNDO_RESUME, n);
	}
	return 0;
}

static int act_stop(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq; (void)d;
	FOR_NODES(r, st, n) {
		will_be_down(r, n);
		if (node_stop(&r->cluster, n) < 0)
			return -1;
	}
	return 0;
}

/* Power loss of the step's nodes, as one instant for several of them
 * (cluster.c's nodes_hard_reset freezes them all first). */
static int act_hard_reset(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	int nodes[LAB_MAX_NODES];
	size_t n_nodes = 0;

	(void)seq;
	FOR_NODES(r, st, n) {
		will_be_down(r, n);
		nodes[n_nodes++] = n;
	}
	return nodes_hard_reset(&r->cluster, nodes, n_nodes, d);
}

static bool all_down(struct runner *r)
{
	for (int n = 1; n <= r->sc->cluster.nodes; n++)
		if (node_pid(&r->cluster, n) > 0)
			return false;
	return true;
}

static int act_start(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	int64_t logpos[LAB_MAX_NODES + 1] = { 0 };
	int64_t t0;

	(void)seq;
	FOR_NODES(r, st, n)
		logpos[n] = node_log_mark(&r->cluster, n);
	t0 = mono_ns();
	if (node_set_count(&st->nodes) == r->sc->cluster.nodes && r->sc->cluster.nodes > 1 && all_down(r)) {
		/* Every node down (the plug pulled on all of them): recover
		 * every position, bootstrap the most advanced, start the rest. */
		if (node_start_all(&r->cluster, d) < 0)
			return -1;
		undo_cancel(&r->undo, UNDO_START, -1);
	} else {
		FOR_NODES(r, st, n) {
			if (node_start(&r->cluster, n) < 0) {
				struct strbuf why = { 0 };
				node_start_failure(&r->cluster, n, logpos[n], &why);
				if (why.len)
					sb_printf(d, "%snode %d log: %s", d->len ? "; " : "", n, why.buf);
				sb_release(&why);
				return -1;
			}
			undo_cancel(&r->undo, UNDO_START, n);
		}
	}
	sb_printf(d, "%sstarted in %.1f s", d->len ? "; " : "", (double)(mono_ns() - t0) / 1e9);
	FOR_NODES(r, st, n) {
		struct strbuf what = { 0 };
		const char *kind = node_caught_up(&r->cluster, n, logpos[n], &what);
		if (!kind) {
			if (strcmp(st->transfer, "any"))
				runner_broken(r, "node %d: no error log to tell how it caught up (transfer: %s)", n,
					      st->transfer);
			continue;
		}
		sb_printf(d, "; node %d: %s", n, what.len ? what.buf : "no state transfer");
		if (strcmp(st->transfer, "any") && strcmp(st->transfer, kind))
			runner_finding(r, "node %d caught up by %s, the scenario expects %s (%s)", n, kind,
				       st->transfer, what.len ? what.buf : "no state transfer");
		sb_release(&what);
	}
	return 0;
}

static int act_pause(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	int rc = 0;

	(void)seq;
	FOR_NODES(r, st, n) {
		undo_push(&r->undo, UNDO_RESUME, n, NULL);
		if (node_pause(&r->cluster, n) < 0)
			return -1;
	}
	if (!st->duration_ms)
		return 0;
	rc = runner_sleep(st->duration_ms);
	if (rc < 0)
		return -1; /* the undo stack resumes them */
	FOR_NODES(r, st, n) {
		if (node_resume(&r->cluster, n) < 0)
			return -1;
		undo_cancel(&r->undo, UNDO_RESUME, n);
	}
	sb_printf(d, "paused %lld ms", (long long)st->duration_ms);
	return 0;
}

static int act_resume(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq; (void)d;
	FOR_NODES(r, st, n) {
		if (node_resume(&r->cluster, n) < 0)
			return -1;
		undo_cancel(&r->undo, UNDO_RESUME, n);
	}
	return 0;
}

static int act_disk_cache(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq;
	FOR_NODES(r, st, n) {
		struct undo_entry *u = undo_find(&r->undo, UNDO_CACHE, n);
		if (!u)
			undo_push(&r->undo, UNDO_CACHE, n, r->cache_mode[n]);
		if (node_set_cache_mode(&r->cluster, n, st->mode) < 0)
			return -1;
		sb_printf(d, "%snode %d %s -> %s", d->len ? ", " : "", n, r->cache_mode[n], st->mode);
		lab_strlcpy(r->cache_mode[n], st->mode, sizeof(r->cache_mode[n]));
		u = undo_find(&r->undo, UNDO_CACHE, n);
		if (u && !strcmp(u->arg, st->mode))
			u->active = false; /* back to where it started */
	}
	return 0;
}

static int act_delete_file(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq;
	FOR_NODES(r, st, n) {
		if (node_delete_file(&r->cluster, n, st->path) < 0)
			return -1;
	}
	sb_printf(d, "deleted %s", st->path);
	return 0;
}

static int act_edit_grastate(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq;
	FOR_NODES(r, st, n) {
		if (node_edit_grastate(&r->cluster, n, st->seqno == SC_SEQNO_KEEP ? NULL : &st->seqno,
				       (int)st->safe_to_bootstrap) < 0)
			return -1;
	}
	if (st->seqno != SC_SEQNO_KEEP)
		sb_printf(d, "seqno: %lld ", (long long)st->seqno);
	if (st->safe_to_bootstrap >= 0)
		sb_printf(d, "safe_to_bootstrap: %lld", (long long)st->safe_to_bootstrap);
	return 0;
}

static int act_partition(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq;
	if (!undo_find(&r->undo, UNDO_HEAL, -1))
		undo_push(&r->undo, UNDO_HEAL, 0, NULL);
	if (cluster_partition(&r->cluster, st->group_of) < 0)
		return -1;
	for (int g = 1; g <= LAB_MAX_NODES; g++) {
		bool any = false;
		for (int n = 0; n < r->sc->cluster.nodes; n++)
			if (st->group_of[n] == g) {
				sb_printf(d, "%s%d", any ? "," : (d->len ? " | " : "["), n + 1);
				any = true;
			}
	}
	sb_puts(d, "]");
	return 0;
}

static int act_heal(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)st; (void)seq; (void)d;
	if (cluster_heal(&r->cluster) < 0)
		return -1;
	undo_cancel(&r->undo, UNDO_HEAL, -1);
	return 0;
}

static int act_revert(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq;
	FOR_NODES(r, st, n) {
		if (node_revert(&r->cluster, n, st->name) < 0)
			return -1;
	}
	sb_printf(d, "reverted to '%s'", st->name);
	return 0;
}

static int first_node(const struct sc_step *st)
{
	for (int n = 1; n <= LAB_MAX_NODES; n++)
		if (st->nodes.mask & (1u << n))
			return n;
	return 0;
}

static int act_bootstrap(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	int n = first_node(st);

	(void)seq;
	if (node_bootstrap(&r->cluster, n, st->force) < 0)
		return -1;
	undo_cancel(&r->undo, UNDO_START, n);
	sb_printf(d, "node %d%s", n, st->force ? " (forced)" : "");
	return 0;
}

static int act_wait(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	int64_t start = mono_ns(), deadline = start + st->timeout_ms * 1000000;

	(void)seq;
	FOR_NODES(r, st, n) {
		int64_t left = (deadline - mono_ns()) / 1000000;
		if (lab_interrupted) {
			lab_error_quiet("interrupted");
			return -1;
		}
		if (node_wait(&r->cluster, n, st->for_state, left > 0 ? left : 1) < 0)
			return -1;
	}
	sb_printf(d, "%s after %.1f s", st->for_state, (double)(mono_ns() - start) / 1e9);
	return 0;
}

static int act_promote(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq; (void)d;
	return node_promote(&r->cluster, first_node(st));
}

static int act_rejoin(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	int n = first_node(st);

	(void)seq; (void)d;
	if (node_rejoin(&r->cluster, n) < 0)
		return -1;
	undo_cancel(&r->undo, UNDO_START, n);
	return 0;
}

/* Empty a stopped node's datadir (the seed author's rm -rf of the datadir
 * before a full state transfer). */
static int act_wipe(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	(void)seq;
	FOR_NODES(r, st, n) {
		const char *dir = node_datadir(&r->cluster, n);
		int removed;

		if (node_pid(&r->cluster, n) > 0) {
			lab_error("cannot wipe node %d: it is running", n);
			return -1;
		}
		if (!dir) {
			lab_error("cannot wipe node %d: backend '%s' has no local datadir", n,
				  backend_name(r->cluster.backend));
			return -1;
		}
		removed = empty_dir(dir);
		if (removed < 0) {
			lab_error("cannot wipe node %d: %s", n, lab_last_error());
			return -1;
		}
		sb_printf(d, "%snode %d: %d entries removed from %s", d->len ? ", " : "", n, removed, dir);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Checks */

static bool later_check_runs(const struct scenario *sc, size_t seq, const char *checker)
{
	for (size_t i = seq; i < sc->n_steps; i++) /* seq is 1-based: steps after it */
		if (sc->steps[i].action && sc->steps[i].action->kind == ACT_CHECK)
			for (size_t c = 0; c < sc->steps[i].checks.n; c++)
				if (!strcmp(sc->steps[i].checks.v[c], checker))
					return true;
	return false;
}

/* What this run of the checker must find: the step's own expect:, else the
 * scenario's for the last run of that checker, else the checker's default
 * (pass; any for split-brain, which reports a state rather than pass/fail). */
static const char *expected_for(struct runner *r, const struct sc_step *st, size_t seq,
				const struct checker_ops *ops)
{
	const char *e = sc_expect_get(&st->expect, ops);

	if (e)
		return e;
	if (!later_check_runs(r->sc, seq, ops->name) && (e = sc_expect_get(&r->sc->expect, ops)))
		return e;
	return ops->expect_default ? ops->expect_default : "pass";
}

/* Compare one checker's result with what was expected; record it. */
static void judge_check(struct runner *r, const struct checker_ops *ops, const char *want,
			const struct check_result *res, struct strbuf *d)
{
	const char *name = ops->name;

	resultsdb_check(r->db, r->run_id, name, want, res->actual, res->anomalies, res->summary);
	sb_printf(d, "%s%s=%s (expected %s, %lld anomalies)", d->len ? "; " : "", name, res->actual, want,
		  (long long)res->anomalies);
	if (!strcmp(res->actual, "broken")) {
		runner_broken(r, "checker '%s' broke: %s", name, res->summary ? res->summary : "");
	} else if (strcmp(want, "any") && strcmp(want, res->actual)) {
		if (!strcmp(res->actual, "skip"))
			runner_broken(r, "checker '%s' skipped (expected %s): %s", name, want,
				      res->summary ? res->summary : "");
		else
			runner_finding(r, "%s: expected %s, got %s (%lld anomalies)%s%s", name, want, res->actual,
				       (long long)res->anomalies, res->summary ? ": " : "",
				       res->summary ? res->summary : "");
	}
}

/* The step's checkers in one checkers_run: those that read the bank's
 * tables share one pass over each node, as `lab check` does. */
static int act_check(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	char *journal = merged_journal(r);
	struct check_ctx ctx = {
		.hosts = r->cluster.hosts,
		.n_hosts = (size_t)r->sc->cluster.nodes,
		.creds = &r->cluster.creds,
		.journal_path = journal,
		.db = r->db,
		.run_id = r->run_id,
		.cluster = &r->cluster,
		.out = stdout,
		.max_examples = 20,
	};
	const struct checker_ops **ops = xcalloc(st->checks.n ? st->checks.n : 1, sizeof(*ops));
	struct check_result *res = xcalloc(st->checks.n ? st->checks.n : 1, sizeof(*res));
	size_t n = 0;

	if (r->wl_segments && !journal) {
		free(ops);
		free(res);
		return -1;
	}
	for (size_t c = 0; c < st->checks.n; c++) {
		const struct checker_ops *o = checker_find(st->checks.v[c]);
		if (!o) { /* the parser knows every built checker: cannot happen */
			runner_broken(r, "checker '%s' is not built into this lab", st->checks.v[c]);
			continue;
		}
		ops[n++] = o;
	}
	/* The checkers print their summaries on stdout: no progress redraw
	 * over them. */
	pthread_mutex_lock(&r->lock);
	r->hold_progress = true;
	if (r->o->progress)
		fputs("\r\033[K", stderr);
	pthread_mutex_unlock(&r->lock);
	{
		struct strbuf names = { 0 };
		for (size_t c = 0; c < n; c++)
			sb_printf(&names, "%s%s", c ? ", " : "", ops[c]->name);
		runner_say(r, "checking %s", names.buf ? names.buf : "");
		sb_release(&names);
	}
	if (checkers_run(&ctx, ops, n, res) < 0 && !n)
		runner_broken(r, "the check could not run: %s", lab_last_error());
	for (size_t c = 0; c < n; c++) {
		const char *want = expected_for(r, st, seq, ops[c]);
		if (!strcmp(res[c].actual, "broken") && !res[c].summary)
			res[c].summary = xstrdup(lab_last_error());
		judge_check(r, ops[c], want, &res[c], d);
		free(res[c].summary);
	}
	free(ops);
	free(res);
	free(journal);
	fflush(stdout);
	pthread_mutex_lock(&r->lock);
	r->hold_progress = false;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* ------------------------------------------------------------------ */

typedef int (*action_fn)(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *detail);

static const action_fn action_table[] = {
	[ACT_WORKLOAD] = act_workload,
	[ACT_SLEEP] = act_sleep,
	[ACT_SNAPSHOT] = act_snapshot,
	[ACT_KILL] = act_kill,
	[ACT_STOP] = act_stop,
	[ACT_START] = act_start,
	[ACT_HARD_RESET] = act_hard_reset,
	[ACT_PAUSE] = act_pause,
	[ACT_RESUME] = act_resume,
	[ACT_DISK_CACHE] = act_disk_cache,
	[ACT_DELETE_FILE] = act_delete_file,
	[ACT_EDIT_GRASTATE] = act_edit_grastate,
	[ACT_PARTITION] = act_partition,
	[ACT_HEAL] = act_heal,
	[ACT_REVERT] = act_revert,
	[ACT_BOOTSTRAP] = act_bootstrap,
	[ACT_WAIT] = act_wait,
	[ACT_CHECK] = act_check,
	[ACT_PROMOTE] = act_promote,
	[ACT_REJOIN] = act_rejoin,
	[ACT_WIPE] = act_wipe,
};

int action_run(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *detail)
{
	if ((size_t)st->action->kind >= ARRAY_SIZE(action_table) || !action_table[st->action->kind]) {
		lab_error("action '%s' has no implementation", st->action->name);
		return -1;
	}
	return action_table[st->action->kind](r, st, seq, detail);
}

/* The undo stack's executor. */
int action_undo(void *runner, struct undo_entry *e)
{
	struct runner *r = runner;

	switch (e->kind) {
	case UNDO_WORKLOAD:
		return r->wl ? workload_end(r, NULL) : 0;
	case UNDO_HEAL:
		return cluster_heal(&r->cluster);
	case UNDO_RESUME:
		return node_pid(&r->cluster, e->node) > 0 ? node_resume(&r->cluster, e->node) : 0;
	case UNDO_CACHE:
		if (node_set_cache_mode(&r->cluster, e->node, e->arg) < 0)
			return -1;
		lab_strlcpy(r->cache_mode[e->node], e->arg, sizeof(r->cache_mode[e->node]));
		return 0;
	case UNDO_START:
		if (node_pid(&r->cluster, e->node) > 0)
			return 0; /* already up (e.g. started with every other node) */
		if (all_down(r)) {
			struct strbuf why = { 0 };
			int rc = node_start_all(&r->cluster, &why);
			if (rc == 0)
				runner_say(r, "undo: started every node: %s", why.buf ? why.buf : "");
			sb_release(&why);
			return rc;
		}
		return node_start(&r->cluster, e->node);
	}
	return -1;
}
