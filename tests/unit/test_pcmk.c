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
#include <time.h>

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

/* Pacemaker's detail log (2.1: milliseconds, host, daemon, [pid],
 * (function)) and the older one ([pid] host daemon: level: function:). */
static void test_log_events(void **state)
{
	struct manager_event ev;
	struct tm tm = { .tm_year = 126, .tm_mon = 11, .tm_mday = 5, .tm_hour = 3, .tm_min = 40, .tm_isdst = -1 };
	double ref = (double)mktime(&tm); /* Dec 05 2026 03:40 local */

	(void)state;
	assert_int_equal(pcmk_log_event("Dec 05 03:33:12.345 n2 pacemaker-controld  [4567] (log_executor_event@"
					"execd_events.c:274)  notice: Result of promote operation for db on n2: ok | "
					"graph action 23 rc=0", ref, &ev), 1);
	assert_string_equal(ev.kind, "promote");
	assert_string_equal(ev.result, "ok");
	assert_int_equal(ev.node, 2);
	tm.tm_min = 33;
	tm.tm_sec = 12;
	assert_true(ev.t > (double)mktime(&tm) + 0.3 && ev.t < (double)mktime(&tm) + 0.4);
	assert_string_equal(ev.detail, "Result of promote operation for db on n2: ok");

	/* a failed monitor: the database went away */
	assert_int_equal(pcmk_log_event("Dec 05 03:33:05.010 n1 pacemaker-controld  [4500] (log_executor_event)"
					"  notice: Result of monitor operation for db on n1: not running | rc=7",
					ref, &ev), 1);
	assert_string_equal(ev.kind, "failed");
	assert_string_equal(ev.result, "not running");
	assert_int_equal(ev.node, 1);

	/* the older format, no milliseconds */
	assert_int_equal(pcmk_log_event("Dec 05 03:33:20 [4500] n3 pacemaker-controld:   notice: "
					"process_lrm_event: Result of demote operation for db on n3: ok", ref, &ev), 1);
	assert_string_equal(ev.kind, "demote");
	assert_int_equal(ev.node, 3);

	/* a peer lost */
	assert_int_equal(pcmk_log_event("Dec 05 03:33:06.001 n2 pacemaker-controld  [4567] (peer_update_callback)"
					"  notice: Node n1 state is now lost | nodeid=1", ref, &ev), 1);
	assert_string_equal(ev.kind, "lost");
	assert_int_equal(ev.node, 1);

	/* the galera agent's choice of the node to bootstrap */
	assert_int_equal(pcmk_log_event("Dec 05 03:34:01.500 n3 pacemaker-execd     [900] (log_op_output)  notice: "
					"db_promote_0[1234] error output [ ocf-exit-reason:x ]", ref, &ev), 0);
	assert_int_equal(pcmk_log_event("Dec 05 03:34:02 n3 galera(db)[1234]: INFO: Node <n3> is bootstrapping the "
					"cluster", ref, &ev), 1);
	assert_string_equal(ev.kind, "bootstrap");
	assert_int_equal(ev.node, 3);

	/* not events: probes, a monitor that is fine, notifications, other resources, junk */
	assert_int_equal(pcmk_log_event("Dec 05 03:30:01.000 n1 pacemaker-controld  [1] (x)  notice: Result of "
					"probe operation for db on n1: not running", ref, &ev), 0);
	assert_int_equal(pcmk_log_event("Dec 05 03:30:01.000 n1 pacemaker-controld  [1] (x)  notice: Result of "
					"monitor operation for db on n1: ok", ref, &ev), 0);
	assert_int_equal(pcmk_log_event("Dec 05 03:30:01.000 n1 pacemaker-controld  [1] (x)  notice: Result of "
					"notify operation for db on n1: ok", ref, &ev), 0);
	assert_int_equal(pcmk_log_event("Dec 05 04:00:39.100 n2 pacemaker-controld  [1] (log_executor_event) "
					"\tnotice: Result of monitor operation for db on n2: Cancelled | call=22", ref, &ev), 0);
	assert_int_equal(pcmk_log_event("Dec 05 03:30:01.000 n1 pacemaker-controld  [1] (x)  notice: Result of "
					"start operation for fence-lab on n1: ok", ref, &ev), 0);
	assert_int_equal(pcmk_log_event("Result of start operation for db on n1: ok", ref, &ev), 0);
	assert_int_equal(pcmk_log_event("Dec 45 03:30:01 x", ref, &ev), 0);
	assert_int_equal(pcmk_log_event("", ref, &ev), 0);

	/* no year in the log: a line of Dec 31 read on Jan 1 is last year's */
	struct tm jan = { .tm_year = 127, .tm_mon = 0, .tm_mday = 1, .tm_hour = 0, .tm_min = 0, .tm_sec = 30,
			  .tm_isdst = -1 };
	struct tm dec = { .tm_year = 126, .tm_mon = 11, .tm_mday = 31, .tm_hour = 23, .tm_min = 59, .tm_sec = 50,
			  .tm_isdst = -1 };
	assert_int_equal(pcmk_log_event("Dec 31 23:59:50.000 n1 pacemaker-controld  [1] (x)  notice: Result of "
					"stop operation for db on n1: ok", (double)mktime(&jan), &ev), 1);
	assert_true(ev.t == (double)mktime(&dec));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_online),
		cmocka_unit_test(test_log_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
