/* Unit tests for the lab subnet's overlap with the host's routes and
 * addresses (net_overlap_parse, netns.h): pure, from `ip -o -4 route show`
 * and `ip -o -4 addr show` text. A /24 or narrower route or address marks
 * its lab subnet busy; a /17../23 marks the range; anything covering all
 * of 10.213.0.0/16 (but the default route and lab's own blackhole) is
 * refused and named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "netns.h"

static const char addrs_plain[] =
	"1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
	"4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever\n"
	"30: lb4    inet 10.213.4.1/24 scope global lb4\\       valid_lft forever preferred_lft forever\n";

static void test_lab_only(void **state)
{
	bool busy[LAB_SUBNET_MAX + 1] = { false };
	char why[256] = "";

	(void)state;
	assert_int_equal(net_overlap_parse("default via 192.0.2.1 dev eth0 \n"
					   "blackhole 10.213.0.0/16 \n"
					   "10.213.1.0/24 dev lb1 proto kernel scope link src 10.213.1.1 \n"
					   "192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 \n",
					   addrs_plain, busy, why, sizeof(why)),
			 0);
	assert_true(busy[1]);
	assert_true(busy[4]); /* from lb4's address */
	assert_false(busy[2]);
	assert_string_equal(why, "");
}

static void test_narrow(void **state)
{
	bool busy[LAB_SUBNET_MAX + 1] = { false };

	(void)state;
	assert_int_equal(net_overlap_parse("10.213.8.0/22 via 192.0.2.7 dev eth0 \n"   /* 8..11 */
					   "10.213.20.5 via 192.0.2.7 dev eth0 \n"     /* a host route */
					   "unreachable 10.213.30.128/25 \n"
					   "10.214.0.0/16 via 192.0.2.7 dev eth0 \n"   /* a neighbour, disjoint */
					   "10.212.0.0/16 via 192.0.2.7 dev eth0 \n",
					   "7: eth1    inet 10.213.40.9/32 scope global eth1\\ \n", busy, NULL, 0),
			 0);
	for (int x = 8; x <= 11; x++)
		assert_true(busy[x]);
	assert_false(busy[7]);
	assert_false(busy[12]);
	assert_true(busy[20]);
	assert_true(busy[30]);
	assert_true(busy[40]);
	assert_false(busy[1]);
}

/* `ip route show table all`: routes of policy-routed tables and of the
 * local table count like main's. */
static void test_all_tables(void **state)
{
	bool busy[LAB_SUBNET_MAX + 1] = { false };
	char why[256] = "";

	(void)state;
	assert_int_equal(net_overlap_parse("default via 192.0.2.1 dev wg0 table 51820 \n"
					   "10.213.7.0/24 via 192.0.2.9 dev eth0 table 100 \n"
					   "local 10.213.5.1 dev lb5 table local proto kernel scope host src 10.213.5.1 \n"
					   "broadcast 10.213.6.255 dev lb6 table local proto kernel scope link src 10.213.6.1 \n"
					   "local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 \n",
					   NULL, busy, why, sizeof(why)),
			 0);
	assert_true(busy[5]);
	assert_true(busy[6]);
	assert_true(busy[7]);
	assert_false(busy[8]);
	assert_string_equal(why, "");
	assert_int_equal(net_overlap_parse("10.213.0.0/16 via 192.0.2.9 dev eth0 table 100 \n", NULL, busy, why,
					   sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "table 100"));
}

static void test_wide_route(void **state)
{
	bool busy[LAB_SUBNET_MAX + 1] = { false };
	char why[256] = "";

	(void)state;
	/* A corporate 10/8 through a VPN: lab's /16 would shadow part of it. */
	assert_int_equal(net_overlap_parse("default via 192.0.2.1 dev eth0 \n"
					   "10.0.0.0/8 via 192.0.2.9 dev tun0 \n",
					   addrs_plain, busy, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "route '10.0.0.0/8 via 192.0.2.9 dev tun0'");
	/* The host's own route for exactly the lab /16 (not a blackhole). */
	assert_int_equal(net_overlap_parse("10.213.0.0/16 via 192.0.2.9 dev eth0 proto static \n", NULL, busy, why,
					   sizeof(why)),
			 -1);
	assert_string_equal(why, "route '10.213.0.0/16 via 192.0.2.9 dev eth0 proto static'");
	/* A wider blackhole is not lab's either. */
	assert_int_equal(net_overlap_parse("blackhole 10.0.0.0/8 \n", NULL, busy, why, sizeof(why)), -1);
}

static void test_wide_address(void **state)
{
	bool busy[LAB_SUBNET_MAX + 1] = { false };
	char why[256] = "";

	(void)state;
	assert_int_equal(net_overlap_parse("", "9: eth2    inet 10.213.77.2/16 brd 10.213.255.255 scope global eth2\\ \n",
					   busy, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "address 10.213.77.2/16 on eth2");
	assert_int_equal(net_overlap_parse("", "9: eth2    inet 10.1.2.3/8 scope global eth2\\ \n", busy, why,
					   sizeof(why)),
			 -1);
	assert_string_equal(why, "address 10.1.2.3/8 on eth2");
}

static void test_garbage(void **state)
{
	bool busy[LAB_SUBNET_MAX + 1] = { false };

	(void)state;
	assert_int_equal(net_overlap_parse("10.213.999.0/24 dev x\n10.213.5.0/33 dev y\nfoo bar\n\n   \n"
					   "10.213.6\n",
					   "garbage\n: inet\n", busy, NULL, 0),
			 0);
	for (int x = 0; x <= LAB_SUBNET_MAX; x++)
		assert_false(busy[x]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_only),
		cmocka_unit_test(test_narrow),
		cmocka_unit_test(test_all_tables),
		cmocka_unit_test(test_wide_route),
		cmocka_unit_test(test_wide_address),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
