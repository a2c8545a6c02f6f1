/* Unit tests for the pure parts of the list-append workload (append.h,
 * append_rules.c) and what it added to the shared workload: the journal
 * line (format, parse, round trip, malformed lines), the list text CONCAT
 * builds, the option parsers, the key rotation (alone and under threads),
 * the workload and isolation names, and the bank's journal reader refusing
 * an append journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "append.h"
#include "journal.h"
#include "util.h"
#include "workload.h"

static void set_list(struct append_mop *m, const char *s)
{
	sb_reset(&m->list);
	sb_puts(&m->list, s);
	m->done = true;
}

static void test_format_parse(void **state)
{
	struct append_record r = { 0 }, p = { 0 }, q = { 0 };
	struct strbuf sb = { 0 }, sb2 = { 0 };
	(void)state;
	r.txn = 200595863712563201;
	r.outcome = TXN_UNKNOWN;
	lab_strlcpy(r.node, "10.213.1.11:3306", sizeof(r.node));
	r.start_ns = 620026051161;
	r.end_ns = 620027213071;
	r.err = 2013;
	r.process = 14;
	r.mops[0] = (struct append_mop){ .kind = MOP_APPEND, .key = 7, .value = 200595864249434114 };
	r.mops[1].kind = MOP_READ;
	r.mops[1].key = 3;
	set_list(&r.mops[1], "5,200595864249434114,9");
	r.mops[2].kind = MOP_READ;
	r.mops[2].key = 1;
	set_list(&r.mops[2], ""); /* empty list */
	r.mops[3].kind = MOP_READ;
	r.mops[3].key = 2; /* not done: '?' */
	r.n_mops = 4;
	append_journal_format(&r, &sb);
	assert_string_equal(sb.buf, "200595863712563201\tappend\tunknown\t10.213.1.11:3306\t620026051161\t"
				    "620027213071\t2013\t14\ta:7:200595864249434114 "
				    "r:3:5,200595864249434114,9 r:1: r:2:?\n");
	sb.buf[--sb.len] = '\0';
	assert_int_equal(append_journal_parse_line(sb.buf, &p), 0);
	assert_int_equal(p.txn, r.txn);
	assert_int_equal(p.outcome, TXN_UNKNOWN);
	assert_string_equal(p.node, "10.213.1.11:3306");
	assert_int_equal(p.start_ns, r.start_ns);
	assert_int_equal(p.end_ns, r.end_ns);
	assert_int_equal(p.err, 2013);
	assert_int_equal(p.process, 14);
	assert_int_equal(p.n_mops, 4);
	assert_int_equal(p.mops[0].kind, MOP_APPEND);
	assert_int_equal(p.mops[0].key, 7);
	assert_int_equal(p.mops[0].value, 200595864249434114);
	assert_true(p.mops[1].done);
	assert_string_equal(p.mops[1].list.buf, "5,200595864249434114,9");
	assert_true(p.mops[2].done);
	assert_int_equal(p.mops[2].list.len, 0);
	assert_false(p.mops[3].done);
	/* and back: the same line */
	append_journal_format(&p, &sb2);
	sb2.buf[--sb2.len] = '\0';
	assert_string_equal(sb.buf, sb2.buf);
	/* the MOPS field alone */
	sb_reset(&sb);
	append_mops_format(r.mops, 2, &sb);
	assert_string_equal(sb.buf, "a:7:200595864249434114 r:3:5,200595864249434114,9");
	/* a parse reuses the record */
	assert_int_equal(append_journal_parse_line("1\tappend\tok\th:1\t1\t2\t0\t0\tr:9:4", &p), 0);
	assert_int_equal(p.n_mops, 1);
	assert_string_equal(p.mops[0].list.buf, "4");
	/* header */
	sb_reset(&sb);
	append_journal_header(&sb, 42, 1796416143.7);
	assert_string_equal(sb.buf, "# lab-journal 1 workload=append seed=42 started=1796416143\n");
	append_record_release(&r);
	append_record_release(&p);
	append_record_release(&q);
	sb_release(&sb);
	sb_release(&sb2);
}

static void test_malformed(void **state)
{
	struct append_record p = { 0 };
	(void)state;
	static const char *const bad[] = {
		"1\tappend\tok\th:1\t1\t2\t0\ta:1:2",             /* 8 fields */
		"1\tappend\tok\th:1\t1\t2\t0\t0\ta:1:2\tx",       /* 10 fields */
		"1\tcredit\tok\th:1\t1\t2\t0\t0\ta:1:2",          /* kind */
		"1\tappend\tmaybe\th:1\t1\t2\t0\t0\ta:1:2",       /* outcome */
		"1\tappend\tok\t\t1\t2\t0\t0\ta:1:2",             /* node */
		"x\tappend\tok\th:1\t1\t2\t0\t0\ta:1:2",          /* txn */
		"1\tappend\tok\th:1\t1\t2\t0\t-1\ta:1:2",         /* process */
		"1\tappend\tok\th:1\t1\t2\t0\t0\t",               /* no mops */
		"1\tappend\tok\th:1\t1\t2\t0\t0\tw:1:2",          /* mop kind */
		"1\tappend\tok\th:1\t1\t2\t0\t0\ta:1:",           /* append without value */
		"1\tappend\tok\th:1\t1\t2\t0\t0\ta:x:2",          /* key */
		"1\tappend\tok\th:1\t1\t2\t0\t0\tr:1:1,,2",       /* list */
		"1\tappend\tok\th:1\t1\t2\t0\t0\tr:1:1,",         /* list */
		"1\tappend\tok\th:1\t1\t2\t0\t0\tr:1:?x",         /* list */
		"1\tappend\tok\th:1\t1\t2\t0\t0\ta:1:2 ",         /* trailing space */
		"1\tappend\tok\th:1\t1\t2\t0\t0\ta:1:2  r:1:",    /* double space */
		"1\tappend\tok\th:1\t1\t2\tx\t0\ta:1:2",          /* errno */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (append_journal_parse_line(bad[i], &p) != -1)
			fail_msg("parsed: %s", bad[i]);
	}
	/* 17 micro-operations are too many */
	{
		struct strbuf sb = { 0 };
		sb_puts(&sb, "1\tappend\tok\th:1\t1\t2\t0\t0\ta:1:1");
		for (int i = 0; i < APPEND_MAX_OPS; i++)
			sb_puts(&sb, " r:1:");
		assert_int_equal(append_journal_parse_line(sb.buf, &p), -1);
		sb_release(&sb);
	}
	append_record_release(&p);
}

static void test_list_parse(void **state)
{
	int64_t *v;
	size_t n;
	(void)state;
	assert_int_equal(append_list_parse("", 0, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_int_equal(append_list_parse("42", 2, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 42);
	free(v);
	const char *s = "200595864249434114,3,9223372036854775807";
	assert_int_equal(append_list_parse(s, strlen(s), &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], 200595864249434114);
	assert_int_equal(v[1], 3);
	assert_int_equal(v[2], INT64_MAX);
	free(v);
	/* only the given length counts (a server's value is not NUL-bound) */
	assert_int_equal(append_list_parse("1,2,junk", 3, &v, &n), 0);
	assert_int_equal(n, 2);
	free(v);
	static const char *const bad[] = { ",", "1,", ",1", "1,,2", "a", "1 2", "1;2",
					   "9223372036854775808", "1,2x" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = (int64_t *)1;
		if (append_list_parse(bad[i], strlen(bad[i]), &v, &n) != -1)
			fail_msg("parsed list: %s", bad[i]);
		assert_null(v);
	}
}

static void test_options(void **state)
{
	int lo = 0, hi = 0;
	double r = -1;
	enum wl_isolation iso;
	(void)state;
	lab_quiet = true;
	assert_int_equal(append_ops_range_parse("1..4", &lo, &hi), 0);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 4);
	assert_int_equal(append_ops_range_parse("3", &lo, &hi), 0);
	assert_int_equal(lo, 3);
	assert_int_equal(hi, 3);
	assert_int_equal(append_ops_range_parse("2..2", &lo, &hi), 0);
	static const char *const bad_ranges[] = { "0..3", "4..1", "1..17", "x", "", "1..", "..4", "1...4", "-1" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_ranges); i++)
		if (append_ops_range_parse(bad_ranges[i], &lo, &hi) != -1)
			fail_msg("parsed range: %s", bad_ranges[i]);
	assert_int_equal(lo, 2);
	assert_int_equal(append_ratio_parse("0", &r), 0);
	assert_true(r == 0);
	assert_int_equal(append_ratio_parse("1", &r), 0);
	assert_true(r == 1);
	assert_int_equal(append_ratio_parse("0.25", &r), 0);
	assert_true(r == 0.25);
	static const char *const bad_ratios[] = { "1.5", "-0.1", "x", "", "nan", "0.5x", "inf" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_ratios); i++)
		if (append_ratio_parse(bad_ratios[i], &r) != -1)
			fail_msg("parsed ratio: %s", bad_ratios[i]);
	assert_true(r == 0.25);

	assert_int_equal(workload_isolation_parse("serializable", &iso), 0);
	assert_int_equal(iso, WL_ISO_SERIALIZABLE);
	assert_string_equal(workload_isolation_sql(iso), "SERIALIZABLE");
	assert_int_equal(workload_isolation_parse("repeatable-read", &iso), 0);
	assert_int_equal(iso, WL_ISO_REPEATABLE_READ);
	assert_string_equal(workload_isolation_sql(iso), "REPEATABLE READ");
	assert_int_equal(workload_isolation_parse("READ_COMMITTED", &iso), 0);
	assert_int_equal(iso, WL_ISO_READ_COMMITTED);
	assert_int_equal(workload_isolation_parse("read uncommitted", &iso), 0);
	assert_int_equal(iso, WL_ISO_READ_UNCOMMITTED);
	assert_int_equal(workload_isolation_parse("server", &iso), 0);
	assert_null(workload_isolation_sql(iso));
	assert_int_equal(workload_isolation_parse("snapshot", &iso), -1);
	assert_int_equal(workload_isolation_parse("", &iso), -1);

	assert_true(workload_known("bank"));
	assert_true(workload_known("append"));
	assert_true(workload_known(NULL)); /* the bank */
	assert_false(workload_known("register"));
	assert_string_equal(workload_names(), "bank|append");

	struct workload_opts o;
	workload_opts_defaults(&o);
	assert_string_equal(o.workload, "bank");
	assert_int_equal(o.sync_wait, -1);
	assert_int_equal(o.isolation, WL_ISO_SERVER);
	assert_int_equal(o.append.keys, 8);
	assert_int_equal(o.append.ops_min, 1);
	assert_int_equal(o.append.ops_max, 4);
	assert_true(o.append.read_ratio == 0.5);
	assert_int_equal(o.append.appends_per_key, 32);
}

static void test_key_rotation(void **state)
{
	struct append_keys k;
	(void)state;
	append_keys_init(&k, 2, 3, 100);
	assert_int_equal(append_keys_for_read(&k, 0), 100);
	assert_int_equal(append_keys_for_read(&k, 1), 101);
	assert_int_equal(append_keys_for_read(&k, 3), 101); /* modulo n */
	/* three appends on key 100, the third retires it: slot 0 moves to 102 */
	assert_int_equal(append_keys_for_append(&k, 0), 100);
	assert_int_equal(append_keys_for_append(&k, 0), 100);
	assert_int_equal(append_keys_for_read(&k, 0), 100);
	assert_int_equal(append_keys_for_append(&k, 0), 100);
	assert_int_equal(append_keys_for_read(&k, 0), 102);
	assert_int_equal(append_keys_for_append(&k, 1), 101);
	assert_int_equal(append_keys_for_append(&k, 0), 102);
	assert_int_equal(append_keys_for_append(&k, 1), 101);
	assert_int_equal(append_keys_for_append(&k, 1), 101);
	assert_int_equal(append_keys_for_read(&k, 1), 103);
	append_keys_release(&k);
	/* one append per key: every append gets a fresh key */
	append_keys_init(&k, 1, 1, 1);
	for (int64_t i = 1; i <= 5; i++)
		assert_int_equal(append_keys_for_append(&k, 0), i);
	append_keys_release(&k);
}

#define ROT_THREADS 4
#define ROT_APPENDS 20000
#define ROT_MAX 7
struct rot_arg {
	struct append_keys *k;
	int64_t *keys;
	unsigned seed;
};

static void *rot_main(void *p)
{
	struct rot_arg *a = p;
	struct lab_rng rng;
	rng_init(&rng, 1, a->seed);
	for (int i = 0; i < ROT_APPENDS; i++)
		a->keys[i] = append_keys_for_append(a->k, (size_t)rng_range(&rng, 0, 2));
	return NULL;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

/* Under threads every key gets at most ROT_MAX appends; every retired key
 * exactly ROT_MAX (a fresh key lost to a CAS race is never used). */
static void test_key_rotation_threads(void **state)
{
	struct append_keys k;
	pthread_t t[ROT_THREADS];
	struct rot_arg a[ROT_THREADS];
	int64_t *all = calloc((size_t)ROT_THREADS * ROT_APPENDS, sizeof(*all));
	size_t n = (size_t)ROT_THREADS * ROT_APPENDS, i = 0;
	int64_t active[3];
	(void)state;
	append_keys_init(&k, 3, ROT_MAX, 1);
	for (int j = 0; j < ROT_THREADS; j++) {
		a[j] = (struct rot_arg){ .k = &k, .keys = all + (size_t)j * ROT_APPENDS, .seed = (unsigned)j };
		assert_int_equal(pthread_create(&t[j], NULL, rot_main, &a[j]), 0);
	}
	for (int j = 0; j < ROT_THREADS; j++)
		pthread_join(t[j], NULL);
	for (int j = 0; j < 3; j++)
		active[j] = append_keys_for_read(&k, (size_t)j);
	qsort(all, n, sizeof(*all), cmp_i64);
	while (i < n) {
		size_t j = i;
		while (j < n && all[j] == all[i])
			j++;
		bool is_active = all[i] == active[0] || all[i] == active[1] || all[i] == active[2];
		if (is_active)
			assert_true(j - i < ROT_MAX);
		else if (j - i != ROT_MAX)
			fail_msg("key %lld got %zu appends", (long long)all[i], j - i);
		i = j;
	}
	append_keys_release(&k);
	free(all);
}

static void test_bank_reader_refuses(void **state)
{
	char path[] = "/tmp/lab-append-journal-test-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "# lab-journal 1 workload=append seed=1 started=1796416143\n"
			   "1\tappend\tok\th:1\t1\t2\t0\t0\ta:1:2\n";
	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	lab_quiet = true;
	assert_null(journal_open(path));
	assert_non_null(strstr(lab_last_error(), "an append journal, not a bank journal"));
	unlink(path);
}

static void test_bank_audit(void **state)
{
	struct workload_mix m;
	struct txn_record r;
	enum txn_kind k;
	char line[256];
	char path[] = "/tmp/lab-audit-journal-test-XXXXXX";
	int fd = mkstemp(path);
	(void)state;
	assert_int_equal(workload_mix_parse("credit=1,audit=2", &m), 0);
	assert_int_equal(m.audit, 2);
	assert_int_equal(workload_mix_total(&m), 3);
	assert_int_equal(workload_mix_pick(&m, 0), TXN_CREDIT);
	assert_int_equal(workload_mix_pick(&m, 1), TXN_AUDIT);
	assert_int_equal(workload_mix_pick(&m, 2), TXN_AUDIT);
	assert_int_equal(workload_mix_parse("audit=1", &m), 0);
	assert_int_equal(workload_mix_pick(&m, 0), TXN_AUDIT);
	assert_int_equal(txn_kind_parse("audit", &k), 0);
	assert_int_equal(k, TXN_AUDIT);
	assert_string_equal(txn_kind_name(TXN_AUDIT), "audit");
	/* the default mix has no audits */
	struct workload_opts o;
	workload_opts_defaults(&o);
	assert_int_equal(o.mix.audit, 0);
	/* an audit line, with its read-skew comment before it, reads back */
	txn_record_init(&r);
	r.txn = 9;
	r.kind = TXN_AUDIT;
	r.outcome = TXN_OK;
	lab_strlcpy(r.node, "h:1", sizeof(r.node));
	r.start_ns = 1;
	r.end_ns = 2;
	assert_true(journal_format(&r, line, sizeof(line)) > 0);
	assert_string_equal(line, "9\taudit\tok\th:1\t1\t2\t0\t-\n");
	assert_true(fd >= 0);
	const char *head = "# lab-journal 1 seed=1 started=1796416143.000\n"
			   "# read-skew 9 customer=10 ledger=7 diff=3 negative=0\n";
	assert_int_equal(write(fd, head, strlen(head)), (ssize_t)strlen(head));
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
	struct journal_reader *jr = journal_open(path);
	assert_non_null(jr);
	txn_record_reset(&r);
	assert_int_equal(journal_next(jr, &r), 1);
	assert_int_equal(r.txn, 9);
	assert_int_equal(r.kind, TXN_AUDIT);
	assert_int_equal(r.n_rows, 0);
	assert_int_equal(journal_next(jr, &r), 0);
	journal_reader_free(jr);
	txn_record_release(&r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_list_parse),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_key_rotation_threads),
		cmocka_unit_test(test_bank_reader_refuses),
		cmocka_unit_test(test_bank_audit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
