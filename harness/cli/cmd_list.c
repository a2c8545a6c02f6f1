/*
 * cmd_list.c — `lab list [DIR]`: the scenarios in DIR with their one-line
 * purpose (the first sentence of the description). The default DIR is the
 * shipped scenarios (scenario_dir.c: next to the lab binary, or the
 * installed PREFIX/share/lab/scenarios). A file that does not validate is listed
 * as invalid with its first error, and the exit code is 2.
 */
#include "commands.h"
#include "scenario.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(int argc, char **argv)
{
	char *dir = NULL;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = LAB_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || dir) {
			free(dir);
			return argv[i][0] == '-' ? lab_usage_error("list", "unknown option '%s'", argv[i])
						 : lab_usage_error("list", "one directory at most, not '%s'", argv[i]);
		}
		dir = xstrdup(argv[i]);
	}
	if (!dir)
		dir = lab_scenarios_dir();
	d = opendir(dir);
	if (!d) {
		lab_error("cannot list '%s': %m", dir);
		free(dir);
		return LAB_EXIT_BROKEN;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct sc_errors errs = { 0 };
		struct scenario *sc = scenario_load(path, &errs);
		char purpose[256];

		if (sc) {
			scenario_purpose(sc, purpose, sizeof(purpose));
			printf("%-30s %s\n", sc->name, purpose);
		} else {
			printf("%-30s (invalid: %s)\n", names[i], errs.n ? errs.v[0] : "?");
			rc = LAB_EXIT_BROKEN;
		}
		scenario_free(sc);
		sc_errors_release(&errs);
		free(path);
		free(names[i]);
	}
	if (!n)
		lab_info("no scenarios (*.yaml) in '%s'", dir);
	free(names);
	free(dir);
	return rc;
}
