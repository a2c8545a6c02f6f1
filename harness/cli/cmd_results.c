/*
 * cmd_results.c — the `lab results` verb: list recorded runs, show one in
 * full, compare two (or the last N of a scenario) for upgrade and nightly
 * gates, merge the databases of CI runners (results/merge.c) and show the
 * trend over nights (results/trend.c). The figures come from results/rundata.c and the text from
 * results/compare.c; this file parses the command line, opens the database
 * (which must exist: a typo in --db is an error, not a new empty file)
 * and maps the outcome to the exit code: compare exits 1 when it finds a
 * regression, 0 when not, 2 on bad input.
 */
#include "commands.h"
#include "nightly.h"
#include "rundata.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define usage_error(...) lab_usage_error("results", __VA_ARGS__)

struct results_opts {
	const char *db;
	const char *scenario;
	const char *html;
	int64_t limit, last;
	struct compare_limits lim;
	const char *args[3];
	int n_args;
};

/* "20%" or "20" -> 20.0 */
static int parse_percent(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		goto bad;
	v = strtod(s, &end);
	if (end == s || (*end && strcmp(end, "%") != 0) || !(v >= 0) || isinf(v))
		goto bad;
	*out = v;
	return 0;
bad:
	lab_error("invalid value '%s' for %s: expected a percentage such as 20%%", s ? s : "", opt);
	return -1;
}

static int parse_seconds(const char *opt, const char *s, double *out)
{
	int64_t ms;

	if (parse_duration_ms(s, &ms) < 0) {
		lab_error("invalid value '%s' for %s: expected a duration such as 5s", s ? s : "", opt);
		return -1;
	}
	*out = (double)ms / 1000.0;
	return 0;
}

static int parse_opts(int argc, char **argv, struct results_opts *o)
{
	o->db = RESULTSDB_DEFAULT;
	o->limit = 20;
	o->last = 0;
	o->lim = (struct compare_limits){ -1, -1, -1, -1 };
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;

		if (!strcmp(a, "--db")) {
			o->db = val;
		} else if (!strcmp(a, "--scenario")) {
			o->scenario = val;
		} else if (!strcmp(a, "--html")) {
			o->html = val;
		} else if (!strcmp(a, "--limit") || !strcmp(a, "--last")) {
			int64_t *dst = !strcmp(a, "--limit") ? &o->limit : &o->last;
			if (!val || parse_int64(val, 1, 100000, dst) < 0) {
				lab_error("invalid value '%s' for %s: expected a number from 1", val ? val : "", a);
				return -1;
			}
		} else if (!strcmp(a, "--max-tps-drop")) {
			if (parse_percent(a, val, &o->lim.max_tps_drop_pct) < 0)
				return -1;
		} else if (!strcmp(a, "--max-p99-rise")) {
			if (parse_percent(a, val, &o->lim.max_p99_rise_pct) < 0)
				return -1;
		} else if (!strcmp(a, "--max-unavailable-rise")) {
			if (parse_seconds(a, val, &o->lim.max_unavail_rise_s) < 0)
				return -1;
		} else if (!strcmp(a, "--max-recovery-rise")) {
			if (parse_seconds(a, val, &o->lim.max_recovery_rise_s) < 0)
				return -1;
		} else if (a[0] == '-' && a[1]) {
			usage_error("unknown option '%s'", a);
			return -1;
		} else {
			takes = false;
			if (o->n_args == (int)ARRAY_SIZE(o->args)) {
				usage_error("too many arguments ('%s')", a);
				return -1;
			}
			o->args[o->n_args++] = a;
		}
		if (takes) {
			if (!val) {
				usage_error("option '%s' needs a value", a);
				return -1;
			}
			i++;
		}
	}
	return 0;
}

static struct resultsdb *open_existing(const char *path)
{
	if (!path_exists(path)) {
		lab_error("results database '%s' does not exist (no run recorded there yet)", path);
		return NULL;
	}
	return resultsdb_open_existing(path);
}

static int results_list(struct resultsdb *db, const struct results_opts *o)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(resultsdb_handle(db),
			       "SELECT r.id, r.started_at, r.scenario, r.backend, r.flavor, r.verdict,"
			       " r.ended_at - r.started_at,"
			       " (SELECT count(*) FROM anomalies a WHERE a.run_id = r.id)"
			       " FROM runs r WHERE (?1 IS NULL OR r.scenario = ?1)"
			       " ORDER BY r.started_at DESC, r.id DESC LIMIT ?2",
			       -1, &st, NULL) != SQLITE_OK) {
		lab_error("results database '%s': cannot read: %s", o->db, sqlite3_errmsg(resultsdb_handle(db)));
		return -1;
	}
	if (o->scenario)
		sqlite3_bind_text(st, 1, o->scenario, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, o->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char when[32], dur[24], bf[64];
		const char *backend = (const char *)sqlite3_column_text(st, 3);
		const char *flavor = (const char *)sqlite3_column_text(st, 4);
		if (n++ == 0)
			printf("%6s  %-20s  %-28s %-16s %-8s %9s %9s\n", "run", "started", "scenario",
			       "backend/flavor", "verdict", "duration", "anomalies");
		format_utc(sqlite3_column_double(st, 1), when, sizeof(when));
		if (sqlite3_column_type(st, 6) == SQLITE_NULL)
			snprintf(dur, sizeof(dur), "-");
		else
			snprintf(dur, sizeof(dur), "%.1fs", sqlite3_column_double(st, 6));
		snprintf(bf, sizeof(bf), "%s/%s", backend ? backend : "-", flavor ? flavor : "-");
		printf("%6lld  %-20s  %-28s %-16s %-8s %9s %9lld\n", (long long)sqlite3_column_int64(st, 0),
		       when, (const char *)sqlite3_column_text(st, 2), bf,
		       (const char *)sqlite3_column_text(st, 5), dur, (long long)sqlite3_column_int64(st, 7));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		lab_error("results database '%s': cannot read: %s", o->db, sqlite3_errmsg(resultsdb_handle(db)));
		return -1;
	}
	if (!n)
		printf("no runs recorded%s%s%s in '%s'\n", o->scenario ? " for scenario '" : "",
		       o->scenario ? o->scenario : "", o->scenario ? "'" : "", o->db);
	return 0;
}

static int results_show(struct resultsdb *db, const struct results_opts *o)
{
	int64_t id;
	struct run_data *rd;

	if (o->n_args != 2) {
		usage_error("show needs one RUN");
		return -1;
	}
	if (run_id_parse(db, o->args[1], &id) < 0 || !(rd = run_data_load(db, id)))
		return -1;
	run_show(rd, stdout);
	run_data_free(rd);
	return 0;
}

/* Returns the exit code. */
static int results_compare(struct resultsdb *db, const struct results_opts *o)
{
	struct run_data **runs = NULL;
	int64_t *ids = NULL;
	int n = 0, rc = LAB_EXIT_BROKEN, regressions;

	if (o->scenario || o->last) {
		if (o->n_args != 1 || !o->scenario) {
			usage_error("compare takes either RUN RUN or --scenario NAME --last N");
			return LAB_EXIT_BROKEN;
		}
		n = runs_of_scenario(db, o->scenario, o->last ? (int)o->last : 2, &ids);
		if (n < 0)
			return LAB_EXIT_BROKEN;
		if (n < 2) {
			lab_error("scenario '%s' has %d recorded run%s in '%s': need two to compare", o->scenario,
				  n, n == 1 ? "" : "s", o->db);
			free(ids);
			return LAB_EXIT_BROKEN;
		}
	} else {
		if (o->n_args != 3) {
			usage_error("compare needs two RUNs (baseline, candidate)");
			return LAB_EXIT_BROKEN;
		}
		ids = xcalloc(2, sizeof(*ids));
		n = 2;
		if (run_id_parse(db, o->args[1], &ids[0]) < 0 || run_id_parse(db, o->args[2], &ids[1]) < 0)
			goto out;
	}
	runs = xcalloc((size_t)n, sizeof(*runs));
	for (int i = 0; i < n; i++)
		if (!(runs[i] = run_data_load(db, ids[i])))
			goto out;
	if (n > 2) {
		printf("scenario %s, last %d runs (oldest first):\n", o->scenario, n);
		runs_trend(runs, (size_t)n, stdout);
		printf("\n");
	}
	regressions = runs_compare(runs[0], runs[n - 1], &o->lim, stdout);
	rc = regressions ? LAB_EXIT_FINDING : LAB_EXIT_OK;
out:
	for (int i = 0; runs && i < n; i++)
		run_data_free(runs[i]);
	free(runs);
	free(ids);
	return rc;
}

/* `lab results merge A.db B.db... --into C.db`: its own arguments (any
 * number of inputs). */
static int results_merge_cmd(int argc, char **argv)
{
	const char **inputs = xcalloc((size_t)argc + 1, sizeof(*inputs));
	const char *into = NULL;
	size_t n = 0;
	struct merge_counts mc;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--into")) {
			if (i + 1 >= argc) {
				free(inputs);
				return usage_error("option '--into' needs a value");
			}
			into = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			free(inputs);
			return usage_error("unknown option '%s'", argv[i]);
		} else {
			inputs[n++] = argv[i];
		}
	}
	if (!into || !n) {
		free(inputs);
		return usage_error("merge needs databases and --into FILE");
	}
	rc = results_merge(inputs, n, into, &mc);
	free(inputs);
	if (rc < 0)
		return LAB_EXIT_BROKEN;
	printf("merged %zu database%s into %s: %zu run%s added, %zu already there, %zu kept\n", mc.inputs,
	       mc.inputs == 1 ? "" : "s", into, mc.runs, mc.runs == 1 ? "" : "s", mc.duplicates, mc.kept);
	return LAB_EXIT_OK;
}

int cmd_results(int argc, char **argv)
{
	struct results_opts o = { 0 };
	struct resultsdb *db;
	const char *sub;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "merge"))
		return results_merge_cmd(argc - 1, argv + 1);
	if (parse_opts(argc - 1, argv + 1, &o) < 0)
		return LAB_EXIT_BROKEN;
	sub = o.n_args ? o.args[0] : "list";
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "compare") && strcmp(sub, "trend"))
		return usage_error("unknown sub-command '%s'", sub);
	if (o.html && strcmp(sub, "trend"))
		return usage_error("--html is for trend (lab report RUN --html FILE for one run)");
	if (!strcmp(sub, "trend") && o.n_args > 1)
		return usage_error("trend takes no argument ('%s')", o.args[1]);
	if (!strcmp(sub, "list") && o.n_args > 1)
		return usage_error("list takes no argument ('%s')", o.args[1]);
	if (!(db = open_existing(o.db)))
		return LAB_EXIT_BROKEN;
	if (!strcmp(sub, "list"))
		rc = results_list(db, &o) < 0 ? LAB_EXIT_BROKEN : LAB_EXIT_OK;
	else if (!strcmp(sub, "show"))
		rc = results_show(db, &o) < 0 ? LAB_EXIT_BROKEN : LAB_EXIT_OK;
	else if (!strcmp(sub, "trend"))
		rc = results_trend(db, o.scenario, o.last ? (int)o.last : 14, stdout, o.html) < 0 ? LAB_EXIT_BROKEN
												   : LAB_EXIT_OK;
	else
		rc = results_compare(db, &o);
	resultsdb_close(db);
	return rc;
}
