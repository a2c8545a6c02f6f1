/*
 * cmd_run.c — `lab run SCENARIO.yaml... [--backend local|libvirt] [--seed N]
 * [--db FILE] [--junit FILE] [--html FILE] [--keep] [--name NAME]`.
 *
 * Every file is validated first: one bad file and nothing runs (exit 2,
 * no node touched). Then each scenario runs on a fresh cluster (named
 * NAME, default "run"); SIGINT/SIGTERM stop the current scenario cleanly
 * (its faults undone, recorded as aborted) and skip the rest. The exit
 * code is the worst over all scenarios: 0 pass, 1 a finding, 2 broken or
 * aborted. A failed scenario's tags (bug ids) are printed with it.
 */
#include "cluster.h"
#include "commands.h"
#include "report.h"
#include "resultsdb.h"
#include "runner.h"
#include "scenario.h"
#include "util.h"
#include "versions.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define usage_fail(...) lab_usage_error("run", __VA_ARGS__)

/* FILE for one run; FILE with -RUN before the extension for several. */
static char *html_path(const char *path, int64_t run, size_t n_runs)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (n_runs == 1)
		return xstrdup(path);
	if (!dot || (slash && dot < slash))
		return xasprintf("%s-%lld", path, (long long)run);
	return xasprintf("%.*s-%lld%s", (int)(dot - path), path, (long long)run, dot);
}

/* The command line. files[] borrows argv's strings. */
struct run_args {
	struct runner_opts o;
	const char *db_path, *junit, *html;
	const char **files;
	size_t n_files;
};

static int parse_run_args(int argc, char **argv, struct run_args *ra)
{
	ra->files = xcalloc((size_t)argc, sizeof(*ra->files));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--keep")) {
			ra->o.keep = true;
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			ra->files[ra->n_files++] = a;
			continue;
		}
		if (strcmp(a, "--backend") && strcmp(a, "--seed") && strcmp(a, "--db") && strcmp(a, "--junit") &&
		    strcmp(a, "--html") && strcmp(a, "--name"))
			return usage_fail("unknown option '%s'", a);
		if (!val)
			return usage_fail("option '%s' needs a value", a);
		i++;
		if (!strcmp(a, "--backend")) {
			if (!backend_find(val))
				return usage_fail("--backend: no backend '%s'", val);
			ra->o.backend = val;
		} else if (!strcmp(a, "--seed")) {
			int64_t s;
			if (parse_int64(val, 0, INT64_MAX, &s) < 0)
				return usage_fail("--seed must be a whole number >= 0, not '%s'", val);
			ra->o.have_seed = true;
			ra->o.seed = (uint64_t)s;
		} else if (!strcmp(a, "--db")) {
			ra->db_path = val;
		} else if (!strcmp(a, "--junit")) {
			ra->junit = val;
		} else if (!strcmp(a, "--html")) {
			ra->html = val;
		} else {
			ra->o.name = val;
		}
	}
	if (!ra->n_files)
		return usage_fail("%s", "no scenario file given");
	return 0;
}

/* Validate everything before touching anything: NULL when any file is bad
 * (every error printed). */
static struct scenario **load_all(const struct run_args *ra)
{
	struct scenario **scs = xcalloc(ra->n_files, sizeof(*scs));
	int bad = 0;

	for (size_t i = 0; i < ra->n_files; i++) {
		struct sc_errors errs = { 0 };
		char *path = lab_scenario_path(ra->files[i]);
		scs[i] = scenario_load(path, &errs);
		free(path);
		for (size_t e = 0; e < errs.n; e++)
			fprintf(stderr, "%s\n", errs.v[e]);
		if (!scs[i])
			bad++;
		sc_errors_release(&errs);
	}
	if (!bad) {
		/* The server builds they name (versions.h) must be in the
		 * cache: one line, 'lab versions fetch V', and nothing run. */
		char root[PATH_MAX];
		for (size_t i = 0; i < ra->n_files && !bad; i++) {
			const struct sc_cluster *cl = &scs[i]->cluster;
			if (cl->version && versions_root(cl->version, root, sizeof(root)) < 0)
				bad++;
			for (size_t k = 0; k < cl->versions.n && !bad; k++)
				if (versions_root(cl->versions.v[k].value, root, sizeof(root)) < 0)
					bad++;
		}
		if (!bad)
			return scs;
		for (size_t i = 0; i < ra->n_files; i++)
			scenario_free(scs[i]);
		free(scs);
		return NULL;
	}
	lab_error("%d scenario file%s did not validate; nothing was run", bad, bad == 1 ? "" : "s");
	for (size_t i = 0; i < ra->n_files; i++)
		scenario_free(scs[i]);
	free(scs);
	return NULL;
}

/* One line per run; a failed scenario's tags (bug ids) under it. */
static void print_result(const struct scenario *sc, const struct run_result *res)
{
	printf("%-7s %s (run %lld, %.0f s)%s%s\n", verdict_name(res->verdict), sc->name, (long long)res->run_id,
	       res->seconds, res->reason ? ": " : "", res->reason ? res->reason : "");
	if (res->verdict == VERDICT_FAIL && sc->tags.n) {
		printf("        tags:");
		for (size_t t = 0; t < sc->tags.n; t++)
			printf(" %s", sc->tags.v[t]);
		printf("\n");
	}
	fflush(stdout);
}

/* Run each scenario; runs[] gets the run ids. Returns the worst exit code. */
static int run_all(const struct run_args *ra, struct scenario **scs, struct resultsdb *db, int64_t *runs,
		   size_t *n_runs)
{
	int worst = LAB_EXIT_OK;

	for (size_t i = 0; i < ra->n_files; i++) {
		struct runner_opts oi = ra->o;
		struct run_result res;
		int code;

		if (lab_interrupted)
			break;
		if (ra->o.keep && i + 1 < ra->n_files)
			oi.keep = false; /* only the last scenario's cluster is kept */
		if (runner_run(scs[i], &oi, db, &res) < 0)
			return LAB_EXIT_BROKEN;
		runs[(*n_runs)++] = res.run_id;
		code = verdict_exit_code(res.verdict);
		if (code > worst)
			worst = code;
		print_result(scs[i], &res);
		run_result_release(&res);
	}
	return worst;
}

/* JUnit and HTML reports of the runs, and where the results are. */
static int write_reports(const struct run_args *ra, struct resultsdb *db, const int64_t *runs, size_t n_runs)
{
	int rc = LAB_EXIT_OK;

	if (!n_runs)
		return rc;
	if (ra->junit && report_junit(db, runs, n_runs, ra->junit) < 0)
		rc = LAB_EXIT_BROKEN;
	for (size_t i = 0; ra->html && i < n_runs; i++) {
		char *p = html_path(ra->html, runs[i], n_runs);
		if (report_html(db, runs[i], p) < 0)
			rc = LAB_EXIT_BROKEN;
		free(p);
	}
	printf("results: %s (lab results show %lld", resultsdb_path(db), (long long)runs[n_runs - 1]);
	if (ra->db_path)
		printf(" --db %s", ra->db_path);
	printf(")\n");
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct run_args ra = { 0 };
	struct scenario **scs;
	struct resultsdb *db = NULL;
	int64_t *runs = NULL;
	size_t n_runs = 0;
	int worst = LAB_EXIT_BROKEN, rc;

	if ((rc = parse_run_args(argc, argv, &ra)) != 0) {
		free(ra.files);
		return rc;
	}
	if (!(scs = load_all(&ra))) {
		free(ra.files);
		return LAB_EXIT_BROKEN;
	}
	db = resultsdb_open(ra.db_path);
	if (db) {
		ra.o.progress = isatty(STDERR_FILENO) && !lab_quiet && !getenv("LAB_NO_PROGRESS");
		lab_install_interrupt_handlers();
		runs = xcalloc(ra.n_files, sizeof(*runs));
		worst = run_all(&ra, scs, db, runs, &n_runs);
		if (write_reports(&ra, db, runs, n_runs) > worst)
			worst = LAB_EXIT_BROKEN;
		if (lab_interrupted && worst < LAB_EXIT_BROKEN)
			worst = LAB_EXIT_BROKEN;
		resultsdb_close(db);
	}
	for (size_t i = 0; i < ra.n_files; i++)
		scenario_free(scs[i]);
	free(scs);
	free(runs);
	free(ra.files);
	return worst;
}
