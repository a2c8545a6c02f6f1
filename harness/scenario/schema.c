/*
 * schema.c — the scenario format as data: the allowed values, one option
 * table per section (cluster, workload, mix, libvirt, proxmox, cleanup, the
 * top level), and the name lists that come from the plug-in tables
 * (flavors, backends, workloads, checkers), so that no second list of
 * their names exists. The actions' tables are the faults table in
 * harness/run/actions.c.
 */
#include "plan.h"
#include "scenario.h"
#include "scenario_internal.h"
#include "util.h"
#include "workload.h"

#include <pthread.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Allowed values */

#define LAB_MAX_PLUGINS 16

/* Filled from the plug-in tables (lab_flavors[], lab_backends[],
 * lab_checkers[]) before the first parse: no second list of their names. */
static const char *v_flavors[LAB_MAX_PLUGINS + 1];
static const char *v_backends[LAB_MAX_PLUGINS + 1];
static const char *v_managers[LAB_MAX_PLUGINS + 2];
const char *sc_checker_names[LAB_MAX_CHECKERS + 1];
const char *const sc_cache_modes[] = { "none", "writethrough", "writeback", "unsafe", "directsync", NULL };
static const char *v_workloads[LAB_MAX_PLUGINS + 1];
static const char *const v_isolation[] = { "server", "serializable", "repeatable-read", "read-committed", "read-uncommitted", NULL };
static const char *const v_update[] = { "relative", "read_modify_write", NULL };
static const char *const v_lock[] = { "none", "for_update", NULL };
static const char *const v_cleanup[] = { "restart", "leave", NULL };

#define DAY_MS SC_DAY_MS
#define O(type, field) offsetof(type, field)
#define SECTION(tbl) tbl, ARRAY_SIZE(tbl)

/* ------------------------------------------------------------------ */
/* Section tables */

static const struct sc_option t_mix[] = {
	{ "credit", SC_INT, O(struct sc_mix, credit), "30", 0, 1000, NULL, 0, NULL, 0, "weight of credit transactions" },
	{ "purchase", SC_INT, O(struct sc_mix, purchase), "45", 0, 1000, NULL, 0, NULL, 0, "weight of purchases (1-5 products)" },
	{ "transfer", SC_INT, O(struct sc_mix, transfer), "10", 0, 1000, NULL, 0, NULL, 0, "weight of transfers between customers" },
	{ "new_customer", SC_INT, O(struct sc_mix, new_customer), "10", 0, 1000, NULL, 0, NULL, 0, "weight of new customers" },
	{ "delete_customer", SC_INT, O(struct sc_mix, delete_customer), "5", 0, 1000, NULL, 0, NULL, 0, "weight of customer deletions (with all their rows)" },
	{ "audit", SC_INT, O(struct sc_mix, audit), "0", 0, 1000, NULL, 0, NULL, 0, "weight of audits: every balance and the ledger sums read in one snapshot (a total that does not add up is read skew)" },
};

static const struct sc_option t_libvirt[] = {
	{ "uri", SC_STRING, O(struct sc_libvirt, uri), "qemu:///system", 0, 0, NULL, 0, NULL, 0, "libvirt connection URI, e.g. qemu+ssh://pve1/system" },
	{ "domains", SC_LIST, O(struct sc_libvirt, domains), NULL, 0, 0, NULL, 0, NULL, 0, "domain names, one per node, each carrying the lab marker" },
};

static const struct sc_option t_proxmox[] = {
	{ "url", SC_STRING, O(struct sc_proxmox, url), NULL, 0, 0, NULL, 0, NULL, 0, "the API, https://HOST:8006" },
	{ "node", SC_STRING, O(struct sc_proxmox, node), NULL, 0, 0, NULL, 0, NULL, 0, "the Proxmox node every VM is on" },
	{ "nodes", SC_LIST, O(struct sc_proxmox, nodes), NULL, 0, 0, NULL, 0, NULL, 0, "or the Proxmox node of each VM, one per node" },
	{ "vmids", SC_LIST, O(struct sc_proxmox, vmids), NULL, 0, 0, NULL, 0, NULL, 0, "VM ids, one per node, each tagged lab-CLUSTER-N" },
	{ "token_file", SC_STRING, O(struct sc_proxmox, token_file), NULL, 0, 0, NULL, 0, NULL, 0, "0600 file with USER@REALM!TOKENID=SECRET (else LAB_PROXMOX_TOKEN)" },
	{ "ca_file", SC_STRING, O(struct sc_proxmox, ca_file), NULL, 0, 0, NULL, 0, NULL, 0, "PEM CA of the API's certificate" },
	{ "fingerprint", SC_STRING, O(struct sc_proxmox, fingerprint), NULL, 0, 0, NULL, 0, NULL, 0, "or the certificate's SHA-256 fingerprint, AA:BB:..." },
};

static const struct sc_option t_cluster[] = {
	{ "flavor", SC_STRING, O(struct sc_cluster, flavor), "galera", 0, 0, v_flavors, 0, NULL, 0, "database topology" },
	{ "nodes", SC_INT, O(struct sc_cluster, nodes), "3", 1, LAB_MAX_NODES, NULL, 0, NULL, 0, "number of nodes" },
	{ "backend", SC_STRING, O(struct sc_cluster, backend), "local", 0, 0, v_backends, 0, NULL, 0, "what controls the nodes (--backend overrides)" },
	{ "mysqld", SC_KVMAP, O(struct sc_cluster, mysqld), NULL, 0, 0, NULL, 0, NULL, 0, "extra server options for every node" },
	{ "libvirt", SC_SECTION, O(struct sc_cluster, libvirt), NULL, 0, 0, NULL, 0, SECTION(t_libvirt), "libvirt connection and domains" },
	{ "proxmox", SC_SECTION, O(struct sc_cluster, proxmox), NULL, 0, 0, NULL, 0, SECTION(t_proxmox), "Proxmox VE API and VMs" },
	{ "cache_mode", SC_STRING, O(struct sc_cluster, cache_mode), "none", 0, 0, sc_cache_modes, 0, NULL, 0, "initial disk cache mode of every node" },
	{ "allow_commands", SC_BOOL, O(struct sc_cluster, allow_commands), "false", 0, 0, NULL, 0, NULL, 0, "allow mysqld options that make the server run programs or load code (wsrep_notify_cmd, init_file, plugin_load...)" },
	{ "version", SC_STRING, O(struct sc_cluster, version), NULL, 0, 0, NULL, 0, NULL, 0, "server build of every node, e.g. 10.11.18 (default: the installed one; lab versions)" },
	{ "versions", SC_KVMAP, O(struct sc_cluster, versions), NULL, 0, 0, NULL, 0, NULL, 0, "server build of single nodes, NODE: VERSION (overrides version)" },
	{ "manager", SC_STRING, O(struct sc_cluster, manager), "none", 0, 0, v_managers, 0, NULL, 0, "failover manager that runs the databases (pacemaker: Corosync + Pacemaker on every node; lab then does not promote or start servers itself)" },
	{ "fencing", SC_BOOL, O(struct sc_cluster, fencing), "true", 0, 0, NULL, 0, NULL, 0, "with a manager: fence (power-cut) nodes it lost (stonith-enabled); false shows what happens without" },
};

static const struct sc_option t_workload[] = {
	{ "name", SC_STRING, O(struct sc_workload, name), "bank", 0, 0, v_workloads, 0, NULL, 0, "workload" },
	{ "threads", SC_INT, O(struct sc_workload, threads), "8", 1, 256, NULL, 0, NULL, 0, "client threads" },
	{ "customers", SC_INT, O(struct sc_workload, customers), "1000", 1, 10000000, NULL, 0, NULL, 0, "customers loaded" },
	{ "products", SC_INT, O(struct sc_workload, products), "100", 1, 1000000, NULL, 0, NULL, 0, "products loaded" },
	{ "mix", SC_SECTION, O(struct sc_workload, mix), NULL, 0, 0, NULL, 0, SECTION(t_mix), "transaction mix (weights)" },
	{ "update_style", SC_STRING, O(struct sc_workload, update_style), "relative", 0, 0, v_update, 0, NULL, 0, "credit = credit + x, or read then write" },
	{ "lock", SC_STRING, O(struct sc_workload, lock), "none", 0, 0, v_lock, 0, NULL, 0, "SELECT ... FOR UPDATE before a read_modify_write" },
	{ "rate", SC_INT, O(struct sc_workload, rate), "0", 0, 1000000, NULL, 0, NULL, 0, "transactions per second in total, 0 = as fast as possible" },
	{ "isolation", SC_STRING, O(struct sc_workload, isolation), "server", 0, 0, v_isolation, 0, NULL, 0, "the session's transaction isolation level (server: leave the server's default)" },
	{ "sync_wait", SC_INT, O(struct sc_workload, sync_wait), "-1", -1, 15, NULL, 0, NULL, 0, "Galera's wsrep_sync_wait for every session (-1: leave the server's)" },
	{ "keys", SC_INT, O(struct sc_workload, keys), "8", 1, 100000, NULL, 0, NULL, 0, "append: keys in use at once (each retired after appends_per_key appends)" },
	{ "appends_per_key", SC_INT, O(struct sc_workload, appends_per_key), "32", 1, 65535, NULL, 0, NULL, 0, "append: appends before a key is replaced by a fresh one" },
	{ "ops_per_txn", SC_STRING, O(struct sc_workload, ops_per_txn), "1..4", 0, 0, NULL, 0, NULL, 0, "append: micro-operations per transaction, N or MIN..MAX within 1..16" },
	{ "read_ratio", SC_STRING, O(struct sc_workload, read_ratio), "0.5", 0, 0, NULL, 0, NULL, 0, "append: chance that a micro-operation is a read of a whole list, 0..1" },
};

static const struct sc_option t_cleanup[] = {
	{ "nodes", SC_STRING, O(struct sc_cleanup, nodes), "restart", 0, 0, v_cleanup, 0, NULL, 0, "at the end, restart nodes the scenario left down (only matters with --keep), or leave them" },
};

const struct sc_option sc_top[] = {
	{ "name", SC_STRING, O(struct scenario, name), NULL, 0, 0, NULL, SC_F_REQUIRED | SC_F_IDENT, NULL, 0, "scenario name: lowercase letters, digits, '-', '_', '.'" },
	{ "description", SC_STRING, O(struct scenario, description), NULL, 0, 0, NULL, 0, NULL, 0, "what it reproduces; the first sentence is the one-line purpose" },
	{ "seed", SC_INT, O(struct scenario, seed), NULL, 0, INT64_MAX, NULL, 0, NULL, 0, "random seed (--seed overrides; random when absent)" },
	{ "tags", SC_LIST, O(struct scenario, tags), NULL, 0, 0, NULL, 0, NULL, 0, "bug ids etc., printed when the scenario fails" },
	{ "timeout", SC_DURATION, O(struct scenario, timeout_ms), "30m", 1000, DAY_MS, NULL, 0, NULL, 0, "watchdog: the run is broken when it takes longer" },
	{ "cluster", SC_SECTION, O(struct scenario, cluster), NULL, 0, 0, NULL, SC_F_REQUIRED, SECTION(t_cluster), "what to build" },
	{ "workload", SC_SECTION, O(struct scenario, workload), NULL, 0, 0, NULL, 0, SECTION(t_workload), "the workload's parameters (bank, or append for the history checker)" },
	{ "steps", SC_STEPS, O(struct scenario, steps), NULL, 0, 0, NULL, SC_F_REQUIRED, NULL, 0, "the actions, in order" },
	{ "expect", SC_EXPECT, O(struct scenario, expect), NULL, 0, 0, NULL, 0, NULL, 0, "what the last run of each checker must find: CHECKER-KEY: VALUE" },
	{ "cleanup", SC_SECTION, O(struct scenario, cleanup), NULL, 0, 0, NULL, 0, SECTION(t_cleanup), "what to do with the nodes at the end" },
};
const size_t sc_n_top = ARRAY_SIZE(sc_top);

/* A nightly plan (plan.h): its axes replace the cluster section's keys of
 * the same name, so their values are checked against the same lists. */
static const struct sc_option t_matrix[] = {
	{ "version", SC_LIST, O(struct plan_matrix, version), NULL, 0, 0, NULL, 0, NULL, 0, "server builds, each replacing cluster.version (lab versions)" },
	{ "flavor", SC_LIST, O(struct plan_matrix, flavor), NULL, 0, 0, v_flavors, 0, NULL, 0, "flavors, each replacing cluster.flavor" },
	{ "cache_mode", SC_LIST, O(struct plan_matrix, cache_mode), NULL, 0, 0, sc_cache_modes, 0, NULL, 0, "disk cache modes, each replacing cluster.cache_mode" },
	{ "mysqld", SC_KVSETS, O(struct plan_matrix, mysqld), NULL, 0, 0, NULL, 0, NULL, 0, "option sets NAME: {option: value, ...}, each merged over cluster.mysqld" },
};

const struct sc_option sc_plan_top[] = {
	{ "name", SC_STRING, O(struct plan, name), NULL, 0, 0, NULL, SC_F_REQUIRED | SC_F_IDENT, NULL, 0, "plan name: lowercase letters, digits, '-', '_', '.'" },
	{ "description", SC_STRING, O(struct plan, description), NULL, 0, 0, NULL, 0, NULL, 0, "what the plan is for" },
	{ "scenarios", SC_LIST, O(struct plan, scenarios), NULL, 0, 0, NULL, SC_F_REQUIRED, NULL, 0, "scenario files or globs (*, ?, [..]), relative to the plan file" },
	{ "matrix", SC_SECTION, O(struct plan, matrix), NULL, 0, 0, NULL, 0, SECTION(t_matrix), "axes: every combination of their values is one run of every scenario" },
};
const size_t sc_n_plan_top = ARRAY_SIZE(sc_plan_top);

const struct sc_action_desc *sc_action_find(const char *name)
{
	for (size_t i = 0; i < sc_n_actions; i++)
		if (!strcmp(sc_actions[i].name, name))
			return &sc_actions[i];
	return NULL;
}

const char *sc_expect_get(const struct sc_expect *e, const struct checker_ops *ops)
{
	int i = checker_index(ops);

	return i >= 0 ? e->v[i] : NULL;
}

/* The name lists that come from the plug-in tables, once. */
static void fill_names(void)
{
	size_t n = 0;


	for (size_t i = 0; lab_flavors[i] && n < LAB_MAX_PLUGINS; i++)
		v_flavors[n++] = flavor_name(lab_flavors[i]);
	v_flavors[n] = NULL;
	n = 0;
	for (size_t i = 0; lab_backends[i] && n < LAB_MAX_PLUGINS; i++)
		v_backends[n++] = backend_name(lab_backends[i]);
	v_backends[n] = NULL;
	n = 0;
	v_managers[n++] = "none";
	for (size_t i = 0; lab_managers[i] && n < LAB_MAX_PLUGINS; i++)
		v_managers[n++] = lab_managers[i]->name;
	v_managers[n] = NULL;
	n = 0;
	for (const char *w; (w = workload_name_at(n)) && n < LAB_MAX_PLUGINS;)
		v_workloads[n++] = w;
	v_workloads[n] = NULL;
	n = 0;
	for (size_t i = 0; lab_checkers[i] && n < LAB_MAX_CHECKERS; i++)
		sc_checker_names[n++] = lab_checkers[i]->name;
	sc_checker_names[n] = NULL;
}

void sc_fill_names_once(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fill_names);
}

