/*
 * versions.c — the build cache: several MariaDB server builds side by side
 * (versions.h), and which one each node runs.
 *
 * A cached build is Debian's own packages for that version, unpacked, never
 * installed: `apt-get download PKG=EPOCH:VERSION` of mariadb-server-core,
 * mariadb-client-core, mariadb-server (the SST scripts, wsrep_sst_rsync)
 * and mariadb-client into a temporary directory, `dpkg -x` of each into
 * CACHE/.mariadb-VERSION.PID, `mariadbd --version` run from there, then one
 * rename() to CACHE/mariadb-VERSION: a build in the cache is whole and has
 * run once, and two fetches at once cannot leave half of one. Galera's
 * provider is not per build: Debian 12 has one galera-4 (26.4.x) that
 * speaks to every 10.11 server, and the installed one is used.
 *
 * A cached server runs with --basedir=ROOT/usr, --plugin-dir and
 * --lc-messages-dir inside the build (Debian compiles /usr/... paths into
 * the binary: without them a 10.11.18 server would load 10.11.19's plugins
 * and error messages), started through `env PATH=ROOT/usr/bin:...` so that
 * the programs it runs (wsrep_sst_rsync, wsrep_sst_common, my_print_defaults)
 * are its own.
 */
#include "versions.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CACHE_DIR "/var/cache/lab"
#define SYSTEM_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define FETCH_TIMEOUT_MS (10 * 60 * 1000)

/* What a build needs to run side by side with the installed one. */
static const char *const build_packages[] = {
	"mariadb-server-core", "mariadb-client-core", "mariadb-server", "mariadb-client",
};

const char *versions_cache_dir(void)
{
	const char *d = getenv("LAB_CACHE_DIR");
	return d && *d ? d : DEFAULT_CACHE_DIR;
}

bool versions_valid(const char *v)
{
	size_t dots = 0;

	if (!v || !isdigit((unsigned char)v[0]) || strlen(v) > 32)
		return false;
	for (const char *p = v; *p; p++) {
		if (*p == '.') {
			if (!isdigit((unsigned char)p[1]))
				return false;
			dots++;
		} else if (!isdigit((unsigned char)*p)) {
			return false;
		}
	}
	return dots >= 1;
}

int versions_upstream(const char *deb, char *out, size_t size)
{
	const char *colon = strchr(deb, ':');
	const char *start = colon ? colon + 1 : deb;
	size_t n = strcspn(start, "-+~ \n");

	if (n == 0 || n >= size)
		return -1;
	memcpy(out, start, n);
	out[n] = '\0';
	return versions_valid(out) ? 0 : -1;
}

bool versions_major_change(const char *from, const char *to)
{
	/* MAJOR.MINOR is the series: 10.11 and 11.4 differ, 10.11.18 and
	 * 10.11.19 do not. */
	size_t a = strcspn(from, "."), b = strcspn(to, ".");
	if (from[a] == '.')
		a += 1 + strcspn(from + a + 1, ".");
	if (to[b] == '.')
		b += 1 + strcspn(to + b + 1, ".");
	return a != b || strncmp(from, to, a) != 0;
}

char *versions_installed(void)
{
	const char *argv[] = { "dpkg-query", "-W", "-f=${Version}", "mariadb-server-core", NULL };
	struct strbuf out = {0};
	struct run_opts o = { .timeout_ms = 30000, .out = &out };
	char v[64];
	int rc = run_argv(argv, &o);

	if (rc != 0 || !out.buf || versions_upstream(out.buf, v, sizeof(v)) < 0) {
		lab_error("cannot tell the installed server's version (dpkg-query mariadb-server-core): %.200s",
			  out.buf ? out.buf : "no output");
		sb_release(&out);
		return NULL;
	}
	sb_release(&out);
	return xstrdup(v);
}

static char *cached_root(const char *version)
{
	return xasprintf("%s/mariadb-%s", versions_cache_dir(), version);
}

int versions_root(const char *version, char *root, size_t size)
{
	char *inst, *dir, *bin;
	bool have;

	if (!versions_valid(version)) {
		lab_error("bad server version '%s': want e.g. 10.11.18", version);
		return -1;
	}
	inst = versions_installed();
	if (!inst)
		return -1;
	if (!strcmp(inst, version)) {
		free(inst);
		root[0] = '\0';
		return 0;
	}
	free(inst);
	dir = cached_root(version);
	bin = xasprintf("%s/usr/sbin/mariadbd", dir);
	have = path_exists(bin);
	free(bin);
	if (!have) {
		lab_error("server build '%s' is not cached in '%s': run 'lab versions fetch %s'", version,
			  versions_cache_dir(), version);
		free(dir);
		return -1;
	}
	lab_strlcpy(root, dir, size);
	free(dir);
	return 0;
}

char *versions_mariadbd_version(const char *root)
{
	char *bin = xasprintf("%s/usr/sbin/mariadbd", root);
	const char *argv[] = { bin, "--version", NULL };
	struct strbuf out = {0};
	struct run_opts o = { .timeout_ms = 30000, .out = &out };
	int rc = run_argv(argv, &o);
	char *line = NULL;

	if (rc == 0 && out.buf) {
		out.buf[strcspn(out.buf, "\n")] = '\0';
		const char *ver = strstr(out.buf, "Ver ");
		line = xstrdup(ver ? ver : out.buf); /* without the binary's path */
	} else {
		lab_error("'%s --version' failed (status %d): %.200s", bin, rc, out.buf ? out.buf : "no output");
	}
	free(bin);
	sb_release(&out);
	return line;
}

/* The full Debian version of pkg whose upstream version is version, from
 * `apt-cache madison` (malloc'd), or NULL with the error reported. */
static char *debian_version(const char *pkg, const char *version)
{
	const char *argv[] = { "apt-cache", "madison", pkg, NULL };
	struct strbuf out = {0};
	struct run_opts o = { .timeout_ms = 60000, .out = &out };
	char *found = NULL;
	int rc = run_argv(argv, &o);

	for (char *line = out.buf, *next; rc == 0 && line && *line && !found; line = next) {
		char *bar1, *bar2, up[64];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		bar1 = strchr(line, '|');
		bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
		if (!bar2)
			continue;
		*bar2 = '\0';
		char *v = bar1 + 1;
		while (*v == ' ')
			v++;
		size_t n = strlen(v);
		while (n && v[n - 1] == ' ')
			v[--n] = '\0';
		if (versions_upstream(v, up, sizeof(up)) == 0 && !strcmp(up, version))
			found = xstrdup(v);
	}
	if (!found)
		lab_error("Debian's archive has no '%s' of version '%s' (apt-cache madison %s; try apt-get update)", pkg,
			  version, pkg);
	sb_release(&out);
	return found;
}

int versions_fetch(const char *version)
{
	char *inst, *dir = NULL, *tmp = NULL, *dl = NULL, *ver = NULL, *line = NULL;
	struct strbuf out = {0};
	int ret = -1;

	if (!versions_valid(version)) {
		lab_error("bad server version '%s': want e.g. 10.11.18", version);
		return -1;
	}
	inst = versions_installed();
	if (!inst)
		return -1;
	if (!strcmp(inst, version)) {
		lab_info("%s is the installed build (/usr): nothing to fetch", version);
		free(inst);
		return 0;
	}
	free(inst);
	dir = cached_root(version);
	{
		char *bin = xasprintf("%s/usr/sbin/mariadbd", dir);
		bool have = path_exists(bin);
		free(bin);
		if (have) {
			lab_info("%s is cached in '%s'", version, dir);
			free(dir);
			return 0;
		}
	}
	if (mkdir_p(versions_cache_dir(), 0755) < 0)
		goto out;
	ver = debian_version("mariadb-server-core", version);
	if (!ver)
		goto out;
	tmp = xasprintf("%s/.mariadb-%s.%d", versions_cache_dir(), version, (int)getpid());
	dl = xasprintf("%s.debs", tmp);
	remove_tree(tmp);
	remove_tree(dl);
	/* apt drops its privileges to _apt for the download: the directory
	 * must be theirs to write. */
	if (mkdir_p(tmp, 0755) < 0 || mkdir_p(dl, 0777) < 0 || chmod(dl, 0777) < 0)
		goto out;
	lab_info("fetching %s (%s) from Debian's archive", version, ver);
	{
		const char *argv[5 + ARRAY_SIZE(build_packages) + 1] = { "env", "-C", dl, "apt-get", "download" };
		char *specs[ARRAY_SIZE(build_packages)];
		for (size_t i = 0; i < ARRAY_SIZE(build_packages); i++) {
			specs[i] = xasprintf("%s=%s", build_packages[i], ver);
			argv[5 + i] = specs[i];
		}
		argv[5 + ARRAY_SIZE(build_packages)] = NULL;
		struct run_opts o = { .timeout_ms = FETCH_TIMEOUT_MS, .out = &out };
		int rc = run_argv(argv, &o);
		for (size_t i = 0; i < ARRAY_SIZE(build_packages); i++)
			free(specs[i]);
		if (rc != 0) {
			lab_error("apt-get download of %s failed (status %d): %.500s", version, rc,
				  out.buf ? out.buf : "no output");
			goto out;
		}
	}
	/* dpkg -x of each package, in the order named (they share no file). */
	for (size_t i = 0; i < ARRAY_SIZE(build_packages); i++) {
		char *deb = NULL;
		DIR *dh = opendir(dl);
		struct dirent *e;
		size_t plen = strlen(build_packages[i]);
		while (dh && (e = readdir(dh)))
			if (!strncmp(e->d_name, build_packages[i], plen) && e->d_name[plen] == '_' && !deb)
				deb = xasprintf("%s/%s", dl, e->d_name);
		if (dh)
			closedir(dh);
		if (!deb) {
			lab_error("apt-get download left no '%s' package in '%s'", build_packages[i], dl);
			goto out;
		}
		const char *argv[] = { "dpkg", "-x", deb, tmp, NULL };
		struct run_opts o = { .timeout_ms = 300000, .out = &out };
		sb_reset(&out);
		int rc = run_argv(argv, &o);
		if (rc != 0)
			lab_error("dpkg -x '%s' failed (status %d): %.300s", deb, rc, out.buf ? out.buf : "");
		free(deb);
		if (rc != 0)
			goto out;
	}
	line = versions_mariadbd_version(tmp);
	if (!line)
		goto out;
	{
		char *want = xasprintf("Ver %s-", version);
		bool ok = strstr(line, want) != NULL;
		free(want);
		if (!ok) {
			lab_error("the unpacked build says '%s', not version %s", line, version);
			goto out;
		}
	}
	{
		char *note = xasprintf("debian_version %s\nmariadbd %s\n", ver, line);
		char *path = xasprintf("%s/lab-build", tmp);
		int rc = write_file_atomic(path, note, strlen(note), 0644);
		free(note);
		free(path);
		if (rc < 0)
			goto out;
	}
	if (rename(tmp, dir) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY) {
			lab_info("%s was cached by another fetch meanwhile", version);
		} else {
			lab_error("cannot rename '%s' to '%s': %s", tmp, dir, strerror(errno));
			goto out;
		}
	}
	lab_info("cached %s in '%s': %s", version, dir, line);
	ret = 0;
out:
	if (tmp)
		remove_tree(tmp);
	if (dl)
		remove_tree(dl);
	free(dir);
	free(tmp);
	free(dl);
	free(ver);
	free(line);
	sb_release(&out);
	return ret;
}

/* ---- per node ---- */

const char *node_version(const struct cluster *c, int node)
{
	char key[32];

	snprintf(key, sizeof(key), "node.%d.version", node);
	return cluster_state_get(c, key);
}

/* The node's build root: "" for the installed build. */
static int node_root(const struct cluster *c, int node, char *root, size_t size)
{
	const char *v = node_version(c, node);

	root[0] = '\0';
	return v ? versions_root(v, root, size) : 0;
}

char *node_mariadbd_version(const struct cluster *c, int node)
{
	char root[PATH_MAX];

	if (node_root(c, node, root, sizeof(root)) < 0)
		return NULL;
	return versions_mariadbd_version(root);
}

char *node_binary(const struct cluster *c, int node, const char *prog)
{
	char root[PATH_MAX];

	if (node_root(c, node, root, sizeof(root)) < 0)
		return NULL;
	if (!root[0])
		return xstrdup(prog);
	char *p = xasprintf("%s/usr/sbin/%s", root, prog);
	if (path_exists(p))
		return p;
	free(p);
	p = xasprintf("%s/usr/bin/%s", root, prog);
	if (path_exists(p))
		return p;
	lab_error("node %d: build '%s' has no '%s'", node, root, prog);
	free(p);
	return NULL;
}

static void word(struct strbuf *w, const char *s)
{
	sb_puts(w, s);
	sb_add(w, "", 1);
}

int node_exec_words(const struct cluster *c, int node, const char *prog, struct strbuf *words)
{
	char root[PATH_MAX];
	char *bin;

	if (node_root(c, node, root, sizeof(root)) < 0)
		return -1;
	if (!root[0]) {
		word(words, prog);
		return 0;
	}
	bin = node_binary(c, node, prog);
	if (!bin)
		return -1;
	word(words, "env");
	sb_printf(words, "PATH=%s/usr/bin:%s/usr/sbin:%s", root, root, SYSTEM_PATH);
	sb_add(words, "", 1);
	word(words, bin);
	free(bin);
	return 0;
}

int node_build_options(const struct cluster *c, int node, struct strbuf *words)
{
	char root[PATH_MAX];

	if (node_root(c, node, root, sizeof(root)) < 0)
		return -1;
	if (!root[0])
		return 0;
	sb_printf(words, "--basedir=%s/usr", root);
	sb_add(words, "", 1);
	sb_printf(words, "--plugin-dir=%s/usr/lib/mysql/plugin", root);
	sb_add(words, "", 1);
	sb_printf(words, "--lc-messages-dir=%s/usr/share/mysql", root);
	sb_add(words, "", 1);
	return 0;
}

int cluster_check_builds(struct cluster *c)
{
	bool any = c->spec.version != NULL;
	char root[PATH_MAX];

	for (int i = 0; i < c->spec.nodes; i++)
		any = any || c->spec.versions[i];
	if (!any)
		return 0;
	if (strcmp(c->backend->name, "local") != 0) {
		lab_error("backend '%s' cannot choose a server build (cluster.version is for the local backend)",
			  c->backend->name);
		return -1;
	}
	for (int i = 1; i <= c->spec.nodes; i++) {
		const char *v = c->spec.versions[i - 1] ? c->spec.versions[i - 1] : c->spec.version;
		if (v && versions_root(v, root, sizeof(root)) < 0)
			return -1;
	}
	return 0;
}

void cluster_record_builds(struct cluster *c)
{
	for (int i = 1; i <= c->spec.nodes; i++) {
		const char *v = c->spec.versions[i - 1] ? c->spec.versions[i - 1] : c->spec.version;
		char key[32];
		snprintf(key, sizeof(key), "node.%d.version", i);
		cluster_state_set(c, key, v);
	}
}

/* ---- upgrade ---- */

int versions_compare(const char *a, const char *b)
{
	while (*a || *b) {
		char *ea, *eb;
		unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
		if (ea == a && eb == b && !*a && !*b)
			break;
	}
	return 0;
}

/* mariadb-upgrade of the node's (new) build against the node, over TCP as
 * the lab user (ALL privileges); its output into out. */
static int run_mariadb_upgrade(struct cluster *c, int node, struct strbuf *out)
{
	char *bin = node_binary(c, node, "mariadb-upgrade");
	char *a_cnf = xasprintf("--defaults-file=%s", c->defaults_file);
	char *a_host = xasprintf("--host=%s", c->hosts[node - 1].host);
	char *a_port = xasprintf("--port=%u", c->hosts[node - 1].port);
	int rc = -1;

	if (bin) {
		/* --defaults-file first: it must be the first option. Without
		 * --write-binlog (the default) it does not write its changes to
		 * the binary log, as the DBA runs it on each node in turn. */
		const char *argv[] = { bin, a_cnf, a_host, a_port, "--protocol=tcp", NULL };
		rc = c->backend->node_run_tool(c, node, argv, 600000, out);
		if (rc > 0) { /* < 0: could not run it, already reported */
			while (out->len && out->buf[out->len - 1] == '\n')
				out->buf[--out->len] = '\0';
			lab_error("node %d: mariadb-upgrade failed (status %d): %.400s", node, rc,
				  out->len ? out->buf + (out->len > 400 ? out->len - 400 : 0) : "no output");
			rc = -1;
		}
	}
	free(bin);
	free(a_cnf);
	free(a_host);
	free(a_port);
	return rc;
}

char *node_server_version(struct cluster *c, int node)
{
	MYSQL *m = cluster_connect(c, node, 5);
	char *v;
	int err = 0;

	if (!m)
		return NULL;
	v = db_query_value(m, "SELECT VERSION()", &err);
	mysql_close(m);
	return v;
}

int node_upgrade(struct cluster *c, int node, const char *version, int64_t timeout_ms, struct strbuf *detail,
		 struct upgrade_result *res)
{
	char root[PATH_MAX], key[32];
	char *inst = NULL, *now = NULL;
	const char *from;
	bool running, slow, newer;
	int64_t t0, t_stopped, t_back, mark;
	int ret = -1;

	struct upgrade_result dummy;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (cluster_check_node(c, node) < 0)
		return -1;
	if (strcmp(c->backend->name, "local") != 0 || !c->backend->node_run_tool) {
		lab_error("backend '%s' cannot switch a node's server build", c->backend->name);
		return -1;
	}
	if (versions_root(version, root, sizeof(root)) < 0)
		return -1;
	inst = versions_installed();
	if (!inst)
		return -1;
	from = node_version(c, node) ? node_version(c, node) : inst;
	if (!strcmp(from, version)) {
		sb_printf(detail, "node %d already runs %s: nothing to do", node, version);
		lab_strlcpy(res->caught_up, "none", sizeof(res->caught_up));
		free(inst);
		return 0;
	}
	newer = versions_compare(version, from) > 0;
	/* A change of series (10.11 -> 11.4) may change the redo log and
	 * undo formats: the DBA's slow shutdown leaves neither to the new
	 * server. A downgrade gets one too, so the older server finds
	 * nothing newer than itself to apply. Within a series (10.11.18 ->
	 * 10.11.19) the on-disk formats are the same and the normal (fast)
	 * shutdown is what the Debian package's own upgrade does. */
	slow = versions_major_change(from, version) || !newer;
	running = node_pid(c, node) > 0;
	sb_printf(detail, "node %d: %s -> %s (%s", node, from, version, newer ? "upgrade" : "downgrade");
	if (running && slow) {
		MYSQL *m = cluster_connect(c, node, 10);
		if (!m || db_exec(m, "SET GLOBAL innodb_fast_shutdown = 0") < 0) {
			if (m)
				mysql_close(m);
			lab_error("node %d: cannot set innodb_fast_shutdown=0 before the slow shutdown: %s", node,
				  lab_last_error());
			goto out;
		}
		mysql_close(m);
		sb_puts(detail, ", slow shutdown innodb_fast_shutdown=0");
	} else if (running) {
		sb_puts(detail, ", normal shutdown: same series");
	} else {
		sb_puts(detail, ", node was down");
	}
	sb_puts(detail, ")");
	mark = node_log_mark(c, node);
	t0 = mono_ns();
	if (running && node_stop(c, node) < 0)
		goto out;
	t_stopped = mono_ns();
	snprintf(key, sizeof(key), "node.%d.version", node);
	cluster_state_set(c, key, version);
	cluster_forget_dialect(c, node); /* another build: ask it again */
	if (cluster_state_save(c) < 0)
		goto out;
	if (node_start(c, node) < 0) {
		struct strbuf why = {0};
		node_start_failure(c, node, mark, &why);
		if (why.len)
			sb_printf(detail, "; log: %s", why.buf);
		sb_release(&why);
		goto out;
	}
	if (node_wait(c, node, "synced", timeout_ms > 0 ? timeout_ms : 600000) < 0)
		goto out;
	t_back = mono_ns();
	res->out_ms = (t_back - t0) / 1000000;
	sb_printf(detail, "; stopped in %.1f s, out %.1f s", (double)(t_stopped - t0) / 1e9,
		  (double)(t_back - t0) / 1e9);
	{
		struct strbuf what = {0};
		const char *kind = node_caught_up(c, node, mark, &what);
		int primary = cluster_primary(c);
		if (kind)
			lab_strlcpy(res->caught_up, kind, sizeof(res->caught_up));
		if (primary > 0 && primary != node) {
			/* A replica: its threads reconnected and it applied what
			 * the primary wrote while it was out (node_wait synced). */
			struct node_status st[LAB_MAX_NODES];
			memset(st, 0, sizeof(st));
			cluster_status(c, st);
			sb_printf(detail, "; caught up by replication from node %d: gtid_slave_pos %s", primary,
				  st[node - 1].gtid_slave_pos[0] ? st[node - 1].gtid_slave_pos : "-");
		} else if (primary == node) {
			/* The primary: its replicas reconnect (MASTER_CONNECT_RETRY)
			 * and catch up; the node is back when they have. */
			int64_t tr = mono_ns();
			for (int i = 1; i <= c->spec.nodes; i++)
				if (i != node && node_pid(c, i) > 0 &&
				    node_wait(c, i, "synced", timeout_ms > 0 ? timeout_ms : 600000) < 0) {
					sb_release(&what);
					goto out;
				}
			sb_printf(detail, "; the primary: replicas reconnected and caught up %.1f s after it was back",
				  (double)(mono_ns() - tr) / 1e9);
		} else if (kind) {
			sb_printf(detail, "; caught up: %s", what.len ? what.buf : "no state transfer");
		}
		sb_release(&what);
	}
	if (newer) {
		struct strbuf out = {0};
		int64_t tu = mono_ns();
		int rc = run_mariadb_upgrade(c, node, &out);
		if (rc < 0) {
			sb_release(&out);
			goto out;
		}
		/* Its last line says what it did ("OK", or "already upgraded"). */
		while (out.len && (out.buf[out.len - 1] == '\n' || out.buf[out.len - 1] == ' '))
			out.buf[--out.len] = '\0';
		const char *last = out.len ? strrchr(out.buf, '\n') : NULL;
		last = last ? last + 1 : (out.len ? out.buf : "no output");
		/* Within a series it declines: "This installation of MariaDB is
		 * already upgraded to 10.11.18-MariaDB. There is no need to run
		 * mysql_upgrade again for 10.11.19-MariaDB, because they're both
		 * 10.11." Say that rather than its advice about --force. */
		const char *noneed = out.len ? strstr(out.buf, "There is no need") : NULL;
		if (noneed)
			*(char *)(noneed + strcspn(noneed, "\n")) = '\0';
		if (noneed)
			last = noneed;
		sb_printf(detail, "; mariadb-upgrade %.1f s: %.160s", (double)(mono_ns() - tu) / 1e9, last);
		sb_release(&out);
	} else {
		sb_puts(detail, "; no mariadb-upgrade (downgrade: the older tool cannot downgrade system tables)");
	}
	now = node_server_version(c, node);
	sb_printf(detail, "; now %s", now ? now : "(no answer)");
	lab_strlcpy(res->now, now ? now : "", sizeof(res->now));
	ret = 0;
out:
	free(inst);
	free(now);
	return ret;
}
