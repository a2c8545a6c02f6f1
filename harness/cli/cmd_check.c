/*
 * cmd_check.c — the `lab check` verb: runs the checkers (all, or those of
 * --checks) against any live cluster, prints each one's summary (counts per
 * anomaly kind and the first examples with their ids), records a run with
 * scenario 'check' in the results database (a checks row per checker, an
 * anomalies row per finding) and exits 0 when every check passes, 1 when any
 * fails or split-brain detects a split brain (a finding outranks trouble
 * elsewhere: it is about the database),
 * 2 when lab could not check (bad input, an unreachable node, no results DB).
 */
#include "checker.h"
#include "history.h"
#include "commands.h"
#include "dbconn.h"
#include "resultsdb.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CHECKS 16

static int parse_checks(const char *list, const struct checker_ops **out, size_t *n)
{
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;

	*n = 0;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		const struct checker_ops *c = checker_find(w);
		if (!c) {
			struct strbuf names = { 0 };
			for (size_t i = 0; lab_checkers[i]; i++)
				sb_printf(&names, "%s%s", i ? ", " : "", lab_checkers[i]->name);
			lab_error("--checks: no such checker '%s' (there are: %s)", w,
				  names.buf ? names.buf : "none");
			sb_release(&names);
			rc = -1;
			break;
		}
		bool dup = false;
		for (size_t i = 0; i < *n; i++)
			dup = dup || out[i] == c;
		if (dup)
			continue;
		if (*n == MAX_CHECKS) {
			lab_error("--checks: too many checkers in '%s'", list);
			rc = -1;
			break;
		}
		out[(*n)++] = c;
	}
	if (rc == 0 && !*n) {
		lab_error("--checks: empty list");
		rc = -1;
	}
	free(copy);
	return rc;
}

#define usage_error(...) lab_usage_error("check", __VA_ARGS__)

static bool verdict_word(const char *actual)
{
	return !strcmp(actual, "pass") || !strcmp(actual, "fail") || !strcmp(actual, "broken") ||
	       !strcmp(actual, "skip");
}

static void record_server_version(struct resultsdb *db, int64_t run, const struct hostport *hosts,
				  size_t n, const struct lab_creds *creds)
{
	for (size_t i = 0; i < n; i++) {
		MYSQL *m = db_connect(&hosts[i], creds, 3, 10, 0);
		if (!m)
			continue;
		resultsdb_run_update(db, run, mysql_get_server_info(m), NULL, NULL);
		mysql_close(m);
		return;
	}
}

/* What the command line asked for. */
struct check_args {
	const char *hosts_arg, *journal, *checks_arg, *db_path;
	const char *user, *database, *defaults;
	const char *model;
	int64_t examples;
	int first_reachable;
	const struct checker_ops *checks[MAX_CHECKS];
	size_t n_checks;
};

/* Returns 0, or the exit code of a usage error (reported). */
static int check_parse_options(int argc, char **argv, struct check_args *a)
{
	static const struct option opts[] = {
		{ "hosts", required_argument, NULL, 'H' },
		{ "journal", required_argument, NULL, 'j' },
		{ "checks", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "database", required_argument, NULL, 'D' },
		{ "defaults-file", required_argument, NULL, 'f' },
		{ "first-reachable", no_argument, NULL, 'F' },
		{ "examples", required_argument, NULL, 'e' },
		{ "model", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H': a->hosts_arg = optarg; break;
		case 'j': a->journal = optarg; break;
		case 'c': a->checks_arg = optarg; break;
		case 'd': a->db_path = optarg; break;
		case 'u': a->user = optarg; break;
		case 'D': a->database = optarg; break;
		case 'f': a->defaults = optarg; break;
		case 'F': a->first_reachable = 1; break;
		case 'm':
			if (!history_model_known(optarg))
				return usage_error("--model: '%s' is not a consistency model Elle knows", optarg);
			a->model = optarg;
			break;
		case 'e':
			if (parse_int64(optarg, 0, 100000, &a->examples) < 0)
				return usage_error("--examples: not a number in 0..100000: '%s'",
						   optarg);
			break;
		default:
			return usage_error("unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!a->hosts_arg)
		return usage_error("%s", "--hosts is required");
	return 0;
}

/* The workload whose journal this is, from its header ("bank" when it
 * names none, as the bank's journals do, or when there is no journal). */
static const char *journal_workload(const char *path)
{
	char line[256] = "";
	FILE *f = path ? fopen(path, "r") : NULL;

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	return strstr(line, " workload=append") ? "append" : "bank";
}

/* The checkers to run (--checks, or every one built that can read this
 * journal's workload) and a readable journal. */
static int check_validate(struct check_args *a)
{
	if (a->checks_arg) {
		if (parse_checks(a->checks_arg, a->checks, &a->n_checks) < 0)
			return -1;
	} else {
		const char *wl = journal_workload(a->journal);
		for (size_t i = 0; lab_checkers[i] && a->n_checks < MAX_CHECKS; i++)
			if (checker_reads_workload(lab_checkers[i], wl))
				a->checks[a->n_checks++] = lab_checkers[i];
	}
	if (!a->n_checks) {
		lab_error("no checkers are built");
		return -1;
	}
	if (a->journal && access(a->journal, R_OK) < 0) {
		lab_error("--journal '%s': %s", a->journal, strerror(errno));
		return -1;
	}
	return 0;
}

/* Invariants, durability and convergence share one pass over each node's
 * tables; any other checker runs on its own after them. */
static void check_run_checkers(const struct check_args *a, const struct hostport *hosts, size_t n_hosts,
			       const struct lab_creds *creds, struct resultsdb *db, int64_t run,
			       struct check_result *results)
{
	struct check_ctx ctx;
	double t0;

	memset(&ctx, 0, sizeof(ctx));
	memset(results, 0, MAX_CHECKS * sizeof(*results));
	ctx.hosts = hosts;
	ctx.n_hosts = n_hosts;
	ctx.creds = creds;
	ctx.journal_path = a->journal;
	ctx.db = db;
	ctx.run_id = run;
	ctx.out = stdout;
	ctx.max_examples = (int)a->examples;
	ctx.first_reachable = a->first_reachable;
	ctx.model = a->model;
	t0 = wall_seconds();
	checkers_run(&ctx, a->checks, a->n_checks, results);
	printf("   (checks took %.1f s)\n", wall_seconds() - t0);
}

/* Record each checker's result, end the run with its verdict and print the
 * summary line. Returns the exit code. */
static int check_record(const struct check_args *a, struct check_result *results, struct resultsdb *db,
			int64_t run)
{
	struct strbuf line = { 0 }, reason = { 0 };
	int any_fail = 0, any_broken = 0, rc;

	for (size_t i = 0; i < a->n_checks; i++) {
		struct check_result *res = &results[i];

		if (!res->actual[0])
			lab_strlcpy(res->actual, "broken", sizeof(res->actual));
		/* A split brain is a finding whatever else is expected of a
		 * cluster; primary / no-primary are states, not verdicts. */
		if (!strcmp(res->actual, "fail") || !strcmp(res->actual, "split-brain-detected")) {
			any_fail = 1;
			sb_printf(&reason, "%s%s: %" PRId64 " anomalies", reason.len ? "; " : "",
				  a->checks[i]->name, res->anomalies);
		} else if (!strcmp(res->actual, "broken")) {
			any_broken = 1;
			sb_printf(&reason, "%s%s: broken", reason.len ? "; " : "", a->checks[i]->name);
		}
		sb_printf(&line, "%s%s %s", i ? ", " : "", a->checks[i]->name, res->actual);
		if (resultsdb_check(db, run, a->checks[i]->name, verdict_word(res->actual) ? "pass" : "any",
				    res->actual, res->anomalies, res->summary) < 0)
			any_broken = 1;
		free(res->summary);
	}
	rc = any_fail ? LAB_EXIT_FINDING : any_broken ? LAB_EXIT_BROKEN : LAB_EXIT_OK;
	if (resultsdb_run_end(db, run, any_fail ? "fail" : any_broken ? "broken" : "pass",
			      reason.len ? reason.buf : NULL) < 0 && rc == LAB_EXIT_OK)
		rc = LAB_EXIT_BROKEN;
	printf("check: %s (%s); run %" PRId64 " in %s\n",
	       rc == LAB_EXIT_OK ? "pass" : rc == LAB_EXIT_FINDING ? "FAIL" : "BROKEN", line.buf,
	       run, resultsdb_path(db));
	sb_release(&line);
	sb_release(&reason);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = { .examples = 20 };
	size_t n_hosts = 0;
	struct hostport *hosts = NULL;
	struct lab_creds creds;
	struct resultsdb *db = NULL;
	struct check_result results[MAX_CHECKS];
	int64_t run;
	int rc = LAB_EXIT_BROKEN;
	bool creds_ok = false;

	if (check_parse_options(argc, argv, &a) != 0 || check_validate(&a) < 0)
		return LAB_EXIT_BROKEN;
	if (hosts_parse(a.hosts_arg, &hosts, &n_hosts) < 0)
		return LAB_EXIT_BROKEN;
	if (creds_init(&creds, a.user, a.database, a.defaults) < 0)
		goto out;
	creds_ok = true;
	db = resultsdb_open(a.db_path);
	if (!db)
		goto out;
	{
		struct run_info ri = { .scenario = "check", .nodes = (int)n_hosts };
		run = resultsdb_run_begin(db, &ri);
	}
	if (run < 0)
		goto out;
	record_server_version(db, run, hosts, n_hosts, &creds);
	check_run_checkers(&a, hosts, n_hosts, &creds, db, run, results);
	rc = check_record(&a, results, db, run);
out:
	resultsdb_close(db);
	if (creds_ok)
		creds_release(&creds);
	free(hosts);
	return rc;
}
