/*
 * checkers.c — the list of checkers: one ops table per file, one row here.
 * `lab check` runs them in this order; the scenario parser, the lint,
 * `lab validate --describe` and the runner's check step all read this list
 * and the ops' own expect key, values and flavors (checker.h).
 */
#include "checker.h"

#include <string.h>

extern const struct checker_ops checker_invariants;
extern const struct checker_ops checker_durability;
extern const struct checker_ops checker_convergence;
extern const struct checker_ops checker_split_brain;
extern const struct checker_ops checker_gtid;
extern const struct checker_ops checker_history;

const struct checker_ops *const lab_checkers[] = {
	&checker_invariants,
	&checker_durability,
	&checker_convergence,
	&checker_split_brain,
	&checker_gtid,
	&checker_history,
	NULL,
};

const char *const checker_pass_fail[] = { "pass", "fail", "any", NULL };
const char *const checker_bank_only[] = { "bank", NULL };

size_t checker_count(void)
{
	size_t n = 0;

	while (lab_checkers[n])
		n++;
	return n;
}

const struct checker_ops *checker_find(const char *name)
{
	for (size_t i = 0; lab_checkers[i]; i++)
		if (!strcmp(lab_checkers[i]->name, name))
			return lab_checkers[i];
	return NULL;
}

int checker_index(const struct checker_ops *ops)
{
	for (size_t i = 0; lab_checkers[i]; i++)
		if (lab_checkers[i] == ops)
			return (int)i;
	return -1;
}

const char *checker_expect_key(const struct checker_ops *ops)
{
	return ops->expect_key ? ops->expect_key : ops->name;
}

const struct checker_ops *checker_by_expect_key(const char *key)
{
	for (size_t i = 0; lab_checkers[i]; i++)
		if (!strcmp(checker_expect_key(lab_checkers[i]), key))
			return lab_checkers[i];
	return NULL;
}

bool checker_applies_to(const struct checker_ops *ops, const char *flavor)
{
	if (!ops->flavors || !flavor)
		return true;
	for (size_t i = 0; ops->flavors[i]; i++)
		if (!strcmp(ops->flavors[i], flavor))
			return true;
	return false;
}

bool checker_reads_workload(const struct checker_ops *ops, const char *workload)
{
	if (!ops->workloads || !workload)
		return true;
	for (size_t i = 0; ops->workloads[i]; i++)
		if (!strcmp(ops->workloads[i], workload))
			return true;
	return false;
}

bool checker_expect_valid(const struct checker_ops *ops, const char *value)
{
	const char *const *v = ops->expect_values ? ops->expect_values : checker_pass_fail;

	for (size_t i = 0; v[i]; i++)
		if (!strcmp(v[i], value))
			return true;
	return false;
}
