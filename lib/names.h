/*
 * names.h — the rules for names and paths that come from scenarios and the
 * command line, in one place: the scenario parser applies them at
 * `lab validate` time and the cluster layer and backends apply the same
 * ones at run time, so nothing valid is refused half way through a run.
 */
#ifndef LAB_NAMES_H
#define LAB_NAMES_H

/* NULL when rel is a plain path inside a datadir (relative, no '.', '..'
 * or empty component), else why not (static text). */
const char *relpath_problem(const char *rel);
/* The same as a check: 0, or -1 with "path 'REL': why" reported. */
int relpath_check(const char *rel);
/* NULL when name is a snapshot name every backend takes in general (1-64
 * of A-Z a-z 0-9 . - _, not starting with '.'), else why not. */
const char *snapshot_name_problem(const char *name);

/* 0 when rel has no '*' or one that ends its last component after a
 * prefix ("#innodb_redo/#ib_redo*": every file so named), else -1
 * (reported). */
int relpath_glob_check(const char *rel);

#endif
