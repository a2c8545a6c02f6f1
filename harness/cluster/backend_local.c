/*
 * backend_local.c — the embedded `local` backend: each node is a mariadbd
 * process on this machine, run as user mysql in its own network namespace
 * (netns.h has the layout), with its files under the state directory:
 *
 *   STATE/nI/data         the datadir (owned by mysql): the mountpoint of
 *                         the node's powerfs (harness/local/powerfs.h), visible
 *                         only in the daemon's private mount namespace
 *   STATE/nI/backing      powerfs's backing store on the real disk
 *   STATE/nI/powerfs.sock, powerfs.log   its control socket and log
 *   STATE/nI/powerloss-K.trace   what the K-th power cut dropped (and
 *                         powerloss-K.image/ when images are kept)
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
 *
 * Power loss (docs/backends.md, local). By default every datadir sits on
 * powerfs: a FUSE layer that keeps the writes not yet made durable apart
 * and drops them at a power cut; its cache mode (none = fsync honoured,
 * unsafe = fsync ignored, ...) is QEMU's. The daemon runs outside the
 * node's network namespace (killing the node's processes leaves it) and
 * mounts in its own private mount namespace, so mariadbd, mariadb-install-db
 * and --wsrep-recover are started through nsenter into it (rsync SST is a
 * child of mariadbd and inherits it), and the harness reaches the datadir
 * through /proc/DAEMON/root (node_datadir). Keys: local.powerfs (1 | 0),
 * local.powerfs_flush_ms (natural flush, the kernel's writeback: default
 * 30 s, 0 never), local.powerloss_images, node.I.powerfs_pid and
 * node.I.powerfs_start, node.I.cache_mode, node.I.powerloss (cuts so far).
 * A hard reset SIGKILLs every process of the node at once, waits until
 * they are gone, then cuts the power of its powerfs (pending pages and
 * un-synced namespace changes dropped; trace kept). `lab cluster up
 * --no-powerfs` (or LAB_POWERFS=off) runs on the plain disk: a hard reset
 * is then only a SIGKILL.
 */
#include "cluster.h"
#include "names.h"
#include "proc.h"
#include "versions.h"
#include "netns.h"
#include "powerfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
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
#define DESTROY_GRACE_S 10

/* Fixed arrays only: cluster_release frees backend_data with free(). */
struct local_data {
	int subnet;
	bool powerfs;                  /* datadirs on powerfs */
	char node_dir[LAB_MAX_NODES][PATH_MAX];
	char datadir[LAB_MAX_NODES][PATH_MAX];  /* as mariadbd sees it (mount ns) */
	char backing[LAB_MAX_NODES][PATH_MAX];
	char pfs_sock[LAB_MAX_NODES][PATH_MAX];
	char pfs_log[LAB_MAX_NODES][PATH_MAX];
	char view[LAB_MAX_NODES][PATH_MAX];     /* node_datadir's answer */
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
		snprintf(d->backing[i - 1], PATH_MAX, "%s/n%d/backing", c->state_dir, i);
		snprintf(d->pfs_sock[i - 1], PATH_MAX, "%s/n%d/powerfs.sock", c->state_dir, i);
		snprintf(d->pfs_log[i - 1], PATH_MAX, "%s/n%d/powerfs.log", c->state_dir, i);
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
	{
		const char *p = cluster_state_get(c, "local.powerfs");
		ld(c)->powerfs = p && !strcmp(p, "1");
	}
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

static int pfs_start(struct cluster *c, int node);

/* LAB_POWERFS=off|0|no turns the power-loss layer off (debugging). */
static bool powerfs_wanted(const struct cluster *c)
{
	return !c->spec.no_powerfs && !powerfs_env_off();
}

static int local_create(struct cluster *c)
{
	int subnet;
	const char *mode = c->spec.cache_mode ? c->spec.cache_mode : "none";
	bool pfs = powerfs_wanted(c);
	const char *img = getenv("LAB_POWERLOSS_IMAGES");

	bool busy[LAB_SUBNET_MAX + 1] = { false };

	/* Subnets routed already (a libvirt network, a stray veth) are not
	 * ours to take, claim or not. */
	if (net_busy_subnets(busy) < 0 ||
	    subnet_claim(LAB_SUBNET_DIR, c->state_dir, true, busy, &subnet) < 0)
		return -1;
	cluster_state_setf(c, "local.subnet", "%d", subnet);
	if (powerfs_mode_parse(mode) < 0) {
		lab_error("unknown cache mode '%s' (none, writeback, writethrough, directsync, unsafe)", mode);
		return -1;
	}
	if (!pfs && strcmp(mode, "none")) {
		lab_error("cache mode '%s' needs the power-loss layer (powerfs), which is off (--no-powerfs or LAB_POWERFS=off)",
			  mode);
		return -1;
	}
	if (pfs && !path_exists("/dev/fuse")) {
		lab_error("no /dev/fuse: the power-loss layer (powerfs) cannot run here (load the fuse module, or --no-powerfs)");
		return -1;
	}
	cluster_state_set(c, "local.powerfs", pfs ? "1" : "0");
	if (pfs) {
		cluster_state_setf(c, "local.powerfs_flush_ms", "%" PRId64,
				   powerfs_flush_interval(c->spec.powerfs_flush_interval_ms));
		if (c->spec.powerloss_images || (img && !strcmp(img, "1")))
			cluster_state_set(c, "local.powerloss_images", "1");
		for (int i = 1; i <= c->spec.nodes; i++) {
			char key[48];
			snprintf(key, sizeof(key), "node.%d.cache_mode", i);
			cluster_state_set(c, key, mode);
		}
	}
	if (cluster_state_save(c) < 0)
		return -1;
	fill_paths(c, subnet);
	ld(c)->powerfs = pfs;
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
	if (pfs) {
		for (int i = 1; i <= c->spec.nodes; i++)
			if (pfs_start(c, i) < 0)
				return -1;
		lab_info("datadirs on powerfs, cache mode %s, natural flush every %s ms", mode,
			 cluster_state_get(c, "local.powerfs_flush_ms"));
	}
	return 0;
}

/* ---- processes ---- */

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

static bool proc_dead(pid_t pid);

/* The server a failover manager's agent started in the node (not lab):
 * the pid in STATE/nI/mysqld.pid, if that process is a mariadbd inside
 * the node's own network namespace; else 0. */
static pid_t managed_server_pid(struct cluster *c, int node)
{
	struct local_data *d = ld(c);
	char path[PATH_MAX + 16], procns[64], comm[64] = "", *text;
	struct stat a, b;
	int64_t pid;

	snprintf(path, sizeof(path), "%s/mysqld.pid", d->node_dir[node - 1]);
	if (!path_exists(path) || !(text = read_file(path, NULL)))
		return 0;
	text[strcspn(text, " \n")] = '\0';
	if (parse_int64(text, 2, INT32_MAX, &pid) < 0) {
		free(text);
		return 0;
	}
	free(text);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (!path_exists(path) || !(text = read_file(path, NULL)))
		return 0;
	lab_strlcpy(comm, text, sizeof(comm));
	free(text);
	comm[strcspn(comm, "\n")] = '\0';
	if (strcmp(comm, MARIADBD))
		return 0;
	/* /run/netns/NAME is the namespace's nsfs bind mount: same inode. */
	snprintf(path, sizeof(path), "/run/netns/%s", d->ns[node - 1]);
	snprintf(procns, sizeof(procns), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &a) < 0 || stat(procns, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return 0;
	return proc_dead((pid_t)pid) ? 0 : (pid_t)pid;
}

static pid_t local_node_pid(struct cluster *c, int node)
{
	char key[32];
	int64_t pid, start;

	snprintf(key, sizeof(key), "node.%d.pid", node);
	if (cluster_state_get(c, "manager") && !cluster_state_get(c, key))
		return managed_server_pid(c, node);
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

/* Dead for our purpose (proc_exited), reaped first if it is our child. */
static bool proc_dead(pid_t pid)
{
	reap(pid);
	return proc_exited(pid);
}

/* ---- powerfs: the power-loss layer under the datadir ---- */

static void node_key(char *buf, size_t size, int node, const char *what)
{
	snprintf(buf, size, "node.%d.%s", node, what);
}

/* The node's powerfs daemon (recorded pid, same start time), or 0. */
static pid_t pfs_pid(struct cluster *c, int node)
{
	char key[48];
	int64_t pid, start;

	node_key(key, sizeof(key), node, "powerfs_pid");
	if (cluster_state_get_int(c, key, &pid) < 0 || pid <= 1)
		return 0;
	node_key(key, sizeof(key), node, "powerfs_start");
	if (cluster_state_get_int(c, key, &start) < 0)
		return 0;
	reap((pid_t)pid);
	return proc_is((pid_t)pid, (unsigned long long)start) ? (pid_t)pid : 0;
}

/* A handle on the node's running daemon; it borrows our paths (never
 * powerfs_free it). */
static int pfs_handle(struct cluster *c, int node, struct powerfs *h)
{
	struct local_data *d = ld(c);

	memset(h, 0, sizeof(*h));
	h->pid = pfs_pid(c, node);
	if (h->pid <= 0) {
		lab_error("node %d: its power-loss filesystem (powerfs) is not running (see '%s')", node,
			  d->pfs_log[node - 1]);
		return -1;
	}
	h->backing = d->backing[node - 1];
	h->mountpoint = d->datadir[node - 1];
	h->socket_path = d->pfs_sock[node - 1];
	return 0;
}

static const char *node_cache_mode(struct cluster *c, int node)
{
	char key[48];
	const char *m;

	node_key(key, sizeof(key), node, "cache_mode");
	m = cluster_state_get(c, key);
	return m ? m : "none";
}

/* Start the node's daemon (outside its network namespace) over its
 * backing store, in the node's recorded cache mode; record its pid. */
static int pfs_start(struct cluster *c, int node)
{
	struct local_data *d = ld(c);
	struct powerfs_opts o = { 0 };
	struct powerfs *p;
	int64_t flush_ms = POWERFS_FLUSH_DEFAULT_MS;
	unsigned long long start = 0;
	char st, key[48];
	int rc;

	if (cluster_state_get_int(c, "local.powerfs_flush_ms", &flush_ms) < 0)
		flush_ms = POWERFS_FLUSH_DEFAULT_MS;
	o.mode = node_cache_mode(c, node);
	o.log_path = d->pfs_log[node - 1];
	o.flush_interval_ms = flush_ms;
	if (mkdir_p(d->backing[node - 1], 0750) < 0 || chown_server(d->backing[node - 1]) < 0 ||
	    mkdir_p(d->datadir[node - 1], 0750) < 0)
		return -1;
	if (chmod(d->backing[node - 1], 0750) < 0) {
		lab_error("cannot chmod '%s': %s", d->backing[node - 1], strerror(errno));
		return -1;
	}
	p = powerfs_start(d->backing[node - 1], d->datadir[node - 1], d->pfs_sock[node - 1], &o);
	if (!p)
		return -1;
	if (proc_stat(p->pid, &start, &st) < 0) {
		lab_error("node %d: powerfs daemon (pid %d) is gone; see '%s'", node, (int)p->pid, d->pfs_log[node - 1]);
		powerfs_free(p);
		return -1;
	}
	node_key(key, sizeof(key), node, "powerfs_pid");
	cluster_state_setf(c, key, "%d", (int)p->pid);
	node_key(key, sizeof(key), node, "powerfs_start");
	cluster_state_setf(c, key, "%llu", start);
	rc = cluster_state_save(c);
	lab_debug("node %d: powerfs pid %d, %s on %s (mode %s)", node, (int)p->pid, d->backing[node - 1],
		  d->datadir[node - 1], o.mode);
	powerfs_free(p);
	return rc;
}

/* Stop the node's daemon (flush: apply what is pending first; else drop it)
 * and wait until it is gone: the mount goes with its namespace. */
static int pfs_stop(struct cluster *c, int node, bool flush)
{
	struct local_data *d = ld(c);
	struct powerfs h;
	char key[48];
	int rc = 0;

	memset(&h, 0, sizeof(h));
	h.pid = pfs_pid(c, node);
	h.backing = d->backing[node - 1];
	h.mountpoint = d->datadir[node - 1];
	h.socket_path = d->pfs_sock[node - 1];
	if (h.pid > 0) {
		rc = powerfs_stop(&h, flush);
		if (pfs_pid(c, node) > 0) {
			lab_error("node %d: powerfs daemon %d did not stop", node, (int)h.pid);
			return -1;
		}
	} else if (path_exists(h.socket_path)) {
		/* A daemon whose pid was never recorded (lab died at the wrong
		 * moment) still answers on its socket. */
		struct powerfs *a = powerfs_attach(h.socket_path);
		if (a) {
			rc = powerfs_stop(a, flush);
			powerfs_free(a);
		}
		unlink(h.socket_path);
	}
	node_key(key, sizeof(key), node, "powerfs_pid");
	cluster_state_set(c, key, NULL);
	node_key(key, sizeof(key), node, "powerfs_start");
	cluster_state_set(c, key, NULL);
	cluster_state_save(c);
	return rc;
}

/* The datadir as this process can open it: through the daemon's root, in
 * its mount namespace; the plain directory without powerfs. */
static const char *view_path(struct cluster *c, int node)
{
	struct local_data *d = ld(c);
	pid_t pid;

	if (!d->powerfs || (pid = pfs_pid(c, node)) <= 0)
		return d->datadir[node - 1];
	char buf[PATH_MAX + 32];

	snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)pid, d->datadir[node - 1]);
	lab_strlcpy(d->view[node - 1], buf, PATH_MAX);
	return d->view[node - 1];
}

/* argv to run in the node's mount namespace: *wrapped is malloc'd (free
 * with powerfs_free_argv) or NULL when there is no powerfs. -1 when the
 * node should be on powerfs and its daemon is not running. */
static int in_node_ns(struct cluster *c, int node, const char **argv, const char ***wrapped)
{
	struct powerfs h;

	*wrapped = NULL;
	if (!ld(c)->powerfs)
		return 0;
	if (pfs_handle(c, node, &h) < 0)
		return -1;
	*wrapped = powerfs_wrap_argv(&h, argv);
	return 0;
}

/* Append "--key[=value]" and its NUL to sb (argv strings, one buffer). */
static void add_opt(struct strbuf *sb, const char *key, const char *value)
{
	sb_printf(sb, "--%s%s%s", key, value ? "=" : "", value ? value : "");
	sb_add(sb, "", 1);
}

/* Build the server's argv (malloc'd array of pointers into *buf), or NULL
 * when the node's build is gone (reported). */
static const char **server_argv(struct cluster *c, int node, const struct kv *opts, size_t n_opts,
				const char *log_path, struct strbuf *buf)
{
	struct local_data *d = ld(c);
	const char **argv;
	size_t count = 0;
	char *p;

	sb_reset(buf);
	/* The node's build (versions.h): its mariadbd, then --no-defaults
	 * (which must come first), then its basedir / plugins / messages. */
	if (node_exec_words(c, node, MARIADBD, buf) < 0)
		return NULL;
	add_opt(buf, "no-defaults", NULL);
	if (node_build_options(c, node, buf) < 0)
		return NULL;
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
	if (!argv) {
		sb_release(&buf);
		free(console);
		return -1;
	}
	const char **wrapped;
	if (in_node_ns(c, node, argv, &wrapped) < 0) {
		free(argv);
		sb_release(&buf);
		free(console);
		return -1;
	}
	const char **run = wrapped ? wrapped : argv;
	if (lab_verbose) {
		struct strbuf s = {0};
		for (size_t i = 0; run[i]; i++)
			sb_printf(&s, " %s", run[i]);
		lab_debug("node %d:%s", node, s.buf);
		sb_release(&s);
	}
	/* netns first (spawn_argv), then nsenter into the mount's namespace,
	 * which execs mariadbd: the pid stays the server's. */
	pid = spawn_argv(run, d->ns[node - 1], console);
	powerfs_free_argv(wrapped);
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
	if (!argv) {
		sb_release(&buf);
		free(log_path);
		return -1;
	}
	const char **wrapped;
	if (in_node_ns(c, node, argv, &wrapped) < 0) {
		free(argv);
		sb_release(&buf);
		free(log_path);
		return -1;
	}
	struct run_opts o = { .netns = d->ns[node - 1], .timeout_ms = timeout_ms, .out = &out };
	rc = run_argv(wrapped ? wrapped : argv, &o);
	powerfs_free_argv(wrapped);
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

/* A program of the node's build (versions.c: mariadb-upgrade) in the
 * node's network and mount namespaces, where its datadir is. */
static int local_node_run_tool(struct cluster *c, int node, const char *const *argv, int64_t timeout_ms,
			       struct strbuf *out)
{
	const char **wrapped = NULL;
	struct run_opts o = { .netns = ld(c)->ns[node - 1], .timeout_ms = timeout_ms, .out = out };
	int rc;

	if (in_node_ns(c, node, (const char **)argv, &wrapped) < 0)
		return -1;
	rc = run_argv(wrapped ? wrapped : argv, &o);
	powerfs_free_argv(wrapped);
	return rc;
}

/* The node's build's `mariadbd --version` (its dialect before it runs). */
static int local_node_server_version(struct cluster *c, int node, struct strbuf *line)
{
	char *v = node_mariadbd_version(c, node);

	if (!v)
		return -1;
	sb_puts(line, v);
	free(v);
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
		/* The client quotes the statement in its errors: the lab
		 * password must not reach the terminal or the results. */
		char *pw = cluster_lab_password(c);
		char *clean = scrub_secrets(pw, out.len ? out.buf : "no output");
		lab_error("node %d: administrative SQL failed: %s", node, clean);
		free(clean);
		if (pw) {
			memset(pw, 0, strlen(pw));
			free(pw);
		}
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
	for (size_t i = 0; i < n; i++)
		while (!proc_dead(pids[i]) && mono_ns() < deadline)
			sleep_ms(10);
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 1 && pids[i] != getpid() && !proc_dead(pids[i])) {
			lab_error("node %d: process %d survived SIGKILL for 10 s", node, (int)pids[i]);
			free(pids);
			return -1;
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

/* Power loss: every process of the node dies at once (SIGKILL to the
 * server and everything else in its namespace), then, once they are all
 * gone, powerfs drops every write the node had not made durable and undoes
 * its un-synced namespace changes. The trace of the cut is kept as
 * STATE/nI/powerloss-K.trace (and the post-cut image when asked). */
static int local_node_hard_reset(struct cluster *c, int node)
{
	struct local_data *d = ld(c);
	pid_t pid = local_node_pid(c, node);
	struct powerfs h;
	struct strbuf reply = { 0 };
	char key[48], *trace, *image = NULL;
	int64_t k = 0, dropped, kept, files, undone;
	uint64_t seed;
	int rc;

	/* Refuse before killing anything: a reset that cannot cut the power
	 * would be a SIGKILL passed off as a power loss. */
	if (d->powerfs && pfs_handle(c, node, &h) < 0)
		return -1;
	if (pid > 0)
		kill(pid, SIGKILL);
	if (kill_namespace(c, node) < 0)
		return -1;
	if (local_node_pid(c, node) > 0) {
		lab_error("node %d (pid %d) survived the hard reset", node, (int)pid);
		return -1;
	}
	if (!d->powerfs) {
		cluster_set_note(c, "node %d: SIGKILL only: no power-loss layer (--no-powerfs), un-synced writes survive",
				 node);
		lab_info("%s", c->note);
		return 0;
	}
	/* The dead processes' dirty pages still in the kernel's page cache
	 * (shared mmaps: galera.cache) are the OS cache a power loss takes
	 * too: push them into powerfs (pending, not durable) so that the cut
	 * drops them, instead of the kernel writing them back after it. */
	{
		int fd = open(view_path(c, node), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || syncfs(fd) < 0) {
			lab_error("node %d: cannot write back the page cache of '%s': %s", node, view_path(c, node),
				  strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	/* K: one more than the state says and than any trace on disk — the
	 * fence agent cuts nodes from another process that does not write the
	 * state (it does not hold the lock), and its traces must stay. */
	node_key(key, sizeof(key), node, "powerloss");
	if (cluster_state_get_int(c, key, &k) < 0)
		k = 0;
	{
		DIR *dir = opendir(d->node_dir[node - 1]);
		struct dirent *e;
		while (dir && (e = readdir(dir))) {
			long long n;
			char tail[8];
			if (sscanf(e->d_name, "powerloss-%lld.%7s", &n, tail) == 2 && !strcmp(tail, "trace") && n > k)
				k = n;
		}
		if (dir)
			closedir(dir);
	}
	k++;
	trace = xasprintf("%s/powerloss-%" PRId64 ".trace", d->node_dir[node - 1], k);
	seed = c->spec.seed * 1000003u + (uint64_t)node * 1009u + (uint64_t)k;
	rc = powerfs_power_cut(&h, c->torn, seed, trace, &reply);
	cluster_state_setf(c, key, "%" PRId64, k);
	if (rc < 0) {
		cluster_state_save(c);
		free(trace);
		sb_release(&reply);
		return -1;
	}
	files = powerfs_reply_field(reply.buf, "files");
	kept = powerfs_reply_field(reply.buf, "kept_pages");
	dropped = powerfs_reply_field(reply.buf, "dropped_pages");
	undone = powerfs_reply_field(reply.buf, "undone_meta");
	{
		const char *img = cluster_state_get(c, "local.powerloss_images");
		if (img && !strcmp(img, "1")) {
			image = xasprintf("%s/powerloss-%" PRId64 ".image", d->node_dir[node - 1], k);
			if (powerfs_save_image(&h, image) < 0) {
				free(image);
				image = NULL;
			}
		}
	}
	cluster_set_note(c,
			 "node %d: power cut (cache %s): %" PRId64 " un-synced pages (%" PRId64 " KiB) in %" PRId64
			 " files dropped, %" PRId64 " kept, %" PRId64 " un-synced namespace changes undone; trace %s%s%s",
			 node, node_cache_mode(c, node), dropped, dropped * (POWERFS_PAGE / 1024), files, kept, undone,
			 trace, image ? ", image " : "", image ? image : "");
	node_key(key, sizeof(key), node, "last_powerloss");
	cluster_state_set(c, key, c->note);
	rc = cluster_state_save(c);
	lab_info("%s", c->note);
	free(trace);
	free(image);
	sb_release(&reply);
	return rc;
}

static int local_destroy(struct cluster *c)
{
	struct local_data *d;
	int rc = 0;
	int64_t deadline;

	if (local_attach(c) < 0)
		return -1;
	d = ld(c);
	/* Faults a dead run left in place are undone here too: say which. */
	{
		const char *part = cluster_state_get(c, "local.partitioned");
		if (part && !strcmp(part, "1")) {
			lab_info("healing the partition (nftables rules in the node namespaces)");
			if (net_heal(c->name, c->spec.nodes) == 0)
				cluster_state_set(c, "local.partitioned", NULL);
		}
	}
	/* Clean shutdown of every node in parallel, then SIGKILL. The data goes
	 * with the cluster, so a clean shutdown buys only quieter logs: a node
	 * that does not stop within DESTROY_GRACE_S (a joiner waiting for a
	 * Primary component, a server stuck in a state transfer) is killed. */
	for (int i = 1; i <= c->spec.nodes; i++) {
		pid_t pid = local_node_pid(c, i);
		unsigned long long start;
		char st = '?';
		if (pid > 0) {
			if (proc_stat(pid, &start, &st) == 0 && (st == 'T' || st == 't'))
				lab_info("node %d (pid %d) was paused (SIGSTOP): resuming it", i, (int)pid);
			kill(pid, SIGCONT);
			kill(pid, SIGTERM);
		}
	}
	deadline = mono_ns() + DESTROY_GRACE_S * 1000000000LL;
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
			lab_info("node %d (pid %d) did not stop within %d s: SIGKILL", i, (int)pid, DESTROY_GRACE_S);
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
	/* The servers are gone: now their disks. No flush, the data goes. */
	for (int i = 1; i <= c->spec.nodes; i++) {
		pid_t pfs = pfs_pid(c, i);
		if (pfs_stop(c, i, false) < 0)
			rc = -1;
		else if (pfs > 0)
			lab_debug("node %d: powerfs (pid %d) stopped, its mount gone", i, (int)pfs);
	}
	if (rc < 0)
		return -1;
	if (net_destroy(c->name, d->subnet, c->spec.nodes) < 0)
		return -1;
	if (d->subnet > 0 && subnet_release(LAB_SUBNET_DIR, d->subnet, c->state_dir, true) < 0)
		return -1;
	return 0;
}

/* ---- files ---- */


/* Through the mount (view_path): what the server would see. */
static char *data_path(struct cluster *c, int node, const char *rel)
{
	return xasprintf("%s/%s", view_path(c, node), rel);
}

static int local_node_read_file(struct cluster *c, int node, const char *rel, char **data)
{
	char *p;

	if (relpath_check(rel) < 0)
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

	if (relpath_check(rel) < 0)
		return -1;
	p = data_path(c, node, rel);
	rc = write_file_atomic(p, data, len, 0660);
	if (rc == 0)
		rc = chown_server(p);
	free(p);
	return rc;
}

/* rel's last component may end in '*': every file of that directory whose
 * name starts with the rest (at least one). */
static int delete_matching(struct cluster *c, int node, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char *dir_rel = slash ? xasprintf("%.*s", (int)(slash - rel), rel) : xstrdup("");
	const char *pattern = slash ? slash + 1 : rel;
	char *dir = dir_rel[0] ? data_path(c, node, dir_rel) : xstrdup(view_path(c, node));
	size_t plen = strlen(pattern) - 1; /* without the '*' */
	DIR *dp = opendir(dir);
	int n = 0, rc = 0;

	if (!dp) {
		lab_error("no directory '%s' in node %d's datadir '%s': %s", dir_rel, node, view_path(c, node),
			  strerror(errno));
		rc = -1;
		goto out;
	}
	for (struct dirent *e; (e = readdir(dp));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || strncmp(e->d_name, pattern, plen) != 0)
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		if (remove_tree(p) < 0)
			rc = -1;
		free(p);
		n++;
	}
	closedir(dp);
	if (rc == 0 && n == 0) {
		lab_error("no file '%s' in node %d's datadir '%s'", rel, node, view_path(c, node));
		rc = -1;
	}
out:
	free(dir);
	free(dir_rel);
	return rc;
}

static int local_node_delete_file(struct cluster *c, int node, const char *rel)
{
	char *p;
	int rc;

	if (relpath_check(rel) < 0 || relpath_glob_check(rel) < 0)
		return -1;
	if (rel[strlen(rel) - 1] == '*')
		return delete_matching(c, node, rel);
	p = data_path(c, node, rel);
	if (!path_exists(p)) {
		lab_error("no file '%s' in node %d's datadir '%s'", rel, node, view_path(c, node));
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
	/* With powerfs: through the mount, i.e. what the node would read
	 * (pending writes included) without flushing them, so the snapshot
	 * does not change what a later power cut drops. */
	rc = copy_tree(view_path(c, node), dst);
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
	if (ld(c)->powerfs) {
		/* A new disk: the daemon goes (what it held pending is dropped,
		 * the revert replaces it all), the snapshot becomes the backing
		 * store, a daemon starts over it in the node's cache mode. */
		const char *b = ld(c)->backing[node - 1];
		if (pfs_stop(c, node, false) < 0 || remove_tree(b) < 0 || copy_tree(src, b) < 0 ||
		    pfs_start(c, node) < 0)
			goto out;
		rc = 0;
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
	struct local_data *d = ld(c);
	const char *dd = d->datadir[node - 1];

	char *tmp = xasprintf("%s/tmp", ld(c)->node_dir[node - 1]);
	/* A private tmpdir: /tmp is shared with every other server here. */
	if (mkdir_p(tmp, 0750) < 0 || chown_server(tmp) < 0) {
		free(tmp);
		return -1;
	}
	if (d->powerfs) {
		/* Never remove the mountpoint itself (from here it is a plain
		 * directory; removing it would detach the mount): empty it
		 * through the mount. */
		const char *view;
		if (pfs_pid(c, node) <= 0 && pfs_start(c, node) < 0) {
			free(tmp);
			return -1;
		}
		view = view_path(c, node);
		if (empty_dir(view) < 0 || chown_server(view) < 0 || chmod(view, 0750) < 0) {
			free(tmp);
			return -1;
		}
	} else if (remove_tree(dd) < 0 || mkdir_p(dd, 0750) < 0 || chown_server(dd) < 0) {
		free(tmp);
		return -1;
	}
	if (!with_system_tables) {
		free(tmp);
		return 0;
	}
	struct strbuf out = {0}, words = {0};
	char *arg = xasprintf("--datadir=%s", dd);
	char *tmparg = xasprintf("--tmpdir=%s", tmp);
	/* The node's build's install-db, server, plugins and messages. */
	const char *const tail[] = { "--no-defaults", "--user=" SERVER_USER, arg, tmparg,
				     "--auth-root-authentication-method=normal", "--skip-test-db",
				     "--skip-name-resolve" };
	const char **argv = NULL;
	int rc = -1;
	if (node_exec_words(c, node, "mariadb-install-db", &words) == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
			sb_add(&words, tail[i], strlen(tail[i]) + 1);
		if (node_build_options(c, node, &words) == 0) {
			size_t count = 0, k = 0;
			for (char *p = words.buf; p < words.buf + words.len; p += strlen(p) + 1)
				count++;
			argv = xcalloc(count + 1, sizeof(*argv));
			for (char *p = words.buf; p < words.buf + words.len; p += strlen(p) + 1)
				argv[k++] = p;
		}
	}
	struct run_opts o = { .timeout_ms = 300000, .out = &out };
	const char **wrapped = NULL;
	if (argv)
		rc = in_node_ns(c, node, argv, &wrapped) < 0 ? -1 : run_argv(wrapped ? wrapped : argv, &o);
	powerfs_free_argv(wrapped);
	free(argv);
	sb_release(&words);
	if (rc > 0) {
		lab_error("node %d: mariadb-install-db failed (status %d): %.500s", node, rc,
			  out.buf ? out.buf : "");
	} else if (rc == 0 && d->powerfs && powerfs_ctl(d->pfs_sock[node - 1], "flush", NULL) < 0) {
		rc = -1; /* a fresh install is durable, as a provisioned disk */
	}
	free(arg);
	free(tmparg);
	free(tmp);
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}

/* Live, unlike QEMU (cache= is read when the domain starts). Entering
 * writethrough or directsync makes what is pending durable at once. */
static int local_node_set_cache_mode(struct cluster *c, int node, const char *mode)
{
	struct powerfs h;
	char key[48], old[16];

	if (powerfs_mode_parse(mode) < 0) {
		lab_error("unknown cache mode '%s' (none, writeback, writethrough, directsync, unsafe)", mode);
		return -1;
	}
	if (!ld(c)->powerfs) {
		if (!strcmp(mode, "none"))
			return 0; /* the plain disk: fsync is honoured */
		lab_error("node %d: disk cache mode '%s' needs the power-loss layer (powerfs), which this cluster runs without (--no-powerfs)",
			  node, mode);
		return -1;
	}
	if (pfs_handle(c, node, &h) < 0 || powerfs_set_mode(&h, mode) < 0)
		return -1;
	lab_strlcpy(old, node_cache_mode(c, node), sizeof(old));
	node_key(key, sizeof(key), node, "cache_mode");
	cluster_state_set(c, key, mode);
	cluster_set_note(c, "node %d: cache %s -> %s, switched live in its powerfs (QEMU would need a cold restart)",
			 node, old, mode);
	lab_info("%s", c->note);
	return cluster_state_save(c);
}

static int local_node_disk_status(struct cluster *c, int node, struct node_status *st)
{
	struct powerfs h;
	struct strbuf r = { 0 };

	st->pending_bytes = -1;
	if (!ld(c)->powerfs) {
		lab_strlcpy(st->cache_mode, "plain", sizeof(st->cache_mode));
		return 0;
	}
	if (pfs_pid(c, node) <= 0) {
		lab_strlcpy(st->cache_mode, "no-powerfs", sizeof(st->cache_mode));
		return 0;
	}
	if (pfs_handle(c, node, &h) < 0 || powerfs_stats(&h, &r) < 0) {
		lab_strlcpy(st->cache_mode, "?", sizeof(st->cache_mode));
		sb_release(&r);
		return 0;
	}
	{
		const char *m = strstr(r.buf, "mode=");
		size_t n = m ? strcspn(m + 5, " \n") : 0;
		if (m && n < sizeof(st->cache_mode)) {
			memcpy(st->cache_mode, m + 5, n);
			st->cache_mode[n] = '\0';
		}
	}
	st->pending_bytes = powerfs_reply_field(r.buf, "pending_bytes");
	sb_release(&r);
	return 0;
}

/* Every node is up: what was provisioned (system tables, SSTs) is made
 * durable, as on a freshly installed machine. */
static int local_up_done(struct cluster *c)
{
	if (!ld(c)->powerfs)
		return 0;
	for (int i = 1; i <= c->spec.nodes; i++)
		if (powerfs_ctl(ld(c)->pfs_sock[i - 1], "flush", NULL) < 0)
			return -1;
	return 0;
}

static const char *local_node_log_path(struct cluster *c, int node)
{
	return ld(c)->log[node - 1];
}

static const char *local_node_datadir(struct cluster *c, int node)
{
	return view_path(c, node);
}

static int local_partition(struct cluster *c, const uint32_t *member_of)
{
	cluster_state_set(c, "local.partitioned", "1");
	if (cluster_state_save(c) < 0)
		return -1;
	return net_partition(c->name, ld(c)->subnet, c->spec.nodes, member_of);
}

static int local_heal(struct cluster *c)
{
	if (net_heal(c->name, c->spec.nodes) < 0)
		return -1;
	cluster_state_set(c, "local.partitioned", NULL);
	return cluster_state_save(c);
}

/* A failover manager's daemon on the node: in its network namespace and,
 * with powerfs, in the daemon's mount namespace (where the datadir is). */
static int local_node_spawn_daemon(struct cluster *c, int node, const char *const *argv, const char *log_path,
				   pid_t *pid)
{
	const char **wrapped = NULL;

	if (in_node_ns(c, node, (const char **)argv, &wrapped) < 0)
		return -1;
	*pid = spawn_argv(wrapped ? wrapped : (const char **)argv, ld(c)->ns[node - 1], log_path);
	powerfs_free_argv(wrapped);
	return *pid > 0 ? 0 : -1;
}

static const char *local_node_dir(struct cluster *c, int node)
{
	return ld(c)->node_dir[node - 1];
}

static const char *local_node_netns(struct cluster *c, int node)
{
	return ld(c)->ns[node - 1];
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
	.node_server_version = local_node_server_version,
	.node_run_tool = local_node_run_tool,
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
	.node_disk_status = local_node_disk_status,
	.up_done = local_up_done,
	.node_log_path = local_node_log_path,
	.node_datadir = local_node_datadir,
	.partition = local_partition,
	.heal = local_heal,
	.server_user = SERVER_USER,
	.node_spawn_daemon = local_node_spawn_daemon,
	.node_dir = local_node_dir,
	.node_netns = local_node_netns,
};
