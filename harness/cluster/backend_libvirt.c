/*
 * backend_libvirt.c — the `libvirt` backend: each node is a libvirt domain
 * (KVM, or QEMU TCG where KVM does not work) carrying lab's marker, on a
 * local or remote URI. The domains are the scenario's own
 * (cluster.libvirt.domains) or, when it names none, a VM lab defined here
 * from the vm-images/ guest image (virt_lab.h) and removed again by
 * destroy.
 *
 * The database server runs in the guest as the transient systemd unit
 * lab-mariadbd (systemd-run, User=mysql, --no-defaults plus the flavor's
 * options), so the flavors work unchanged: every command in the guest goes
 * through the QEMU guest agent's guest-exec as an argv array, SQL and file
 * contents through its stdin, never through a shell. Faults are real:
 * node_hard_reset is virDomainReset (the guest's CPUs reset at once),
 * node_signal is kill(1) in the guest, partitions are nftables rules in
 * each guest, snapshots are libvirt snapshots of the stopped domain, and
 * the disk cache mode is the domain's cache= attribute, changed by
 * redefinition and a cold restart and restored by destroy.
 *
 * A reset is not a power cut of the disk cache: with cache=writeback or
 * unsafe, what the guest wrote sits in the host's page cache and survives;
 * node_hard_reset says so when the disk runs with such a mode.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "virt.h"
#include "virt_lab.h"

#define GUEST_DATADIR "/var/lib/mysql"
#define GUEST_SOCKET "/run/mysqld/mysqld.sock"
#define GUEST_LOGDIR "/var/log/mysql"
#define GUEST_LOG GUEST_LOGDIR "/lab-error.log"
#define GUEST_RECOVER_LOG GUEST_LOGDIR "/lab-recover.log"
#define GUEST_UNIT "lab-mariadbd.service"
#define EXEC_TIMEOUT_MS 120000

struct lv_data {
	struct virt_conn *conn;
	struct virt_dom *dom[LAB_MAX_NODES];
	bool defined;            /* the VM lab is ours: destroy undefines it */
	bool said_cache[LAB_MAX_NODES];
};

static struct lv_data *lv(struct cluster *c)
{
	return c->backend_data;
}

/* Connections and domain handles live as long as the process: the cluster
 * layer frees backend_data with free() and has no release hook, so they are
 * kept here (reachable) and closed at exit. */
static struct virt_conn *open_conns[8];
static struct virt_dom *open_doms[8 * LAB_MAX_NODES];

static void close_all(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(open_doms); i++) {
		virt_domain_free(open_doms[i]);
		open_doms[i] = NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(open_conns); i++) {
		virt_close(open_conns[i]);
		open_conns[i] = NULL;
	}
}

static struct virt_conn *conn_get(const char *uri)
{
	static bool registered;
	size_t i;
	if (!uri || !*uri)
		uri = "qemu:///system";
	for (i = 0; i < ARRAY_SIZE(open_conns) && open_conns[i]; i++)
		if (strcmp(virt_conn_uri(open_conns[i]), uri) == 0)
			return open_conns[i];
	if (i == ARRAY_SIZE(open_conns)) {
		lab_error("too many libvirt connections open (%zu)", i);
		return NULL;
	}
	if (!registered) {
		atexit(close_all);
		registered = true;
	}
	return open_conns[i] = virt_open(uri);
}

static struct virt_dom *dom_get(struct virt_conn *conn, const char *name, const char *cluster, int node)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(open_doms) && open_doms[i]; i++)
		if (strcmp(virt_domain_name(open_doms[i]), name) == 0)
			break;
	if (i < ARRAY_SIZE(open_doms) && open_doms[i]) {
		/* Reopen: the marker is checked again, and an undefined and
		 * redefined domain gets a fresh handle. */
		virt_domain_free(open_doms[i]);
		open_doms[i] = NULL;
	}
	if (i == ARRAY_SIZE(open_doms)) {
		lab_error("too many libvirt domains open (%zu)", i);
		return NULL;
	}
	return open_doms[i] = virt_domain_open(conn, name, cluster, node);
}

static const char *lv_unavailable(void)
{
	return virt_unavailable();
}

static int64_t boot_timeout_ms(void)
{
	int64_t ms;
	const char *s = getenv("LAB_VM_BOOT_TIMEOUT");
	if (s && parse_duration_ms(s, &ms) == 0)
		return ms;
	return 600000; /* QEMU TCG on a busy host boots in about a minute */
}

static void vm_lab_of(struct cluster *c, struct vm_lab *l)
{
	memset(l, 0, sizeof(*l));
	l->name = c->name;
	l->uri = c->spec.libvirt_uri;
	l->type = getenv("LAB_VM_TYPE");
	l->nodes = c->spec.nodes;
	l->cache = c->spec.cache_mode;
	vm_lab_defaults(l);
}

/* Open the connection and the domains named in the state file. */
static int lv_open(struct cluster *c)
{
	struct lv_data *d = lv(c);
	const char *uri = cluster_state_get(c, "libvirt.uri");
	if (!d) {
		d = xcalloc(1, sizeof(*d));
		c->backend_data = d;
	}
	if (!d->conn && !(d->conn = conn_get(uri ? uri : c->spec.libvirt_uri)))
		return -1;
	d->defined = cluster_state_get(c, "libvirt.defined") != NULL;
	for (int i = 1; i <= c->spec.nodes; i++) {
		char key[32];
		snprintf(key, sizeof(key), "libvirt.domain.%d", i);
		const char *name = cluster_state_get(c, key);
		if (!name) {
			lab_error("cluster '%s' has no domain for node %d in its state", c->name, i);
			return -1;
		}
		if (!d->dom[i - 1] &&
		    !(d->dom[i - 1] = dom_get(d->conn, name, d->defined ? c->name : NULL, d->defined ? i : 0)))
			return -1;
		snprintf(key, sizeof(key), "libvirt.addr.%d", i);
		const char *addr = cluster_state_get(c, key);
		if (addr) {
			lab_strlcpy(c->hosts[i - 1].host, addr, sizeof(c->hosts[i - 1].host));
			c->hosts[i - 1].port = 3306;
		}
	}
	return 0;
}

static struct virt_dom *dom_of(struct cluster *c, int node)
{
	if (!lv(c) || !lv(c)->dom[node - 1]) {
		lab_error("node %d: no libvirt domain attached", node);
		return NULL;
	}
	return lv(c)->dom[node - 1];
}

/* The node's machine must be on and its guest agent answering: boot it if
 * it is off, resume it if paused, wait through a reboot after a reset. */
static int ensure_guest(struct cluster *c, int node, int64_t timeout_ms)
{
	struct virt_dom *dom = dom_of(c, node);
	if (!dom)
		return -1;
	int s = virt_domain_state(dom);
	if (s < 0)
		return -1;
	if (s == VIRT_STATE_SHUTOFF || s == VIRT_STATE_PAUSED) {
		lab_info("node %d: domain '%s' is %s; starting it", node, virt_domain_name(dom),
			 virt_state_name((enum virt_state)s));
		if (virt_start(dom) < 0)
			return -1;
	}
	int64_t deadline = mono_ns() + timeout_ms * 1000000;
	while (!virt_agent_ping(dom, 5000)) {
		if (mono_ns() >= deadline || lab_interrupted) {
			char why[512];
			lab_strlcpy(why, lab_last_error(), sizeof(why));
			lab_error("node %d: the guest agent of domain '%s' did not answer within %lld s: %s", node,
				  virt_domain_name(dom), (long long)(timeout_ms / 1000), why);
			return -1;
		}
		sleep_ms(1000);
	}
	return 0;
}

/* Run argv in node's guest; returns its exit status or -1. */
static int guest(struct cluster *c, int node, const char *const argv[], const char *in, struct strbuf *out,
		 int64_t timeout_ms)
{
	if (ensure_guest(c, node, boot_timeout_ms()) < 0)
		return -1;
	return virt_guest_exec(dom_of(c, node), argv, in, timeout_ms, out);
}

/* Run argv and demand exit status 0; the error names what failed. */
static int guest_ok(struct cluster *c, int node, const char *what, const char *const argv[], const char *in,
		    int64_t timeout_ms)
{
	struct strbuf out = {0};
	int rc = guest(c, node, argv, in, &out, timeout_ms);
	if (rc > 0) {
		while (out.len && out.buf[out.len - 1] == '\n')
			out.buf[--out.len] = '\0';
		lab_error("node %d: %s failed in the guest (status %d): %.500s", node, what, rc,
			  out.len ? out.buf : "no output");
	}
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}

static int lv_create(struct cluster *c)
{
	struct vm_lab l;
	int64_t t0 = mono_ns();
	vm_lab_of(c, &l);
	cluster_state_set(c, "libvirt.uri", l.uri);
	if (c->spec.domains) {
		for (int i = 1; i <= c->spec.nodes; i++) {
			char key[32];
			snprintf(key, sizeof(key), "libvirt.domain.%d", i);
			cluster_state_set(c, key, c->spec.domains[i - 1]);
		}
	} else {
		/* Recorded before anything is made, so that destroy finds it. */
		cluster_state_set(c, "libvirt.defined", "1");
		for (int i = 1; i <= c->spec.nodes; i++) {
			char key[32], name[128], addr[32];
			vm_lab_domain_name(&l, i, name, sizeof(name));
			vm_lab_node_addr(&l, i, addr, sizeof(addr));
			snprintf(key, sizeof(key), "libvirt.domain.%d", i);
			cluster_state_set(c, key, name);
			snprintf(key, sizeof(key), "libvirt.addr.%d", i);
			cluster_state_set(c, key, addr);
		}
	}
	if (cluster_state_save(c) < 0)
		return -1;
	struct lv_data *d = xcalloc(1, sizeof(*d));
	c->backend_data = d;
	if (!(d->conn = conn_get(l.uri)))
		return -1;
	if (!c->spec.domains && vm_lab_define(d->conn, &l) < 0)
		return -1;
	if (lv_open(c) < 0)
		return -1;
	for (int i = 1; i <= c->spec.nodes; i++) {
		if (c->spec.cache_mode) {
			char *old = NULL;
			char key[32];
			if (virt_set_cache_mode(d->dom[i - 1], NULL, c->spec.cache_mode, &old) < 0)
				return -1;
			snprintf(key, sizeof(key), "libvirt.cache.%d", i);
			if (!cluster_state_get(c, key))
				cluster_state_set(c, key, old);
			free(old);
		}
		if (virt_start(d->dom[i - 1]) < 0)
			return -1;
	}
	if (cluster_state_save(c) < 0)
		return -1;
	/* Every guest up, its agent answering and its address known. */
	for (int i = 1; i <= c->spec.nodes; i++) {
		char key[32], addr[64];
		if (ensure_guest(c, i, boot_timeout_ms()) < 0)
			return -1;
		snprintf(key, sizeof(key), "libvirt.addr.%d", i);
		if (!cluster_state_get(c, key)) {
			int64_t deadline = mono_ns() + 120000 * 1000000LL;
			while (virt_guest_ipv4(d->dom[i - 1], addr, sizeof(addr)) < 0) {
				if (mono_ns() > deadline) {
					lab_error("node %d: domain '%s' has no IPv4 address after 120 s", i,
						  virt_domain_name(d->dom[i - 1]));
					return -1;
				}
				sleep_ms(1000);
			}
			cluster_state_set(c, key, addr);
			lab_strlcpy(c->hosts[i - 1].host, addr, sizeof(c->hosts[i - 1].host));
			c->hosts[i - 1].port = 3306;
		}
		lab_info("node %d: domain '%s' up at %s (%.1f s)", i, virt_domain_name(d->dom[i - 1]),
			 c->hosts[i - 1].host, (mono_ns() - t0) / 1e9);
	}
	return cluster_state_save(c);
}

static int lv_attach(struct cluster *c)
{
	return lv_open(c);
}

static int lv_destroy(struct cluster *c)
{
	int rc = 0;
	if (!cluster_state_get(c, "libvirt.uri"))
		return 0; /* nothing was made */
	if (lv_open(c) < 0 && !lv(c))
		return -1;
	struct lv_data *d = lv(c);
	for (int i = 1; d && i <= c->spec.nodes; i++) {
		struct virt_dom *dom = d->dom[i - 1];
		char key[32];
		if (!dom)
			continue;
		if (d->defined) {
			if (virt_poweroff(dom) < 0)
				rc = -1;
		} else if (virt_shutdown(dom, 120000) < 0) {
			rc = -1;
		}
		snprintf(key, sizeof(key), "libvirt.cache.%d", i);
		const char *orig = cluster_state_get(c, key);
		if (orig && !d->defined) {
			if (virt_set_cache_mode(dom, NULL, orig, NULL) < 0)
				rc = -1;
			else
				lab_info("node %d: disk cache mode of '%s' restored to '%s'", i, virt_domain_name(dom), orig);
		}
		cluster_state_set(c, key, NULL);
	}
	if (d && d->defined && d->conn) {
		struct vm_lab l;
		vm_lab_of(c, &l);
		if (vm_lab_undefine(d->conn, &l) < 0)
			rc = -1;
	}
	if (d) {
		free(d); /* the handles stay with conn_get / dom_get */
		c->backend_data = NULL;
	}
	if (rc == 0) {
		cluster_state_set(c, "libvirt.uri", NULL);
		cluster_state_set(c, "libvirt.defined", NULL);
	}
	cluster_state_save(c);
	return rc;
}

static pid_t lv_node_pid(struct cluster *c, int node)
{
	struct virt_dom *dom = dom_of(c, node);
	struct strbuf out = {0};
	int64_t pid = 0;
	if (!dom || virt_domain_state(dom) != VIRT_STATE_RUNNING)
		return 0;
	const char *argv[] = { "systemctl", "show", "--property=MainPID", "--value", GUEST_UNIT, NULL };
	/* A guest that is rebooting has no server: 0, quietly. */
	if (virt_guest_exec_quiet(dom, argv, NULL, 30000, &out) == 0 && out.buf) {
		out.buf[strcspn(out.buf, "\n")] = '\0';
		if (parse_int64(out.buf, 0, INT32_MAX, &pid) < 0)
			pid = 0;
	}
	sb_release(&out);
	return (pid_t)pid;
}

static int lv_node_init(struct cluster *c, int node, bool with_system_tables)
{
	const char *stop[] = { "systemctl", "stop", GUEST_UNIT, NULL };
	const char *reset[] = { "systemctl", "reset-failed", GUEST_UNIT, NULL };
	const char *wipe[] = { "find", GUEST_DATADIR, "-mindepth", "1", "-delete", NULL };
	const char *mk[] = { "install", "-d", "-o", "mysql", "-g", "mysql", "-m", "0750", GUEST_DATADIR, NULL };
	const char *mklog[] = { "install", "-d", "-o", "mysql", "-g", "adm", "-m", "2750", GUEST_LOGDIR, NULL };
	const char *inst[] = { "mariadb-install-db", "--no-defaults", "--user=mysql", "--datadir=" GUEST_DATADIR,
			       "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve", NULL };
	if (lv_node_pid(c, node) > 0 && guest_ok(c, node, "stopping the server", stop, NULL, 300000) < 0)
		return -1;
	guest(c, node, reset, NULL, NULL, EXEC_TIMEOUT_MS);
	if (guest_ok(c, node, "wiping the datadir", wipe, NULL, EXEC_TIMEOUT_MS) < 0 ||
	    guest_ok(c, node, "making the datadir", mk, NULL, EXEC_TIMEOUT_MS) < 0 ||
	    guest_ok(c, node, "making the log directory", mklog, NULL, EXEC_TIMEOUT_MS) < 0)
		return -1;
	if (with_system_tables && guest_ok(c, node, "mariadb-install-db", inst, NULL, 600000) < 0)
		return -1;
	return 0;
}

static void add_opt(struct strbuf *sb, const char *key, const char *value)
{
	sb_printf(sb, "--%s%s%s", key, value ? "=" : "", value ? value : "");
	sb_add(sb, "", 1);
}

/* argv (malloc'd array into *buf): prefix words, then mariadbd and options. */
static const char **server_argv(struct cluster *c, const char *const *prefix, const struct kv *opts, size_t n,
				const char *log, struct strbuf *buf)
{
	size_t count = 0;
	sb_reset(buf);
	for (size_t i = 0; prefix[i]; i++) {
		sb_puts(buf, prefix[i]);
		sb_add(buf, "", 1);
	}
	sb_puts(buf, "/usr/sbin/mariadbd");
	sb_add(buf, "", 1);
	add_opt(buf, "no-defaults", NULL);
	add_opt(buf, "datadir", GUEST_DATADIR);
	add_opt(buf, "socket", GUEST_SOCKET);
	add_opt(buf, "pid-file", "/run/mysqld/mysqld.pid");
	add_opt(buf, "log-error", log);
	add_opt(buf, "port", "3306");
	add_opt(buf, "bind-address", "0.0.0.0");
	for (size_t i = 0; i < n; i++)
		add_opt(buf, opts[i].key, opts[i].value);
	for (size_t i = 0; i < c->spec.n_mysqld; i++)
		add_opt(buf, c->spec.mysqld[i].key, c->spec.mysqld[i].value);
	for (char *p = buf->buf; p < buf->buf + buf->len; p += strlen(p) + 1)
		count++;
	const char **argv = xcalloc(count + 1, sizeof(*argv));
	count = 0;
	for (char *p = buf->buf; p < buf->buf + buf->len; p += strlen(p) + 1)
		argv[count++] = p;
	return argv;
}

/* On a slow hypervisor (QEMU TCG on a busy host) a joiner's state
 * transfer takes minutes, longer than a flavor waits for a node to answer.
 * So node_spawn returns when the server answers its administrator, or when
 * it has run for SST_GRACE_MS without a state transfer in progress (a node
 * that waits for a Primary component answers nothing, and must not hold up
 * the caller); it fails at once if the server exits. */
#define SST_GRACE_MS 60000
static int lv_node_admin_sql(struct cluster *c, int node, const char *sql, bool quiet);

static int wait_while_sst(struct cluster *c, int node)
{
	const char *sst[] = { "pgrep", "-f", "wsrep_sst_", NULL };
	int64_t t0 = mono_ns(), deadline = t0 + boot_timeout_ms() * 1000000;
	bool said = false;
	for (;;) {
		if (lv_node_pid(c, node) <= 0) {
			lab_error("node %d: mariadbd exited; see 'journalctl -u %s' or '%s' in domain '%s'", node, GUEST_UNIT,
				  GUEST_LOG, virt_domain_name(dom_of(c, node)));
			return -1;
		}
		if (lv_node_admin_sql(c, node, "SELECT 1", true) == 0)
			return 0;
		bool in_sst = guest(c, node, sst, NULL, NULL, EXEC_TIMEOUT_MS) == 0;
		int64_t now = mono_ns();
		if (!in_sst && now - t0 > SST_GRACE_MS * 1000000LL)
			return 0;
		if (in_sst && !said) {
			lab_info("node %d: state transfer in progress; waiting for it", node);
			said = true;
		}
		if (now > deadline || lab_interrupted) {
			lab_error("node %d: no answer after %lld s of state transfer", node, (long long)(boot_timeout_ms() / 1000));
			return -1;
		}
		sleep_ms(2000);
	}
}

static int lv_node_spawn(struct cluster *c, int node, const struct kv *opts, size_t n)
{
	static const char *const prefix[] = {
		"systemd-run", "--unit=" GUEST_UNIT, "--collect", "--quiet",
		"--property=User=mysql", "--property=Group=mysql",
		"--property=RuntimeDirectory=mysqld", "--property=RuntimeDirectoryPreserve=yes",
		"--property=LimitNOFILE=32768", "--property=TimeoutStopSec=900", NULL,
	};
	const char *reset[] = { "systemctl", "reset-failed", GUEST_UNIT, NULL };
	struct strbuf buf = {0};
	if (lv_node_pid(c, node) > 0) {
		lab_error("node %d is already running", node);
		return -1;
	}
	guest(c, node, reset, NULL, NULL, EXEC_TIMEOUT_MS); /* a failed unit of the same name */
	const char **argv = server_argv(c, prefix, opts, n, GUEST_LOG, &buf);
	int rc = guest_ok(c, node, "starting mariadbd (systemd-run)", argv, NULL, EXEC_TIMEOUT_MS);
	free(argv);
	sb_release(&buf);
	if (rc < 0)
		return -1;
	return wait_while_sst(c, node);
}

static int lv_node_run_once(struct cluster *c, int node, const struct kv *opts, size_t n, int64_t timeout_ms,
			    struct strbuf *log)
{
	static const char *const prefix[] = { "runuser", "-u", "mysql", "--", NULL };
	const char *rm[] = { "rm", "-f", GUEST_RECOVER_LOG, NULL };
	const char *mkrun[] = { "install", "-d", "-o", "mysql", "-g", "mysql", "/run/mysqld", GUEST_LOGDIR, NULL };
	const char *cat[] = { "cat", GUEST_RECOVER_LOG, NULL };
	struct strbuf buf = {0}, out = {0};
	if (guest_ok(c, node, "removing the old recovery log", rm, NULL, EXEC_TIMEOUT_MS) < 0 ||
	    guest_ok(c, node, "making /run/mysqld and the log directory", mkrun, NULL, EXEC_TIMEOUT_MS) < 0)
		return -1;
	const char **argv = server_argv(c, prefix, opts, n, GUEST_RECOVER_LOG, &buf);
	int rc = guest(c, node, argv, NULL, &out, timeout_ms);
	free(argv);
	sb_release(&buf);
	guest(c, node, cat, NULL, log, EXEC_TIMEOUT_MS);
	if (out.len)
		sb_puts(log, out.buf);
	sb_release(&out);
	if (rc != 0) {
		if (rc > 0)
			lab_error("node %d: one-shot mariadbd run failed in the guest (status %d); see '%s'", node, rc,
				  GUEST_RECOVER_LOG);
		return -1;
	}
	return 0;
}

static int lv_node_admin_sql(struct cluster *c, int node, const char *sql, bool quiet)
{
	const char *argv[] = { "mariadb", "--no-defaults", "-uroot", "--socket=" GUEST_SOCKET, "--connect-timeout=5", NULL };
	struct strbuf out = {0};
	int rc = guest(c, node, argv, sql, &out, EXEC_TIMEOUT_MS);
	if (rc != 0 && !quiet) {
		while (out.len && out.buf[out.len - 1] == '\n')
			out.buf[--out.len] = '\0';
		if (rc > 0) {
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
	}
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}

static int lv_node_signal(struct cluster *c, int node, int sig)
{
	pid_t pid = lv_node_pid(c, node);
	char p[32], s[16];
	if (pid <= 0) {
		lab_error("node %d: no mariadbd is running in domain '%s'", node, virt_domain_name(dom_of(c, node)));
		return -1;
	}
	snprintf(p, sizeof(p), "%d", (int)pid);
	snprintf(s, sizeof(s), "-%d", sig);
	const char *argv[] = { "kill", s, p, NULL };
	return guest_ok(c, node, "kill", argv, NULL, EXEC_TIMEOUT_MS);
}

static int lv_node_stop(struct cluster *c, int node, int64_t grace_ms)
{
	pid_t pid = lv_node_pid(c, node);
	if (pid <= 0)
		return 0;
	if (lv_node_signal(c, node, SIGTERM) < 0)
		return -1;
	int64_t deadline = mono_ns() + grace_ms * 1000000;
	while (lv_node_pid(c, node) > 0) {
		if (mono_ns() >= deadline) {
			lab_info("node %d: mariadbd did not stop within %lld ms; killing it", node, (long long)grace_ms);
			const char *kill[] = { "systemctl", "kill", "--signal=KILL", GUEST_UNIT, NULL };
			return guest_ok(c, node, "systemctl kill", kill, NULL, EXEC_TIMEOUT_MS);
		}
		sleep_ms(500);
	}
	return 0;
}

static int lv_node_hard_reset(struct cluster *c, int node)
{
	struct virt_dom *dom = dom_of(c, node);
	char *mode = NULL;
	if (!dom)
		return -1;
	if (!lv(c)->said_cache[node - 1] && virt_get_cache_mode(dom, NULL, &mode) == 0 &&
	    (strcmp(mode, "writeback") == 0 || strcmp(mode, "unsafe") == 0 || strcmp(mode, "default") == 0)) {
		lab_info("node %d: disk cache '%s': a reset keeps the guest's writes that sit in the host's page cache; it is not a power cut of the disk cache",
			 node, mode);
		lv(c)->said_cache[node - 1] = true;
	}
	free(mode);
	if (virt_domain_state(dom) != VIRT_STATE_RUNNING) {
		lab_error("node %d: domain '%s' is not running; cannot reset it", node, virt_domain_name(dom));
		return -1;
	}
	return virt_reset(dom);
}

static int check_relpath(const char *rel)
{
	if (!rel || !*rel || rel[0] == '/') {
		lab_error("path '%s' is not relative to the datadir", rel ? rel : "");
		return -1;
	}
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		if ((n == 2 && !strncmp(p, "..", 2)) || (n == 1 && p[0] == '.') || n == 0) {
			lab_error("path '%s' has a '.', '..' or empty component: want a plain path inside the datadir", rel);
			return -1;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

static int lv_node_read_file(struct cluster *c, int node, const char *rel, char **data)
{
	if (check_relpath(rel) < 0)
		return -1;
	char *path = xasprintf("%s/%s", GUEST_DATADIR, rel);
	const char *test[] = { "test", "-e", path, NULL };
	const char *cat[] = { "cat", "--", path, NULL };
	struct strbuf out = {0};
	int rc = guest(c, node, test, NULL, NULL, EXEC_TIMEOUT_MS);
	if (rc == 1) {
		lab_error_quiet("node %d: no file '%s' in the guest", node, path);
		errno = ENOENT;
		free(path);
		return -1;
	}
	if (rc == 0)
		rc = guest(c, node, cat, NULL, &out, EXEC_TIMEOUT_MS);
	if (rc > 0)
		lab_error("node %d: cannot read '%s' in the guest: %s", node, path, out.buf ? out.buf : "");
	free(path);
	if (rc != 0) {
		sb_release(&out);
		return -1;
	}
	*data = out.buf ? sb_detach(&out) : xstrdup("");
	return 0;
}

static int lv_node_write_file(struct cluster *c, int node, const char *rel, const char *data, size_t len)
{
	if (check_relpath(rel) < 0)
		return -1;
	if (strlen(data) != len) {
		lab_error("node %d: cannot write binary data to '%s' through the guest agent", node, rel);
		return -1;
	}
	char *of = xasprintf("of=%s/%s", GUEST_DATADIR, rel);
	const char *argv[] = { "runuser", "-u", "mysql", "--", "dd", of, "status=none", NULL };
	int rc = guest_ok(c, node, "writing a datadir file", argv, data, EXEC_TIMEOUT_MS);
	free(of);
	return rc;
}

static int lv_node_delete_file(struct cluster *c, int node, const char *rel)
{
	if (check_relpath(rel) < 0)
		return -1;
	char *path = xasprintf("%s/%s", GUEST_DATADIR, rel);
	const char *argv[] = { "rm", "--", path, NULL };
	int rc = guest_ok(c, node, "rm", argv, NULL, EXEC_TIMEOUT_MS);
	free(path);
	return rc;
}

/* Snapshots and reverts are of the stopped machine: the server must be
 * stopped; the guest is shut down cleanly and left off (the next node
 * operation boots it). */
static int power_down_for(struct cluster *c, int node, const char *what)
{
	struct virt_dom *dom = dom_of(c, node);
	if (!dom)
		return -1;
	if (lv_node_pid(c, node) > 0) {
		lab_error("node %d is running: stop it before %s", node, what);
		return -1;
	}
	return virt_shutdown(dom, 120000);
}

static int lv_node_snapshot(struct cluster *c, int node, const char *name)
{
	if (power_down_for(c, node, "taking a snapshot") < 0)
		return -1;
	struct virt_dom *dom = dom_of(c, node);
	if (virt_snapshot_exists(dom, name) && virt_snapshot_delete(dom, name) < 0)
		return -1;
	return virt_snapshot_create(dom, name);
}

static int lv_node_revert(struct cluster *c, int node, const char *name)
{
	if (power_down_for(c, node, "reverting it") < 0)
		return -1;
	return virt_snapshot_revert(dom_of(c, node), name);
}

static int lv_node_set_cache_mode(struct cluster *c, int node, const char *mode)
{
	struct virt_dom *dom = dom_of(c, node);
	char key[32], *old = NULL;
	if (!dom)
		return -1;
	if (!virt_cache_mode_valid(mode)) {
		lab_error("node %d: invalid disk cache mode '%s'", node, mode);
		return -1;
	}
	/* The cold restart would crash a running server: stop it cleanly
	 * first and start it again (flavor-aware) afterwards. */
	bool was_running = lv_node_pid(c, node) > 0;
	if (was_running && lv_node_stop(c, node, 300000) < 0)
		return -1;
	if (virt_set_cache_mode(dom, NULL, mode, &old) < 0)
		return -1;
	snprintf(key, sizeof(key), "libvirt.cache.%d", node);
	if (!cluster_state_get(c, key))
		cluster_state_set(c, key, old);
	free(old);
	if (cluster_state_save(c) < 0)
		return -1;
	lab_info("node %d: domain '%s' cold-restarted with disk cache '%s'", node, virt_domain_name(dom), mode);
	if (ensure_guest(c, node, boot_timeout_ms()) < 0)
		return -1;
	return was_running ? node_start(c, node) : 0;
}

/* nftables in each guest: drop traffic to and from nodes of other groups. */
static int lv_partition(struct cluster *c, const int *group_of)
{
	for (int i = 1; i <= c->spec.nodes; i++) {
		struct strbuf set = {0}, rules = {0};
		for (int j = 1; j <= c->spec.nodes; j++)
			if (group_of[j - 1] != group_of[i - 1])
				sb_printf(&set, "%s%s", set.len ? ", " : "", c->hosts[j - 1].host);
		sb_puts(&rules, "table inet lab_partition {}\ndelete table inet lab_partition\n");
		if (set.len)
			sb_printf(&rules,
				  "table inet lab_partition {\n"
				  "  chain input { type filter hook input priority 0; ip saddr { %s } drop; }\n"
				  "  chain output { type filter hook output priority 0; ip daddr { %s } drop; }\n"
				  "}\n",
				  set.buf, set.buf);
		const char *argv[] = { "nft", "-f", "-", NULL };
		int rc = guest_ok(c, i, "nft (partition)", argv, rules.buf, EXEC_TIMEOUT_MS);
		sb_release(&set);
		sb_release(&rules);
		if (rc < 0)
			return -1;
	}
	cluster_state_set(c, "libvirt.partitioned", "1");
	return cluster_state_save(c);
}

static int lv_heal(struct cluster *c)
{
	const char *argv[] = { "nft", "-f", "-", NULL };
	int rc = 0;
	for (int i = 1; i <= c->spec.nodes; i++)
		if (guest_ok(c, i, "nft (heal)", argv, "table inet lab_partition {}\ndelete table inet lab_partition\n",
			     EXEC_TIMEOUT_MS) < 0)
			rc = -1;
	if (rc == 0)
		cluster_state_set(c, "libvirt.partitioned", NULL);
	cluster_state_save(c);
	return rc;
}

const struct backend_ops backend_libvirt = {
	.name = "libvirt",
	.description = "libvirt domains (KVM or QEMU TCG) carrying lab's marker, commands through the guest agent",
	.unavailable = lv_unavailable,
	.create = lv_create,
	.destroy = lv_destroy,
	.attach = lv_attach,
	.node_init = lv_node_init,
	.node_spawn = lv_node_spawn,
	.node_run_once = lv_node_run_once,
	.node_admin_sql = lv_node_admin_sql,
	.node_pid = lv_node_pid,
	.node_signal = lv_node_signal,
	.node_stop = lv_node_stop,
	.node_hard_reset = lv_node_hard_reset,
	.node_read_file = lv_node_read_file,
	.node_write_file = lv_node_write_file,
	.node_delete_file = lv_node_delete_file,
	.node_snapshot = lv_node_snapshot,
	.node_revert = lv_node_revert,
	.node_set_cache_mode = lv_node_set_cache_mode,
	.node_log_path = NULL,
	.node_datadir = NULL,
	.partition = lv_partition,
	.heal = lv_heal,
};
