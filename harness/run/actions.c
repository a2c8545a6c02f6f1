/*
 * actions.c — the faults table: every scenario action's descriptor (name,
 * options, flavors, help, effect on its nodes, undo, function) in
 * sc_actions[], the function that does each, and the executor of the undo
 * stack.
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

#include "nemesis.h"

#include "append.h"
#include "checker.h"
#include "history.h"
#include "util.h"
#include "versions.h"

#include <errno.h>
#include <stddef.h>
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
	o.workload = w->name;
	o.mix.audit = (int)w->mix.audit;
	o.sync_wait = (int)w->sync_wait;
	o.append.keys = w->keys;
	o.append.appends_per_key = (int)w->appends_per_key;
	/* Validated by the parser: these cannot fail here. */
	if (workload_isolation_parse(w->isolation, &o.isolation) < 0 ||
	    append_ops_range_parse(w->ops_per_txn, &o.append.ops_min, &o.append.ops_max) < 0 ||
	    append_ratio_parse(w->read_ratio, &o.append.read_ratio) < 0) {
		lab_error("workload: %s", lab_last_error());
		return -1;
	}
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
	return nodes_hard_reset_torn(&r->cluster, nodes, n_nodes, st->torn ? strtod(st->torn, NULL) : 0.0, d);
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
		/* A Galera joiner answers SQL (node_start returns) before its
		 * IST has begun: its log says "Receiving IST" only later
		 * (measured: 1 run in 3, "caught up by none" for a node that
		 * missed 8 s of writes). How a node caught up is known once it
		 * has caught up: when the scenario asks, wait for it first. */
		if (kind && !strcmp(kind, "none") && strcmp(st->transfer, "any")) {
			/* A node that does not get there is the wait's finding
			 * (or lab's failure), as in a wait step. */
			if (node_wait(&r->cluster, n, "synced", 120000) < 0) {
				sb_release(&what);
				return -1;
			}
			sb_reset(&what);
			kind = node_caught_up(&r->cluster, n, logpos[n], &what);
		}
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

/* Rolling upgrade (or downgrade) of the step's nodes, one after the other:
 * versions.c's node_upgrade (clean shutdown, switch the build, start,
 * mariadb-upgrade, rejoin), the node's new VERSION() into the results. */
static int act_upgrade(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	FOR_NODES(r, st, n) {
		struct upgrade_result res;
		will_be_down(r, n);
		if (d->len)
			sb_puts(d, "; ");
		if (node_upgrade(&r->cluster, n, st->version, st->timeout_ms, d, &res) < 0)
			return -1;
		undo_cancel(&r->undo, UNDO_START, n);
		if (res.now[0])
			resultsdb_node_version(r->db, r->run_id, wall_seconds(), n, res.now, (int64_t)seq);
		if (strcmp(st->transfer, "any") && res.caught_up[0] && strcmp(st->transfer, res.caught_up))
			runner_finding(r, "node %d caught up by %s after its upgrade, the scenario expects %s", n,
				       res.caught_up, st->transfer);
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

/* The redo log of the node's server release (its dialect's list). */
static int act_delete_redo_log(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *d)
{
	struct strbuf files = { 0 };
	int rc = 0;

	(void)seq;
	FOR_NODES(r, st, n) {
		sb_reset(&files);
		if (node_delete_redo_log(&r->cluster, n, &files) < 0) {
			rc = -1;
			break;
		}
		sb_printf(d, "%snode %d: deleted %s", d->len ? "; " : "", n, files.buf);
	}
	sb_release(&files);
	return rc;
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
	if (cluster_partition(&r->cluster, st->member_of) < 0)
		return -1;
	partition_format(st->member_of, (int)r->sc->cluster.nodes, d);
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
		if (sc->steps[i].action && (sc->steps[i].action->flags & SC_A_CHECK))
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
		.model = st->model,
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
	/* With a failover manager, a node whose server does not run at the
	 * check is the manager's doing (it did not start it: a failed start,
	 * a node it gave up on), not lab's: a checker that could not read it
	 * judges the others, and the down node is a finding. (split-brain
	 * reads a down node's binlog from its datadir.) */
	char down[4 * LAB_MAX_NODES] = "";
	bool down_said = false;
	if (r->cluster.manager)
		for (int i = 1; i <= r->sc->cluster.nodes; i++)
			if (node_pid(&r->cluster, i) <= 0)
				snprintf(down + strlen(down), sizeof(down) - strlen(down), "%s%d", down[0] ? "," : "", i);
	/* A replica still behind its primary misses rows that are not lost:
	 * name it beside a failure it explains. */
	struct strbuf lag = { 0 };
	bool lag_matters = false;
	for (size_t c = 0; c < n; c++)
		lag_matters |= ops[c]->lag_sensitive;
	if (lag_matters && r->cluster.flavor->node_behind) {
		for (int i = 1; i <= r->sc->cluster.nodes; i++) {
			struct strbuf how = { 0 };
			int p = 0;
			int64_t behind = node_pid(&r->cluster, i) > 0
						 ? r->cluster.flavor->node_behind(&r->cluster, i, &p, &how)
						 : -1;
			if (behind > 0)
				sb_printf(&lag, "%snode %d was %lld transaction%s behind node %d (%s)", lag.len ? ", " : "",
					  i, (long long)behind, behind == 1 ? "" : "s", p, how.buf ? how.buf : "");
			sb_release(&how);
		}
		if (lag.len)
			runner_say(r, "at the check %s", lag.buf);
	}
	if (checkers_run(&ctx, ops, n, res) < 0 && !n)
		runner_broken(r, "the check could not run: %s", lab_last_error());
	for (size_t c = 0; c < n; c++) {
		const char *want = expected_for(r, st, seq, ops[c]);
		if (lag.len && ops[c]->lag_sensitive && !strcmp(res[c].actual, "fail")) {
			char *why = xasprintf("%s%sat the check %s: rows missing on a lagging replica may be "
					      "lag, not loss (a wait: {for: synced} before the check tells them apart)",
					      res[c].summary ? res[c].summary : "", res[c].summary ? "; " : "",
					      lag.buf);
			free(res[c].summary);
			res[c].summary = why;
		}
		if (!strcmp(res[c].actual, "broken") && !res[c].summary)
			res[c].summary = xstrdup(lab_last_error());
		if (!strcmp(res[c].actual, "broken") && down[0]) {
			if (!down_said) {
				runner_finding(r, "node %s down at the check: %s did not start its database (lab cluster "
						  "status shows its failed actions); the checkers read the other nodes",
					       down, r->cluster.manager->name);
				resultsdb_anomaly(r->db, r->run_id, "cluster", "node-down", NULL, -1, -1, down,
						  "down at the check: the failover manager did not start its database");
				down_said = true;
			}
			char *why = xasprintf("node %s down, not read (see the finding); %s", down,
					      res[c].summary ? res[c].summary : "");
			free(res[c].summary);
			res[c].summary = why;
			lab_strlcpy(res[c].actual, "fail", sizeof(res[c].actual));
		}
		judge_check(r, ops[c], want, &res[c], d);
		free(res[c].summary);
	}
	sb_release(&lag);
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
/* The faults table: every action's options (each also takes `outcome`)
 * and its row. Adding an action is a function above, its option table and
 * one row here. */

static const char *const f_async[] = { "async", "semisync", NULL };
static const char *const f_galera[] = { "galera", NULL };
static const char *const v_transfer[] = { "ist", "sst", "none", "any", NULL };
static const char *const v_outcome[] = { "ok", "error", "any", NULL };
static const char *const v_wait_for[] = { "synced", "primary", "non-primary", "down", NULL };
static const char *const v_wl_op[] = { "start", "stop", NULL };
#define S(f) offsetof(struct sc_step, f)
#define OUTCOME { "outcome", SC_STRING, S(outcome), "ok", 0, 0, v_outcome, 0, NULL, 0, "what the step itself must do: ok, error (e.g. a start the database must refuse) or any" }
#define NODE_REQ(h) { "node", SC_NODES, S(nodes), NULL, 0, 0, NULL, SC_F_REQUIRED, NULL, 0, h }
#define NODE_ONE(h) { "node", SC_NODES, S(nodes), NULL, 0, 0, NULL, SC_F_REQUIRED | SC_F_SINGLE, NULL, 0, h }

static const struct sc_option a_workload[] = {
	{ "op", SC_STRING, S(op), NULL, 0, 0, v_wl_op, SC_F_REQUIRED, NULL, 0, "start or stop the workload" }, OUTCOME };
static const struct sc_option a_sleep[] = {
	{ "duration", SC_DURATION, S(duration_ms), NULL, 0, SC_DAY_MS, NULL, SC_F_REQUIRED, NULL, 0, "how long" }, OUTCOME };
static const struct sc_option a_snapshot[] = {
	NODE_REQ("stopped nodes to copy"),
	{ "name", SC_STRING, S(name), NULL, 0, 0, NULL, SC_F_REQUIRED | SC_F_IDENT | SC_F_SNAPSHOT, NULL, 0, "snapshot name" }, OUTCOME };
static const struct sc_option a_kill[] = {
	NODE_REQ("nodes to signal"),
	{ "signal", SC_SIGNAL, S(signal), "KILL", 0, 0, NULL, 0, NULL, 0, "signal name or number" }, OUTCOME };
static const struct sc_option a_node_only[] = { NODE_REQ("nodes"), OUTCOME };
static const struct sc_option a_start[] = {
	NODE_REQ("nodes to start"),
	{ "transfer", SC_STRING, S(transfer), "any", 0, 0, v_transfer, 0, NULL, 0, "how each node must catch up (from its error log): ist, sst, none or any; else a finding" }, OUTCOME };
static const struct sc_option a_pause[] = {
	NODE_REQ("nodes to freeze (SIGSTOP)"),
	{ "duration", SC_DURATION, S(duration_ms), "0", 0, SC_DAY_MS, NULL, 0, NULL, 0, "resume after this long; 0 = at a resume step" }, OUTCOME };
static const struct sc_option a_disk_cache[] = {
	NODE_REQ("nodes"),
	{ "mode", SC_STRING, S(mode), NULL, 0, 0, sc_cache_modes, SC_F_REQUIRED, NULL, 0, "disk cache mode" }, OUTCOME };
static const struct sc_option a_delete_file[] = {
	NODE_REQ("nodes"),
	{ "path", SC_STRING, S(path), NULL, 0, 0, NULL, SC_F_REQUIRED | SC_F_RELPATH, NULL, 0, "file relative to the datadir, e.g. grastate.dat; NAME* for every file so named" }, OUTCOME };
static const struct sc_option a_delete_redo_log[] = {
	NODE_REQ("nodes (stopped or crashed)"), OUTCOME };
static const struct sc_option a_edit_grastate[] = {
	NODE_REQ("nodes"),
	{ "seqno", SC_INT, S(seqno), NULL, -1, INT64_MAX, NULL, 0, NULL, 0, "seqno to write (-1: unknown, as after a crash)" },
	{ "safe_to_bootstrap", SC_INT, S(safe_to_bootstrap), NULL, 0, 1, NULL, 0, NULL, 0, "0 or 1" }, OUTCOME };
static const struct sc_option a_partition[] = {
	{ "groups", SC_GROUPS, S(member_of), NULL, 0, 0, NULL, SC_F_REQUIRED, NULL, 0, "lists of nodes that can still talk, e.g. [[1], [2, 3]]; a node in two groups talks to both ([[1, 2], [2, 3]]: 1 and 3 cannot)" }, OUTCOME };
static const struct sc_option a_heal[] = { OUTCOME };
static const struct sc_option a_revert[] = {
	NODE_REQ("stopped nodes to roll back"),
	{ "name", SC_STRING, S(name), NULL, 0, 0, NULL, SC_F_REQUIRED | SC_F_IDENT | SC_F_SNAPSHOT, NULL, 0, "an earlier snapshot of the same node" }, OUTCOME };
static const struct sc_option a_bootstrap[] = {
	NODE_ONE("the node that starts a new Primary component"),
	{ "force", SC_BOOL, S(force), "false", 0, 0, NULL, 0, NULL, 0, "set safe_to_bootstrap: 1 in grastate.dat first" }, OUTCOME };
static const struct sc_option a_wait[] = {
	{ "for", SC_STRING, S(for_state), NULL, 0, 0, v_wait_for, SC_F_REQUIRED, NULL, 0, "state to wait for" },
	{ "node", SC_NODES, S(nodes), "all", 0, 0, NULL, 0, NULL, 0, "nodes that must reach it" },
	{ "timeout", SC_DURATION, S(timeout_ms), "120s", 100, SC_DAY_MS, NULL, 0, NULL, 0, "give up (the step fails) after this long" }, OUTCOME };
static const struct sc_option a_check[] = {
	{ "checks", SC_LIST, S(checks), NULL, 0, 0, sc_checker_names, SC_F_REQUIRED, NULL, 0, "checkers to run" },
	{ "model", SC_STRING, S(model), "strict-serializable", 0, 0, NULL, 0, NULL, 0, "history: the consistency model whose violations are findings (Elle's names: serializable, snapshot-isolation, repeatable-read, read-committed, ...)" },
	{ "expect", SC_EXPECT, S(expect), NULL, 0, 0, NULL, 0, NULL, 0, "expectations for this check step (else the scenario's expect:)" }, OUTCOME };
static const struct sc_option a_one_node[] = { NODE_ONE("the node"), OUTCOME };
static const struct sc_option a_hard_reset[] = {
	NODE_REQ("nodes that lose power together"),
	{ "torn", SC_STRING, S(torn), "0", 0, 0, NULL, 0, NULL, 0, "fraction (0..1) of the un-synced pages that still reach the disk, in random order (torn writes; local backend, and libvirt guests with their disks on powerfs)" }, OUTCOME };
static const struct sc_option a_nemesis[] = {
	{ "faults", SC_LIST, S(faults), NULL, 0, 0, nemesis_kind_names, 0, NULL, 0, "faults to draw from: kill, pause, partition, hard-reset, stop (default: all of them)" },
	{ "targets", SC_LIST, S(targets), NULL, 0, 0, nemesis_target_names, 0, NULL, 0, "whom each fault hits: one, minority, majority, all, primary (Galera: node 1), ring (partitions only) (default: one); partitions isolate them from the rest (all: every node alone; ring: each node talks only to its two neighbours, with 3 nodes one node bridges the other two)" },
	{ "interval", SC_STRING, S(interval), "2s..8s", 0, 0, NULL, 0, NULL, 0, "pause between one fault's undo and the next fault, MIN..MAX" },
	{ "for", SC_DURATION, S(for_ms), "60s", 0, SC_DAY_MS, NULL, 0, NULL, 0, "faults start within this long (the step lasts until the last one is undone)" },
	{ "recover", SC_STRING, S(recover), "1s..10s", 0, 0, NULL, 0, NULL, 0, "how long each fault lasts before it is undone, MIN..MAX" },
	{ "torn", SC_STRING, S(torn), "0", 0, 0, NULL, 0, NULL, 0, "hard-reset: fraction of un-synced pages kept, F or MIN..MAX within 0..1" },
	{ "promote", SC_BOOL, S(promote), "false", 0, 0, NULL, 0, NULL, 0, "async, semisync: when a fault takes the primary away (down, frozen or cut off), promote a running replica as an orchestrator would, and rejoin the old primary as a replica once the fault is undone" }, OUTCOME };

static const struct sc_option a_upgrade[] = {
	NODE_REQ("nodes to switch, one after the other"),
	{ "version", SC_STRING, S(version), NULL, 0, 0, NULL, SC_F_REQUIRED, NULL, 0, "server build to switch to, e.g. 10.11.19 (lab versions); older: a downgrade" },
	{ "timeout", SC_DURATION, S(timeout_ms), "600s", 1000, SC_DAY_MS, NULL, 0, NULL, 0, "how long each node may take to be back (Synced / replicating)" },
	{ "transfer", SC_STRING, S(transfer), "any", 0, 0, v_transfer, 0, NULL, 0, "how each node must catch up: ist, sst, none or any; else a finding" }, OUTCOME };


static const char *hard_reset_valid(const struct sc_step *st)
{
	double lo, hi;

	return nemesis_parse_fraction_range(st->torn, &lo, &hi) < 0 || lo != hi
		       ? "'torn' must be a fraction within 0..1, e.g. 0.5" : NULL;
}

static const char *check_valid(const struct sc_step *st)
{
	return st->model && !history_model_known(st->model)
		       ? "'model' must be a consistency model Elle knows (serializable, strict-serializable, "
			 "snapshot-isolation, repeatable-read, read-committed, read-uncommitted, ...)" : NULL;
}

static const char *upgrade_valid(const struct sc_step *st)
{
	return st->version && !versions_valid(st->version)
		       ? "'version' must be a server version like 10.11.19" : NULL;
}

static const char *edit_grastate_valid(const struct sc_step *st)
{
	return st->seqno == SC_SEQNO_KEEP && st->safe_to_bootstrap < 0
		       ? "'edit-grastate' needs 'seqno' or 'safe_to_bootstrap'" : NULL;
}

/* One row per action: name, shorthand key, options, flavors, help, what it
 * does to its nodes, flags, what the runner undoes if the scenario does not,
 * a cross-key rule, the function. */
#define ROW(n, sh, tbl, fl, h, eff, flg, un, val, fn) { n, sh, tbl, ARRAY_SIZE(tbl), fl, h, eff, flg, un, val, fn }
const struct sc_action_desc sc_actions[] = {
	ROW("workload", "op", a_workload, NULL, "start or stop the workload (workload: start)",
	    SC_EFFECT_NONE, SC_A_KEEPS_NODES | SC_A_WORKLOAD, "stop the workload", NULL, act_workload),
	ROW("sleep", "duration", a_sleep, NULL, "wait, interruptibly (sleep: 10s)",
	    SC_EFFECT_NONE, SC_A_KEEPS_NODES, NULL, NULL, act_sleep),
	ROW("snapshot", NULL, a_snapshot, NULL, "copy a stopped node's datadir under a name",
	    SC_EFFECT_NEEDS_DOWN, SC_A_KEEPS_NODES | SC_A_TAKES_SNAPSHOT, NULL, NULL, act_snapshot),
	ROW("kill", "node", a_kill, NULL, "send a signal to the node's server (default KILL)",
	    SC_EFFECT_DOWN, SC_A_FAULT, "start the node if the cluster is kept (--keep); resume it after STOP", NULL, act_kill),
	ROW("stop", "node", a_node_only, NULL, "clean shutdown",
	    SC_EFFECT_DOWN, SC_A_FAULT, "start the node if the cluster is kept (--keep)", NULL, act_stop),
	ROW("start", "node", a_start, NULL, "start; after a crash recover the position first; all: bootstrap the most advanced",
	    SC_EFFECT_UP, 0, NULL, NULL, act_start),
	ROW("hard-reset", "node", a_hard_reset, NULL, "power loss: processes die at once, un-synced writes are lost (torn: a fraction kept); several nodes lose power together",
	    SC_EFFECT_DOWN, SC_A_FAULT, "start the node if the cluster is kept (--keep)", hard_reset_valid, act_hard_reset),
	ROW("pause", "node", a_pause, NULL, "freeze the server (SIGSTOP)",
	    SC_EFFECT_NONE, SC_A_KEEPS_NODES | SC_A_FAULT, "resume the node", NULL, act_pause),
	ROW("resume", "node", a_node_only, NULL, "thaw a paused server (SIGCONT)",
	    SC_EFFECT_NONE, 0, NULL, NULL, act_resume),
	ROW("disk-cache", NULL, a_disk_cache, NULL, "change the disk cache mode",
	    SC_EFFECT_NONE, SC_A_KEEPS_NODES, "restore the node's cache mode", NULL, act_disk_cache),
	ROW("delete-file", NULL, a_delete_file, NULL, "delete a file in the datadir",
	    SC_EFFECT_NONE, 0, NULL, NULL, act_delete_file),
	ROW("delete-redo-log", "node", a_delete_redo_log, NULL, "delete the InnoDB redo log the node's server release keeps (ib_logfile0; ib_logfile0/1 before MySQL 8.0.30; #innodb_redo/#ib_redo* from it)",
	    SC_EFFECT_NONE, 0, NULL, NULL, act_delete_redo_log),
	ROW("edit-grastate", NULL, a_edit_grastate, f_galera, "edit grastate.dat of a stopped node",
	    SC_EFFECT_NONE, 0, NULL, edit_grastate_valid, act_edit_grastate),
	ROW("partition", "groups", a_partition, NULL, "cut the network between groups of nodes",
	    SC_EFFECT_NONE, SC_A_FAULT, "heal", NULL, act_partition),
	ROW("heal", NULL, a_heal, NULL, "remove every partition",
	    SC_EFFECT_NONE, 0, NULL, NULL, act_heal),
	ROW("revert", NULL, a_revert, NULL, "roll a stopped node back to a snapshot",
	    SC_EFFECT_NEEDS_DOWN, SC_A_NEEDS_SNAPSHOT, NULL, NULL, act_revert),
	ROW("bootstrap", "node", a_bootstrap, f_galera, "start a node as a new Primary component",
	    SC_EFFECT_UP, 0, NULL, NULL, act_bootstrap),
	ROW("wait", NULL, a_wait, NULL, "wait until nodes reach a state",
	    SC_EFFECT_NONE, 0, NULL, NULL, act_wait),
	ROW("check", "checks", a_check, NULL, "run checkers (check: [invariants, durability])",
	    SC_EFFECT_NONE, SC_A_KEEPS_NODES | SC_A_CHECK, NULL, check_valid, act_check),
	ROW("promote", "node", a_one_node, f_async, "make a replica the primary",
	    SC_EFFECT_NONE, 0, NULL, NULL, act_promote),
	ROW("rejoin", "node", a_one_node, f_async, "make an old primary a replica of the current one",
	    SC_EFFECT_UP, 0, NULL, NULL, act_rejoin),
	ROW("nemesis", "faults", a_nemesis, NULL, "random faults drawn from the run's seed, each undone (restart, resume, heal) before the next; every node up at the end",
	    SC_EFFECT_NONE, 0, "resume, heal; start the nodes if the cluster is kept (--keep)", nemesis_validate, nemesis_run),
	ROW("upgrade", NULL, a_upgrade, NULL, "switch nodes to another server build: clean shutdown, start from the new build, mariadb-upgrade, rejoin",
	    SC_EFFECT_UP, 0, "start the node if the cluster is kept (--keep)", upgrade_valid, act_upgrade),
	ROW("wipe", "node", a_node_only, NULL, "empty a stopped node's datadir, so its next start takes a full state transfer",
	    SC_EFFECT_NEEDS_DOWN, 0, NULL, NULL, act_wipe),
};
const size_t sc_n_actions = ARRAY_SIZE(sc_actions);

/* node: primary | replicas, chosen now: the node the flavor (or the
 * failover manager) holds to be the primary. None is a finding: the
 * cluster has no primary at this point of the scenario. */
static int resolve_role(struct runner *r, struct node_set *ns, struct strbuf *detail)
{
	int p = cluster_primary(&r->cluster), n = (int)r->sc->cluster.nodes;

	if (p < 1) {
		lab_error_finding("no node is the primary at this step (node: %s)",
				  ns->role == NODE_ROLE_PRIMARY ? "primary" : "replicas");
		return -1;
	}
	ns->mask = 0;
	for (int i = 1; i <= n; i++)
		if ((i == p) == (ns->role == NODE_ROLE_PRIMARY))
			ns->mask |= 1u << i;
	sb_printf(detail, "%s: node %d; ", ns->role == NODE_ROLE_PRIMARY ? "primary" : "replicas of primary", p);
	return 0;
}

/* wait: {for: primary} on a replication flavor with every node (the
 * default): until some node is the writable primary. */
static int wait_any_primary(struct runner *r, const struct sc_step *st, struct strbuf *d)
{
	int64_t start = mono_ns(), deadline = start + st->timeout_ms * 1000000;

	for (;;) {
		int p = cluster_primary(&r->cluster);
		/* polled quietly: a node_wait that times out would say so each time */
		MYSQL *m = p > 0 && node_pid(&r->cluster, p) > 0 ? cluster_connect(&r->cluster, p, 2) : NULL;
		char *ro = m ? db_query_value(m, "SELECT @@global.read_only", NULL) : NULL;
		if (m)
			mysql_close(m);
		if (ro && !strcmp(ro, "0")) {
			free(ro);
			sb_printf(d, "node %d is the writable primary after %.1f s", p, (double)(mono_ns() - start) / 1e9);
			return 0;
		}
		free(ro);
		if (lab_interrupted) {
			lab_error_quiet("interrupted");
			return -1;
		}
		if (mono_ns() > deadline) {
			lab_error_finding("no writable primary after %.1f s (the flavor's primary: %s)", st->timeout_ms / 1e3,
					  p > 0 ? "down or read-only" : "none");
			return -1;
		}
		sleep_ms(250);
	}
}

int action_run(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *detail)
{
	struct sc_step resolved;

	if (st->action->run == act_wait && !strcmp(st->for_state, "primary") && st->nodes.all &&
	    strcmp(r->sc->cluster.flavor, "galera") != 0)
		return wait_any_primary(r, st, detail);
	if (st->nodes.role) {
		resolved = *st;
		if (resolve_role(r, &resolved.nodes, detail) < 0)
			return -1;
		st = &resolved;
	}
	return st->action->run(r, st, seq, detail);
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
