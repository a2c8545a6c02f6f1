/*
 * flavor_async.c — the `async` and `semisync` flavors: primary / replica
 * replication with GTIDs, on any backend. What follows is told in
 * MariaDB's words; every statement, column, variable and option goes
 * through the node's dialect (dialect.h), so a MySQL / Percona Server 8.0
 * node gets SHOW REPLICA STATUS, CHANGE REPLICATION SOURCE TO ...
 * SOURCE_AUTO_POSITION=1, gtid_mode=ON, super_read_only and the
 * semisync_source plugin instead.
 *
 * Topology: node 1 starts as the primary, every other node replicates from
 * it with `CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos`.  Every node has
 * log_bin, log_slave_updates, binlog_format=ROW, its node number as
 * server_id, gtid_domain_id 0, sync_binlog=1; replicas run read_only=ON, and
 * the lab user lacks READ_ONLY ADMIN, so a workload thread that writes to a
 * replica gets error 1290 and moves on to the primary.  gtid_strict_mode is
 * the server's default (OFF) unless the scenario's mysqld: section sets it.
 *
 * `semisync` adds MariaDB's built-in semi-synchronous replication:
 * rpl_semi_sync_master_enabled on the primary (wait point AFTER_SYNC, the
 * loss-less one: a transaction is in the primary's binlog before a replica
 * acknowledged it — exactly what reference 003 is about),
 * rpl_semi_sync_slave_enabled on the replicas.  Only the primary has the
 * master side on: a replica with it on would wait for acks from replicas
 * of its own.
 *
 * Which node is the primary is kept in the cluster's state file
 * (async.primary), so that a restarted node comes back in its role.
 *
 * promote {node} does what an orchestrator does when it judged the primary
 * dead: on the chosen replica stop the IO thread, let the SQL thread apply
 * what was received; if another running replica got further, let the chosen
 * one catch up from it first; stop and forget replication, make it writable
 * (and the semi-sync master); repoint every other running replica to it.
 * The old primary is NOT touched — it may still be running and writable;
 * fencing is the scenario's business (kill, stop, partition).  That is how
 * seed 001's split brain arises.
 *
 * rejoin {node} attaches an old primary to the current primary as a
 * careless operator would: read_only=ON and CHANGE MASTER ...
 * MASTER_USE_GTID=current_pos, no rewind.  If it holds errant transactions
 * the replica's IO thread stops with error 1236 (or, without strict mode, it
 * silently replicates on top of its diverged data); rejoin reports what it
 * saw and leaves the verdict to the split-brain checker.
 *
 * node_start starts the server in its role; a replica resumes replication
 * by itself (master.info), and a replica that still points at a former
 * primary is repointed to the current one.
 */
#include "cluster.h"
#include "dialect.h"
#include "repl_state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_TIMEOUT_MS 300000
#define SYNC_TIMEOUT_MS 180000
#define APPLY_TIMEOUT_MS 60000

extern const struct flavor_ops flavor_async;
extern const struct flavor_ops flavor_semisync;

static bool is_semisync(const struct cluster *c)
{
	return c->flavor == &flavor_semisync;
}

/* ---- the primary, from the state file ---- */

static int primary_of(const struct cluster *c)
{
	int64_t v;

	/* With a failover manager, the primary is whichever it promoted. */
	if (c->manager) {
		int p = c->manager->primary((struct cluster *)c);
		if (p > 0)
			return p;
	}
	if (cluster_state_get_int(c, "async.primary", &v) == 0 && v >= 1 && v <= c->spec.nodes)
		return (int)v;
	return 1;
}

static int set_primary(struct cluster *c, int node)
{
	cluster_state_setf(c, "async.primary", "%d", node);
	return cluster_state_save(c);
}

/* ---- server options ---- */

struct optlist {
	struct kv v[32];
	size_t n;
	char server_id[16];
	char names[3][64];   /* option names spelled for the node's dialect */
};

static void opt(struct optlist *o, const char *key, const char *value)
{
	if (o->n < ARRAY_SIZE(o->v)) {
		o->v[o->n].key = (char *)key;
		o->v[o->n].value = (char *)value;
		o->n++;
	}
}

/* The options of node `node` in role primary (or replica), in the node's
 * dialect. The spec's own mysqld options are appended by the backend and
 * win. */
static void async_options(struct cluster *c, int node, bool primary, struct optlist *o)
{
	const struct server_dialect *sd = cluster_node_dialect(c, node);
	struct dialect_kv gtid[4];
	size_t ng = dialect_gtid_options(sd, gtid, ARRAY_SIZE(gtid));

	memset(o, 0, sizeof(*o));
	snprintf(o->server_id, sizeof(o->server_id), "%d", node);
	opt(o, "skip-name-resolve", NULL);
	opt(o, "performance-schema", "OFF");
	opt(o, "max-connections", "300");
	opt(o, "innodb-buffer-pool-size", "64M");
	opt(o, "innodb-log-file-size", "48M");
	opt(o, "server-id", o->server_id);
	opt(o, "log-bin", "mysql-bin");
	opt(o, dialect_option(sd, DOPT_LOG_REPLICA_UPDATES), NULL);
	opt(o, "relay-log", "relay-bin");
	opt(o, "binlog-format", "ROW");
	for (size_t i = 0; i < ng; i++)
		opt(o, gtid[i].key, gtid[i].value);
	opt(o, "sync-binlog", "1");
	opt(o, "innodb-flush-log-at-trx-commit", "1");
	opt(o, dialect_option(sd, DOPT_NET_TIMEOUT), "10");
	opt(o, dialect_option(sd, DOPT_READ_ONLY), primary ? "OFF" : "ON");
	if (is_semisync(c)) {
		const char *plugins = dialect_semisync(sd, DSEMI_PLUGINS);
		if (plugins)
			opt(o, "plugin-load-add", plugins);
		opt(o, dialect_option_name(dialect_semisync(sd, DSEMI_SOURCE_ENABLED), o->names[0], sizeof(o->names[0])),
		    primary ? "ON" : "OFF");
		opt(o, dialect_option_name(dialect_semisync(sd, DSEMI_REPLICA_ENABLED), o->names[1], sizeof(o->names[1])),
		    primary ? "OFF" : "ON");
		opt(o, dialect_option_name(dialect_semisync(sd, DSEMI_WAIT_POINT), o->names[2], sizeof(o->names[2])),
		    "AFTER_SYNC");
	}
}

/* ---- SQL helpers ---- */

/* Administrator SQL that holds the lab password: wiped after use. */
static int admin_sql_secret(struct cluster *c, int node, char *sql)
{
	int rc = c->backend->node_admin_sql(c, node, sql, false);
	memset(sql, 0, strlen(sql));
	free(sql);
	return rc;
}

/* "STOP SLAVE; CHANGE MASTER TO ...; START SLAVE;" in the dialect of
 * node `replica`, pointing it at node `primary`; malloc'd, holds the
 * password. NULL on error. */
static char *change_master_sql(struct cluster *c, int replica, int primary, enum dialect_gtid_start start)
{
	char *pw = cluster_lab_password(c);
	if (!pw)
		return NULL;
	char *qpw = sql_quote(pw), *qhost = sql_quote(c->hosts[primary - 1].host);
	struct dialect_source src = { .host_sql = qhost, .port = c->hosts[primary - 1].port, .user_sql = "'lab'",
				      .password_sql = qpw, .start = start, .connect_retry = 1,
				      .heartbeat_period = 1 };
	char *sql = dialect_change_source_sql(cluster_node_dialect(c, replica), &src);
	memset(pw, 0, strlen(pw));
	memset(qpw, 0, strlen(qpw));
	free(pw);
	free(qpw);
	free(qhost);
	return sql;
}

/* Ask node `node` (as the lab user); ri->reachable false if it does not answer. */
static void repl_info_get(struct cluster *c, int node, struct repl_state *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->read_only = -1;
	ri->lag = -1;
	if (c->backend->node_pid(c, node) <= 0)
		return;
	MYSQL *m = cluster_connect(c, node, 3);
	if (!m)
		return;
	repl_state_read(m, cluster_node_dialect(c, node), ri);
	repl_state_release(ri); /* the executed set is the checkers' business */
	ri->reachable = true;
	mysql_close(m);
}

static bool repl_broken(const struct repl_state *ri)
{
	return ri->has_master && ((!strcmp(ri->io_running, "No") && ri->io_errno) ||
				  (!strcmp(ri->sql_running, "No") && ri->sql_errno));
}

static void repl_error_text(const struct repl_state *ri, char *buf, size_t size)
{
	if (ri->sql_errno && !strcmp(ri->sql_running, "No"))
		snprintf(buf, size, "sql thread error %u: %s", ri->sql_errno, ri->sql_error);
	else if (ri->io_errno)
		snprintf(buf, size, "io thread error %u: %s", ri->io_errno, ri->io_error);
	else
		lab_strlcpy(buf, "no error", size);
}

/* ---- status and waiting ---- */

static const char *role_of(const struct repl_state *ri)
{
	if (!ri->reachable)
		return "";
	if (ri->read_only == 0)
		return "primary";
	if (ri->has_master)
		return "replica";
	return "read-only";
}

static int async_node_status(struct cluster *c, int node, struct node_status *st)
{
	struct repl_state ri;
	repl_info_get(c, node, &ri);
	if (!ri.reachable)
		return 0;
	st->reachable = true;
	lab_strlcpy(st->role, role_of(&ri), sizeof(st->role));
	lab_strlcpy(st->gtid_binlog_pos, ri.binlog_pos, sizeof(st->gtid_binlog_pos));
	lab_strlcpy(st->gtid_slave_pos, ri.slave_pos, sizeof(st->gtid_slave_pos));
	struct strbuf sb = { 0 };
	if (ri.has_master) {
		sb_printf(&sb, "io %s sql %s", ri.io_running, ri.sql_running);
		if (ri.lag >= 0)
			sb_printf(&sb, " lag %llds", (long long)ri.lag);
		else
			sb_puts(&sb, " lag -");
		if (ri.io_errno || ri.sql_errno) {
			char err[600];
			repl_error_text(&ri, err, sizeof(err));
			sb_printf(&sb, "; %s", err);
		}
	} else if (ri.read_only == 0) {
		sb_puts(&sb, "writable");
	} else {
		sb_puts(&sb, "not replicating");
	}
	if (is_semisync(c) && ri.semisync[0] && ri.read_only == 0)
		sb_printf(&sb, "; semisync %s, %lld clients", ri.semisync, (long long)ri.semisync_clients);
	lab_strlcpy(st->replication, sb.buf, sizeof(st->replication));
	sb_release(&sb);
	return 0;
}

/* Has replica ri (node `node`) applied everything of position target (a
 * primary's binlog position sampled earlier)? */
static bool reached(struct cluster *c, int node, const struct repl_state *ri, const char *target)
{
	return dialect_position_within(cluster_node_dialect(c, node), target, ri->current_pos);
}

/* synced: the primary answers and is writable; a replica runs both threads
 * and has applied everything the primary had logged when the wait began
 * (*target, sampled once: under load a replica is always a little behind
 * the primary's latest position). */
static bool node_synced(struct cluster *c, int node, const struct repl_state *ri, char *target,
			size_t tsize)
{
	if (!ri->reachable)
		return false;
	if (node == primary_of(c))
		return ri->read_only == 0;
	if (!target[0]) {
		struct repl_state pi;
		repl_info_get(c, primary_of(c), &pi);
		if (!pi.reachable)
			return false;
		snprintf(target, tsize, "%s", pi.binlog_pos[0] ? pi.binlog_pos : " ");
		return false; /* ri was sampled before the target */
	}
	if (!ri->has_master || strcmp(ri->io_running, "Yes") || strcmp(ri->sql_running, "Yes"))
		return false;
	return reached(c, node, ri, target);
}

static int async_node_wait(struct cluster *c, int node, const char *for_state, int64_t timeout_ms)
{
	int64_t t0 = mono_ns(), deadline = t0 + timeout_ms * 1000000, connecting_since = 0;
	struct repl_state ri;
	char target[512] = "";

	for (;;) {
		if (c->backend->node_pid(c, node) <= 0) {
			/* with a manager, the manager starts the server when it
			 * sees fit */
			if (c->manager && mono_ns() <= deadline && !lab_interrupted) {
				sleep_ms(500);
				continue;
			}
			if (c->manager && lab_interrupted) {
				lab_error("interrupted while waiting for %s to start node %d's database", c->manager->name,
					  node);
				return -1;
			}
			if (c->manager) {
				lab_error_finding("node %d: %s did not start its database within %lld s (waiting for %s; "
						  "lab cluster status shows its failed actions)",
						  node, c->manager->name, (long long)(timeout_ms / 1000), for_state);
				return -1;
			}
			lab_error("node %d is not running (waiting for %s)", node, for_state);
			return -1;
		}
		repl_info_get(c, node, &ri);
		if (!strcmp(for_state, "synced") && node_synced(c, node, &ri, target, sizeof(target)))
			return 0;
		if (!strcmp(for_state, "primary") && ri.reachable && ri.read_only == 0)
			return 0;
		if (!strcmp(for_state, "non-primary") && ri.reachable && ri.read_only == 1)
			return 0;
		/* The database's doing, seen from its replication status: a
		 * finding with the server's own error, not lab's failure. */
		if (!strcmp(for_state, "synced") && repl_broken(&ri)) {
			char err[600];
			repl_error_text(&ri, err, sizeof(err));
			lab_error_finding("node %d cannot sync, replication stopped: %s", node, err);
			return -1;
		}
		/* Only when its primary runs: a replica of a primary that is
		 * down waits for the primary (or a promote) as before. */
		if (!strcmp(for_state, "synced") && ri.has_master && !strcmp(ri.io_running, "Connecting") &&
		    ri.io_errno && c->backend->node_pid(c, primary_of(c)) > 0) {
			if (!connecting_since)
				connecting_since = mono_ns();
			else if (mono_ns() - connecting_since > 10000000000LL) {
				lab_error_finding("node %d cannot reach its primary (%s, node %d, which is running) for "
						  "%.0f s: io thread error %u: %s", node, ri.master_host, primary_of(c),
						  (mono_ns() - connecting_since) / 1e9, ri.io_errno, ri.io_error);
				return -1;
			}
		} else {
			connecting_since = 0;
		}
		if (mono_ns() > deadline || lab_interrupted)
			break;
		sleep_ms(250);
	}
	/* It answers and its primary runs: the database did not get there in
	 * the time given (a replica that does not catch up, a node that stays
	 * read-only): a finding. A primary that is down is the scenario's to
	 * undo, and a node that does not answer may be the machine's doing. */
	if (lab_interrupted) {
		lab_error("interrupted while waiting for node %d to be %s", node, for_state);
		return -1;
	}
	if (ri.reachable && c->backend->node_pid(c, primary_of(c)) > 0)
		lab_error_finding("node %d is not %s after %lld ms: role '%s', at '%s', its primary node %d at '%s', "
				  "io %s, sql %s", node, for_state, (long long)timeout_ms, role_of(&ri), ri.current_pos,
				  primary_of(c), target, ri.io_running[0] ? ri.io_running : "-",
				  ri.sql_running[0] ? ri.sql_running : "-");
	else
		lab_error("node %d is not %s after %lld ms (role '%s', at '%s', primary node %d was at '%s', io %s, sql %s)",
			  node, for_state, (long long)timeout_ms, ri.reachable ? role_of(&ri) : "not answering",
			  ri.current_pos, primary_of(c), target, ri.io_running[0] ? ri.io_running : "-",
			  ri.sql_running[0] ? ri.sql_running : "-");
	return -1;
}

/* Wait until the administrator gets an answer, or the process exits. */
static int wait_admin(struct cluster *c, int node, int64_t timeout_ms)
{
	int64_t deadline = mono_ns() + timeout_ms * 1000000;
	for (;;) {
		if (c->backend->node_pid(c, node) <= 0) {
			const char *log = c->backend->node_log_path ? c->backend->node_log_path(c, node) : NULL;
			lab_error("node %d exited while starting (see '%s')", node, log ? log : "its log");
			return -1;
		}
		if (c->backend->node_admin_sql(c, node, "SELECT 1", true) == 0)
			return 0;
		if (mono_ns() > deadline || lab_interrupted)
			break;
		sleep_ms(200);
	}
	lab_error("node %d did not answer within %lld ms of starting", node, (long long)timeout_ms);
	return -1;
}

/* ---- life cycle ---- */

static int spawn_node(struct cluster *c, int node)
{
	struct optlist o;
	async_options(c, node, node == primary_of(c), &o);
	if (c->backend->node_spawn(c, node, o.v, o.n) < 0)
		return -1;
	return wait_admin(c, node, START_TIMEOUT_MS);
}

static int async_up(struct cluster *c)
{
	int64_t t0 = mono_ns();
	int n = c->spec.nodes;

	cluster_state_set(c, "async.primary", "1");
	if (cluster_state_save(c) < 0)
		return -1;
	for (int i = 1; i <= n; i++)
		if (c->backend->node_init(c, i, true) < 0)
			return -1;
	for (int i = 1; i <= n; i++) {
		struct optlist o;
		async_options(c, i, i == 1, &o);
		if (c->backend->node_spawn(c, i, o.v, o.n) < 0)
			return -1;
	}
	for (int i = 1; i <= n; i++)
		if (wait_admin(c, i, START_TIMEOUT_MS) < 0)
			return -1;

	/* The lab user and database exist on the primary only; the replicas get
	 * them through replication, so that every binlog starts at 0-1-1. The
	 * lab user may do anything but write to a read_only server. */
	char *pw = cluster_lab_password(c);
	if (!pw)
		return -1;
	char *qpw = sql_quote(pw);
	/* MariaDB: without READ_ONLY ADMIN; MySQL: super_read_only keeps
	 * even an ALL PRIVILEGES user out. */
	const char *revoke = cluster_node_dialect(c, 1)->d->read_only_admin
		? "REVOKE READ_ONLY ADMIN ON *.* FROM 'lab'@'%';\nREVOKE READ_ONLY ADMIN ON *.* FROM 'lab'@'localhost';\n"
		: "";
	char *sql = xasprintf("CREATE USER IF NOT EXISTS 'lab'@'%%' IDENTIFIED BY %s;\n"
			      "CREATE USER IF NOT EXISTS 'lab'@'localhost' IDENTIFIED BY %s;\n"
			      "GRANT ALL PRIVILEGES ON *.* TO 'lab'@'%%' WITH GRANT OPTION;\n"
			      "GRANT ALL PRIVILEGES ON *.* TO 'lab'@'localhost' WITH GRANT OPTION;\n"
			      "%s"
			      "CREATE DATABASE IF NOT EXISTS bank;\n",
			      qpw, qpw, revoke);
	memset(pw, 0, strlen(pw));
	memset(qpw, 0, strlen(qpw));
	free(pw);
	free(qpw);
	if (admin_sql_secret(c, 1, sql) < 0)
		return -1;
	for (int i = 2; i <= n; i++) {
		char *cm = change_master_sql(c, i, 1, DGTID_SLAVE_POS);
		if (!cm || admin_sql_secret(c, i, cm) < 0)
			return -1;
	}
	for (int i = 1; i <= n; i++) {
		if (async_node_wait(c, i, "synced", SYNC_TIMEOUT_MS) < 0)
			return -1;
		lab_info("node %d %s (%.1f s)", i, i == 1 ? "primary" : "replicating",
			 (mono_ns() - t0) / 1e9);
	}
	if (is_semisync(c) && n > 1) {
		/* Every replica's IO thread has registered as semi-sync. */
		int64_t deadline = mono_ns() + 60000 * 1000000LL;
		struct repl_state pi;
		for (;;) {
			repl_info_get(c, 1, &pi);
			if (!strcmp(pi.semisync, "ON") && pi.semisync_clients >= n - 1)
				break;
			if (mono_ns() > deadline || lab_interrupted) {
				lab_error("semi-sync is not on at node 1 (status '%s', %lld of %d replicas)",
					  pi.semisync, (long long)pi.semisync_clients, n - 1);
				return -1;
			}
			sleep_ms(200);
		}
		lab_info("semi-sync on: node 1 waits for %lld replicas' acks", (long long)pi.semisync_clients);
	}
	return 0;
}

static int async_node_start(struct cluster *c, int node)
{
	int primary = primary_of(c);
	if (spawn_node(c, node) < 0)
		return -1;
	if (node == primary)
		return 0;
	/* A replica that was down while another node was promoted still points
	 * at the old primary: repoint it, as an orchestrator would. An old
	 * primary (no replication configured) is left alone: see rejoin. */
	struct repl_state ri;
	int64_t deadline = mono_ns() + 30000 * 1000000LL;
	do {
		repl_info_get(c, node, &ri);
		if (ri.reachable)
			break;
		sleep_ms(200);
	} while (mono_ns() < deadline && !lab_interrupted);
	if (ri.has_master && strcmp(ri.master_host, c->hosts[primary - 1].host) != 0) {
		lab_info("node %d: replicating from %s, repointing it to node %d", node, ri.master_host,
			 primary);
		char *cm = change_master_sql(c, node, primary, DGTID_SLAVE_POS);
		if (!cm || admin_sql_secret(c, node, cm) < 0)
			return -1;
	}
	return 0;
}

static int async_node_start_all(struct cluster *c, struct strbuf *why)
{
	int primary = primary_of(c);
	for (int i = 1; i <= c->spec.nodes; i++)
		if (c->backend->node_pid(c, i) > 0) {
			lab_error("node %d is running: starting all nodes needs every node down", i);
			return -1;
		}
	sb_printf(why, "started the primary, node %d, first (async.primary in the state file), then the replicas",
		  primary);
	lab_info("%s", why->buf);
	if (async_node_start(c, primary) < 0)
		return -1;
	for (int i = 1; i <= c->spec.nodes; i++)
		if (i != primary && async_node_start(c, i) < 0)
			return -1;
	return 0;
}

/* Let the SQL thread of `node` apply what the IO thread received (which
 * may end in a transaction cut in half by the fault: the SQL thread then
 * waits for the rest, idle, short of the received position). */
static int apply_relay_log(struct cluster *c, int node)
{
	int64_t deadline = mono_ns() + APPLY_TIMEOUT_MS * 1000000LL;
	struct repl_state ri;
	char idle_at[512] = "";
	for (;;) {
		repl_info_get(c, node, &ri);
		if (!ri.reachable) {
			lab_error("node %d does not answer: %s", node, lab_last_error());
			return -1;
		}
		if (!ri.has_master || ri.caught_up)
			return 0;
		/* Idle twice at the same position: not a state string that lags
		 * the last events the IO thread wrote. */
		if (ri.sql_idle && idle_at[0] && !strcmp(idle_at, ri.current_pos))
			return 0;
		lab_strlcpy(idle_at, ri.sql_idle ? ri.current_pos : "", sizeof(idle_at));
		if (strcmp(ri.sql_running, "Yes") != 0) {
			char err[600];
			repl_error_text(&ri, err, sizeof(err));
			lab_info("node %d: sql thread stopped before applying its relay log (%s)", node, err);
			return 0;
		}
		if (mono_ns() > deadline || lab_interrupted) {
			lab_info("node %d: relay log not applied after %d s; promoting anyway", node,
				 APPLY_TIMEOUT_MS / 1000);
			return 0;
		}
		sleep_ms(100);
	}
}

/* Freeze what every running replica has received from the old primary, all
 * at once: the relay logs are then applied side by side. */
static int stop_io_threads(struct cluster *c, int old)
{
	for (int i = 1; i <= c->spec.nodes; i++) {
		struct repl_state ri;
		if (i == old || c->backend->node_pid(c, i) <= 0)
			continue;
		repl_info_get(c, i, &ri);
		if (!ri.reachable || !ri.has_master)
			continue;
		char *sql = xasprintf("%s;", dialect_statement(cluster_node_dialect(c, i), DSQL_STOP_IO_THREAD));
		int rc = c->backend->node_admin_sql(c, i, sql, false);
		free(sql);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Is GTID position a contained in b (both current positions of nodes of
 * the dialect of node `node`)? */
static bool pos_subset(struct cluster *c, int node, const char *a, const char *b)
{
	return dialect_position_within(cluster_node_dialect(c, node), a, b);
}

/* Before `node` becomes the primary, bring it level with the most advanced
 * running replica, as an orchestrator does with a designated candidate: the
 * replicas are cut off from the old primary at slightly different points
 * (each has its own dump thread), and the one a semi-sync primary got its
 * last acks from may be ahead of the candidate. Promoting the candidate as
 * it is would lose those acknowledged transactions and leave that replica
 * unable to replicate from it (error 1236). Every replica's IO thread has
 * been stopped (stop_io_threads); once its relay log is applied, positions
 * compare, and the candidate replicates from the best one until it has
 * everything. */
static int catch_up_candidate(struct cluster *c, int node, int old)
{
	struct repl_state ri;
	char best_pos[512];
	int best = node;

	repl_info_get(c, node, &ri);
	lab_strlcpy(best_pos, ri.current_pos, sizeof(best_pos));
	for (int i = 1; i <= c->spec.nodes; i++) {
		if (i == node || i == old || c->backend->node_pid(c, i) <= 0)
			continue;
		repl_info_get(c, i, &ri);
		if (!ri.reachable || !ri.has_master)
			continue;
		if (apply_relay_log(c, i) < 0)
			return -1;
		repl_info_get(c, i, &ri);
		if (pos_subset(c, node, ri.current_pos, best_pos))
			continue;
		if (!pos_subset(c, node, best_pos, ri.current_pos)) {
			lab_info("node %d (at %s) and node %d (at %s) have diverged; not catching up from it",
				 i, ri.current_pos, best, best_pos);
			continue;
		}
		best = i;
		lab_strlcpy(best_pos, ri.current_pos, sizeof(best_pos));
	}
	if (best == node)
		return 0;

	repl_info_get(c, node, &ri);
	lab_info("node %d (at %s) is behind node %d (at %s): catching it up from node %d first", node,
		 ri.current_pos, best, best_pos, best);
	char *cm = change_master_sql(c, node, best, DGTID_SLAVE_POS);
	if (!cm || admin_sql_secret(c, node, cm) < 0)
		return -1;
	int64_t deadline = mono_ns() + APPLY_TIMEOUT_MS * 1000000LL;
	for (;;) {
		repl_info_get(c, node, &ri);
		if (ri.reachable && pos_subset(c, node, best_pos, ri.current_pos))
			break;
		if (repl_broken(&ri)) {
			char err[600];
			repl_error_text(&ri, err, sizeof(err));
			lab_error("node %d cannot catch up from node %d: %s", node, best, err);
			return -1;
		}
		if (mono_ns() > deadline || lab_interrupted) {
			lab_error("node %d has not caught up from node %d after %d s (at %s, want %s)", node,
				  best, APPLY_TIMEOUT_MS / 1000, ri.current_pos, best_pos);
			return -1;
		}
		sleep_ms(100);
	}
	lab_info("node %d caught up from node %d (at %s)", node, best, ri.current_pos);
	return 0;
}

static int async_node_promote(struct cluster *c, int node)
{
	int old = primary_of(c);
	if (node == old) {
		lab_info("node %d is the primary already", node);
		return 0;
	}
	if (c->backend->node_pid(c, node) <= 0) {
		lab_error("node %d is not running: cannot promote it", node);
		return -1;
	}
	int64_t t0 = mono_ns();
	if (stop_io_threads(c, old) < 0 || apply_relay_log(c, node) < 0 ||
	    catch_up_candidate(c, node, old) < 0)
		return -1;
	const struct server_dialect *sd = cluster_node_dialect(c, node);
	char semi_replica[128] = "", semi_source[128] = "";
	if (is_semisync(c)) {
		dialect_semisync_set(sd, DSEMI_REPLICA_ENABLED, false, semi_replica, sizeof(semi_replica));
		dialect_semisync_set(sd, DSEMI_SOURCE_ENABLED, true, semi_source, sizeof(semi_source));
	}
	char *sql = xasprintf("%s;\n%s;\n%s%s%s", dialect_statement(sd, DSQL_STOP_REPLICA),
			      dialect_statement(sd, DSQL_RESET_REPLICA_ALL), semi_replica, semi_source,
			      dialect_set_read_only_sql(sd, false));
	int rc = c->backend->node_admin_sql(c, node, sql, false);
	free(sql);
	if (rc < 0)
		return -1;
	if (set_primary(c, node) < 0)
		return -1;
	for (int i = 1; i <= c->spec.nodes; i++) {
		if (i == node || i == old || c->backend->node_pid(c, i) <= 0)
			continue;
		char *cm = change_master_sql(c, i, node, DGTID_SLAVE_POS);
		if (!cm || admin_sql_secret(c, i, cm) < 0)
			return -1;
		lab_info("node %d now replicates from node %d", i, node);
	}
	struct repl_state ri;
	repl_info_get(c, node, &ri);
	lab_info("node %d promoted to primary at %s (%.1f s); node %d was not touched", node,
		 ri.binlog_pos[0] ? ri.binlog_pos : "-", (mono_ns() - t0) / 1e9, old);
	return 0;
}

static int async_node_rejoin(struct cluster *c, int node)
{
	int primary = primary_of(c);
	if (node == primary) {
		lab_error("node %d is the primary: there is nothing to rejoin it to", node);
		return -1;
	}
	if (c->backend->node_pid(c, node) <= 0 && spawn_node(c, node) < 0)
		return -1;
	const struct server_dialect *sd = cluster_node_dialect(c, node);
	char semi_source[128] = "", semi_replica[128] = "";
	if (is_semisync(c)) {
		dialect_semisync_set(sd, DSEMI_SOURCE_ENABLED, false, semi_source, sizeof(semi_source));
		dialect_semisync_set(sd, DSEMI_REPLICA_ENABLED, true, semi_replica, sizeof(semi_replica));
	}
	char *pre = xasprintf("%s%s%s", dialect_set_read_only_sql(sd, true), semi_source, semi_replica);
	int rc = c->backend->node_admin_sql(c, node, pre, false);
	free(pre);
	if (rc < 0)
		return -1;
	char *cm = change_master_sql(c, node, primary, DGTID_CURRENT_POS);
	if (!cm || admin_sql_secret(c, node, cm) < 0)
		return -1;
	/* The careless operator does not check; lab looks for a few seconds
	 * and says what happened, for the log. */
	struct repl_state ri;
	char target[512] = "";
	int64_t deadline = mono_ns() + 10000 * 1000000LL;
	for (;;) {
		repl_info_get(c, node, &ri);
		if (repl_broken(&ri)) {
			char err[600];
			repl_error_text(&ri, err, sizeof(err));
			lab_info("node %d rejoined node %d without a rewind; replication stopped: %s", node,
				 primary, err);
			return 0;
		}
		if (node_synced(c, node, &ri, target, sizeof(target))) {
			lab_info("node %d rejoined node %d without a rewind and replicates (at %s)", node,
				 primary, ri.current_pos);
			return 0;
		}
		if (mono_ns() > deadline || lab_interrupted)
			break;
		sleep_ms(250);
	}
	lab_info("node %d rejoined node %d without a rewind (io %s, sql %s, at %s)", node, primary,
		 ri.io_running[0] ? ri.io_running : "-", ri.sql_running[0] ? ri.sql_running : "-",
		 ri.current_pos);
	return 0;
}

static char *async_server_version(struct cluster *c)
{
	for (int i = 1; i <= c->spec.nodes; i++) {
		MYSQL *m;
		int err = 0;
		if (c->backend->node_pid(c, i) <= 0 || !(m = cluster_connect(c, i, 3)))
			continue;
		char *v = db_query_value(m, "SELECT VERSION()", &err);
		mysql_close(m);
		if (v)
			return v;
	}
	return NULL;
}

/* The primary the state file names (set at up and by every promote), 0
 * when it names none. */
static int async_primary(struct cluster *c)
{
	int64_t v;

	if (cluster_state_get_int(c, "async.primary", &v) == 0 && v >= 1 && v <= c->spec.nodes)
		return (int)v;
	return 0;
}

/* A replica catches up by replication, never by a state transfer: the log
 * can only say "none"; the first [ERROR] of a failed start is its reason. */
static const char *async_log_caught_up(const char *log, struct strbuf *what)
{
	(void)log;
	(void)what;
	return "none";
}

static void async_log_start_failure(const char *log, struct strbuf *why)
{
	const char *e = strstr(log, "[ERROR] ");

	if (e) {
		const char *eol = strchr(e, '\n');
		size_t len = eol ? (size_t)(eol - e - 8) : strlen(e + 8);
		sb_printf(why, "%.*s", (int)(len > 300 ? 300 : len), e + 8);
	}
}

/* What async and semisync share: every hook (semisync differs only in
 * the server options async_up and the starts give it). */
static int async_node_config(struct cluster *c, int node, struct strbuf *cnf);

#define ASYNC_HOOKS                                       \
	.up = async_up,                                   \
	.node_start = async_node_start,                   \
	.node_start_all = async_node_start_all,           \
	.node_status = async_node_status,                 \
	.node_wait = async_node_wait,                     \
	.node_promote = async_node_promote,               \
	.node_rejoin = async_node_rejoin,                 \
	.server_version = async_server_version,           \
	.log_caught_up = async_log_caught_up,             \
	.log_start_failure = async_log_start_failure,     \
	.primary = async_primary,                         \
	.node_config = async_node_config,                 \
	.node_behind = async_node_behind

/* A replica's lag now: the transactions of its primary's binlog position
 * it has not applied (the replica is read first, so a primary still
 * taking writes makes it look a little further behind, never less). */
static int64_t async_node_behind(struct cluster *c, int node, int *primary, struct strbuf *how)
{
	int p = primary_of(c);
	struct repl_state ri, pi;

	*primary = p;
	if (node == p)
		return -1;
	repl_info_get(c, node, &ri);
	if (!ri.reachable || !ri.has_master)
		return -1;
	repl_info_get(c, p, &pi);
	if (!pi.reachable || !pi.binlog_pos[0])
		return -1;
	int64_t n = dialect_position_behind(cluster_node_dialect(c, node), pi.binlog_pos, ri.current_pos);
	if (n > 0 && repl_broken(&ri)) {
		char err[600];
		repl_error_text(&ri, err, sizeof(err));
		sb_printf(how, "replication stopped: %s", err);
	} else if (n > 0) {
		sb_printf(how, "io thread %s, sql thread %s", ri.io_running[0] ? ri.io_running : "-",
			  ri.sql_running[0] ? ri.sql_running : "-");
	}
	return n;
}

/* For a failover manager's agent (which starts every node read-only and
 * makes one writable): the replica's options as my.cnf lines. */
static int async_node_config(struct cluster *c, int node, struct strbuf *cnf)
{
	struct optlist o;

	async_options(c, node, false, &o);
	for (size_t i = 0; i < o.n; i++)
		sb_printf(cnf, "%s%s%s\n", o.v[i].key, o.v[i].value ? "=" : "", o.v[i].value ? o.v[i].value : "");
	return 0;
}

static const char *const async_dialects[] = { "mariadb", "mysql-8.0", "percona-server-8.0", NULL };

const struct flavor_ops flavor_async = {
	.name = "async",
	.description = "GTID replication (MariaDB, MySQL / Percona Server 8.0): node 1 primary, the rest read-only replicas",
	.dialects = async_dialects,
	ASYNC_HOOKS,
};

const struct flavor_ops flavor_semisync = {
	.name = "semisync",
	.description = "async plus semi-synchronous replication (AFTER_SYNC) to the replicas",
	.dialects = async_dialects,
	ASYNC_HOOKS,
};
