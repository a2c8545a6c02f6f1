/*
 * cmd_shrink.c — `lab shrink RUN [--db FILE] --out FILE.yaml [--max-runs N]
 * [--tries K/N] [--name NAME]`: the smallest set of RUN's faults that still
 * shows RUN's finding, as an ordinary scenario file.
 *
 * Delta debugging over the faults RUN's nemesis steps executed (ddmin,
 * complements only: drop one of 2 chunks — halves —, then of 4, ... down to
 * single faults), then shorter schedules (the waits before the faults
 * halved, then their holds; shrink.c). A candidate (a subset, same offsets, same seed, replayed
 * on a fresh cluster as lab replay does) is kept when its runs show the
 * same anomaly kind as RUN (RUN's most frequent one; a fail verdict when
 * RUN recorded no anomaly) in K of N tries (default 2/3; tries stop as
 * soon as the answer is known; a broken run counts as not showing it).
 * --max-runs (default 30) bounds the
 * candidate runs; --max-runs 0 makes none and writes RUN's faults as
 * they are (any verdict): a nemesis run turned into a scripted scenario.
 *
 * The output is RUN's scenario file with each nemesis step replaced by
 * scripted steps (sleep to the fault's offset, the fault, sleep for its
 * hold, its undo, wait for synced), its name suffixed and its seed fixed,
 * and a comment naming the run it came from and how many candidate runs it
 * took. It is validated before it is written.
 *
 * Exit 0 when a shrunk scenario was written, 2 when lab could not do it
 * (RUN is not a fail, the finding did not reproduce with every fault).
 */
#include "commands.h"
#include "recorded.h"
#include "runner.h"
#include "shrink.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define usage_fail(...) lab_usage_error("shrink", __VA_ARGS__)

struct shrink {
	struct resultsdb *db;
	const struct recorded_run *rr;
	const struct scenario *sc;
	struct runner_opts o;
	char kind[64];          /* anomaly kind to reproduce, "" = a fail verdict */
	int64_t max_runs, runs, k, n;
	bool broken;
};

/* One candidate run: 1 shows the finding, 0 does not, -1 lab broke. */
static int try_once(struct shrink *s, const struct nemesis_fault *f, size_t n)
{
	struct runner_opts o = s->o;
	struct run_result res;
	int shows;

	o.replay = f;
	o.n_replay = n;
	if (runner_run(s->sc, &o, s->db, &res) < 0)
		return -1;
	s->runs++;
	if (res.verdict == VERDICT_BROKEN || res.verdict == VERDICT_ABORTED) {
		/* A broken candidate did not show the finding (said so, and
		 * counted against --max-runs); only an interruption stops. */
		printf("  run %lld: %zu faults: %s: %.200s\n", (long long)res.run_id, n, verdict_name(res.verdict),
		       res.reason ? res.reason : "");
		fflush(stdout);
		run_result_release(&res);
		return res.verdict == VERDICT_ABORTED ? -1 : 0;
	}
	shows = res.verdict == VERDICT_FAIL && (!s->kind[0] || recorded_has_anomaly(s->db, res.run_id, s->kind));
	printf("  run %lld: %zu faults: %s%s\n", (long long)res.run_id, n, verdict_name(res.verdict),
	       shows ? " (reproduced)" : "");
	fflush(stdout);
	run_result_release(&res);
	return shows;
}

/* k of n tries, stopping as soon as the answer is known. */
static int reproduces(struct shrink *s, const struct nemesis_fault *f, size_t n)
{
	int64_t yes = 0, done = 0;

	while (yes < s->k && s->n - done + yes >= s->k) {
		int r;
		if (lab_interrupted || s->runs >= s->max_runs)
			return -1;
		r = try_once(s, f, n);
		if (r < 0) {
			s->broken = true;
			return -1;
		}
		yes += r;
		done++;
	}
	return yes >= s->k;
}

/* shrink_try_fn: one candidate, k of n tries. */
static int try_candidate(void *ctx, const struct nemesis_fault *f, size_t n, const char *what)
{
	printf("candidate: %s\n", what);
	fflush(stdout);
	return reproduces(ctx, f, n);
}

/* ------------------------------------------------------------------ */
/* The shrunk scenario file */

static void nodes_yaml(uint32_t mask, int nodes, struct strbuf *out)
{
	bool first = true;

	sb_puts(out, "[");
	for (int i = 1; i <= nodes; i++)
		if (mask & (1u << i)) {
			sb_printf(out, "%s%d", first ? "" : ", ", i);
			first = false;
		}
	sb_puts(out, "]");
}

static void fault_yaml(const struct nemesis_fault *f, int64_t since_ms, int nodes, bool galera, const char *ind,
		       struct strbuf *out)
{
	uint32_t all = 0;
	int down = 0;

	for (int i = 1; i <= nodes; i++)
		all |= 1u << i;
	down = __builtin_popcount(f->nodes & all);
	sb_printf(out, "%s# nemesis #%d: at=%.3fs hold=%.3fs target=%s\n", ind, f->no, (double)f->at_ms / 1000.0,
		  (double)f->hold_ms / 1000.0, nemesis_target_names[f->target]);
	if (since_ms > 0)
		sb_printf(out, "%s- sleep: %lldms\n", ind, (long long)since_ms);
	switch (f->kind) {
	case NEM_PARTITION:
		sb_printf(out, "%s- partition: { groups: [", ind);
		for (int g = 0, first = 1; g < LAB_MAX_GROUPS; g++) {
			uint32_t m = 0;
			for (int i = 0; i < nodes; i++)
				if (f->member_of[i] & (1u << g))
					m |= 1u << (i + 1);
			if (!m)
				continue;
			sb_puts(out, first ? "" : ", ");
			nodes_yaml(m, nodes, out);
			first = 0;
		}
		sb_puts(out, "] }\n");
		break;
	case NEM_HARD_RESET:
		sb_printf(out, "%s- hard-reset: { node: ", ind);
		nodes_yaml(f->nodes, nodes, out);
		sb_printf(out, ", torn: %.3f }\n", f->torn);
		break;
	default:
		sb_printf(out, "%s- %s: { node: ", ind, nemesis_kind_name(f->kind));
		nodes_yaml(f->nodes, nodes, out);
		sb_puts(out, f->kind == NEM_KILL ? ", signal: KILL }\n" : " }\n");
	}
	if (f->promoted) {
		/* promote: true — what the nemesis's orchestrator did */
		int64_t notice = f->hold_ms / 2 < 1000 ? f->hold_ms / 2 : 1000;
		if (notice > 0)
			sb_printf(out, "%s- sleep: %lldms\n", ind, (long long)notice);
		sb_printf(out, "%s- promote: { node: %d }\n", ind, f->promoted);
		if (f->hold_ms - notice > 0)
			sb_printf(out, "%s- sleep: %lldms\n", ind, (long long)(f->hold_ms - notice));
	} else if (f->hold_ms > 0) {
		sb_printf(out, "%s- sleep: %lldms\n", ind, (long long)f->hold_ms);
	}
	switch (f->kind) {
	case NEM_PARTITION:
		sb_printf(out, "%s- heal\n", ind);
		break;
	case NEM_PAUSE:
		sb_printf(out, "%s- resume: { node: ", ind);
		nodes_yaml(f->nodes, nodes, out);
		sb_puts(out, " }\n");
		break;
	default:
		if (down == nodes) {
			sb_printf(out, "%s- start: { node: all }\n", ind);
		} else if (galera && f->kind != NEM_STOP && 2 * (nodes - down) <= nodes) {
			/* The survivors lost quorum: as the nemesis does. */
			sb_printf(out, "%s- stop: { node: ", ind);
			nodes_yaml(all & ~f->nodes, nodes, out);
			sb_puts(out, " }\n");
			sb_printf(out, "%s- start: { node: all }\n", ind);
		} else {
			sb_printf(out, "%s- start: { node: ", ind);
			nodes_yaml(f->nodes, nodes, out);
			sb_puts(out, " }\n");
		}
	}
	if (f->promoted)
		sb_printf(out, "%s- rejoin: { node: %d }\n", ind, f->old_primary);
	sb_printf(out, "%s- wait: { for: synced, node: all, timeout: 180s }\n", ind);
}

static size_t indent_of(const char *line)
{
	size_t i = 0;

	while (line[i] == ' ')
		i++;
	return i;
}

/* Write the scenario: RUN's file, nemesis steps replaced by faults[]. */
static int write_shrunk(const struct shrink *s, const struct nemesis_fault *f, size_t n, const char *out_path)
{
	const struct scenario *sc = s->sc;
	size_t len, n_lines = 0;
	char *text = read_file(sc->file, &len), **lines = NULL;
	struct strbuf out = { 0 };
	bool galera = !strcmp(sc->cluster.flavor, "galera"), seed_done = false;
	struct sc_errors errs = { 0 };
	struct scenario *check;
	int rc = -1;

	if (!text)
		return -1;
	for (char *p = text; p && *p;) {
		char *nl = strchr(p, '\n');
		lines = xrealloc(lines, (n_lines + 1) * sizeof(*lines));
		lines[n_lines++] = p;
		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : NULL;
	}
	if (s->max_runs)
		sb_printf(&out, "# Shrunk by lab shrink from run %lld (%s, seed %llu): %zu of %zu faults,\n"
				"# after %lld candidate runs; the finding (%s) reproduced in %lld of %lld tries.\n",
			  (long long)s->rr->id, sc->file, (unsigned long long)s->rr->seed, n, s->rr->n_faults,
			  (long long)s->runs, s->kind[0] ? s->kind : "a fail verdict", (long long)s->k, (long long)s->n);
	else
		sb_printf(&out, "# The %zu faults of run %lld (%s, seed %llu) as scripted steps\n"
				"# (lab shrink --max-runs 0: no candidate run).\n",
			  n, (long long)s->rr->id, sc->file, (unsigned long long)s->rr->seed);
	for (size_t i = 0; i < n_lines; i++) {
		const char *l = lines[i];
		size_t step = 0;
		bool is_nemesis = false;

		for (size_t k = 0; k < sc->n_steps; k++)
			if ((size_t)sc->steps[k].line == i + 1 && !strcmp(sc->steps[k].action->name, "nemesis")) {
				is_nemesis = true;
				step = k + 1;
			}
		if (!strncmp(l, "name:", 5)) {
			sb_printf(&out, "name: %s-shrunk-%lld\n", sc->name, (long long)s->rr->id);
			continue;
		}
		if (!strncmp(l, "seed:", 5)) {
			sb_printf(&out, "seed: %llu\n", (unsigned long long)s->rr->seed);
			seed_done = true;
			continue;
		}
		if (!is_nemesis) {
			sb_printf(&out, "%s\n", l);
			continue;
		}
		{
			/* The step runs to the next line at its dash's indentation or less. */
			size_t ind = indent_of(l), j;
			char pad[64];
			int64_t t = 0;
			snprintf(pad, sizeof(pad), "%*s", (int)(ind < 60 ? ind : 60), "");
			for (j = i + 1; j < n_lines; j++) {
				const char *m = lines[j] + indent_of(lines[j]);
				if (*m && *m != '#' && indent_of(lines[j]) <= ind)
					break;
			}
			for (size_t k = 0; k < n; k++) {
				if (f[k].seq != (int)step)
					continue;
				fault_yaml(&f[k], f[k].at_ms - t, sc->cluster.nodes > 0 ? (int)sc->cluster.nodes : 1, galera,
					   pad, &out);
				t = f[k].at_ms + f[k].hold_ms;
			}
			if (!t)
				sb_printf(&out, "%s- sleep: 1s  # the nemesis step: no fault kept\n", pad);
			i = j - 1;
		}
	}
	if (!seed_done)
		sb_printf(&out, "seed: %llu\n", (unsigned long long)s->rr->seed);
	check = scenario_parse(out.buf, out.len, out_path, &errs);
	for (size_t e = 0; e < errs.n; e++)
		fprintf(stderr, "%s\n", errs.v[e]);
	if (!check)
		lab_error("the shrunk scenario does not validate (a bug in lab shrink); not written");
	else if (write_file_atomic(out_path, out.buf, out.len, 0644) == 0)
		rc = 0;
	scenario_free(check);
	sc_errors_release(&errs);
	sb_release(&out);
	free(lines);
	free(text);
	return rc;
}

/* RUN's most frequent anomaly kind into kind ("" when none). */
static void finding_kind(struct resultsdb *db, int64_t run, char *kind, size_t size)
{
	sqlite3_stmt *st = NULL;

	kind[0] = '\0';
	if (sqlite3_prepare_v2(resultsdb_handle(db),
			       "SELECT kind FROM anomalies WHERE run_id = ? GROUP BY kind ORDER BY count(*) DESC, kind LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		lab_strlcpy(kind, (const char *)sqlite3_column_text(st, 0), size);
	sqlite3_finalize(st);
}

int cmd_shrink(int argc, char **argv)
{
	const char *db_path = NULL, *out_path = NULL, *run_arg = NULL;
	struct shrink s = { .max_runs = 30, .k = 2, .n = 3 };
	struct recorded_run rr;
	struct scenario *sc;
	struct nemesis_fault *cur;
	size_t n_cur;
	int64_t id;
	int code = LAB_EXIT_BROKEN, r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-') {
			if (run_arg)
				return usage_fail("one run only, not '%s' too", a);
			run_arg = a;
			continue;
		}
		if (strcmp(a, "--db") && strcmp(a, "--out") && strcmp(a, "--max-runs") && strcmp(a, "--tries") &&
		    strcmp(a, "--name"))
			return usage_fail("unknown option '%s'", a);
		if (!val)
			return usage_fail("option '%s' needs a value", a);
		i++;
		if (!strcmp(a, "--db")) {
			db_path = val;
		} else if (!strcmp(a, "--out")) {
			out_path = val;
		} else if (!strcmp(a, "--name")) {
			s.o.name = val;
		} else if (!strcmp(a, "--max-runs")) {
			if (parse_int64(val, 0, 100000, &s.max_runs) < 0)
				return usage_fail("--max-runs must be a whole number >= 0, not '%s'", val);
		} else {
			const char *slash = strchr(val, '/');
			char kbuf[24];
			if (!slash || (size_t)(slash - val) >= sizeof(kbuf))
				return usage_fail("--tries wants K/N, e.g. 2/3, not '%s'", val);
			memcpy(kbuf, val, (size_t)(slash - val));
			kbuf[slash - val] = '\0';
			if (parse_int64(kbuf, 1, 100, &s.k) < 0 || parse_int64(slash + 1, 1, 100, &s.n) < 0 || s.k > s.n)
				return usage_fail("--tries wants K/N with 1 <= K <= N <= 100, not '%s'", val);
		}
	}
	if (!run_arg)
		return usage_fail("%s", "no run given");
	if (!out_path)
		return usage_fail("%s", "--out FILE.yaml is required");
	if (recorded_parse_id(run_arg, &id) < 0)
		return usage_fail("bad run '%s': want a run id", run_arg);
	if (!(s.db = recorded_db_open(db_path)))
		return LAB_EXIT_BROKEN;
	if (recorded_run_load(s.db, id, &rr) < 0) {
		resultsdb_close(s.db);
		return LAB_EXIT_BROKEN;
	}
	s.rr = &rr;
	if (s.max_runs && (!rr.verdict || strcmp(rr.verdict, "fail"))) {
		lab_error("run %lld is '%s', not a fail: nothing to shrink", (long long)id, rr.verdict ? rr.verdict : "?");
		goto out_rr;
	}
	if (!rr.n_faults) {
		lab_error("run %lld executed no nemesis fault: nothing to shrink", (long long)id);
		goto out_rr;
	}
	if (!(sc = recorded_scenario(&rr)))
		goto out_rr;
	s.sc = sc;
	finding_kind(s.db, id, s.kind, sizeof(s.kind));
	s.o.have_seed = true;
	s.o.seed = rr.seed;
	s.o.have_replay = true;
	s.o.replays = id;
	lab_install_interrupt_handlers();
	printf("shrinking run %lld: %zu faults, finding %s, kept when it shows in %lld of %lld tries, at most %lld runs\n",
	       (long long)id, rr.n_faults, s.kind[0] ? s.kind : "(a fail verdict)", (long long)s.k, (long long)s.n,
	       (long long)s.max_runs);
	cur = xcalloc(rr.n_faults, sizeof(*cur));
	memcpy(cur, rr.faults, rr.n_faults * sizeof(*cur));
	n_cur = rr.n_faults;
	/* First: does it reproduce at all, with every fault? (--max-runs 0:
	 * no runs, RUN's faults as they are, as a scripted scenario.) */
	r = s.max_runs ? reproduces(&s, cur, n_cur) : 1;
	if (r <= 0) {
		if (!s.broken && !lab_interrupted)
			lab_error("run %lld's finding did not reproduce with all its faults in %lld of %lld tries", (long long)id,
				  (long long)s.k, (long long)s.n);
	} else {
		if (s.max_runs && (shrink_ddmin(cur, &n_cur, try_candidate, &s) < 0 ||
				   shrink_timing(cur, n_cur, try_candidate, &s) < 0))
			printf("stopped early (%s): keeping the smallest reproducing schedule so far\n",
			       lab_interrupted ? "interrupted" : s.broken ? "a run broke" : "--max-runs reached");
		if (write_shrunk(&s, cur, n_cur, out_path) == 0) {
			printf("%zu of %zu faults after %lld candidate runs: %s\n", n_cur, rr.n_faults, (long long)s.runs,
			       out_path);
			code = LAB_EXIT_OK;
		}
	}
	free(cur);
	scenario_free(sc);
out_rr:
	recorded_run_release(&rr);
	resultsdb_close(s.db);
	return code;
}
