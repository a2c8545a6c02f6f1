/*
 * cmd_replay.c — `lab replay RUN [--db FILE] [--name NAME] [--keep]`: run
 * the executed schedule of a recorded run again, on a fresh cluster.
 *
 * The run's scenario file (which must not have changed: its SHA-256 is
 * checked), the same seed (so the workload draws the same transactions),
 * and in place of drawing faults, each nemesis step executes the faults
 * the run recorded, at the same offsets from the step's start, on the same
 * nodes (a `primary` target as it was resolved then). The new run records
 * which run it replays (runs.replays). Exit codes as lab run.
 */
#include "commands.h"
#include "recorded.h"
#include "runner.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define usage_fail(...) lab_usage_error("replay", __VA_ARGS__)

int cmd_replay(int argc, char **argv)
{
	const char *db_path = NULL, *run_arg = NULL;
	struct runner_opts o = { 0 };
	struct recorded_run rr;
	struct resultsdb *db;
	struct scenario *sc;
	struct run_result res;
	int64_t id;
	int code;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--keep")) {
			o.keep = true;
		} else if (!strcmp(a, "--db") || !strcmp(a, "--name")) {
			if (i + 1 >= argc)
				return usage_fail("option '%s' needs a value", a);
			if (!strcmp(a, "--db"))
				db_path = argv[++i];
			else
				o.name = argv[++i];
		} else if (a[0] == '-') {
			return usage_fail("unknown option '%s'", a);
		} else if (run_arg) {
			return usage_fail("one run only, not '%s' too", a);
		} else {
			run_arg = a;
		}
	}
	if (!run_arg)
		return usage_fail("%s", "no run given");
	if (recorded_parse_id(run_arg, &id) < 0)
		return usage_fail("bad run '%s': want a run id", run_arg);
	if (!(db = recorded_db_open(db_path)))
		return LAB_EXIT_BROKEN;
	if (recorded_run_load(db, id, &rr) < 0) {
		resultsdb_close(db);
		return LAB_EXIT_BROKEN;
	}
	if (!(sc = recorded_scenario(&rr))) {
		recorded_run_release(&rr);
		resultsdb_close(db);
		return LAB_EXIT_BROKEN;
	}
	printf("replaying run %lld (%s, seed %llu, %s): %zu recorded faults\n", (long long)id, rr.scenario_file,
	       (unsigned long long)rr.seed, rr.verdict ? rr.verdict : "?", rr.n_faults);
	fflush(stdout);
	o.have_seed = true;
	o.seed = rr.seed;
	o.have_replay = true;
	o.replay = rr.faults;
	o.n_replay = rr.n_faults;
	o.replays = id;
	o.progress = isatty(STDERR_FILENO) && !lab_quiet && !getenv("LAB_NO_PROGRESS");
	lab_install_interrupt_handlers();
	if (runner_run(sc, &o, db, &res) < 0) {
		code = LAB_EXIT_BROKEN;
	} else {
		code = verdict_exit_code(res.verdict);
		printf("%-7s %s (run %lld replays run %lld, %.0f s)%s%s\n", verdict_name(res.verdict), sc->name,
		       (long long)res.run_id, (long long)id, res.seconds, res.reason ? ": " : "",
		       res.reason ? res.reason : "");
		printf("results: %s (lab results show %lld%s%s)\n", resultsdb_path(db), (long long)res.run_id,
		       db_path ? " --db " : "", db_path ? db_path : "");
		run_result_release(&res);
	}
	if (lab_interrupted && code < LAB_EXIT_BROKEN)
		code = LAB_EXIT_BROKEN;
	scenario_free(sc);
	recorded_run_release(&rr);
	resultsdb_close(db);
	return code;
}
