/*
 * checkers.c — the list of checkers. Empty until the checkers land; `lab
 * check` and the runner then say there is no such checker.
 */
#include "checker.h"

#include <string.h>

const struct checker_ops *const lab_checkers[] = { NULL };

const struct checker_ops *checker_find(const char *name)
{
	for (size_t i = 0; lab_checkers[i]; i++)
		if (!strcmp(lab_checkers[i]->name, name))
			return lab_checkers[i];
	return NULL;
}
