/*
 * backend_libvirt.c — the `libvirt` backend: each node is a libvirt domain
 * (KVM, or QEMU TCG where KVM does not work) carrying lab's marker, on a
 * local or remote URI. The domains are the scenario's own
 * (cluster.libvirt.domains) or, when it names none, a VM lab defined here
 * from the vm-images/ guest image (virt_lab.h) and removed again by
 * destroy.
 *
 * The database server in the guest is guest_db.c's (shared with the
 * proxmox backend): every command in the guest goes through the QEMU guest
 * agent's guest-exec as an argv array, SQL and file contents through its
 * stdin, never through a shell. Faults are real:
 * node_hard_reset is a power cut when the disks are on powerfs (below),
 * else virDomainReset (the guest's CPUs reset at once), node_signal is kill(1) in the guest, partitions are nftables rules in
 * each guest, snapshots are libvirt snapshots of the stopped domain, and
 * the disk cache mode is the domain's cache= attribute, changed by
 * redefinition and a cold restart and restored by destroy.
 *
 * The disks of lab's own VM lab on a local URI live on powerfs (vm_disk.h:
 * one power-loss filesystem per node, mounted where QEMU sees it), and a
 * hard reset is then a power cut: QEMU is SIGKILLed, the domain is off,
 * powerfs drops what QEMU had not fsynced (keeping c->torn of it, torn
 * writes), the domain is started again. QEMU's cache= decides what it
 * fsyncs. Domains the scenario names (their disks are not lab's), a
 * remote URI or --no-powerfs keep virDomainReset, which is not a power cut
 * of the disk cache: with cache=writeback or unsafe what the guest wrote
 * sits in the host's page cache and survives; node_hard_reset says so.
 */
#include <inttypes.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "guest_db.h"
#include "powerfs.h"
#include "virt.h"
#include "virt_lab.h"
#include "vm_disk.h"

struct lv_data {
	struct guest_backend guest; /* first: the database side is guest_db.c's */
	struct virt_conn *conn;
	struct virt_dom *dom[LAB_MAX_NODES];
	bool defined;            /* the VM lab is ours: destroy undefines it */
	bool powerfs;            /* its disks are on powerfs (vm_disk.h) */
	bool said_cache[LAB_MAX_NODES];
};

static const struct guest_ops lv_guest_ops;

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

static void vm_lab_of(struct cluster *c, struct vm_lab *l)
{
	memset(l, 0, sizeof(*l));
	l->name = c->name;
	l->uri = c->spec.libvirt_uri;
	l->type = getenv("LAB_VM_TYPE");
	l->nodes = c->spec.nodes;
	l->cache = c->spec.cache_mode;
	const char *p = cluster_state_get(c, "libvirt.powerfs");
	int64_t ms = 0;
	l->powerfs = p && !strcmp(p, "1");
	if (cluster_state_get_int(c, "libvirt.powerfs_flush_ms", &ms) == 0)
		l->powerfs_flush_ms = ms;
	vm_lab_defaults(l);
}

/* Disks on powerfs: lab's own VM lab on this machine, unless --no-powerfs
 * or LAB_POWERFS=off. Domains the scenario names and remote hypervisors
 * keep their disks where they are. */
static int powerfs_choose(struct cluster *c, const char *uri)
{
	bool off = c->spec.no_powerfs || powerfs_env_off();
	bool local = strncmp(uri, "qemu:///", 8) == 0;
	bool want = !c->spec.domains && !off && local;
	const char *why = c->spec.domains ? "the scenario's own domains" :
			  off ? "--no-powerfs / LAB_POWERFS=off" : "a remote libvirt URI";

	if (want && !path_exists("/dev/fuse")) {
		lab_error("no /dev/fuse: the VM disks cannot go on the power-loss layer (powerfs) here (load the fuse module, or --no-powerfs)");
		return -1;
	}
	cluster_state_set(c, "libvirt.powerfs", want ? "1" : "0");
	if (want) {
		/* The host kernel's writeback of dirty pages, as for the
		 * local backend's datadirs. */
		cluster_state_setf(c, "libvirt.powerfs_flush_ms", "%" PRId64,
				   powerfs_flush_interval(c->spec.powerfs_flush_interval_ms));
		const char *f = cluster_state_get(c, "libvirt.powerfs_flush_ms");
		lab_info("VM disks on powerfs (hard-reset = power cut), natural flush %s%s%s",
			 strcmp(f, "0") ? "every " : "never", strcmp(f, "0") ? f : "", strcmp(f, "0") ? " ms" : "");
	} else {
		lab_info("VM disks not on powerfs (%s): hard-reset is virDomainReset, not a power cut of the disk cache",
			 why);
	}
	return 0;
}

/* Open the connection and the domains named in the state file. */
static int lv_open(struct cluster *c)
{
	struct lv_data *d = lv(c);
	const char *uri = cluster_state_get(c, "libvirt.uri");
	if (!d) {
		d = xcalloc(1, sizeof(*d));
		d->guest.ops = &lv_guest_ops;
		c->backend_data = d;
	}
	if (!d->conn && !(d->conn = conn_get(uri ? uri : c->spec.libvirt_uri)))
		return -1;
	d->defined = cluster_state_get(c, "libvirt.defined") != NULL;
	{
		const char *p = cluster_state_get(c, "libvirt.powerfs");
		d->powerfs = d->defined && p && !strcmp(p, "1");
	}
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
		guest_host_from_state(c, "libvirt", i);
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
static int lv_guest_exec(struct cluster *c, int node, const char *const argv[], const char *in, struct strbuf *out,
			 int64_t timeout_ms, unsigned flags)
{
	if (flags & GUEST_QUIET) {
		struct virt_dom *dom = lv(c) ? lv(c)->dom[node - 1] : NULL;
		return dom ? virt_guest_exec_quiet(dom, argv, in, timeout_ms, out) : -1;
	}
	if (ensure_guest(c, node, guest_boot_timeout_ms()) < 0)
		return -1;
	return virt_guest_exec(dom_of(c, node), argv, in, timeout_ms, out);
}

static const char *lv_describe(struct cluster *c, int node)
{
	static char buf[160];
	struct virt_dom *dom = lv(c) ? lv(c)->dom[node - 1] : NULL;
	snprintf(buf, sizeof(buf), "domain '%s'", dom ? virt_domain_name(dom) : "?");
	return buf;
}

static bool lv_running(struct cluster *c, int node)
{
	struct virt_dom *dom = lv(c) ? lv(c)->dom[node - 1] : NULL;
	return dom && virt_domain_state(dom) == VIRT_STATE_RUNNING;
}

static const struct guest_ops lv_guest_ops = {
	.exec = lv_guest_exec,
	.describe = lv_describe,
	.running = lv_running,
};

static int lv_create(struct cluster *c)
{
	struct vm_lab l;
	int64_t t0 = mono_ns();
	vm_lab_of(c, &l);
	cluster_state_set(c, "libvirt.uri", l.uri);
	if (powerfs_choose(c, l.uri) < 0)
		return -1;
	vm_lab_of(c, &l);
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
	d->guest.ops = &lv_guest_ops;
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
		if (ensure_guest(c, i, guest_boot_timeout_ms()) < 0)
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

/* A power cut: QEMU SIGKILLed, the disk's un-synced writes dropped (torn:
 * c->torn of them kept), the domain started again (vm_disk_power_cut). The
 * trace is kept as STATE/nodeI-powerloss-K.trace. */
static int lv_power_cut(struct cluster *c, int node, struct virt_dom *dom)
{
	struct vm_lab l;
	struct strbuf reply = { 0 };
	char key[48], *dir, *trace, *mode = NULL;
	int64_t k = 0;
	uint64_t seed;
	int rc;

	vm_lab_of(c, &l);
	snprintf(key, sizeof(key), "libvirt.powerloss.%d", node);
	if (cluster_state_get_int(c, key, &k) < 0)
		k = 0;
	k++;
	cluster_state_setf(c, key, "%" PRId64, k);
	trace = xasprintf("%s/node%d-powerloss-%" PRId64 ".trace", c->state_dir, node, k);
	seed = c->spec.seed * 1000003u + (uint64_t)node * 1009u + (uint64_t)k;
	dir = vm_lab_state_dir(&l);
	if (virt_get_cache_mode(dom, NULL, &mode) < 0)
		mode = xstrdup("?");
	rc = vm_disk_power_cut(dom, dir, node, c->torn, seed, trace, &reply);
	if (rc == 0) {
		int64_t dropped = powerfs_reply_field(reply.buf, "dropped_pages");
		cluster_set_note(c,
				 "node %d: power cut of domain '%s' (QEMU cache=%s): %" PRId64 " un-synced pages (%" PRId64
				 " KiB) in %" PRId64 " files dropped, %" PRId64 " kept; trace %s",
				 node, virt_domain_name(dom), mode, dropped, dropped * (POWERFS_PAGE / 1024),
				 powerfs_reply_field(reply.buf, "files"), powerfs_reply_field(reply.buf, "kept_pages"),
				 trace);
		snprintf(key, sizeof(key), "libvirt.last_powerloss.%d", node);
		cluster_state_set(c, key, c->note);
		lab_info("%s", c->note);
	}
	if (cluster_state_save(c) < 0)
		rc = -1;
	free(mode);
	free(dir);
	free(trace);
	sb_release(&reply);
	return rc;
}

static int lv_node_hard_reset(struct cluster *c, int node)
{
	struct virt_dom *dom = dom_of(c, node);
	char *mode = NULL;
	if (!dom)
		return -1;
	if (virt_domain_state(dom) != VIRT_STATE_RUNNING) {
		lab_error("node %d: domain '%s' is not running; cannot reset it", node, virt_domain_name(dom));
		return -1;
	}
	if (lv(c)->powerfs)
		return lv_power_cut(c, node, dom);
	if (virt_get_cache_mode(dom, NULL, &mode) < 0)
		mode = xstrdup("?");
	cluster_set_note(c, "node %d: virDomainReset of '%s' (cache=%s), not a power cut: its disk is not on powerfs%s",
			 node, virt_domain_name(dom), mode,
			 c->torn > 0 ? "; torn writes do not apply" : "");
	if (!lv(c)->said_cache[node - 1] &&
	    (strcmp(mode, "writeback") == 0 || strcmp(mode, "unsafe") == 0 || strcmp(mode, "default") == 0)) {
		lab_info("node %d: disk cache '%s': a reset keeps the guest's writes that sit in the host's page cache; it is not a power cut of the disk cache (the disk is not on powerfs)",
			 node, mode);
		lv(c)->said_cache[node - 1] = true;
	} else {
		lab_debug("%s", c->note);
	}
	free(mode);
	return virt_reset(dom);
}

/* With the disks on powerfs: the freshly provisioned guests' disks are
 * made durable once the cluster is up, as the local backend does with its
 * datadirs (a cut then loses only what the run wrote). */
static int lv_up_done(struct cluster *c)
{
	struct vm_lab l;
	int rc = 0;

	if (!lv(c) || !lv(c)->powerfs)
		return 0;
	vm_lab_of(c, &l);
	char *dir = vm_lab_state_dir(&l);
	for (int i = 1; i <= c->spec.nodes; i++)
		if (vm_disk_flush(dir, i) < 0)
			rc = -1;
	free(dir);
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
	if (guest_node_pid(c, node) > 0) {
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
	bool was_running = guest_node_pid(c, node) > 0;
	if (was_running && guest_node_stop(c, node, 300000) < 0)
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
	if (ensure_guest(c, node, guest_boot_timeout_ms()) < 0)
		return -1;
	return was_running ? node_start(c, node) : 0;
}

/* nftables in each guest: drop traffic to and from nodes of other groups. */
const struct backend_ops backend_libvirt = {
	.name = "libvirt",
	.description = "libvirt domains (KVM or QEMU TCG) carrying lab's marker, commands through the guest agent",
	.unavailable = lv_unavailable,
	.create = lv_create,
	.destroy = lv_destroy,
	.attach = lv_attach,
	.node_init = guest_node_init,
	.node_spawn = guest_node_spawn,
	.node_run_once = guest_node_run_once,
	.node_admin_sql = guest_node_admin_sql,
	.node_server_version = guest_node_server_version,
	.node_pid = guest_node_pid,
	.node_signal = guest_node_signal,
	.node_stop = guest_node_stop,
	.node_hard_reset = lv_node_hard_reset,
	.node_read_file = guest_node_read_file,
	.node_write_file = guest_node_write_file,
	.node_delete_file = guest_node_delete_file,
	.node_snapshot = lv_node_snapshot,
	.node_revert = lv_node_revert,
	.node_set_cache_mode = lv_node_set_cache_mode,
	.up_done = lv_up_done,
	.node_log_path = NULL,
	.node_datadir = NULL,
	.partition = guest_partition,
	.heal = guest_heal,
};
