/* Unit tests for harness/scenario/plan.c: a plan's matrix expanded into
 * runs (order, labels, the overrides applied to each run's scenario), the
 * shards (disjoint, together the whole plan, balanced, the innermost axis
 * spread), and the plan's errors, each the exact FILE:LINE:COL: line. The
 * scenario files are written to a fresh temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "util.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lab-test-plan.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	write_file("a-kill.yaml", "name: a-kill\ncluster: {nodes: 3, mysqld: {sync_binlog: 1, max_connections: 50}}\n"
				  "steps:\n  - kill: {node: 2}\n  - start: {node: 2}\n");
	write_file("b-reset.yaml", "name: b-reset\ncluster: {nodes: 3}\nsteps:\n  - hard-reset: {node: 1}\n"
				   "  - start: {node: 1}\n");
	write_file("c-boot.yaml", "name: c-boot\ncluster: {nodes: 3, flavor: galera}\nsteps:\n  - kill: {node: all}\n"
				  "  - bootstrap: {node: 1}\n");
	write_file("notes.txt", "not a scenario\n");
	return 0;
}

static int teardown(void **state)
{
	const char *names[] = { "a-kill.yaml", "b-reset.yaml", "c-boot.yaml", "notes.txt", "p.yaml" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	return 0;
}

static const char plan_12[] =
	"name: nightly\n"
	"scenarios: ['*.yaml']\n"
	"matrix:\n"
	"  cache_mode: [none, unsafe]\n"
	"  mysqld:\n"
	"    durable: {innodb_flush_log_at_trx_commit: 1, sync_binlog: 1}\n"
	"    relaxed: {innodb_flush_log_at_trx_commit: 2, sync_binlog: 0}\n";

static struct plan *load(const char *text, struct sc_errors *errs)
{
	char *path = xasprintf("%s/p.yaml", dir);
	struct plan *pl;

	write_file("p.yaml", text);
	pl = plan_load(path, errs);
	free(path);
	return pl;
}

static void expect_error(const char *text, const char *want_suffix)
{
	struct sc_errors errs = { 0 };
	struct plan *pl = load(text, &errs);
	bool found = false;
	char *want = xasprintf("%s/%s", dir, want_suffix);

	for (size_t i = 0; i < errs.n; i++)
		found |= !strcmp(errs.v[i], want);
	if (!found) {
		fprintf(stderr, "wanted: %s\ngot %zu error(s):\n", want, errs.n);
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "  %s\n", errs.v[i]);
	}
	assert_null(pl);
	assert_true(found);
	free(want);
	sc_errors_release(&errs);
}

/* 3 scenarios x 2 cache modes x 2 option sets: 12 runs, in order. */
static void test_expand_12(void **state)
{
	struct sc_errors errs = { 0 };
	struct plan *pl = load(plan_12, &errs);
	static const char *const want[] = {
		"a-kill cache_mode=none mysqld=durable", "a-kill cache_mode=none mysqld=relaxed",
		"a-kill cache_mode=unsafe mysqld=durable", "a-kill cache_mode=unsafe mysqld=relaxed",
		"b-reset cache_mode=none mysqld=durable", "b-reset cache_mode=none mysqld=relaxed",
		"b-reset cache_mode=unsafe mysqld=durable", "b-reset cache_mode=unsafe mysqld=relaxed",
		"c-boot cache_mode=none mysqld=durable", "c-boot cache_mode=none mysqld=relaxed",
		"c-boot cache_mode=unsafe mysqld=durable", "c-boot cache_mode=unsafe mysqld=relaxed",
	};

	(void)state;
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  %s\n", errs.v[i]);
	assert_non_null(pl);
	assert_int_equal(pl->n_runs, 12);
	for (size_t i = 0; i < pl->n_runs; i++) {
		char *got = xasprintf("%s %s", pl->runs[i].sc->name, pl->runs[i].label);
		assert_int_equal(pl->runs[i].index, i + 1);
		assert_string_equal(got, want[i]);
		free(got);
	}
	/* the overrides are in each run's scenario */
	{
		const struct sc_cluster *c = &pl->runs[3].sc->cluster; /* a-kill unsafe relaxed */
		assert_string_equal(c->cache_mode, "unsafe");
		/* merged: the file's max_connections kept, sync_binlog replaced, one added */
		assert_int_equal(c->mysqld.n, 3);
		assert_string_equal(c->mysqld.v[0].key, "sync_binlog");
		assert_string_equal(c->mysqld.v[0].value, "0");
		assert_string_equal(c->mysqld.v[1].key, "max_connections");
		assert_string_equal(c->mysqld.v[1].value, "50");
		assert_string_equal(c->mysqld.v[2].key, "innodb_flush_log_at_trx_commit");
		assert_string_equal(c->mysqld.v[2].value, "2");
	}
	{
		char *t = plan_run_title(&pl->runs[4]);
		assert_string_equal(t, "b-reset [cache_mode=none mysqld=durable]");
		free(t);
	}
	plan_free(pl);
	sc_errors_release(&errs);
}

/* A plan without a matrix: one run per file, with the file's own values. */
static void test_no_matrix(void **state)
{
	struct sc_errors errs = { 0 };
	struct plan *pl = load("name: p\nscenarios: [b-reset.yaml, '?-kill.yaml', b-reset.yaml]\n", &errs);

	(void)state;
	assert_non_null(pl);
	assert_int_equal(pl->n_runs, 2); /* b-reset once */
	assert_string_equal(pl->runs[0].sc->name, "b-reset");
	assert_string_equal(pl->runs[1].sc->name, "a-kill");
	assert_string_equal(pl->runs[0].label, "");
	assert_string_equal(pl->runs[0].sc->cluster.cache_mode, "none");
	plan_free(pl);
}

/* Shards: disjoint, their union is everything, sizes differ by at most
 * one, for many sizes. */
static void test_shards_partition(void **state)
{
	(void)state;
	for (size_t runs = 1; runs <= 40; runs++)
		for (int n = 1; n <= 9; n++) {
			size_t size_min = SIZE_MAX, size_max = 0;
			for (int k = 1; k <= n; k++) {
				size_t size = 0;
				for (size_t i = 1; i <= runs; i++)
					size += plan_in_shard(i, k, n);
				size_min = size < size_min ? size : size_min;
				size_max = size > size_max ? size : size_max;
			}
			assert_true(size_max - size_min <= 1);
			for (size_t i = 1; i <= runs; i++) {
				int in = 0;
				for (int k = 1; k <= n; k++)
					in += plan_in_shard(i, k, n);
				assert_int_equal(in, 1);
			}
		}
}

/* The 12 runs in 2 shards: each shard has both option sets and both cache
 * modes of every scenario (i mod 2 would give shard 2 only 'relaxed'). */
static void test_shards_spread(void **state)
{
	struct sc_errors errs = { 0 };
	struct plan *pl = load(plan_12, &errs);
	static const int want1[] = { 1, 4, 5, 8, 9, 12 };

	(void)state;
	assert_non_null(pl);
	for (int k = 1; k <= 2; k++) {
		int durable = 0, unsafe = 0, n = 0;
		for (size_t i = 0; i < pl->n_runs; i++) {
			if (!plan_in_shard(pl->runs[i].index, k, 2))
				continue;
			if (k == 1)
				assert_int_equal(pl->runs[i].index, want1[n]);
			n++;
			durable += strstr(pl->runs[i].label, "durable") != NULL;
			unsafe += strstr(pl->runs[i].label, "unsafe") != NULL;
		}
		assert_int_equal(n, 6);
		assert_int_equal(durable, 3);
		assert_int_equal(unsafe, 3);
	}
	assert_int_equal(plan_shard_of(1, 3), 1);
	assert_int_equal(plan_shard_of(3, 3), 3);
	assert_int_equal(plan_shard_of(4, 3), 3);
	assert_int_equal(plan_shard_of(6, 3), 1);
	assert_int_equal(plan_shard_of(7, 3), 1);
	plan_free(pl);
}

static void test_shard_parse(void **state)
{
	int k = 0, n = 0;

	(void)state;
	assert_int_equal(plan_shard_parse("2/3", &k, &n), 0);
	assert_int_equal(k, 2);
	assert_int_equal(n, 3);
	assert_int_equal(plan_shard_parse("1/1", &k, &n), 0);
	assert_int_equal(plan_shard_parse("3/2", &k, &n), -1);
	assert_int_equal(plan_shard_parse("0/2", &k, &n), -1);
	assert_int_equal(plan_shard_parse("1/0", &k, &n), -1);
	assert_int_equal(plan_shard_parse("1", &k, &n), -1);
	assert_int_equal(plan_shard_parse("a/b", &k, &n), -1);
	assert_int_equal(plan_shard_parse("1/2x", &k, &n), -1);
	assert_int_equal(plan_shard_parse("", &k, &n), -1);
	assert_false(plan_in_shard(1, 0, 2));
	assert_false(plan_in_shard(1, 3, 2));
	assert_false(plan_in_shard(0, 1, 2));
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("name: p\nscenarios: [a-kill.yaml]\nmatrix:\n  cache_mode: [none, unsaf]\n",
		     "p.yaml:4:22: unknown value 'unsaf' (did you mean 'unsafe'?)");
	expect_error("name: p\nscenarios: [a-kill.yaml]\nmatrix:\n  flavr: [galera]\n",
		     "p.yaml:4:3: unknown key 'flavr' in 'matrix' (did you mean 'flavor'?)");
	expect_error("name: p\nscenarios: [a-kill.yaml]\nmatrix:\n  version: [10.11.x]\n",
		     "p.yaml:4:13: 'version' must be a server version like 10.11.18, not '10.11.x'");
	expect_error("scenarios: [a-kill.yaml]\n", "p.yaml:1:1: missing key 'name' in 'plan'");
	expect_error("name: p\nscenarios: [a-kill.yaml]\nmatrix:\n  cache_mode: [none, unsafe, none]\n",
		     "p.yaml:4:30: 'cache_mode' lists 'none' twice");
	expect_error("name: p\nscenarios: []\n", "p.yaml:2:12: 'scenarios' is empty");
	expect_error("name: p\nscenarios: [a-kill.yaml]\nmatrix:\n  mysqld: {x: {}}\n",
		     "p.yaml:4:12: 'mysqld.x' is empty: an option set needs option: value");
	/* an axis value the scenario cannot take: at the value, with the
	 * scenario's own error */
	{
		char *want = xasprintf("p.yaml:4:20: matrix.flavor 'async' cannot run scenario %s/c-boot.yaml: "
				       "%s/c-boot.yaml:5:5: 'bootstrap' needs a cluster of flavor galera, this one is async",
				       dir, dir);
		expect_error("name: p\nscenarios: [c-boot.yaml]\nmatrix:\n  flavor: [galera, async]\n", want);
		free(want);
	}
	{
		char *want = xasprintf("p.yaml:5:5: matrix.mysqld 'bad' cannot run scenario %s/a-kill.yaml: "
				       "%s/a-kill.yaml:2:10: 'mysqld.datadir' is set by lab itself (it places, names and "
				       "wires every node): leave it out", dir, dir);
		expect_error("name: p\nscenarios: [a-kill.yaml]\nmatrix:\n  mysqld:\n    bad: {datadir: /tmp}\n", want);
		free(want);
	}
	{
		char *want = xasprintf("p.yaml: 'scenarios' pattern 'nothing/*.yaml' matches no file (looked for "
				       "%s/nothing/*.yaml)", dir);
		expect_error("name: p\nscenarios: [nothing/*.yaml]\n", want);
		free(want);
	}
}

static void test_of_files(void **state)
{
	struct sc_errors errs = { 0 };
	char *a = xasprintf("%s/a-kill.yaml", dir), *b = xasprintf("%s/b-reset.yaml", dir);
	const char *files[] = { b, a };
	struct plan *pl = plan_of_files(files, 2, &errs);

	(void)state;
	assert_non_null(pl);
	assert_int_equal(pl->n_runs, 2);
	assert_string_equal(pl->runs[0].sc->name, "b-reset");
	assert_int_equal(pl->runs[1].index, 2);
	plan_free(pl);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_12),   cmocka_unit_test(test_no_matrix),
		cmocka_unit_test(test_shards_partition), cmocka_unit_test(test_shards_spread),
		cmocka_unit_test(test_shard_parse), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_of_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
