/*
 * cmd_cluster.c — the `lab cluster` verb: bring a cluster up, down, show
 * its status, and apply single faults by hand (the same cluster.h calls the
 * scenario runner makes), so that every fault can be tried and tested from
 * a shell.
 *
 *   lab cluster up|down|status|version|start-all|heal [options]
 *   lab cluster start|stop|kill|hard-reset|pause|resume|pid|datadir NODE
 *   lab cluster bootstrap NODE [--force]
 *   lab cluster wait NODE synced|primary|non-primary|down [--timeout 120s]
 *   lab cluster delete-file NODE PATH
 *   lab cluster edit-grastate NODE [--seqno N] [--safe-to-bootstrap 0|1]
 *   lab cluster snapshot|revert NODE NAME
 *   lab cluster partition GROUP GROUP...     (a group is "1" or "2,3")
 *   lab cluster disk-cache NODE MODE         (none writeback writethrough directsync unsafe)
 *   lab cluster upgrade NODE VERSION         (switch the node's server build; versions.h)
 * options: --name NAME --state-dir DIR --flavor F --nodes N
 *          --mysqld KEY=VALUE (repeatable, up only) --signal SIG (kill)
 *          up only: --cache-mode MODE --no-powerfs --powerfs-flush-interval DUR
 *                   --powerloss-images --manager none|pacemaker --no-fencing
 *                   --proxmox KEY=VALUE (repeatable; url, node, nodes, vmids,
 *                   token_file, ca_file, fingerprint: as in a scenario's
 *                   cluster.proxmox, lists comma separated)
 *   lab cluster backend-up [options]   (hidden, for backend contract tests:
 *                   the backend's part of up, no flavor, no database)
 */
#include "cluster.h"
#include "commands.h"
#include "versions.h"

#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define usage_error(...) lab_usage_error("cluster", __VA_ARGS__)

struct args {
	struct cluster_spec spec;
	struct kv mysqld[64];
	const char *pos[LAB_MAX_NODES + 8];
	int n_pos;
	int64_t timeout_ms;
	bool have_timeout;
	bool force;
	bool have_seqno;
	int64_t seqno;
	int safe_to_bootstrap;
	int sig;
	double torn;              /* hard-reset --torn F */
	/* --proxmox vmids=/nodes=: the comma-separated values, split (owned) */
	char *pve_lists[2];
	char *pve_vmids[LAB_MAX_NODES + 1], *pve_nodes[LAB_MAX_NODES + 1];
};

/* Split a comma-separated --proxmox list into v (at most LAB_MAX_NODES
 * items); *copy owns the strings. Returns the count, or -1. */
static int split_list(const char *val, char **copy, char **v)
{
	int n = 0;
	free(*copy);
	*copy = xstrdup(val);
	for (char *p = *copy; p;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p || n == LAB_MAX_NODES)
			return -1;
		v[n++] = p;
		p = comma ? comma + 1 : NULL;
	}
	return n;
}

static int parse_signal(const char *s, int *sig)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "KILL", SIGKILL }, { "TERM", SIGTERM }, { "STOP", SIGSTOP }, { "CONT", SIGCONT },
		{ "INT", SIGINT }, { "HUP", SIGHUP }, { "QUIT", SIGQUIT }, { "ABRT", SIGABRT },
		{ "SEGV", SIGSEGV }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	};
	int64_t v;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (!strcmp(s, sigs[i].name)) {
			*sig = sigs[i].sig;
			return 0;
		}
	if (parse_int64(s, 1, NSIG - 1, &v) == 0) {
		*sig = (int)v;
		return 0;
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->timeout_ms = 120000;
	a->safe_to_bootstrap = -1;
	a->sig = SIGKILL;
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *val = NULL;
		char name[32];

		if (strncmp(arg, "--", 2) != 0) {
			if (a->n_pos >= (int)ARRAY_SIZE(a->pos) - 1)
				return usage_error("too many arguments");
			a->pos[a->n_pos++] = arg;
			continue;
		}
		const char *eq = strchr(arg, '=');
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		if (len >= sizeof(name))
			return usage_error("unknown option '%s'", arg);
		memcpy(name, arg, len);
		name[len] = '\0';
		if (!strcmp(name, "--force")) {
			a->force = true;
			continue;
		}
		if (!strcmp(name, "--no-powerfs")) {
			a->spec.no_powerfs = true;
			continue;
		}
		if (!strcmp(name, "--no-fencing")) {
			a->spec.no_fencing = true;
			continue;
		}
		if (!strcmp(name, "--powerloss-images")) {
			a->spec.powerloss_images = true;
			continue;
		}
		static const char *const valued[] = {
			"--name", "--state-dir", "--flavor", "--backend", "--nodes", "--timeout", "--seqno",
			"--safe-to-bootstrap", "--cache-mode", "--powerfs-flush-interval", "--signal",
			"--mysqld", "--proxmox", "--torn", "--version", "--manager",
		};
		bool known = false;
		for (size_t k = 0; k < ARRAY_SIZE(valued); k++)
			known = known || !strcmp(name, valued[k]);
		if (!known)
			return usage_error("unknown option '%s'", name);
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return usage_error("option '%s' needs a value", name);
		int64_t v;
		if (!strcmp(name, "--name")) {
			a->spec.name = val;
		} else if (!strcmp(name, "--state-dir")) {
			a->spec.state_dir = val;
		} else if (!strcmp(name, "--flavor")) {
			a->spec.flavor = val;
		} else if (!strcmp(name, "--manager")) {
			if (strcmp(val, "none") && !manager_find(val))
				return usage_error("--manager: want none or pacemaker, not '%s'", val);
			a->spec.manager = val;
		} else if (!strcmp(name, "--backend")) {
			a->spec.backend = val;
		} else if (!strcmp(name, "--nodes")) {
			if (parse_int64(val, 1, LAB_MAX_NODES, &v) < 0)
				return usage_error("--nodes: want 1..%d, not '%s'", LAB_MAX_NODES, val);
			a->spec.nodes = (int)v;
		} else if (!strcmp(name, "--timeout")) {
			if (parse_duration_ms(val, &a->timeout_ms) < 0)
				return usage_error("--timeout: bad duration '%s'", val);
			a->have_timeout = true;
		} else if (!strcmp(name, "--seqno")) {
			if (parse_int64(val, -1, INT64_MAX, &a->seqno) < 0)
				return usage_error("--seqno: bad number '%s'", val);
			a->have_seqno = true;
		} else if (!strcmp(name, "--safe-to-bootstrap")) {
			if (parse_int64(val, 0, 1, &v) < 0)
				return usage_error("--safe-to-bootstrap: want 0 or 1, not '%s'", val);
			a->safe_to_bootstrap = (int)v;
		} else if (!strcmp(name, "--version")) {
			if (!versions_valid(val))
				return usage_error("--version: want a server version like 10.11.18, not '%s'", val);
			a->spec.version = val;
		} else if (!strcmp(name, "--cache-mode")) {
			a->spec.cache_mode = val;
		} else if (!strcmp(name, "--powerfs-flush-interval")) {
			int64_t ms;
			if (parse_duration_ms(val, &ms) < 0)
				return usage_error("--powerfs-flush-interval: bad duration '%s'", val);
			a->spec.powerfs_flush_interval_ms = ms == 0 ? -1 : ms;
		} else if (!strcmp(name, "--torn")) {
			char *end;
			a->torn = strtod(val, &end);
			if (end == val || *end || !(a->torn >= 0.0 && a->torn <= 1.0))
				return usage_error("--torn: want a fraction within 0..1, not '%s'", val);
		} else if (!strcmp(name, "--signal")) {
			if (parse_signal(val, &a->sig) < 0)
				return usage_error("--signal: unknown signal '%s'", val);
		} else if (!strcmp(name, "--proxmox")) {
			static const struct { const char *key; size_t off; } keys[] = {
				{ "url", offsetof(struct cluster_spec, proxmox_url) },
				{ "node", offsetof(struct cluster_spec, proxmox_node) },
				{ "nodes", 0 },
				{ "vmids", 0 },
				{ "token_file", offsetof(struct cluster_spec, proxmox_token_file) },
				{ "ca_file", offsetof(struct cluster_spec, proxmox_ca_file) },
				{ "fingerprint", offsetof(struct cluster_spec, proxmox_fingerprint) },
			};
			const char *e = strchr(val, '=');
			size_t k = 0;
			while (e && k < ARRAY_SIZE(keys) &&
			       (strlen(keys[k].key) != (size_t)(e - val) || strncmp(val, keys[k].key, (size_t)(e - val))))
				k++;
			if (!e || k == ARRAY_SIZE(keys))
				return usage_error("--proxmox: want url|node|nodes|vmids|token_file|ca_file|fingerprint=VALUE, not '%s'", val);
			if (!strcmp(keys[k].key, "vmids") || !strcmp(keys[k].key, "nodes")) {
				bool vm = keys[k].key[0] == 'v';
				int n = split_list(e + 1, &a->pve_lists[vm], vm ? a->pve_vmids : a->pve_nodes);
				if (n < 0)
					return usage_error("--proxmox %s: want 1..%d comma-separated values, not '%s'", keys[k].key,
							   LAB_MAX_NODES, e + 1);
				if (vm) {
					a->spec.proxmox_vmids = a->pve_vmids;
					a->spec.n_proxmox_vmids = (size_t)n;
				} else {
					a->spec.proxmox_nodes = a->pve_nodes;
					a->spec.n_proxmox_nodes = (size_t)n;
				}
			} else {
				*(const char **)((char *)&a->spec + keys[k].off) = e + 1;
			}
		} else if (!strcmp(name, "--mysqld")) {
			const char *e = strchr(val, '=');
			if (!e || e == val || a->spec.n_mysqld >= ARRAY_SIZE(a->mysqld))
				return usage_error("--mysqld: want KEY=VALUE, not '%s'", val);
			char key[64];
			snprintf(key, sizeof(key), "%.*s", (int)(e - val), val);
			const char *why = mysqld_option_problem(key, false);
			if (why)
				return usage_error("--mysqld %s: '%s' %s%s", val, key, why,
						   mysqld_option_problem(key, true)
							   ? ""
							   : " (only a scenario with 'allow_commands: true' in 'cluster' may set it)");
			struct kv *kv = &a->mysqld[a->spec.n_mysqld++];
			kv->key = xstrdup(val);
			kv->key[e - val] = '\0';
			kv->value = kv->key + (e - val) + 1;
		}
	}
	a->spec.mysqld = a->mysqld;
	return 0;
}

static void print_status(struct cluster *c)
{
	struct node_status st[LAB_MAX_NODES];

	if (cluster_status(c, st) < 0)
		return;
	printf("cluster %s: flavor %s, backend %s, %d nodes, state %s, client options %s\n", c->name,
	       c->flavor->name, c->backend->name, c->spec.nodes, c->state_dir, c->defaults_file);
	/* Columns 1-7 are read by scripts: new ones go at the end. */
	printf("%-4s %-8s %-20s %-12s %-4s %-16s %-14s %-10s %-13s %s\n", "node", "pid", "address", "cluster", "size",
	       "state", "last_committed", "cache", "pending_bytes", "build");
	for (int i = 0; i < c->spec.nodes; i++) {
		char pid[16], size[16], seq[32], pend[32];
		snprintf(pid, sizeof(pid), "%d", (int)st[i].pid);
		snprintf(size, sizeof(size), "%d", st[i].cluster_size);
		snprintf(seq, sizeof(seq), "%" PRId64, st[i].last_committed);
		snprintf(pend, sizeof(pend), "%" PRId64, st[i].pending_bytes);
		printf("%-4d %-8s %-20s %-12s %-4s %-16s %-14s %-10s %-13s %s\n", st[i].node, st[i].pid ? pid : "-",
		       st[i].address, st[i].cluster_status[0] ? st[i].cluster_status : "-",
		       st[i].cluster_size >= 0 ? size : "-",
		       st[i].local_state[0] ? st[i].local_state
					    : (st[i].pid ? (st[i].reachable ? "-" : "no-answer") : "down"),
		       st[i].last_committed >= 0 ? seq : "-", st[i].cache_mode[0] ? st[i].cache_mode : "-",
		       st[i].pending_bytes >= 0 ? pend : "-",
		       node_version(c, i + 1) ? node_version(c, i + 1) : "installed");
	}
	/* async / semisync: role, positions, replication threads. */
	bool repl = false;
	for (int i = 0; i < c->spec.nodes; i++)
		repl |= st[i].role[0] != '\0';
	if (repl) {
		printf("%-4s %-9s %-18s %-18s %s\n", "node", "role", "gtid_binlog_pos", "gtid_slave_pos", "replication");
		for (int i = 0; i < c->spec.nodes; i++)
			printf("%-4d %-9s %-18s %-18s %s\n", st[i].node, st[i].role[0] ? st[i].role : "-",
			       st[i].gtid_binlog_pos[0] ? st[i].gtid_binlog_pos : "-",
			       st[i].gtid_slave_pos[0] ? st[i].gtid_slave_pos : "-",
			       st[i].replication[0] ? st[i].replication : "-");
	}
	/* The failover manager's own view, beside the database's. */
	if (c->manager) {
		struct strbuf m = { 0 };
		cluster_manager_status(c, &m);
		printf("\n%s", m.len ? m.buf : "");
		sb_release(&m);
	}
}

static int need_node(struct cluster *c, struct args *a, int npos, int *node)
{
	int64_t v;

	if (a->n_pos != npos)
	{
		usage_error("'%s' takes %d argument%s", a->pos[0], npos - 1, npos == 2 ? "" : "s");
		return -1;
	}
	if (parse_int64(a->pos[1], 1, c->spec.nodes, &v) < 0) {
		lab_error("bad node '%s': want 1..%d", a->pos[1], c->spec.nodes);
		return -1;
	}
	*node = (int)v;
	return 0;
}

/* hard-reset N[,N...] | all: one power loss of every node named
 * (cluster.c's nodes_hard_reset: frozen together, then each cut). */
static int hard_reset_sub(struct cluster *c, struct args *a)
{
	int nodes[LAB_MAX_NODES];
	size_t n = 0;
	struct strbuf d = { 0 };
	char *copy, *save = NULL;
	int rc;

	if (a->n_pos != 2) {
		usage_error("'hard-reset' takes one argument: N, N,N,... or all");
		return -1;
	}
	if (!strcmp(a->pos[1], "all")) {
		for (int i = 1; i <= c->spec.nodes; i++)
			nodes[n++] = i;
	} else {
		copy = xstrdup(a->pos[1]);
		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int64_t v;
			bool dup = false;
			if (parse_int64(tok, 1, c->spec.nodes, &v) < 0 || n == LAB_MAX_NODES) {
				lab_error("bad node '%s' in '%s': want 1..%d", tok, a->pos[1], c->spec.nodes);
				free(copy);
				return -1;
			}
			for (size_t k = 0; k < n; k++)
				dup = dup || nodes[k] == (int)v;
			if (!dup)
				nodes[n++] = (int)v;
		}
		free(copy);
	}
	rc = nodes_hard_reset_torn(c, nodes, n, a->torn, &d);
	if (d.len)
		printf("%s\n", d.buf);
	sb_release(&d);
	return rc;
}

/* Hidden, for backend contract tests (tests/integration/proxmox_contract.sh):
 * the backend's create without a flavor, so that a fake API's guests need no
 * database server; `lab cluster down` undoes it as usual. */
static int backend_up(struct cluster *c)
{
	if (c->n_state) {
		lab_error("cluster '%s' exists already (state in '%s')", c->name, c->state_dir);
		return -1;
	}
	if (mkdir_p(c->state_dir, 0755) < 0)
		return -1;
	cluster_state_describe(c, "up");
	if (cluster_state_save(c) < 0)
		return -1;
	if (c->backend->create(c) < 0) {
		cluster_down(c); /* the backend's destroy undoes what create recorded */
		return -1;
	}
	printf("cluster %s: backend %s up, %d nodes, no flavor started\n", c->name, c->backend->name, c->spec.nodes);
	return 0;
}

/* ---- the sub-verbs, one function each, as a table (git's style) ---- */

static int sub_up(struct cluster *c, struct args *a, int node)
{
	int64_t t0 = mono_ns();
	bool was_up = cluster_is_up(c);

	(void)a;
	(void)node;
	if (cluster_up(c) < 0)
		return -1;
	if (!was_up) {
		printf("cluster %s is up: %d nodes Synced in %.1f s\n", c->name, c->spec.nodes, (mono_ns() - t0) / 1e9);
		printf("connect: mariadb --defaults-file=%s -h %s\n", c->defaults_file, c->hosts[0].host);
	} else {
		printf("cluster %s is already up\n", c->name);
	}
	return 0;
}

static int sub_backend_up(struct cluster *c, struct args *a, int node)
{
	(void)a;
	(void)node;
	return backend_up(c);
}

static int sub_down(struct cluster *c, struct args *a, int node)
{
	bool was = c->n_state > 0 || c->dead_owner; /* a dead owner's: cleaned up by cluster_open */

	(void)a;
	(void)node;
	if (cluster_down(c) < 0)
		return -1;
	printf(was ? "cluster %s is down\n" : "cluster %s was not up\n", c->name);
	return 0;
}

static int sub_status(struct cluster *c, struct args *a, int node)
{
	(void)a;
	(void)node;
	print_status(c);
	return 0;
}

static int sub_version(struct cluster *c, struct args *a, int node)
{
	char *v = cluster_server_version(c);

	(void)a;
	(void)node;
	if (!v) {
		lab_error("no node of cluster '%s' answered", c->name);
		return -1;
	}
	printf("%s\n", v);
	free(v);
	return 0;
}

static int sub_heal(struct cluster *c, struct args *a, int node)
{
	(void)a;
	(void)node;
	return cluster_heal(c);
}

static int sub_upgrade(struct cluster *c, struct args *a, int node)
{
	struct strbuf d = { 0 };
	int rc;

	if (!versions_valid(a->pos[2])) {
		usage_error("upgrade: want a server version like 10.11.19, not '%s'", a->pos[2]);
		return -1;
	}
	rc = node_upgrade(c, node, a->pos[2], a->have_timeout ? a->timeout_ms : 600000, &d, NULL);
	if (d.len)
		printf("%s\n", d.buf);
	sb_release(&d);
	return rc;
}

static int sub_start_all(struct cluster *c, struct args *a, int node)
{
	struct strbuf why = { 0 };
	int rc = node_start_all(c, &why);

	(void)a;
	(void)node;
	if (why.len)
		printf("%s\n", why.buf);
	sb_release(&why);
	return rc;
}

/* partition 1 2,3 ...: each argument a group of nodes that can still talk;
 * a node may be in several groups (1,2 2,3: node 2 is a bridge). */
static int sub_partition(struct cluster *c, struct args *a, int node)
{
	uint32_t member_of[LAB_MAX_NODES] = { 0 };

	(void)node;
	if (a->n_pos - 1 > LAB_MAX_GROUPS) {
		lab_error("partition: at most %d groups", LAB_MAX_GROUPS);
		return -1;
	}
	for (int g = 1; g < a->n_pos; g++) {
		char *copy = xstrdup(a->pos[g]), *save = NULL, *tok;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int64_t v;
			if (parse_int64(tok, 1, c->spec.nodes, &v) < 0 || (member_of[v - 1] & (1u << (g - 1)))) {
				lab_error("partition: bad or repeated node '%s' in group '%s'", tok, a->pos[g]);
				free(copy);
				return -1;
			}
			member_of[v - 1] |= 1u << (g - 1);
		}
		free(copy);
	}
	for (int i = 0; i < c->spec.nodes; i++)
		if (!member_of[i]) {
			lab_error("partition: node %d is in no group", i + 1);
			return -1;
		}
	return cluster_partition(c, member_of);
}

static int sub_hard_reset(struct cluster *c, struct args *a, int node)
{
	(void)node;
	return hard_reset_sub(c, a); /* the backend says what was dropped */
}

static int sub_start(struct cluster *c, struct args *a, int n) { (void)a; return node_start(c, n); }
static int sub_stop(struct cluster *c, struct args *a, int n) { (void)a; return node_stop(c, n); }
static int sub_kill(struct cluster *c, struct args *a, int n) { return node_kill(c, n, a->sig); }
static int sub_pause(struct cluster *c, struct args *a, int n) { (void)a; return node_pause(c, n); }
static int sub_resume(struct cluster *c, struct args *a, int n) { (void)a; return node_resume(c, n); }
static int sub_bootstrap(struct cluster *c, struct args *a, int n) { return node_bootstrap(c, n, a->force); }
static int sub_promote(struct cluster *c, struct args *a, int n) { (void)a; return node_promote(c, n); }
static int sub_rejoin(struct cluster *c, struct args *a, int n) { (void)a; return node_rejoin(c, n); }
static int sub_disk_cache(struct cluster *c, struct args *a, int n) { return node_set_cache_mode(c, n, a->pos[2]); }
static int sub_wait(struct cluster *c, struct args *a, int n) { return node_wait(c, n, a->pos[2], a->timeout_ms); }
static int sub_delete_file(struct cluster *c, struct args *a, int n) { return node_delete_file(c, n, a->pos[2]); }
static int sub_snapshot(struct cluster *c, struct args *a, int n) { return node_snapshot(c, n, a->pos[2]); }
static int sub_revert(struct cluster *c, struct args *a, int n) { return node_revert(c, n, a->pos[2]); }

static int sub_edit_grastate(struct cluster *c, struct args *a, int n)
{
	return node_edit_grastate(c, n, a->have_seqno ? &a->seqno : NULL, a->safe_to_bootstrap);
}

static int sub_pid(struct cluster *c, struct args *a, int n)
{
	(void)a;
	printf("%d\n", (int)node_pid(c, n));
	return 0;
}

static int sub_datadir(struct cluster *c, struct args *a, int n)
{
	const char *dd = node_datadir(c, n);

	(void)a;
	if (!dd) {
		lab_error("node %d has no datadir on this machine", n);
		return -1;
	}
	printf("%s\n", dd);
	return 0;
}

enum sub_flags {
	SUB_NO_STATE = 1 << 0, /* runs on a cluster that is not up (up, down) */
};

struct sub {
	const char *name;
	int npos;      /* positional arguments with the sub-verb's name: 2 = NODE, 3 = NODE ARG; 0: its own */
	unsigned flags;
	int (*fn)(struct cluster *c, struct args *a, int node);
};

static const struct sub subs[] = {
	{ "up", 0, SUB_NO_STATE, sub_up },
	{ "backend-up", 0, SUB_NO_STATE, sub_backend_up },
	{ "down", 0, SUB_NO_STATE, sub_down },
	{ "status", 0, 0, sub_status },
	{ "version", 0, 0, sub_version },
	{ "heal", 0, 0, sub_heal },
	{ "start-all", 0, 0, sub_start_all },
	{ "partition", 0, 0, sub_partition },
	{ "hard-reset", 0, 0, sub_hard_reset },
	{ "upgrade", 3, 0, sub_upgrade },
	{ "start", 2, 0, sub_start },
	{ "stop", 2, 0, sub_stop },
	{ "kill", 2, 0, sub_kill },
	{ "pause", 2, 0, sub_pause },
	{ "resume", 2, 0, sub_resume },
	{ "pid", 2, 0, sub_pid },
	{ "datadir", 2, 0, sub_datadir },
	{ "bootstrap", 2, 0, sub_bootstrap },
	{ "edit-grastate", 2, 0, sub_edit_grastate },
	{ "promote", 2, 0, sub_promote },
	{ "rejoin", 2, 0, sub_rejoin },
	{ "wait", 3, 0, sub_wait },
	{ "delete-file", 3, 0, sub_delete_file },
	{ "snapshot", 3, 0, sub_snapshot },
	{ "revert", 3, 0, sub_revert },
	{ "disk-cache", 3, 0, sub_disk_cache },
};

static int run_sub(struct cluster *c, const char *sub, struct args *a)
{
	int node = 0;

	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		if (strcmp(subs[i].name, sub))
			continue;
		if (!(subs[i].flags & SUB_NO_STATE) && !c->n_state) {
			lab_error("cluster '%s' is not up (no state in '%s')", c->name, c->state_dir);
			return -1;
		}
		if (subs[i].npos && need_node(c, a, subs[i].npos, &node) < 0)
			return -1;
		return subs[i].fn(c, a, node);
	}
	usage_error("unknown sub-command '%s'", sub);
	return -1;
}

int cmd_cluster(int argc, char **argv)
{
	struct args a;
	struct cluster c;
	int rc;

	if (argc < 2)
		return usage_error("missing sub-command (up, down, status, ...)");
	if (parse_args(argc, argv, &a) != 0) {
		rc = LAB_EXIT_BROKEN;
		goto out;
	}
	/* The sub-command is argv[1]; pos[] starts with it for node commands. */
	memmove(&a.pos[1], &a.pos[0], (size_t)a.n_pos * sizeof(a.pos[0]));
	a.pos[0] = argv[1];
	a.n_pos++;
	/* The state directory's lock: up and down own the cluster's life;
	 * reading needs none; every other sub-command is a short change. */
	if (!strcmp(argv[1], "up") || !strcmp(argv[1], "down"))
		a.spec.lock = CLUSTER_LOCK_OWNER;
	else if (!strcmp(argv[1], "status") || !strcmp(argv[1], "pid") || !strcmp(argv[1], "datadir") ||
		 !strcmp(argv[1], "version") || !strcmp(argv[1], "wait"))
		a.spec.lock = CLUSTER_LOCK_NONE;
	else
		a.spec.lock = CLUSTER_LOCK_SHORT;
	if (cluster_open(&c, &a.spec) < 0) {
		rc = LAB_EXIT_BROKEN;
		goto out;
	}
	rc = run_sub(&c, argv[1], &a) < 0 ? LAB_EXIT_BROKEN : LAB_EXIT_OK;
	cluster_release(&c);
out:
	for (size_t i = 0; i < a.spec.n_mysqld; i++)
		free(a.mysqld[i].key);
	free(a.pve_lists[0]);
	free(a.pve_lists[1]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		lab_error("cannot write to stdout");
		rc = LAB_EXIT_BROKEN;
	}
	return rc;
}
