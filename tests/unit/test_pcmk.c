/* Unit tests for the pure parts of the pacemaker failover manager: reading
 * `crm_mon --output-as=xml` (Pacemaker 2.1.5's, as printed on a lab node):
 * which nodes hold the clone promoted / unpromoted, how many are online in
 * a quorate partition with a DC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"

/* After a failover: n2 promoted, n1 and n3 unpromoted, fence-lab on n1. */
static const char mon_failover[] =
	"<pacemaker-result api-version=\"2.25\" request=\"crm_mon --one-shot --output-as=xml\">\n"
	"  <summary>\n"
	"    <stack type=\"corosync\"/>\n"
	"    <current_dc present=\"true\" version=\"2.1.5-a3f44794f94\" name=\"n2\" id=\"2\" with_quorum=\"true\" mixed_version=\"false\"/>\n"
	"  </summary>\n"
	"  <nodes>\n"
	"    <node name=\"n1\" id=\"1\" online=\"true\" standby=\"false\" is_dc=\"false\" resources_running=\"2\" type=\"member\"/>\n"
	"    <node name=\"n2\" id=\"2\" online=\"true\" standby=\"false\" is_dc=\"true\" resources_running=\"1\" type=\"member\"/>\n"
	"    <node name=\"n3\" id=\"3\" online=\"true\" standby=\"false\" is_dc=\"false\" resources_running=\"1\" type=\"member\"/>\n"
	"  </nodes>\n"
	"  <resources>\n"
	"    <resource id=\"fence-lab\" resource_agent=\"stonith:fence_lab\" role=\"Started\" active=\"true\" nodes_running_on=\"1\">\n"
	"      <node name=\"n1\" id=\"1\" cached=\"true\"/>\n"
	"    </resource>\n"
	"    <clone id=\"db-clone\" multi_state=\"true\" unique=\"false\" managed=\"true\" disabled=\"false\" failed=\"false\">\n"
	"      <resource id=\"db\" resource_agent=\"ocf:heartbeat:mariadb\" role=\"Promoted\" active=\"true\" orphaned=\"false\" nodes_running_on=\"1\">\n"
	"        <node name=\"n2\" id=\"2\" cached=\"true\"/>\n"
	"      </resource>\n"
	"      <resource id=\"db\" resource_agent=\"ocf:heartbeat:mariadb\" role=\"Unpromoted\" active=\"true\" orphaned=\"false\" nodes_running_on=\"1\">\n"
	"        <node name=\"n3\" id=\"3\" cached=\"true\"/>\n"
	"      </resource>\n"
	"      <resource id=\"db\" resource_agent=\"ocf:heartbeat:mariadb\" role=\"Unpromoted\" active=\"true\" orphaned=\"false\" nodes_running_on=\"1\">\n"
	"        <node name=\"n1\" id=\"1\" cached=\"true\"/>\n"
	"      </resource>\n"
	"    </clone>\n"
	"  </resources>\n"
	"</pacemaker-result>\n";

/* The isolated node's own view: no quorum, its instance stopped, the
 * others unclean. */
static const char mon_isolated[] =
	"<pacemaker-result api-version=\"2.25\" request=\"crm_mon --one-shot --output-as=xml\">\n"
	"  <summary>\n"
	"    <current_dc present=\"true\" version=\"2.1.5-a3f44794f94\" name=\"n1\" id=\"1\" with_quorum=\"false\" mixed_version=\"false\"/>\n"
	"  </summary>\n"
	"  <nodes>\n"
	"    <node name=\"n1\" id=\"1\" online=\"true\" is_dc=\"true\" type=\"member\"/>\n"
	"    <node name=\"n2\" id=\"2\" online=\"false\" unclean=\"true\" type=\"member\"/>\n"
	"    <node name=\"n3\" id=\"3\" online=\"false\" unclean=\"true\" type=\"member\"/>\n"
	"  </nodes>\n"
	"  <resources>\n"
	"    <clone id=\"db-clone\" multi_state=\"true\">\n"
	"      <resource id=\"db\" resource_agent=\"ocf:heartbeat:mariadb\" role=\"Stopped\" active=\"false\" nodes_running_on=\"0\"/>\n"
	"      <resource id=\"db\" resource_agent=\"ocf:heartbeat:mariadb\" role=\"Stopped\" active=\"false\" nodes_running_on=\"0\"/>\n"
	"      <resource id=\"db\" resource_agent=\"ocf:heartbeat:mariadb\" role=\"Stopped\" active=\"false\" nodes_running_on=\"0\"/>\n"
	"    </clone>\n"
	"  </resources>\n"
	"</pacemaker-result>\n";

/* Starting: no DC elected yet. */
static const char mon_no_dc[] =
	"<pacemaker-result>\n  <summary>\n    <current_dc present=\"false\"/>\n  </summary>\n"
	"  <nodes>\n    <node name=\"n1\" id=\"1\" online=\"true\" type=\"member\"/>\n  </nodes>\n</pacemaker-result>\n";

static void test_instances(void **state)
{
	int nodes[9];
	(void)state;
	assert_int_equal(pcmk_mon_instances(mon_failover, "Promoted", nodes, 9), 1);
	assert_int_equal(nodes[0], 2);
	assert_int_equal(pcmk_mon_instances(mon_failover, "Unpromoted", nodes, 9), 2);
	assert_int_equal(nodes[0], 3);
	assert_int_equal(nodes[1], 1);
	/* max is respected */
	assert_int_equal(pcmk_mon_instances(mon_failover, "Unpromoted", nodes, 1), 1);
	/* stopped instances (self-closing elements) are nobody's */
	assert_int_equal(pcmk_mon_instances(mon_isolated, "Promoted", nodes, 9), 0);
	assert_int_equal(pcmk_mon_instances(mon_isolated, "Unpromoted", nodes, 9), 0);
	/* the fence device is not the clone */
	assert_int_equal(pcmk_mon_instances(mon_failover, "Started", nodes, 9), 0);
	assert_int_equal(pcmk_mon_instances("", "Promoted", nodes, 9), 0);
}

static void test_online(void **state)
{
	(void)state;
	assert_int_equal(pcmk_mon_online(mon_failover), 3);
	assert_int_equal(pcmk_mon_online(mon_isolated), 0); /* no quorum */
	assert_int_equal(pcmk_mon_online(mon_no_dc), 0);
	assert_int_equal(pcmk_mon_online(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_online),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
