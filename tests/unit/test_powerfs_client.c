/*
 * test_powerfs_client.c — the C API the local backend calls
 * (harness/local/powerfs_client.c) against a real daemon: powerfs_start, running
 * a program in the daemon's mount namespace through powerfs_wrap_argv,
 * powerfs_set_mode, powerfs_power_cut with a trace, powerfs_save_image and
 * powerfs_stop, then no mount and no daemon left. Needs root, /dev/fuse and
 * the lab binary ($LAB, default build/test/lab); skips otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "powerfs.h"

#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BASE "/var/tmp/lab-unit/powerfs-client"

static const char *lab_binary(void)
{
	const char *l = getenv("LAB");

	return l && *l ? l : "build/test/lab";
}

static int run_in(struct powerfs *p, const char *script)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	const char **w = powerfs_wrap_argv(p, argv);
	struct run_opts o = { .timeout_ms = 30000 };
	int rc = run_argv(w, &o);

	powerfs_free_argv(w);
	return rc;
}

static char *slurp(const char *path)
{
	size_t len;
	char *s = path_exists(path) ? read_file(path, &len) : NULL;

	return s ? s : xstrdup("<absent>");
}

static bool mounted(void)
{
	char *m = read_file("/proc/self/mounts", NULL);
	bool yes = m && strstr(m, BASE);

	free(m);
	return yes;
}

static void test_start_cut_stop(void **state)
{
	struct powerfs_opts o = { .mode = "none", .log_path = BASE "/daemon.log", .lab_binary = lab_binary() };
	struct strbuf reply = { 0 };
	struct powerfs *p;
	char *s;
	pid_t pid;

	(void)state;
	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0 || access(o.lab_binary, X_OK) != 0)
		skip();
	remove_tree(BASE);
	p = powerfs_start(BASE "/backing", BASE "/mnt", BASE "/ctl.sock", &o);
	assert_non_null(p);
	assert_true(p->pid > 0);
	assert_false(mounted()); /* private to the daemon's namespace */

	assert_int_equal(run_in(p, "echo kept >" BASE "/mnt/a && sync " BASE "/mnt/a && echo lost >" BASE "/mnt/b"), 0);
	assert_true(powerfs_pending_bytes(p) > 0);
	assert_int_equal(powerfs_power_cut(p, 0.0, 11, BASE "/trace", &reply), 0);
	assert_non_null(strstr(reply.buf, "dropped_pages=1"));
	s = slurp(BASE "/backing/a");
	assert_string_equal(s, "kept\n");
	free(s);
	s = slurp(BASE "/backing/b");
	assert_string_equal(s, "<absent>");
	free(s);
	s = slurp(BASE "/trace");
	assert_non_null(strstr(s, "meta undo create b"));
	free(s);
	assert_int_equal(powerfs_save_image(p, BASE "/image"), 0);
	assert_true(path_exists(BASE "/image/a"));
	assert_false(path_exists(BASE "/image/" POWERFS_PRIVATE_DIR));

	assert_int_equal(powerfs_set_mode(p, "unsafe"), 0);
	assert_int_equal(powerfs_set_mode(p, "bogus"), -1);
	assert_int_equal(powerfs_power_cut(p, 1.5, 1, NULL, NULL), -1);
	assert_int_equal(run_in(p, "echo gone >" BASE "/mnt/a && sync " BASE "/mnt/a"), 0);
	assert_int_equal(powerfs_power_cut(p, 0.0, 12, NULL, NULL), 0);
	s = slurp(BASE "/backing/a");
	assert_string_equal(s, "kept\n"); /* fsync ignored in unsafe mode */
	free(s);

	/* hard reset: a process holding a file open on the mount is killed,
	 * then the cut drops its un-synced write. */
	{
		const char *argv[] = { "sh", "-c", "echo x >" BASE "/mnt/held; exec sleep 60 <" BASE "/mnt/held", NULL };
		const char **w = powerfs_wrap_argv(p, argv);
		pid_t holder = spawn_argv(w, NULL, NULL);

		powerfs_free_argv(w);
		assert_true(holder > 0);
		for (int i = 0; i < 100 && !path_exists(BASE "/backing/held"); i++)
			sleep_ms(20);
		sleep_ms(100);
		assert_int_equal(powerfs_hard_reset(p, &holder, 1, 0.0, 13, NULL, NULL), 0);
		assert_true(kill(holder, 0) != 0);
		assert_false(path_exists(BASE "/backing/held"));
	}
	assert_int_equal(run_in(p, "echo flushed >" BASE "/mnt/c"), 0);
	pid = p->pid;
	assert_int_equal(powerfs_stop(p, true), 0); /* a clean stop flushes */
	assert_int_equal(p->pid, 0);
	assert_true(kill(pid, 0) != 0);
	s = slurp(BASE "/backing/c");
	assert_string_equal(s, "flushed\n");
	free(s);
	powerfs_free(p);
	sb_release(&reply);
	remove_tree(BASE);
}

static void test_start_refuses_bad_mode(void **state)
{
	struct powerfs_opts o = { .mode = "fast", .lab_binary = lab_binary() };

	(void)state;
	assert_null(powerfs_start(BASE "/x", BASE "/y", BASE "/s", &o));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_refuses_bad_mode),
		cmocka_unit_test(test_start_cut_stop),
	};

	mkdir_p(BASE, 0755);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
