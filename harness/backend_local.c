/*
 * backend_local.c — the embedded `local` backend: each node is a mariadbd
 * process on this machine, run as user mysql in its own network namespace
 * (netns.h has the layout), with its files under the state directory:
 *
 *   STATE/nI/data         the datadir (owned by mysql)
 *   STATE/nI/error.log    the server's log_error
 *   STATE/nI/console.log  the process's stdout/stderr
 *   STATE/nI/recover.log  the last --wsrep-recover (or other one-shot) run
 *   STATE/nI/mysqld.sock, mysqld.pid
 *   STATE/snapshots/NAME/nI   copies of stopped datadirs
 *
 * State keys: local.subnet, local.partitioned, node.I.pid and node.I.start
 * (the process's start time in clock ticks, so a recycled pid is never
 * mistaken for ours). Only those recorded pids and the processes inside
 * the cluster's own namespaces are ever signalled.
 */
#include "cluster.h"
#include "netns.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARIADBD "mariadbd"
#define SERVER_USER "mysql"

struct local_data {
	int subnet;
	char node_dir[LAB_MAX_NODES][PATH_MAX];
	char datadir[LAB_MAX_NODES][PATH_MAX];
	char log[LAB_MAX_NODES][PATH_MAX];
	char ns[LAB_MAX_NODES][64];
};

static struct local_data *ld(struct cluster *c)
{
	if (!c->backend_data)
		c->backend_data = xcalloc(1, sizeof(struct local_data));
	return c->backend_data;
}

static const char *local_unavailable(void)
{
	if (geteuid() != 0)
		return "needs root (network namespaces, running mariadbd as mysql)";
	if (!getpwnam(SERVER_USER))
		return "no user 'mysql' (install mariadb-server: make deps)";
	if (!path_exists("/usr/sbin/" MARIADBD) && !path_exists("/usr/bin/" MARIADBD))
		return "no mariadbd (install mariadb-server: make deps)";
	return NULL;
}

static void fill_paths(struct cluster *c, int subnet)
{
	struct local_data *d = ld(c);

	d->subnet = subnet;
	for (int i = 1; i <= c->spec.nodes; i++) {
		snprintf(d->node_dir[i - 1], PATH_MAX, "%s/n%d", c->state_dir, i);
		snprintf(d->datadir[i - 1], PATH_MAX, "%s/n%d/data", c->state_dir, i);
		snprintf(d->log[i - 1], PATH_MAX, "%s/n%d/error.log", c->state_dir, i);
		net_node_ns(d->ns[i - 1], sizeof(d->ns[i - 1]), c->name, i);
		memset(&c->hosts[i - 1], 0, sizeof(c->hosts[i - 1]));
		if (subnet > 0)
			net_node_addr(c->hosts[i - 1].host, sizeof(c->hosts[i - 1].host), subnet, i);
		c->hosts[i - 1].port = 3306;
	}
}

static int local_attach(struct cluster *c)
{
	int64_t subnet = 0;

	if (cluster_state_get(c, "local.subnet") &&
	    (cluster_state_get_int(c, "local.subnet", &subnet) < 0 || subnet < LAB_SUBNET_MIN ||
	     subnet > LAB_SUBNET_MAX)) {
		lab_error("state file '%s/state': bad 'local.subnet'", c->state_dir);
		return -1;
	}
	fill_paths(c, (int)subnet);
	return 0;
}

static int chown_server(const char *path)
{
	struct passwd *pw = getpwnam(SERVER_USER);

	if (!pw) {
		lab_error("no user '%s'", SERVER_USER);
		return -1;
	}
	if (chown(path, pw->pw_uid, pw->pw_gid) < 0) {
		lab_error("cannot chown '%s' to %s: %s", path, SERVER_USER, strerror(errno));
		return -1;
	}
	return 0;
}

static int local_create(struct cluster *c)
{
	int subnet;

	bool busy[LAB_SUBNET_MAX + 1] = { false };

	/* Subnets routed already (a libvirt network, a stray veth) are not
	 * ours to take, claim or not. */
	if (net_busy_subnets(busy) < 0 ||
	    subnet_claim(LAB_SUBNET_DIR, c->state_dir, true, busy, &subnet) < 0)
		return -1;
	cluster_state_setf(c, "local.subnet", "%d", subnet);
	if (cluster_state_save(c) < 0)
		return -1;
	fill_paths(c, subnet);
	for (int i = 1; i <= c->spec.nodes; i++) {
		/* 0750 mysql:mysql: only root and mysql reach the root socket. */
		if (mkdir_p(ld(c)->node_dir[i - 1], 0750) < 0 || chown_server(ld(c)->node_dir[i - 1]) < 0)
			return -1;
		if (chmod(ld(c)->node_dir[i - 1], 0750) < 0) {
			lab_error("cannot chmod '%s': %s", ld(c)->node_dir[i - 1], strerror(errno));
			return -1;
		}
	}
	if (net_create(c->name, subnet, c->spec.nodes) < 0)
		return -1;
	lab_info("network: " LAB_NET_PREFIX ".%d.0/24, host at " LAB_NET_PREFIX ".%d.1 (lb%d), nodes at "
		 LAB_NET_PREFIX ".%d.11..%d", subnet, subnet, subnet, subnet, 10 + c->spec.nodes);
	return 0;
}

/* ---- processes ---- */

/* Start time (clock ticks since boot) and state of pid; -1 if gone. */
static int proc_stat(pid_t pid, unsigned long long *start, char *state)
{
	char path[64], buf[1024];
	FILE *f;
	char *p, *save = NULL, *tok;
	int field = 2;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	for (tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		field++;
		if (field == 3)
			*state = tok[0];
		if (field == 22) {
			*start = strtoull(tok, NULL, 10);
			return 0;
		}
	}
	return -1;
}

/* True when pid is a live (not zombie) process started at `start`. */
static bool proc_is(pid_t pid, unsigned long long start)
{
	unsigned long long s = 0;
	char st = '?';

	if (pid <= 1 || proc_stat(pid, &s, &st) < 0)
		return false;
	if (st == 'Z' || st == 'X')
		return false;
	return s == start;
}

static void reap(pid_t pid)
{
	int status;

	if (pid > 1)
		waitpid(pid, &status, WNOHANG);
}

static pid_t local_node_pid(struct cluster *c, int node)
{
	char key[32];
	int64_t pid, start;

	snprintf(key, sizeof(key), "node.%d.pid", node);
	if (cluster_state_get_int(c, key, &pid) < 0 || pid <= 1)
		return 0;
	snprintf(key, sizeof(key), "node.%d.start", node);
	if (cluster_state_get_int(c, key, &start) < 0)
		return 0;
	reap((pid_t)pid);
	return proc_is((pid_t)pid, (unsigned long long)start) ? (pid_t)pid : 0;
}

static void forget_pid(struct cluster *c, int node)
{
	char key[32];

	snprintf(key, sizeof(key), "node.%d.pid", node);
	cluster_state_set(c, key, NULL);
	snprintf(key, sizeof(key), "node.%d.start", node);
	cluster_state_set(c, key, NULL);
	cluster_state_save(c);
}

/* Append "--key[=value]" and its NUL to sb (argv strings, one buffer). */
static void add_opt(struct strbuf *sb, const char *key, const char *value)
{
	sb_printf(sb, "--%s%s%s", key, value ? "=" : "", value ? value : "");
	sb_add(sb, "", 1);
}

/* Build the server's argv (malloc'd array of pointers into *buf). */
static const char **server_argv(struct cluster *c, int node, const struct kv *opts, size_t n_opts,
				const char *log_path, struct strbuf *buf)
{
	struct local_data *d = ld(c);
	const char **argv;
	size_t count = 0;
	char *p;

	sb_reset(buf);
	sb_puts(buf, MARIADBD);
	sb_add(buf, "", 1);
	add_opt(buf, "no-defaults", NULL);
	add_opt(buf, "user", SERVER_USER);
	add_opt(buf, "datadir", d->datadir[node - 1]);
	{
		char *s = xasprintf("%s/mysqld.sock", d->node_dir[node - 1]);
		add_opt(buf, "socket", s);
		free(s);
		s = xasprintf("%s/mysqld.pid", d->node_dir[node - 1]);
		add_opt(buf, "pid-file", s);
		free(s);
	}
	add_opt(buf, "log-error", log_path);
	{
		char *t = xasprintf("%s/tmp", d->node_dir[node - 1]);
		add_opt(buf, "tmpdir", t);
		free(t);
	}
	add_opt(buf, "port", "3306");
	add_opt(buf, "bind-address", c->hosts[node - 1].host);
	for (size_t i = 0; i < n_opts; i++)
		add_opt(buf, opts[i].key, opts[i].value);
	for (size_t i = 0; i < c->spec.n_mysqld; i++)
		add_opt(buf, c->spec.mysqld[i].key, c->spec.mysqld[i].value);
	for (p = buf->buf; p < buf->buf + buf->len; p += strlen(p) + 1)
		count++;
	argv = xcalloc(count + 1, sizeof(*argv));
	count = 0;
	for (p = buf->buf; p < buf->buf + buf->len; p += strlen(p) + 1)
		argv[count++] = p;
	argv[count] = NULL;
	return argv;
}

static int local_node_spawn(struct cluster *c, int node, const struct kv *opts, size_t n)
{
	struct local_data *d = ld(c);
	struct strbuf buf = {0};
	const char **argv;
	char *console = xasprintf("%s/console.log", d->node_dir[node - 1]);
	unsigned long long start = 0;
	char st;
	pid_t pid;
	char key[32];

	if (local_node_pid(c, node) > 0) {
		lab_error("node %d is already running", node);
		free(console);
		return -1;
	}
	argv = server_argv(c, node, opts, n, d->log[node - 1], &buf);
	if (lab_verbose) {
		struct strbuf s = {0};
		for (size_t i = 0; argv[i]; i++)
			sb_printf(&s, " %s", argv[i]);
		lab_debug("node %d:%s", node, s.buf);
		sb_release(&s);
	}
	pid = spawn_argv(argv, d->ns[node - 1], console);
	free(argv);
	sb_release(&buf);
	free(console);
	if (pid < 0)
		return -1;
	if (proc_stat(pid, &start, &st) < 0) {
		reap(pid);
		lab_error("node %d: mariadbd (pid %d) exited at once; see '%s'", node, (int)pid, d->log[node - 1]);
		return -1;
	}
	snprintf(key, sizeof(key), "node.%d.pid", node);
	cluster_state_setf(c, key, "%d", (int)pid);
	snprintf(key, sizeof(key), "node.%d.start", node);
	cluster_state_setf(c, key, "%llu", start);
	return cluster_state_save(c);
}

static int local_node_run_once(struct cluster *c, int node, const struct kv *opts, size_t n,
			       int64_t timeout_ms, struct strbuf *log)
{
	struct local_data *d = ld(c);
	struct strbuf buf = {0}, out = {0};
	char *log_path = xasprintf("%s/recover.log", d->node_dir[node - 1]);
	const char **argv;
	int rc;

	unlink(log_path);
	argv = server_argv(c, node, opts, n, log_path, &buf);
	struct run_opts o = { .netns = d->ns[node - 1], .timeout_ms = timeout_ms, .out = &out };
	rc = run_argv(argv, &o);
	free(argv);
	sb_release(&buf);
	if (path_exists(log_path)) {
		char *text = read_file(log_path, NULL);
		if (text) {
			sb_puts(log, text);
			free(text);
		}
	}
	if (out.len)
		sb_puts(log, out.buf);
	sb_release(&out);
	if (rc != 0) {
		lab_error("node %d: one-shot mariadbd run failed (status %d); see '%s'", node, rc, log_path);
		free(log_path);
		return -1;
	}
	free(log_path);
	return 0;
}

static int local_node_admin_sql(struct cluster *c, int node, const char *sql, bool quiet)
{
	struct strbuf out = {0};
	char *sock = xasprintf("--socket=%s/mysqld.sock", ld(c)->node_dir[node - 1]);
	const char *argv[] = { "mariadb", "--no-defaults", "-uroot", sock, "--connect-timeout=5", NULL };
	struct run_opts o = { .timeout_ms = 120000, .out = &out, .stdin_data = sql };
	int rc = run_argv(argv, &o);

	if (rc != 0 && !quiet) {
		while (out.len && out.buf[out.len - 1] == '\n')
			out.buf[--out.len] = '\0';
		lab_error("node %d: administrative SQL failed: %s", node, out.len ? out.buf : "no output");
	}
	free(sock);
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}

static int local_node_signal(struct cluster *c, int node, int sig)
{
	pid_t pid = local_node_pid(c, node);

	if (pid <= 0) {
		lab_error("node %d is not running", node);
		return -1;
	}
	if (kill(pid, sig) < 0) {
		lab_error("cannot send signal %d to node %d (pid %d): %s", sig, node, (int)pid, strerror(errno));
		return -1;
	}
	if (sig == SIGKILL) {
		int64_t deadline = mono_ns() + 10000000000LL;
		while (local_node_pid(c, node) > 0 && mono_ns() < deadline)
			sleep_ms(10);
	}
	return 0;
}

/* SIGKILL every process in the node's namespace (our own: we made it) and
 * wait until they are gone. */
static int kill_namespace(struct cluster *c, int node)
{
	const char *ns = ld(c)->ns[node - 1];
	pid_t *pids = NULL;
	size_t n = 0;
	int64_t deadline;

	if (!net_ns_exists(ns))
		return 0;
	if (net_ns_pids(ns, &pids, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 1 && pids[i] != getpid())
			kill(pids[i], SIGKILL);
	deadline = mono_ns() + 10000000000LL;
	for (size_t i = 0; i < n; i++) {
		unsigned long long s;
		char st = '?';
		while (mono_ns() < deadline) {
			reap(pids[i]);
			if (proc_stat(pids[i], &s, &st) < 0 || st == 'Z' || st == 'X')
				break;
			sleep_ms(10);
		}
	}
	free(pids);
	return 0;
}

static int local_node_stop(struct cluster *c, int node, int64_t grace_ms)
{
	pid_t pid = local_node_pid(c, node);
	int64_t deadline;

	if (pid <= 0) {
		lab_info("node %d is not running", node);
		forget_pid(c, node);
		return kill_namespace(c, node);
	}
	kill(pid, SIGCONT); /* a paused node cannot shut down */
	kill(pid, SIGTERM);
	deadline = mono_ns() + grace_ms * 1000000;
	while (local_node_pid(c, node) > 0 && mono_ns() < deadline && !lab_interrupted)
		sleep_ms(50);
	if (local_node_pid(c, node) > 0) {
		lab_info("node %d (pid %d) did not stop within %lld ms: SIGKILL", node, (int)pid,
			 (long long)grace_ms);
		kill(pid, SIGKILL);
	}
	kill_namespace(c, node);
	if (local_node_pid(c, node) > 0) {
		lab_error("node %d (pid %d) is still running", node, (int)pid);
		return -1;
	}
	forget_pid(c, node);
	return 0;
}

/* Power loss: every process of the node dies at once. H5's power-loss layer
 * hooks in here (drop the un-synced writes of the node's datadir). */
static int local_node_hard_reset(struct cluster *c, int node)
{
	pid_t pid = local_node_pid(c, node);

	if (pid > 0)
		kill(pid, SIGKILL);
	if (kill_namespace(c, node) < 0)
		return -1;
	if (local_node_pid(c, node) > 0) {
		lab_error("node %d (pid %d) survived the hard reset", node, (int)pid);
		return -1;
	}
	return 0;
}

static int local_destroy(struct cluster *c)
{
	struct local_data *d;
	int rc = 0;
	int64_t deadline;

	if (local_attach(c) < 0)
		return -1;
	d = ld(c);
	/* Clean shutdown of every node in parallel, then SIGKILL. */
	for (int i = 1; i <= c->spec.nodes; i++) {
		pid_t pid = local_node_pid(c, i);
		if (pid > 0) {
			kill(pid, SIGCONT);
			kill(pid, SIGTERM);
		}
	}
	deadline = mono_ns() + 60000000000LL;
	for (;;) {
		bool any = false;
		for (int i = 1; i <= c->spec.nodes; i++)
			if (local_node_pid(c, i) > 0)
				any = true;
		if (!any || mono_ns() > deadline)
			break;
		sleep_ms(50);
	}
	for (int i = 1; i <= c->spec.nodes; i++) {
		pid_t pid = local_node_pid(c, i);
		if (pid > 0) {
			lab_info("node %d (pid %d) did not stop within 60 s: SIGKILL", i, (int)pid);
			kill(pid, SIGKILL);
		}
		if (kill_namespace(c, i) < 0)
			rc = -1;
		if (local_node_pid(c, i) > 0) {
			lab_error("node %d (pid %d) is still running", i, (int)pid);
			rc = -1;
		}
	}
	if (rc < 0)
		return -1;
	for (int i = 1; i <= c->spec.nodes; i++)
		forget_pid(c, i);
	if (net_destroy(c->name, d->subnet, c->spec.nodes) < 0)
		return -1;
	if (d->subnet > 0 && subnet_release(LAB_SUBNET_DIR, d->subnet, c->state_dir, true) < 0)
		return -1;
	return 0;
}

/* ---- files ---- */

static int check_relpath(const char *rel)
{
	if (!rel || !*rel) {
		lab_error("empty path");
		return -1;
	}
	if (rel[0] == '/') {
		lab_error("path '%s' is absolute: want a path relative to the datadir", rel);
		return -1;
	}
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		if ((n == 2 && !strncmp(p, "..", 2)) || (n == 1 && p[0] == '.') || n == 0) {
			lab_error("path '%s' has a '.', '..' or empty component: want a plain path inside the datadir",
				  rel);
			return -1;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

static char *data_path(struct cluster *c, int node, const char *rel)
{
	return xasprintf("%s/%s", ld(c)->datadir[node - 1], rel);
}

static int local_node_read_file(struct cluster *c, int node, const char *rel, char **data)
{
	char *p;

	if (check_relpath(rel) < 0)
		return -1;
	p = data_path(c, node, rel);
	*data = read_file(p, NULL);
	free(p);
	return *data ? 0 : -1;
}

static int local_node_write_file(struct cluster *c, int node, const char *rel, const char *data, size_t len)
{
	char *p;
	int rc;

	if (check_relpath(rel) < 0)
		return -1;
	p = data_path(c, node, rel);
	rc = write_file_atomic(p, data, len, 0660);
	if (rc == 0)
		rc = chown_server(p);
	free(p);
	return rc;
}

static int local_node_delete_file(struct cluster *c, int node, const char *rel)
{
	char *p;
	int rc;

	if (check_relpath(rel) < 0)
		return -1;
	p = data_path(c, node, rel);
	if (!path_exists(p)) {
		lab_error("no file '%s' in node %d's datadir '%s'", rel, node, ld(c)->datadir[node - 1]);
		free(p);
		return -1;
	}
	rc = remove_tree(p);
	free(p);
	return rc;
}

static int copy_tree(const char *from, const char *to)
{
	struct strbuf out = {0};
	const char *argv[] = { "cp", "-a", "--reflink=auto", from, to, NULL };
	struct run_opts o = { .timeout_ms = 600000, .out = &out };
	int rc = run_argv(argv, &o);

	if (rc != 0)
		lab_error("cannot copy '%s' to '%s': %s", from, to, out.buf ? out.buf : "");
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}

static int must_be_stopped(struct cluster *c, int node, const char *what)
{
	if (local_node_pid(c, node) > 0) {
		lab_error("node %d is running: stop it before %s", node, what);
		return -1;
	}
	return 0;
}

static int local_node_snapshot(struct cluster *c, int node, const char *name)
{
	char *dir, *dst;
	int rc = -1;

	if (must_be_stopped(c, node, "taking a snapshot") < 0)
		return -1;
	dir = xasprintf("%s/snapshots/%s", c->state_dir, name);
	dst = xasprintf("%s/n%d", dir, node);
	if (mkdir_p(dir, 0755) < 0)
		goto out;
	if (path_exists(dst)) {
		lab_info("replacing snapshot '%s' of node %d", name, node);
		if (remove_tree(dst) < 0)
			goto out;
	}
	rc = copy_tree(ld(c)->datadir[node - 1], dst);
out:
	free(dir);
	free(dst);
	return rc;
}

static int local_node_revert(struct cluster *c, int node, const char *name)
{
	char *src;
	int rc = -1;

	if (must_be_stopped(c, node, "reverting it") < 0)
		return -1;
	src = xasprintf("%s/snapshots/%s/n%d", c->state_dir, name, node);
	if (!path_exists(src)) {
		lab_error("no snapshot '%s' of node %d (no '%s')", name, node, src);
		goto out;
	}
	if (remove_tree(ld(c)->datadir[node - 1]) < 0)
		goto out;
	rc = copy_tree(src, ld(c)->datadir[node - 1]);
out:
	free(src);
	return rc;
}

static int local_node_init(struct cluster *c, int node, bool with_system_tables)
{
	const char *dd = ld(c)->datadir[node - 1];

	char *tmp = xasprintf("%s/tmp", ld(c)->node_dir[node - 1]);
	/* A private tmpdir: /tmp is shared with every other server here. */
	if (mkdir_p(tmp, 0750) < 0 || chown_server(tmp) < 0) {
		free(tmp);
		return -1;
	}
	if (remove_tree(dd) < 0 || mkdir_p(dd, 0750) < 0 || chown_server(dd) < 0) {
		free(tmp);
		return -1;
	}
	if (!with_system_tables) {
		free(tmp);
		return 0;
	}
	struct strbuf out = {0};
	char *arg = xasprintf("--datadir=%s", dd);
	char *tmparg = xasprintf("--tmpdir=%s", tmp);
	const char *argv[] = { "mariadb-install-db", "--no-defaults", "--user=" SERVER_USER, arg, tmparg,
			       "--auth-root-authentication-method=normal", "--skip-test-db",
			       "--skip-name-resolve", NULL };
	struct run_opts o = { .timeout_ms = 300000, .out = &out };
	int rc = run_argv(argv, &o);
	if (rc != 0) {
		lab_error("node %d: mariadb-install-db failed (status %d): %.500s", node, rc,
			  out.buf ? out.buf : "");
	}
	free(arg);
	free(tmparg);
	free(tmp);
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}

static int local_node_set_cache_mode(struct cluster *c, int node, const char *mode)
{
	(void)c;
	lab_error("node %d: disk cache mode '%s' needs the power-loss layer under the datadir, which the local backend does not have yet",
		  node, mode);
	return -1;
}

static const char *local_node_log_path(struct cluster *c, int node)
{
	return ld(c)->log[node - 1];
}

static const char *local_node_datadir(struct cluster *c, int node)
{
	return ld(c)->datadir[node - 1];
}

static int local_partition(struct cluster *c, const int *group_of)
{
	cluster_state_set(c, "local.partitioned", "1");
	if (cluster_state_save(c) < 0)
		return -1;
	return net_partition(c->name, ld(c)->subnet, c->spec.nodes, group_of);
}

static int local_heal(struct cluster *c)
{
	if (net_heal(c->name, c->spec.nodes) < 0)
		return -1;
	cluster_state_set(c, "local.partitioned", NULL);
	return cluster_state_save(c);
}

const struct backend_ops backend_local = {
	.name = "local",
	.description = "mariadbd processes on this machine, one network namespace per node",
	.unavailable = local_unavailable,
	.create = local_create,
	.destroy = local_destroy,
	.attach = local_attach,
	.node_init = local_node_init,
	.node_spawn = local_node_spawn,
	.node_run_once = local_node_run_once,
	.node_admin_sql = local_node_admin_sql,
	.node_pid = local_node_pid,
	.node_signal = local_node_signal,
	.node_stop = local_node_stop,
	.node_hard_reset = local_node_hard_reset,
	.node_read_file = local_node_read_file,
	.node_write_file = local_node_write_file,
	.node_delete_file = local_node_delete_file,
	.node_snapshot = local_node_snapshot,
	.node_revert = local_node_revert,
	.node_set_cache_mode = local_node_set_cache_mode,
	.node_log_path = local_node_log_path,
	.node_datadir = local_node_datadir,
	.partition = local_partition,
	.heal = local_heal,
};
