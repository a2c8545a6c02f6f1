/*
 * commands.h — one function per verb of the `lab` command, each in its own
 * file harness/cmd_VERB.c, dispatched from the table in harness/cli/lab.c.
 *
 * A verb gets argv with argv[0] = the verb's name and returns the process
 * exit code (LAB_EXIT_*). `lab VERB --help` is answered by lab.c from the
 * table's usage text before the verb runs.
 */
#ifndef LAB_COMMANDS_H
#define LAB_COMMANDS_H

#include <stdio.h>

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_workload(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_results(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_shrink(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_versions(int argc, char **argv);
/* Internal: the power-loss filesystem daemon (started by the local backend). */
int cmd_powerfs(int argc, char **argv);
int cmd_pcmk_node(int argc, char **argv);
int cmd_fence_lab(int argc, char **argv);

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

/* The verb named name, or NULL. */
const struct verb *find_verb(const char *name);
/* The list of verbs, for `lab help`. */
void lab_general_usage(FILE *f);
/* Print a verb's usage text to f; -1 if there is no such verb. */
int lab_usage(const char *verb, FILE *f);
/* The shipped scenarios directory (scenario_dir.c; malloc'd): next to the
 * binary, PREFIX/share/lab/scenarios for PREFIX/bin/lab, or ./scenarios. */
char *lab_scenarios_dir(void);
/* arg itself (malloc'd), unless it is a bare name (no '/', no .yaml, no
 * such file) of a shipped scenario: then that scenario's file. */
char *lab_scenario_path(const char *arg);
/* The verb table's i-th row, or NULL past its end (for the man page). */
const struct verb *lab_verb_at(size_t i);
/* The exit codes of every verb, one row each, ending with a NULL text. */
struct lab_exit_desc {
	int code;
	const char *text;
};
extern const struct lab_exit_desc lab_exit_codes[];
/* `lab help --man`: the man page lab(1) from the tables (man.c). */
void lab_man_page(FILE *f);
/* For verbs whose sub-verb or option is wrong: "lab: MESSAGE", then the
 * verb's usage on stderr; returns LAB_EXIT_BROKEN. */
int lab_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
