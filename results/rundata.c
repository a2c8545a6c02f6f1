/*
 * rundata.c — reads one recorded run back from the results database and
 * derives the figures every report uses: fault windows, unavailability
 * windows, recovery times, and tps / p99 before, during and after faults.
 * The definitions are in rundata.h; `lab results` and the HTML report
 * print exactly these numbers, so they never disagree.
 */
#include "rundata.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const phase_names[PHASE_COUNT] = { "before", "during", "after", "all" };

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

static double col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static int64_t col_id(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

static sqlite3_stmt *query(struct resultsdb *db, const char *sql, int64_t run)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(resultsdb_handle(db), sql, -1, &st, NULL) != SQLITE_OK) {
		lab_error("results database '%s': cannot read: %s", resultsdb_path(db),
			  sqlite3_errmsg(resultsdb_handle(db)));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, run);
	return st;
}

/* Grow an array of rows by one; returns the new (zeroed) row. */
static void *push(void *arr, size_t *n, size_t size)
{
	void **p = arr;
	char *base;

	*p = xrealloc(*p, (*n + 1) * size);
	base = *p;
	memset(base + *n * size, 0, size);
	return base + (*n)++ * size;
}

static int finish(struct resultsdb *db, sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		lab_error("results database '%s': cannot read: %s", resultsdb_path(db),
			  sqlite3_errmsg(resultsdb_handle(db)));
		return -1;
	}
	return 0;
}

static int load_run(struct resultsdb *db, int64_t run, struct run_row *r)
{
	sqlite3_stmt *st = query(db,
		"SELECT id, scenario, scenario_file, scenario_hash, seed, backend, flavor, nodes,"
		" server_version, galera_version, cache_mode, mysqld_options, tags, lab_version, host,"
		" started_at, ended_at, verdict, reason, uuid, label FROM runs WHERE id = ?", run);
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		lab_error("no run %lld in results database '%s'", (long long)run, resultsdb_path(db));
		return -1;
	}
	if (rc != SQLITE_ROW)
		return finish(db, st, rc);
	r->id = sqlite3_column_int64(st, 0);
	r->scenario = col_text(st, 1);
	r->scenario_file = col_text(st, 2);
	r->scenario_hash = col_text(st, 3);
	r->seed = sqlite3_column_int64(st, 4);
	r->backend = col_text(st, 5);
	r->flavor = col_text(st, 6);
	r->nodes = sqlite3_column_int(st, 7);
	r->server_version = col_text(st, 8);
	r->galera_version = col_text(st, 9);
	r->cache_mode = col_text(st, 10);
	r->mysqld_options = col_text(st, 11);
	r->tags = col_text(st, 12);
	r->lab_version = col_text(st, 13);
	r->host = col_text(st, 14);
	r->started_at = col_real(st, 15);
	r->ended_at = col_real(st, 16);
	r->verdict = col_text(st, 17);
	r->reason = col_text(st, 18);
	r->uuid = col_text(st, 19);
	r->label = col_text(st, 20);
	sqlite3_finalize(st);
	return 0;
}

/* The steps, in the order they started. */
static int load_steps(struct resultsdb *db, int64_t run, struct run_data *rd)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = query(db, "SELECT id, seq, action, node, started_at, ended_at, outcome, detail"
			     " FROM steps WHERE run_id = ? ORDER BY started_at, id", run)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct step_row *s = push(&rd->steps, &rd->n_steps, sizeof(*s));
		s->id = sqlite3_column_int64(st, 0);
		s->seq = sqlite3_column_int(st, 1);
		s->action = col_text(st, 2);
		s->node = col_text(st, 3);
		s->started_at = col_real(st, 4);
		s->ended_at = col_real(st, 5);
		s->outcome = col_text(st, 6);
		s->detail = col_text(st, 7);
	}
	return finish(db, st, rc);
}

/* One row per checker that ran. */
static int load_checks(struct resultsdb *db, int64_t run, struct run_data *rd)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = query(db, "SELECT checker, expected, actual, anomalies, details FROM checks"
			     " WHERE run_id = ? ORDER BY id", run)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct check_row *c = push(&rd->checks, &rd->n_checks, sizeof(*c));
		c->checker = col_text(st, 0);
		c->expected = col_text(st, 1);
		c->actual = col_text(st, 2);
		c->anomalies = sqlite3_column_int64(st, 3);
		c->details = col_text(st, 4);
	}
	return finish(db, st, rc);
}

/* Every anomaly a checker recorded. */
static int load_anomalies(struct resultsdb *db, int64_t run, struct run_data *rd)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = query(db, "SELECT id, checker, kind, tbl, row_id, txn_id, node, detail"
			     " FROM anomalies WHERE run_id = ? ORDER BY id", run)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct anomaly_row *a = push(&rd->anomalies, &rd->n_anomalies, sizeof(*a));
		a->id = sqlite3_column_int64(st, 0);
		a->checker = col_text(st, 1);
		a->kind = col_text(st, 2);
		a->tbl = col_text(st, 3);
		a->row_id = col_id(st, 4);
		a->txn_id = col_id(st, 5);
		a->node = col_text(st, 6);
		a->detail = col_text(st, 7);
	}
	return finish(db, st, rc);
}

/* The workload's per-second figures. */
static int load_seconds(struct resultsdb *db, int64_t run, struct run_data *rd)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = query(db, "SELECT t, ok, failed, unknown, p50_ms, p95_ms, p99_ms"
			     " FROM workload_seconds WHERE run_id = ? ORDER BY t", run)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct second_row *w = push(&rd->seconds, &rd->n_seconds, sizeof(*w));
		w->t = sqlite3_column_int64(st, 0);
		w->ok = sqlite3_column_int64(st, 1);
		w->failed = sqlite3_column_int64(st, 2);
		w->unknown = sqlite3_column_int64(st, 3);
		w->p50 = col_real(st, 4);
		w->p95 = col_real(st, 5);
		w->p99 = col_real(st, 6);
	}
	return finish(db, st, rc);
}

/* The node states the runner recorded after each step. */
static int load_states(struct resultsdb *db, int64_t run, struct run_data *rd)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = query(db, "SELECT t, node, state, detail FROM node_states WHERE run_id = ?"
			     " ORDER BY t, node", run)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct state_row *s = push(&rd->states, &rd->n_states, sizeof(*s));
		s->t = sqlite3_column_double(st, 0);
		s->node = sqlite3_column_int(st, 1);
		s->state = col_text(st, 2);
		s->detail = col_text(st, 3);
	}
	return finish(db, st, rc);
}

/* The server build of each node, from cluster up and each upgrade. */
static int load_versions(struct resultsdb *db, int64_t run, struct run_data *rd)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = query(db, "SELECT t, node, version, step_seq FROM node_versions WHERE run_id = ?"
			     " ORDER BY t, node", run)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct version_row *v = push(&rd->versions, &rd->n_versions, sizeof(*v));
		v->t = sqlite3_column_double(st, 0);
		v->node = sqlite3_column_int(st, 1);
		v->version = col_text(st, 2);
		v->step_seq = sqlite3_column_int64(st, 3);
	}
	return finish(db, st, rc);
}

/* What the failover manager did (none without one). */
static int load_manager(struct resultsdb *db, int64_t run, struct run_data *rd)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = query(db, "SELECT t, node, kind, result, seconds, detail FROM manager_events WHERE run_id = ?"
			     " ORDER BY t, node, rowid", run)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct manager_row *m = push(&rd->manager, &rd->n_manager, sizeof(*m));
		m->t = sqlite3_column_double(st, 0);
		m->node = sqlite3_column_int(st, 1);
		m->kind = col_text(st, 2);
		m->result = col_text(st, 3);
		m->seconds = col_real(st, 4);
		m->detail = col_text(st, 5);
	}
	return finish(db, st, rc);
}

/* Files kept with the run. */
static int load_artifacts(struct resultsdb *db, int64_t run, struct run_data *rd)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = query(db, "SELECT name, path FROM artifacts WHERE run_id = ? ORDER BY rowid", run)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct artifact_row *a = push(&rd->artifacts, &rd->n_artifacts, sizeof(*a));
		a->name = col_text(st, 0);
		a->path = col_text(st, 1);
	}
	return finish(db, st, rc);
}

/* The run's row, then each of its tables; NULL (reported) if any query fails. */
struct run_data *run_data_load(struct resultsdb *db, int64_t run)
{
	struct run_data *rd = xcalloc(1, sizeof(*rd));

	if (load_run(db, run, &rd->run) < 0 || load_steps(db, run, rd) < 0 || load_checks(db, run, rd) < 0 ||
	    load_anomalies(db, run, rd) < 0 || load_seconds(db, run, rd) < 0 || load_states(db, run, rd) < 0 ||
	    load_artifacts(db, run, rd) < 0 || load_versions(db, run, rd) < 0 || load_manager(db, run, rd) < 0) {
		run_data_free(rd);
		return NULL;
	}
	return rd;
}

void run_data_free(struct run_data *rd)
{
	struct run_row *r;

	if (!rd)
		return;
	r = &rd->run;
	free(r->scenario); free(r->scenario_file); free(r->scenario_hash);
	free(r->backend); free(r->flavor); free(r->server_version); free(r->galera_version);
	free(r->cache_mode); free(r->mysqld_options); free(r->tags); free(r->lab_version);
	free(r->host); free(r->verdict); free(r->reason);
	free(r->uuid); free(r->label);
	for (size_t i = 0; i < rd->n_steps; i++) {
		free(rd->steps[i].action); free(rd->steps[i].node);
		free(rd->steps[i].outcome); free(rd->steps[i].detail);
	}
	free(rd->steps);
	for (size_t i = 0; i < rd->n_checks; i++) {
		free(rd->checks[i].checker); free(rd->checks[i].expected);
		free(rd->checks[i].actual); free(rd->checks[i].details);
	}
	free(rd->checks);
	for (size_t i = 0; i < rd->n_anomalies; i++) {
		free(rd->anomalies[i].checker); free(rd->anomalies[i].kind);
		free(rd->anomalies[i].tbl); free(rd->anomalies[i].node); free(rd->anomalies[i].detail);
	}
	free(rd->anomalies);
	free(rd->seconds);
	for (size_t i = 0; i < rd->n_states; i++) {
		free(rd->states[i].state); free(rd->states[i].detail);
	}
	free(rd->states);
	for (size_t i = 0; i < rd->n_manager; i++) {
		free(rd->manager[i].kind); free(rd->manager[i].result); free(rd->manager[i].detail);
	}
	free(rd->manager);
	for (size_t i = 0; i < rd->n_artifacts; i++) {
		free(rd->artifacts[i].name); free(rd->artifacts[i].path);
	}
	free(rd->artifacts);
	for (size_t i = 0; i < rd->n_versions; i++)
		free(rd->versions[i].version);
	free(rd->versions);
	free(rd);
}

int run_id_parse(struct resultsdb *db, const char *arg, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (arg && parse_int64(arg, 1, INT64_MAX, out) == 0)
		return 0;
	if (!arg || strcmp(arg, "last") != 0) {
		lab_error("invalid run '%s': expected a run id or 'last'", arg ? arg : "");
		return -1;
	}
	if (sqlite3_prepare_v2(resultsdb_handle(db), "SELECT max(id) FROM runs", -1, &st, NULL) != SQLITE_OK) {
		lab_error("results database '%s': cannot read: %s", resultsdb_path(db),
			  sqlite3_errmsg(resultsdb_handle(db)));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL) {
		sqlite3_finalize(st);
		lab_error("no runs in results database '%s'", resultsdb_path(db));
		return -1;
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int runs_of_scenario(struct resultsdb *db, const char *scenario, int n, int64_t **ids)
{
	sqlite3_stmt *st;
	int64_t *v = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*v));
	int k = 0, rc;

	if (sqlite3_prepare_v2(resultsdb_handle(db),
			       "SELECT id FROM runs WHERE scenario = ? ORDER BY started_at DESC, id DESC LIMIT ?",
			       -1, &st, NULL) != SQLITE_OK) {
		lab_error("results database '%s': cannot read: %s", resultsdb_path(db),
			  sqlite3_errmsg(resultsdb_handle(db)));
		free(v);
		return -1;
	}
	sqlite3_bind_text(st, 1, scenario, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < n)
		v[k++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	/* oldest first */
	for (int i = 0; i < k / 2; i++) {
		int64_t x = v[i];
		v[i] = v[k - 1 - i];
		v[k - 1 - i] = x;
	}
	*ids = v;
	return k;
}

int verdict_rank(const char *verdict)
{
	if (!verdict)
		return 2;
	if (!strcmp(verdict, "pass"))
		return 0;
	if (!strcmp(verdict, "skip"))
		return 1;
	if (!strcmp(verdict, "fail"))
		return 3;
	return 2; /* running, aborted, broken */
}

bool check_met(const struct check_row *c)
{
	if (!c->expected || !*c->expected || !strcmp(c->expected, "any"))
		return true;
	return c->actual && !strcmp(c->expected, c->actual);
}

const char *run_artifact(const struct run_data *rd, const char *name)
{
	for (size_t i = 0; i < rd->n_artifacts; i++)
		if (!strcmp(rd->artifacts[i].name, name))
			return rd->artifacts[i].path;
	return NULL;
}

/* How a fault is undone: the actions that end its window. */
enum undo_kind { UNDO_NONE, UNDO_NET, UNDO_NODE, UNDO_CACHE };

static const struct {
	const char *action;
	enum undo_kind undo;
} fault_actions[] = {
	{ "kill", UNDO_NODE },       { "hard-reset", UNDO_NODE }, { "power-cut", UNDO_NODE },
	{ "stop", UNDO_NODE },       { "pause", UNDO_NODE },      { "freeze", UNDO_NODE },
	{ "delete-file", UNDO_NODE },{ "revert", UNDO_NODE },     { "corrupt", UNDO_NODE },
	{ "partition", UNDO_NET },   { "delay", UNDO_NET },       { "loss", UNDO_NET },
	{ "drop", UNDO_NET },        { "disk-cache", UNDO_CACHE },
};

static enum undo_kind fault_kind(const char *action)
{
	if (!action)
		return UNDO_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(fault_actions); i++)
		if (!strcmp(action, fault_actions[i].action))
			return fault_actions[i].undo;
	return UNDO_NONE;
}

bool step_is_fault(const struct step_row *s)
{
	return s->seq > 0 && fault_kind(s->action) != UNDO_NONE;
}

/* The action ends a fault of kind k: one of its undo actions, as a step or
 * as the runner's cleanup ("undo:heal", "undo:start", ...). */
static bool undoes(enum undo_kind k, const char *action)
{
	static const char *const net[] = { "heal", NULL };
	/* not "wait": a scenario waits for the node to be down as well as Synced */
	static const char *const node[] = { "start", "bootstrap", "resume", "unfreeze", NULL };
	static const char *const cache[] = { "disk-cache", NULL };
	const char *const *list = k == UNDO_NET ? net : k == UNDO_NODE ? node : cache;

	if (!action)
		return false;
	if (!strncmp(action, "undo:", 5))
		action += 5;
	for (; *list; list++)
		if (!strcmp(action, *list))
			return true;
	return false;
}

uint64_t node_mask(const char *node)
{
	uint64_t m = 0;
	const char *p = node;

	if (!node || !*node || !strcmp(node, "all"))
		return ~(uint64_t)0;
	while (*p == ',' || *p == ' ' || *p == '[' || *p == ']')
		p++;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			return ~(uint64_t)0; /* not a node list we know: every node */
		if (v >= 1 && v <= 64)
			m |= (uint64_t)1 << (v - 1);
		p = end;
		while (*p == ',' || *p == ' ' || *p == '[' || *p == ']')
			p++;
	}
	return m ? m : ~(uint64_t)0;
}

static double step_end(const struct step_row *s)
{
	return isnan(s->ended_at) ? s->started_at : s->ended_at;
}

static void fault_windows(const struct run_data *rd, struct run_stats *st)
{
	for (size_t i = 0; i < rd->n_steps; i++) {
		const struct step_row *s = &rd->steps[i];
		enum undo_kind k;
		struct fault_window *w;

		if (!step_is_fault(s))
			continue;
		k = fault_kind(s->action);
		w = push(&st->faults, &st->n_faults, sizeof(*w));
		w->step = s;
		w->start = s->started_at;
		w->end = st->t_end;
		for (size_t j = i + 1; j < rd->n_steps; j++) {
			const struct step_row *u = &rd->steps[j];
			if (undoes(k, u->action) && (node_mask(u->node) & node_mask(s->node))) {
				w->end = step_end(u);
				break;
			}
		}
		if (w->end < step_end(s))
			w->end = step_end(s);
		if (w->end <= w->start)
			w->end = w->start + 0.5; /* visible, and at least one second overlaps */
	}
}

static bool in_fault(const struct run_stats *st, int64_t t)
{
	for (size_t i = 0; i < st->n_faults; i++)
		if (st->faults[i].start < (double)(t + 1) && st->faults[i].end > (double)t)
			return true;
	return false;
}

static bool is_synced(const char *state)
{
	return state && !strcasecmp(state, "synced");
}

static double recovery_to_synced(const struct run_data *rd, const struct fault_window *w)
{
	uint64_t mask = node_mask(w->step->node);
	double worst = NAN;

	for (int node = 1; node <= 64; node++) {
		double left = NAN, back = NAN;
		if (!(mask & ((uint64_t)1 << (node - 1))))
			continue;
		for (size_t i = 0; i < rd->n_states; i++) {
			const struct state_row *s = &rd->states[i];
			if (s->node != node || s->t < w->start)
				continue;
			if (isnan(left)) {
				if (!is_synced(s->state))
					left = s->t;
			} else if (is_synced(s->state)) {
				back = s->t;
				break;
			}
		}
		if (isnan(left))
			continue;
		if (isnan(back)) {
			worst = INFINITY;
			continue;
		}
		if (isnan(worst) || back - w->start > worst)
			worst = back - w->start;
	}
	return worst;
}

static int cmp_kind_count(const void *x, const void *y)
{
	const struct kind_count *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->kind, b->kind);
}

/* The timeline: from the earliest of the run's start, its first workload
 * second and its first step to the latest of their ends and of the state
 * records. The first and last workload seconds go to *t_first and *t_last
 * (0 and -1 when there is none). */
static void stats_timeline(const struct run_data *rd, struct run_stats *st, int64_t *t_first, int64_t *t_last)
{
	st->t_begin = rd->run.started_at;
	st->t_end = isnan(rd->run.ended_at) ? rd->run.started_at : rd->run.ended_at;
	if (rd->n_seconds) {
		*t_first = rd->seconds[0].t;
		*t_last = rd->seconds[rd->n_seconds - 1].t;
		if ((double)*t_first < st->t_begin || isnan(st->t_begin))
			st->t_begin = (double)*t_first;
		if ((double)(*t_last + 1) > st->t_end || isnan(st->t_end))
			st->t_end = (double)(*t_last + 1);
	}
	for (size_t i = 0; i < rd->n_steps; i++) {
		if (rd->steps[i].started_at < st->t_begin)
			st->t_begin = rd->steps[i].started_at;
		if (step_end(&rd->steps[i]) > st->t_end)
			st->t_end = step_end(&rd->steps[i]);
	}
	for (size_t i = 0; i < rd->n_states; i++)
		if (rd->states[i].t > st->t_end)
			st->t_end = rd->states[i].t;
}

/* Totals, and per phase (before, during, after the faults, and all) the
 * seconds, ok count, tps and mean per-second p99. Needs the fault windows. */
static void stats_phases(const struct run_data *rd, struct run_stats *st)
{
	int64_t p99_n[PHASE_COUNT] = { 0 };
	double p99_sum[PHASE_COUNT] = { 0 };
	double first_fault = st->n_faults ? st->faults[0].start : INFINITY;

	for (size_t i = 0; i < rd->n_seconds; i++) {
		const struct second_row *w = &rd->seconds[i];
		enum phase ph = (double)(w->t + 1) <= first_fault ? PHASE_BEFORE
				: in_fault(st, w->t)                 ? PHASE_DURING
								     : PHASE_AFTER;
		enum phase both[2] = { ph, PHASE_ALL };

		st->total_ok += w->ok;
		st->total_failed += w->failed;
		st->total_unknown += w->unknown;
		for (int k = 0; k < 2; k++) {
			st->phase[both[k]].seconds++;
			st->phase[both[k]].ok += w->ok;
			if (w->ok > 0 && !isnan(w->p99)) {
				p99_sum[both[k]] += w->p99;
				p99_n[both[k]]++;
			}
		}
	}
	for (int k = 0; k < PHASE_COUNT; k++) {
		struct phase_stats *p = &st->phase[k];
		p->tps = p->seconds ? (double)p->ok / (double)p->seconds : NAN;
		p->p99 = p99_n[k] ? p99_sum[k] / (double)p99_n[k] : NAN;
	}
}

/* Unavailability: seconds with ok = 0 (or no row) between the first and the
 * last workload second, as windows of consecutive seconds. */
static void stats_unavailability(const struct run_data *rd, struct run_stats *st, int64_t t_first, int64_t t_last)
{
	size_t i = 0;
	struct unavail_window *cur = NULL;

	for (int64_t t = t_first; t <= t_last; t++) {
		int64_t ok = 0;
		while (i < rd->n_seconds && rd->seconds[i].t < t)
			i++;
		if (i < rd->n_seconds && rd->seconds[i].t == t)
			ok = rd->seconds[i].ok;
		if (ok > 0) {
			cur = NULL;
			continue;
		}
		if (!cur) {
			cur = push(&st->unavail, &st->n_unavail, sizeof(*cur));
			cur->start = t;
		}
		cur->seconds++;
		st->unavail_seconds++;
		if (cur->seconds > st->longest_unavail)
			st->longest_unavail = cur->seconds;
	}
}

/* For each fault: time to the first second with ok > 0 and to Synced. */
static void stats_recoveries(const struct run_data *rd, struct run_stats *st)
{
	st->worst_first_ok = NAN;
	st->recoveries = xcalloc(st->n_faults ? st->n_faults : 1, sizeof(*st->recoveries));
	for (size_t f = 0; f < st->n_faults; f++) {
		struct recovery *r = &st->recoveries[f];
		int64_t s0 = (int64_t)floor(st->faults[f].start);
		r->fault = &st->faults[f];
		r->to_first_ok = NAN;
		for (size_t i = 0; i < rd->n_seconds; i++) {
			if (rd->seconds[i].t > s0 && rd->seconds[i].ok > 0) {
				r->to_first_ok = (double)rd->seconds[i].t - st->faults[f].start;
				break;
			}
		}
		r->to_synced = recovery_to_synced(rd, &st->faults[f]);
		if (!isnan(r->to_first_ok) && (isnan(st->worst_first_ok) || r->to_first_ok > st->worst_first_ok))
			st->worst_first_ok = r->to_first_ok;
	}
}

/* Anomalies counted by kind (sorted by cmp_kind_count), lost and phantom. */
static void stats_anomalies(const struct run_data *rd, struct run_stats *st)
{
	for (size_t i = 0; i < rd->n_anomalies; i++) {
		const struct anomaly_row *a = &rd->anomalies[i];
		struct kind_count *kc = NULL;
		for (size_t k = 0; k < st->n_kinds; k++)
			if (!strcmp(st->kinds[k].kind, a->kind))
				kc = &st->kinds[k];
		if (!kc) {
			kc = push(&st->kinds, &st->n_kinds, sizeof(*kc));
			kc->kind = a->kind;
			kc->first = a;
		}
		kc->count++;
		if (!strncmp(a->kind, "lost", 4))
			st->lost++;
		else if (!strncmp(a->kind, "phantom", 7))
			st->phantom++;
	}
	if (st->n_kinds > 1)
		qsort(st->kinds, st->n_kinds, sizeof(*st->kinds), cmp_kind_count);
}

void run_stats_compute(const struct run_data *rd, struct run_stats *st)
{
	int64_t t_first = 0, t_last = -1;

	memset(st, 0, sizeof(*st));
	stats_timeline(rd, st, &t_first, &t_last);
	fault_windows(rd, st);
	stats_phases(rd, st);
	stats_unavailability(rd, st, t_first, t_last);
	stats_recoveries(rd, st);
	stats_anomalies(rd, st);
	for (size_t i = 0; i < rd->n_checks; i++)
		if (!check_met(&rd->checks[i]))
			st->checks_unmet++;
}

void run_stats_release(struct run_stats *st)
{
	if (!st)
		return;
	free(st->faults);
	free(st->unavail);
	free(st->recoveries);
	free(st->kinds);
	memset(st, 0, sizeof(*st));
}
