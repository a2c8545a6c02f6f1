/*
 * checkers.c — the list of checkers: one ops table per file, one line here.
 * `lab check` runs them in this order; the runner's `check:` step names them.
 */
#include "checker.h"

#include <string.h>

extern const struct checker_ops checker_invariants;
extern const struct checker_ops checker_durability;
extern const struct checker_ops checker_convergence;
extern const struct checker_ops checker_split_brain;

const struct checker_ops *const lab_checkers[] = {
	&checker_invariants,
	&checker_durability,
	&checker_convergence,
	&checker_split_brain,
	NULL,
};

const struct checker_ops *checker_find(const char *name)
{
	for (size_t i = 0; lab_checkers[i]; i++)
		if (!strcmp(lab_checkers[i]->name, name))
			return lab_checkers[i];
	return NULL;
}
