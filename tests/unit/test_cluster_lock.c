/* Unit tests for the state directory's lock (cluster_lock.h): the holder's
 * record, a recycled pid told apart by its start time, a second taker
 * refused while the first holds it (two descriptors in one process are two
 * flock holders), and a dead owner's record found by the next owner and
 * kept by a short taker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster_lock.h"
#include "util.h"

static void test_record(void **state)
{
	struct lock_holder h, back;
	char *text;

	(void)state;
	assert_int_equal(lock_record_parse("pid 4242 start 918273 owner 1 since 1796000000 cmd lab run x.yaml --name a\n", &h), 0);
	assert_int_equal(h.pid, 4242);
	assert_true(h.start == 918273ULL);
	assert_true(h.owner);
	assert_string_equal(h.cmd, "lab run x.yaml --name a");
	text = lock_record_format(&h);
	assert_int_equal(lock_record_parse(text, &back), 0);
	assert_int_equal(back.pid, 4242);
	assert_string_equal(back.cmd, h.cmd);
	free(text);
	assert_int_equal(lock_record_parse("", &h), -1);
	assert_int_equal(h.pid, 0);
	assert_int_equal(lock_record_parse("pid x start 1", &h), -1);
	assert_int_equal(lock_record_parse("start 5 owner 1 cmd lab", &h), -1); /* no pid */
	assert_int_equal(lock_record_parse("pid 1 start 5", &h), -1);           /* never pid 1 */
}

static void test_alive(void **state)
{
	struct lock_holder h = { 0 };

	(void)state;
	h.pid = getpid();
	assert_int_equal(proc_start_time(h.pid, &h.start), 0);
	assert_true(lock_holder_alive(&h));
	h.start++; /* the same pid, another process: not the holder */
	assert_false(lock_holder_alive(&h));
	h.pid = 0;
	assert_false(lock_holder_alive(&h));
}

static void test_take(void **state)
{
	char dir[] = "/tmp/lab-test-lock.XXXXXX";
	struct lock_holder dead, fake = { 0 };
	bool wrote, wrote2;
	int fd;
	char *path, *text, *rec;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/lock", dir);
	fd = cluster_lock_take(dir, "t", true, &dead, &wrote);
	assert_true(fd >= 0);
	assert_true(wrote);
	assert_int_equal(dead.pid, 0);
	/* Another open file description: refused while fd holds it. */
	assert_int_equal(cluster_lock_take(dir, "t", false, &dead, &wrote2), -1);
	assert_non_null(strstr(lab_last_error(), "in use by lab pid"));
	cluster_lock_drop(fd, wrote);
	text = read_file(path, NULL);
	assert_string_equal(text, "");
	free(text);

	/* An owner that died: its record stays, nobody holds the flock. */
	fake.pid = getppid(); /* alive, but another start time: a recycled pid */
	assert_int_equal(proc_start_time(fake.pid, &fake.start), 0);
	fake.start += 7;
	fake.owner = true;
	lab_strlcpy(fake.cmd, "lab run dead.yaml", sizeof(fake.cmd));
	rec = lock_record_format(&fake);
	assert_int_equal(write_file_atomic(path, rec, strlen(rec), 0644), 0);
	fd = cluster_lock_take(dir, "t", false, &dead, &wrote);
	assert_true(fd >= 0);
	assert_int_equal(dead.pid, fake.pid);
	assert_false(wrote); /* a short taker leaves it for the next owner */
	cluster_lock_drop(fd, wrote);
	text = read_file(path, NULL);
	assert_string_equal(text, rec);
	free(text);
	fd = cluster_lock_take(dir, "t", true, &dead, &wrote);
	assert_true(fd >= 0);
	assert_int_equal(dead.pid, fake.pid);
	assert_string_equal(dead.cmd, "lab run dead.yaml");
	assert_true(wrote);
	cluster_lock_drop(fd, wrote);
	free(rec);
	remove_tree(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_alive),
		cmocka_unit_test(test_take),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
