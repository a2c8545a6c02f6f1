/* Unit tests for harness/scenario/scenario.c: a valid scenario with every action,
 * defaults from the tables, and many malformed scenarios, each asserting the
 * exact FILE:LINE:COL: message that `lab validate` prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define HEAD "name: t\ncluster: {nodes: 3}\n"

static struct scenario *parse(const char *text, struct sc_errors *errs)
{
	return scenario_parse(text, strlen(text), "t.yaml", errs);
}

/* What an expect: section states for the checker of that name. */
#define EXPECT(e, checker) sc_expect_get((e), checker_find(checker))

/* The text must be rejected with exactly this error among its errors. */
static void expect_error(const char *text, const char *want)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = parse(text, &errs);
	bool found = false;

	for (size_t i = 0; i < errs.n; i++)
		if (!strcmp(errs.v[i], want))
			found = true;
	if (!found) {
		fprintf(stderr, "wanted: %s\ngot %zu error(s):\n", want, errs.n);
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "  %s\n", errs.v[i]);
	}
	assert_null(sc);
	assert_true(found);
	sc_errors_release(&errs);
}

/* The text must be rejected with exactly these errors, in this order. */
static void expect_errors(const char *text, const char *const *want, size_t n)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = parse(text, &errs);

	assert_null(sc);
	if (errs.n != n)
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "  %s\n", errs.v[i]);
	assert_int_equal(errs.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(errs.v[i], want[i]);
	sc_errors_release(&errs);
}

static struct scenario *must_parse(const char *text)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = parse(text, &errs);

	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "unexpected: %s\n", errs.v[i]);
	assert_int_equal(errs.n, 0);
	assert_non_null(sc);
	sc_errors_release(&errs);
	return sc;
}

static void test_full_scenario(void **state)
{
	(void)state;
	struct scenario *sc = must_parse(
		"name: full\n"
		"description: >\n"
		"  First sentence here. Second one.\n"
		"seed: 42\n"
		"tags: [MDEV-1234, lp-99]\n"
		"cluster:\n"
		"  flavor: galera\n"
		"  nodes: 3\n"
		"  mysqld: {innodb_flush_log_at_trx_commit: 1, sync_binlog: 1}\n"
		"workload: {threads: 4, mix: {credit: 1, purchase: 0, transfer: 0, new_customer: 0, delete_customer: 0}}\n"
		"steps:\n"
		"  - workload: start\n"                                   /* 12 */
		"  - sleep: 250ms\n"
		"  - kill: {node: 2, signal: SIGTERM}\n"
		"  - hard-reset: 1\n"
		"  - stop: {node: 3}\n"
		"  - snapshot: {node: all, name: point-x}\n"
		"  - disk-cache: {node: all, mode: unsafe}\n"
		"  - delete-file: {node: 3, path: ib_logfile0}\n"
		"  - edit-grastate: {node: 1, seqno: -1, safe_to_bootstrap: 1}\n"
		"  - revert: {node: [1, 2], name: point-x}\n"
		"  - wipe: 3\n"
		"  - bootstrap: {node: 1, force: true}\n"
		"  - start: {node: [2, 3]}\n"
		"  - partition: {groups: [[1], [2, 3]]}\n"
		"  - pause: {node: 2, duration: 2s}\n"
		"  - resume: 2\n"
		"  - heal:\n"
		"  - wait: {for: synced}\n"
		"  - workload: stop\n"
		"  - check: {checks: [invariants, durability], expect: {durability: fail}}\n"
		"  - check: [split-brain, convergence]\n"
		"expect: {invariants: pass, cluster: primary, convergence: any}\n");

	assert_string_equal(sc->name, "full");
	assert_true(sc->has_seed);
	assert_int_equal(sc->seed, 42);
	assert_int_equal(sc->tags.n, 2);
	assert_string_equal(sc->tags.v[1], "lp-99");
	assert_int_equal(sc->cluster.mysqld.n, 2);
	assert_string_equal(sc->cluster.mysqld.v[1].key, "sync_binlog");
	assert_string_equal(sc->cluster.backend, "local");    /* default */
	assert_string_equal(sc->cluster.cache_mode, "none");  /* default */
	assert_int_equal(sc->workload.threads, 4);
	assert_int_equal(sc->workload.customers, 1000);       /* default */
	assert_int_equal(sc->workload.mix.credit, 1);
	assert_int_equal(sc->workload.mix.purchase, 0);
	assert_int_equal(sc->timeout_ms, 30 * 60 * 1000);
	assert_int_equal(sc->n_steps, 21);
	assert_int_equal(sc->steps[0].line, 12);
	assert_int_equal(sc->steps[0].col, 5);
	assert_string_equal(sc->steps[0].op, "start");
	assert_int_equal(sc->steps[1].duration_ms, 250);
	assert_int_equal(sc->steps[2].signal, SIGTERM);
	assert_int_equal(sc->steps[2].nodes.mask, 1u << 2);
	assert_string_equal(sc->steps[3].action->name, "hard-reset");
	assert_int_equal(sc->steps[3].nodes.mask, 1u << 1);
	assert_true(sc->steps[5].nodes.all);
	assert_int_equal(sc->steps[5].nodes.mask, 0xe);
	assert_int_equal(sc->steps[8].seqno, -1);
	assert_int_equal(sc->steps[8].safe_to_bootstrap, 1);
	assert_true(sc->steps[11].force);
	assert_int_equal(sc->steps[13].member_of[0], 1);
	assert_int_equal(sc->steps[13].member_of[1], 2);
	assert_int_equal(sc->steps[13].member_of[2], 2);
	assert_int_equal(sc->steps[14].duration_ms, 2000);
	assert_string_equal(sc->steps[16].action->name, "heal");
	assert_int_equal(sc->steps[17].timeout_ms, 120000);  /* default */
	assert_true(sc->steps[17].nodes.all);                /* default all */
	assert_string_equal(sc->steps[17].outcome, "ok");
	assert_string_equal(EXPECT(&sc->steps[19].expect, "durability"), "fail");
	assert_null(EXPECT(&sc->steps[19].expect, "invariants"));
	assert_int_equal(sc->steps[20].checks.n, 2);
	assert_string_equal(EXPECT(&sc->expect, "split-brain"), "primary");
	assert_null(EXPECT(&sc->expect, "durability"));
	assert_int_equal(sc->steps[2].signal, SIGTERM);

	char buf[128];
	scenario_purpose(sc, buf, sizeof(buf));
	assert_string_equal(buf, "First sentence here.");
	node_set_format(&sc->steps[9].nodes, buf, sizeof(buf));
	assert_string_equal(buf, "1,2");
	node_set_format(&sc->steps[5].nodes, buf, sizeof(buf));
	assert_string_equal(buf, "all");
	scenario_free(sc);
}

static void test_syntax_and_structure(void **state)
{
	(void)state;
	expect_error("name: t\ncluster: {nodes: 3\nsteps: []\n",
		     "t.yaml:3:6: YAML syntax: did not find expected ',' or '}' (while parsing a flow mapping at line 2)");
	expect_error("", "t.yaml: empty scenario: it needs name, cluster and steps");
	expect_error("- a\n- b\n", "t.yaml:1:1: a scenario must be a mapping with name, cluster and steps, found a list");
	expect_error("cluster: {}\nsteps: [sleep: 1s]\n", "t.yaml:1:1: missing key 'name' in 'scenario'");
	expect_error("name: t\nsteps: [sleep: 1s]\n", "t.yaml:1:1: missing key 'cluster' in 'scenario'");
	expect_error(HEAD, "t.yaml:1:1: missing key 'steps' in 'scenario'");
	expect_error(HEAD "steps: []\n", "t.yaml:3:8: 'steps' is empty");
	expect_error(HEAD "steps: {sleep: 1s}\n", "t.yaml:3:8: 'steps' must be a list of actions, found a mapping");
	expect_error(HEAD "stesp: []\nsteps: [sleep: 1s]\n", "t.yaml:3:1: unknown key 'stesp' in 'scenario' (did you mean 'steps'?)");
	expect_error(HEAD "name: u\nsteps: [sleep: 1s]\n", "t.yaml:3:1: duplicate key 'name' in 'scenario'");
	expect_error(HEAD "steps: [sleep: 1s]\n---\nname: x\n",
		     "t.yaml:5:1: a scenario file holds one document; this is a second one");
	expect_error("name: t\ncluster: [3]\nsteps: [sleep: 1s]\n", "t.yaml:2:10: 'cluster' must be a mapping, found a list");
}

static void test_cluster_section(void **state)
{
	(void)state;
	expect_error("name: t\ncluster:\n  flavour: galera\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:3: unknown key 'flavour' in 'cluster' (did you mean 'flavor'?)");
	expect_error("name: t\ncluster:\n  flavor: galea\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:11: 'flavor' must be galera, async or semisync, not 'galea' (did you mean 'galera'?)");
	expect_error("name: t\ncluster:\n  nodes: 12\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:10: 'nodes' must be between 1 and 9, not 12");
	expect_error("name: t\ncluster:\n  nodes: three\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:10: 'nodes' must be a whole number, not 'three'");
	expect_error("name: t\ncluster:\n  nodes: [1, 2]\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:10: 'nodes' must be a single value, found a list");
	expect_error("name: t\ncluster:\n  cache_mode: unsafee\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:15: 'cache_mode' must be none, writethrough, writeback, unsafe or directsync, not 'unsafee' (did you mean 'unsafe'?)");
	expect_error("name: t\ncluster:\n  mysqld: [a]\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:11: 'mysqld' must be a mapping of option: value, found a list");
	expect_error("name: t\ncluster:\n  mysqld: {\"a b\": 1}\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:12: 'mysqld' option names are letters, digits, '_', '-' and '.', not 'a b'");
	expect_error("name: t\ncluster:\n  backend: libvirt\n  libvirt: {domains: [a, b]}\nsteps: [sleep: 1s]\n",
		     "t.yaml:4:12: 'domains' lists 2 domains but the cluster has 3 nodes");
	expect_error("name: t\ncluster:\n  backend: libvirt\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:3: backend libvirt needs 'libvirt: {uri: ..., domains: [...]}' in 'cluster'");
	expect_error("name: Bad Name\ncluster: {}\nsteps: [sleep: 1s]\n",
		     "t.yaml:1:7: 'name' must be lowercase letters, digits, '.', '_' or '-', not 'Bad Name'");
	expect_error(HEAD "seed: -1\nsteps: [sleep: 1s]\n", "t.yaml:3:7: 'seed' must be at least 0, not -1");
	expect_error(HEAD "timeout: 10 min\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:10: 'timeout' must be a duration such as 500ms, 10s or 2m, not '10 min'");
}

/* cluster.version / cluster.versions and the upgrade step (versions.h). */
static void test_versions(void **state)
{
	(void)state;
	struct scenario *sc = must_parse("name: t\ncluster:\n  version: \"10.11.18\"\n  versions: {3: \"10.11.19\"}\n"
					 "steps: [upgrade: {node: 3, version: \"10.11.18\", transfer: ist}]\n");
	assert_string_equal(sc->cluster.version, "10.11.18");
	assert_int_equal(sc->cluster.versions.n, 1);
	assert_string_equal(sc->cluster.versions.v[0].key, "3");
	assert_string_equal(sc->cluster.versions.v[0].value, "10.11.19");
	assert_string_equal(sc->steps[0].version, "10.11.18");
	assert_int_equal(sc->steps[0].timeout_ms, 600000);
	scenario_free(sc);
	expect_error("name: t\ncluster:\n  version: latest\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:12: 'version' must be a server version like 10.11.18, not 'latest'");
	expect_error("name: t\ncluster:\n  versions: {4: \"10.11.18\"}\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:13: 'versions' keys are node numbers 1..3, not '4'");
	expect_error("name: t\ncluster: {}\nsteps: [upgrade: {node: 1}]\n",
		     "t.yaml:3:18: missing key 'version' in 'upgrade'");
}

static void test_workload_section(void **state)
{
	(void)state;
	expect_error(HEAD "workload: {threads: 0}\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:21: 'threads' must be between 1 and 256, not 0");
	expect_error(HEAD "workload: {mix: {credits: 1}}\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:18: unknown key 'credits' in 'mix' (did you mean 'credit'?)");
	expect_error(HEAD "workload: {lock: for_update}\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:12: 'lock: for_update' needs 'update_style: read_modify_write'");
	expect_error(HEAD "workload: {update_style: rmw}\nsteps: [sleep: 1s]\n",
		     "t.yaml:3:26: 'update_style' must be relative or read_modify_write, not 'rmw'");
	expect_error(HEAD "workload:\n  mix: {credit: 0, purchase: 0, transfer: 0, new_customer: 0, delete_customer: 0}\nsteps: [sleep: 1s]\n",
		     "t.yaml:4:8: 'mix' has no transaction with a weight above 0");
}

static void test_actions(void **state)
{
	(void)state;
	expect_error(HEAD "steps:\n  - hardreset: 1\n", "t.yaml:4:5: unknown action 'hardreset' (did you mean 'hard-reset'?)");
	expect_error(HEAD "steps:\n  - explode: 1\n", "t.yaml:4:5: unknown action 'explode'");
	expect_error(HEAD "steps:\n  - wait: {for: synced, timout: 10s}\n",
		     "t.yaml:4:25: unknown key 'timout' in 'wait' (did you mean 'timeout'?)");
	expect_error(HEAD "steps:\n  - wait: {for: synched}\n",
		     "t.yaml:4:17: 'for' must be synced, primary, non-primary or down, not 'synched' (did you mean 'synced'?)");
	expect_error(HEAD "steps:\n  - wait: {node: 1}\n", "t.yaml:4:11: missing key 'for' in 'wait'");
	expect_error(HEAD "steps:\n  - wait: {for: down, timeout: 50ms}\n",
		     "t.yaml:4:32: 'timeout' must be between 100ms and 24h, not '50ms'");
	expect_error(HEAD "steps:\n  - sleep: 10 sec\n",
		     "t.yaml:4:12: 'duration' must be a duration such as 500ms, 10s or 2m, not '10 sec'");
	expect_error(HEAD "steps:\n  - sleep:\n", "t.yaml:4:5: missing key 'duration' in 'sleep'");
	expect_error(HEAD "steps:\n  - kill: {node: 4}\n", "t.yaml:4:18: node 4 is out of range: the cluster has 3 nodes");
	expect_error(HEAD "steps:\n  - kill: {node: [1, 1]}\n", "t.yaml:4:22: node 1 is listed twice");
	expect_error(HEAD "steps:\n  - kill: {node: some}\n",
		     "t.yaml:4:18: 'node' must be all, primary, replicas, a node number or a list of them, not 'some'");
	expect_error(HEAD "steps:\n  - kill: {node: 1, signal: KILLL}\n",
		     "t.yaml:4:29: 'signal' must be a signal name or number, not 'KILLL' (did you mean 'KILL'?)");
	expect_error(HEAD "steps:\n  - kill: {signal: TERM}\n", "t.yaml:4:11: missing key 'node' in 'kill'");
	expect_error(HEAD "steps:\n  - bootstrap: {node: [1, 2]}\n", "t.yaml:4:23: 'node' must be one node, not a list");
	expect_error(HEAD "steps:\n  - bootstrap: {node: all}\n", "t.yaml:4:23: 'node' must be one node, not all");
	expect_error(HEAD "steps:\n  - bootstrap: {node: 1, force: maybe}\n",
		     "t.yaml:4:33: 'force' must be true or false, not 'maybe'");
	expect_error(HEAD "steps:\n  - disk-cache: {node: 1}\n", "t.yaml:4:17: missing key 'mode' in 'disk-cache'");
	expect_error(HEAD "steps:\n  - disk-cache: {node: 1, mode: fast}\n",
		     "t.yaml:4:33: 'mode' must be none, writethrough, writeback, unsafe or directsync, not 'fast'");
	expect_error(HEAD "steps:\n  - delete-file: {node: 1, path: ../../etc/passwd}\n",
		     "t.yaml:4:34: 'path' must be a plain path inside the datadir, not '../../etc/passwd': "
		     "the path has a '.', '..' or empty component: want a plain path inside the datadir");
	expect_error(HEAD "steps:\n  - delete-file: {node: 1, path: /etc/passwd}\n",
		     "t.yaml:4:34: 'path' must be a plain path inside the datadir, not '/etc/passwd': "
		     "the path is absolute: want a path relative to the datadir");
	/* What the run refuses, validate refuses (lib/names.h, the same rules). */
	expect_error(HEAD "steps:\n  - delete-file: {node: 1, path: ./ib_logfile0}\n",
		     "t.yaml:4:34: 'path' must be a plain path inside the datadir, not './ib_logfile0': "
		     "the path has a '.', '..' or empty component: want a plain path inside the datadir");
	expect_error(HEAD "steps:\n  - delete-file: {node: 1, path: a//b}\n",
		     "t.yaml:4:34: 'path' must be a plain path inside the datadir, not 'a//b': "
		     "the path has a '.', '..' or empty component: want a plain path inside the datadir");
	expect_error(HEAD "steps:\n  - stop: 1\n  - snapshot: {node: 1, name: "
			  "a234567890123456789012345678901234567890123456789012345678901234567890}\n",
		     "t.yaml:5:31: 'a234567890123456789012345678901234567890123456789012345678901234567890' is not a "
		     "snapshot name backend local takes: want 1-64 of A-Z a-z 0-9 . - _, not starting with '.'");
	expect_error(HEAD "steps:\n  - stop: 1\n  - snapshot: {node: 1, name: \"t\\0../x\"}\n",
		     "t.yaml:5:31: a value may not hold a NUL character (\\0)");
	expect_error(HEAD "steps:\n  - heal\ncluster: {nodes: 2}\n", "t.yaml:5:1: duplicate key 'cluster' in 'scenario'");
	/* Server options lab manages, and ones that run programs. */
	expect_error("name: t\ncluster: {mysqld: {Wsrep-Cluster-Address: gcomm://x}}\nsteps: [heal]\n",
		     "t.yaml:2:20: 'mysqld.Wsrep-Cluster-Address' is set by lab itself (it places, names and wires every "
		     "node): leave it out");
	expect_error("name: t\ncluster: {mysqld: {wsrep_notify_cmd: /bin/true}}\nsteps: [heal]\n",
		     "t.yaml:2:20: 'mysqld.wsrep_notify_cmd' makes the server run a program or load code: set "
		     "'allow_commands: true' in 'cluster' to allow it");
	scenario_free(must_parse("name: t\ncluster: {allow_commands: true, mysqld: {wsrep_notify_cmd: /bin/true, "
				 "innodb_flush_log_at_trx_commit: 2}}\nsteps: [heal]\n"));
	expect_error(HEAD "steps:\n  - edit-grastate: {node: 1}\n",
		     "t.yaml:4:20: 'edit-grastate' needs 'seqno' or 'safe_to_bootstrap'");
	expect_error(HEAD "steps:\n  - edit-grastate: {node: 1, safe_to_bootstrap: 2}\n",
		     "t.yaml:4:49: 'safe_to_bootstrap' must be between 0 and 1, not 2");
	expect_error(HEAD "steps:\n  - partition: {groups: [[1, 2]]}\n", "t.yaml:4:25: 'groups' needs at least two groups");
	expect_error(HEAD "steps:\n  - partition: {groups: [[1], [2]]}\n", "t.yaml:4:25: node 3 is in no group of 'groups'");
	expect_error(HEAD "steps:\n  - partition: {groups: [[1, 1], [2, 3]]}\n", "t.yaml:4:30: node 1 is twice in one group");
	expect_error(HEAD "steps:\n  - kill: primary\n",
		     "t.yaml:4:11: 'node: primary' needs a replication flavor (async or semisync): every Galera node takes writes");
	expect_error("name: t\ncluster: {flavor: async, nodes: 3}\nsteps:\n  - promote: replicas\n",
		     "t.yaml:4:14: 'node' must be one node, not the replicas");
	{
		/* roles are chosen when the step runs: nothing in the mask yet */
		struct scenario *sc = must_parse("name: t\ncluster: {flavor: async, nodes: 3}\nsteps:\n"
						 "  - kill: {node: primary, signal: KILL}\n  - start: replicas\n"
						 "  - wait: {for: primary}\n");
		assert_int_equal(sc->steps[0].nodes.role, NODE_ROLE_PRIMARY);
		assert_int_equal(sc->steps[0].nodes.mask, 0);
		assert_int_equal(sc->steps[1].nodes.role, NODE_ROLE_REPLICAS);
		assert_true(sc->steps[2].nodes.all);
		scenario_free(sc);
	}
	expect_error(HEAD "steps:\n  - nemesis: {faults: [kill], promote: true}\n",
		     "t.yaml:4:5: 'promote' applies to async and semisync clusters: a Galera cluster has no primary to replace");
	expect_error(HEAD "steps:\n  - partition: {groups: [[1, 2, 3], [2]]}\n",
		     "t.yaml:4:25: 'groups' cuts nothing: every node shares a group with every other");
	{
		/* overlapping groups: node 2 bridges 1 and 3 */
		struct scenario *sc = must_parse(HEAD "steps:\n  - partition: {groups: [[1, 2], [2, 3]]}\n");
		assert_int_equal(sc->steps[0].member_of[0], 1);
		assert_int_equal(sc->steps[0].member_of[1], 3);
		assert_int_equal(sc->steps[0].member_of[2], 2);
		scenario_free(sc);
	}
	expect_error(HEAD "steps:\n  - partition: {groups: [1, 2, 3]}\n",
		     "t.yaml:4:26: each group in 'groups' must be a list of nodes, found a scalar");
	expect_error(HEAD "steps:\n  - partition: [[1], [5, 2, 3]]\n", "t.yaml:4:23: node 5 is out of range: the cluster has 3 nodes");
	expect_error(HEAD "steps:\n  - check: [invariant]\n", "t.yaml:4:13: unknown checker 'invariant' (did you mean 'invariants'?)");
	expect_error(HEAD "steps:\n  - check: {checks: [durability], expect: {durability: maybe}}\n",
		     "t.yaml:4:56: 'durability' must be pass, fail or any, not 'maybe'");
	expect_error(HEAD "steps:\n  - check: []\n", "t.yaml:4:12: 'checks' is empty");
	expect_error(HEAD "steps:\n  - kill: 1\n    stop: 2\n",
		     "t.yaml:5:5: a step has one action; 'stop' must be a step of its own (start it with '-')");
	expect_error(HEAD "steps:\n  - sleep\n", "t.yaml:4:5: missing key 'duration' in 'sleep'");
	expect_error(HEAD "steps:\n  - [kill, 1]\n", "t.yaml:4:5: a step must be one action, e.g. '- kill: {node: 2}', found a list");
	expect_error(HEAD "steps:\n  - {}\n", "t.yaml:4:5: a step must be one action, e.g. '- kill: {node: 2}', found an empty mapping");
	expect_error(HEAD "steps:\n  - snapshot: 1\n", "t.yaml:4:15: 'snapshot' takes a mapping of its keys, e.g. {node: ...}, found a scalar");
	expect_error(HEAD "steps:\n  - promote: 2\n", "t.yaml:4:5: 'promote' needs a cluster of flavor async or semisync, this one is galera");
	expect_error(HEAD "steps:\n  - kill: {node: 1, outcome: fails}\n",
		     "t.yaml:4:30: 'outcome' must be ok, error or any, not 'fails'");
}

static void test_step_lint(void **state)
{
	(void)state;
	expect_error(HEAD "steps:\n  - snapshot: {node: 1, name: x}\n",
		     "t.yaml:4:5: node 1 is running here: 'snapshot' needs it stopped (stop, kill or hard-reset it first)");
	expect_error(HEAD "steps:\n  - stop: 1\n  - revert: {node: 1, name: x}\n",
		     "t.yaml:5:5: no snapshot 'x' of node 1 is taken before this step");
	expect_error(HEAD "steps:\n  - stop: all\n  - snapshot: {node: 2, name: x}\n  - revert: {node: [1, 2], name: x}\n",
		     "t.yaml:6:5: no snapshot 'x' of node 1 is taken before this step");
	expect_error(HEAD "steps:\n  - workload: stop\n", "t.yaml:4:5: the workload is not running here; 'workload: start' it first");
	expect_error(HEAD "steps:\n  - workload: start\n  - workload: start\n",
		     "t.yaml:5:5: the workload is already running (started at line 4)");
	expect_error(HEAD "steps:\n  - check: [invariants]\nexpect:\n  durability: pass\n",
		     "t.yaml:6:3: expect 'durability' but no check step runs 'durability'");
	expect_error(HEAD "steps:\n  - check: [invariants]\nexpect:\n  cluster: primary\n",
		     "t.yaml:6:3: expect 'cluster' but no check step runs 'split-brain'");
	/* a start the database may refuse leaves the node's state unknown: no lint */
	struct scenario *sc = must_parse(HEAD "steps:\n  - stop: 1\n  - start: {node: 1, outcome: error}\n  - wipe: 1\n");
	scenario_free(sc);
}

static void test_all_errors_in_order(void **state)
{
	(void)state;
	static const char *const want[] = {
		"t.yaml:3:3: unknown key 'nodse' in 'cluster' (did you mean 'nodes'?)",
		"t.yaml:5:10: 'duration' must be a duration such as 500ms, 10s or 2m, not 'soon'",
		"t.yaml:6:27: 'signal' must be a signal name or number, not 'NINE'",
		"t.yaml:7:3: unknown action 'sleeep' (did you mean 'sleep'?)",
	};
	expect_errors("name: t\ncluster:\n  nodse: 3\nsteps:\n- sleep: soon\n- kill: {node: 1, signal: NINE}\n- sleeep: 1s\n",
		      want, ARRAY_SIZE(want));
}

static void test_words(void **state)
{
	(void)state;
	static const char *const c[] = { "timeout", "node", "for", NULL };
	assert_int_equal(edit_distance("kitten", "sitting"), 3);
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("same", "same"), 0);
	assert_string_equal(nearest_word("timout", c, 3), "timeout");
	assert_string_equal(nearest_word("nodes", c, 3), "node");
	assert_null(nearest_word("xyz", c, 3));
	assert_null(nearest_word("a", c, 3));
	assert_int_equal(signal_from_name("KILL"), SIGKILL);
	assert_int_equal(signal_from_name("sigterm"), SIGTERM);
	assert_int_equal(signal_from_name("9"), 9);
	assert_int_equal(signal_from_name("NOPE"), -1);
	assert_string_equal(signal_name(SIGSTOP), "STOP");
}

static void test_sha256(void **state)
{
	(void)state;
	char h[65];
	sha256_hex("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256_hex(m, strlen(m), h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char big[1000];
	memset(big, 'a', sizeof(big));
	sha256_hex(big, sizeof(big), h);
	assert_string_equal(h, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

/* Every default in every table parses (a wrong default would only show at
 * run time otherwise), and --describe mentions every action. */
static void test_tables(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	scenario_describe(f);
	fclose(f);
	for (size_t i = 0; i < sc_n_actions; i++)
		assert_non_null(strstr(buf, sc_actions[i].name));
	assert_non_null(strstr(buf, "default 120s"));
	free(buf);
	/* A minimal scenario gets every default through the same tables. */
	struct scenario *sc = must_parse("name: m\ncluster:\nsteps: [heal]\n");
	scenario_free(sc);
	sc = must_parse("name: m\ncluster:\nsteps:\n  - heal\n");
	assert_int_equal(sc->cluster.nodes, 3);
	assert_string_equal(sc->cluster.flavor, "galera");
	assert_string_equal(sc->workload.update_style, "relative");
	assert_string_equal(sc->cleanup.nodes, "restart");
	scenario_free(sc);
}

/* Checkers come from lab_checkers[] alone: names, expect keys and values,
 * flavors. */
static void test_checker_table(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	scenario_describe(f);
	fclose(f);
	for (size_t i = 0; lab_checkers[i]; i++) {
		const struct checker_ops *c = lab_checkers[i];
		assert_true(c->run || c->scan);
		assert_true(checker_expect_valid(c, c->expect_default ? c->expect_default : "pass"));
		assert_true(checker_expect_valid(c, "any"));
		assert_ptr_equal(checker_by_expect_key(checker_expect_key(c)), c);
		assert_non_null(strstr(buf, c->name));
	}
	free(buf);
	assert_true(checker_count() <= LAB_MAX_CHECKERS);
	/* No cluster: section and a flavor-bound action: the defaults pass
	 * once freed the flavor the action check then read (found by
	 * fuzzing). */
	expect_error("steps:\n- promote:\n",
		     "t.yaml:2:3: 'promote' needs a cluster of flavor async or semisync, this one is galera");
	/* gtid: async and semisync only. */
	struct scenario *sc = must_parse("name: t\ncluster: {flavor: async, nodes: 3}\n"
					 "steps:\n  - check: [gtid, split-brain]\nexpect: {gtid: fail, cluster: any}\n");
	assert_string_equal(EXPECT(&sc->expect, "gtid"), "fail");
	assert_string_equal(EXPECT(&sc->expect, "split-brain"), "any");
	assert_null(EXPECT(&sc->expect, "invariants"));
	scenario_free(sc);
	expect_error(HEAD "steps:\n  - check: [gtid]\n",
		     "t.yaml:4:5: checker 'gtid' applies to async or semisync clusters, not galera");
	expect_error(HEAD "steps:\n  - check: [invariants]\nexpect: {invariant: pass}\n",
		     "t.yaml:5:10: unknown key 'invariant' in 'expect' (did you mean 'invariants'?)");
	expect_error(HEAD "steps:\n  - check: [invariants]\nexpect: {invariants: pass, invariants: fail}\n",
		     "t.yaml:5:28: duplicate key 'invariants' in 'expect'");
	expect_error(HEAD "steps:\n  - check: [split-brain]\nexpect: {cluster: pass}\n",
		     "t.yaml:5:19: 'cluster' must be primary, no-primary, split-brain-detected or any, not 'pass'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_scenario),
		cmocka_unit_test(test_syntax_and_structure),
		cmocka_unit_test(test_cluster_section),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_workload_section),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_step_lint),
		cmocka_unit_test(test_all_errors_in_order),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_checker_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
