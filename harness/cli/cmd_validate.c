/*
 * cmd_validate.c — `lab validate SCENARIO.yaml...`: parse and lint every
 * file with the same tables the runner uses, print every problem as
 * FILE:LINE:COL: message on stderr, and exit 2 if there was any. Touches no
 * node. `lab validate --plan PLAN.yaml` checks a nightly plan the way `lab
 * run --plan` does before it runs (every scenario with every axis value).
 * `lab validate --describe` prints the reference of every key and action,
 * generated from those tables.
 */
#include "commands.h"
#include "plan.h"
#include "scenario.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int validate_plan(const char *file)
{
	struct sc_errors errs = { 0 };
	struct plan *pl = plan_load(file, &errs);

	for (size_t e = 0; e < errs.n; e++)
		fprintf(stderr, "%s\n", errs.v[e]);
	sc_errors_release(&errs);
	if (!pl)
		return LAB_EXIT_BROKEN;
	printf("%s: ok (%s, %zu run%s)\n", file, pl->name, pl->n_runs, pl->n_runs == 1 ? "" : "s");
	plan_free(pl);
	return LAB_EXIT_OK;
}

int cmd_validate(int argc, char **argv)
{
	int bad = 0, files = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--describe")) {
			scenario_describe(stdout);
			return LAB_EXIT_OK;
		}
		if (!strcmp(argv[i], "--plan")) {
			if (i + 1 >= argc)
				return lab_usage_error("validate", "option '--plan' needs a value");
			if (i + 2 < argc)
				return lab_usage_error("validate", "--plan takes one plan ('%s')", argv[i + 2]);
			return validate_plan(argv[i + 1]);
		}
		if (argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--"))
			return lab_usage_error("validate", "unknown option '%s'", argv[i]);
	}
	for (int i = 1; i < argc; i++) {
		struct sc_errors errs = { 0 };
		struct scenario *sc;
		char *path;

		if (!strcmp(argv[i], "--"))
			continue;
		files++;
		path = lab_scenario_path(argv[i]);
		sc = scenario_load(path, &errs);
		free(path);
		for (size_t e = 0; e < errs.n; e++)
			fprintf(stderr, "%s\n", errs.v[e]);
		if (sc)
			printf("%s: ok (%s, %zu step%s)\n", argv[i], sc->name, sc->n_steps, sc->n_steps == 1 ? "" : "s");
		else
			bad++;
		sc_errors_release(&errs);
		scenario_free(sc);
	}
	if (!files)
		return lab_usage_error("validate", "no scenario file given");
	return bad ? LAB_EXIT_BROKEN : LAB_EXIT_OK;
}
