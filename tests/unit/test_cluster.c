/* Unit tests for the pure parts of the cluster code: grastate.dat parsing
 * and editing, the --wsrep-recover log line, the state file, subnet claims
 * (in a temporary directory) and the partition nft script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "netns.h"

static const char grastate_crashed[] =
	"# GALERA saved state\n"
	"version: 2.1\n"
	"uuid:    8d7b2c4e-1f3a-11ef-9a1b-2e6f0c1d2e3f\n"
	"seqno:   -1\n"
	"safe_to_bootstrap: 0\n";

static void test_grastate_parse(void **state)
{
	struct grastate g;
	(void)state;
	assert_int_equal(grastate_parse(grastate_crashed, &g), 0);
	assert_string_equal(g.uuid, "8d7b2c4e-1f3a-11ef-9a1b-2e6f0c1d2e3f");
	assert_int_equal(g.seqno, -1);
	assert_int_equal(g.safe_to_bootstrap, 0);
	assert_int_equal(grastate_parse("version: 2.1\nuuid: x\nseqno:   1234\n", &g), 0);
	assert_int_equal(g.seqno, 1234);
	assert_int_equal(g.safe_to_bootstrap, -1);
	assert_int_equal(grastate_parse("version: 2.1\nuuid: x\n", &g), -1);
	assert_int_equal(grastate_parse("seqno: abc\n", &g), -1);
	assert_int_equal(grastate_parse("seqno: 1\nsafe_to_bootstrap: 7\n", &g), -1);
}

static void test_grastate_edit(void **state)
{
	struct grastate g;
	int64_t s = 42;
	char *e;
	(void)state;

	e = grastate_edit(grastate_crashed, &s, 1);
	assert_int_equal(grastate_parse(e, &g), 0);
	assert_int_equal(g.seqno, 42);
	assert_int_equal(g.safe_to_bootstrap, 1);
	assert_string_equal(g.uuid, "8d7b2c4e-1f3a-11ef-9a1b-2e6f0c1d2e3f");
	assert_non_null(strstr(e, "# GALERA saved state\nversion: 2.1\n"));
	free(e);
	/* keep both */
	e = grastate_edit(grastate_crashed, NULL, -1);
	assert_string_equal(e, grastate_crashed);
	free(e);
	/* a missing line is added */
	e = grastate_edit("version: 2.1\nuuid: u\nseqno: 5\n", NULL, 1);
	assert_int_equal(grastate_parse(e, &g), 0);
	assert_int_equal(g.seqno, 5);
	assert_int_equal(g.safe_to_bootstrap, 1);
	free(e);
}

static void test_recovered_position(void **state)
{
	char uuid[64];
	int64_t seqno;
	(void)state;
	const char *log =
		"2026-11-21  6:40:01 0 [Note] InnoDB: Starting crash recovery\n"
		"2026-11-21  6:40:02 0 [Note] WSREP: Recovered position: 8d7b2c4e-1f3a-11ef-9a1b-2e6f0c1d2e3f:1234\n"
		"2026-11-21  6:40:02 0 [Note] mariadbd: Shutdown complete\n";
	assert_int_equal(wsrep_recovered_position(log, uuid, sizeof(uuid), &seqno), 0);
	assert_string_equal(uuid, "8d7b2c4e-1f3a-11ef-9a1b-2e6f0c1d2e3f");
	assert_int_equal(seqno, 1234);
	/* mysqld_safe's wording, and the last one wins */
	const char *two = "WSREP: Recovered position 11111111-2222-3333-4444-555555555555:7\n"
			  "x WSREP: Recovered position: 11111111-2222-3333-4444-555555555555:9\n";
	assert_int_equal(wsrep_recovered_position(two, uuid, sizeof(uuid), &seqno), 0);
	assert_int_equal(seqno, 9);
	assert_int_equal(wsrep_recovered_position("WSREP: Recovered position: 00000000-0000-0000-0000-000000000000:-1\n",
						  uuid, sizeof(uuid), &seqno), 0);
	assert_int_equal(seqno, -1);
	assert_int_equal(wsrep_recovered_position("no such line\n", uuid, sizeof(uuid), &seqno), -1);
	assert_int_equal(wsrep_recovered_position("Recovered position: short:5\n", uuid, sizeof(uuid), &seqno), -1);
}

static void test_state_parse(void **state)
{
	struct kv *v;
	size_t n;
	(void)state;
	assert_int_equal(cluster_state_parse("# c\nversion 1\nname h1a\n\nmysqld.sync_binlog 1\nempty\n", &v, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].key, "version");
	assert_string_equal(v[1].value, "h1a");
	assert_string_equal(v[2].key, "mysqld.sync_binlog");
	assert_string_equal(v[2].value, "1");
	assert_string_equal(v[3].value, "");
	kv_free(v, n);
}

static void test_subnet_claims(void **state)
{
	char dir[] = "/tmp/lab-test-subnets-XXXXXX";
	char owner1[] = "/tmp/lab-test-owner1-XXXXXX";
	char owner2[] = "/tmp/lab-test-owner2-XXXXXX";
	char path[256];
	int a, b, c2;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(owner1));
	assert_non_null(mkdtemp(owner2));
	/* owners have state files: their claims are live */
	snprintf(path, sizeof(path), "%s/state", owner1);
	f = fopen(path, "w"); assert_non_null(f); fclose(f);
	snprintf(path, sizeof(path), "%s/state", owner2);
	f = fopen(path, "w"); assert_non_null(f); fclose(f);
	assert_int_equal(subnet_claim(dir, owner1, false, NULL, &a), 0);
	assert_int_equal(a, 1);
	assert_int_equal(subnet_claim(dir, owner2, false, NULL, &b), 0);
	assert_int_equal(b, 2);
	assert_int_equal(subnet_count(dir), 2);
	/* someone else's claim is left alone */
	assert_int_equal(subnet_release(dir, a, owner2, false), 0);
	assert_int_equal(subnet_count(dir), 2);
	assert_int_equal(subnet_release(dir, a, owner1, false), 0);
	assert_int_equal(subnet_count(dir), 1);
	/* the lowest free one is reused */
	assert_int_equal(subnet_claim(dir, owner1, false, NULL, &c2), 0);
	assert_int_equal(c2, 1);
	/* a claim whose owner has no state file any more is stale */
	snprintf(path, sizeof(path), "%s/state", owner2);
	unlink(path);
	char owner3[] = "/tmp/lab-test-owner3-XXXXXX";
	assert_non_null(mkdtemp(owner3));
	snprintf(path, sizeof(path), "%s/state", owner3);
	f = fopen(path, "w"); assert_non_null(f); fclose(f);
	assert_int_equal(subnet_claim(dir, owner3, false, NULL, &b), 0);
	assert_int_equal(b, 2);
	/* a busy subnet (routed by someone else) is skipped */
	bool busy[LAB_SUBNET_MAX + 1] = { false };
	int d;
	busy[3] = true;
	assert_int_equal(subnet_claim(dir, owner3, false, busy, &d), 0);
	assert_int_equal(d, 4);
	assert_int_equal(subnet_release(dir, 4, owner3, false), 0);
	assert_int_equal(subnet_release(dir, 1, owner1, false), 0);
	assert_int_equal(subnet_release(dir, 2, owner3, false), 0);
	assert_int_equal(subnet_count(dir), 0);
	assert_int_equal(remove_tree(dir), 0);
	remove_tree(owner1);
	remove_tree(owner2);
	remove_tree(owner3);
}

static void test_busy_subnets(void **state)
{
	bool busy[LAB_SUBNET_MAX + 1] = { false };
	(void)state;
	net_busy_subnets_parse("default via 192.0.2.1 dev eth0 \n"
			       "blackhole 10.213.0.0/16 \n"
			       "10.213.1.0/24 dev lb1 proto kernel scope link src 10.213.1.1 \n"
			       "10.213.200.0/24 dev labvm200 proto kernel scope link src 10.213.200.1 linkdown \n"
			       "blackhole 10.213.201.0/24 metric 4000 \n"
			       "192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 \n",
			       busy);
	assert_true(busy[1]);
	assert_true(busy[200]);
	assert_true(busy[201]);
	assert_false(busy[0]);
	assert_false(busy[2]);
	assert_false(busy[213]);
}

static void test_names(void **state)
{
	char buf[64];
	(void)state;
	assert_true(cluster_name_valid("lab"));
	assert_true(cluster_name_valid("h1a"));
	assert_true(cluster_name_valid("h3-b_2"));
	assert_false(cluster_name_valid(""));
	assert_false(cluster_name_valid("-x"));
	assert_false(cluster_name_valid("A"));
	assert_false(cluster_name_valid("a/b"));
	assert_false(cluster_name_valid("a b"));
	assert_false(cluster_name_valid("abcdefghijabcdefghijabcdefghijabc"));
	net_node_ns(buf, sizeof(buf), "h1a", 3);
	assert_string_equal(buf, "lab-h1a-n3");
	net_bridge_ns(buf, sizeof(buf), "h1a");
	assert_string_equal(buf, "lab-h1a-br");
	net_node_addr(buf, sizeof(buf), 250, 9);
	assert_string_equal(buf, "10.213.250.19");
	net_host_veth(buf, sizeof(buf), 250);
	assert_true(strlen(buf) <= 15);
}

static void test_partition_script(void **state)
{
	uint32_t groups[3] = { 1, 2, 2 };
	char *s;
	(void)state;
	s = net_partition_script(7, 3, groups, 1);
	assert_non_null(s);
	assert_non_null(strstr(s, "ip saddr { 10.213.7.12, 10.213.7.13 } drop"));
	assert_non_null(strstr(s, "ip daddr { 10.213.7.12, 10.213.7.13 } drop"));
	assert_null(strstr(s, "10.213.7.1 "));
	free(s);
	s = net_partition_script(7, 3, groups, 2);
	assert_non_null(strstr(s, "ip saddr { 10.213.7.11 } drop"));
	free(s);
	uint32_t one[3] = { 1, 1, 1 };
	assert_null(net_partition_script(7, 3, one, 2));
	/* overlapping groups: node 1 bridges 2 and 3, which cannot talk */
	uint32_t bridge[3] = { 3, 1, 2 };
	assert_null(net_partition_script(7, 3, bridge, 1));
	s = net_partition_script(7, 3, bridge, 2);
	assert_non_null(strstr(s, "ip saddr { 10.213.7.13 } drop"));
	free(s);
	s = net_partition_script(7, 3, bridge, 3);
	assert_non_null(strstr(s, "ip daddr { 10.213.7.12 } drop"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grastate_parse),
		cmocka_unit_test(test_grastate_edit),
		cmocka_unit_test(test_recovered_position),
		cmocka_unit_test(test_state_parse),
		cmocka_unit_test(test_subnet_claims),
		cmocka_unit_test(test_busy_subnets),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_partition_script),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
