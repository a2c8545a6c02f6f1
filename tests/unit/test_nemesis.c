/* Unit tests for the nemesis schedule (harness/run/nemesis.c): a pure
 * function of (seed, step, options, cluster size); option ranges; the
 * steps row written for a fault read back as the same fault; the step
 * parsed from a scenario. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nemesis.h"
#include "scenario.h"
#include "util.h"

static struct nemesis_opts every_fault(void)
{
	struct nemesis_opts o = {
		.kinds = (1u << NEM_N_KINDS) - 1,
		.targets = (1u << NEM_N_TARGETS) - 1,
		.interval_min = 2000, .interval_max = 8000,
		.for_ms = 600000,
		.recover_min = 1000, .recover_max = 10000,
		.torn_min = 0.0, .torn_max = 1.0,
	};
	return o;
}

/* The schedule as text, one fault a line. */
static char *schedule_text(const struct nemesis_fault *f, size_t n, int nodes)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < n; i++) {
		sb_printf(&sb, "%s ", nemesis_kind_name(f[i].kind));
		nemesis_describe(&f[i], nodes, &sb);
		sb_printf(&sb, " nodes=%#x\n", (unsigned)f[i].nodes);
	}
	return sb.buf ? sb.buf : xstrdup("");
}

static void test_same_seed_same_schedule(void **state)
{
	(void)state;
	struct nemesis_opts o = every_fault();
	struct nemesis_fault *a, *b;
	size_t na = nemesis_plan(&o, 42, 1, 3, &a), nb = nemesis_plan(&o, 42, 1, 3, &b);
	char *ta, *tb;

	assert_true(na > 10);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(*a));
	ta = schedule_text(a, na, 3);
	tb = schedule_text(b, nb, 3);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
	free(a);
	free(b);
}

static void test_different_seeds_differ(void **state)
{
	(void)state;
	struct nemesis_opts o = every_fault();
	int differ = 0;
	struct nemesis_fault *a;
	size_t na = nemesis_plan(&o, 1, 1, 3, &a);
	char *ta = schedule_text(a, na, 3);

	for (uint64_t seed = 2; seed < 12; seed++) {
		struct nemesis_fault *b;
		size_t nb = nemesis_plan(&o, seed, 1, 3, &b);
		char *tb = schedule_text(b, nb, 3);
		differ += strcmp(ta, tb) != 0;
		free(tb);
		free(b);
	}
	assert_int_equal(differ, 10);
	/* Another step of the same run has a schedule of its own. */
	{
		struct nemesis_fault *c;
		size_t nc = nemesis_plan(&o, 1, 2, 3, &c);
		char *tc = schedule_text(c, nc, 3);
		assert_string_not_equal(ta, tc);
		free(tc);
		free(c);
	}
	free(ta);
	free(a);
}

static void test_schedule_within_options(void **state)
{
	(void)state;
	struct nemesis_opts o = every_fault();
	struct nemesis_fault *f;
	size_t n;
	int64_t prev_end = 0;
	bool seen[NEM_N_KINDS] = { false };

	o.for_ms = 3600000;
	n = nemesis_plan(&o, 7, 1, 5, &f);
	for (size_t i = 0; i < n; i++) {
		int count = __builtin_popcount(f[i].nodes);
		seen[f[i].kind] = true;
		assert_int_equal(f[i].no, (int)i + 1);
		assert_true(f[i].at_ms < o.for_ms);
		assert_true(f[i].at_ms - prev_end >= o.interval_min && f[i].at_ms - prev_end <= o.interval_max);
		assert_true(f[i].hold_ms >= o.recover_min && f[i].hold_ms <= o.recover_max);
		assert_true(f[i].torn >= 0.0 && f[i].torn <= 1.0);
		assert_int_equal(f[i].nodes & 1u, 0); /* no node 0 */
		assert_true(f[i].nodes < (1u << 6));
		switch (f[i].target) {
		case NEM_ONE: assert_int_equal(count, 1); break;
		case NEM_PRIMARY: assert_int_equal(count, 0); break; /* chosen when it runs */
		case NEM_MINORITY: assert_int_equal(count, 2); break;
		case NEM_MAJORITY: assert_int_equal(count, 3); break;
		case NEM_ALL: assert_int_equal(count, 5); break;
		case NEM_RING:
			/* partitions only; each node talks to its two neighbours */
			assert_int_equal(f[i].kind, NEM_PARTITION);
			assert_int_equal(count, 5);
			for (int a = 1; a <= 5; a++) {
				int talks = 0;
				for (int b = 1; b <= 5; b++)
					talks += b != a && partition_can_talk(f[i].member_of, a, b);
				assert_int_equal(talks, 2);
			}
			break;
		default: fail();
		}
		if (f[i].kind == NEM_PARTITION && f[i].target == NEM_ALL)
			for (int k = 0; k < 5; k++)
				assert_int_equal(f[i].member_of[k], 1u << k);
		prev_end = f[i].at_ms + f[i].hold_ms;
	}
	for (int k = 0; k < NEM_N_KINDS; k++)
		assert_true(seen[k]);
	free(f);

	/* One kind, one target; a one-node cluster has no partitions. */
	o.kinds = 1u << NEM_PARTITION;
	assert_int_equal(nemesis_plan(&o, 7, 1, 1, &f), 0);
	free(f);
	o.kinds = 1u << NEM_PAUSE;
	o.targets = 1u << NEM_MAJORITY;
	n = nemesis_plan(&o, 7, 1, 3, &f);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(f[i].kind, NEM_PAUSE);
		assert_int_equal(__builtin_popcount(f[i].nodes), 2);
	}
	free(f);
}

/* Ring: only partitions draw it; 3 nodes make a bridge; 4 and 5 a ring in
 * which every node sees a majority; its row reads back the same. */
static void test_ring(void **state)
{
	struct nemesis_opts o = every_fault();
	struct nemesis_fault *f;
	size_t n;
	bool bridges[4] = { false };

	(void)state;
	o.targets = 1u << NEM_RING | 1u << NEM_ONE;
	n = nemesis_plan(&o, 11, 1, 3, &f);
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++) {
		if (f[i].target != NEM_RING)
			continue;
		assert_int_equal(f[i].kind, NEM_PARTITION);
		int cut = 0, bridge = 0;
		for (int a = 1; a <= 3; a++) {
			int talks = 0;
			for (int b = 1; b <= 3; b++)
				if (b != a) {
					talks += partition_can_talk(f[i].member_of, a, b);
					cut += b > a && !partition_can_talk(f[i].member_of, a, b);
				}
			if (talks == 2)
				bridge = a;
		}
		assert_int_equal(cut, 1);
		assert_true(bridge >= 1);
		bridges[bridge] = true;

		struct strbuf d = { 0 };
		struct nemesis_fault g;
		nemesis_describe(&f[i], 3, &d);
		assert_int_equal(nemesis_parse_row("partition", "all", d.buf, 1, 3, &g), 0);
		assert_memory_equal(g.member_of, f[i].member_of, sizeof(g.member_of));
		assert_int_equal(g.target, NEM_RING);
		sb_release(&d);
	}
	assert_true(bridges[1] && bridges[2] && bridges[3]); /* the bridge is drawn */
	free(f);
	/* targets [ring] alone: every fault is a partition */
	o.targets = 1u << NEM_RING;
	n = nemesis_plan(&o, 12, 1, 4, &f);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(f[i].kind, NEM_PARTITION);
		for (int a = 1; a <= 4; a++) {
			int talks = 0;
			for (int b = 1; b <= 4; b++)
				talks += b != a && partition_can_talk(f[i].member_of, a, b);
			assert_int_equal(talks, 2); /* 3 of 4 with itself: a majority */
		}
	}
	free(f);
	/* fewer than 3 nodes: no ring, and nothing else allowed: no fault */
	assert_int_equal(nemesis_plan(&o, 12, 1, 2, &f), 0);
	free(f);
}

static void test_ranges(void **state)
{
	(void)state;
	int64_t lo, hi;
	double a, b;

	assert_int_equal(nemesis_parse_duration_range("2s..8s", &lo, &hi), 0);
	assert_int_equal(lo, 2000);
	assert_int_equal(hi, 8000);
	assert_int_equal(nemesis_parse_duration_range("500ms", &lo, &hi), 0);
	assert_int_equal(lo, 500);
	assert_int_equal(hi, 500);
	assert_int_equal(nemesis_parse_duration_range("8s..2s", &lo, &hi), -1);
	assert_int_equal(nemesis_parse_duration_range("2s..", &lo, &hi), -1);
	assert_int_equal(nemesis_parse_duration_range("x", &lo, &hi), -1);
	assert_int_equal(nemesis_parse_fraction_range("0..1", &a, &b), 0);
	assert_true(a == 0.0 && b == 1.0);
	assert_int_equal(nemesis_parse_fraction_range("0.25", &a, &b), 0);
	assert_true(a == 0.25 && b == 0.25);
	assert_int_equal(nemesis_parse_fraction_range("1.5", &a, &b), -1);
	assert_int_equal(nemesis_parse_fraction_range("0.5..0.2", &a, &b), -1);
	assert_int_equal(nemesis_parse_fraction_range("", &a, &b), -1);
}

/* What the executor writes in a steps row reads back as the same fault. */
static void test_row_round_trip(void **state)
{
	(void)state;
	struct nemesis_opts o = every_fault();
	struct nemesis_fault *f;
	size_t n = nemesis_plan(&o, 99, 3, 3, &f);

	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		struct strbuf d = { 0 }, d2 = { 0 };
		struct nemesis_fault g;
		struct node_set ns = { .mask = f[i].nodes };
		char nodes[64];

		if (f[i].target == NEM_PRIMARY) { /* resolved when it runs: say node 2 */
			f[i].nodes = ns.mask = 1u << 2;
			if (f[i].kind == NEM_PARTITION) {
				f[i].member_of[0] = 1;
				f[i].member_of[1] = 2;
				f[i].member_of[2] = 1;
			}
		}
		node_set_format(&ns, nodes, sizeof(nodes));
		nemesis_describe(&f[i], 3, &d);
		sb_puts(&d, "; started at +3.0 s; node 2 pid 77 SIGKILL; synced after 2.0 s");
		assert_int_equal(nemesis_parse_row(nemesis_kind_name(f[i].kind), nodes, d.buf, 3, 3, &g), 0);
		nemesis_describe(&g, 3, &d2);
		assert_int_equal(g.kind, f[i].kind);
		assert_int_equal(g.nodes, f[i].nodes);
		assert_int_equal(g.at_ms, f[i].at_ms);
		assert_int_equal(g.hold_ms, f[i].hold_ms);
		assert_int_equal(g.seq, 3);
		assert_memory_equal(g.member_of, f[i].member_of, sizeof(g.member_of));
		assert_true(strncmp(d.buf, d2.buf, d2.len) == 0);
		sb_release(&d);
		sb_release(&d2);
	}
	{
		struct nemesis_fault g;
		assert_int_equal(nemesis_parse_row("kill", "2", "node 2 pid 7 SIGKILL", 1, 3, &g), -1);
		assert_int_equal(nemesis_parse_row("sleep", "2", "nemesis #1 at=1.000s hold=1.000s", 1, 3, &g), -1);
		assert_int_equal(nemesis_parse_row("partition", NULL, "nemesis #1 at=1.000s hold=1.000s", 1, 3, &g), -1);
		/* promote: true — what the executor did is read back too */
		assert_int_equal(nemesis_parse_row("kill", "1", "nemesis #2 at=1.000s hold=4.000s target=primary; started "
						   "at +1.0 s; node 1 pid 7 SIGKILL; promoted node 2 (node 1 was the "
						   "primary); started node 1; node 1 rejoined as a replica of node 2",
						   1, 3, &g), 0);
		assert_int_equal(g.promoted, 2);
		assert_int_equal(g.old_primary, 1);
		assert_int_equal(nemesis_parse_row("kill", "1", "nemesis #2 at=1.000s hold=4.000s target=one; no replica "
						   "left", 1, 3, &g), 0);
		assert_int_equal(g.promoted, 0);
	}
	free(f);
}

static void test_scenario_step(void **state)
{
	(void)state;
	static const char text[] =
		"name: nem\n"
		"cluster: { flavor: galera, nodes: 3 }\n"
		"steps:\n"
		"  - nemesis: { faults: [kill, pause, partition, hard-reset, stop], targets: [one, minority, majority, all, primary, ring],\n"
		"               interval: 2s..8s, for: 60s, recover: 1s..10s, torn: 0..1 }\n"
		"  - nemesis: kill\n"
		"  - hard-reset: { node: 2, torn: 0.5 }\n"
		"  - nemesis: { faults: [partition], targets: [ring] }\n";
	static const char ring_only[] =
		"name: nem\n"
		"cluster: { nodes: 3 }\n"
		"steps:\n"
		"  - nemesis: { faults: [kill, partition], targets: [ring] }\n";
	static const char bad[] =
		"name: nem\n"
		"steps:\n"
		"  - nemesis: { faults: [kill, explode], interval: 8s..2s }\n"
		"  - hard-reset: { node: 2, torn: 0..1 }\n";
	struct sc_errors errs = { 0 };
	struct scenario *sc = scenario_parse(text, strlen(text), "t.yaml", &errs);
	struct nemesis_opts o;

	for (size_t i = 0; i < errs.n; i++)
		print_message("%s\n", errs.v[i]);
	assert_non_null(sc);
	assert_int_equal(nemesis_opts_from_step(&sc->steps[0], &o), 0);
	assert_int_equal(o.kinds, (1u << NEM_N_KINDS) - 1);
	assert_int_equal(o.targets, (1u << NEM_N_TARGETS) - 1);
	assert_int_equal(o.interval_min, 2000);
	assert_int_equal(o.recover_max, 10000);
	assert_int_equal(o.for_ms, 60000);
	assert_true(o.torn_max == 1.0);
	assert_int_equal(nemesis_opts_from_step(&sc->steps[1], &o), 0);
	assert_int_equal(o.kinds, 1u << NEM_KILL);
	assert_int_equal(o.targets, 1u << NEM_ONE);
	assert_string_equal(sc->steps[2].torn, "0.5");
	scenario_free(sc);
	sc_errors_release(&errs);

	sc = scenario_parse(bad, strlen(bad), "bad.yaml", &errs);
	assert_null(sc);
	assert_true(errs.n >= 3);
	sc_errors_release(&errs);

	sc = scenario_parse(ring_only, strlen(ring_only), "ring.yaml", &errs);
	assert_null(sc);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.v[0], "ring.yaml:4:"));
	assert_non_null(strstr(errs.v[0], "target 'ring' shapes partitions only"));
	sc_errors_release(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_schedule),
		cmocka_unit_test(test_different_seeds_differ),
		cmocka_unit_test(test_schedule_within_options),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_row_round_trip),
		cmocka_unit_test(test_scenario_step),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
