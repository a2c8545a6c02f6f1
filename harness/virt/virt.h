/*
 * virt.h — lab's layer over the libvirt C API: connections, lab-marked
 * domains and what the libvirt backend does to them (start, shutdown, hard
 * reset, power off, pause, commands through the QEMU guest agent, disk cache
 * mode, snapshots), plus the XML lab writes (domain template, isolated
 * network) and edits (disk cache=).
 *
 * Safety: lab is destructive, so virt_domain_open() refuses any domain whose
 * <metadata> lacks lab's marker element
 *     <lab:node xmlns:lab="https://lab.invalid/1" cluster="NAME" node="N"/>
 * and every operation takes a struct virt_dom that only virt_domain_open()
 * makes. Nothing else in lab calls libvirt directly.
 *
 * The pure parts (XML building and editing, marker parsing, guest agent JSON
 * and base64) are always built; with LAB_NO_LIBVIRT the functions that need
 * libvirt report "built without libvirt" and return -1 / NULL.
 */
#ifndef LAB_VIRT_H
#define LAB_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define VIRT_MARKER_NS "https://lab.invalid/1"
#define VIRT_MARKER_PREFIX "lab"
#define VIRT_MARKER_ELEMENT "node"

/* Non-NULL ("built without libvirt") when this build has no libvirt. */
const char *virt_unavailable(void);

/* ---- connections and domains ---------------------------------------- */

struct virt_conn;
struct virt_dom;

/* Open a connection to uri (NULL: "qemu:///system"). Returns NULL on error
 * (reported). Free with virt_close(). */
struct virt_conn *virt_open(const char *uri);
void virt_close(struct virt_conn *conn);
const char *virt_conn_uri(const struct virt_conn *conn);

/* Look up domain name and check lab's marker: it must exist, and when
 * cluster is non-NULL / node > 0 they must match. Refuses (error reported,
 * NULL) a domain without the marker. The handle borrows conn. */
struct virt_dom *virt_domain_open(struct virt_conn *conn, const char *name,
				  const char *cluster, int node);
void virt_domain_free(struct virt_dom *dom);
const char *virt_domain_name(const struct virt_dom *dom);
int virt_domain_node(const struct virt_dom *dom);           /* from the marker */
const char *virt_domain_cluster(const struct virt_dom *dom); /* from the marker */

/* Names of the lab-marked domains at conn (cluster NULL: any cluster),
 * sorted; unmarked domains are skipped. *names and each name are malloc'd:
 * free with virt_names_free. */
int virt_list_marked(struct virt_conn *conn, const char *cluster, char ***names, size_t *n);
void virt_names_free(char **names, size_t n);

/* Define a domain from xml (persistent), which must carry lab's marker;
 * refuses to redefine an existing domain that lacks it. Returns the handle
 * or NULL. */
struct virt_dom *virt_domain_define(struct virt_conn *conn, const char *xml);
/* Undefine (with its snapshot metadata), powering it off first if it runs. */
int virt_domain_undefine(struct virt_dom *dom);

enum virt_state {
	VIRT_STATE_OTHER = 0, /* nostate, blocked, crashed, pmsuspended */
	VIRT_STATE_RUNNING,
	VIRT_STATE_PAUSED,
	VIRT_STATE_SHUTDOWN, /* shutting down */
	VIRT_STATE_SHUTOFF,
};
const char *virt_state_name(enum virt_state s);
/* Returns the state, or -1 (error reported). */
int virt_domain_state(struct virt_dom *dom);
/* Poll until the domain is in state want; -1 on timeout (reported). */
int virt_wait_state(struct virt_dom *dom, enum virt_state want, int64_t timeout_ms);

int virt_start(struct virt_dom *dom);   /* virDomainCreate; running already is 0 */
/* ACPI shutdown, then wait up to timeout_ms for shut off; on expiry power
 * off (virDomainDestroy) and say so. */
int virt_shutdown(struct virt_dom *dom, int64_t timeout_ms);
int virt_reset(struct virt_dom *dom);     /* virDomainReset: hard reset, no guest involvement */
int virt_poweroff(struct virt_dom *dom);  /* virDomainDestroy; shut off already is 0 */
int virt_suspend(struct virt_dom *dom);   /* virDomainSuspend: vCPUs stop */
int virt_resume(struct virt_dom *dom);

/* Snapshots (libvirt snapshots; of a stopped domain: disk only). */
int virt_snapshot_create(struct virt_dom *dom, const char *name);
int virt_snapshot_revert(struct virt_dom *dom, const char *name);
int virt_snapshot_delete(struct virt_dom *dom, const char *name);
bool virt_snapshot_exists(struct virt_dom *dom, const char *name);

/* Disk cache mode of the first disk (device='disk'), or of the disk with
 * target dev (e.g. "vda"). *mode gets a malloc'd copy ("default" when the
 * XML has no cache=); from the persistent definition. */
int virt_get_cache_mode(struct virt_dom *dom, const char *target, char **mode);
/* Set it: edit cache= in the persistent XML, define it, and if the domain
 * ran, cold-restart it (destroy + start) so that QEMU opens the disk with
 * the new mode. *old_mode (may be NULL) gets the previous mode, malloc'd,
 * for the caller to restore. */
int virt_set_cache_mode(struct virt_dom *dom, const char *target, const char *mode,
			char **old_mode);
bool virt_cache_mode_valid(const char *mode);

/* ---- the QEMU guest agent ------------------------------------------- */

/* True when the guest agent answers guest-ping within timeout_ms. */
bool virt_agent_ping(struct virt_dom *dom, int64_t timeout_ms);
/* Run argv in the guest (guest-exec; argv[0] a path or a name in the
 * guest's PATH), optionally with stdin_data, and wait up to timeout_ms for it
 * (polling guest-exec-status). out (may be NULL) gets stdout then stderr.
 * Returns the exit status (0..255), 128+signal, or -1 (error reported). */
int virt_guest_exec(struct virt_dom *dom, const char *const argv[], const char *stdin_data,
		    int64_t timeout_ms, struct strbuf *out);

/* The same, but failures of the agent itself (guest down, booting) are
 * only remembered (lab_error_quiet), for polling. */
int virt_guest_exec_quiet(struct virt_dom *dom, const char *const argv[], const char *stdin_data,
			  int64_t timeout_ms, struct strbuf *out);
/* The guest's first non-loopback IPv4 address as the guest agent reports
 * it (guest-network-get-interfaces); -1 (quietly) if none yet. */
int virt_guest_ipv4(struct virt_dom *dom, char *buf, size_t size);

/* Pure helpers, exposed for tests. */
/* {"execute":"guest-exec","arguments":{"path":..,"arg":[..],"capture-output":true[,"input-data":B64]}}; malloc'd. */
char *virt_agent_exec_json(const char *const argv[], const char *stdin_data);
/* From {"return":{"pid":N}}. */
int virt_agent_parse_pid(const char *reply, int64_t *pid);
/* From {"return":{"exited":B,"exitcode":N,"signal":N,"out-data":B64,"err-data":B64}}:
 * *exited; *status = exitcode, or 128+signal; out gets the decoded output. */
int virt_agent_parse_status(const char *reply, bool *exited, int *status, struct strbuf *out);
/* Find key in the JSON object that is the value of "return" (or the top
 * object if there is no "return"); returns a pointer to the value's first
 * character and its length, or NULL. */
const char *virt_json_find(const char *json, const char *key, size_t *len);
/* Decode a JSON string value (with quotes) into out; -1 if malformed. */
int virt_json_string(const char *value, size_t len, struct strbuf *out);
void virt_base64_encode(const unsigned char *data, size_t n, struct strbuf *out);
int virt_base64_decode(const char *s, size_t n, struct strbuf *out);

/* ---- XML ------------------------------------------------------------ */

/* The marker element for <metadata>; malloc'd. */
char *virt_marker_xml(const char *cluster, int node);
/* Parse a marker element (as virDomainGetMetadata returns it, with or
 * without the prefix): cluster (into buf) and node. -1 if it is not one. */
int virt_marker_parse(const char *xml, char *cluster, size_t cluster_size, int *node);

/* Return a copy of domain xml with the cache= of the chosen disk (first
 * device='disk', or target dev) set to mode ("default" removes it), adding
 * a <driver> element if there is none; NULL with the error reported if the
 * disk is not there. Pure. */
char *virt_xml_set_disk_cache(const char *xml, const char *target, const char *mode);
/* The chosen disk's cache mode, malloc'd ("default" if unset), or NULL. */
char *virt_xml_get_disk_cache(const char *xml, const char *target);

/* What `lab vm define` puts in a domain. */
struct virt_domain_spec {
	const char *name;        /* domain name */
	const char *cluster;     /* marker cluster= */
	int node;                /* marker node= (1..) */
	const char *type;        /* "kvm" or "qemu" (TCG) */
	const char *emulator;    /* NULL: libvirt's default */
	int memory_mib;
	int vcpus;
	const char *disk;        /* qcow2 overlay path */
	const char *cache;       /* none|writethrough|writeback|unsafe|directsync */
	const char *kernel;
	const char *initrd;
	const char *cmdline;     /* kernel command line */
	const char *network;     /* libvirt network name */
	const char *mac;         /* "52:54:00:..." or NULL */
	const char *console_log; /* serial console to this file */
};
char *virt_domain_xml(const struct virt_domain_spec *spec);
/* An isolated network: bridge with addr/prefix, no <forward> (no uplink),
 * no DHCP, no DNS. */
char *virt_network_xml(const char *name, const char *bridge, const char *host_addr, int prefix);
/* Define + start a network from xml (idempotent: an existing active network
 * of that name is left as it is). Destroy + undefine by name; absent is 0. */
int virt_network_ensure(struct virt_conn *conn, const char *name, const char *xml);
int virt_network_remove(struct virt_conn *conn, const char *name);

/* Append s to sb with XML escaping (&, <, >, ', "). */
void virt_xml_escape(struct strbuf *sb, const char *s);

#endif
