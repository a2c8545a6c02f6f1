/*
 * manager_pacemaker.c — the `pacemaker` failover manager: real Corosync 3
 * and Pacemaker 2 (Debian's corosync, pacemaker, resource-agents) on every
 * node of a local cluster, running the databases as Pacemaker resources
 * with Debian's agents and fencing with lab's own fence agent.
 *
 * One node = one "machine". Its daemons run under an anchor process
 * (`lab _pcmk-node STATE N`, pcmk_node_main) that the backend starts in the
 * node's network namespace (so a partition cuts Corosync's ring too) and,
 * with powerfs, in the mount namespace where the node's datadir is. The
 * anchor unshares a mount and a UTS namespace of its own and gives the
 * node a private view of the machine:
 *
 *   hostname                 nI (Pacemaker's node name)
 *   /run, /dev/shm           fresh tmpfs (libqb's IPC files, pid files);
 *                            /run/netns is carried over (the fence agent
 *                            reaches the other nodes' namespaces)
 *   /etc/corosync            STATE/nI/manager/etc-corosync (corosync.conf)
 *   /var/lib/corosync        STATE/nI/manager/lib-corosync
 *   /var/lib/pacemaker       STATE/nI/manager/lib-pacemaker (the CIB)
 *   /var/log/pacemaker       STATE/nI/manager-log (pacemaker.log, corosync.log)
 *   /var/lib/mysql           STATE/nI (recursive: the powerfs datadir too),
 *                            so that the one resource definition of the
 *                            clone means each node's own files, and the
 *                            socket, pid file and error log are where lab
 *                            looks for them
 *   /usr/sbin                an overlay adding fence_lab (a link to lab)
 *
 * then starts `corosync -f` and `pacemakerd`, and stays as their parent;
 * SIGTERM shuts the node down cleanly (pacemakerd first: its resources
 * stop or move, then corosync). Its pid file is STATE/nI/manager/anchor.pid
 * ("PID START"), read fresh by everyone, since the fence agent boots nodes
 * from another process. Pacemaker's libqb IPC uses abstract unix sockets,
 * which belong to the network namespace: three pacemakerds on one machine
 * do not see each other.
 *
 * The databases (async / semisync): ocf:heartbeat:mariadb, a promotable
 * clone (one promoted), GTID based. Its start turns semi-sync on on every
 * node (the agent's own choice, whatever lab's flavor is), its monitor
 * elects the node with the highest GTID when there is no promoted one, and
 * its promote / post-promote notification repoint the replicas
 * (MASTER_HOST is each node's address, from the node attribute
 * db_mysql_master_IP). lab's flavor brings the cluster up first (users,
 * bank database, replication), then the manager's up stops lab's servers
 * and hands the nodes to Pacemaker. Galera (ocf:heartbeat:galera) is not
 * wired yet: `cannot` says so.
 *
 * Fencing (cluster.fencing, default on): stonith-enabled=true and one
 * stonith device of type fence_lab for every node. fence_lab is lab itself
 * (pcmk_fence_main, chosen by argv[0]): off and reboot are the local
 * backend's hard reset of the target node (every process of the node
 * SIGKILLed at once, powerfs drops its un-synced writes), reboot then boots
 * the node again (its anchor, which starts Corosync and Pacemaker). Each
 * fence is appended to STATE/manager-events.log. With fencing off
 * stonith-enabled=false and no device.
 *
 * State keys: manager (pacemaker), manager.fencing (1 | 0).
 */
#include "cluster.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RSC "db"                     /* the primitive; the clone is db-clone */
#define UP_TIMEOUT_MS 240000
#define NODE_STOP_MS 120000
#define SERVER_STOP_MS 300000
#define MOUNT_HOME "/var/lib/mysql"   /* where each node sees STATE/nI */
#define FENCE_BOOT_MS 10000          /* a fenced node's boot time (reboot) */

extern const struct manager_ops manager_pacemaker;

static const char *const needed_programs[] = {
	"/usr/sbin/corosync", "/usr/sbin/pacemakerd", "/usr/sbin/crm_mon", "/usr/sbin/cibadmin",
	"/usr/sbin/crm_attribute", "/usr/lib/ocf/resource.d/heartbeat/mariadb",
	"/usr/lib/ocf/resource.d/heartbeat/galera", "/usr/bin/mysqld_safe", NULL,
};
static const char *const needed_dirs[] = {
	"/etc/corosync", "/var/lib/corosync", "/var/lib/pacemaker", "/var/log/pacemaker", MOUNT_HOME, NULL,
};

static bool is_galera(const struct cluster *c)
{
	return !strcmp(c->flavor->name, "galera");
}

static const char *pcmk_unavailable(void)
{
	static char why[256];

	if (geteuid() != 0)
		return "needs root (namespaces, mounts)";
	for (size_t i = 0; needed_programs[i]; i++)
		if (!path_exists(needed_programs[i])) {
			snprintf(why, sizeof(why), "no '%s' (install corosync, pacemaker, resource-agents: make deps)",
				 needed_programs[i]);
			return why;
		}
	for (size_t i = 0; needed_dirs[i]; i++)
		if (!path_exists(needed_dirs[i])) {
			snprintf(why, sizeof(why), "no directory '%s' to mount each node's own over (make deps)",
				 needed_dirs[i]);
			return why;
		}
	if (!getpwnam("hacluster") || !getgrnam("haclient"))
		return "no user 'hacluster' / group 'haclient' (install pacemaker: make deps)";
	return NULL;
}

static const char *pcmk_cannot(const struct cluster *c)
{
	if (!c->backend->node_spawn_daemon || !c->backend->node_dir || !c->backend->node_netns)
		return "it runs on the local backend only (its daemons live in the nodes' namespaces)";
	if (!c->flavor->node_config)
		return "its flavor has no server configuration for the resource agent";
	if (c->spec.nodes < 2)
		return "a failover manager needs at least 2 nodes";
	if (c->spec.version)
		return "the agent starts the installed server build; cluster.version is not supported with a manager";
	for (int i = 0; i < LAB_MAX_NODES; i++)
		if (c->spec.versions[i])
			return "the agent starts the installed server build; cluster.versions is not supported with a manager";
	return NULL;
}

/* ---- paths ---- */

static char *node_path(struct cluster *c, int node, const char *rel)
{
	return xasprintf("%s/%s", c->backend->node_dir(c, node), rel);
}

/* The node's anchor (its pid file, same start time), or 0. */
static pid_t anchor_pid_at(const char *node_dir)
{
	char *path = xasprintf("%s/manager/anchor.pid", node_dir);
	char *text = path_exists(path) ? read_file(path, NULL) : NULL;
	unsigned long long start = 0, now = 0;
	char st = '?';
	int pid = 0;

	free(path);
	if (!text)
		return 0;
	if (sscanf(text, "%d %llu", &pid, &start) != 2 || pid <= 1)
		pid = 0;
	free(text);
	if (pid > 0) {
		waitpid(pid, NULL, WNOHANG);
		if (proc_stat(pid, &now, &st) < 0 || now != start || st == 'Z' || st == 'X')
			pid = 0;
	}
	return pid;
}

static pid_t anchor_pid(struct cluster *c, int node)
{
	return anchor_pid_at(c->backend->node_dir(c, node));
}

/* True while an anchor holds STATE/nI/manager/anchor.lock: from the start
 * of a boot (a fenced node's delayed one too) to the end of its stack. */
static bool anchor_lock_held(const char *node_dir)
{
	char *path = xasprintf("%s/manager/anchor.lock", node_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool held = false;

	free(path);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		held = errno == EWOULDBLOCK;
	else
		flock(fd, LOCK_UN);
	close(fd);
	return held;
}

/* The node's manager runs or is booting. */
static bool pcmk_node_running(struct cluster *c, int node)
{
	return anchor_pid(c, node) > 0 || anchor_lock_held(c->backend->node_dir(c, node));
}

/* Run argv in node's namespaces (through its anchor). Returns run_argv's
 * status, -1 when the node's manager does not run. */
static int in_node(struct cluster *c, int node, const char *const *argv, struct strbuf *out, int64_t timeout_ms)
{
	pid_t pid = anchor_pid(c, node);
	const char *v[32];
	char target[32];
	size_t n = 0;

	if (pid <= 0) {
		lab_error("node %d: Pacemaker does not run there", node);
		return -1;
	}
	snprintf(target, sizeof(target), "--target=%d", (int)pid);
	v[n++] = "nsenter";
	v[n++] = target;
	v[n++] = "--net";
	v[n++] = "--mount";
	v[n++] = "--uts";
	v[n++] = "--";
	for (size_t i = 0; argv[i] && n < ARRAY_SIZE(v) - 1; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	struct run_opts o = { .timeout_ms = timeout_ms, .out = out };
	return run_argv(v, &o);
}

/* ---- the node's files ---- */

static int chown_to(const char *path, const char *user, const char *group)
{
	struct passwd *pw = getpwnam(user);
	struct group *gr = getgrnam(group);

	if (!pw || !gr || chown(path, pw->pw_uid, gr->gr_gid) < 0) {
		lab_error("cannot chown '%s' to %s:%s: %s", path, user, group, pw && gr ? strerror(errno) : "no such user");
		return -1;
	}
	return 0;
}

static int mkdir_owned(const char *path, mode_t mode, const char *user, const char *group)
{
	if (mkdir_p(path, mode) < 0 || chown_to(path, user, group) < 0)
		return -1;
	if (chmod(path, mode) < 0) {
		lab_error("cannot chmod '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static char *corosync_conf(struct cluster *c, const char *log_dir)
{
	struct strbuf sb = { 0 };

	sb_printf(&sb,
		  "# written by lab (manager_pacemaker.c) for cluster '%s'\n"
		  "totem {\n  version: 2\n  cluster_name: lab-%s\n  transport: knet\n"
		  "  crypto_cipher: none\n  crypto_hash: none\n  token: 3000\n}\n"
		  "nodelist {\n",
		  c->name, c->name);
	for (int i = 1; i <= c->spec.nodes; i++)
		sb_printf(&sb, "  node {\n    ring0_addr: %s\n    name: n%d\n    nodeid: %d\n  }\n", c->hosts[i - 1].host,
			  i, i);
	sb_printf(&sb, "}\nquorum {\n  provider: corosync_votequorum\n%s}\n", c->spec.nodes == 2 ? "  two_node: 1\n" : "");
	sb_printf(&sb,
		  "logging {\n  to_logfile: yes\n  logfile: %s/corosync.log\n  to_syslog: no\n  to_stderr: no\n"
		  "  timestamp: on\n}\n",
		  log_dir);
	return sb.buf;
}

/* my.cnf of the node, for the agent's --defaults-file: the flavor's options
 * (role-neutral), the backend's (address, port, tmpdir), the scenario's. */
static int write_server_config(struct cluster *c, int node)
{
	struct strbuf cnf = { 0 };
	char *path = node_path(c, node, "my.cnf"), *tmp = node_path(c, node, "tmp");
	int rc = -1;

	sb_printf(&cnf, "# written by lab for Pacemaker's ocf:heartbeat:%s agent (node %d)\n[mysqld]\n",
		  is_galera(c) ? "galera" : "mariadb", node);
	if (c->flavor->node_config(c, node, &cnf) < 0)
		goto out;
	sb_printf(&cnf, "port=%u\nbind-address=%s\ntmpdir=%s/tmp\n", c->hosts[node - 1].port, c->hosts[node - 1].host,
		  MOUNT_HOME);
	for (size_t i = 0; i < c->spec.n_mysqld; i++)
		sb_printf(&cnf, "%s%s%s\n", c->spec.mysqld[i].key, c->spec.mysqld[i].value && *c->spec.mysqld[i].value ? "=" : "",
			  c->spec.mysqld[i].value ? c->spec.mysqld[i].value : "");
	if (mkdir_owned(tmp, 0750, "mysql", "mysql") < 0 || write_file_atomic(path, cnf.buf, cnf.len, 0640) < 0 ||
	    chown_to(path, "mysql", "mysql") < 0)
		goto out;
	rc = 0;
out:
	sb_release(&cnf);
	free(path);
	free(tmp);
	return rc;
}

/* The node's manager directories and files (kept across boots: the CIB
 * survives a node's power cut, as on a real disk). */
static int prepare_node(struct cluster *c, int node, const char *lab_exe)
{
	char *m = node_path(c, node, "manager"), *logd = node_path(c, node, "manager-log");
	char *p;
	int rc = -1;

	if (mkdir_p(m, 0755) < 0 || mkdir_owned(logd, 0770, "hacluster", "haclient") < 0)
		goto out;
	static const char *const plain[] = { "etc-corosync", "lib-corosync", "sbin", "netns", NULL };
	for (size_t i = 0; plain[i]; i++) {
		p = xasprintf("%s/%s", m, plain[i]);
		int r = mkdir_p(p, 0755);
		free(p);
		if (r < 0)
			goto out;
	}
	static const char *const pm[] = { "lib-pacemaker", "lib-pacemaker/blackbox", "lib-pacemaker/cib",
					  "lib-pacemaker/cores", "lib-pacemaker/pengine", NULL };
	for (size_t i = 0; pm[i]; i++) {
		p = xasprintf("%s/%s", m, pm[i]);
		int r = mkdir_owned(p, 0750, "hacluster", "haclient");
		free(p);
		if (r < 0)
			goto out;
	}
	/* The first boot's CIB: empty but for dc-deadtime, which would make
	 * the nodes wait 20 s for a DC that does not exist yet. Pacemaker
	 * reads a cib.xml without its .sig with a warning. */
	p = xasprintf("%s/lib-pacemaker/cib/cib.xml", m);
	if (!path_exists(p)) {
		static const char seed[] =
			"<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" "
			"admin_epoch=\"0\">\n  <configuration>\n    <crm_config>\n"
			"      <cluster_property_set id=\"cib-bootstrap-options\">\n"
			"        <nvpair id=\"cib-bootstrap-options-dc-deadtime\" name=\"dc-deadtime\" value=\"5s\"/>\n"
			"      </cluster_property_set>\n    </crm_config>\n    <nodes/>\n    <resources/>\n"
			"    <constraints/>\n  </configuration>\n  <status/>\n</cib>\n";
		if (write_file_atomic(p, seed, strlen(seed), 0600) < 0 || chown_to(p, "hacluster", "haclient") < 0) {
			free(p);
			goto out;
		}
	}
	free(p);
	p = xasprintf("%s/etc-corosync/corosync.conf", m);
	{
		char *conf = corosync_conf(c, "/var/log/pacemaker");
		int r = write_file_atomic(p, conf, strlen(conf), 0644);
		free(conf);
		free(p);
		if (r < 0)
			goto out;
	}
	/* fence_lab: lab itself, which acts as the fence agent by its name. */
	p = xasprintf("%s/sbin/fence_lab", m);
	unlink(p);
	if (symlink(lab_exe, p) < 0) {
		lab_error("cannot link '%s' to '%s': %s", p, lab_exe, strerror(errno));
		free(p);
		goto out;
	}
	free(p);
	rc = write_server_config(c, node);
out:
	free(m);
	free(logd);
	return rc;
}

static int self_exe(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n <= 0) {
		lab_error("cannot read /proc/self/exe: %s", strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

/* ---- boot / shutdown of one node ---- */

/* Boot the node: its anchor, which starts Corosync and Pacemaker after
 * delay_ms (a machine's boot time). With no delay, wait until they run. */
static int node_boot_after(struct cluster *c, int node, int64_t delay_ms, bool wait)
{
	char exe[PATH_MAX], num[16], delay[32];
	char *log;
	pid_t pid;
	int64_t deadline;

	if (pcmk_node_running(c, node)) {
		lab_info("node %d: Pacemaker runs (or is booting) there already", node);
		return 0;
	}
	if (self_exe(exe, sizeof(exe)) < 0 || prepare_node(c, node, exe) < 0)
		return -1;
	snprintf(num, sizeof(num), "%d", node);
	snprintf(delay, sizeof(delay), "%" PRId64, delay_ms);
	const char *argv[] = { exe, "_pcmk-node", c->state_dir, num, delay, NULL };
	log = node_path(c, node, "manager-log/node.log");
	if (c->backend->node_spawn_daemon(c, node, argv, log, &pid) < 0) {
		free(log);
		return -1;
	}
	if (delay_ms > 0 || !wait) {
		if (delay_ms > 0)
			lab_info("node %d: booting (Corosync and Pacemaker start in %.1f s, anchor pid %d)", node,
				 delay_ms / 1e3, (int)pid);
		else
			lab_info("node %d: booting (anchor pid %d)", node, (int)pid);
		free(log);
		return 0;
	}
	/* The anchor writes its pid file once corosync and pacemakerd run. */
	deadline = mono_ns() + 30000 * 1000000LL;
	while (!(anchor_pid(c, node) > 0)) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid || mono_ns() > deadline) {
			lab_error("node %d: Corosync / Pacemaker did not start; see '%s'", node, log);
			free(log);
			return -1;
		}
		sleep_ms(100);
	}
	lab_info("node %d: booted (Corosync and Pacemaker in its namespaces, anchor pid %d)", node,
		 (int)anchor_pid(c, node));
	free(log);
	return 0;
}

static int pcmk_node_boot(struct cluster *c, int node)
{
	return node_boot_after(c, node, 0, true);
}

/* SIGTERM the anchors of the nodes marked (all when which is NULL) and wait
 * until they are gone or the time is up; 0 when none is left. */
static int shutdown_nodes(struct cluster *c, const bool *which, int64_t timeout_ms)
{
	int64_t deadline = mono_ns() + timeout_ms * 1000000;
	bool left;

	for (int i = 1; i <= c->spec.nodes; i++) {
		pid_t pid = (!which || which[i]) ? anchor_pid(c, i) : 0;
		if (pid > 0)
			kill(pid, SIGTERM);
	}
	for (;;) {
		left = false;
		for (int i = 1; i <= c->spec.nodes; i++)
			if ((!which || which[i]) && anchor_pid(c, i) > 0)
				left = true;
		if (!left || mono_ns() > deadline)
			break;
		sleep_ms(200);
	}
	return left ? -1 : 0;
}

static int pcmk_node_shutdown(struct cluster *c, int node)
{
	bool which[LAB_MAX_NODES + 1] = { false };

	which[node] = true;
	if (!pcmk_node_running(c, node)) {
		lab_info("node %d: Pacemaker does not run there", node);
		return 0;
	}
	if (shutdown_nodes(c, which, NODE_STOP_MS) < 0) {
		lab_error("node %d: Pacemaker did not shut down within %d s", node, NODE_STOP_MS / 1000);
		return -1;
	}
	lab_info("node %d: shut down (Pacemaker stopped its resources, then Corosync)", node);
	return 0;
}

static int pcmk_down(struct cluster *c)
{
	if (!c->backend->node_dir)
		return 0;
	/* Clean first (the agent stops each server); what is left after the
	 * bound dies with the node's namespace in the backend's destroy. */
	if (shutdown_nodes(c, NULL, 90000) < 0)
		lab_info("Pacemaker did not shut down everywhere within 90 s; the nodes' processes are killed");
	for (int i = 1; i <= c->spec.nodes; i++) {
		pid_t pid = anchor_pid(c, i);
		if (pid > 0)
			kill(pid, SIGKILL);
	}
	return 0;
}

/* ---- the manager's view ---- */

/* crm_mon's XML from the first running node whose partition has quorum
 * (else from any running node); malloc'd or NULL. */
static char *crm_mon_xml(struct cluster *c)
{
	char *any = NULL;

	for (int i = 1; i <= c->spec.nodes; i++) {
		struct strbuf out = { 0 };
		const char *argv[] = { "crm_mon", "--one-shot", "--output-as=xml", NULL };
		if (!(anchor_pid(c, i) > 0))
			continue;
		if (in_node(c, i, argv, &out, 20000) == 0 && out.buf) {
			if (strstr(out.buf, "with_quorum=\"true\"")) {
				free(any);
				return out.buf;
			}
			if (!any) {
				any = out.buf;
				continue;
			}
		}
		sb_release(&out);
	}
	return any;
}

int pcmk_mon_instances(const char *xml, const char *role, int *nodes, int max)
{
	int n = 0;
	char want[64];

	snprintf(want, sizeof(want), "role=\"%s\"", role);
	for (const char *p = xml; (p = strstr(p, "<resource id=\"" RSC "\"")); p++) {
		const char *end = strstr(p, "</resource>");
		const char *tag_end = strchr(p, '>');
		const char *r = strstr(p, want), *a = strstr(p, "active=\"true\""), *nn = strstr(p, "<node name=\"n");
		if (!end || !tag_end || !r || r > tag_end || !a || a > tag_end || !nn || nn > end)
			continue;
		int k = atoi(nn + strlen("<node name=\"n"));
		if (k >= 1 && n < max)
			nodes[n++] = k;
	}
	return n;
}

static int pcmk_primary(struct cluster *c)
{
	char *xml = crm_mon_xml(c);
	int nodes[LAB_MAX_NODES], n;

	if (!xml)
		return 0;
	n = pcmk_mon_instances(xml, "Promoted", nodes, LAB_MAX_NODES);
	free(xml);
	return n == 1 ? nodes[0] : 0;
}

/* ---- what Pacemaker did: its logs and fence_lab's ---- */

/* "Dec 05 03:33:12[.345]" at the start of line: Unix seconds (the log is
 * in local time and has no year: the year that puts it nearest ref). */
static int log_time(const char *line, double ref, double *t, const char **rest)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4];
	int day, hh, mm, ss, used = 0;
	const char *m;

	if (sscanf(line, "%3s %d %d:%d:%d%n", mon, &day, &hh, &mm, &ss, &used) != 5 || used == 0 ||
	    !(m = strstr(months, mon)) || (m - months) % 3 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -1;
	double frac = 0;
	const char *p = line + used;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	time_t rt = (time_t)ref;
	struct tm ref_tm;
	localtime_r(&rt, &ref_tm);
	double best = 0;
	for (int dy = -1; dy <= 1; dy++) {
		struct tm tm = { .tm_year = ref_tm.tm_year + dy, .tm_mon = (int)((m - months) / 3), .tm_mday = day,
				 .tm_hour = hh, .tm_min = mm, .tm_sec = ss, .tm_isdst = -1 };
		double cand = (double)mktime(&tm) + frac;
		if (dy == -1 || fabs(cand - ref) < fabs(best - ref))
			best = cand;
	}
	*t = best;
	*rest = p;
	return 0;
}

static void copy_until(char *dst, size_t size, const char *src, const char *stops)
{
	size_t n = strcspn(src, stops);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	while (n && dst[n - 1] == ' ')
		dst[--n] = '\0';
}

int pcmk_log_event(const char *line, double ref, struct manager_event *ev)
{
	static const char *const ops[] = { "start", "stop", "promote", "demote", "monitor" };
	const char *rest, *p;
	char op[16];
	int node = 0, used = 0;

	memset(ev, 0, sizeof(*ev));
	if (log_time(line, ref, &ev->t, &rest) < 0)
		return 0;
	if ((p = strstr(rest, "Result of ")) &&
	    sscanf(p, "Result of %15s operation for " RSC " on n%d: %n", op, &node, &used) == 2 && used > 0) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(ops) && strcmp(op, ops[i]); i++)
			;
		if (i == ARRAY_SIZE(ops))
			return 0; /* probes, notifications */
		copy_until(ev->result, sizeof(ev->result), p + used, "|\r\n");
		if (!strcmp(op, "monitor")) {
			/* a recurring monitor logs only a change: a failure, or
			 * the database back as it should be; a role change
			 * cancels the old role's monitor */
			if (!strcmp(ev->result, "ok") || !strncmp(ev->result, "promoted", 8) ||
			    !strcmp(ev->result, "Cancelled"))
				return 0;
			lab_strlcpy(ev->kind, "failed", sizeof(ev->kind));
		} else {
			lab_strlcpy(ev->kind, op, sizeof(ev->kind));
		}
	} else if ((p = strstr(rest, "Node <n")) && sscanf(p, "Node <n%d> is bootstrapping the cluster%n", &node, &used) == 1 &&
		   used > 0) {
		/* ocf:heartbeat:galera chose this node to start a new
		 * Primary component (the most advanced, or safe_to_bootstrap) */
		lab_strlcpy(ev->kind, "bootstrap", sizeof(ev->kind));
		lab_strlcpy(ev->result, "new Primary component", sizeof(ev->result));
	} else if ((p = strstr(rest, "Node n")) && sscanf(p, "Node n%d state is now lost%n", &node, &used) == 1 &&
		   used > 0) {
		lab_strlcpy(ev->kind, "lost", sizeof(ev->kind));
		lab_strlcpy(ev->result, "left the membership", sizeof(ev->result));
	} else {
		return 0;
	}
	if (node < 1 || node > LAB_MAX_NODES)
		return 0;
	ev->node = node;
	copy_until(ev->detail, sizeof(ev->detail), p, "|\r\n");
	return 1;
}

/* fence_lab's record: "UNIX UTC fence ACTION nK: power cut (...) (run by
 * fenced on nJ)"; the "booting again" lines are not fences. */
static int fence_log_event(const char *line, struct manager_event *ev)
{
	const char *p = strstr(line, " fence ");
	char action[16];
	int node = 0, used = 0;

	memset(ev, 0, sizeof(*ev));
	if (!p || sscanf(line, "%lf", &ev->t) != 1 ||
	    sscanf(p, " fence %15s n%d%n", action, &node, &used) != 2 || node < 1 || node > LAB_MAX_NODES)
		return 0;
	if (strstr(p, "booting again"))
		return 0;
	ev->node = node;
	lab_strlcpy(ev->kind, "fence", sizeof(ev->kind));
	lab_strlcpy(ev->result, strstr(p, "FAILED") ? "failed" : "power cut", sizeof(ev->result));
	copy_until(ev->detail, sizeof(ev->detail), p + 7, "\r\n");
	return 1;
}

static int event_cmp(const void *a, const void *b)
{
	const struct manager_event *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t ? 1 : x->node - y->node;
}

static void add_event(struct manager_event **v, size_t *n, size_t *cap, const struct manager_event *ev)
{
	/* Every daemon of every node logs a lost peer; an operation's result
	 * may be logged by its node and the DC: one event each. */
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].node == ev->node && !strcmp((*v)[i].kind, ev->kind) &&
		    !strcmp((*v)[i].result, ev->result) && fabs((*v)[i].t - ev->t) < 2.0)
			return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = *ev;
}

static int pcmk_events(struct cluster *c, double since, struct manager_event **out, size_t *n)
{
	struct manager_event *v = NULL, ev;
	size_t nv = 0, cap = 0;
	double now = wall_seconds();

	for (int i = 0; i <= c->spec.nodes; i++) {
		char *path = i ? node_path(c, i, "manager-log/pacemaker.log")
			       : xasprintf("%s/manager-events.log", c->state_dir);
		/* no fence yet, or a node that never booted: no log */
		char *text = path_exists(path) ? read_file(path, NULL) : NULL;
		free(path);
		if (!text)
			continue;
		for (char *line = text, *eol; line && *line; line = eol ? eol + 1 : NULL) {
			eol = strchr(line, '\n');
			if (eol)
				*eol = '\0';
			int got = i ? pcmk_log_event(line, now, &ev) : fence_log_event(line, &ev);
			if (!got || ev.t < since - 1.0 || ev.node > c->spec.nodes)
				continue;
			/* a node lost is each observer's view: a node cut off
			 * sees the others lost too */
			if (!strcmp(ev.kind, "lost")) {
				if (ev.node == i)
					continue;
				snprintf(ev.result, sizeof(ev.result), "left n%d's membership", i);
			}
			add_event(&v, &nv, &cap, &ev);
		}
		free(text);
	}
	if (nv)
		qsort(v, nv, sizeof(*v), event_cmp);
	*out = v;
	*n = nv;
	return 0;
}

/* crm_mon's text view, from the first running node whose partition has
 * quorum (else the first that answers). */
static int pcmk_status(struct cluster *c, struct strbuf *out)
{
	struct strbuf fallback = { 0 };
	int fallback_node = 0;

	for (int i = 1; i <= c->spec.nodes; i++) {
		const char *argv[] = { "crm_mon", "--one-shot", "--inactive", "--failcounts", "--fence-history=2",
				       NULL };
		struct strbuf o = { 0 };
		if (!(anchor_pid(c, i) > 0))
			continue;
		if (in_node(c, i, argv, &o, 20000) >= 0 && o.len) {
			if (strstr(o.buf, "partition with quorum")) {
				sb_printf(out, "Pacemaker, as node %d sees it (crm_mon, quorate partition):\n%s", i, o.buf);
				sb_release(&o);
				sb_release(&fallback);
				return 0;
			}
			if (!fallback_node) {
				fallback_node = i;
				fallback = o;
				continue;
			}
		}
		sb_release(&o);
	}
	if (fallback_node)
		sb_printf(out, "Pacemaker, as node %d sees it (crm_mon; no running node has quorum):\n%s", fallback_node,
			  fallback.buf);
	else
		sb_puts(out, "Pacemaker: not running on any node\n");
	sb_release(&fallback);
	return 0;
}

/* ---- up: hand lab's servers to Pacemaker ---- */

static char *xml_escape(const char *s)
{
	struct strbuf sb = { 0 };

	sb_puts(&sb, "");
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_puts(&sb, "&amp;"); break;
		case '<': sb_puts(&sb, "&lt;"); break;
		case '>': sb_puts(&sb, "&gt;"); break;
		case '"': sb_puts(&sb, "&quot;"); break;
		case '\'': sb_puts(&sb, "&apos;"); break;
		default: sb_add(&sb, s, 1);
		}
	}
	return sb.buf;
}

static void wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

/* Galera: ocf:heartbeat:galera, a promotable clone with every instance
 * promoted (promoted = a running member; unpromoted = stopped, its last
 * seqno known). The agent bootstraps the node with safe_to_bootstrap, else
 * the highest seqno, once every node reported; the others join it. Galera
 * names are the nodes' addresses (cluster_host_map maps nI to them).
 * binary is the agent's default, mysqld_safe: it recovers the position
 * with --wsrep-recover and passes --wsrep-start-position. Started as
 * mariadbd, a node whose grastate.dat says seqno -1 (after any crash)
 * starts from position 00000000-...:-1: measured, after a power loss of
 * every node the agent's bootstrap node began a new history (a new state
 * UUID) and every other node took a full SST. mysqld_safe also restarts a
 * killed server by itself, as it does on the DBA's machines. */
static char *galera_clone_xml(struct cluster *c)
{
	struct strbuf sb = { 0 }, addr = { 0 }, map = { 0 };

	for (int i = 1; i <= c->spec.nodes; i++) {
		sb_printf(&addr, "%s%s", i > 1 ? "," : "", c->hosts[i - 1].host);
		sb_printf(&map, "%sn%d:%s", i > 1 ? ";" : "", i, c->hosts[i - 1].host);
	}
	sb_printf(&sb,
		  "<clone id=\"" RSC "-clone\">"
		  "<meta_attributes id=\"" RSC "-clone-meta\">"
		  "<nvpair id=\"" RSC "-clone-promotable\" name=\"promotable\" value=\"true\"/>"
		  "<nvpair id=\"" RSC "-clone-max\" name=\"clone-max\" value=\"%d\"/>"
		  "<nvpair id=\"" RSC "-clone-promoted-max\" name=\"promoted-max\" value=\"%d\"/>"
		  "</meta_attributes>"
		  "<primitive id=\"" RSC "\" class=\"ocf\" provider=\"heartbeat\" type=\"galera\">"
		  "<instance_attributes id=\"" RSC "-ia\">"
		  "<nvpair id=\"" RSC "-binary\" name=\"binary\" value=\"/usr/bin/mysqld_safe\"/>"
		  "<nvpair id=\"" RSC "-config\" name=\"config\" value=\"" MOUNT_HOME "/my.cnf\"/>"
		  "<nvpair id=\"" RSC "-datadir\" name=\"datadir\" value=\"" MOUNT_HOME "/data\"/>"
		  "<nvpair id=\"" RSC "-log\" name=\"log\" value=\"" MOUNT_HOME "/error.log\"/>"
		  "<nvpair id=\"" RSC "-pid\" name=\"pid\" value=\"" MOUNT_HOME "/mysqld.pid\"/>"
		  "<nvpair id=\"" RSC "-socket\" name=\"socket\" value=\"" MOUNT_HOME "/mysqld.sock\"/>"
		  "<nvpair id=\"" RSC "-address\" name=\"wsrep_cluster_address\" value=\"gcomm://%s\"/>"
		  "<nvpair id=\"" RSC "-map\" name=\"cluster_host_map\" value=\"%s\"/>"
		  "<nvpair id=\"" RSC "-check-user\" name=\"check_user\" value=\"pcmk\"/>"
		  "<nvpair id=\"" RSC "-check-passwd\" name=\"check_passwd\" value=\"lrm://\"/>"
		  "</instance_attributes>"
		  "<operations>"
		  "<op id=\"" RSC "-start\" name=\"start\" interval=\"0\" timeout=\"300s\"/>"
		  "<op id=\"" RSC "-stop\" name=\"stop\" interval=\"0\" timeout=\"300s\"/>"
		  "<op id=\"" RSC "-promote\" name=\"promote\" interval=\"0\" timeout=\"300s\"/>"
		  "<op id=\"" RSC "-demote\" name=\"demote\" interval=\"0\" timeout=\"120s\"/>"
		  "<op id=\"" RSC "-monitor-promoted\" name=\"monitor\" interval=\"3s\" role=\"Promoted\" timeout=\"30s\"/>"
		  "<op id=\"" RSC "-monitor-unpromoted\" name=\"monitor\" interval=\"4s\" role=\"Unpromoted\" timeout=\"30s\"/>"
		  "</operations>"
		  "</primitive>"
		  "</clone>",
		  c->spec.nodes, c->spec.nodes, addr.buf, map.buf);
	sb_release(&addr);
	sb_release(&map);
	return sb.buf;
}

static char *db_clone_xml(struct cluster *c)
{
	struct strbuf sb = { 0 }, nodes = { 0 };

	if (is_galera(c))
		return galera_clone_xml(c);

	for (int i = 1; i <= c->spec.nodes; i++)
		sb_printf(&nodes, "%sn%d", i > 1 ? " " : "", i);
	sb_printf(&sb,
		  "<clone id=\"" RSC "-clone\">"
		  "<meta_attributes id=\"" RSC "-clone-meta\">"
		  "<nvpair id=\"" RSC "-clone-promotable\" name=\"promotable\" value=\"true\"/>"
		  "<nvpair id=\"" RSC "-clone-notify\" name=\"notify\" value=\"true\"/>"
		  "<nvpair id=\"" RSC "-clone-max\" name=\"clone-max\" value=\"%d\"/>"
		  "<nvpair id=\"" RSC "-clone-promoted-max\" name=\"promoted-max\" value=\"1\"/>"
		  "</meta_attributes>"
		  "<primitive id=\"" RSC "\" class=\"ocf\" provider=\"heartbeat\" type=\"mariadb\">"
		  "<instance_attributes id=\"" RSC "-ia\">"
		  "<nvpair id=\"" RSC "-binary\" name=\"binary\" value=\"/usr/sbin/mariadbd\"/>"
		  "<nvpair id=\"" RSC "-config\" name=\"config\" value=\"" MOUNT_HOME "/my.cnf\"/>"
		  "<nvpair id=\"" RSC "-datadir\" name=\"datadir\" value=\"" MOUNT_HOME "/data\"/>"
		  "<nvpair id=\"" RSC "-log\" name=\"log\" value=\"" MOUNT_HOME "/error.log\"/>"
		  "<nvpair id=\"" RSC "-pid\" name=\"pid\" value=\"" MOUNT_HOME "/mysqld.pid\"/>"
		  "<nvpair id=\"" RSC "-socket\" name=\"socket\" value=\"" MOUNT_HOME "/mysqld.sock\"/>"
		  "<nvpair id=\"" RSC "-node-list\" name=\"node_list\" value=\"%s\"/>"
		  "<nvpair id=\"" RSC "-repl-user\" name=\"replication_user\" value=\"pcmk\"/>"
		  "<nvpair id=\"" RSC "-repl-passwd\" name=\"replication_passwd\" value=\"lrm://\"/>"
		  "<nvpair id=\"" RSC "-test-user\" name=\"test_user\" value=\"pcmk\"/>"
		  "<nvpair id=\"" RSC "-test-passwd\" name=\"test_passwd\" value=\"lrm://\"/>"
		  "</instance_attributes>"
		  "<operations>"
		  "<op id=\"" RSC "-start\" name=\"start\" interval=\"0\" timeout=\"300s\"/>"
		  "<op id=\"" RSC "-stop\" name=\"stop\" interval=\"0\" timeout=\"300s\"/>"
		  "<op id=\"" RSC "-promote\" name=\"promote\" interval=\"0\" timeout=\"120s\"/>"
		  "<op id=\"" RSC "-demote\" name=\"demote\" interval=\"0\" timeout=\"120s\"/>"
		  "<op id=\"" RSC "-notify\" name=\"notify\" interval=\"0\" timeout=\"120s\"/>"
		  "<op id=\"" RSC "-monitor-promoted\" name=\"monitor\" interval=\"2s\" role=\"Promoted\" timeout=\"30s\"/>"
		  "<op id=\"" RSC "-monitor-unpromoted\" name=\"monitor\" interval=\"3s\" role=\"Unpromoted\" timeout=\"30s\"/>"
		  "</operations>"
		  "</primitive>"
		  "</clone>",
		  c->spec.nodes, nodes.buf);
	sb_release(&nodes);
	return sb.buf;
}

/* Pacemaker's CIB secrets on one node: /var/lib/pacemaker/lrm/secrets/RSC/
 * PARAM holds the value, PARAM.sign its MD5 (hex); pacemaker-execd puts
 * it in place of lrm:// when it runs the agent. */
static int write_secrets(struct cluster *c, int node, const char *pw)
{
	char *dir = node_path(c, node, "manager/lib-pacemaker/lrm/secrets/" RSC);
	struct strbuf md5 = { 0 };
	const char *argv[] = { "md5sum", NULL };
	struct run_opts o = { .timeout_ms = 10000, .out = &md5, .stdin_data = pw };
	int rc = -1;

	if (mkdir_p(dir, 0700) < 0 || run_argv(argv, &o) != 0 || md5.len < 32) {
		lab_error("node %d: cannot write the agent's CIB secrets in '%s'", node, dir);
		goto out;
	}
	md5.buf[32] = '\0';
	static const char *const mariadb_params[] = { "replication_passwd", "test_passwd", NULL };
	static const char *const galera_params[] = { "check_passwd", NULL };
	const char *const *params = is_galera(c) ? galera_params : mariadb_params;
	for (size_t i = 0; params[i]; i++) {
		char *f = xasprintf("%s/%s", dir, params[i]), *g = xasprintf("%s/%s.sign", dir, params[i]);
		int r = write_file_atomic(f, pw, strlen(pw), 0600) < 0 || write_file_atomic(g, md5.buf, 32, 0600) < 0;
		free(f);
		free(g);
		if (r)
			goto out;
	}
	rc = 0;
out:
	free(dir);
	sb_release(&md5);
	return rc;
}

static char *fence_xml(struct cluster *c)
{
	struct strbuf sb = { 0 }, nodes = { 0 };
	char *dir = xml_escape(c->state_dir);

	for (int i = 1; i <= c->spec.nodes; i++)
		sb_printf(&nodes, "%sn%d", i > 1 ? " " : "", i);
	sb_printf(&sb,
		  "<primitive id=\"fence-lab\" class=\"stonith\" type=\"fence_lab\">"
		  "<instance_attributes id=\"fence-lab-ia\">"
		  "<nvpair id=\"fence-lab-hosts\" name=\"pcmk_host_list\" value=\"%s\"/>"
		  "<nvpair id=\"fence-lab-state-dir\" name=\"state_dir\" value=\"%s\"/>"
		  "<nvpair id=\"fence-lab-cluster\" name=\"cluster\" value=\"%s\"/>"
		  "</instance_attributes>"
		  "<operations><op id=\"fence-lab-monitor\" name=\"monitor\" interval=\"60s\"/></operations>"
		  "</primitive>",
		  nodes.buf, dir, c->name);
	free(dir);
	sb_release(&nodes);
	return sb.buf;
}

/* Run a Pacemaker command in node's namespaces; -1 (reported with its
 * output) unless it exits 0. what names it; the output never holds the
 * password (the CIB XML is passed on argv, but crm tools do not echo it). */
static int crm(struct cluster *c, int node, const char *const *argv, const char *what)
{
	struct strbuf out = { 0 };
	int rc = in_node(c, node, argv, &out, 60000);

	if (rc != 0) {
		if (rc > 0)
			lab_error("node %d: %s failed (status %d): %s", node, what, rc, out.len ? out.buf : "no output");
		sb_release(&out);
		return -1;
	}
	sb_release(&out);
	return 0;
}

/* Until crm_mon (any node's, preferring the quorate view) says the pred. */
static int wait_for(struct cluster *c, int64_t timeout_ms, const char *what, bool (*pred)(struct cluster *, const char *))
{
	int64_t deadline = mono_ns() + timeout_ms * 1000000;

	for (;;) {
		char *xml = crm_mon_xml(c);
		bool ok = xml && pred(c, xml);
		free(xml);
		if (ok)
			return 0;
		if (mono_ns() > deadline || lab_interrupted) {
			lab_error("Pacemaker: %s not within %lld s (see STATE/nI/manager-log/pacemaker.log)", what,
				  (long long)(timeout_ms / 1000));
			return -1;
		}
		sleep_ms(500);
	}
}

int pcmk_mon_online(const char *xml)
{
	int online = 0;

	if (!strstr(xml, "<current_dc present=\"true\"") || !strstr(xml, "with_quorum=\"true\""))
		return 0;
	/* <nodes><node name="nI" ... online="true" .../> (the resources'
	 * <node> elements have no online attribute) */
	for (const char *p = xml; (p = strstr(p, "<node name=\"n")); p++) {
		const char *end = strchr(p, '>');
		const char *on = strstr(p, "online=\"true\"");
		if (end && on && on < end)
			online++;
	}
	return online;
}

static bool has_dc_and_members(struct cluster *c, const char *xml)
{
	return pcmk_mon_online(xml) >= c->spec.nodes;
}

static bool promoted_and_rest(struct cluster *c, const char *xml)
{
	int nodes[LAB_MAX_NODES];

	if (is_galera(c))
		return pcmk_mon_instances(xml, "Promoted", nodes, LAB_MAX_NODES) == c->spec.nodes;

	return pcmk_mon_instances(xml, "Promoted", nodes, LAB_MAX_NODES) == 1 &&
	       pcmk_mon_instances(xml, "Unpromoted", nodes, LAB_MAX_NODES) == c->spec.nodes - 1;
}

static int pcmk_up(struct cluster *c)
{
	int64_t t0 = mono_ns();
	int n = c->spec.nodes;
	int primary = c->flavor->primary && c->flavor->primary(c) > 0 ? c->flavor->primary(c) : 1;
	char *pw = cluster_lab_password(c), *qpw, *sql, *xml;
	int rc = -1;

	if (!pw)
		return -1;
	/* ocf:heartbeat:mariadb speaks MariaDB only (gtid_current_pos,
	 * MASTER_USE_GTID, built-in semi-sync); lab runs the galera agent
	 * with MariaDB's server only (mariadbd). */
	for (int i = 1; i <= n; i++) {
		const struct server_dialect *sd = cluster_node_dialect(c, i);
		if (strcmp(sd->d->name, "mariadb")) {
			lab_error("node %d runs %s (%s): lab runs Pacemaker's ocf:heartbeat:%s agent with MariaDB only",
				  i, sd->d->name, sd->version, is_galera(c) ? "galera" : "mariadb");
			goto out;
		}
	}
	/* The agent's user (on the primary; the replicas get it by
	 * replication): the lab user's password, every privilege including
	 * READ_ONLY ADMIN, which the agent needs on read-only nodes. */
	qpw = sql_quote(pw);
	sql = xasprintf("CREATE USER IF NOT EXISTS 'pcmk'@'%%' IDENTIFIED BY %s;\n"
			"CREATE USER IF NOT EXISTS 'pcmk'@'localhost' IDENTIFIED BY %s;\n"
			"GRANT ALL PRIVILEGES ON *.* TO 'pcmk'@'%%' WITH GRANT OPTION;\n"
			"GRANT ALL PRIVILEGES ON *.* TO 'pcmk'@'localhost' WITH GRANT OPTION;\n",
			qpw, qpw);
	wipe_free(qpw);
	if (c->backend->node_admin_sql(c, primary, sql, false) < 0) {
		wipe_free(sql);
		goto out;
	}
	wipe_free(sql);
	for (int i = 1; i <= n; i++)
		if (c->flavor->node_wait && c->flavor->node_wait(c, i, "synced", 120000) < 0)
			goto out;
	/* lab's servers go (replicas first, all caught up): Pacemaker
	 * starts them again as its resources. */
	for (int i = n; i >= 1; i--) {
		int k = i == primary ? 0 : i;
		if (!k)
			continue;
		if (c->backend->node_stop(c, k, SERVER_STOP_MS) < 0)
			goto out;
	}
	if (c->backend->node_stop(c, primary, SERVER_STOP_MS) < 0)
		goto out;
	/* Every node boots at once, as after a power-on of the rack. */
	for (int i = 1; i <= n; i++)
		if (node_boot_after(c, i, 0, false) < 0)
			goto out;
	{
		int64_t deadline = mono_ns() + 60000 * 1000000LL;
		for (int i = 1; i <= n; i++)
			while (!(anchor_pid(c, i) > 0)) {
				if (mono_ns() > deadline) {
					lab_error("node %d: Corosync / Pacemaker did not start; see '%s/n%d/manager-log/node.log'",
						  i, c->state_dir, i);
					goto out;
				}
				sleep_ms(100);
			}
	}
	if (wait_for(c, 120000, "a DC with every node online and quorum", has_dc_and_members) < 0)
		goto out;
	lab_info("Pacemaker: %d nodes online with quorum (%.1f s)", n, (mono_ns() - t0) / 1e9);
	{
		const char *argv[] = { "crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update",
				       c->spec.no_fencing ? "false" : "true", NULL };
		if (crm(c, 1, argv, "crm_attribute stonith-enabled") < 0)
			goto out;
	}
	for (int i = 1; i <= n && !is_galera(c); i++) {
		char node[16];
		snprintf(node, sizeof(node), "n%d", i);
		const char *argv[] = { "crm_attribute", "--node", node, "--lifetime", "forever", "--name",
				       RSC "_mysql_master_IP", "--update", c->hosts[i - 1].host, NULL };
		if (crm(c, 1, argv, "crm_attribute " RSC "_mysql_master_IP") < 0)
			goto out;
	}
	if (!c->spec.no_fencing) {
		xml = fence_xml(c);
		const char *argv[] = { "cibadmin", "--create", "--scope", "resources", "--xml-text", xml, NULL };
		int r = crm(c, 1, argv, "cibadmin (the fence_lab device)");
		free(xml);
		if (r < 0)
			goto out;
	}
	/* The agent's password as a CIB secret (the CIB says lrm://): the
	 * CIB, and the CIB diffs Pacemaker logs, never hold it. */
	for (int i = 1; i <= n; i++)
		if (write_secrets(c, i, pw) < 0)
			goto out;
	xml = db_clone_xml(c);
	{
		const char *argv[] = { "cibadmin", "--create", "--scope", "resources", "--xml-text", xml, NULL };
		int r = crm(c, 1, argv, "cibadmin (the " RSC "-clone resource)");
		wipe_free(xml);
		if (r < 0)
			goto out;
	}
	if (wait_for(c, UP_TIMEOUT_MS,
		     is_galera(c) ? "every Galera node promoted (a member)" : "one promoted database and the rest unpromoted",
		     promoted_and_rest) < 0)
		goto out;
	/* Up means replicating: each replica runs both threads from the node
	 * Pacemaker promoted (its post-promote notification repoints them). */
	for (int i = 1; i <= n; i++)
		if (c->flavor->node_wait && c->flavor->node_wait(c, i, "synced", 120000) < 0)
			goto out;
	if (is_galera(c))
		lab_info("Pacemaker runs the Galera nodes (ocf:heartbeat:galera, all promoted), fencing %s (%.1f s)",
			 c->spec.no_fencing ? "off" : "on (fence_lab)", (mono_ns() - t0) / 1e9);
	else
		lab_info("Pacemaker runs the databases: node %d promoted, fencing %s (%.1f s)", pcmk_primary(c),
			 c->spec.no_fencing ? "off" : "on (fence_lab)", (mono_ns() - t0) / 1e9);
	rc = 0;
out:
	wipe_free(pw);
	return rc;
}

const struct manager_ops manager_pacemaker = {
	.name = "pacemaker",
	.description = "Corosync 3 + Pacemaker 2 on every node (ocf:heartbeat:mariadb or galera promotable clone; fence_lab)",
	.unavailable = pcmk_unavailable,
	.cannot = pcmk_cannot,
	.up = pcmk_up,
	.down = pcmk_down,
	.node_boot = pcmk_node_boot,
	.node_shutdown = pcmk_node_shutdown,
	.node_running = pcmk_node_running,
	.status = pcmk_status,
	.primary = pcmk_primary,
	.events = pcmk_events,
};

/* ==== the node's anchor: `lab _pcmk-node STATE N` ==== */

static int mnt(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0) {
		lab_error("cannot mount '%s' on '%s': %s", src ? src : type, dst, strerror(errno));
		return -1;
	}
	return 0;
}

static pid_t start_child(const char *const *argv, char *const *envp)
{
	pid_t pid = fork();

	if (pid < 0) {
		lab_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(argv[0], (char *const *)argv, envp);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static void stamp(const char *fmt, const char *a, int b)
{
	char when[32];

	format_utc(wall_seconds(), when, sizeof(when));
	printf("%s ", when);
	printf(fmt, a, b);
	printf("\n");
	fflush(stdout);
}

/* Wait for pid (our child) until the deadline; true when it is gone. */
static bool wait_child(pid_t pid, int64_t ms)
{
	int64_t deadline = mono_ns() + ms * 1000000;

	while (mono_ns() < deadline) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return true;
		sleep_ms(100);
	}
	return false;
}

int pcmk_node_main(const char *state_dir, int node, int64_t delay_ms)
{
	char nd[PATH_MAX], m[PATH_MAX + 16], p[PATH_MAX + 64], q[PATH_MAX + 64], host[16];
	pid_t coro, pcmkd;
	sigset_t set;
	extern char **environ;

	snprintf(nd, sizeof(nd), "%s/n%d", state_dir, node);
	snprintf(m, sizeof(m), "%s/manager", nd);
	snprintf(host, sizeof(host), "n%d", node);
	/* One anchor a node: the lock is ours until we exit (or die with the
	 * node at a hard reset). */
	{
		snprintf(p, sizeof(p), "%s/anchor.lock", m);
		int lock = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
			lab_error("node %d: another anchor runs or boots it (%s): %s", node, p, strerror(errno));
			return 1;
		}
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0) {
		lab_error("unshare: %s", strerror(errno));
		return 1;
	}
	if (mnt(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return 1;
	if (sethostname(host, strlen(host)) < 0) {
		lab_error("sethostname: %s", strerror(errno));
		return 1;
	}
	/* A fresh /run, keeping /run/netns (the nodes' namespaces). */
	snprintf(p, sizeof(p), "%s/netns", m);
	if (path_exists("/run/netns") && mnt("/run/netns", p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return 1;
	if (mnt("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return 1;
	if (mkdir("/run/netns", 0755) < 0 || mnt(p, "/run/netns", NULL, MS_MOVE, NULL) < 0)
		return 1;
	if (mnt("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return 1;
	/* The client's default socket is the node's: the galera agent's
	 * status queries name no socket. */
	if (mkdir("/run/mysqld", 0755) < 0 || symlink(MOUNT_HOME "/mysqld.sock", "/run/mysqld/mysqld.sock") < 0) {
		lab_error("/run/mysqld/mysqld.sock: %s", strerror(errno));
		return 1;
	}
	static const struct { const char *rel; const char *dst; } binds[] = {
		{ "manager/etc-corosync", "/etc/corosync" },
		{ "manager/lib-corosync", "/var/lib/corosync" },
		{ "manager/lib-pacemaker", "/var/lib/pacemaker" },
		{ "manager-log", "/var/log/pacemaker" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(binds); i++) {
		snprintf(p, sizeof(p), "%s/%s", nd, binds[i].rel);
		if (mnt(p, binds[i].dst, NULL, MS_BIND, NULL) < 0)
			return 1;
	}
	if (mnt(nd, MOUNT_HOME, NULL, MS_BIND | MS_REC, NULL) < 0)
		return 1;
	snprintf(q, sizeof(q), "lowerdir=%s/sbin:/usr/sbin", m);
	if (mnt("overlay", "/usr/sbin", "overlay", MS_RDONLY, q) < 0)
		return 1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);

	/* A rebooted machine is back after its boot time, not at once: a
	 * node that rejoins before the DC has processed its fencing is
	 * refused ("can't go from none to integrated") and stays pending. */
	if (delay_ms > 0) {
		stamp("%s: booting, cluster stack in %d ms", host, (int)delay_ms);
		struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000 };
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return 0;
	}
	const char *cv[] = { "/usr/sbin/corosync", "-f", NULL };
	coro = start_child(cv, environ);
	if (coro < 0)
		return 1;
	stamp("%s started, pid %d", "corosync", (int)coro);
	/* pacemakerd needs Corosync's IPC up. */
	{
		int64_t deadline = mono_ns() + 20000 * 1000000LL;
		for (;;) {
			const char *argv[] = { "corosync-cmapctl", "-g", "totem.cluster_name", NULL };
			struct run_opts o = { .timeout_ms = 5000, .quiet = true };
			if (run_argv(argv, &o) == 0)
				break;
			if (waitpid(coro, NULL, WNOHANG) == coro || mono_ns() > deadline) {
				stamp("%s did not come up (see corosync.log), pid %d", "corosync", (int)coro);
				kill(coro, SIGKILL);
				return 1;
			}
			sleep_ms(200);
		}
	}
	setenv("PCMK_logfile", "/var/log/pacemaker/pacemaker.log", 1);
	const char *pv[] = { "/usr/sbin/pacemakerd", NULL };
	pcmkd = start_child(pv, environ);
	if (pcmkd < 0) {
		kill(coro, SIGTERM);
		return 1;
	}
	stamp("%s started, pid %d", "pacemakerd", (int)pcmkd);
	{
		unsigned long long start = 0;
		char text[64];
		if (proc_stat(getpid(), &start, NULL) < 0)
			return 1;
		snprintf(p, sizeof(p), "%s/anchor.pid", m);
		snprintf(text, sizeof(text), "%d %llu\n", (int)getpid(), start);
		if (write_file_atomic(p, text, strlen(text), 0644) < 0)
			return 1;
	}
	for (;;) {
		struct timespec ts = { 1, 0 };
		int sig = sigtimedwait(&set, NULL, &ts);
		int st;
		pid_t dead;

		while ((dead = waitpid(-1, &st, WNOHANG)) > 0) {
			const char *who = dead == coro ? "corosync" : dead == pcmkd ? "pacemakerd" : "child";
			stamp("%s exited (pid %d)", who, (int)dead);
			if (dead == coro)
				coro = 0;
			if (dead == pcmkd)
				pcmkd = 0;
		}
		if (sig == SIGTERM || sig == SIGINT) {
			stamp("%s: shutting down (signal %d)", host, sig);
			if (pcmkd > 0) {
				kill(pcmkd, SIGTERM);
				if (!wait_child(pcmkd, NODE_STOP_MS - 10000))
					kill(pcmkd, SIGKILL);
			}
			if (coro > 0) {
				kill(coro, SIGTERM);
				if (!wait_child(coro, 10000))
					kill(coro, SIGKILL);
			}
			break;
		}
		if (!coro && !pcmkd)
			break;
	}
	snprintf(p, sizeof(p), "%s/anchor.pid", m);
	unlink(p);
	stamp("%s: down, pid %d", host, (int)getpid());
	return 0;
}

/* ==== fence_lab: lab as Pacemaker's fence agent ==== */

static void fence_event(const char *state_dir, const char *what)
{
	char *path = xasprintf("%s/manager-events.log", state_dir);
	char when[32], host[64] = "?";
	int fd;

	format_utc(wall_seconds(), when, sizeof(when));
	gethostname(host, sizeof(host) - 1);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		char *line = xasprintf("%.3f %s fence %s (run by fenced on %s)\n", wall_seconds(), when, what, host);
		if (write(fd, line, strlen(line)) < 0)
			lab_error("cannot write '%s': %s", path, strerror(errno));
		free(line);
		close(fd);
	}
	free(path);
}

static const char fence_metadata[] =
	"<?xml version=\"1.0\" ?>\n"
	"<resource-agent name=\"fence_lab\" shortdesc=\"lab's fence agent: power-cuts a lab node\">\n"
	"<longdesc>off and reboot are the local backend's hard reset of the node (every process of it killed at "
	"once, its un-synced writes dropped by powerfs); reboot and on then boot it (Corosync and Pacemaker in its "
	"namespaces).</longdesc>\n"
	"<parameters>\n"
	"<parameter name=\"action\" unique=\"0\" required=\"1\"><getopt mixed=\"-o, --action=[action]\"/>"
	"<content type=\"string\" default=\"reboot\"/><shortdesc lang=\"en\">Fencing action</shortdesc></parameter>\n"
	"<parameter name=\"port\" unique=\"0\" required=\"0\"><getopt mixed=\"-n, --plug=[id]\"/>"
	"<content type=\"string\"/><shortdesc lang=\"en\">Node to fence (nN)</shortdesc></parameter>\n"
	"<parameter name=\"plug\" unique=\"0\" required=\"0\"><content type=\"string\"/>"
	"<shortdesc lang=\"en\">Node to fence (nN)</shortdesc></parameter>\n"
	"<parameter name=\"state_dir\" unique=\"0\" required=\"1\"><content type=\"string\"/>"
	"<shortdesc lang=\"en\">The lab cluster's state directory</shortdesc></parameter>\n"
	"<parameter name=\"cluster\" unique=\"0\" required=\"1\"><content type=\"string\"/>"
	"<shortdesc lang=\"en\">The lab cluster's name</shortdesc></parameter>\n"
	"</parameters>\n"
	"<actions>\n<action name=\"on\"/>\n<action name=\"off\"/>\n<action name=\"reboot\"/>\n"
	"<action name=\"status\"/>\n<action name=\"list\"/>\n<action name=\"monitor\"/>\n"
	"<action name=\"metadata\"/>\n</actions>\n</resource-agent>\n";

int pcmk_fence_main(int argc, char **argv)
{
	char action[32] = "reboot", port[32] = "", state_dir[PATH_MAX] = "", name[64] = "";
	struct cluster c;
	struct cluster_spec spec;
	int node = 0, rc = 1;

	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--action")) && i + 1 < argc)
			lab_strlcpy(action, argv[++i], sizeof(action));
		else if (!strncmp(argv[i], "--action=", 9))
			lab_strlcpy(action, argv[i] + 9, sizeof(action));
		else if ((!strcmp(argv[i], "-n") || !strcmp(argv[i], "--plug")) && i + 1 < argc)
			lab_strlcpy(port, argv[++i], sizeof(port));
	}
	if (!strcmp(action, "metadata")) {
		fputs(fence_metadata, stdout);
		return 0;
	}
	if (argc == 1) {
		/* fenced's way: key=value lines on stdin */
		char line[PATH_MAX + 64];
		while (fgets(line, sizeof(line), stdin)) {
			char *eq = strchr(line, '=');
			line[strcspn(line, "\r\n")] = '\0';
			if (!eq)
				continue;
			*eq = '\0';
			const char *v = eq + 1;
			if (!strcmp(line, "action") || !strcmp(line, "option"))
				lab_strlcpy(action, v, sizeof(action));
			else if (!strcmp(line, "port") || !strcmp(line, "plug"))
				lab_strlcpy(port, v, sizeof(port));
			else if (!strcmp(line, "state_dir"))
				lab_strlcpy(state_dir, v, sizeof(state_dir));
			else if (!strcmp(line, "cluster"))
				lab_strlcpy(name, v, sizeof(name));
		}
	}
	if (!strcmp(action, "metadata")) {
		fputs(fence_metadata, stdout);
		return 0;
	}
	if (!state_dir[0] || !name[0]) {
		fprintf(stderr, "fence_lab: state_dir and cluster are required\n");
		return 1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.name = name;
	spec.state_dir = state_dir;
	spec.lock = CLUSTER_LOCK_NONE; /* the run that owns the cluster holds the lock */
	if (cluster_open(&c, &spec) < 0 || !c.n_state) {
		fprintf(stderr, "fence_lab: cannot open cluster '%s' in '%s'\n", name, state_dir);
		cluster_release(&c);
		return 1;
	}
	if (port[0] == 'n')
		node = atoi(port + 1);
	if (!strcmp(action, "monitor") || (!strcmp(action, "status") && !port[0])) {
		rc = 0;
	} else if (!strcmp(action, "list")) {
		for (int i = 1; i <= c.spec.nodes; i++)
			printf("n%d\n", i);
		rc = 0;
	} else if (node < 1 || node > c.spec.nodes) {
		fprintf(stderr, "fence_lab: no node '%s' in cluster '%s'\n", port, name);
	} else if (!strcmp(action, "status")) {
		rc = pcmk_node_running(&c, node) ? 0 : 2;
	} else if (!strcmp(action, "off") || !strcmp(action, "reboot")) {
		char what[768];
		if (node_hard_reset(&c, node) == 0) {
			snprintf(what, sizeof(what), "%s n%d: power cut (%s)", action, node,
				 cluster_last_note(&c)[0] ? cluster_last_note(&c) : "every process of the node killed");
			fence_event(state_dir, what);
			rc = 0;
			if (!strcmp(action, "reboot")) {
				rc = node_boot_after(&c, node, FENCE_BOOT_MS, false) == 0 ? 0 : 1;
				snprintf(what, sizeof(what), "%s n%d: booting again (cluster stack in %d s)%s", action, node,
					 FENCE_BOOT_MS / 1000, rc ? " FAILED" : "");
				fence_event(state_dir, what);
			}
		} else {
			snprintf(what, sizeof(what), "%s n%d FAILED: %s", action, node, lab_last_error());
			fence_event(state_dir, what);
		}
	} else if (!strcmp(action, "on")) {
		rc = pcmk_node_boot(&c, node) == 0 ? 0 : 1;
		fence_event(state_dir, rc ? "on FAILED" : "on: booted");
	} else {
		fprintf(stderr, "fence_lab: unknown action '%s'\n", action);
	}
	cluster_release(&c);
	return rc;
}
