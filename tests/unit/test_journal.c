/* Unit tests for workloads/journal.c: format, parse, round trip through a
 * file with the threaded writer, and a journal cut short by a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "util.h"

static void test_format_parse(void **state)
{
	struct txn_record r, p;
	char line[512];
	(void)state;
	txn_record_init(&r);
	txn_record_init(&p);
	r.txn = 77;
	r.kind = TXN_PURCHASE;
	r.outcome = TXN_UNKNOWN;
	strcpy(r.node, "10.213.1.11:3306");
	r.start_ns = 100;
	r.end_ns = 250;
	r.err = 2013;
	txn_add_row(&r, ROW_INSERT, TBL_PURCHASE, 5000, 5000);
	txn_add_row(&r, ROW_INSERT, TBL_PURCHASE_ITEM, 6000, 6002);
	txn_add_row(&r, ROW_UPDATE, TBL_CUSTOMER, 17, 17);
	int n = journal_format(&r, line, sizeof(line));
	assert_true(n > 0);
	assert_string_equal(line, "77\tpurchase\tunknown\t10.213.1.11:3306\t100\t250\t2013\t"
				  "+purchase:5000 +purchase_item:6000-6002 ~customer:17\n");
	line[n - 1] = '\0';
	assert_int_equal(journal_parse_line(line, &p), 0);
	assert_int_equal(p.txn, 77);
	assert_int_equal(p.kind, TXN_PURCHASE);
	assert_int_equal(p.outcome, TXN_UNKNOWN);
	assert_string_equal(p.node, "10.213.1.11:3306");
	assert_int_equal(p.err, 2013);
	assert_int_equal(p.n_rows, 3);
	assert_int_equal(p.rows[1].table, TBL_PURCHASE_ITEM);
	assert_int_equal(p.rows[1].first, 6000);
	assert_int_equal(p.rows[1].last, 6002);
	assert_int_equal(p.rows[2].op, ROW_UPDATE);
	txn_record_release(&r);
	txn_record_release(&p);
}

static void test_malformed(void **state)
{
	struct txn_record p;
	(void)state;
	txn_record_init(&p);
	const char *bad[] = {
		"1\tcredit\tok\tn\t1\t2\t0",                 /* 7 fields */
		"1\tcredt\tok\tn\t1\t2\t0\t-",               /* kind */
		"1\tcredit\tmaybe\tn\t1\t2\t0\t-",           /* outcome */
		"1\tcredit\tok\tn\t1\t2\t0\t+cust:1",        /* table */
		"1\tcredit\tok\tn\t1\t2\t0\t*credit:1",      /* op */
		"1\tcredit\tok\tn\t1\t2\t0\t+credit:9-3",    /* range */
		"x\tcredit\tok\tn\t1\t2\t0\t-",              /* id */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char buf[128];
		strcpy(buf, bad[i]);
		assert_int_equal(journal_parse_line(buf, &p), -1);
	}
	txn_record_release(&p);
}

static void test_writer_reader(void **state)
{
	char path[] = "/tmp/lab-journal-test-XXXXXX";
	int fd = mkstemp(path);
	(void)state;
	assert_true(fd >= 0);
	close(fd);
	struct journal_writer *w = journal_create(path, 1234, 10);
	assert_non_null(w);
	struct txn_record r;
	txn_record_init(&r);
	for (int i = 0; i < 5000; i++) {
		txn_record_reset(&r);
		r.txn = i;
		r.kind = (enum txn_kind)(i % TXN_KIND_COUNT);
		r.outcome = (enum txn_outcome)(i % TXN_OUTCOME_COUNT);
		snprintf(r.node, sizeof(r.node), "h%d:3306", i % 3);
		r.start_ns = i;
		r.end_ns = i + 1;
		txn_add_row(&r, ROW_INSERT, TBL_CREDIT, 100000 + i, 100000 + i);
		journal_append(w, &r);
	}
	/* a big record goes through the heap path */
	txn_record_reset(&r);
	r.txn = 99999;
	r.kind = TXN_DELETE_CUSTOMER;
	for (int i = 0; i < 500; i++)
		txn_add_row(&r, ROW_DELETE, TBL_CREDIT, 1000000000LL + i * 2, 1000000000LL + i * 2);
	journal_append(w, &r);
	assert_int_equal(journal_close(w), 0);

	/* append a partial line, as a crash mid-write would leave */
	FILE *f = fopen(path, "a");
	fputs("5001\tcredit\tok\th", f);
	fclose(f);

	struct journal_reader *jr = journal_open(path);
	assert_non_null(jr);
	assert_int_equal(journal_seed(jr), 1234);
	int count = 0, rc;
	while ((rc = journal_next(jr, &r)) == 1) {
		if (r.txn == 99999) {
			assert_int_equal(r.n_rows, 500);
		} else {
			assert_int_equal(r.txn, count);
			assert_int_equal(r.rows[0].first, 100000 + count);
		}
		count++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(count, 5001);
	journal_reader_free(jr);
	txn_record_release(&r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_writer_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
