/*
 * cluster_dialect.c — each node's server dialect (lib/dialect.h), chosen
 * once per node and kept in the state file (node.N.dialect = "VERSION
 * COMMENT", a tab between), so that every later process speaks to the
 * node as the first one did, even while it is down (a fault on its files).
 *
 * Where the answer comes from, in order: the server itself (SELECT
 * VERSION(), @@version_comment as the lab user), what the state file
 * remembers, the backend's node_server_version (the binary's --version:
 * a node is chosen for before its server first runs), else MariaDB of an
 * unknown release (the local backend runs nothing else). The flavor's
 * table lists the dialects it speaks; cluster_choose_dialects refuses the
 * rest before anything starts.
 */
#include "cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void state_key(int node, char *key, size_t size)
{
	snprintf(key, size, "node.%d.dialect", node);
}

static void remember(struct cluster *c, int node, const struct server_dialect *sd)
{
	char key[32];

	c->dialect[node - 1] = *sd;
	if (!sd->version[0])
		return;
	state_key(node, key, sizeof(key));
	char *v = xasprintf("%s\t%s", sd->version, sd->comment);
	const char *old = cluster_state_get(c, key);
	if (!old || strcmp(old, v) != 0) {
		cluster_state_set(c, key, v);
		/* only the lock's holder writes the state file: a reader
		 * (lab cluster status) must not overwrite an owner's state */
		if (c->n_state && c->lock_fd >= 0)
			cluster_state_save(c);
	}
	free(v);
}

static int from_server(struct cluster *c, int node, struct server_dialect *sd)
{
	if (!c->backend->node_pid || c->backend->node_pid(c, node) <= 0)
		return -1;
	MYSQL *m = cluster_connect(c, node, 3);
	if (!m)
		return -1;
	int rc = dialect_query(m, sd);
	mysql_close(m);
	return rc;
}

static int from_state(struct cluster *c, int node, struct server_dialect *sd)
{
	char key[32];

	state_key(node, key, sizeof(key));
	const char *v = cluster_state_get(c, key);
	if (!v)
		return -1;
	char *copy = xstrdup(v), *tab = strchr(copy, '\t');
	if (tab)
		*tab++ = '\0';
	int rc = dialect_detect(copy, tab ? tab : "", sd);
	free(copy);
	return rc;
}

static int from_binary(struct cluster *c, int node, struct server_dialect *sd)
{
	struct strbuf line = { 0 };
	int rc = -1;

	if (c->backend->node_server_version && c->backend->node_server_version(c, node, &line) == 0)
		rc = dialect_parse_version_line(line.buf, sd);
	sb_release(&line);
	return rc;
}

/* 0 found; -1 no answer, or a server lab has no dialect for (sd->version
 * then says which: *unknown keeps the first). */
static int choose(struct cluster *c, int node, struct server_dialect *sd, struct server_dialect *unknown)
{
	int (*const source[])(struct cluster *, int, struct server_dialect *) = { from_server, from_state,
										    from_binary };

	unknown->version[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(source); i++) {
		if (source[i](c, node, sd) == 0)
			return 0;
		if (sd->version[0] && !unknown->version[0])
			*unknown = *sd;
	}
	return -1;
}

const struct server_dialect *cluster_node_dialect(struct cluster *c, int node)
{
	struct server_dialect sd, unknown;

	if (node < 1 || node > LAB_MAX_NODES) {
		static struct server_dialect fallback;
		dialect_default(&fallback);
		return &fallback;
	}
	if (c->dialect[node - 1].d)
		return &c->dialect[node - 1];
	if (choose(c, node, &sd, &unknown) == 0) {
		remember(c, node, &sd);
	} else {
		/* Nobody answered (or with a server lab does not know, which
		 * cluster_choose_dialects refuses): what lab always assumed. */
		dialect_default(&c->dialect[node - 1]);
	}
	return &c->dialect[node - 1];
}

void cluster_forget_dialect(struct cluster *c, int node)
{
	char key[32];

	if (node < 1 || node > LAB_MAX_NODES)
		return;
	memset(&c->dialect[node - 1], 0, sizeof(c->dialect[node - 1]));
	state_key(node, key, sizeof(key));
	cluster_state_set(c, key, NULL);
}

static bool speaks(const struct flavor_ops *f, const struct dialect *d)
{
	if (!f->dialects)
		return !strcmp(d->name, "mariadb");
	for (size_t i = 0; f->dialects[i]; i++)
		if (!strcmp(f->dialects[i], d->name))
			return true;
	return false;
}

int cluster_choose_dialects(struct cluster *c)
{
	for (int i = 1; i <= c->spec.nodes; i++) {
		struct server_dialect found, unknown;
		char what[320];
		if (!c->dialect[i - 1].d && choose(c, i, &found, &unknown) < 0 && unknown.version[0]) {
			lab_error("node %d runs '%s' (%s), which is no server dialect lab knows (mariadb 10.x/11.x, "
				  "mysql-8.0, percona-server-8.0, pxc-8.0)",
				  i, unknown.version, unknown.comment[0] ? unknown.comment : "no version comment");
			return -1;
		}
		const struct server_dialect *sd = cluster_node_dialect(c, i);
		if (speaks(c->flavor, sd->d))
			continue;
		struct strbuf list = { 0 };
		for (size_t k = 0; c->flavor->dialects && c->flavor->dialects[k]; k++)
			sb_printf(&list, "%s%s", k ? ", " : "", c->flavor->dialects[k]);
		lab_error("node %d runs %s: flavor '%s' speaks %s", i, dialect_describe(sd, what, sizeof(what)),
			  c->flavor->name, list.len ? list.buf : "mariadb");
		sb_release(&list);
		return -1;
	}
	/* One line: "dialect: nodes 1-3 mariadb (10.11.6-MariaDB-0+deb12u1,
	 * Debian 12)", a part per run of nodes that say the same. */
	struct strbuf line = { 0 };
	for (int i = 1, first = 1; i <= c->spec.nodes; i++) {
		char a[320], b[320];
		dialect_describe(cluster_node_dialect(c, i), a, sizeof(a));
		if (i < c->spec.nodes && !strcmp(a, dialect_describe(cluster_node_dialect(c, i + 1), b, sizeof(b))))
			continue;
		if (first == i)
			sb_printf(&line, "%snode %d %s", line.len ? "; " : "", i, a);
		else
			sb_printf(&line, "%snodes %d-%d %s", line.len ? "; " : "", first, i, a);
		first = i + 1;
	}
	lab_info("dialect: %s", line.buf ? line.buf : "no nodes");
	sb_release(&line);
	return 0;
}
