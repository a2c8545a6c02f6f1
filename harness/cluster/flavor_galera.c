/*
 * flavor_galera.c — the `galera` flavor: MariaDB with the galera-4 provider
 * (wsrep), every node a writable member of one cluster.
 *
 * Bring-up: node 1 gets system tables and is bootstrapped
 * (--wsrep-new-cluster); the lab user and the bank database are created on
 * it; the other nodes start with empty datadirs and join by rsync SST; up
 * returns when every node is Synced. Restarting a crashed node does what
 * mysqld_safe does: `--wsrep-recover` reads the position from InnoDB, and
 * the server starts with --wsrep-start-position=UUID:SEQNO so that it
 * rejoins by IST rather than a full SST (reference 004).
 *
 * The pure parts (grastate.dat, the recovered-position log line) are at the
 * top and unit-tested in tests/unit/test_cluster.c.
 */
#include "cluster.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define START_TIMEOUT_MS 300000
#define ZERO_UUID "00000000-0000-0000-0000-000000000000"

/* ---- pure parts ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int grastate_parse(const char *text, struct grastate *g)
{
	bool have_seqno = false;
	const char *line = text;

	memset(g, 0, sizeof(*g));
	g->seqno = -1;
	g->safe_to_bootstrap = -1;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[256];

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		while (len && (buf[len - 1] == '\r' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
			buf[--len] = '\0';
		if (!strncmp(buf, "uuid:", 5)) {
			lab_strlcpy(g->uuid, skip_ws(buf + 5), sizeof(g->uuid));
		} else if (!strncmp(buf, "seqno:", 6)) {
			if (parse_int64(skip_ws(buf + 6), -1, INT64_MAX, &g->seqno) < 0)
				return -1;
			have_seqno = true;
		} else if (!strncmp(buf, "safe_to_bootstrap:", 18)) {
			int64_t v;
			if (parse_int64(skip_ws(buf + 18), 0, 1, &v) < 0)
				return -1;
			g->safe_to_bootstrap = (int)v;
		}
		line = end ? end + 1 : NULL;
	}
	return have_seqno ? 0 : -1;
}

char *grastate_edit(const char *text, const int64_t *seqno, int safe_to_bootstrap)
{
	struct strbuf sb = {0};
	bool did_seqno = false, did_safe = false;
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (seqno && !strncmp(line, "seqno:", 6)) {
			sb_printf(&sb, "seqno:   %" PRId64 "\n", *seqno);
			did_seqno = true;
		} else if (safe_to_bootstrap >= 0 && !strncmp(line, "safe_to_bootstrap:", 18)) {
			sb_printf(&sb, "safe_to_bootstrap: %d\n", safe_to_bootstrap);
			did_safe = true;
		} else {
			sb_add(&sb, line, len);
			sb_puts(&sb, "\n");
		}
		line = end ? end + 1 : NULL;
	}
	if (seqno && !did_seqno)
		sb_printf(&sb, "seqno:   %" PRId64 "\n", *seqno);
	if (safe_to_bootstrap >= 0 && !did_safe)
		sb_printf(&sb, "safe_to_bootstrap: %d\n", safe_to_bootstrap);
	return sb_detach(&sb);
}

int wsrep_recovered_position(const char *log, char *uuid, size_t uuid_size, int64_t *seqno)
{
	const char *p = log, *hit = NULL;

	while ((p = strstr(p, "Recovered position")) != NULL) {
		hit = p;
		p++;
	}
	if (!hit)
		return -1;
	p = hit + strlen("Recovered position");
	while (*p == ':' || *p == ' ')
		p++;
	const char *u = p;
	while (isxdigit((unsigned char)*p) || *p == '-')
		p++;
	size_t ulen = (size_t)(p - u);
	if (ulen != 36 || *p != ':' || ulen >= uuid_size)
		return -1;
	p++;
	char num[32];
	size_t n = 0;
	if (*p == '-')
		num[n++] = *p++;
	while (isdigit((unsigned char)*p) && n < sizeof(num) - 1)
		num[n++] = *p++;
	num[n] = '\0';
	if (parse_int64(num, -1, INT64_MAX, seqno) < 0)
		return -1;
	memcpy(uuid, u, ulen);
	uuid[ulen] = '\0';
	return 0;
}

/* ---- options ---- */

struct optlist {
	struct kv v[32];
	size_t n;
	struct strbuf owned[8]; /* storage for built values */
	size_t n_owned;
};

static void opt(struct optlist *o, const char *key, const char *value)
{
	if (o->n < ARRAY_SIZE(o->v)) {
		o->v[o->n].key = (char *)key;
		o->v[o->n].value = (char *)value;
		o->n++;
	}
}

static const char *own(struct optlist *o, char *s)
{
	struct strbuf *sb = &o->owned[o->n_owned++];

	sb_puts(sb, s);
	free(s);
	return sb->buf;
}

static void optlist_release(struct optlist *o)
{
	for (size_t i = 0; i < o->n_owned; i++)
		sb_release(&o->owned[i]);
	memset(o, 0, sizeof(*o));
}

/* The server options of a galera node. start_position: "UUID:SEQNO" or
 * NULL; bootstrap adds --wsrep-new-cluster; recover adds --wsrep-recover. */
static void galera_options(struct cluster *c, int node, struct optlist *o, bool bootstrap,
			   const char *start_position, bool recover)
{
	struct strbuf addr = {0};
	const char *me = c->hosts[node - 1].host;

	for (int i = 0; i < c->spec.nodes; i++)
		sb_printf(&addr, "%s%s", i ? "," : "", c->hosts[i].host);
	opt(o, "skip-name-resolve", NULL);
	opt(o, "performance-schema", "OFF");
	opt(o, "max-connections", "300");
	opt(o, "innodb-buffer-pool-size", "64M");
	opt(o, "innodb-log-file-size", "48M");
	opt(o, "binlog-format", "ROW");
	opt(o, "innodb-autoinc-lock-mode", "2");
	opt(o, "wsrep-on", "ON");
	opt(o, "wsrep-provider", cluster_node_dialect(c, node)->d->galera_provider);
	opt(o, "wsrep-cluster-name", own(o, xasprintf("lab-%s", c->name)));
	opt(o, "wsrep-cluster-address", own(o, xasprintf("gcomm://%s", addr.buf)));
	opt(o, "wsrep-node-address", me);
	opt(o, "wsrep-node-name", own(o, xasprintf("n%d", node)));
	opt(o, "wsrep-sst-method", cluster_node_dialect(c, node)->d->sst_method);
	opt(o, "wsrep-slave-threads", "2");
	opt(o, "wsrep-provider-options",
	    own(o, xasprintf("gcache.size=64M;gmcast.listen_addr=tcp://%s:4567;ist.recv_addr=%s:4568", me, me)));
	if (bootstrap)
		opt(o, "wsrep-new-cluster", NULL);
	if (start_position)
		opt(o, "wsrep-start-position", start_position);
	if (recover)
		opt(o, "wsrep-recover", NULL);
	sb_release(&addr);
}

/* ---- status ---- */

static int galera_node_status(struct cluster *c, int node, struct node_status *st)
{
	MYSQL *m = cluster_connect(c, node, 3);
	const char *q = "SHOW GLOBAL STATUS LIKE 'wsrep\\_%'";
	MYSQL_RES *r;
	MYSQL_ROW row;

	if (!m)
		return 0;
	st->reachable = true;
	if (mysql_query(m, q) || !(r = mysql_store_result(m))) {
		mysql_close(m);
		return 0;
	}
	while ((row = mysql_fetch_row(r))) {
		const char *k = row[0], *v = row[1] ? row[1] : "";
		int64_t n;
		if (!strcmp(k, "wsrep_cluster_status"))
			lab_strlcpy(st->cluster_status, v, sizeof(st->cluster_status));
		else if (!strcmp(k, "wsrep_local_state_comment"))
			lab_strlcpy(st->local_state, v, sizeof(st->local_state));
		else if (!strcmp(k, "wsrep_cluster_state_uuid"))
			lab_strlcpy(st->state_uuid, v, sizeof(st->state_uuid));
		else if (!strcmp(k, "wsrep_cluster_size") && parse_int64(v, 0, 1000, &n) == 0)
			st->cluster_size = (int)n;
		else if (!strcmp(k, "wsrep_last_committed") && parse_int64(v, -1, INT64_MAX, &n) == 0)
			st->last_committed = n;
	}
	mysql_free_result(r);
	mysql_close(m);
	return 0;
}

static void one_status(struct cluster *c, int node, struct node_status *st)
{
	memset(st, 0, sizeof(*st));
	st->node = node;
	st->cluster_size = -1;
	st->last_committed = -1;
	st->pid = c->backend->node_pid(c, node);
	if (st->pid > 0)
		galera_node_status(c, node, st);
}

static bool state_matches(const struct node_status *st, const char *for_state)
{
	if (!st->reachable)
		return false;
	if (!strcmp(for_state, "synced"))
		return !strcmp(st->cluster_status, "Primary") && !strcmp(st->local_state, "Synced");
	if (!strcmp(for_state, "primary"))
		return !strcmp(st->cluster_status, "Primary");
	if (!strcmp(for_state, "non-primary"))
		return st->cluster_status[0] && strcmp(st->cluster_status, "Primary") != 0;
	return false;
}

/* The first "[ERROR]" line of the node's last start, for error messages. */
static void last_log_error(struct cluster *c, int node, char *buf, size_t size)
{
	const char *path = c->backend->node_log_path ? c->backend->node_log_path(c, node) : NULL;
	char *text, *p, *hit = NULL;

	lab_strlcpy(buf, "no [ERROR] line in its log", size);
	if (!path || !path_exists(path))
		return;
	text = read_file(path, NULL);
	if (!text)
		return;
	/* The first error of the server's last start says why it stopped;
	 * the ones after it ("Aborting") only say that it did. */
	char *start = text;
	for (p = text; (p = strstr(p, "] Starting MariaDB")) != NULL; p++)
		start = p;
	hit = strstr(start, "[ERROR]");
	if (hit) {
		char *end = strchr(hit, '\n');
		if (end)
			*end = '\0';
		lab_strlcpy(buf, hit, size);
	}
	free(text);
}

static bool other_primary(struct cluster *c, int node, struct strbuf *diag);

/* A wait that the database's own state defeats is a finding with a
 * diagnosis: the server exited under lab's eyes (its last [ERROR] says
 * why), or it answers SQL but did not reach the state in the time given
 * (non-Primary, stuck joining or donating: every node's side and what a
 * DBA would do). Only a server that no longer answers at all is left to
 * lab_error: lab cannot tell the machine's fault from the database's. */
static int galera_node_wait(struct cluster *c, int node, const char *for_state, int64_t timeout_ms)
{
	int64_t deadline = mono_ns() + timeout_ms * 1000000;
	struct node_status st;

	for (;;) {
		one_status(c, node, &st);
		if (st.pid <= 0 && c->manager) {
			/* the manager starts the server when it sees fit */
			if (mono_ns() <= deadline && !lab_interrupted) {
				sleep_ms(500);
				continue;
			}
			if (lab_interrupted) {
				lab_error("interrupted while waiting for %s to start node %d's database", c->manager->name,
					  node);
				return -1;
			}
			lab_error_finding("node %d: %s did not start its database within %lld s (waiting for %s; lab "
					  "cluster status shows its failed actions)",
					  node, c->manager->name, (long long)(timeout_ms / 1000), for_state);
			return -1;
		}
		if (st.pid <= 0) {
			char err[512];
			last_log_error(c, node, err, sizeof(err));
			if (strncmp(err, "no [ERROR]", 10) != 0)
				lab_error_finding("node %d exited while lab waited for it to be %s: %s", node, for_state,
						  err);
			else
				lab_error("node %d is not running (waiting for %s): %s", node, for_state, err);
			return -1;
		}
		if (state_matches(&st, for_state))
			return 0;
		if (mono_ns() > deadline || lab_interrupted)
			break;
		sleep_ms(250);
	}
	if (lab_interrupted) {
		lab_error("interrupted while waiting for node %d to be %s", node, for_state);
		return -1;
	}
	if (st.reachable) {
		struct strbuf diag = { 0 };
		other_primary(c, node, &diag);
		lab_error_finding("node %d is not %s after %lld ms: status '%s', state '%s', cluster size %d; %s", node,
				  for_state, (long long)timeout_ms, st.cluster_status[0] ? st.cluster_status : "-",
				  st.local_state[0] ? st.local_state : "-", st.cluster_size, diag.buf ? diag.buf : "");
		sb_release(&diag);
		return -1;
	}
	lab_error("node %d is not %s after %lld ms (status '%s', state '%s', size %d%s)", node, for_state,
		  (long long)timeout_ms, st.cluster_status[0] ? st.cluster_status : "-",
		  st.local_state[0] ? st.local_state : "-", st.cluster_size,
		  st.reachable ? "" : ", not answering SQL");
	return -1;
}

/* ---- grastate ---- */

static int read_grastate(struct cluster *c, int node, struct grastate *g, bool *exists)
{
	char *text = NULL;
	const char *dd = c->backend->node_datadir ? c->backend->node_datadir(c, node) : NULL;

	*exists = false;
	if (dd) {
		char *p = xasprintf("%s/grastate.dat", dd);
		bool e = path_exists(p);
		free(p);
		if (!e)
			return 0;
	}
	if (c->backend->node_read_file(c, node, "grastate.dat", &text) < 0)
		return -1;
	*exists = true;
	if (grastate_parse(text, g) < 0) {
		lab_error("node %d: cannot parse grastate.dat", node);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* True when a start that failed with this log line was refused by the
 * cluster's state (the wsrep layer: no Primary component, a state transfer
 * refused or failed, a history ahead of the cluster's), not by lab or the
 * machine (a provider that does not load, an option the server rejects). */
static bool refused_by_cluster(const char *line)
{
	static const char *const signs[] = { "Reversing history", "State transfer", "SST", "IST", "donor",
					     "primary", "Primary", "gcomm", "view", "seqno", NULL };

	if (!strstr(line, "WSREP") || strstr(line, "wsrep_load") || strstr(line, "dlopen") ||
	    strstr(line, "provider"))
		return false;
	for (size_t i = 0; signs[i]; i++)
		if (strstr(line, signs[i]))
			return true;
	return false;
}

/* Every node's side of a join that cannot happen: its state, its seqno;
 * which is most advanced and what a DBA would do. Returns true when some
 * node other than `node` is in a Primary component (the join may still
 * succeed). */
static bool other_primary(struct cluster *c, int node, struct strbuf *diag)
{
	int best = 0;
	int64_t best_seq = -2;
	bool best_running = false, any_primary = false;

	for (int i = 1; i <= c->spec.nodes; i++) {
		struct node_status st;
		struct grastate g;
		bool exists = false;
		int64_t seq = -1;

		one_status(c, i, &st);
		if (i != node && st.reachable && !strcmp(st.cluster_status, "Primary"))
			any_primary = true;
		if (st.pid > 0 && st.reachable) {
			seq = st.last_committed;
			sb_printf(diag, "%snode %d %s%s%s (last committed %" PRId64 ")", i > 1 ? ", " : "", i,
				  st.cluster_status[0] ? st.cluster_status : "?", st.local_state[0] ? " " : "",
				  st.local_state, seq);
		} else if (st.pid > 0) {
			sb_printf(diag, "%snode %d running but not answering%s", i > 1 ? ", " : "", i,
				  i == node ? " (the joiner)" : "");
		} else {
			if (read_grastate(c, i, &g, &exists) == 0 && exists)
				seq = g.seqno;
			sb_printf(diag, "%snode %d down (grastate.dat seqno %" PRId64 "%s)", i > 1 ? ", " : "", i, seq,
				  seq < 0 ? ": unknown until --wsrep-recover" : "");
		}
		if (i != node && seq > best_seq) {
			best = i;
			best_seq = seq;
			best_running = st.pid > 0;
		}
	}
	if (any_primary) {
		sb_puts(diag, "; nodes");
		for (int i = 1; i <= c->spec.nodes; i++) {
			struct node_status st;
			if (i == node)
				continue;
			one_status(c, i, &st);
			if (st.reachable && !strcmp(st.cluster_status, "Primary"))
				sb_printf(diag, " %d", i);
		}
		sb_printf(diag, " form a Primary component: node %d rejoins it by itself once it can reach them "
			  "(group communication, port 4567); look for a partition or a firewall", node);
	} else if (best && best_seq >= 0 && best_running)
		sb_printf(diag, "; the most advanced is node %d (seqno %" PRId64 "): make it a Primary component "
			  "(SET GLOBAL wsrep_provider_options='pc.bootstrap=YES' on node %d), then start the others",
			  best, best_seq, best);
	else if (best && best_seq >= 0)
		sb_printf(diag, "; the most advanced is node %d (seqno %" PRId64 "): bootstrap it "
			  "('lab cluster bootstrap %d --force', or a 'bootstrap: {node: %d, force: true}' step), "
			  "then start the others", best, best_seq, best, best);
	else
		sb_printf(diag, "; no node's seqno is known: recover each position (--wsrep-recover) and bootstrap the "
			  "most advanced ('lab cluster start-all' does both; by hand on the node's packages: %s)",
			  cluster_node_dialect(c, node)->d->galera_bootstrap ? cluster_node_dialect(c, node)->d->galera_bootstrap
									     : "--wsrep-new-cluster");
	return any_primary;
}

/* Wait until the node answers SQL as the lab user, or its process exits.
 * A joiner (not a bootstrap) that cannot join because no Primary component
 * exists anywhere (and another node is down, or about a minute passed with
 * every node running) is given up on, SIGKILLed, and reported as
 * the cluster's doing (lab_error_finding) with a diagnosis; so is a start
 * the wsrep layer refused (its first [ERROR] says why). */
/* Looks (2 s apart) at a cluster with no Primary component anywhere and
 * every node running before a joiner is given up on. */
#define PC_RESTORE_LOOKS 30

static int wait_answering(struct cluster *c, int node, int64_t timeout_ms, bool joining)
{
	int64_t t0 = mono_ns(), deadline = t0 + timeout_ms * 1000000, next_look = t0 + 4000000000LL;
	int no_primary = 0;

	for (;;) {
		if (c->backend->node_pid(c, node) <= 0) {
			char err[512];
			last_log_error(c, node, err, sizeof(err));
			if (refused_by_cluster(err))
				lab_error_finding("node %d: the cluster refused its start: %s", node, err);
			else
				lab_error("node %d exited while starting: %s", node, err);
			return -1;
		}
		MYSQL *m = cluster_connect(c, node, 2);
		if (m) {
			mysql_close(m);
			return 0;
		}
		if (mono_ns() > deadline || lab_interrupted)
			break;
		if (joining && mono_ns() > next_look) {
			struct strbuf diag = { 0 };
			next_look = mono_ns() + 2000000000LL;
			no_primary = other_primary(c, node, &diag) ? 0 : no_primary + 1;
			/* With every node running, the joiner may be the member
			 * the others wait for: Galera restores a Primary
			 * component by itself (pc.recovery) once every member of
			 * the last one is back. Give that time; with a node still
			 * down nothing can change, so say so within seconds. */
			bool others_down = false;
			for (int i = 1; i <= c->spec.nodes; i++)
				if (i != node && c->backend->node_pid(c, i) <= 0)
					others_down = true;
			if (no_primary >= (others_down ? 3 : PC_RESTORE_LOOKS)) {
				pid_t pid = c->backend->node_pid(c, node);
				if (pid > 0)
					c->backend->node_signal(c, node, SIGKILL);
				lab_error_finding("node %d cannot join: no Primary component anywhere (%.1f s; the joiner, "
						  "pid %d, was SIGKILLed): %s", node, (mono_ns() - t0) / 1e9, (int)pid,
						  diag.buf ? diag.buf : "");
				sb_release(&diag);
				return -1;
			}
			sb_release(&diag);
		}
		sleep_ms(250);
	}
	lab_error("node %d does not answer SQL after %lld ms: %s", node, (long long)timeout_ms,
		  lab_last_error());
	return -1;
}

static int galera_node_edit_state(struct cluster *c, int node, const int64_t *seqno, int safe_to_bootstrap)
{
	char *text = NULL, *edited;
	struct grastate g;
	int rc;

	if (c->backend->node_pid(c, node) > 0) {
		lab_error("node %d is running: stop it before editing grastate.dat (the server rewrites it)", node);
		return -1;
	}
	if (c->backend->node_read_file(c, node, "grastate.dat", &text) < 0)
		return -1;
	if (grastate_parse(text, &g) < 0) {
		lab_error("node %d: cannot parse grastate.dat", node);
		free(text);
		return -1;
	}
	edited = grastate_edit(text, seqno, safe_to_bootstrap);
	rc = c->backend->node_write_file(c, node, "grastate.dat", edited, strlen(edited));
	free(text);
	free(edited);
	return rc;
}

/* The node's position: from grastate.dat after a clean shutdown, from
 * --wsrep-recover after a crash (seqno -1). *recovered says which. */
static int node_position(struct cluster *c, int node, char *uuid, size_t usize, int64_t *seqno,
			 int *safe, bool *recovered)
{
	struct grastate g;
	bool exists;

	*recovered = false;
	*safe = 0;
	*seqno = -1;
	uuid[0] = '\0';
	if (read_grastate(c, node, &g, &exists) < 0)
		return -1;
	if (exists) {
		lab_strlcpy(uuid, g.uuid, usize);
		*seqno = g.seqno;
		*safe = g.safe_to_bootstrap > 0;
	}
	if (exists && g.seqno >= 0)
		return 0;
	if (!exists) {
		const char *dd = c->backend->node_datadir ? c->backend->node_datadir(c, node) : NULL;
		char *p = dd ? xasprintf("%s/ibdata1", dd) : NULL;
		bool has_data = !p || path_exists(p);
		free(p);
		if (!has_data)
			return 0; /* empty datadir: it will get an SST */
	}
	/* Crashed: ask InnoDB, like mysqld_safe. */
	struct optlist o = {0};
	struct strbuf log = {0};
	char ru[64];
	int64_t rs;
	galera_options(c, node, &o, false, NULL, true);
	lab_info("node %d: recovering its position with --wsrep-recover", node);
	int rc = c->backend->node_run_once(c, node, o.v, o.n, 300000, &log);
	optlist_release(&o);
	if (rc < 0) {
		sb_release(&log);
		return -1;
	}
	if (wsrep_recovered_position(log.buf ? log.buf : "", ru, sizeof(ru), &rs) < 0) {
		lab_error("node %d: --wsrep-recover printed no 'Recovered position' line", node);
		sb_release(&log);
		return -1;
	}
	sb_release(&log);
	lab_strlcpy(uuid, ru, usize);
	*seqno = rs;
	*recovered = true;
	return 0;
}

/* Start one node, recovering its position first when it crashed (unless
 * the caller already did: known_pos "UUID:SEQNO"); returns once it answers
 * SQL. */
static int start_node(struct cluster *c, int node, bool bootstrap, const char *known_pos)
{
	char uuid[64], pos[128];
	int64_t seqno;
	int safe;
	bool recovered;
	struct optlist o = {0};
	int rc;

	pos[0] = '\0';
	if (known_pos) {
		lab_strlcpy(pos, known_pos, sizeof(pos));
	} else {
		if (node_position(c, node, uuid, sizeof(uuid), &seqno, &safe, &recovered) < 0)
			return -1;
		if (recovered && seqno >= 0 && strcmp(uuid, ZERO_UUID) != 0)
			snprintf(pos, sizeof(pos), "%s:%" PRId64, uuid, seqno);
	}
	if (pos[0])
		lab_info("node %d: recovered position %s; starting with --wsrep-start-position", node, pos);
	galera_options(c, node, &o, bootstrap, pos[0] ? pos : NULL, false);
	rc = c->backend->node_spawn(c, node, o.v, o.n);
	optlist_release(&o);
	if (rc < 0)
		return -1;
	return wait_answering(c, node, START_TIMEOUT_MS, !bootstrap);
}

static int galera_node_start(struct cluster *c, int node)
{
	return start_node(c, node, false, NULL);
}

static int galera_node_bootstrap(struct cluster *c, int node, bool force)
{
	if (c->backend->node_pid(c, node) > 0) {
		lab_error("node %d is running: stop it before bootstrapping it", node);
		return -1;
	}
	if (force) {
		struct grastate g;
		bool exists;
		if (read_grastate(c, node, &g, &exists) < 0)
			return -1;
		if (exists && galera_node_edit_state(c, node, NULL, 1) < 0)
			return -1;
		lab_info("node %d: forced bootstrap (safe_to_bootstrap: 1)", node);
	}
	if (start_node(c, node, true, NULL) < 0)
		return -1;
	return galera_node_wait(c, node, "primary", 120000);
}

static int galera_node_start_all(struct cluster *c, struct strbuf *why)
{
	int n = c->spec.nodes, best = 0;
	int64_t seq[LAB_MAX_NODES];
	int safe[LAB_MAX_NODES];
	bool rec[LAB_MAX_NODES];
	char uuid[LAB_MAX_NODES][64];
	char known[LAB_MAX_NODES][128]; /* recovered positions, "" if none */

	for (int i = 1; i <= n; i++)
		if (c->backend->node_pid(c, i) > 0) {
			lab_error("node %d is running: starting all nodes needs every node down", i);
			return -1;
		}
	for (int i = 1; i <= n; i++) {
		if (node_position(c, i, uuid[i - 1], sizeof(uuid[i - 1]), &seq[i - 1], &safe[i - 1],
				  &rec[i - 1]) < 0)
			return -1;
		known[i - 1][0] = '\0';
		if (rec[i - 1] && seq[i - 1] >= 0 && strcmp(uuid[i - 1], ZERO_UUID) != 0)
			snprintf(known[i - 1], sizeof(known[i - 1]), "%s:%" PRId64, uuid[i - 1], seq[i - 1]);
		if (!best || seq[i - 1] > seq[best - 1] ||
		    (seq[i - 1] == seq[best - 1] && safe[i - 1] && !safe[best - 1]))
			best = i;
	}
	sb_printf(why, "bootstrapped node %d: it has the highest seqno %" PRId64 " (", best, seq[best - 1]);
	for (int i = 1; i <= n; i++)
		sb_printf(why, "%snode %d: %" PRId64 " %s%s", i > 1 ? "; " : "", i, seq[i - 1],
			  rec[i - 1] ? "recovered by --wsrep-recover" : "from grastate.dat",
			  safe[i - 1] ? ", safe_to_bootstrap" : "");
	sb_puts(why, ")");
	lab_info("%s", why->buf);
	if (galera_node_edit_state(c, best, NULL, 1) < 0)
		return -1;
	if (start_node(c, best, true, known[best - 1][0] ? known[best - 1] : NULL) < 0 ||
	    galera_node_wait(c, best, "synced", 120000) < 0)
		return -1;
	for (int i = 1; i <= n; i++)
		if (i != best && start_node(c, i, false, known[i - 1][0] ? known[i - 1] : NULL) < 0)
			return -1;
	for (int i = 1; i <= n; i++)
		if (galera_node_wait(c, i, "synced", START_TIMEOUT_MS) < 0)
			return -1;
	return 0;
}

/* PXC refuses what its pxc_strict_mode forbids (tables without a primary
 * key, LOCK TABLES, ...): say the mode every run ran under. */
static void report_strict_mode(struct cluster *c)
{
	const char *var = cluster_node_dialect(c, 1)->d->strict_mode_var;
	MYSQL *m;
	int err = 0;

	if (!var || !(m = cluster_connect(c, 1, 3)))
		return;
	char *q = xasprintf("SELECT @@global.%s", var);
	char *v = db_query_value(m, q, &err);
	mysql_close(m);
	lab_info("node 1: %s is %s", var, v ? v : "unknown");
	free(v);
	free(q);
}

static int galera_up(struct cluster *c)
{
	struct optlist o = {0};
	char *pw, *sql;
	int64_t t0 = mono_ns(), deadline;
	int rc;

	if (c->backend->node_init(c, 1, true) < 0)
		return -1;
	for (int i = 2; i <= c->spec.nodes; i++)
		if (c->backend->node_init(c, i, false) < 0)
			return -1;
	galera_options(c, 1, &o, true, NULL, false);
	rc = c->backend->node_spawn(c, 1, o.v, o.n);
	optlist_release(&o);
	if (rc < 0)
		return -1;
	/* Node 1 answers its administrator once it is the Primary component. */
	deadline = mono_ns() + START_TIMEOUT_MS * 1000000LL;
	for (;;) {
		if (c->backend->node_pid(c, 1) <= 0) {
			char err[512];
			last_log_error(c, 1, err, sizeof(err));
			lab_error("node 1 exited while bootstrapping: %s", err);
			return -1;
		}
		/* A query that reads a table: the server refuses it (1047,
		 * "WSREP has not yet prepared node for application use") until
		 * wsrep is ready, while a bare SELECT 1 passes before. */
		if (c->backend->node_admin_sql(c, 1, cluster_node_dialect(c, 1)->d->table_probe_sql, true) == 0)
			break;
		if (mono_ns() > deadline || lab_interrupted) {
			lab_error("node 1 did not answer within %d s of bootstrapping", START_TIMEOUT_MS / 1000);
			return -1;
		}
		sleep_ms(200);
	}
	pw = cluster_lab_password(c);
	if (!pw)
		return -1;
	sql = xasprintf("CREATE USER IF NOT EXISTS 'lab'@'%%' IDENTIFIED BY '%s';\n"
			"CREATE USER IF NOT EXISTS 'lab'@'localhost' IDENTIFIED BY '%s';\n"
			"GRANT ALL PRIVILEGES ON *.* TO 'lab'@'%%' WITH GRANT OPTION;\n"
			"GRANT ALL PRIVILEGES ON *.* TO 'lab'@'localhost' WITH GRANT OPTION;\n"
			"CREATE DATABASE IF NOT EXISTS bank;\n",
			pw, pw);
	rc = c->backend->node_admin_sql(c, 1, sql, false);
	memset(sql, 0, strlen(sql));
	memset(pw, 0, strlen(pw));
	free(sql);
	free(pw);
	if (rc < 0)
		return -1;
	lab_info("node 1 bootstrapped (%.1f s)", (mono_ns() - t0) / 1e9);
	/* The others join together; Galera queues their SST requests. */
	for (int i = 2; i <= c->spec.nodes; i++) {
		galera_options(c, i, &o, false, NULL, false);
		rc = c->backend->node_spawn(c, i, o.v, o.n);
		optlist_release(&o);
		if (rc < 0)
			return -1;
	}
	for (int i = 1; i <= c->spec.nodes; i++) {
		if (galera_node_wait(c, i, "synced", START_TIMEOUT_MS) < 0)
			return -1;
		lab_info("node %d Synced (%.1f s)", i, (mono_ns() - t0) / 1e9);
	}
	report_strict_mode(c);
	return 0;
}

static int galera_node_promote(struct cluster *c, int node)
{
	(void)c;
	(void)node;
	lab_error("flavor 'galera' has no primary to promote");
	return -1;
}

static int galera_node_rejoin(struct cluster *c, int node)
{
	(void)c;
	(void)node;
	lab_error("flavor 'galera' has no primary to rejoin");
	return -1;
}

static char *galera_server_version(struct cluster *c)
{
	for (int i = 1; i <= c->spec.nodes; i++) {
		MYSQL *m;
		char *v, *p;
		int err = 0;

		if (c->backend->node_pid(c, i) <= 0 || !(m = cluster_connect(c, i, 3)))
			continue;
		v = db_query_value(m, "SELECT VERSION()", &err);
		p = db_status(m, "wsrep_provider_version");
		mysql_close(m);
		if (!v) {
			free(p);
			continue;
		}
		char *out = xasprintf("%s; galera %s", v, p ? p : "?");
		free(v);
		free(p);
		return out;
	}
	return NULL;
}

/* How a joiner caught up, from its log since the start: "sst" (a completed
 * full state snapshot), "ist" (Galera's "Receiving IST: N writesets") or
 * "none". The rsync joiner script always starts (it listens for either
 * kind) and "SST received" / "SST succeeded for position" are logged after
 * an IST too (measured): a full SST is one whose script completed a
 * transfer on the joiner; an IST of the writesets committed meanwhile may
 * follow it. */
static const char *galera_log_caught_up(const char *log, struct strbuf *what)
{
	const char *p;

	if (strstr(log, "SST completed on joiner")) {
		sb_puts(what, "full state transfer (SST)");
		if (strstr(log, "Receiving IST: "))
			sb_puts(what, " then IST");
		return "sst";
	}
	if ((p = strstr(log, "Receiving IST: "))) {
		const char *eol = strchr(p, '\n');
		sb_printf(what, "%.*s", eol ? (int)(eol - p) : (int)strlen(p), p);
		return "ist";
	}
	return "none";
}

/* Why a start failed, in the server's own words: the first WSREP or InnoDB
 * [ERROR] it logged (e.g. "Reversing history"). */
static void galera_log_start_failure(const char *log, struct strbuf *why)
{
	for (const char *line = log; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *e = memmem(line, len, "[ERROR] ", 8);
		if (e && (memmem(e, len - (size_t)(e - line), "WSREP", 5) ||
			  memmem(e, len - (size_t)(e - line), "InnoDB", 6))) {
			size_t rest = len - (size_t)(e + 8 - line);
			sb_printf(why, "%.*s", (int)(rest > 300 ? 300 : rest), e + 8);
			return;
		}
		line = eol ? eol + 1 : NULL;
	}
}

/* For a failover manager's agent (ocf:heartbeat:galera): the node's
 * options as my.cnf lines. The agent gives the cluster address on the
 * command line when it starts a member (gcomm:// to bootstrap, the member
 * list to join), but not to its --wsrep-recover run, which the rsync SST
 * method refuses without one ("requires wsrep_cluster_address to be
 * configured on startup"): my.cnf has the member list. */
static int galera_node_config(struct cluster *c, int node, struct strbuf *cnf)
{
	struct optlist o;

	memset(&o, 0, sizeof(o));
	galera_options(c, node, &o, false, NULL, false);
	for (size_t i = 0; i < o.n; i++)
		sb_printf(cnf, "%s%s%s\n", o.v[i].key, o.v[i].value ? "=" : "", o.v[i].value ? o.v[i].value : "");
	optlist_release(&o);
	return 0;
}

static const char *const galera_dialects[] = { "mariadb", "pxc-8.0", NULL };

const struct flavor_ops flavor_galera = {
	.name = "galera",
	.description = "MariaDB Galera cluster (wsrep, galera-4) or Percona XtraDB Cluster 8.0: every node a writable member",
	.dialects = galera_dialects,
	.up = galera_up,
	.node_start = galera_node_start,
	.node_start_all = galera_node_start_all,
	.node_bootstrap = galera_node_bootstrap,
	.node_status = galera_node_status,
	.node_wait = galera_node_wait,
	.node_edit_state = galera_node_edit_state,
	.node_promote = galera_node_promote,
	.node_config = galera_node_config,
	.node_rejoin = galera_node_rejoin,
	.server_version = galera_server_version,
	.log_caught_up = galera_log_caught_up,
	.log_start_failure = galera_log_start_failure,
};
