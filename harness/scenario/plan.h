/*
 * plan.h — a nightly plan (`lab run --plan FILE`): scenario files (globs,
 * relative to the plan file) and a matrix of axes (version, cache_mode,
 * mysqld option sets, flavor) whose every combination is one run of every
 * scenario, the axis values applied over the scenario's cluster section.
 *
 * The plan's keys are option tables like a scenario's (schema.c:
 * sc_plan_top), read by the same parser, with the same error lines
 * ("FILE:LINE:COL: message"); an axis value a scenario cannot take (an
 * action needs another flavor, an option lab sets itself, ...) is an error
 * at the value in the plan that names the scenario file's own error.
 *
 * The runs come in one stable order (scenario files as the patterns list
 * them, each glob's matches sorted; then the axes' values in the order
 * the plan lists them, version outermost, mysqld innermost) and are
 * numbered 1..R in it. Shards deal them out like cards, in rounds of N,
 * every other round backwards (1 2 .. N, N .. 2 1, ...): each run is in
 * exactly one shard, the shards differ by at most one run, and neither
 * the innermost axis nor a scenario's place in the order ends up all in
 * one shard (plain i mod N would give shard 2 of 2 every second option
 * set).
 */
#ifndef LAB_PLAN_H
#define LAB_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario.h"

/* The axes, each a list of values; an empty axis changes nothing. */
struct plan_matrix {
	struct strlist version, cache_mode, flavor;
	struct sc_kvsets mysqld;
};

/* One run: a scenario file and one value of each axis that has values
 * (NULL: the scenario's own). */
struct plan_run {
	size_t index;             /* 1-based, in the plan's order */
	char *file;               /* the scenario file (the plan's directory + the pattern's match) */
	char *label;              /* "cache_mode=none mysqld=durable", "" without axes */
	const char *version, *cache_mode, *flavor; /* borrowed from the plan */
	const struct sc_kvset *mysqld;
	struct scenario *sc;      /* loaded with the overrides; NULL until plan_load_runs */
};

struct plan {
	char *file;
	char *name, *description;
	struct strlist scenarios; /* patterns, as given */
	struct plan_matrix matrix;
	/* where each axis value is in the plan file, for error lines; parallel
	 * to matrix.version / cache_mode / flavor */
	struct plan_pos { int line, col; } *version_at, *cache_mode_at, *flavor_at, matrix_at;
	struct plan_run *runs;
	size_t n_runs;
};

/* Parse and validate a plan and expand it into runs (each scenario file
 * loaded with its run's overrides). NULL when anything is wrong (every
 * error appended to errs). Free with plan_free. */
struct plan *plan_load(const char *path, struct sc_errors *errs);
/* The same from a buffer; `file` names it in errors and is the directory
 * the scenario patterns are relative to. */
struct plan *plan_parse(const char *text, size_t len, const char *file, struct sc_errors *errs);
/* A plan without a matrix of the files given on the command line (`lab
 * run A.yaml B.yaml`): one run per file, in that order, each loaded. NULL
 * with errs when any file does not validate. */
struct plan *plan_of_files(const char *const *files, size_t n, struct sc_errors *errs);
void plan_free(struct plan *pl);

/* The run's label with the scenario's name: "NAME [LABEL]" or "NAME". */
char *plan_run_title(const struct plan_run *r);

/* "K/N" with 1 <= K <= N <= 10000: 0, or -1 with a one-line error. */
int plan_shard_parse(const char *s, int *k, int *n);
/* The shard (1..n) of run number index (1-based), and whether it is k. */
int plan_shard_of(size_t index, int n);
bool plan_in_shard(size_t index, int k, int n);

/* The tables (schema.c), printed by `lab validate --describe` and in
 * lab(1) with the scenario's (describe.c). */
extern const struct sc_option sc_plan_top[];
extern const size_t sc_n_plan_top;

#endif
