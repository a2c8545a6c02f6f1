/* Unit tests for lab shrink's search (harness/run/shrink.c) with a
 * synthetic answer in place of real runs: ddmin finds exactly the faults
 * the finding needs, within a bounded number of candidates, and stops when
 * told; halving shortens waits and holds and keeps what still reproduces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shrink.h"

struct oracle {
	int need[4];     /* fault numbers (no) the finding needs */
	size_t n_need;
	int64_t min_hold; /* fault need[0] must hold at least this long */
	int64_t max_at;   /* ... and start no later than this (0: any) */
	int calls, budget;
};

static int answer(void *ctx, const struct nemesis_fault *f, size_t n, const char *what)
{
	struct oracle *o = ctx;

	assert_non_null(what);
	if (o->budget && o->calls >= o->budget)
		return -1;
	o->calls++;
	for (size_t k = 0; k < o->n_need; k++) {
		bool found = false;
		for (size_t i = 0; i < n; i++)
			if (f[i].no == o->need[k]) {
				found = true;
				if (k == 0 && (f[i].hold_ms < o->min_hold || (o->max_at && f[i].at_ms > o->max_at)))
					return 0;
			}
		if (!found)
			return 0;
	}
	return 1;
}

/* n faults of one step, 5 s apart, each held 2 s. */
static struct nemesis_fault *schedule(size_t n)
{
	struct nemesis_fault *f = calloc(n, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		f[i].seq = 1;
		f[i].no = (int)i + 1;
		f[i].kind = NEM_KILL;
		f[i].at_ms = (int64_t)i * 5000 + 3000;
		f[i].hold_ms = 2000;
		f[i].nodes = 1u << 1;
	}
	return f;
}

static void test_ddmin_finds_the_pair(void **state)
{
	(void)state;
	for (size_t n = 2; n <= 24; n++)
		for (int a = 1; a <= (int)n; a++)
			for (int b = a + 1; b <= (int)n; b++) {
				struct nemesis_fault *f = schedule(n);
				struct oracle o = { .need = { a, b }, .n_need = 2 };
				size_t m = n;
				assert_int_equal(shrink_ddmin(f, &m, answer, &o), 0);
				assert_int_equal(m, 2);
				assert_int_equal(f[0].no, a);
				assert_int_equal(f[1].no, b);
				/* ddmin's bound for a 2-fault cause: far fewer than 2^n */
				assert_true(o.calls <= (int)(4 * n + 8));
				free(f);
			}
}

static void test_ddmin_single_and_all(void **state)
{
	struct nemesis_fault *f = schedule(13);
	struct oracle one = { .need = { 9 }, .n_need = 1 };
	size_t m = 13;

	(void)state;
	assert_int_equal(shrink_ddmin(f, &m, answer, &one), 0);
	assert_int_equal(m, 1);
	assert_int_equal(f[0].no, 9);
	free(f);
	/* Every fault needed: nothing can go, and it says so by keeping all. */
	f = schedule(3);
	struct oracle all = { .need = { 1, 2, 3 }, .n_need = 3 };
	m = 3;
	assert_int_equal(shrink_ddmin(f, &m, answer, &all), 0);
	assert_int_equal(m, 3);
	free(f);
}

static void test_ddmin_stops_on_budget(void **state)
{
	struct nemesis_fault *f = schedule(16);
	struct oracle o = { .need = { 5, 11 }, .n_need = 2, .budget = 3 };
	size_t m = 16;

	(void)state;
	assert_int_equal(shrink_ddmin(f, &m, answer, &o), -1);
	assert_int_equal(o.calls, 3);
	/* what is kept still holds both causes */
	bool has5 = false, has11 = false;
	for (size_t i = 0; i < m; i++) {
		has5 |= f[i].no == 5;
		has11 |= f[i].no == 11;
	}
	assert_true(has5 && has11);
	assert_true(m < 16);
	free(f);
}

static void test_halve(void **state)
{
	struct nemesis_fault *in = schedule(3), out[3];

	(void)state;
	assert_true(shrink_halve(in, out, 3, true, false));
	/* waits 3000, 3000, 3000 (after each 2 s hold) become 1500 each */
	assert_int_equal(out[0].at_ms, 1500);
	assert_int_equal(out[1].at_ms, 1500 + 2000 + 1500);
	assert_int_equal(out[2].at_ms, 2 * (1500 + 2000) + 1500);
	assert_int_equal(out[2].hold_ms, 2000);
	assert_true(shrink_halve(in, out, 3, false, true));
	assert_int_equal(out[0].at_ms, 3000);
	assert_int_equal(out[1].at_ms, 3000 + 1000 + 3000);
	assert_int_equal(out[0].hold_ms, 1000);
	/* holds never go below the floor; nothing to do says so */
	for (int i = 0; i < 3; i++) {
		in[i].hold_ms = SHRINK_MIN_HOLD_MS;
		in[i].at_ms = (int64_t)i * SHRINK_MIN_HOLD_MS;
	}
	assert_false(shrink_halve(in, out, 3, false, true));
	assert_false(shrink_halve(in, out, 3, true, false));
	/* each nemesis step keeps its own clock */
	in[2].seq = 2;
	in[2].at_ms = 4000;
	assert_true(shrink_halve(in, out, 3, true, false));
	assert_int_equal(out[2].at_ms, 2000);
	free(in);
}

static void test_timing_keeps_what_reproduces(void **state)
{
	struct nemesis_fault *f = schedule(2);
	struct oracle o = { .need = { 2 }, .n_need = 1, .min_hold = 900 };

	(void)state;
	assert_int_equal(shrink_timing(f, 2, answer, &o), 0);
	/* waits halved 4 times: 3000 -> 187 */
	assert_int_equal(f[0].at_ms, 187);
	assert_int_equal(f[1].at_ms, f[0].at_ms + f[0].hold_ms + 187);
	/* holds: 2000 -> 1000 reproduces, 500 does not (fault 2 needs 900) */
	assert_int_equal(f[1].hold_ms, 1000);
	free(f);
	/* a finding that needs the late start keeps the waits */
	f = schedule(2);
	struct oracle late = { .need = { 2 }, .n_need = 1, .max_at = 100000, .min_hold = 2000 };
	assert_int_equal(shrink_timing(f, 2, answer, &late), 0);
	assert_int_equal(f[1].hold_ms, 2000);
	free(f);
	/* a stop is passed on */
	f = schedule(2);
	struct oracle stop = { .need = { 1 }, .n_need = 1, .budget = 1 };
	stop.calls = 1;
	assert_int_equal(shrink_timing(f, 2, answer, &stop), -1);
	assert_int_equal(f[0].at_ms, 3000);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ddmin_finds_the_pair),
		cmocka_unit_test(test_ddmin_single_and_all),
		cmocka_unit_test(test_ddmin_stops_on_budget),
		cmocka_unit_test(test_halve),
		cmocka_unit_test(test_timing_keeps_what_reproduces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
