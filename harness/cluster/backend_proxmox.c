/*
 * backend_proxmox.c — the `proxmox` backend: each node is an existing
 * Proxmox VE QEMU VM, controlled over the REST API (pve_api.h) with an API
 * token. The scenario names them (cluster.proxmox: url, node or nodes,
 * vmids); lab never creates, clones or removes a VM and never picks one by
 * name: a VM is touched only when its config carries lab's marker, the tag
 * lab-CLUSTER-N in `tags`, checked once per process before the first
 * request that changes anything.
 *
 * The database side is guest_db.c's, shared with the libvirt backend:
 * every command in the guest is an argv array through the QEMU guest agent
 * (POST agent/exec, then GET agent/exec-status until exited). Faults and
 * machine operations are the API's, each a task (UPID) polled until it has
 * stopped with exitstatus OK, within LAB_PROXMOX_TASK_TIMEOUT (300 s):
 *   hard reset      POST status/reset (the VM's CPUs reset, no guest say)
 *   cold restart    POST status/stop then status/start
 *   clean power-off POST status/shutdown (forceStop after 120 s)
 *   snapshots       POST snapshot, POST snapshot/NAME/rollback,
 *                   DELETE snapshot/NAME (of the powered-off VM)
 *   disk cache      PUT config with the disk's line, only cache= changed;
 *                   not hot-pluggable: it stays pending (GET pending)
 *                   until the VM is stopped and started, which lab does and
 *                   says; destroy restores the original mode.
 * Everything is recorded in the cluster state before it is done, so that
 * `lab cluster down` from a fresh process finds and undoes it; the token
 * itself is never recorded or printed (LAB_PROXMOX_TOKEN or the 0600
 * token file, read again by each process).
 *
 * Like libvirt's reset, status/reset is not a power cut of the disk cache:
 * with cache=writeback or unsafe the guest's writes sit in the host's page
 * cache and survive; node_hard_reset says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "guest_db.h"
#include "pve_api.h"

struct pve_data {
	struct guest_backend guest; /* first: the database side is guest_db.c's */
	struct pve_conn *conn;
	char pnode[LAB_MAX_NODES][64]; /* the Proxmox node of lab node i+1 */
	int vmid[LAB_MAX_NODES];
	bool marked[LAB_MAX_NODES];    /* marker checked in this process */
	bool said_cache[LAB_MAX_NODES];
	/* the VM was running and its agent answered since the last power
	 * operation of this process: commands go straight to the agent */
	bool agent_up[LAB_MAX_NODES];
	char desc[160];
};

/* The cluster layer frees backend_data with free() and has no release
 * hook: connections are kept here and closed (their token wiped) at exit. */
static struct pve_conn *open_conns[8];

static void close_all(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(open_conns); i++) {
		pve_close(open_conns[i]);
		open_conns[i] = NULL;
	}
}

static const struct guest_ops pv_guest_ops;

static struct pve_data *pv(struct cluster *c)
{
	if (!c->backend_data) {
		struct pve_data *d = xcalloc(1, sizeof(*d));
		d->guest.ops = &pv_guest_ops;
		c->backend_data = d;
	}
	return c->backend_data;
}

static int64_t task_timeout_ms(void)
{
	int64_t ms;
	const char *s = getenv("LAB_PROXMOX_TASK_TIMEOUT");
	if (s && parse_duration_ms(s, &ms) == 0 && ms > 0)
		return ms;
	return 300000;
}

/* From the state once the cluster exists, else from the spec. */
static const char *setting(struct cluster *c, const char *key, const char *spec_value)
{
	const char *v = cluster_state_get(c, key);
	if (v)
		return strcmp(v, "-") ? v : NULL;
	return spec_value && *spec_value ? spec_value : NULL;
}

static int pv_connect(struct cluster *c)
{
	struct pve_data *d = pv(c);
	struct pve_opts o = {0};
	char *token = NULL;
	static bool registered;
	size_t slot;

	if (d->conn)
		return 0;
	for (slot = 0; slot < ARRAY_SIZE(open_conns) && open_conns[slot]; slot++)
		;
	if (slot == ARRAY_SIZE(open_conns)) {
		lab_error("too many Proxmox connections open (%zu)", slot);
		return -1;
	}
	o.url = setting(c, "proxmox.url", c->spec.proxmox_url);
	o.ca_file = setting(c, "proxmox.ca_file", c->spec.proxmox_ca_file);
	o.fingerprint = setting(c, "proxmox.fingerprint", c->spec.proxmox_fingerprint);
	if (!o.url) {
		lab_error("backend proxmox needs the API's URL (cluster.proxmox.url, or --proxmox url=https://HOST:8006)");
		return -1;
	}
	if (pve_token_load(setting(c, "proxmox.token_file", c->spec.proxmox_token_file), &token) < 0)
		return -1;
	o.token = token;
	d->conn = pve_open(&o);
	memset(token, 0, strlen(token));
	free(token);
	if (!d->conn)
		return -1;
	if (!registered) {
		atexit(close_all);
		registered = true;
	}
	open_conns[slot] = d->conn;
	return 0;
}

/* Which VM is node i: from the spec at create, from the state after. */
static int pv_load_vms(struct cluster *c)
{
	struct pve_data *d = pv(c);
	const struct cluster_spec *sp = &c->spec;
	bool from_state = cluster_state_get(c, "proxmox.vmid.1") != NULL;

	if (!from_state) {
		if (!sp->n_proxmox_vmids) {
			lab_error("backend proxmox needs the VMs' ids (cluster.proxmox.vmids, or --proxmox vmids=101,102,103)");
			return -1;
		}
		if (sp->n_proxmox_vmids != (size_t)sp->nodes) {
			lab_error("proxmox vmids lists %zu VMs but the cluster has %d nodes", sp->n_proxmox_vmids, sp->nodes);
			return -1;
		}
		if (sp->n_proxmox_nodes && sp->n_proxmox_nodes != (size_t)sp->nodes) {
			lab_error("proxmox nodes lists %zu Proxmox nodes but the cluster has %d nodes", sp->n_proxmox_nodes,
				  sp->nodes);
			return -1;
		}
		if (!sp->n_proxmox_nodes && (!sp->proxmox_node || !*sp->proxmox_node)) {
			lab_error("backend proxmox needs the Proxmox node of the VMs (cluster.proxmox.node, or nodes: one per VM)");
			return -1;
		}
	}
	for (int i = 1; i <= c->spec.nodes; i++) {
		char key[32], id[16];
		int64_t v;
		if (from_state) {
			snprintf(key, sizeof(key), "proxmox.vmid.%d", i);
			const char *s = cluster_state_get(c, key);
			lab_strlcpy(id, s ? s : "", sizeof(id));
			snprintf(key, sizeof(key), "proxmox.node.%d", i);
			s = cluster_state_get(c, key);
			lab_strlcpy(d->pnode[i - 1], s ? s : "", sizeof(d->pnode[i - 1]));
		} else {
			lab_strlcpy(id, sp->proxmox_vmids[i - 1], sizeof(id));
			lab_strlcpy(d->pnode[i - 1], sp->n_proxmox_nodes ? sp->proxmox_nodes[i - 1] : sp->proxmox_node,
				    sizeof(d->pnode[i - 1]));
		}
		/* pve-vmid: 100 .. 999999999 (PVE/JSONSchema.pm) */
		if (parse_int64(id, 100, 999999999, &v) < 0) {
			lab_error("node %d: bad Proxmox VM id '%s' (want 100..999999999)", i, id);
			return -1;
		}
		if (!d->pnode[i - 1][0]) {
			lab_error("node %d: no Proxmox node name for VM %s", i, id);
			return -1;
		}
		d->vmid[i - 1] = (int)v;
		for (int j = 1; j < i; j++)
			if (d->vmid[j - 1] == d->vmid[i - 1]) {
				lab_error("VM %d is listed for both node %d and node %d", d->vmid[i - 1], j, i);
				return -1;
			}
	}
	return 0;
}

static char *vm_path(struct cluster *c, int node, const char *suffix)
{
	return pve_vm_path(pv(c)->pnode[node - 1], pv(c)->vmid[node - 1], suffix);
}

static const char *pv_describe(struct cluster *c, int node)
{
	struct pve_data *d = pv(c);
	snprintf(d->desc, sizeof(d->desc), "VM %d on '%s'", d->vmid[node - 1], d->pnode[node - 1]);
	return d->desc;
}

/* GET config; *body malloc'd. */
static int get_config(struct cluster *c, int node, char **body)
{
	char *path = vm_path(c, node, "config");
	int rc = pve_call(pv(c)->conn, "GET", path, NULL, body);
	free(path);
	return rc;
}

/* The safety check: the VM's tags hold lab-CLUSTER-N, and it has a guest
 * agent. Nothing but GET is sent to a VM before this passed. */
static int check_marker(struct cluster *c, int node)
{
	struct pve_data *d = pv(c);
	char *body = NULL, *tags = NULL, *agent = NULL, tag[96];
	int rc = -1;

	if (d->marked[node - 1])
		return 0;
	snprintf(tag, sizeof(tag), "lab-%s-%d", c->name, node);
	if (get_config(c, node, &body) < 0 || pve_config_get(body, "tags", &tags) < 0 ||
	    pve_config_get(body, "agent", &agent) < 0)
		goto cleanup;
	if (!pve_tags_has(tags, tag)) {
		lab_error("node %d: VM %d on '%s' does not carry lab's marker tag '%s' (its tags: '%s'); refusing to touch it: tag it in Proxmox only if it is node %d of cluster '%s'",
			  node, d->vmid[node - 1], d->pnode[node - 1], tag, tags ? tags : "", node, c->name);
		goto cleanup;
	}
	/* agent: "1" or "enabled=1,fstrim_cloned_disks=0" (QemuServer.pm agent format) */
	if (!agent || !(agent[0] == '1' || strstr(agent, "enabled=1"))) {
		lab_error("node %d: VM %d on '%s' has no QEMU guest agent enabled (config 'agent: 1'), through which lab runs every command in the guest",
			  node, d->vmid[node - 1], d->pnode[node - 1]);
		goto cleanup;
	}
	d->marked[node - 1] = true;
	rc = 0;
cleanup:
	free(body);
	free(tags);
	free(agent);
	return rc;
}

/* Connected, VMs known, node's marker checked. */
static int vm_ready(struct cluster *c, int node)
{
	if (pv_connect(c) < 0)
		return -1;
	if (!pv(c)->vmid[0] && pv_load_vms(c) < 0)
		return -1;
	return check_marker(c, node);
}

/* Start a task on the node's VM and wait for it: OK or an error. */
static int vm_task(struct cluster *c, int node, const char *method, const char *suffix, const char *form)
{
	char *path = vm_path(c, node, suffix), *upid;
	char tnode[64];
	int rc = -1;
	pv(c)->agent_up[node - 1] = false; /* every task here powers or rolls back the VM */
	if (!(upid = pve_call_task(pv(c)->conn, method, path, form)))
		goto cleanup;
	if (pve_upid_node(upid, tnode, sizeof(tnode)) < 0)
		goto cleanup;
	if (pve_task_wait(pv(c)->conn, tnode, upid, task_timeout_ms(), 0) < 0) {
		char why[768];
		lab_strlcpy(why, lab_last_error(), sizeof(why));
		lab_error_quiet("node %d: %s %s of %s: %s", node, method, suffix, pv_describe(c, node), why);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(upid);
	free(path);
	return rc;
}

/* "running", "stopped" (GET status/current, Qemu.pm vm_status) into buf. */
static int vm_status(struct cluster *c, int node, char *buf, size_t size)
{
	char *path = vm_path(c, node, "status/current"), *body = NULL, *status = NULL;
	int rc = -1;
	if (pve_call(pv(c)->conn, "GET", path, NULL, &body) < 0 || pve_config_get(body, "status", &status) < 0)
		goto cleanup;
	if (!status) {
		lab_error("node %d: %s: status/current has no status", node, pv_describe(c, node));
		goto cleanup;
	}
	lab_strlcpy(buf, status, size);
	rc = 0;
cleanup:
	free(path);
	free(body);
	free(status);
	return rc;
}

static bool pv_running(struct cluster *c, int node)
{
	char status[32];
	bool running = false;
	if (vm_ready(c, node) < 0)
		return false;
	pve_set_quiet(pv(c)->conn, true);
	running = vm_status(c, node, status, sizeof(status)) == 0 && !strcmp(status, "running");
	pve_set_quiet(pv(c)->conn, false);
	return running;
}

/* The VM on and its agent answering: start it if it is stopped. */
static int ensure_guest(struct cluster *c, int node, int64_t timeout_ms)
{
	char status[32], *ping = vm_path(c, node, "agent/ping");
	int64_t deadline = mono_ns() + timeout_ms * 1000000;
	int rc = -1;
	if (pv(c)->agent_up[node - 1]) {
		free(ping);
		return 0;
	}
	if (vm_status(c, node, status, sizeof(status)) < 0)
		goto cleanup;
	if (strcmp(status, "running")) {
		lab_info("node %d: %s is %s; starting it", node, pv_describe(c, node), status);
		if (vm_task(c, node, "POST", "status/start", NULL) < 0)
			goto cleanup;
	}
	for (;;) {
		pve_set_quiet(pv(c)->conn, true);
		int ok = pve_call(pv(c)->conn, "POST", ping, NULL, NULL);
		pve_set_quiet(pv(c)->conn, false);
		if (ok == 0)
			break;
		if (mono_ns() >= deadline || lab_interrupted) {
			char why[512];
			lab_strlcpy(why, lab_last_error(), sizeof(why));
			lab_error("node %d: the guest agent of %s did not answer within %lld s: %s", node,
				  pv_describe(c, node), (long long)(timeout_ms / 1000), why);
			goto cleanup;
		}
		sleep_ms(500);
	}
	pv(c)->agent_up[node - 1] = true;
	rc = 0;
cleanup:
	free(ping);
	return rc;
}

static int pv_guest_exec(struct cluster *c, int node, const char *const argv[], const char *in, struct strbuf *out,
			 int64_t timeout_ms, unsigned flags)
{
	bool quiet = flags & GUEST_QUIET;
	if (vm_ready(c, node) < 0)
		return -1;
	if (!quiet && ensure_guest(c, node, guest_boot_timeout_ms()) < 0)
		return -1;
	return pve_agent_exec(pv(c)->conn, pv(c)->pnode[node - 1], pv(c)->vmid[node - 1], argv, in, timeout_ms, out,
			      quiet);
}

static const struct guest_ops pv_guest_ops = {
	.exec = pv_guest_exec,
	.describe = pv_describe,
	.running = pv_running,
};

/* The guest's address as the host reaches it (agent network-get-interfaces). */
static int guest_address(struct cluster *c, int node, char *buf, size_t size)
{
	char *path = vm_path(c, node, "agent/network-get-interfaces"), *body = NULL;
	int64_t deadline = mono_ns() + 120000 * 1000000LL;
	int rc = -1;
	for (;;) {
		free(body);
		body = NULL;
		if (pve_call(pv(c)->conn, "GET", path, NULL, &body) == 0 && pve_parse_guest_ipv4(body, buf, size) == 0)
			break;
		if (mono_ns() > deadline || lab_interrupted) {
			lab_error("node %d: %s has no IPv4 address after 120 s", node, pv_describe(c, node));
			goto cleanup;
		}
		sleep_ms(1000);
	}
	rc = 0;
cleanup:
	free(body);
	free(path);
	return rc;
}

/* The node's disk key and line (GET config); all malloc'd. */
static int disk_line(struct cluster *c, int node, char **key, char **line, char **digest)
{
	char *body = NULL;
	int rc = -1;
	*key = *line = NULL;
	if (digest)
		*digest = NULL;
	if (get_config(c, node, &body) < 0 || pve_config_disk_key(body, key) < 0 ||
	    pve_config_get(body, *key, line) < 0 || (digest && pve_config_get(body, "digest", digest) < 0))
		goto cleanup;
	rc = 0;
cleanup:
	free(body);
	return rc;
}

/* Stop and start the VM so that a pending change is applied. */
static int cold_restart(struct cluster *c, int node, const char *why)
{
	const char *sync[] = { "sync", NULL };
	lab_info("node %d: %s: %s stays pending until the VM is stopped and started; cold restart (status/stop, status/start)",
		 node, pv_describe(c, node), why);
	cluster_set_note(c, "node %d: %s cold-restarted (status/stop, status/start) so that %s applies", node,
			 pv_describe(c, node), why);
	/* The server is stopped already; flush the guest's own cache. */
	if (guest_exec(c, node, sync, NULL, NULL, GUEST_EXEC_TIMEOUT_MS) != 0)
		lab_info("node %d: 'sync' in the guest failed; stopping the VM anyway", node);
	if (vm_task(c, node, "POST", "status/stop", NULL) < 0 || vm_task(c, node, "POST", "status/start", NULL) < 0)
		return -1;
	return 0;
}

/* Change only cache= of the node's disk line; record the original first.
 * A running VM gets the cold restart the change needs. */
static int apply_cache_mode(struct cluster *c, int node, const char *mode, bool record)
{
	char *key = NULL, *line = NULL, *digest = NULL, *want = NULL, *old = NULL, *pending = NULL, *body = NULL;
	char *path = NULL, skey[32], why[160];
	struct strbuf form = {0};
	int rc = -1;

	if (disk_line(c, node, &key, &line, &digest) < 0)
		goto cleanup;
	old = pve_disk_cache(line);
	snprintf(skey, sizeof(skey), "proxmox.cache.%d", node);
	if (record && !cluster_state_get(c, skey)) {
		cluster_state_set(c, skey, *old ? old : "-");
		snprintf(skey, sizeof(skey), "proxmox.disk.%d", node);
		cluster_state_set(c, skey, key);
		if (cluster_state_save(c) < 0)
			goto cleanup;
	}
	want = pve_disk_set_cache(line, mode);
	path = vm_path(c, node, "config");
	if (strcmp(want, line)) {
		pve_form_add(&form, key, want);
		if (digest)
			pve_form_add(&form, "digest", digest);
		if (pve_call(pv(c)->conn, "PUT", path, form.buf, NULL) < 0)
			goto cleanup;
	}
	free(path);
	path = vm_path(c, node, "pending");
	if (pve_call(pv(c)->conn, "GET", path, NULL, &body) < 0 || pve_pending_get(body, key, &pending) < 0)
		goto cleanup;
	if (pending) {
		snprintf(why, sizeof(why), "disk %s cache '%s'", key, *mode ? mode : "default");
		if (cold_restart(c, node, why) < 0)
			goto cleanup;
		free(body);
		free(pending);
		body = pending = NULL;
		if (pve_call(pv(c)->conn, "GET", path, NULL, &body) < 0 || pve_pending_get(body, key, &pending) < 0)
			goto cleanup;
		if (pending) {
			lab_error("node %d: %s: the disk change is still pending after a cold restart", node,
				  pv_describe(c, node));
			goto cleanup;
		}
	}
	free(line);
	free(key);
	line = key = NULL;
	if (disk_line(c, node, &key, &line, NULL) < 0)
		goto cleanup;
	free(old);
	old = pve_disk_cache(line);
	if (strcmp(old, mode)) {
		lab_error("node %d: %s: disk %s has cache '%s', not '%s', after the change", node, pv_describe(c, node),
			  key, old, mode);
		goto cleanup;
	}
	rc = 0;
cleanup:
	sb_release(&form);
	free(key);
	free(line);
	free(digest);
	free(want);
	free(old);
	free(pending);
	free(body);
	free(path);
	return rc;
}

/* Nothing is made, here or on Proxmox, until the API answered, the token
 * was accepted and every VM carries lab's marker. */
static int pv_precheck(struct cluster *c)
{
	if (pv_connect(c) < 0 || pv_load_vms(c) < 0)
		return -1;
	for (int i = 1; i <= c->spec.nodes; i++)
		if (check_marker(c, i) < 0)
			return -1;
	if (c->spec.cache_mode && !pve_cache_mode_valid(c->spec.cache_mode)) {
		lab_error("invalid Proxmox disk cache mode '%s' (none writethrough writeback unsafe directsync)",
			  c->spec.cache_mode);
		return -1;
	}
	return 0;
}

static int pv_create(struct cluster *c)
{
	int64_t t0 = mono_ns();
	char key[32];

	if (pv_precheck(c) < 0)
		return -1;
	cluster_state_set(c, "proxmox.url", c->spec.proxmox_url);
	cluster_state_set(c, "proxmox.ca_file", c->spec.proxmox_ca_file ? c->spec.proxmox_ca_file : "-");
	cluster_state_set(c, "proxmox.fingerprint", c->spec.proxmox_fingerprint ? c->spec.proxmox_fingerprint : "-");
	cluster_state_set(c, "proxmox.token_file", c->spec.proxmox_token_file ? c->spec.proxmox_token_file : "-");
	for (int i = 1; i <= c->spec.nodes; i++) {
		snprintf(key, sizeof(key), "proxmox.vmid.%d", i);
		cluster_state_setf(c, key, "%d", pv(c)->vmid[i - 1]);
		snprintf(key, sizeof(key), "proxmox.node.%d", i);
		cluster_state_set(c, key, pv(c)->pnode[i - 1]);
	}
	if (cluster_state_save(c) < 0)
		return -1;
	for (int i = 1; i <= c->spec.nodes; i++) {
		char addr[64];
		if (c->spec.cache_mode && apply_cache_mode(c, i, c->spec.cache_mode, true) < 0)
			return -1;
		if (ensure_guest(c, i, guest_boot_timeout_ms()) < 0 || guest_address(c, i, addr, sizeof(addr)) < 0)
			return -1;
		snprintf(key, sizeof(key), "proxmox.addr.%d", i);
		cluster_state_set(c, key, addr);
		lab_strlcpy(c->hosts[i - 1].host, addr, sizeof(c->hosts[i - 1].host));
		c->hosts[i - 1].port = 3306;
		lab_info("node %d: %s up at %s (%.1f s)", i, pv_describe(c, i), addr, (mono_ns() - t0) / 1e9);
	}
	return cluster_state_save(c);
}

static int pv_attach(struct cluster *c)
{
	if (pv_connect(c) < 0 || pv_load_vms(c) < 0)
		return -1;
	for (int i = 1; i <= c->spec.nodes; i++)
		guest_host_from_state(c, "proxmox", i);
	return 0;
}

/* Power the VM off cleanly (status/shutdown, forced after 120 s). */
static int power_off(struct cluster *c, int node)
{
	char status[32];
	if (vm_status(c, node, status, sizeof(status)) < 0)
		return -1;
	if (!strcmp(status, "stopped"))
		return 0;
	return vm_task(c, node, "POST", "status/shutdown", "timeout=120&forceStop=1");
}

static int pv_destroy(struct cluster *c)
{
	int rc = 0;
	if (!cluster_state_get(c, "proxmox.url"))
		return 0; /* nothing was made or changed */
	if (pv_attach(c) < 0)
		return -1;
	for (int i = 1; i <= c->spec.nodes; i++) {
		char key[32];
		if (check_marker(c, i) < 0) {
			rc = -1;
			continue;
		}
		if (power_off(c, i) < 0) {
			rc = -1;
			continue;
		}
		snprintf(key, sizeof(key), "proxmox.cache.%d", i);
		const char *orig = cluster_state_get(c, key);
		if (orig) {
			const char *mode = strcmp(orig, "-") ? orig : "";
			if (apply_cache_mode(c, i, mode, false) < 0) {
				rc = -1;
				continue;
			}
			lab_info("node %d: disk cache mode of %s restored to '%s'", i, pv_describe(c, i),
				 *mode ? mode : "default");
			cluster_state_set(c, key, NULL);
			snprintf(key, sizeof(key), "proxmox.disk.%d", i);
			cluster_state_set(c, key, NULL);
		}
	}
	if (rc == 0)
		cluster_state_set(c, "proxmox.url", NULL);
	cluster_state_save(c);
	return rc;
}

static int pv_node_hard_reset(struct cluster *c, int node)
{
	struct pve_data *d = pv(c);
	char status[32], *key = NULL, *line = NULL, *mode = NULL;
	if (vm_ready(c, node) < 0 || vm_status(c, node, status, sizeof(status)) < 0)
		return -1;
	if (strcmp(status, "running")) {
		lab_error("node %d: %s is %s; cannot reset it", node, pv_describe(c, node), status);
		return -1;
	}
	if (!d->said_cache[node - 1] && disk_line(c, node, &key, &line, NULL) == 0) {
		mode = pve_disk_cache(line);
		if (!strcmp(mode, "writeback") || !strcmp(mode, "unsafe")) {
			lab_info("node %d: disk cache '%s': a reset keeps the guest's writes that sit in the host's page cache; it is not a power cut of the disk cache",
				 node, mode);
			d->said_cache[node - 1] = true;
		}
	}
	free(key);
	free(line);
	free(mode);
	if (vm_task(c, node, "POST", "status/reset", NULL) < 0)
		return -1;
	cluster_set_note(c, "node %d: %s reset (status/reset): every process in it died at once", node,
			 pv_describe(c, node));
	return 0;
}

/* pve-snapshot-name (PVE/JSONSchema.pm pve-configid): a letter, then up to
 * 39 of letters, digits, '-' and '_'. */
static const char *pv_snapshot_name_problem(const char *name)
{
	size_t n = strlen(name);
	bool ok = n >= 1 && n <= 40 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
	for (size_t i = 1; ok && i < n; i++)
		ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", name[i]) != NULL;
	return ok ? NULL : "not one Proxmox takes: a letter, then up to 39 letters, digits, '-' or '_'";
}

static int check_snapname(const char *name)
{
	const char *why = pv_snapshot_name_problem(name);

	if (why)
		lab_error("snapshot name '%s' is %s", name, why);
	return why ? -1 : 0;
}

/* Snapshots and rollbacks are of the powered-off VM: the server must be
 * stopped; the VM is shut down and left off (the next node operation
 * starts it). */
static int power_down_for(struct cluster *c, int node, const char *what)
{
	if (vm_ready(c, node) < 0)
		return -1;
	if (guest_node_pid(c, node) > 0) {
		lab_error("node %d is running: stop it before %s", node, what);
		return -1;
	}
	return power_off(c, node);
}

static int snapshot_exists(struct cluster *c, int node, const char *name, bool *exists)
{
	char *path = vm_path(c, node, "snapshot"), *body = NULL, *data = NULL;
	char quoted[128];
	int rc = -1;
	/* GET snapshot (Qemu.pm snapshot_list): {"data": [{"name": "x", ...}, {"name": "current", ...}]} */
	if (pve_call(pv(c)->conn, "GET", path, NULL, &body) < 0)
		goto cleanup;
	data = pve_reply_data(body);
	snprintf(quoted, sizeof(quoted), "\"name\":\"%s\"", name);
	*exists = strstr(data, quoted) != NULL;
	rc = 0;
cleanup:
	free(path);
	free(body);
	free(data);
	return rc;
}

static int pv_node_snapshot(struct cluster *c, int node, const char *name)
{
	struct strbuf form = {0}, desc = {0};
	char *suffix = xasprintf("snapshot/%s", name);
	bool exists = false;
	int rc = -1;
	if (check_snapname(name) < 0 || power_down_for(c, node, "taking a snapshot") < 0 ||
	    snapshot_exists(c, node, name, &exists) < 0)
		goto cleanup;
	if (exists && vm_task(c, node, "DELETE", suffix, NULL) < 0)
		goto cleanup;
	sb_printf(&desc, "lab cluster %s node %d", c->name, node);
	pve_form_add(&form, "snapname", name);
	pve_form_add(&form, "description", desc.buf);
	rc = vm_task(c, node, "POST", "snapshot", form.buf);
cleanup:
	sb_release(&form);
	sb_release(&desc);
	free(suffix);
	return rc;
}

static int pv_node_revert(struct cluster *c, int node, const char *name)
{
	char *suffix = xasprintf("snapshot/%s/rollback", name);
	int rc = -1;
	if (check_snapname(name) == 0 && power_down_for(c, node, "reverting it") == 0)
		rc = vm_task(c, node, "POST", suffix, NULL);
	free(suffix);
	return rc;
}

static int pv_node_set_cache_mode(struct cluster *c, int node, const char *mode)
{
	if (!pve_cache_mode_valid(mode)) {
		lab_error("node %d: invalid Proxmox disk cache mode '%s' (none writethrough writeback unsafe directsync)", node,
			  mode);
		return -1;
	}
	if (vm_ready(c, node) < 0)
		return -1;
	/* The cold restart would crash a running server: stop it cleanly
	 * first and start it again (flavor-aware) afterwards. */
	bool was_running = guest_node_pid(c, node) > 0;
	if (was_running && guest_node_stop(c, node, 300000) < 0)
		return -1;
	if (apply_cache_mode(c, node, mode, true) < 0)
		return -1;
	if (!c->note[0])
		cluster_set_note(c, "node %d: %s disk cache '%s' (the VM was off: no restart needed)", node,
				 pv_describe(c, node), mode);
	lab_info("node %d: %s runs with disk cache '%s'", node, pv_describe(c, node), mode);
	if (ensure_guest(c, node, guest_boot_timeout_ms()) < 0)
		return -1;
	return was_running ? node_start(c, node) : 0;
}

static int pv_node_disk_status(struct cluster *c, int node, struct node_status *st)
{
	char *key = NULL, *line = NULL, *mode = NULL;
	if (vm_ready(c, node) < 0 || disk_line(c, node, &key, &line, NULL) < 0) {
		free(key);
		return -1;
	}
	mode = pve_disk_cache(line);
	lab_strlcpy(st->cache_mode, *mode ? mode : "default", sizeof(st->cache_mode));
	free(key);
	free(line);
	free(mode);
	return 0;
}

const struct backend_ops backend_proxmox = {
	.name = "proxmox",
	.description = "Proxmox VE VMs tagged lab-CLUSTER-N, over the REST API with a token, commands through the guest agent",
	.unavailable = NULL,
	.precheck = pv_precheck,
	.snapshot_name_problem = pv_snapshot_name_problem,
	.create = pv_create,
	.destroy = pv_destroy,
	.attach = pv_attach,
	.node_init = guest_node_init,
	.node_spawn = guest_node_spawn,
	.node_run_once = guest_node_run_once,
	.node_admin_sql = guest_node_admin_sql,
	.node_server_version = guest_node_server_version,
	.node_pid = guest_node_pid,
	.node_signal = guest_node_signal,
	.node_stop = guest_node_stop,
	.node_hard_reset = pv_node_hard_reset,
	.node_read_file = guest_node_read_file,
	.node_write_file = guest_node_write_file,
	.node_delete_file = guest_node_delete_file,
	.node_snapshot = pv_node_snapshot,
	.node_revert = pv_node_revert,
	.node_set_cache_mode = pv_node_set_cache_mode,
	.node_disk_status = pv_node_disk_status,
	.node_log_path = NULL,
	.node_datadir = NULL,
	.partition = guest_partition,
	.heal = guest_heal,
};
