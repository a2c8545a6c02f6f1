/* Unit tests for history/: small histories of each anomaly class, in each
 * input format (Jepsen JSON array and lines, EDN, lab's journal), checked
 * for the exact anomaly types Elle would report, the models ruled out, and
 * the content of the explanation a DBA reads; and the readers' errors
 * ("FILE:LINE: what is wrong") on malformed, oversized and too deep input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "util.h"

static int check_text(const char *text, const struct history_opts *o, struct history_result *r)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(f);
	int rc = history_check_stream(f, "h.json", o, r);
	fclose(f);
	return rc;
}

/* The types found, comma-separated, e.g. "G1a,dirty-update". */
static char *types_of(const struct history_result *r)
{
	struct strbuf sb = { 0 };
	for (size_t i = 0; i < r->n_types; i++)
		sb_printf(&sb, "%s%s", i ? "," : "", r->types[i]);
	return sb_detach(&sb);
}

static const char *explanation_of(const struct history_result *r, const char *type)
{
	for (size_t i = 0; i < r->n_anomalies; i++)
		if (strcmp(r->anomalies[i].type, type) == 0)
			return r->anomalies[i].explanation;
	return "";
}

static void expect_types(const char *text, const struct history_opts *o, const char *want,
			 enum history_validity valid, struct history_result *r)
{
	struct history_opts def;
	if (!o) {
		history_opts_init(&def);
		o = &def;
	}
	assert_int_equal(check_text(text, o, r), 0);
	char *got = types_of(r);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(r->valid, valid);
}

static void expect_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in:\n%s", needle, hay);
}

static bool has_model(char **v, size_t n, const char *m)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], m) == 0)
			return true;
	return false;
}

/* ---- JSON ---- */

static void test_valid_history(void **state)
{
	(void)state;
	struct history_result r;
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1]]},\n"
		     " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"r\",1,null],[\"append\",2,5]]},\n"
		     " {\"type\":\"ok\",\"process\":1,\"value\":[[\"r\",1,[1]],[\"append\",2,5]]},\n"
		     " {\"type\":\"invoke\",\"process\":0,\"value\":[[\"r\",2,null]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"r\",2,[5]]]}]\n",
		     NULL, "", HISTORY_VALID, &r);
	assert_int_equal(r.n_txns, 3);
	assert_int_equal(r.n_ok, 3);
	assert_int_equal(r.workload, HISTORY_WL_LIST_APPEND);
	assert_int_equal(r.n_not, 0);
	history_result_release(&r);
}

static void test_g1a_and_dirty_update(void **state)
{
	(void)state;
	struct history_result r;
	/* JSON lines: one op per line */
	expect_types("{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1]]}\n"
		     "{\"type\":\"fail\",\"process\":0,\"value\":[[\"append\",1,1]]}\n"
		     "{\"type\":\"invoke\",\"process\":1,\"value\":[[\"append\",1,2]]}\n"
		     "{\"type\":\"ok\",\"process\":1,\"value\":[[\"append\",1,2]]}\n"
		     "{\"type\":\"invoke\",\"process\":2,\"value\":[[\"r\",1,null]]}\n"
		     "{\"type\":\"ok\",\"process\":2,\"value\":[[\"r\",1,[1,2]]]}\n",
		     NULL, "G1a,dirty-update", HISTORY_INVALID, &r);
	expect_contains(explanation_of(&r, "G1a"), "read 1 in key 1, appended by the failed T1");
	expect_contains(explanation_of(&r, "dirty-update"), "the committed T3");
	assert_true(has_model(r.not_models, r.n_not, "read-committed"));
	assert_true(has_model(r.also_not_models, r.n_also_not, "serializable"));
	history_result_release(&r);
}

static const char *g0_history =
	"[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1],[\"append\",2,1]]},\n"
	" {\"type\":\"invoke\",\"process\":1,\"value\":[[\"append\",1,2],[\"append\",2,2]]},\n"
	" {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1],[\"append\",2,1]]},\n"
	" {\"type\":\"ok\",\"process\":1,\"value\":[[\"append\",1,2],[\"append\",2,2]]},\n"
	" {\"type\":\"invoke\",\"process\":0,\"value\":[[\"r\",1,null],[\"r\",2,null]]},\n"
	" {\"type\":\"ok\",\"process\":0,\"value\":[[\"r\",1,[1,2]],[\"r\",2,[2,1]]]}]\n";

static void test_g0(void **state)
{
	(void)state;
	struct history_result r;
	expect_types(g0_history, NULL, "G0", HISTORY_INVALID, &r);
	const char *e = explanation_of(&r, "G0");
	expect_contains(e, "G0: a cycle of 2 transactions");
	expect_contains(e, "(ww): T3 appended 2 after T2 appended 1 to key 1");
	expect_contains(e, "(ww): T2 appended 1 after T3 appended 2 to key 2");
	assert_int_equal(r.n_not, 1);
	assert_string_equal(r.not_models[0], "read-uncommitted");
	history_result_release(&r);
}

static void test_g1b_edn(void **state)
{
	(void)state;
	struct history_result r;
	expect_types("{:type :invoke, :process 0, :value [[:append :x 1] [:append :x 2]], :index 0}\n"
		     "{:type :ok, :process 0, :value [[:append :x 1] [:append :x 2]], :index 1}\n"
		     "; a comment\n"
		     "{:type :invoke, :process 1, :value [[:r :x nil]], :index 2}\n"
		     "{:type :ok, :process 1, :value [[:r :x [1]]], :index 3}\n",
		     NULL, "G-single-item,G1b", HISTORY_INVALID, &r);
	expect_contains(explanation_of(&r, "G1b"), "read key x ending in 1, which T1");
	/* T3 saw [1] but not T1's later 2: rw T3 -> T1 closes a cycle with wr T1 -> T3 */
	expect_contains(explanation_of(&r, "G-single-item"), "T3 read key x up to 1 and did not observe T1's append of 2");
	history_result_release(&r);
}

static void test_g1c(void **state)
{
	(void)state;
	struct history_result r;
	/* each txn reads the other's append */
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1],[\"r\",2,null]]},\n"
		     " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"append\",2,1],[\"r\",1,null]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1],[\"r\",2,[1]]]},\n"
		     " {\"type\":\"ok\",\"process\":1,\"value\":[[\"append\",2,1],[\"r\",1,[1]]]}]\n",
		     NULL, "G1c", HISTORY_INVALID, &r);
	const char *e = explanation_of(&r, "G1c");
	expect_contains(e, "(wr): T2 observed T3's append of 1 to key 2");
	expect_contains(e, "(wr): T3 observed T2's append of 1 to key 1");
	history_result_release(&r);
}

static void test_g_single_item_and_realtime(void **state)
{
	(void)state;
	struct history_result r;
	/* T1 appends x=1 and y=1 concurrently with T2 which reads x=[1], y=[]:
	 * rw T2->T1 (y) and wr T1->T2 (x): G-single-item */
	const char *h = "[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1],[\"append\",2,1]]},\n"
			" {\"type\":\"invoke\",\"process\":1,\"value\":[[\"r\",1,null],[\"r\",2,null]]},\n"
			" {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1],[\"append\",2,1]]},\n"
			" {\"type\":\"ok\",\"process\":1,\"value\":[[\"r\",1,[1]],[\"r\",2,[]]]}]\n";
	expect_types(h, NULL, "G-single-item", HISTORY_INVALID, &r);
	expect_contains(explanation_of(&r, "G-single-item"),
			"observed the initial (empty) state of key 2 and did not observe T2's append of 1");
	assert_true(has_model(r.not_models, r.n_not, "consistent-view"));
	history_result_release(&r);
	/* a stale read after the write completed: only real time closes the cycle */
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1]]},\n"
		     " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"r\",1,null]]},\n"
		     " {\"type\":\"ok\",\"process\":1,\"value\":[[\"r\",1,[]]]}]\n",
		     NULL, "G-single-item-realtime", HISTORY_INVALID, &r);
	expect_contains(explanation_of(&r, "G-single-item-realtime"), "(realtime): T1 completed (at 1) before T3");
	history_result_release(&r);
}

static void test_g2_item_and_models(void **state)
{
	(void)state;
	struct history_result r;
	struct history_opts o;
	history_opts_init(&o);
	o.models[o.n_models++] = "serializable";
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1],[\"r\",2,null]]},\n"
		     " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"append\",2,1],[\"r\",1,null]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1],[\"r\",2,[]]]},\n"
		     " {\"type\":\"ok\",\"process\":1,\"value\":[[\"append\",2,1],[\"r\",1,[]]]}]\n",
		     &o, "G2-item", HISTORY_INVALID, &r);
	assert_int_equal(r.n_not, 1);
	assert_string_equal(r.not_models[0], "repeatable-read");
	history_result_release(&r);
	/* snapshot isolation allows write skew: not a finding, still reported as a note */
	o.models[0] = "snapshot-isolation";
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1],[\"r\",2,null]]},\n"
		     " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"append\",2,1],[\"r\",1,null]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1],[\"r\",2,[]]]},\n"
		     " {\"type\":\"ok\",\"process\":1,\"value\":[[\"append\",2,1],[\"r\",1,[]]]}]\n",
		     &o, "", HISTORY_VALID, &r);
	assert_int_equal(r.n_notes, 1);
	assert_string_equal(r.note_types[0], "G2-item");
	history_result_release(&r);
}

static void test_lost_update_internal_future(void **state)
{
	(void)state;
	struct history_result r;
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,0]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,0]]},\n"
		     " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"r\",1,null],[\"append\",1,1]]},\n"
		     " {\"type\":\"invoke\",\"process\":2,\"value\":[[\"r\",1,null],[\"append\",1,2]]},\n"
		     " {\"type\":\"ok\",\"process\":1,\"value\":[[\"r\",1,[0]],[\"append\",1,1]]},\n"
		     " {\"type\":\"ok\",\"process\":2,\"value\":[[\"r\",1,[0]],[\"append\",1,2]]}]\n",
		     NULL, "G2-item,lost-update", HISTORY_INVALID, &r);
	expect_contains(explanation_of(&r, "lost-update"), "2 transactions read the same state of key 1");
	assert_true(has_model(r.not_models, r.n_not, "cursor-stability"));
	history_result_release(&r);
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1],[\"r\",1,null]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1],[\"r\",1,[2]]]}]\n",
		     NULL, "empty-transaction-graph,internal", HISTORY_INVALID, &r);
	expect_contains(explanation_of(&r, "internal"), "read key 1 as [2] but its own earlier reads and appends say it must be [... 1] (ending with its own appends)");
	history_result_release(&r);
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"r\",1,null],[\"append\",1,1]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"r\",1,[1]],[\"append\",1,1]]}]\n",
		     NULL, "empty-transaction-graph,future-read", HISTORY_INVALID, &r);
	history_result_release(&r);
}

static void test_duplicates_incompatible(void **state)
{
	(void)state;
	struct history_result r;
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1]]},\n"
		     " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"r\",1,null]]},\n"
		     " {\"type\":\"ok\",\"process\":1,\"value\":[[\"r\",1,[1,1]]]}]\n",
		     NULL, "duplicate-elements", HISTORY_INVALID, &r);
	history_result_release(&r);
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1],[\"append\",1,2]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1],[\"append\",1,2]]},\n"
		     " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"append\",1,3]]},\n"
		     " {\"type\":\"ok\",\"process\":1,\"value\":[[\"append\",1,3]]},\n"
		     " {\"type\":\"invoke\",\"process\":2,\"value\":[[\"r\",1,null]]},\n"
		     " {\"type\":\"ok\",\"process\":2,\"value\":[[\"r\",1,[1,3]]]},\n"
		     " {\"type\":\"invoke\",\"process\":2,\"value\":[[\"r\",1,null]]},\n"
		     " {\"type\":\"ok\",\"process\":2,\"value\":[[\"r\",1,[1,2,3]]]}]\n",
		     NULL, "incompatible-order", HISTORY_INVALID, &r);
	expect_contains(explanation_of(&r, "incompatible-order"), "[1 3] in T5");
	history_result_release(&r);
}

static void test_process_variant_and_edn_forms(void **state)
{
	(void)state;
	struct history_result r;
	struct history_opts o;
	history_opts_init(&o);
	/* under strong-session-serializable lab uses process order (not real
	 * time): a process that does not read its own append */
	o.models[o.n_models++] = "strong-session-serializable";
	expect_types("{:type :invoke, :f :txn, :process 0, :value [[:append 1 1]], :time 10}\n"
		     "{:type :ok, :f :txn, :process 0, :value [[:append 1 1] #_ [:r 2 nil]], :time 20}\n"
		     "{:type :invoke, :f :txn, :process 0, :value #{[:r 1 nil]}, :meta #inst \"2026-01-01\"}\n"
		     "{:type :ok, :f :txn, :process 0, :value ([:r 1 []])}\n"
		     "{:type :info, :f :kill, :process :nemesis, :value nil}\n",
		     &o, "G-single-item-process", HISTORY_INVALID, &r);
	const char *e = explanation_of(&r, "G-single-item-process");
	expect_contains(e, "(process): T1 and T3 ran on process 0, T1 first");
	assert_int_equal(r.n_not, 1);
	assert_string_equal(r.not_models[0], "strong-session-snapshot-isolation");
	history_result_release(&r);
}

/* ---- rw-register ---- */

static void test_register(void **state)
{
	(void)state;
	struct history_result r;
	struct history_opts o;
	history_opts_init(&o);
	expect_types("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"r\",\"x\",null],[\"w\",\"y\",1]]},\n"
		     " {\"type\":\"ok\",\"process\":0,\"value\":[[\"r\",\"x\",null],[\"w\",\"y\",1]]},\n"
		     " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"r\",\"y\",null],[\"w\",\"x\",1]]},\n"
		     " {\"type\":\"ok\",\"process\":1,\"value\":[[\"r\",\"y\",null],[\"w\",\"x\",1]]}]\n",
		     NULL, "G2-item,strong-snapshot-isolation-cycle-exists", HISTORY_INVALID, &r);
	assert_int_equal(r.workload, HISTORY_WL_RW_REGISTER);
	expect_contains(explanation_of(&r, "G2-item"), "read key x as nil (the initial state) and did not observe T3's later write of 1");
	history_result_release(&r);
	/* a read of 2 that nobody wrote: garbage, a finding only when asked */
	const char *garbage = "[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"w\",\"x\",1]]},\n"
			      " {\"type\":\"ok\",\"process\":0,\"value\":[[\"w\",\"x\",1]]},\n"
			      " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"r\",\"x\",null]]},\n"
			      " {\"type\":\"ok\",\"process\":1,\"value\":[[\"r\",\"x\",2]]},\n"
			      " {\"type\":\"invoke\",\"process\":0,\"value\":[[\"r\",\"x\",null]]},\n"
			      " {\"type\":\"ok\",\"process\":0,\"value\":[[\"r\",\"x\",1]]}]\n";
	expect_types(garbage, &o, "", HISTORY_VALID, &r);
	assert_int_equal(r.n_notes, 1);
	expect_contains(explanation_of(&r, "garbage-versions"), "read 2 in key x, a value no transaction ever wrote");
	history_result_release(&r);
	o.anomalies[o.n_anomalies++] = "garbage-versions";
	o.linearizable_keys = true;
	expect_types(garbage, &o, "cyclic-versions,garbage-versions", HISTORY_INVALID, &r);
	expect_contains(explanation_of(&r, "cyclic-versions"), "the version order of key x has a cycle");
	history_result_release(&r);
}

/* ---- lab journal ---- */

static void test_journal(void **state)
{
	(void)state;
	struct history_result r;
	/* lines in completion order; txn 2 is unknown and its process continues
	 * as process 5; the last line is cut by a crash */
	expect_types("# lab-journal 1 workload=append seed=7 started=1790000000\n"
		     "1\tappend\tok\t127.0.0.1:3306\t100\t200\t0\t0\ta:1:1 a:2:1\n"
		     "3\tappend\tok\t127.0.0.1:3306\t150\t400\t0\t1\tr:1:1 r:2:\n"
		     "2\tappend\tunknown\t127.0.0.1:3306\t210\t300\t2013\t0\ta:3:9 r:3:?\n"
		     "4\tappend\tfailed\t127.0.0.1:3306\t310\t320\t1213\t5\ta:3:10\n"
		     "5\tappend\tok\t127.0.0.1:33",
		     NULL, "G-single-item", HISTORY_INVALID, &r);
	assert_int_equal(r.n_txns, 4);
	assert_int_equal(r.n_info, 1);
	assert_int_equal(r.n_fail, 1);
	expect_contains(explanation_of(&r, "G-single-item"), "T3 observed the initial (empty) state of key 2");
	history_result_release(&r);
	/* a journal with a realtime-only stale read: the 'unknown' txn never counts as complete */
	expect_types("# lab-journal 1 workload=append seed=7 started=1790000000\n"
		     "1\tappend\tok\tn:1\t100\t200\t0\t0\ta:1:1\n"
		     "2\tappend\tok\tn:1\t300\t400\t0\t1\tr:1:\n",
		     NULL, "G-single-item-realtime", HISTORY_INVALID, &r);
	history_result_release(&r);
}

/* ---- bad input ---- */

static void expect_bad(const char *text, const char *msg)
{
	struct history_opts o;
	struct history_result r;
	history_opts_init(&o);
	lab_clear_error();
	assert_int_equal(check_text(text, &o, &r), -1);
	expect_contains(lab_last_error(), msg);
	history_result_release(&r);
}

static void test_bad_input(void **state)
{
	(void)state;
	expect_bad("[{\"type\":\"invoke\",\"process\":0,\"value\":[]},\n"
		   " {\"process\":0,\"value\":[]},\n"
		   " {\"process\":1,\"value\":[]}]\n",
		   "h.json:2: op has no :type");
	expect_bad("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,\"x\"]]}]",
		   "h.json:1: micro-op 0 writes a value that is not an integer");
	expect_bad("garbage\n", "h.json:1: not a history");
	expect_bad("[{\"type\":\"invoke\",\"process\":0,\"value\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}]",
		   "h.json:1: op is nested deeper than 32 levels (the limit)");
	expect_bad("[{\"type\":\"invoke\",\"process\":0,\"value\":[]},\n{\"type\":\"ok\",\"process\":0,\"value\":[]}",
		   "h.json:2: the top-level array is not closed");
	expect_bad("{:type :invoke :process 0 :value [[:append 1 2]]}\n{:type :ok :process 0 :value [[:append 1 2]] :x}\n",
		   "h.json:2: op is not valid EDN: map has a key without a value");
	expect_bad("# lab-journal 1 workload=append seed=1 started=1\n1\tappend\tmaybe\tn\t1\t2\t0\t0\ta:1:1\n",
		   "h.json:2: OUTCOME is 'maybe' (want ok, failed or unknown)");
	expect_bad("# lab-journal 1 workload=append seed=1 started=1\n1\tappend\tok\tn\t1\t2\t0\t0\tw:1:1\n",
		   "h.json:2: micro-op 0 'w:1:1' is not a:KEY:VALUE");
	expect_bad("[{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",1,1]]},\n"
		   " {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",1,1]]},\n"
		   " {\"type\":\"invoke\",\"process\":1,\"value\":[[\"append\",1,1]]},\n"
		   " {\"type\":\"ok\",\"process\":1,\"value\":[[\"append\",1,1]]}]\n",
		   "h.json:4: value 1 appended to key 1 again (first on line 2)");
	/* an op larger than the limit is refused before it is all read */
	size_t n = HISTORY_MAX_OP_BYTES + 100;
	char *big = xmalloc(n + 64);
	memcpy(big, "[{\"type\":\"invoke\",\"process\":0,\"value\":[", 39);
	memset(big + 39, ' ', n);
	memcpy(big + 39 + n, "]}]", 4);
	expect_bad(big, "h.json:1: op is larger than 1048576 bytes (the limit)");
	free(big);
}

/* Ops are parsed in batches on worker threads: an error deep in the file
 * (several batches in) must still be the first one and name its line, in
 * JSON and in EDN. */
static void test_bad_op_after_many_batches(void **state)
{
	(void)state;
	for (int edn = 0; edn < 2; edn++) {
		struct strbuf sb = { 0 };
		if (!edn)
			sb_puts(&sb, "[");
		for (int i = 0; i < 5000; i++) {
			if (edn)
				sb_printf(&sb, "{:type :invoke :process %d :value [[:append %d %d]]}\n"
					       "{:type :ok :process %d :value [[:append %d %d]]}\n",
					  i % 7, i % 13, i, i % 7, i % 13, i);
			else
				sb_printf(&sb, "%s{\"type\":\"invoke\",\"process\":%d,\"value\":[[\"append\",%d,%d]]},\n"
					       "{\"type\":\"ok\",\"process\":%d,\"value\":[[\"append\",%d,%d]]}",
					  i ? ",\n" : "", i % 7, i % 13, i, i % 7, i % 13, i);
		}
		/* line 10001 (JSON) or 10001 (EDN): an op without a type */
		sb_puts(&sb, edn ? "{:process 1 :value []}\n" : ",\n{\"process\":1,\"value\":[]}");
		for (int i = 0; i < 3000; i++)
			sb_puts(&sb, edn ? "{:type :invoke :process 99 :value }\n" : ",\n{\"type\":\"invoke\",\"process\":99,\"value\":}");
		if (!edn)
			sb_puts(&sb, "]\n");
		expect_bad(sb.buf, "h.json:10001: op has no :type");
		sb_release(&sb);
	}
}

static void test_json_output(void **state)
{
	(void)state;
	struct history_result r;
	struct history_opts o;
	history_opts_init(&o);
	assert_int_equal(check_text(g0_history, &o, &r), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	history_result_print_json(f, &r);
	fclose(f);
	expect_contains(buf, "{\"valid?\": false, \"anomaly-types\": [\"G0\"], \"anomalies\": {\"G0\": [{\"type\": \"G0\", \"cycle\": [");
	expect_contains(buf, "\"steps\": [{\"type\": \"ww\", \"key\": 1, \"value\": 1, \"value'\": 2}");
	expect_contains(buf, "\"not\": [\"read-uncommitted\"], \"also-not\": [");
	free(buf);
	history_result_release(&r);
}

int main(void)
{
	lab_quiet = true;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_history),
		cmocka_unit_test(test_g1a_and_dirty_update),
		cmocka_unit_test(test_g0),
		cmocka_unit_test(test_g1b_edn),
		cmocka_unit_test(test_g1c),
		cmocka_unit_test(test_g_single_item_and_realtime),
		cmocka_unit_test(test_g2_item_and_models),
		cmocka_unit_test(test_lost_update_internal_future),
		cmocka_unit_test(test_duplicates_incompatible),
		cmocka_unit_test(test_process_variant_and_edn_forms),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_bad_op_after_many_batches),
		cmocka_unit_test(test_json_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
