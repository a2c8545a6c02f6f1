/*
 * cmd_run.c — `lab run SCENARIO.yaml... | --plan PLAN.yaml [--dry-run]
 * [--shard K/N] [-j N] [--backend local|libvirt] [--seed N] [--db FILE]
 * [--junit FILE] [--html FILE] [--keep] [--name NAME]`.
 *
 * The files given (or the plan's runs, harness/scenario/plan.h) are
 * validated first: one bad file or axis value and nothing runs (exit 2,
 * no node touched). --shard keeps the runs of one share of the plan, so
 * that N CI runners split it; --dry-run prints them, one line each, and
 * stops. Then each run gets a fresh cluster (named NAME, default "run");
 * with -j N, N runs at once, each in a child process with its own cluster
 * NAME-SLOT (its own subnet and state directory follow from the name), and
 * only when the machine has the memory for N clusters. SIGINT/SIGTERM
 * stop the current runs cleanly (faults undone, recorded as aborted) and
 * skip the rest. The exit code is the worst over all runs: 0 pass, 1 a
 * finding, 2 broken or aborted. A failed scenario's tags (bug ids) are
 * printed with it.
 */
#include "cluster.h"
#include "commands.h"
#include "plan.h"
#include "report.h"
#include "resultsdb.h"
#include "runner.h"
#include "scenario.h"
#include "util.h"
#include "versions.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What one node of a local cluster takes, in MiB, for -j's memory check.
 * Measured idle (3-node Galera, 10.11): mariadbd ~140 MiB RSS and its
 * powerfs daemon ~85 MiB; under load the InnoDB buffer pool (128M) fills
 * and powerfs holds the un-synced pages. LAB_NODE_MEMORY_MIB overrides. */
#define NODE_MEMORY_MIB 384

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
	const char *db_path, *junit, *html, *plan;
	const char **files;
	size_t n_files;
	bool dry_run;
	int shard_k, shard_n; /* 1/1: everything */
	int jobs;
};

static int parse_run_args(int argc, char **argv, struct run_args *ra)
{
	ra->files = xcalloc((size_t)argc, sizeof(*ra->files));
	ra->shard_k = ra->shard_n = 1;
	ra->jobs = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--keep")) {
			ra->o.keep = true;
			continue;
		}
		if (!strcmp(a, "--dry-run")) {
			ra->dry_run = true;
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			ra->files[ra->n_files++] = a;
			continue;
		}
		if (strcmp(a, "--backend") && strcmp(a, "--seed") && strcmp(a, "--db") && strcmp(a, "--junit") &&
		    strcmp(a, "--html") && strcmp(a, "--name") && strcmp(a, "--plan") && strcmp(a, "--shard") &&
		    strcmp(a, "-j") && strcmp(a, "--jobs"))
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
		} else if (!strcmp(a, "--plan")) {
			ra->plan = val;
		} else if (!strcmp(a, "--shard")) {
			if (plan_shard_parse(val, &ra->shard_k, &ra->shard_n) < 0)
				return LAB_EXIT_BROKEN;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
			int64_t j;
			if (parse_int64(val, 1, 64, &j) < 0)
				return usage_fail("%s must be a number of runs at once, 1..64, not '%s'", a, val);
			ra->jobs = (int)j;
		} else {
			ra->o.name = val;
		}
	}
	if (ra->plan && ra->n_files)
		return usage_fail("give either --plan PLAN or scenario files, not both ('%s')", ra->files[0]);
	if (!ra->n_files && !ra->plan)
		return usage_fail("%s", "no scenario file given");
	if (ra->jobs > 1 && ra->o.keep)
		return usage_fail("%s", "--keep keeps one cluster: it does not go with -j");
	return 0;
}

/* The plan, or the files given as a plan without axes; NULL when anything
 * does not validate (every error printed). */
static struct plan *load_plan(const struct run_args *ra)
{
	struct sc_errors errs = { 0 };
	char **paths = xcalloc(ra->n_files + 1, sizeof(*paths));
	struct plan *pl;

	/* a bare name is a shipped scenario (lab_scenario_path) */
	for (size_t i = 0; i < ra->n_files; i++)
		paths[i] = lab_scenario_path(ra->files[i]);
	pl = ra->plan ? plan_load(ra->plan, &errs) : plan_of_files((const char *const *)paths, ra->n_files, &errs);
	for (size_t i = 0; i < ra->n_files; i++)
		free(paths[i]);
	free(paths);

	for (size_t e = 0; e < errs.n; e++)
		fprintf(stderr, "%s\n", errs.v[e]);
	if (!pl && ra->plan)
		lab_error("plan '%s' did not validate; nothing was run", ra->plan);
	else if (!pl)
		lab_error("%zu problem%s in the scenario files; nothing was run", errs.n, errs.n == 1 ? "" : "s");
	sc_errors_release(&errs);
	return pl;
}

/* The server builds the runs name (versions.h) must be in the cache: one
 * line, 'lab versions fetch V', and nothing run. */
static int versions_present(struct plan_run *const *runs, size_t n)
{
	char root[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		const struct sc_cluster *cl = &runs[i]->sc->cluster;
		if (cl->version && versions_root(cl->version, root, sizeof(root)) < 0)
			return -1;
		for (size_t k = 0; k < cl->versions.n; k++)
			if (versions_root(cl->versions.v[k].value, root, sizeof(root)) < 0)
				return -1;
	}
	return 0;
}

/* MemAvailable of /proc/meminfo in MiB, or -1. */
static int64_t mem_available_mib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

static int cmp_int_desc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x < y) - (x > y);
}

/* -j N: the N largest clusters at once must fit in MemAvailable. */
static int memory_check(struct plan_run *const *runs, size_t n, int jobs)
{
	int *nodes = xcalloc(n ? n : 1, sizeof(*nodes));
	int64_t per = NODE_MEMORY_MIB, avail = mem_available_mib(), need = 0;
	int64_t total_nodes = 0;
	const char *env = getenv("LAB_NODE_MEMORY_MIB");
	size_t at_once = (size_t)jobs < n ? (size_t)jobs : n;

	if (env && parse_int64(env, 1, 1 << 20, &per) < 0) {
		free(nodes);
		lab_error("LAB_NODE_MEMORY_MIB must be a number of MiB, not '%s'", env);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		nodes[i] = (int)runs[i]->sc->cluster.nodes;
	qsort(nodes, n, sizeof(*nodes), cmp_int_desc);
	for (size_t i = 0; i < at_once; i++)
		total_nodes += nodes[i];
	free(nodes);
	need = total_nodes * per;
	if (avail < 0) {
		lab_error("-j %d: cannot read MemAvailable from /proc/meminfo", jobs);
		return -1;
	}
	if (need > avail) {
		lab_error("-j %d needs about %lld MiB (%lld nodes at once, %lld MiB each) but %lld MiB are available: "
			  "use a smaller -j", jobs, (long long)need, (long long)total_nodes, (long long)per,
			  (long long)avail);
		return -1;
	}
	return 0;
}

/* One line per run; a failed scenario's tags (bug ids) under it. */
static void print_result(const struct plan_run *r, const struct run_result *res)
{
	const struct scenario *sc = r->sc;
	char *title = plan_run_title(r);

	printf("%-7s %s (run %lld, %.0f s)%s%s\n", verdict_name(res->verdict), title, (long long)res->run_id,
	       res->seconds, res->reason ? ": " : "", res->reason ? res->reason : "");
	free(title);
	if (res->verdict == VERDICT_FAIL && sc->tags.n) {
		printf("        tags:");
		for (size_t t = 0; t < sc->tags.n; t++)
			printf(" %s", sc->tags.v[t]);
		printf("\n");
	}
	fflush(stdout);
}

/* Run each in turn; runs[] gets the run ids. Returns the worst exit code. */
static int run_serial(const struct run_args *ra, struct plan_run *const *sel, size_t n, struct resultsdb *db,
		      int64_t *runs, size_t *n_runs)
{
	int worst = LAB_EXIT_OK;

	for (size_t i = 0; i < n; i++) {
		struct runner_opts oi = ra->o;
		struct run_result res;
		int code;

		if (lab_interrupted)
			break;
		if (ra->o.keep && i + 1 < n)
			oi.keep = false; /* only the last scenario's cluster is kept */
		oi.label = *sel[i]->label ? sel[i]->label : NULL;
		if (runner_run(sel[i]->sc, &oi, db, &res) < 0)
			return LAB_EXIT_BROKEN;
		runs[(*n_runs)++] = res.run_id;
		code = verdict_exit_code(res.verdict);
		if (code > worst)
			worst = code;
		print_result(sel[i], &res);
		run_result_release(&res);
	}
	return worst;
}

/* A -j slot: the child running one run, and the pipe it sends its run id on. */
struct slot {
	pid_t pid;
	int fd;
};

/* The child of slot `slot`: one run on cluster NAME-SLOT with its own
 * connection to the database; its exit code is the run's. */
static void child_run(const struct run_args *ra, const struct plan_run *r, int slot, int fd)
{
	struct runner_opts oi = ra->o;
	char *name = xasprintf("%s-%d", ra->o.name ? ra->o.name : "run", slot + 1);
	struct resultsdb *db;
	struct run_result res;
	int code = LAB_EXIT_BROKEN;

	oi.name = name;
	oi.label = *r->label ? r->label : NULL;
	oi.progress = false;
	lab_set_message_tag(name);
	setvbuf(stdout, NULL, _IOLBF, 0); /* whole lines between the children */
	db = resultsdb_open(ra->db_path);
	if (db && runner_run(r->sc, &oi, db, &res) == 0) {
		if (write(fd, &res.run_id, sizeof(res.run_id)) != (ssize_t)sizeof(res.run_id))
			lab_error("cannot pass run %lld to the plan: %s", (long long)res.run_id, strerror(errno));
		code = verdict_exit_code(res.verdict);
		print_result(r, &res);
		run_result_release(&res);
	}
	resultsdb_close(db);
	free(name);
	fflush(NULL);
	_exit(code);
}

/* -j N: up to N children at once, each one run. The database is not open
 * in this process meanwhile (an SQLite connection must not cross a fork).
 * SIGINT/SIGTERM: no new run starts, and the running ones are told. */
static int run_parallel(const struct run_args *ra, struct plan_run *const *sel, size_t n, int64_t *runs,
			size_t *n_runs)
{
	struct slot *slots = xcalloc((size_t)ra->jobs, sizeof(*slots));
	size_t next = 0;
	int active = 0, worst = LAB_EXIT_OK;
	bool told = false;

	for (;;) {
		for (int s = 0; s < ra->jobs && next < n && !lab_interrupted; s++) {
			int p[2];
			if (slots[s].pid)
				continue;
			if (pipe(p) < 0) {
				lab_error("cannot make a pipe for run %zu: %s", sel[next]->index, strerror(errno));
				worst = LAB_EXIT_BROKEN;
				next = n;
				break;
			}
			fflush(NULL);
			slots[s].pid = fork();
			if (slots[s].pid == 0) {
				close(p[0]);
				child_run(ra, sel[next], s, p[1]);
			}
			close(p[1]);
			if (slots[s].pid < 0) {
				lab_error("cannot start run %zu: %s", sel[next]->index, strerror(errno));
				close(p[0]);
				slots[s].pid = 0;
				worst = LAB_EXIT_BROKEN;
				next = n;
				break;
			}
			slots[s].fd = p[0];
			active++;
			next++;
		}
		if (!active)
			break;
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR && lab_interrupted && !told) {
				for (int s = 0; s < ra->jobs; s++)
					if (slots[s].pid > 0)
						kill(slots[s].pid, SIGTERM);
				told = true;
			}
			if (errno == ECHILD)
				break;
			continue;
		}
		for (int s = 0; s < ra->jobs; s++) {
			int64_t id;
			int code;
			if (slots[s].pid != pid)
				continue;
			code = WIFEXITED(status) ? WEXITSTATUS(status) : LAB_EXIT_BROKEN;
			if (read(slots[s].fd, &id, sizeof(id)) == (ssize_t)sizeof(id))
				runs[(*n_runs)++] = id;
			else
				code = LAB_EXIT_BROKEN;
			if (code > worst)
				worst = code;
			close(slots[s].fd);
			slots[s].pid = 0;
			active--;
		}
	}
	free(slots);
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

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* `--dry-run`: one line per run: its number in the plan, scenario name,
 * file and axis values. */
static void print_dry_run(struct plan_run *const *sel, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%4zu  %-32s %-44s %s\n", sel[i]->index, sel[i]->sc->name, sel[i]->file,
		       *sel[i]->label ? sel[i]->label : "-");
}

int cmd_run(int argc, char **argv)
{
	struct run_args ra = { 0 };
	struct plan *pl;
	struct plan_run **sel;
	size_t n_sel = 0;
	struct resultsdb *db = NULL;
	int64_t *runs = NULL;
	size_t n_runs = 0;
	int worst = LAB_EXIT_BROKEN, rc;

	if ((rc = parse_run_args(argc, argv, &ra)) != 0) {
		free(ra.files);
		return rc;
	}
	if (!(pl = load_plan(&ra))) {
		free(ra.files);
		return LAB_EXIT_BROKEN;
	}
	sel = xcalloc(pl->n_runs ? pl->n_runs : 1, sizeof(*sel));
	for (size_t i = 0; i < pl->n_runs; i++)
		if (plan_in_shard(pl->runs[i].index, ra.shard_k, ra.shard_n))
			sel[n_sel++] = &pl->runs[i];
	if (ra.dry_run) {
		print_dry_run(sel, n_sel);
		worst = LAB_EXIT_OK;
		goto out;
	}
	if (versions_present(sel, n_sel) < 0 || (ra.jobs > 1 && memory_check(sel, n_sel, ra.jobs) < 0))
		goto out;
	db = resultsdb_open(ra.db_path);
	if (!db)
		goto out;
	ra.o.progress = ra.jobs == 1 && isatty(STDERR_FILENO) && !lab_quiet && !getenv("LAB_NO_PROGRESS");
	lab_install_interrupt_handlers();
	runs = xcalloc(n_sel ? n_sel : 1, sizeof(*runs));
	if (ra.jobs > 1) {
		resultsdb_close(db);
		worst = run_parallel(&ra, sel, n_sel, runs, &n_runs);
		qsort(runs, n_runs, sizeof(*runs), cmp_id); /* the plan's order, not the order they ended in */
		if (!(db = resultsdb_open(ra.db_path)))
			worst = LAB_EXIT_BROKEN;
	} else {
		worst = run_serial(&ra, sel, n_sel, db, runs, &n_runs);
	}
	if (db && write_reports(&ra, db, runs, n_runs) > worst)
		worst = LAB_EXIT_BROKEN;
	if (lab_interrupted && worst < LAB_EXIT_BROKEN)
		worst = LAB_EXIT_BROKEN;
	resultsdb_close(db);
out:
	plan_free(pl);
	free(sel);
	free(runs);
	free(ra.files);
	return worst;
}
