/*
 * guest_db.c — MariaDB in a guest, driven only by argv arrays run there
 * (guest_db.h): the database side that the libvirt and proxmox backends
 * share, moved here from backend_libvirt.c so that both run the same code.
 *
 * The server (mariadbd, or mysqld of MySQL / Percona / PXC 8.0: the node's
 * dialect, from the guest's binary before it first runs) runs in the guest
 * as the transient systemd unit lab-mariadbd
 * (systemd-run, User=mysql, --no-defaults plus the flavor's options), so the
 * flavors work unchanged. Every command is an argv array, SQL and file
 * contents go through its stdin, never through a shell. Files are
 * addressed relative to the datadir and refused when a component is '.',
 * '..' or empty. Partitions are nftables rules (table inet lab_partition)
 * in each guest.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_db.h"
#include "names.h"

static const struct guest_ops *ops_of(struct cluster *c, int node)
{
	const struct guest_backend *g = c->backend_data;
	if (!g || !g->ops) {
		lab_error("node %d: backend '%s' is not attached to its machines", node, c->backend->name);
		return NULL;
	}
	return g->ops;
}

static const char *describe(struct cluster *c, int node)
{
	const struct guest_ops *ops = ops_of(c, node);
	return ops ? ops->describe(c, node) : "(no machine)";
}

int64_t guest_boot_timeout_ms(void)
{
	int64_t ms;
	const char *s = getenv("LAB_VM_BOOT_TIMEOUT");
	if (s && parse_duration_ms(s, &ms) == 0)
		return ms;
	return 600000; /* QEMU TCG on a busy host boots in about a minute */
}

int guest_exec(struct cluster *c, int node, const char *const argv[], const char *in, struct strbuf *out,
	       int64_t timeout_ms)
{
	const struct guest_ops *ops = ops_of(c, node);
	return ops ? ops->exec(c, node, argv, in, out, timeout_ms, 0) : -1;
}

int guest_ok(struct cluster *c, int node, const char *what, const char *const argv[], const char *in,
	     int64_t timeout_ms)
{
	struct strbuf out = {0};
	int rc = guest_exec(c, node, argv, in, &out, timeout_ms);
	if (rc > 0) {
		while (out.len && out.buf[out.len - 1] == '\n')
			out.buf[--out.len] = '\0';
		lab_error("node %d: %s failed in the guest (status %d): %.500s", node, what, rc,
			  out.len ? out.buf : "no output");
	}
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}

pid_t guest_node_pid(struct cluster *c, int node)
{
	const struct guest_ops *ops = ops_of(c, node);
	struct strbuf out = {0};
	int64_t pid = 0;
	if (!ops || !ops->running(c, node))
		return 0;
	const char *argv[] = { "systemctl", "show", "--property=MainPID", "--value", GUEST_UNIT, NULL };
	/* A guest that is rebooting has no server: 0, quietly. */
	if (ops->exec(c, node, argv, NULL, &out, 30000, GUEST_QUIET) == 0 && out.buf) {
		out.buf[strcspn(out.buf, "\n")] = '\0';
		if (parse_int64(out.buf, 0, INT32_MAX, &pid) < 0)
			pid = 0;
	}
	sb_release(&out);
	return (pid_t)pid;
}

int guest_node_init(struct cluster *c, int node, bool with_system_tables)
{
	const char *stop[] = { "systemctl", "stop", GUEST_UNIT, NULL };
	const char *reset[] = { "systemctl", "reset-failed", GUEST_UNIT, NULL };
	const char *wipe[] = { "find", GUEST_DATADIR, "-mindepth", "1", "-delete", NULL };
	const char *mk[] = { "install", "-d", "-o", "mysql", "-g", "mysql", "-m", "0750", GUEST_DATADIR, NULL };
	const char *mklog[] = { "install", "-d", "-o", "mysql", "-g", "adm", "-m", "2750", GUEST_LOGDIR, NULL };
	const struct dialect *d = cluster_node_dialect(c, node)->d;
	const char *inst[ARRAY_SIZE(d->install_args) + 3] = { d->install_program };
	size_t k = 1;
	for (size_t i = 0; d->install_args[i]; i++)
		inst[k++] = d->install_args[i];
	inst[k++] = "--datadir=" GUEST_DATADIR;
	if (guest_node_pid(c, node) > 0 && guest_ok(c, node, "stopping the server", stop, NULL, 300000) < 0)
		return -1;
	guest_exec(c, node, reset, NULL, NULL, GUEST_EXEC_TIMEOUT_MS);
	if (guest_ok(c, node, "wiping the datadir", wipe, NULL, GUEST_EXEC_TIMEOUT_MS) < 0 ||
	    guest_ok(c, node, "making the datadir", mk, NULL, GUEST_EXEC_TIMEOUT_MS) < 0 ||
	    guest_ok(c, node, "making the log directory", mklog, NULL, GUEST_EXEC_TIMEOUT_MS) < 0)
		return -1;
	if (with_system_tables && guest_ok(c, node, d->install_program, inst, NULL, 600000) < 0)
		return -1;
	return 0;
}

static void add_opt(struct strbuf *sb, const char *key, const char *value)
{
	sb_printf(sb, "--%s%s%s", key, value ? "=" : "", value ? value : "");
	sb_add(sb, "", 1);
}

/* argv (malloc'd array into *buf): prefix words, then the node's server
 * (its dialect's: mariadbd, mysqld) and options. */
static const char **server_argv(struct cluster *c, int node, const char *const *prefix, const struct kv *opts,
				size_t n, const char *log, struct strbuf *buf)
{
	size_t count = 0;
	sb_reset(buf);
	for (size_t i = 0; prefix[i]; i++) {
		sb_puts(buf, prefix[i]);
		sb_add(buf, "", 1);
	}
	sb_printf(buf, "/usr/sbin/%s", cluster_node_dialect(c, node)->d->server_binary);
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

static int wait_while_sst(struct cluster *c, int node)
{
	const char *sst[] = { "pgrep", "-f", "wsrep_sst_", NULL };
	int64_t t0 = mono_ns(), deadline = t0 + guest_boot_timeout_ms() * 1000000;
	bool said = false;
	for (;;) {
		if (guest_node_pid(c, node) <= 0) {
			lab_error("node %d: mariadbd exited; see 'journalctl -u %s' or '%s' in %s", node, GUEST_UNIT,
				  GUEST_LOG, describe(c, node));
			return -1;
		}
		if (guest_node_admin_sql(c, node, "SELECT 1", true) == 0)
			return 0;
		bool in_sst = guest_exec(c, node, sst, NULL, NULL, GUEST_EXEC_TIMEOUT_MS) == 0;
		int64_t now = mono_ns();
		if (!in_sst && now - t0 > SST_GRACE_MS * 1000000LL)
			return 0;
		if (in_sst && !said) {
			lab_info("node %d: state transfer in progress; waiting for it", node);
			said = true;
		}
		if (now > deadline || lab_interrupted) {
			lab_error("node %d: no answer after %lld s of state transfer", node, (long long)(guest_boot_timeout_ms() / 1000));
			return -1;
		}
		sleep_ms(2000);
	}
}

int guest_node_spawn(struct cluster *c, int node, const struct kv *opts, size_t n)
{
	static const char *const prefix[] = {
		"systemd-run", "--unit=" GUEST_UNIT, "--collect", "--quiet",
		"--property=User=mysql", "--property=Group=mysql",
		"--property=RuntimeDirectory=mysqld", "--property=RuntimeDirectoryPreserve=yes",
		"--property=LimitNOFILE=32768", "--property=TimeoutStopSec=900", NULL,
	};
	const char *reset[] = { "systemctl", "reset-failed", GUEST_UNIT, NULL };
	struct strbuf buf = {0};
	if (guest_node_pid(c, node) > 0) {
		lab_error("node %d is already running", node);
		return -1;
	}
	guest_exec(c, node, reset, NULL, NULL, GUEST_EXEC_TIMEOUT_MS); /* a failed unit of the same name */
	const char **argv = server_argv(c, node, prefix, opts, n, GUEST_LOG, &buf);
	int rc = guest_ok(c, node, "starting mariadbd (systemd-run)", argv, NULL, GUEST_EXEC_TIMEOUT_MS);
	free(argv);
	sb_release(&buf);
	if (rc < 0)
		return -1;
	return wait_while_sst(c, node);
}

int guest_node_run_once(struct cluster *c, int node, const struct kv *opts, size_t n, int64_t timeout_ms,
			    struct strbuf *log)
{
	static const char *const prefix[] = { "runuser", "-u", "mysql", "--", NULL };
	const char *rm[] = { "rm", "-f", GUEST_RECOVER_LOG, NULL };
	const char *mkrun[] = { "install", "-d", "-o", "mysql", "-g", "mysql", "/run/mysqld", GUEST_LOGDIR, NULL };
	const char *cat[] = { "cat", GUEST_RECOVER_LOG, NULL };
	struct strbuf buf = {0}, out = {0};
	if (guest_ok(c, node, "removing the old recovery log", rm, NULL, GUEST_EXEC_TIMEOUT_MS) < 0 ||
	    guest_ok(c, node, "making /run/mysqld and the log directory", mkrun, NULL, GUEST_EXEC_TIMEOUT_MS) < 0)
		return -1;
	const char **argv = server_argv(c, node, prefix, opts, n, GUEST_RECOVER_LOG, &buf);
	int rc = guest_exec(c, node, argv, NULL, &out, timeout_ms);
	free(argv);
	sb_release(&buf);
	guest_exec(c, node, cat, NULL, log, GUEST_EXEC_TIMEOUT_MS);
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

int guest_node_server_version(struct cluster *c, int node, struct strbuf *line)
{
	/* MariaDB's server, else MySQL's, Percona's or PXC's */
	static const char *const servers[] = { "/usr/sbin/mariadbd", "/usr/sbin/mysqld" };

	for (size_t i = 0; i < ARRAY_SIZE(servers); i++) {
		const char *argv[] = { servers[i], "--version", NULL };
		struct strbuf out = { 0 };
		if (guest_exec(c, node, argv, NULL, &out, GUEST_EXEC_TIMEOUT_MS) == 0 && out.len) {
			out.buf[strcspn(out.buf, "\n")] = '\0';
			sb_puts(line, out.buf);
			sb_release(&out);
			return 0;
		}
		sb_release(&out);
	}
	lab_error("node %d: neither mariadbd nor mysqld answers --version in %s", node, describe(c, node));
	return -1;
}

int guest_node_admin_sql(struct cluster *c, int node, const char *sql, bool quiet)
{
	const char *argv[] = { cluster_node_dialect(c, node)->d->client, "--no-defaults", "-uroot", "--socket=" GUEST_SOCKET, "--connect-timeout=5", NULL };
	struct strbuf out = {0};
	int rc = guest_exec(c, node, argv, sql, &out, GUEST_EXEC_TIMEOUT_MS);
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

int guest_node_signal(struct cluster *c, int node, int sig)
{
	pid_t pid = guest_node_pid(c, node);
	char p[32], s[16];
	if (pid <= 0) {
		lab_error("node %d: no mariadbd is running in %s", node, describe(c, node));
		return -1;
	}
	snprintf(p, sizeof(p), "%d", (int)pid);
	snprintf(s, sizeof(s), "-%d", sig);
	const char *argv[] = { "kill", s, p, NULL };
	return guest_ok(c, node, "kill", argv, NULL, GUEST_EXEC_TIMEOUT_MS);
}

int guest_node_stop(struct cluster *c, int node, int64_t grace_ms)
{
	pid_t pid = guest_node_pid(c, node);
	if (pid <= 0)
		return 0;
	if (guest_node_signal(c, node, SIGTERM) < 0)
		return -1;
	int64_t deadline = mono_ns() + grace_ms * 1000000;
	while (guest_node_pid(c, node) > 0) {
		if (mono_ns() >= deadline) {
			lab_info("node %d: mariadbd did not stop within %lld ms; killing it", node, (long long)grace_ms);
			const char *kill[] = { "systemctl", "kill", "--signal=KILL", GUEST_UNIT, NULL };
			return guest_ok(c, node, "systemctl kill", kill, NULL, GUEST_EXEC_TIMEOUT_MS);
		}
		sleep_ms(500);
	}
	return 0;
}


int guest_node_read_file(struct cluster *c, int node, const char *rel, char **data)
{
	if (relpath_check(rel) < 0)
		return -1;
	char *path = xasprintf("%s/%s", GUEST_DATADIR, rel);
	const char *test[] = { "test", "-e", path, NULL };
	const char *cat[] = { "cat", "--", path, NULL };
	struct strbuf out = {0};
	int rc = guest_exec(c, node, test, NULL, NULL, GUEST_EXEC_TIMEOUT_MS);
	if (rc == 1) {
		lab_error_quiet("node %d: no file '%s' in the guest", node, path);
		errno = ENOENT;
		free(path);
		return -1;
	}
	if (rc == 0)
		rc = guest_exec(c, node, cat, NULL, &out, GUEST_EXEC_TIMEOUT_MS);
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

int guest_node_write_file(struct cluster *c, int node, const char *rel, const char *data, size_t len)
{
	if (relpath_check(rel) < 0)
		return -1;
	if (strlen(data) != len) {
		lab_error("node %d: cannot write binary data to '%s' through the guest agent", node, rel);
		return -1;
	}
	char *of = xasprintf("of=%s/%s", GUEST_DATADIR, rel);
	const char *argv[] = { "runuser", "-u", "mysql", "--", "dd", of, "status=none", NULL };
	int rc = guest_ok(c, node, "writing a datadir file", argv, data, GUEST_EXEC_TIMEOUT_MS);
	free(of);
	return rc;
}

int guest_node_delete_file(struct cluster *c, int node, const char *rel)
{
	if (relpath_check(rel) < 0 || relpath_glob_check(rel) < 0)
		return -1;
	if (rel[strlen(rel) - 1] != '*') {
		char *path = xasprintf("%s/%s", GUEST_DATADIR, rel);
		const char *argv[] = { "rm", "--", path, NULL };
		int rc = guest_ok(c, node, "rm", argv, NULL, GUEST_EXEC_TIMEOUT_MS);
		free(path);
		return rc;
	}
	/* NAME* in a directory: find's -name takes the pattern, no shell */
	const char *slash = strrchr(rel, '/');
	char *dir = slash ? xasprintf("%s/%.*s", GUEST_DATADIR, (int)(slash - rel), rel) : xstrdup(GUEST_DATADIR);
	const char *argv[] = { "find", dir, "-mindepth", "1", "-maxdepth", "1", "-name", slash ? slash + 1 : rel,
			       "-print", "-delete", NULL };
	struct strbuf out = { 0 };
	int rc = guest_exec(c, node, argv, NULL, &out, GUEST_EXEC_TIMEOUT_MS);
	if (rc == 0 && !out.len) {
		lab_error("no file '%s' in node %d's datadir", rel, node);
		rc = -1;
	} else if (rc != 0) {
		lab_error("node %d: deleting '%s' failed: %.300s", node, rel, out.len ? out.buf : "no output");
		rc = -1;
	}
	sb_release(&out);
	free(dir);
	return rc;
}


int guest_partition(struct cluster *c, const uint32_t *member_of)
{
	for (int i = 1; i <= c->spec.nodes; i++) {
		struct strbuf set = {0}, rules = {0};
		for (int j = 1; j <= c->spec.nodes; j++)
			if (!partition_can_talk(member_of, i, j))
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
		int rc = guest_ok(c, i, "nft (partition)", argv, rules.buf, GUEST_EXEC_TIMEOUT_MS);
		sb_release(&set);
		sb_release(&rules);
		if (rc < 0)
			return -1;
	}
	cluster_state_set(c, "guest.partitioned", "1");
	return cluster_state_save(c);
}

int guest_heal(struct cluster *c)
{
	const char *argv[] = { "nft", "-f", "-", NULL };
	int rc = 0;
	for (int i = 1; i <= c->spec.nodes; i++)
		if (guest_ok(c, i, "nft (heal)", argv, "table inet lab_partition {}\ndelete table inet lab_partition\n",
			     GUEST_EXEC_TIMEOUT_MS) < 0)
			rc = -1;
	if (rc == 0)
		cluster_state_set(c, "guest.partitioned", NULL);
	cluster_state_save(c);
	return rc;
}

void guest_host_from_state(struct cluster *c, const char *prefix, int node)
{
	char key[48];
	const char *addr;

	snprintf(key, sizeof(key), "%s.addr.%d", prefix, node);
	addr = cluster_state_get(c, key);
	if (addr) {
		lab_strlcpy(c->hosts[node - 1].host, addr, sizeof(c->hosts[node - 1].host));
		c->hosts[node - 1].port = 3306;
	}
}
