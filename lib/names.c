/*
 * names.c — the rules of names.h: paths relative to a datadir and
 * snapshot names. Pure; used by the scenario parser and at run time.
 */
#include "names.h"
#include "error.h"

#include <string.h>

const char *relpath_problem(const char *rel)
{
	if (!rel || !*rel)
		return "the path is empty";
	if (rel[0] == '/')
		return "the path is absolute: want a path relative to the datadir";
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		if ((n == 2 && !strncmp(p, "..", 2)) || (n == 1 && p[0] == '.') || n == 0)
			return "the path has a '.', '..' or empty component: want a plain path inside the datadir";
		p += n;
		if (*p == '/')
			p++;
	}
	return NULL;
}

int relpath_check(const char *rel)
{
	const char *why = relpath_problem(rel);

	if (why) {
		lab_error("path '%s': %s", rel ? rel : "", why);
		return -1;
	}
	return 0;
}

const char *snapshot_name_problem(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 64 || name[0] == '.')
		return "want 1-64 of A-Z a-z 0-9 . - _, not starting with '.'";
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_' || ch == '.'))
			return "want 1-64 of A-Z a-z 0-9 . - _, not starting with '.'";
	}
	return NULL;
}

int relpath_glob_check(const char *rel)
{
	const char *star = rel ? strchr(rel, '*') : NULL;

	if (star && (star[1] != '\0' || star == rel || star[-1] == '/')) {
		lab_error("path '%s': a '*' may only end the last component, after a prefix", rel);
		return -1;
	}
	return 0;
}
