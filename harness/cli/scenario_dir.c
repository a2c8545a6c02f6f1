/*
 * scenario_dir.c — where the shipped scenarios are, for `lab list` and for
 * a bare scenario name (`lab run kill-mysqld-under-load`).
 *
 * They are found from the lab binary's own place, so a source tree and an
 * installed lab (make install PREFIX=..., the Debian package) both work
 * without a path compiled in: next to the binary (./lab at the top of a
 * source tree), PREFIX/share/lab/scenarios for PREFIX/bin/lab, two levels
 * up (build/test/lab), else ./scenarios.
 */
#include "commands.h"
#include "util.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *lab_scenarios_dir(void)
{
	static const char *const rel[] = { "scenarios", "../share/lab/scenarios", "../../scenarios" };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		char *dir;
		exe[n] = '\0';
		dir = dirname(exe);
		for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
			char *cand = xasprintf("%s/%s", dir, rel[i]);
			if (is_dir(cand))
				return cand;
			free(cand);
		}
	}
	return xstrdup("scenarios");
}

char *lab_scenario_path(const char *arg)
{
	size_t l = strlen(arg);
	char *dir, *cand;

	if (!*arg || strchr(arg, '/') || (l > 5 && !strcmp(arg + l - 5, ".yaml")) || path_exists(arg))
		return xstrdup(arg);
	dir = lab_scenarios_dir();
	cand = xasprintf("%s/%s.yaml", dir, arg);
	free(dir);
	if (path_exists(cand))
		return cand;
	free(cand);
	return xstrdup(arg);
}
