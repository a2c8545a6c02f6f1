/*
 * cmd_explore.c — `lab explore SCENARIO... [--runs N] [--time-limit 30m]
 * [--keep-going] [--db FILE] [--name NAME] [--backend B]`: run the
 * scenarios again and again (in turn), each run with a fresh seed, so that
 * their nemesis steps draw new fault schedules; every run is stored as by
 * lab run. One line per run: run id, seed, faults injected, verdict,
 * anomalies by kind.
 *
 * It stops at the first finding (a fail verdict) unless --keep-going, and
 * says how to look at and replay the failing run. A broken run (lab or the
 * machine failed) also stops it unless --keep-going. With neither --runs
 * nor --time-limit it makes 10 runs; the time limit is checked before each
 * run (a run already started finishes).
 *
 * Exit 1 when anything was found, 0 when nothing was, 2 when lab could not
 * do its job (bad input, a broken or interrupted run and no finding).
 */
#include "commands.h"
#include "recorded.h"
#include "runner.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define usage_fail(...) lab_usage_error("explore", __VA_ARGS__)

struct explore_args {
	struct runner_opts o;
	const char *db_path;
	int64_t runs, time_limit_ms;
	bool keep_going;
	const char **files;
	size_t n_files;
};

static int parse_explore_args(int argc, char **argv, struct explore_args *ea)
{
	ea->files = xcalloc((size_t)argc, sizeof(*ea->files));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--keep-going")) {
			ea->keep_going = true;
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			ea->files[ea->n_files++] = a;
			continue;
		}
		if (strcmp(a, "--runs") && strcmp(a, "--time-limit") && strcmp(a, "--db") && strcmp(a, "--name") &&
		    strcmp(a, "--backend"))
			return usage_fail("unknown option '%s'", a);
		if (!val)
			return usage_fail("option '%s' needs a value", a);
		i++;
		if (!strcmp(a, "--runs")) {
			if (parse_int64(val, 1, 1000000, &ea->runs) < 0)
				return usage_fail("--runs must be a whole number >= 1, not '%s'", val);
		} else if (!strcmp(a, "--time-limit")) {
			if (parse_duration_ms(val, &ea->time_limit_ms) < 0 || ea->time_limit_ms <= 0)
				return usage_fail("--time-limit must be a duration such as 30m, not '%s'", val);
		} else if (!strcmp(a, "--db")) {
			ea->db_path = val;
		} else if (!strcmp(a, "--name")) {
			ea->o.name = val;
		} else {
			if (!backend_find(val))
				return usage_fail("--backend: no backend '%s'", val);
			ea->o.backend = val;
		}
	}
	if (!ea->n_files)
		return usage_fail("%s", "no scenario file given");
	if (!ea->runs && !ea->time_limit_ms)
		ea->runs = 10;
	return 0;
}

/* A fresh seed (lab_rng is for reproducible streams; this is the seed). */
static uint64_t fresh_seed(void)
{
	uint64_t s = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	if (!s)
		s = (uint64_t)mono_ns() ^ ((uint64_t)getpid() << 32);
	return s & (uint64_t)INT64_MAX;
}

static int64_t faults_injected(struct resultsdb *db, int64_t run)
{
	struct recorded_run rr;
	int64_t n;

	if (recorded_run_load(db, run, &rr) < 0)
		return -1;
	n = (int64_t)rr.n_faults;
	recorded_run_release(&rr);
	return n;
}

static struct scenario **load_all(const struct explore_args *ea)
{
	struct scenario **scs = xcalloc(ea->n_files, sizeof(*scs));
	int bad = 0;

	for (size_t i = 0; i < ea->n_files; i++) {
		struct sc_errors errs = { 0 };
		char *path = lab_scenario_path(ea->files[i]);
		scs[i] = scenario_load(path, &errs);
		free(path);
		for (size_t e = 0; e < errs.n; e++)
			fprintf(stderr, "%s\n", errs.v[e]);
		bad += !scs[i];
		sc_errors_release(&errs);
	}
	if (!bad)
		return scs;
	lab_error("%d scenario file%s did not validate; nothing was run", bad, bad == 1 ? "" : "s");
	for (size_t i = 0; i < ea->n_files; i++)
		scenario_free(scs[i]);
	free(scs);
	return NULL;
}

int cmd_explore(int argc, char **argv)
{
	struct explore_args ea = { 0 };
	struct scenario **scs;
	struct resultsdb *db;
	int64_t t0 = mono_ns(), made = 0, found = 0, broken = 0, first_found = 0;
	int rc;

	if ((rc = parse_explore_args(argc, argv, &ea)) != 0) {
		free(ea.files);
		return rc;
	}
	if (!(scs = load_all(&ea))) {
		free(ea.files);
		return LAB_EXIT_BROKEN;
	}
	if (!(db = resultsdb_open(ea.db_path))) {
		rc = LAB_EXIT_BROKEN;
		goto out;
	}
	ea.o.progress = isatty(STDERR_FILENO) && !lab_quiet && !getenv("LAB_NO_PROGRESS");
	lab_install_interrupt_handlers();
	printf("%-6s %-20s %-6s %-8s %s\n", "run", "seed", "faults", "verdict", "anomalies");
	fflush(stdout);
	for (size_t i = 0;; i++) {
		const struct scenario *sc = scs[i % ea.n_files];
		struct runner_opts o = ea.o;
		struct run_result res;
		struct strbuf anomalies = { 0 };

		if (lab_interrupted || (ea.runs && made >= ea.runs) ||
		    (ea.time_limit_ms && (mono_ns() - t0) / 1000000 >= ea.time_limit_ms))
			break;
		o.have_seed = true;
		o.seed = fresh_seed();
		if (runner_run(sc, &o, db, &res) < 0) {
			broken++;
			break;
		}
		made++;
		recorded_anomalies(db, res.run_id, &anomalies);
		printf("%-6lld %-20llu %-6lld %-8s %s  (%s, %.0f s)\n", (long long)res.run_id, (unsigned long long)o.seed,
		       (long long)faults_injected(db, res.run_id), verdict_name(res.verdict), anomalies.buf, sc->name,
		       res.seconds);
		fflush(stdout);
		sb_release(&anomalies);
		if (res.verdict == VERDICT_FAIL) {
			found++;
			if (!first_found)
				first_found = res.run_id;
			printf("finding in run %lld: %.160s%s\n  lab results show %lld%s%s; lab replay %lld%s%s\n",
			       (long long)res.run_id, res.reason ? res.reason : "fail",
			       res.reason && strlen(res.reason) > 160 ? "..." : "", (long long)res.run_id,
			       ea.db_path ? " --db " : "", ea.db_path ? ea.db_path : "", (long long)res.run_id,
			       ea.db_path ? " --db " : "", ea.db_path ? ea.db_path : "");
			fflush(stdout);
		} else if (res.verdict == VERDICT_BROKEN || res.verdict == VERDICT_ABORTED) {
			broken++;
			if (res.verdict == VERDICT_ABORTED)
				lab_interrupted = 1;
		}
		run_result_release(&res);
		if (!ea.keep_going && (found || broken))
			break;
	}
	printf("explored %lld run%s in %.0f s: %lld with findings%s", (long long)made, made == 1 ? "" : "s",
	       (double)(mono_ns() - t0) / 1e9, (long long)found, broken ? ", " : "");
	if (broken)
		printf("%lld broken or aborted", (long long)broken);
	if (first_found)
		printf("; first finding: run %lld", (long long)first_found);
	printf(" (results: %s)\n", resultsdb_path(db));
	rc = found ? LAB_EXIT_FINDING : broken || lab_interrupted ? LAB_EXIT_BROKEN : LAB_EXIT_OK;
	resultsdb_close(db);
out:
	for (size_t i = 0; i < ea.n_files; i++)
		scenario_free(scs[i]);
	free(scs);
	free(ea.files);
	return rc;
}
