/* Unit tests for the pure parts of the bank workload: the log-bucketed
 * histogram (buckets and percentiles), the transaction mix (parse and
 * draw), the error classification table and the id scheme. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "journal.h"
#include "util.h"
#include "workload.h"

static void test_hist_buckets(void **state)
{
	(void)state;
	/* exact below 16, then every bucket holds its own bounds */
	for (uint64_t v = 0; v < 16; v++)
		assert_int_equal(hist_bucket(v), v);
	assert_int_equal(hist_bucket(16), 16);
	assert_int_equal(hist_bucket(31), 31);
	assert_int_equal(hist_bucket(32), 32);
	assert_int_equal(hist_bucket(33), 32); /* width 2 from 32 on */
	assert_true(hist_bucket(UINT64_MAX) < HIST_BUCKETS);
	for (unsigned b = 0; b < HIST_BUCKETS - 1; b++) {
		uint64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);
		assert_true(lo <= hi);
		assert_int_equal(hist_bucket(lo), b);
		assert_int_equal(hist_bucket(hi), b);
		assert_int_equal(hist_bucket_low(b + 1), hi + 1); /* contiguous */
		if (lo >= 16) /* relative width at most 1/16 */
			assert_true((double)(hi - lo + 1) / (double)lo <= 1.0 / 16 + 1e-12);
	}
	for (uint64_t v = 1; v < ((uint64_t)1 << 40); v = v * 3 + 1) {
		unsigned b = hist_bucket(v);
		assert_true(hist_bucket_low(b) <= v && v <= hist_bucket_high(b));
	}
}

static void test_hist_percentiles(void **state)
{
	uint64_t *h = calloc(HIST_BUCKETS, sizeof(*h));
	(void)state;
	assert_true(hist_percentile(h, 50) == 0); /* empty */
	/* 1..1000 microseconds, once each */
	for (uint64_t v = 1; v <= 1000; v++)
		h[hist_bucket(v)]++;
	assert_int_equal(hist_total(h), 1000);
	double p50 = hist_percentile(h, 50), p95 = hist_percentile(h, 95), p99 = hist_percentile(h, 99);
	assert_true(fabs(p50 - 500) / 500 < 0.07);
	assert_true(fabs(p95 - 950) / 950 < 0.07);
	assert_true(fabs(p99 - 990) / 990 < 0.07);
	assert_true(p50 <= p95 && p95 <= p99);
	assert_true(hist_percentile(h, 100) >= 968); /* the bucket holding 1000 */
	/* 99 fast and one slow: p99 is fast, p100 slow */
	memset(h, 0, HIST_BUCKETS * sizeof(*h));
	h[hist_bucket(100)] += 99;
	h[hist_bucket(100000)] += 1;
	assert_true(hist_percentile(h, 99) < 110);
	assert_true(hist_percentile(h, 99.5) > 90000);
	free(h);
}

static void test_mix(void **state)
{
	struct workload_mix m;
	int seen[TXN_KIND_COUNT] = { 0 };
	(void)state;
	assert_int_equal(workload_mix_parse("credit=30,purchase=45,transfer=10,new_customer=10,delete_customer=5", &m), 0);
	assert_int_equal(m.credit, 30);
	assert_int_equal(m.delete_customer, 5);
	assert_int_equal(workload_mix_total(&m), 100);
	/* the draw follows the weights exactly over the whole range */
	for (int r = 0; r < 100; r++)
		seen[workload_mix_pick(&m, r)]++;
	assert_int_equal(seen[TXN_CREDIT], 30);
	assert_int_equal(seen[TXN_PURCHASE], 45);
	assert_int_equal(seen[TXN_TRANSFER], 10);
	assert_int_equal(seen[TXN_NEW_CUSTOMER], 10);
	assert_int_equal(seen[TXN_DELETE_CUSTOMER], 5);
	assert_int_equal(workload_mix_pick(&m, 0), TXN_CREDIT);
	assert_int_equal(workload_mix_pick(&m, 29), TXN_CREDIT);
	assert_int_equal(workload_mix_pick(&m, 30), TXN_PURCHASE);
	assert_int_equal(workload_mix_pick(&m, 99), TXN_DELETE_CUSTOMER);
	/* kinds not named get 0 */
	assert_int_equal(workload_mix_parse("transfer=1", &m), 0);
	assert_int_equal(m.credit, 0);
	for (int r = 0; r < 1; r++)
		assert_int_equal(workload_mix_pick(&m, r), TXN_TRANSFER);
	/* errors leave m alone */
	lab_quiet = true;
	assert_int_equal(workload_mix_parse("credit=0", &m), -1);
	assert_int_equal(workload_mix_parse("credit", &m), -1);
	assert_int_equal(workload_mix_parse("refund=3", &m), -1);
	assert_int_equal(workload_mix_parse("load=3", &m), -1);
	assert_int_equal(workload_mix_parse("credit=-1", &m), -1);
	assert_int_equal(workload_mix_parse("credit=x", &m), -1);
	assert_int_equal(m.transfer, 1);
}

static void test_classify(void **state)
{
	struct wl_err_class c;
	(void)state;
	/* before COMMIT: always failed */
	static const unsigned body_errs[] = { 1213, 1205, 1020, 1062, 1047, 1290, 2013, 2006, 9999, 1644 };
	for (size_t i = 0; i < ARRAY_SIZE(body_errs); i++)
		assert_int_equal(workload_classify_error(body_errs[i], false).outcome, TXN_FAILED);
	c = workload_classify_error(1213, false);
	assert_int_equal(c.action, WL_ACT_ROLLBACK);
	c = workload_classify_error(1205, false);
	assert_int_equal(c.action, WL_ACT_ROLLBACK);
	c = workload_classify_error(1062, false);
	assert_int_equal(c.action, WL_ACT_ROLLBACK);
	/* the node refuses work: move */
	assert_int_equal(workload_classify_error(1047, false).action, WL_ACT_NODE);
	assert_int_equal(workload_classify_error(1290, false).action, WL_ACT_NODE);
	assert_int_equal(workload_classify_error(1836, false).action, WL_ACT_NODE);
	assert_int_equal(workload_classify_error(1053, false).action, WL_ACT_NODE);
	/* the connection is gone: any client error */
	assert_int_equal(workload_classify_error(2013, false).action, WL_ACT_CONNECTION);
	assert_int_equal(workload_classify_error(2006, false).action, WL_ACT_CONNECTION);
	assert_int_equal(workload_classify_error(2055, false).action, WL_ACT_CONNECTION);
	assert_int_equal(workload_classify_error(2099, false).action, WL_ACT_CONNECTION);
	assert_int_equal(workload_classify_error(1158, false).action, WL_ACT_CONNECTION);
	/* unlisted server error: rolled back, stay */
	assert_int_equal(workload_classify_error(1146, false).action, WL_ACT_ROLLBACK);
	/* COMMIT: failed only when the answer proves the rollback */
	assert_int_equal(workload_classify_error(1213, true).outcome, TXN_FAILED);
	assert_int_equal(workload_classify_error(1205, true).outcome, TXN_FAILED);
	assert_int_equal(workload_classify_error(1020, true).outcome, TXN_FAILED);
	assert_int_equal(workload_classify_error(1290, true).outcome, TXN_FAILED);
	assert_int_equal(workload_classify_error(2013, true).outcome, TXN_UNKNOWN);
	assert_int_equal(workload_classify_error(2006, true).outcome, TXN_UNKNOWN);
	assert_int_equal(workload_classify_error(1047, true).outcome, TXN_UNKNOWN);
	assert_int_equal(workload_classify_error(1180, true).outcome, TXN_UNKNOWN);
	assert_int_equal(workload_classify_error(1927, true).outcome, TXN_UNKNOWN);
	assert_int_equal(workload_classify_error(1053, true).outcome, TXN_UNKNOWN);
	assert_int_equal(workload_classify_error(4242, true).outcome, TXN_UNKNOWN);
	assert_int_equal(workload_classify_error(2013, true).action, WL_ACT_CONNECTION);
}

static void test_ids(void **state)
{
	(void)state;
	int64_t id = workload_id(2801750, 7, 12345);
	assert_true(id > 0);
	assert_int_equal(workload_id_prefix(id), 2801750);
	assert_int_equal(workload_id_thread(id), 7);
	assert_int_equal(id & ((1 << WL_ID_COUNTER_BITS) - 1), 12345);
	/* the largest of everything still fits in a positive BIGINT */
	int64_t max = workload_id((1u << WL_ID_PREFIX_BITS) - 1, WL_MAX_THREADS, (1u << WL_ID_COUNTER_BITS) - 1);
	assert_true(max > 0);
	assert_int_equal(WL_ID_PREFIX_BITS + WL_ID_THREAD_BITS + WL_ID_COUNTER_BITS, 63);
	/* threads and counters never collide within a prefix */
	assert_true(workload_id(5, 1, 1) != workload_id(5, 2, 1));
	assert_true(workload_id(5, 1, 2) == workload_id(5, 1, 1) + 1); /* consecutive rows */
	assert_true(workload_id(5, 255, (1u << WL_ID_COUNTER_BITS) - 1) < workload_id(6, 0, 0));
	/* prefix: from the clock (10 s units since 2026-01-01) ... */
	double t = 1767225600.0 + 1000.0;
	assert_int_equal(workload_choose_prefix(t, 0), 100);
	assert_int_equal(workload_choose_prefix(t + 10, 0), 101);
	assert_int_equal(workload_choose_prefix(0, 0), 1);
	/* ... but always above every id already in the database */
	assert_int_equal(workload_choose_prefix(t, workload_id(100, 3, 9)), 101);
	assert_int_equal(workload_choose_prefix(t, workload_id(5000, 0, 1)), 5001);
	assert_int_equal(workload_choose_prefix(t, workload_id(50, 0, 1)), 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_buckets),
		cmocka_unit_test(test_hist_percentiles),
		cmocka_unit_test(test_mix),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
