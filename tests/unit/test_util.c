/* Unit tests for the ground floor behind lib/util.h: durations and numbers
 * (parse.c), the RNG (rng.c), strbuf (strbuf.c) and running programs from
 * argv arrays (exec.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static void test_durations(void **state)
{
	int64_t ms;
	(void)state;
	assert_int_equal(parse_duration_ms("10s", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(parse_duration_ms("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(parse_duration_ms("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(parse_duration_ms("1.5s", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(parse_duration_ms("7", &ms), 0);
	assert_int_equal(ms, 7000);
	assert_int_equal(parse_duration_ms("10 s", &ms), -1);
	assert_int_equal(parse_duration_ms("-1s", &ms), -1);
	assert_int_equal(parse_duration_ms("10x", &ms), -1);
	assert_int_equal(parse_duration_ms("", &ms), -1);
	assert_int_equal(parse_duration_ms("s", &ms), -1);
}

static void test_int64(void **state)
{
	int64_t v;
	(void)state;
	assert_int_equal(parse_int64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_int64("101", 0, 100, &v), -1);
	assert_int_equal(parse_int64("4x", 0, 100, &v), -1);
	assert_int_equal(parse_int64(" 4", 0, 100, &v), -1);
	assert_int_equal(parse_int64("99999999999999999999", INT64_MIN, INT64_MAX, &v), -1);
}

static void test_rng_reproducible(void **state)
{
	struct lab_rng a, b, c;
	(void)state;
	rng_init(&a, 42, 1);
	rng_init(&b, 42, 1);
	rng_init(&c, 42, 2);
	int same_c = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a), y = rng_next(&b), z = rng_next(&c);
		assert_true(x == y);
		same_c += x == z;
	}
	assert_true(same_c < 5);
	for (int i = 0; i < 10000; i++) {
		int64_t r = rng_range(&a, -3, 5);
		assert_true(r >= -3 && r <= 5);
		double d = rng_double(&a);
		assert_true(d >= 0 && d < 1);
	}
}

static void test_strbuf(void **state)
{
	struct strbuf sb = {0};
	(void)state;
	for (int i = 0; i < 1000; i++)
		sb_printf(&sb, "%d,", i);
	assert_int_equal(sb.len, strlen(sb.buf));
	assert_true(strncmp(sb.buf, "0,1,2,", 6) == 0);
	char *s = sb_detach(&sb);
	assert_null(sb.buf);
	free(s);
	char small[4];
	assert_int_equal(lab_strlcpy(small, "abcdef", sizeof(small)), 6);
	assert_string_equal(small, "abc");
}

static void test_run_argv(void **state)
{
	struct strbuf out = {0};
	struct run_opts o = { .out = &out };
	(void)state;
	const char *const echo[] = { "echo", "hello; rm -rf /", NULL };
	assert_int_equal(run_argv(echo, &o), 0);
	assert_string_equal(out.buf, "hello; rm -rf /\n");
	const char *const f[] = { "false", NULL };
	assert_int_equal(run_argv(f, &o), 1);
	const char *const slow[] = { "sleep", "10", NULL };
	struct run_opts t = { .timeout_ms = 200, .quiet = true };
	int64_t t0 = mono_ns();
	assert_int_equal(run_argv(slow, &t), -1);
	assert_true(mono_ns() - t0 < 5000000000LL);
	const char *const cat[] = { "cat", NULL };
	struct run_opts in = { .out = &out, .stdin_data = "fed" };
	sb_reset(&out);
	assert_int_equal(run_argv(cat, &in), 0);
	assert_string_equal(out.buf, "fed");
	sb_release(&out);
}

static void test_stop_pid_refuses_self(void **state)
{
	(void)state;
	assert_int_equal(stop_pid(1, 10), -1);
	assert_int_equal(stop_pid(getpid(), 10), -1);
	const char *const slp[] = { "sleep", "30", NULL };
	pid_t p = spawn_argv(slp, NULL, NULL);
	assert_true(p > 0);
	assert_true(pid_alive(p));
	assert_int_equal(stop_pid(p, 1000), 0);
	assert_false(pid_alive(p));
}

static void test_scrub_secrets(void **state)
{
	(void)state;
	char *a = scrub_secrets("s3cret", "ERROR 1064 near 's3cret'; CREATE USER 'lab'@'%' "
					  "IDENTIFIED BY 'other' x MASTER_PASSWORD=\"p2\" y");
	assert_null(strstr(a, "s3cret"));
	assert_null(strstr(a, "other"));
	assert_null(strstr(a, "p2"));
	assert_non_null(strstr(a, "IDENTIFIED BY '***'"));
	assert_non_null(strstr(a, "MASTER_PASSWORD=\"***\""));
	free(a);
	char *b = scrub_secrets(NULL, "identified by 'unterminated");
	assert_string_equal(b, "identified by '***'");
	free(b);
	char *c = scrub_secrets("", "nothing to hide");
	assert_string_equal(c, "nothing to hide");
	free(c);
}

/* An error wrapped in another ("cannot wipe node 3: %s", lab_last_error())
 * keeps both; empty_dir removes the contents, not the directory. */
static void test_errors_and_dirs(void **state)
{
	(void)state;
	lab_error_quiet("cannot open '%s'", "x");
	lab_error_quiet("cannot wipe node %d: %s", 3, lab_last_error());
	assert_string_equal(lab_last_error(), "cannot wipe node 3: cannot open 'x'");

	char dir[] = "/tmp/lab-test-util.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sub = xasprintf("%s/a/b", dir), *file = xasprintf("%s/f", dir);
	assert_int_equal(mkdir_p(sub, 0700), 0);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(empty_dir(dir), 2);
	assert_int_equal(empty_dir(dir), 0);
	assert_int_equal(access(file, F_OK), -1);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(empty_dir(dir), -1);
	assert_non_null(strstr(lab_last_error(), dir));
	free(sub);
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_rng_reproducible),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_run_argv),
		cmocka_unit_test(test_stop_pid_refuses_self),
		cmocka_unit_test(test_scrub_secrets),
		cmocka_unit_test(test_errors_and_dirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
