/*
 * pve_api.h — a small client of the Proxmox VE REST API (/api2/json), as the
 * proxmox backend needs it: HTTPS with an API token, the certificate checked
 * against a CA file or pinned by its SHA-256 fingerprint, form-encoded
 * requests, the {"data": ...} envelope, task (UPID) polling, and the QEMU
 * guest agent's exec / exec-status.
 *
 * The pure parts (token and fingerprint checks, paths, form bodies, response
 * parsing, disk line and tag edits) have no I/O and are unit tested
 * (tests/unit/test_pve_api.c); pve_call() and what is built on it do the
 * HTTP. Every function returns 0 / -1 (or a pointer / NULL) with the error
 * reported once (lab_error), unless said otherwise.
 */
#ifndef LAB_PVE_API_H
#define LAB_PVE_API_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* What a connection needs. Strings are borrowed for pve_open's duration. */
struct pve_opts {
	const char *url;          /* https://host:8006 (no path) */
	const char *token;        /* USER@REALM!TOKENID=SECRET */
	const char *ca_file;      /* PEM file of the CA that signed the host's certificate */
	const char *fingerprint;  /* the certificate's SHA-256, AA:BB:... as Proxmox shows it */
	int64_t connect_timeout_ms; /* 0 = 5 s */
	int64_t timeout_ms;         /* one request, 0 = 60 s */
};

struct pve_conn;

/* Open a connection (no request is made yet). The token is copied into the
 * Authorization header only; the returned connection is freed, and the
 * header wiped, by pve_close (NULL is fine). */
struct pve_conn *pve_open(const struct pve_opts *o);
void pve_close(struct pve_conn *conn);
/* While quiet, request errors are only remembered (lab_error_quiet), not
 * printed: for probes (is the agent up yet?). */
void pve_set_quiet(struct pve_conn *conn, bool quiet);

/* ---- pure helpers (no I/O) ---- */

/* USER@REALM!TOKENID=SECRET: each part non-empty, no white space or control
 * characters. Says nothing about the secret when it fails. */
bool pve_token_valid(const char *token);
/* "Authorization: PVEAPIToken=TOKEN" (malloc'd; the caller wipes it). */
char *pve_auth_header(const char *token);
/* Normalise a SHA-256 fingerprint "aa:BB:..." or 64 hex digits into 32
 * bytes. -1 (not reported) when it is not one. */
int pve_fingerprint_parse(const char *s, unsigned char out[32]);
/* /api2/json/nodes/NODE/qemu/VMID[/SUFFIX] (malloc'd); NODE is URL-escaped. */
char *pve_vm_path(const char *node, int vmid, const char *suffix);
/* /api2/json/nodes/NODE/tasks/UPID/status (malloc'd, UPID escaped). */
char *pve_task_path(const char *node, const char *upid);
/* Append KEY=VALUE to an application/x-www-form-urlencoded body. */
void pve_form_add(struct strbuf *form, const char *key, const char *value);
/* The body of an agent exec request (Agent.pm exec: command is an array,
 * "the command as a list of program + arguments", since Proxmox VE 7; the
 * API takes an array parameter as its key repeated): command=ARGV0&
 * command=ARGV1... and input-data (stdin, at most 64 KiB) when in. */
void pve_exec_form(struct strbuf *form, const char *const argv[], const char *in);

/* The token from LAB_PROXMOX_TOKEN, else from the file (which must not be
 * readable by group or others), else an error saying which is missing.
 * *token malloc'd; the caller wipes and frees it. */
int pve_token_load(const char *token_file, char **token);

/* ---- response parsing (bodies as the API returns them) ---- */

/* The "data" member of a reply, as JSON text (malloc'd), "null" when absent. */
char *pve_reply_data(const char *body);
/* An error reply's message: the "errors" object's members ("vmid: ...") or
 * "message", else NULL (malloc'd). */
char *pve_reply_errors(const char *body);
/* {"data": "UPID:..."}: the task id (malloc'd). */
char *pve_parse_upid(const char *body);
/* The node a UPID was started on (UPID:NODE:PID:...), into buf. */
int pve_upid_node(const char *upid, char *buf, size_t size);

/* GET /nodes/{node}/tasks/{upid}/status (pve-manager PVE/API2/Tasks.pm):
 * {"data": {"status": "running"|"stopped", "exitstatus": "OK", ...}}. */
struct pve_task_status {
	bool running;
	char exitstatus[256]; /* "" while running */
};
int pve_parse_task_status(const char *body, struct pve_task_status *st);

/* POST agent/exec (qemu-server PVE/API2/Qemu/Agent.pm): {"data": {"pid": N}}. */
int pve_parse_exec_pid(const char *body, int64_t *pid);
/* GET agent/exec-status (same file): {"data": {"exited": 0|1, "exitcode": N,
 * "signal": N, "out-data": "...", "err-data": "...", ...}}; out-data and
 * err-data are already decoded by the API (qemu-server PVE/QemuServer/Agent.pm
 * qemu_exec_status decodes the agent's base64 and turns booleans into 1/0).
 * *status is the exit code, or 128 + signal. */
struct pve_exec_status {
	bool exited;
	int status;
	bool truncated;
};
int pve_parse_exec_status(const char *body, struct pve_exec_status *st, struct strbuf *out, struct strbuf *err);

/* One key of GET config's data (qemu-server PVE/API2/Qemu.pm, vm_config):
 * {"data": {"scsi0": "local-lvm:vm-101-disk-0,cache=none,size=8G",
 * "tags": "lab-c-1;db", "digest": "...", ...}}. *value malloc'd, NULL when
 * the key is absent (0 returned). */
int pve_config_get(const char *body, const char *key, char **value);
/* The VM's system disk key in a config reply: the first disk of "boot:
 * order=..." that is one, else the first of scsiN, virtioN, sataN, ideN that is
 * not a CD-ROM (media=cdrom) nor "none". *key malloc'd. */
int pve_config_disk_key(const char *body, char **key);
/* GET pending (Qemu.pm vm_pending): {"data": [{"key": K, "value": V,
 * "pending": P, "delete": 0|1|2}, ...]}: *pending the pending value of key
 * (malloc'd) or NULL when nothing is pending for it. */
int pve_pending_get(const char *body, const char *key, char **pending);

/* POST agent/network-get-interfaces (Agent.pm, the agent's reply in
 * "result"): {"data": {"result": [{"name": "eth0", "ip-addresses":
 * [{"ip-address-type": "ipv4", "ip-address": "10.0.0.5", "prefix": 24}]}]}}:
 * the first IPv4 address of an interface other than "lo", into buf. */
int pve_parse_guest_ipv4(const char *body, char *buf, size_t size);

/* Tags as the config stores them: separated by ';' ',' or white space. */
bool pve_tags_has(const char *tags, const char *tag);
/* The cache= option of a disk line, "" when the line has none (the
 * default, "none" in current Proxmox) (malloc'd). */
char *pve_disk_cache(const char *line);
/* The disk line with cache=MODE (cache= dropped when mode is "" — the
 * default), every other option kept as it was, in order (malloc'd). */
char *pve_disk_set_cache(const char *line, const char *mode);
bool pve_cache_mode_valid(const char *mode);

/* ---- HTTP ---- */

/* One request: method GET / POST / PUT / DELETE, path from /api2/json on,
 * form the body (POST, PUT) or query string (GET, DELETE), or NULL. *body
 * (malloc'd) gets the reply of a 2xx; anything else is an error naming the
 * method, path and what the API said. body may be NULL. */
int pve_call(struct pve_conn *conn, const char *method, const char *path, const char *form, char **body);
/* Like pve_call for a request that starts a task: returns the UPID
 * (malloc'd) or NULL. */
char *pve_call_task(struct pve_conn *conn, const char *method, const char *path, const char *form);
/* Poll the task until stopped (every poll_ms, 0 = 500 ms), demand
 * exitstatus OK. A task still running after timeout_ms is an error
 * naming it (it is left running: Proxmox has no safe generic abort). */
int pve_task_wait(struct pve_conn *conn, const char *node, const char *upid, int64_t timeout_ms, int64_t poll_ms);
/* Run argv in the guest through the agent: exec, then exec-status every
 * poll_ms until exited or timeout_ms. stdout then stderr go into out.
 * Returns the exit status (128 + signal), or -1 with the error reported
 * (not reported when quiet). */
int pve_agent_exec(struct pve_conn *conn, const char *node, int vmid, const char *const argv[], const char *in,
		   int64_t timeout_ms, struct strbuf *out, bool quiet);

#endif
