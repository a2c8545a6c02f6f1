/*
 * cmd_versions.c — the `lab versions` verb: the server builds lab can run
 * (the installed one and every one in the build cache, each with what its
 * mariadbd says), and `lab versions fetch VERSION`, which unpacks one
 * from Debian's archive into the cache (versions.h) without touching the
 * system's packages.
 */
#include "commands.h"
#include "versions.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define usage_error(...) lab_usage_error("versions", __VA_ARGS__)

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_builds(void)
{
	char *inst = versions_installed();
	char *line;
	const char *cache = versions_cache_dir();
	DIR *dh;
	struct dirent *e;
	char *names[256];
	size_t n = 0;

	if (!inst)
		return LAB_EXIT_BROKEN;
	printf("%-10s %-40s %s\n", "version", "build", "mariadbd --version");
	line = versions_mariadbd_version("");
	printf("%-10s %-40s %s\n", inst, "/usr (installed)", line ? line : "-");
	free(line);
	dh = opendir(cache);
	while (dh && (e = readdir(dh)) && n < ARRAY_SIZE(names)) {
		char *v = e->d_name + 8;
		if (strncmp(e->d_name, "mariadb-", 8) || !versions_valid(v) || !strcmp(v, inst))
			continue;
		names[n++] = xstrdup(v);
	}
	if (dh)
		closedir(dh);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char root[PATH_MAX];
		snprintf(root, sizeof(root), "%s/mariadb-%s", cache, names[i]);
		line = versions_mariadbd_version(root);
		printf("%-10s %-40s %s\n", names[i], root, line ? line : "- (does not run)");
		free(line);
		free(names[i]);
	}
	free(inst);
	return LAB_EXIT_OK;
}

int cmd_versions(int argc, char **argv)
{
	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "list")))
		return list_builds();
	if (!strcmp(argv[1], "fetch")) {
		if (argc != 3)
			return usage_error("'fetch' takes one VERSION, e.g. 10.11.18");
		if (!versions_valid(argv[2]))
			return usage_error("bad version '%s': want e.g. 10.11.18", argv[2]);
		return versions_fetch(argv[2]) < 0 ? LAB_EXIT_BROKEN : LAB_EXIT_OK;
	}
	return usage_error("unknown sub-command '%s'", argv[1]);
}
