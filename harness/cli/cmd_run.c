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
#include "commands.h"
#include "report.h"
#include "resultsdb.h"
#include "runner.h"
#include "scenario.h"
#include "util.h"

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

int cmd_run(int argc, char **argv)
{
	struct runner_opts o = { 0 };
	const char *db_path = NULL, *junit = NULL, *html = NULL;
	const char **files = xcalloc((size_t)argc, sizeof(*files));
	struct scenario **scs;
	size_t n_files = 0, n_runs = 0;
	int64_t *runs;
	int worst = LAB_EXIT_OK, bad = 0;
	struct resultsdb *db;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--keep")) {
			o.keep = true;
		} else if (!strcmp(a, "--backend") || !strcmp(a, "--seed") || !strcmp(a, "--db") ||
			   !strcmp(a, "--junit") || !strcmp(a, "--html") || !strcmp(a, "--name")) {
			if (!val) {
				free(files);
				return usage_fail("option '%s' needs a value", a);
			}
			i++;
			if (!strcmp(a, "--backend")) {
				if (strcmp(val, "local") && strcmp(val, "libvirt")) {
					free(files);
					return usage_fail("--backend must be local or libvirt, not '%s'", val);
				}
				o.backend = val;
			} else if (!strcmp(a, "--seed")) {
				int64_t s;
				if (parse_int64(val, 0, INT64_MAX, &s) < 0) {
					free(files);
					return usage_fail("--seed must be a whole number >= 0, not '%s'", val);
				}
				o.have_seed = true;
				o.seed = (uint64_t)s;
			} else if (!strcmp(a, "--db")) {
				db_path = val;
			} else if (!strcmp(a, "--junit")) {
				junit = val;
			} else if (!strcmp(a, "--html")) {
				html = val;
			} else {
				o.name = val;
			}
		} else if (a[0] == '-' && a[1]) {
			free(files);
			return usage_fail("unknown option '%s'", a);
		} else {
			files[n_files++] = a;
		}
	}
	if (!n_files) {
		free(files);
		return usage_fail("%s", "no scenario file given");
	}

	/* Validate everything before touching anything. */
	scs = xcalloc(n_files, sizeof(*scs));
	for (size_t i = 0; i < n_files; i++) {
		struct sc_errors errs = { 0 };
		scs[i] = scenario_load(files[i], &errs);
		for (size_t e = 0; e < errs.n; e++)
			fprintf(stderr, "%s\n", errs.v[e]);
		if (!scs[i])
			bad++;
		sc_errors_release(&errs);
	}
	if (bad) {
		lab_error("%d scenario file%s did not validate; nothing was run", bad, bad == 1 ? "" : "s");
		for (size_t i = 0; i < n_files; i++)
			scenario_free(scs[i]);
		free(scs);
		free(files);
		return LAB_EXIT_BROKEN;
	}

	db = resultsdb_open(db_path);
	if (!db) {
		for (size_t i = 0; i < n_files; i++)
			scenario_free(scs[i]);
		free(scs);
		free(files);
		return LAB_EXIT_BROKEN;
	}
	o.progress = isatty(STDERR_FILENO) && !lab_quiet && !getenv("LAB_NO_PROGRESS");
	lab_install_interrupt_handlers();
	runs = xcalloc(n_files, sizeof(*runs));
	for (size_t i = 0; i < n_files; i++) {
		struct runner_opts oi = o;
		struct run_result res;
		int code;

		if (lab_interrupted)
			break;
		if (o.keep && i + 1 < n_files)
			oi.keep = false; /* only the last scenario's cluster is kept */
		if (runner_run(scs[i], &oi, db, &res) < 0) {
			worst = LAB_EXIT_BROKEN;
			break;
		}
		runs[n_runs++] = res.run_id;
		code = verdict_exit_code(res.verdict);
		if (code > worst)
			worst = code;
		printf("%-7s %s (run %lld, %.0f s)%s%s\n", verdict_name(res.verdict), scs[i]->name,
		       (long long)res.run_id, res.seconds, res.reason ? ": " : "", res.reason ? res.reason : "");
		if (res.verdict == VERDICT_FAIL && scs[i]->tags.n) {
			printf("        tags:");
			for (size_t t = 0; t < scs[i]->tags.n; t++)
				printf(" %s", scs[i]->tags.v[t]);
			printf("\n");
		}
		fflush(stdout);
		run_result_release(&res);
	}
	if (n_runs) {
		if (junit && report_junit(db, runs, n_runs, junit) < 0)
			worst = LAB_EXIT_BROKEN;
		for (size_t i = 0; html && i < n_runs; i++) {
			char *p = html_path(html, runs[i], n_runs);
			if (report_html(db, runs[i], p) < 0)
				worst = LAB_EXIT_BROKEN;
			free(p);
		}
		printf("results: %s (lab results show %lld", resultsdb_path(db), (long long)runs[n_runs - 1]);
		if (db_path)
			printf(" --db %s", db_path);
		printf(")\n");
	}
	if (lab_interrupted && worst < LAB_EXIT_BROKEN)
		worst = LAB_EXIT_BROKEN;
	resultsdb_close(db);
	for (size_t i = 0; i < n_files; i++)
		scenario_free(scs[i]);
	free(scs);
	free(runs);
	free(files);
	return worst;
}
