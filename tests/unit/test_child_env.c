/* Unit tests for the environment children get (lib/util.c's exec
 * helpers): lab's secrets (LAB_PASSWORD, MYSQL_PWD) never reach a child,
 * whether run and waited for (run_argv) or left running (spawn_argv, read
 * from its /proc/PID/environ); everything else does, and lab keeps its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Is NAME=VALUE one of the NUL-separated entries of env[0..len)? */
static bool has_var(const char *env, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < len; i += strlen(env + i) + 1)
		if (!strncmp(env + i, name, n) && env[i + n] == '=')
			return true;
	return false;
}

static void test_run_argv_env(void **state)
{
	struct strbuf out = { 0 };
	const char *argv[] = { "env", "-0", NULL };
	struct run_opts o = { .timeout_ms = 10000, .out = &out };

	(void)state;
	setenv("LAB_PASSWORD", "s3cret-pw", 1);
	setenv("MYSQL_PWD", "other-pw", 1);
	setenv("LAB_TEST_KEEP", "1", 1);
	assert_int_equal(run_argv(argv, &o), 0);
	assert_non_null(out.buf);
	assert_false(has_var(out.buf, out.len, "LAB_PASSWORD"));
	assert_false(has_var(out.buf, out.len, "MYSQL_PWD"));
	assert_true(has_var(out.buf, out.len, "LAB_TEST_KEEP"));
	assert_true(has_var(out.buf, out.len, "PATH") || getenv("PATH") == NULL);
	assert_null(memmem(out.buf, out.len, "s3cret-pw", 9));
	assert_string_equal(getenv("LAB_PASSWORD"), "s3cret-pw"); /* lab keeps it */
	sb_release(&out);
}

static void test_spawn_argv_environ(void **state)
{
	char dir[] = "/tmp/lab-child-env.XXXXXX", fifo[64], path[64], line[16], *env;
	const char *argv[] = { "sh", "-c", "echo ready >\"$0\"; while :; do sleep 1; done", fifo, NULL };
	size_t len = 0;
	pid_t pid;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/ready", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	setenv("LAB_PASSWORD", "s3cret-pw", 1);
	setenv("LAB_TEST_KEEP", "1", 1);
	pid = spawn_argv(argv, NULL, NULL);
	assert_true(pid > 0);
	/* The child writes only once it runs the program spawn_argv exec'd,
	 * and execs nothing after: from then on /proc/PID/environ is what
	 * exec was given, not the forked copy of our own environment (no
	 * polling, no time limit; a later exec would race the read). */
	f = fopen(fifo, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "ready\n");
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	env = read_file(path, &len);
	assert_non_null(env);
	assert_false(has_var(env, len, "LAB_PASSWORD"));
	assert_true(has_var(env, len, "LAB_TEST_KEEP"));
	assert_null(memmem(env, len, "s3cret-pw", 9));
	free(env);
	assert_int_equal(stop_pid(pid, 1000), 0);
	unlink(fifo);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_argv_env),
		cmocka_unit_test(test_spawn_argv_environ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
