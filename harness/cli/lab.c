/*
 * lab.c — main() of the `lab` command: dispatch through the verb table of
 * harness/cli/verbs.c. Each verb lives in harness/cmd_VERB.c.
 *
 * `lab help --man` writes the man page (man.c); `lab --version` says the
 * version and the commit lab was built from (LAB_COMMIT: the Makefile's
 * `git describe --always --dirty`, or what a source tarball or the Debian
 * build handed it, or "unknown").
 *
 * After a verb returns, stdout is flushed and checked: a report that could
 * not be written is a broken run, not a silent success.
 */
#include "commands.h"
#include "commit.h" /* LAB_COMMIT, written by the Makefile (build/gen/) */
#include "util.h"

#include <errno.h>
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	/* Pacemaker's fenced runs lab as its fence agent (a link named
	 * fence_lab, manager_pacemaker.c). */
	{
		const char *base = strrchr(argv[0], '/');
		if (!strcmp(base ? base + 1 : argv[0], "fence_lab"))
			return finish(cmd_fence_lab(argc, argv));
	}
	if (argc < 2) {
		lab_general_usage(stderr);
		return LAB_EXIT_BROKEN;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc > 2 && !strcmp(argv[2], "--man")) {
			lab_man_page(stdout);
		} else if (argc > 2) {
			if (lab_usage(argv[2], stdout) < 0) {
				fprintf(stderr, "lab: no such verb '%s'\n", argv[2]);
				return LAB_EXIT_BROKEN;
			}
		} else {
			lab_general_usage(stdout);
		}
		return finish(LAB_EXIT_OK);
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("lab %s (commit %s)\n", LAB_VERSION, LAB_COMMIT);
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
