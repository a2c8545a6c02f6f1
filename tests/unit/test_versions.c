/* Unit tests for harness/cluster/versions.c, the pure parts: Debian
 * versions to upstream ones, what a version string may be, their order,
 * and what counts as a change of series. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "versions.h"

static void test_upstream(void **state)
{
	char v[32];
	(void)state;
	assert_int_equal(versions_upstream("1:10.11.18-0+deb12u1", v, sizeof(v)), 0);
	assert_string_equal(v, "10.11.18");
	assert_int_equal(versions_upstream("10.11.19-0+deb12u1\n", v, sizeof(v)), 0);
	assert_string_equal(v, "10.11.19");
	assert_int_equal(versions_upstream("1:11.4.5+maria~deb12", v, sizeof(v)), 0);
	assert_string_equal(v, "11.4.5");
	assert_int_equal(versions_upstream("", v, sizeof(v)), -1);
	assert_int_equal(versions_upstream("1:abc-1", v, sizeof(v)), -1);
	assert_int_equal(versions_upstream("1:10.11.18-0", v, 4), -1); /* too long for out */
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(versions_valid("10.11.18"));
	assert_true(versions_valid("11.4"));
	assert_false(versions_valid("10"));
	assert_false(versions_valid("10.11."));
	assert_false(versions_valid("10..11"));
	assert_false(versions_valid("10.11.18; rm"));
	assert_false(versions_valid("../10.11"));
	assert_false(versions_valid(""));
	assert_false(versions_valid(NULL));
}

static void test_compare(void **state)
{
	(void)state;
	assert_true(versions_compare("10.11.18", "10.11.19") < 0);
	assert_true(versions_compare("10.11.19", "10.11.18") > 0);
	assert_true(versions_compare("10.11.9", "10.11.18") < 0); /* numeric, not text */
	assert_int_equal(versions_compare("10.11.18", "10.11.18"), 0);
	assert_true(versions_compare("11.4.2", "10.11.18") > 0);
	assert_true(versions_compare("10.11", "10.11.1") < 0);
}

static void test_major_change(void **state)
{
	(void)state;
	assert_false(versions_major_change("10.11.18", "10.11.19"));
	assert_false(versions_major_change("10.11.19", "10.11.18"));
	assert_true(versions_major_change("10.11.18", "11.4.2"));
	assert_true(versions_major_change("10.6.20", "10.11.18"));
	assert_true(versions_major_change("10.1.1", "10.11.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_major_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
