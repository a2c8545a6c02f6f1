/*
 * lab.c — the `lab` command: one table of verbs (git's git.c style), their
 * usage texts, and dispatch. Each verb lives in harness/cmd_VERB.c.
 *
 * After a verb returns, stdout is flushed and checked: a report that could
 * not be written is a broken run, not a silent success.
 */
#include "commands.h"
#include "util.h"

#include <errno.h>
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum verb_flags {
	VERB_HIDDEN = 1 << 0, /* internal, not listed by `lab help` */
};

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	unsigned flags;
	const char *summary;
	const char *usage;
};

static const struct verb verbs[] = {
	{ "run", cmd_run, 0, "run scenarios and record their verdicts",
	  "usage: lab run SCENARIO.yaml... [--backend local|libvirt] [--seed N]\n"
	  "               [--db FILE] [--junit FILE] [--html FILE] [--keep]\n"
	  "\n"
	  "Runs each scenario: brings its cluster up, runs its steps (faults are\n"
	  "undone however the run ends), checks, compares with expect: and\n"
	  "stores everything in the results database (default results/lab.db).\n"
	  "Exit 0 every expectation met, 1 a finding, 2 broken (lab or the lab\n"
	  "machine failed, or bad input).\n" },
	{ "validate", cmd_validate, 0, "parse and lint scenarios",
	  "usage: lab validate SCENARIO.yaml...\n"
	  "\n"
	  "Reports every problem as FILE:LINE:COL: message and exits 2 if any;\n"
	  "touches no node.\n" },
	{ "list", cmd_list, 0, "list scenarios with their one-line purpose",
	  "usage: lab list [DIR]\n"
	  "\n"
	  "Lists the scenarios in DIR (default: the shipped scenarios/).\n" },
	{ "cluster", cmd_cluster, 0, "bring the embedded local cluster up, down, or show it",
	  "usage: lab cluster up     [--flavor galera|async|semisync] [--nodes N] [--name NAME]\n"
	  "                          [--state-dir DIR]\n"
	  "       lab cluster down   [--name NAME] [--state-dir DIR]\n"
	  "       lab cluster status [--name NAME] [--state-dir DIR]\n"
	  "\n"
	  "Each node is a mariadbd in its own network namespace with its datadir\n"
	  "under the state directory (default /var/tmp/lab/NAME, NAME default lab).\n" },
	{ "workload", cmd_workload, 0, "run the bank workload against any cluster",
	  "usage: lab workload --hosts H[:P],... [--threads N] [--duration 60s]\n"
	  "                    [--journal FILE] [--rate R] [--seed S] [--customers N]\n"
	  "                    [--products N] [--user U] [--database D] [--defaults-file F]\n"
	  "\n"
	  "The password comes from LAB_PASSWORD or the [client] section of\n"
	  "--defaults-file (mode 0600), never from the command line.\n" },
	{ "check", cmd_check, 0, "run every checker against a live cluster",
	  "usage: lab check --hosts H[:P],... [--journal FILE] [--checks LIST] [--db FILE]\n"
	  "                 [--user U] [--database D] [--defaults-file F]\n"
	  "\n"
	  "Exit 0 when every check passes, 1 when any fails, 2 when lab could not check.\n" },
	{ "results", cmd_results, 0, "list, show and compare recorded runs",
	  "usage: lab results [list] [--db FILE]\n"
	  "       lab results show RUN [--db FILE]\n"
	  "       lab results compare RUN RUN [--db FILE]\n" },
	{ "report", cmd_report, 0, "write a run's report",
	  "usage: lab report RUN [--html FILE | --junit FILE | --history FILE] [--db FILE]\n" },
	{ "vm", cmd_vm, 0, "define the libvirt domains of a VM lab",
	  "usage: lab vm define --nodes N [--uri URI]\n" },
	{ "_powerfs", cmd_powerfs, VERB_HIDDEN, "internal: the power-loss filesystem daemon",
	  "usage: lab _powerfs BACKING MOUNTPOINT [options]\n" },
};

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

int lab_usage(const char *verb, FILE *f)
{
	const struct verb *v = find_verb(verb);

	if (!v)
		return -1;
	fputs(v->usage, f);
	return 0;
}

int lab_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fputs("lab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	lab_usage(verb, stderr);
	return LAB_EXIT_BROKEN;
}

static void general_usage(FILE *f)
{
	fputs("usage: lab VERB [ARGS]   (lab help VERB for details)\n\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!(verbs[i].flags & VERB_HIDDEN))
			fprintf(f, "   %-10s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\nExit codes: 0 every expectation met, 1 a finding, 2 lab could not do its job.\n", f);
}

static int finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "lab: cannot write to standard output: %s\n", strerror(errno));
		return LAB_EXIT_BROKEN;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct verb *v;
	int rc;

	if (argc < 2) {
		general_usage(stderr);
		return LAB_EXIT_BROKEN;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc > 2) {
			if (lab_usage(argv[2], stdout) < 0) {
				fprintf(stderr, "lab: no such verb '%s'\n", argv[2]);
				return LAB_EXIT_BROKEN;
			}
		} else {
			general_usage(stdout);
		}
		return finish(LAB_EXIT_OK);
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("lab %s\n", LAB_VERSION);
		return finish(LAB_EXIT_OK);
	}
	v = find_verb(argv[1]);
	if (!v) {
		fprintf(stderr, "lab: no such verb '%s' (lab help lists them)\n", argv[1]);
		return LAB_EXIT_BROKEN;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(v->usage, stdout);
			return finish(LAB_EXIT_OK);
		}
	}
	if (getenv("LAB_VERBOSE"))
		lab_verbose = true;
	if (mysql_library_init(0, NULL, NULL)) {
		fprintf(stderr, "lab: cannot initialise the MySQL client library\n");
		return LAB_EXIT_BROKEN;
	}
	rc = v->fn(argc - 1, argv + 1);
	mysql_library_end();
	return finish(rc);
}
