/* Unit tests for checkers/expect.c: the classification of one row and the
 * merge of journal expectations with a table's ordered ids (load ranges,
 * deletes of rows and of customers, unknown transactions all-or-nothing,
 * phantoms). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "journal.h"
#include "util.h"

static void test_classify(void **state)
{
	(void)state;
	struct row_claims none = { 0 };
	assert_int_equal(classify_row(&none, true), RV_PHANTOM);
	assert_int_equal(classify_row(&none, false), RV_OK);

	struct row_claims ok = { .ins_ok = 1 };
	assert_int_equal(classify_row(&ok, true), RV_OK);
	assert_int_equal(classify_row(&ok, false), RV_LOST);

	struct row_claims ok_del = { .ins_ok = 1, .del_ok = 1 };
	assert_int_equal(classify_row(&ok_del, false), RV_OK);
	assert_int_equal(classify_row(&ok_del, true), RV_LOST_DELETE);

	struct row_claims ok_unkdel = { .ins_ok = 1, .del_unknown = 1 };
	assert_int_equal(classify_row(&ok_unkdel, false), RV_OK);
	assert_int_equal(classify_row(&ok_unkdel, true), RV_OK);

	struct row_claims excused = { .ins_ok = 1, .excused = true };
	assert_int_equal(classify_row(&excused, false), RV_OK);

	struct row_claims failed = { .ins_failed = 1 };
	assert_int_equal(classify_row(&failed, true), RV_FAILED_PRESENT);
	assert_int_equal(classify_row(&failed, false), RV_OK);

	struct row_claims unk = { .ins_unknown = 1 };
	assert_int_equal(classify_row(&unk, true), RV_OK);
	assert_int_equal(classify_row(&unk, false), RV_OK);
}

/* An id source over an array. */
struct arr_src {
	const int64_t *v;
	size_t n, i;
};

static int arr_next(void *arg, int64_t *id)
{
	struct arr_src *a = arg;
	if (a->i >= a->n)
		return 0;
	*id = a->v[a->i++];
	return 1;
}

struct phantoms {
	int64_t ids[64];
	int n;
};

static void on_phantom(void *arg, enum row_table t, int64_t id)
{
	struct phantoms *p = arg;
	(void)t;
	if (p->n < 64)
		p->ids[p->n++] = id;
}

static void add_line(struct expect *e, const char *text)
{
	struct txn_record r;
	char *line = xstrdup(text);
	txn_record_init(&r);
	assert_int_equal(journal_parse_line(line, &r), 0);
	expect_add(e, &r);
	txn_record_release(&r);
	free(line);
}

static struct expect_txn *txn(struct expect *e, int64_t id)
{
	for (size_t i = 0; i < e->n_txns; i++)
		if (e->txns[i].txn == id)
			return &e->txns[i];
	fail_msg("no txn %lld", (long long)id);
	return NULL;
}

static void merge(struct expect *e, enum row_table t, const int64_t *ids, size_t n,
		  struct phantoms *ph)
{
	struct arr_src src = { ids, n, 0 };
	int64_t rows = 0;
	assert_int_equal(expect_merge_table(e, t, arr_next, &src, on_phantom, ph, &rows), 0);
	assert_int_equal(rows, (int64_t)n);
}

static void test_merge_ranges_and_phantoms(void **state)
{
	(void)state;
	struct expect e;
	struct phantoms ph = { 0 };
	expect_init(&e);
	add_line(&e, "1\tload\tok\tn1:3306\t0\t0\t0\t+customer:1-10 +credit:1-10");
	add_line(&e, "2\tcredit\tok\tn2:3306\t5\t6\t0\t+credit:100 ~customer:3");
	add_line(&e, "3\tcredit\tfailed\tn1:3306\t5\t6\t1213\t+credit:101 ~customer:4");
	expect_finalize(&e);
	/* credit: 4 lost from the load, 100 present, 101 present (failed), 55 and 200 phantoms */
	int64_t credit[] = { 1, 2, 3, 5, 6, 7, 8, 9, 10, 55, 100, 101, 200 };
	merge(&e, TBL_CREDIT, credit, ARRAY_SIZE(credit), &ph);
	assert_int_equal(ph.n, 2);
	assert_int_equal(ph.ids[0], 55);
	assert_int_equal(ph.ids[1], 200);
	assert_int_equal(txn(&e, 1)->f.n_bad, 1);
	assert_int_equal(txn(&e, 1)->f.bad[0].id, 4);
	assert_int_equal(txn(&e, 1)->f.bad[0].table, TBL_CREDIT);
	assert_int_equal(txn(&e, 2)->f.n_bad, 0);
	assert_int_equal(txn(&e, 3)->f.n_bad, 1); /* failed but present */
	assert_int_equal(txn(&e, 3)->f.bad[0].id, 101);
	assert_string_equal(e.nodes[txn(&e, 3)->node], "n1:3306");

	/* A whole range missing is counted in full, sampled in part. */
	expect_reset_findings(&e);
	ph.n = 0;
	int64_t cust[] = { 1, 2 };
	merge(&e, TBL_CUSTOMER, cust, ARRAY_SIZE(cust), &ph);
	assert_int_equal(txn(&e, 1)->f.n_bad, 8);
	assert_int_equal(txn(&e, 1)->f.bad[0].id, 3);
	assert_int_equal(txn(&e, 1)->f.bad[EXPECT_SAMPLES - 1].id, 2 + EXPECT_SAMPLES);
	assert_int_equal(ph.n, 0);
	expect_release(&e);
}

/* Ranges that end at INT64_MAX (a hostile or scribbled journal) and
 * thousands of node names: no signed overflow (UBSan), no linear search. */
static void test_extremes(void **state)
{
	(void)state;
	struct expect e;
	struct phantoms ph = { 0 };
	char line[160];

	expect_init(&e);
	add_line(&e, "1\tload\tok\tn1:3306\t0\t0\t0\t+credit:9223372036854775800-9223372036854775807");
	add_line(&e, "2\tdelete_customer\tok\tn1:3306\t0\t0\t0\t-credit:9223372036854775806-9223372036854775807");
	add_line(&e, "3\tdelete_customer\tok\tn1:3306\t0\t0\t0\t-credit:9223372036854775700-9223372036854775807");
	for (int i = 0; i < 5000; i++) {
		snprintf(line, sizeof(line), "%d\tcredit\tok\thost-%d:3306\t0\t0\t0\t+credit:%d", 10 + i, i, 100 + i);
		add_line(&e, line);
	}
	assert_int_equal(e.n_nodes, 5001);
	assert_string_equal(e.nodes[txn(&e, 4009)->node], "host-3999:3306");
	assert_string_equal(e.nodes[txn(&e, 1)->node], "n1:3306");
	expect_finalize(&e);
	int64_t credit[] = { 9223372036854775800LL, INT64_MAX };
	struct arr_src src = { credit, ARRAY_SIZE(credit), 0 };
	int64_t rows = 0;
	assert_int_equal(expect_merge_table(&e, TBL_CREDIT, arr_next, &src, on_phantom, &ph, &rows), 0);
	expect_release(&e);
}

static void test_merge_deletes(void **state)
{
	(void)state;
	struct expect e;
	struct phantoms ph = { 0 };
	expect_init(&e);
	add_line(&e, "1\tload\tok\tn1\t0\t0\t0\t+customer:1-5");
	add_line(&e, "2\tcredit\tok\tn1\t1\t2\t0\t+credit:10 ~customer:2");
	add_line(&e, "3\tcredit\tok\tn1\t1\t2\t0\t+credit:11 ~customer:3");
	add_line(&e, "4\tcredit\tok\tn1\t1\t2\t0\t+credit:12 ~customer:4");
	/* customer 2 deleted with its credit listed; customer 3 deleted by an
	 * unknown delete that did not list credit 11 (read elsewhere) */
	add_line(&e, "5\tdelete_customer\tok\tn2\t3\t4\t0\t-customer:2 -credit:10");
	add_line(&e, "6\tdelete_customer\tunknown\tn2\t3\t4\t2013\t-customer:3");
	add_line(&e, "7\tdelete_customer\tfailed\tn2\t3\t4\t1213\t-customer:4 -credit:12");
	expect_finalize(&e);
	assert_true(txn(&e, 2)->excused); /* its customer went with an ok delete */
	assert_true(txn(&e, 3)->excused);
	assert_false(txn(&e, 4)->excused);

	/* credits: 10 gone (deleted, fine), 11 gone (excused), 12 gone (lost:
	 * its delete failed) */
	int64_t credit[] = { 99 };
	merge(&e, TBL_CREDIT, credit, 0, &ph);
	assert_int_equal(txn(&e, 2)->f.n_bad, 0);
	assert_int_equal(txn(&e, 3)->f.n_bad, 0);
	assert_int_equal(txn(&e, 4)->f.n_bad, 1);
	assert_int_equal(txn(&e, 4)->f.bad[0].id, 12);

	/* customers: 2 still there although an ok delete removed it */
	expect_reset_findings(&e);
	int64_t cust[] = { 1, 2, 3, 4, 5 };
	merge(&e, TBL_CUSTOMER, cust, ARRAY_SIZE(cust), &ph);
	assert_int_equal(txn(&e, 5)->f.n_bad, 1);
	assert_int_equal(txn(&e, 5)->f.bad[0].id, 2);
	assert_int_equal(txn(&e, 1)->f.n_bad, 0);
	/* the unknown delete of 3 did not apply: recorded as not applied */
	assert_int_equal(txn(&e, 6)->f.n_unapplied, 1);
	assert_int_equal(txn(&e, 6)->f.n_applied, 0);
	assert_int_equal(ph.n, 0);
	expect_release(&e);
}

static void test_merge_unknown_all_or_nothing(void **state)
{
	(void)state;
	struct expect e;
	struct phantoms ph = { 0 };
	expect_init(&e);
	add_line(&e, "1\tload\tok\tn1\t0\t0\t0\t+customer:1-3 +product:1-5");
	add_line(&e, "2\tpurchase\tunknown\tn1\t1\t2\t2013\t+purchase:20 +purchase_item:30-32 ~customer:1");
	add_line(&e, "3\tpurchase\tunknown\tn1\t1\t2\t2013\t+purchase:21 +purchase_item:33 ~customer:2");
	add_line(&e, "4\tpurchase\tunknown\tn1\t1\t2\t2013\t+purchase:22 +purchase_item:34 ~customer:3");
	expect_finalize(&e);
	int64_t purchase[] = { 20, 22 };
	int64_t items[] = { 30, 32, 34 };
	merge(&e, TBL_PURCHASE, purchase, ARRAY_SIZE(purchase), &ph);
	merge(&e, TBL_PURCHASE_ITEM, items, ARRAY_SIZE(items), &ph);
	/* txn 2: purchase and two items present, item 31 missing: partial */
	assert_int_equal(txn(&e, 2)->f.n_applied, 3);
	assert_int_equal(txn(&e, 2)->f.n_unapplied, 1);
	assert_int_equal(txn(&e, 2)->f.unapplied[0].id, 31);
	assert_int_equal(txn(&e, 2)->f.unapplied[0].table, TBL_PURCHASE_ITEM);
	/* txn 3: nothing applied; txn 4: everything */
	assert_int_equal(txn(&e, 3)->f.n_applied, 0);
	assert_int_equal(txn(&e, 3)->f.n_unapplied, 2);
	assert_int_equal(txn(&e, 4)->f.n_applied, 2);
	assert_int_equal(txn(&e, 4)->f.n_unapplied, 0);
	assert_int_equal(ph.n, 0);
	expect_release(&e);
}

static void test_merge_rejects_unordered(void **state)
{
	(void)state;
	struct expect e;
	expect_init(&e);
	add_line(&e, "1\tload\tok\tn1\t0\t0\t0\t+customer:1-3");
	int64_t cust[] = { 2, 1 };
	struct arr_src src = { cust, 2, 0 };
	assert_int_equal(expect_merge_table(&e, TBL_CUSTOMER, arr_next, &src, NULL, NULL, NULL), -1);
	expect_release(&e);
}

static void test_overlapping_ranges(void **state)
{
	(void)state;
	struct expect e;
	struct phantoms ph = { 0 };
	expect_init(&e);
	/* two loads overlapping and a delete in the middle of both */
	add_line(&e, "1\tload\tok\tn1\t0\t0\t0\t+customer:1-100");
	add_line(&e, "2\tload\tok\tn1\t0\t0\t0\t+customer:50-150");
	add_line(&e, "3\tdelete_customer\tok\tn1\t0\t0\t0\t-customer:60");
	expect_finalize(&e);
	int64_t ids[150];
	size_t n = 0;
	for (int64_t i = 1; i <= 151; i++)
		if (i != 60 && i != 120)
			ids[n++] = i; /* 120 lost, 151 a phantom */
	merge(&e, TBL_CUSTOMER, ids, n, &ph);
	assert_int_equal(txn(&e, 1)->f.n_bad, 0);
	assert_int_equal(txn(&e, 2)->f.n_bad, 1);
	assert_int_equal(txn(&e, 2)->f.bad[0].id, 120);
	assert_int_equal(txn(&e, 3)->f.n_bad, 0);
	assert_int_equal(ph.n, 1);
	assert_int_equal(ph.ids[0], 151);
	expect_release(&e);
}

/* The push cursor the shared scan uses: ids pushed one by one, the end of
 * the table judging every claimed id not seen. */
static void test_cursor_push(void **state)
{
	(void)state;
	struct expect e;
	struct phantoms ph = { 0 };
	struct expect_cursor c;
	expect_init(&e);
	add_line(&e, "1\tload\tok\tn1\t0\t0\t0\t+credit:1-1000");
	add_line(&e, "2\tcredit\tok\tn1\t0\t0\t0\t+credit:5000 ~customer:1");
	expect_cursor_begin(&c, &e, TBL_CREDIT, on_phantom, &ph);
	for (int64_t id = 1; id <= 1000; id++)
		if (id != 500)
			assert_int_equal(expect_cursor_row(&c, id), 0);
	assert_int_equal(expect_cursor_row(&c, 2500), 0); /* a phantom between claims */
	assert_int_equal(expect_cursor_row(&c, 2500), -1); /* not ascending */
	expect_cursor_end(&c);                            /* 5000 never came: lost */
	assert_int_equal(c.rows, 1000);
	assert_int_equal(txn(&e, 1)->f.n_bad, 1);
	assert_int_equal(txn(&e, 1)->f.bad[0].id, 500);
	assert_int_equal(txn(&e, 2)->f.n_bad, 1);
	assert_int_equal(txn(&e, 2)->f.bad[0].id, 5000);
	assert_int_equal(ph.n, 1);
	assert_int_equal(ph.ids[0], 2500);
	expect_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_merge_ranges_and_phantoms),
		cmocka_unit_test(test_merge_deletes),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_merge_unknown_all_or_nothing),
		cmocka_unit_test(test_merge_rejects_unordered),
		cmocka_unit_test(test_overlapping_ranges),
		cmocka_unit_test(test_cursor_push),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
