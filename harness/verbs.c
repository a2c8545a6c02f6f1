/*
 * verbs.c — the table of `lab` verbs (git's git.c style) with their usage
 * texts, and the usage helpers verbs call. Kept apart from main() in lab.c
 * so that unit-test binaries, which link every module but lab.c, can link
 * the verbs too.
 */
#include "commands.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

const struct verb *find_verb(const char *name)
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

void lab_general_usage(FILE *f)
{
	fputs("usage: lab VERB [ARGS]   (lab help VERB for details)\n\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!(verbs[i].flags & VERB_HIDDEN))
			fprintf(f, "   %-10s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\nExit codes: 0 every expectation met, 1 a finding, 2 lab could not do its job.\n", f);
}

