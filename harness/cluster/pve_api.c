/*
 * pve_api.c — the Proxmox VE REST API client of the proxmox backend
 * (pve_api.h): libcurl for HTTPS, json-c for the replies.
 *
 * Trust: CURLOPT_SSL_VERIFYPEER and VERIFYHOST stay on, always. With a CA
 * file the chain is verified against it. With a fingerprint the leaf
 * certificate's SHA-256 is compared with the pin inside OpenSSL's verify
 * callback, installed through CURLOPT_SSL_CTX_FUNCTION: a leaf that matches
 * is accepted although self-signed, anything else fails the handshake before
 * a byte of the request (and its token) is sent. Not CURLOPT_PINNEDPUBLICKEY:
 * that pins the public key (SPKI), not the certificate fingerprint Proxmox
 * shows (pvenode cert info, the web UI), and it still needs the chain to
 * verify; not CURLINFO_CERTINFO: it is read after the handshake, when the
 * request would already have gone out.
 *
 * Reply shapes are cited where they are parsed; they come from Proxmox's
 * own sources: qemu-server PVE/API2/Qemu.pm (config, pending, status/{reset,stop,start},
 * snapshot), PVE/API2/Qemu/Agent.pm (agent exec, exec-status) and
 * pve-manager PVE/API2/Tasks.pm (task status), all wrapped by the API
 * server in {"data": ...}; errors are HTTP 4xx/5xx with the reason in the
 * status line and, for bad parameters, {"errors": {"param": "why"}}.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pve_api.h"

struct pve_conn {
	CURL *curl;
	char *url;                 /* no trailing slash */
	char *auth;                /* the Authorization header: secret, wiped at close */
	struct curl_slist *headers;
	char *ca_file;
	bool pinned;
	unsigned char pin[32];
	bool pin_mismatch;         /* the last handshake saw another certificate */
	bool quiet;                /* errors only remembered (lab_error_quiet), not printed */
	unsigned char seen[32];
	char curl_err[CURL_ERROR_SIZE];
};

static void wipe_free(char *s)
{
	if (s) {
		volatile char *p = s;
		while (*p)
			*p++ = '\0';
		free(s);
	}
}

bool pve_token_valid(const char *token)
{
	const char *at, *bang, *eq;
	if (!token)
		return false;
	for (const char *p = token; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return false;
	at = strchr(token, '@');
	bang = at ? strchr(at, '!') : NULL;
	eq = bang ? strchr(bang, '=') : NULL;
	return at && bang && eq && at > token && bang > at + 1 && eq > bang + 1 && eq[1] != '\0';
}

char *pve_auth_header(const char *token)
{
	return xasprintf("Authorization: PVEAPIToken=%s", token);
}

int pve_fingerprint_parse(const char *s, unsigned char out[32])
{
	size_t n = 0;
	if (!s)
		return -1;
	for (const char *p = s; *p;) {
		if (*p == ':') {
			p++;
			continue;
		}
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) || n == 32)
			return -1;
		char hex[3] = { p[0], p[1], '\0' };
		out[n++] = (unsigned char)strtoul(hex, NULL, 16);
		p += 2;
	}
	return n == 32 ? 0 : -1;
}

static void url_escape(struct strbuf *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			sb_add(sb, (const char *)p, 1);
		else
			sb_printf(sb, "%%%02X", *p);
	}
}

char *pve_vm_path(const char *node, int vmid, const char *suffix)
{
	struct strbuf sb = {0};
	sb_puts(&sb, "/api2/json/nodes/");
	url_escape(&sb, node);
	sb_printf(&sb, "/qemu/%d", vmid);
	if (suffix && *suffix)
		sb_printf(&sb, "/%s", suffix);
	return sb_detach(&sb);
}

char *pve_task_path(const char *node, const char *upid)
{
	struct strbuf sb = {0};
	sb_puts(&sb, "/api2/json/nodes/");
	url_escape(&sb, node);
	sb_puts(&sb, "/tasks/");
	url_escape(&sb, upid);
	sb_puts(&sb, "/status");
	return sb_detach(&sb);
}

void pve_form_add(struct strbuf *form, const char *key, const char *value)
{
	if (form->len)
		sb_puts(form, "&");
	url_escape(form, key);
	sb_puts(form, "=");
	url_escape(form, value);
}

void pve_exec_form(struct strbuf *form, const char *const argv[], const char *in)
{
	for (size_t i = 0; argv[i]; i++)
		pve_form_add(form, "command", argv[i]);
	if (in)
		pve_form_add(form, "input-data", in);
}

int pve_token_load(const char *token_file, char **token)
{
	const char *env = getenv("LAB_PROXMOX_TOKEN");
	struct stat st;
	char *text;
	size_t len;

	*token = NULL;
	if (env && *env) {
		*token = xstrdup(env);
	} else if (token_file && *token_file) {
		if (stat(token_file, &st) < 0) {
			lab_error("cannot read the Proxmox token file '%s': %s", token_file, strerror(errno));
			return -1;
		}
		if (st.st_mode & 077) {
			lab_error("Proxmox token file '%s' is readable by group or others (mode %04o): chmod 600 it",
				  token_file, (unsigned)(st.st_mode & 07777));
			return -1;
		}
		if (!(text = read_file(token_file, &len)))
			return -1;
		text[strcspn(text, "\r\n")] = '\0';
		*token = text;
	} else {
		lab_error("no Proxmox API token: set LAB_PROXMOX_TOKEN or 'token_file:' (a 0600 file)");
		return -1;
	}
	if (!pve_token_valid(*token)) {
		wipe_free(*token);
		*token = NULL;
		lab_error("the Proxmox API token is not of the form USER@REALM!TOKENID=SECRET (from %s)",
			  env && *env ? "LAB_PROXMOX_TOKEN" : token_file);
		return -1;
	}
	return 0;
}

/* ---- parsing ---- */

/* The "data" member of body (borrowed from *root, which the caller puts). */
static json_object *reply_data(const char *body, json_object **root)
{
	json_object *data = NULL;
	*root = body ? json_tokener_parse(body) : NULL;
	if (!*root || !json_object_is_type(*root, json_type_object)) {
		lab_error("Proxmox API reply is not a JSON object: %.200s", body ? body : "(none)");
		json_object_put(*root);
		*root = NULL;
		return NULL;
	}
	if (!json_object_object_get_ex(*root, "data", &data) || !data) {
		lab_error("Proxmox API reply has no data: %.200s", body);
		return NULL;
	}
	return data;
}

char *pve_reply_data(const char *body)
{
	json_object *root = body ? json_tokener_parse(body) : NULL, *data = NULL;
	char *s;
	if (!root || !json_object_object_get_ex(root, "data", &data) || !data)
		s = xstrdup("null");
	else
		s = xstrdup(json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return s;
}

char *pve_reply_errors(const char *body)
{
	json_object *root = body ? json_tokener_parse(body) : NULL, *v = NULL;
	struct strbuf sb = {0};
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return NULL;
	}
	if (json_object_object_get_ex(root, "errors", &v) && json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			const char *s = json_object_get_string(val);
			size_t n = s ? strlen(s) : 0;
			while (n && s[n - 1] == '\n')
				n--;
			sb_printf(&sb, "%s%s: %.*s", sb.len ? "; " : "", key, (int)n, s ? s : "");
		}
	}
	if (!sb.len && json_object_object_get_ex(root, "message", &v) && json_object_get_string(v))
		sb_puts(&sb, json_object_get_string(v));
	json_object_put(root);
	return sb.len ? sb_detach(&sb) : NULL;
}

char *pve_parse_upid(const char *body)
{
	json_object *root, *data = reply_data(body, &root);
	char *upid = NULL;
	if (!data)
		goto cleanup;
	if (!json_object_is_type(data, json_type_string) || strncmp(json_object_get_string(data), "UPID:", 5)) {
		lab_error("Proxmox API reply is not a task id (UPID): %.200s", body);
		goto cleanup;
	}
	upid = xstrdup(json_object_get_string(data));
cleanup:
	json_object_put(root);
	return upid;
}

int pve_upid_node(const char *upid, char *buf, size_t size)
{
	/* UPID:$node:$pid:$pstart:$starttime:$type:$id:$user: (PVE/Tools.pm upid_encode) */
	if (!upid || strncmp(upid, "UPID:", 5)) {
		lab_error("not a Proxmox task id: '%s'", upid ? upid : "");
		return -1;
	}
	const char *node = upid + 5;
	size_t n = strcspn(node, ":");
	if (!n || node[n] != ':' || n >= size) {
		lab_error("not a Proxmox task id: '%s'", upid);
		return -1;
	}
	memcpy(buf, node, n);
	buf[n] = '\0';
	return 0;
}

static const char *obj_string(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

int pve_parse_task_status(const char *body, struct pve_task_status *st)
{
	json_object *root, *data = reply_data(body, &root);
	int rc = -1;
	memset(st, 0, sizeof(*st));
	if (!data)
		goto cleanup;
	const char *status = json_object_is_type(data, json_type_object) ? obj_string(data, "status") : NULL;
	if (!status || (strcmp(status, "running") && strcmp(status, "stopped"))) {
		lab_error("Proxmox task status reply has no status running/stopped: %.200s", body);
		goto cleanup;
	}
	st->running = !strcmp(status, "running");
	const char *exitstatus = obj_string(data, "exitstatus");
	lab_strlcpy(st->exitstatus, exitstatus ? exitstatus : "", sizeof(st->exitstatus));
	if (!st->running && !exitstatus) {
		lab_error("Proxmox task stopped without an exitstatus: %.200s", body);
		goto cleanup;
	}
	rc = 0;
cleanup:
	json_object_put(root);
	return rc;
}

int pve_parse_exec_pid(const char *body, int64_t *pid)
{
	json_object *root, *data = reply_data(body, &root), *v;
	int rc = -1;
	if (!data)
		goto cleanup;
	if (!json_object_is_type(data, json_type_object) || !json_object_object_get_ex(data, "pid", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		lab_error("Proxmox agent exec reply has no pid: %.200s", body);
		goto cleanup;
	}
	*pid = json_object_get_int64(v);
	rc = 0;
cleanup:
	json_object_put(root);
	return rc;
}

/* A JSON boolean, or the 0/1 integer Perl's JSON encoder may give. */
static bool obj_bool(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return false;
	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), "0") && *json_object_get_string(v);
	return json_object_get_boolean(v);
}

int pve_parse_exec_status(const char *body, struct pve_exec_status *st, struct strbuf *out, struct strbuf *err)
{
	json_object *root, *data = reply_data(body, &root), *v;
	int rc = -1;
	memset(st, 0, sizeof(*st));
	if (!data)
		goto cleanup;
	if (!json_object_is_type(data, json_type_object) || !json_object_object_get_ex(data, "exited", &v)) {
		lab_error("Proxmox agent exec-status reply has no 'exited': %.200s", body);
		goto cleanup;
	}
	st->exited = obj_bool(data, "exited");
	if (st->exited) {
		if (json_object_object_get_ex(data, "exitcode", &v)) {
			st->status = json_object_get_int(v);
		} else if (json_object_object_get_ex(data, "signal", &v)) {
			st->status = 128 + json_object_get_int(v);
		} else {
			lab_error("Proxmox agent exec-status: exited without exitcode or signal: %.200s", body);
			goto cleanup;
		}
	}
	st->truncated = obj_bool(data, "out-truncated") || obj_bool(data, "err-truncated");
	const char *s = obj_string(data, "out-data");
	if (s && out)
		sb_puts(out, s);
	s = obj_string(data, "err-data");
	if (s && (err || out))
		sb_puts(err ? err : out, s);
	rc = 0;
cleanup:
	json_object_put(root);
	return rc;
}

int pve_config_get(const char *body, const char *key, char **value)
{
	json_object *root, *data = reply_data(body, &root), *v;
	int rc = -1;
	*value = NULL;
	if (!data)
		goto cleanup;
	if (!json_object_is_type(data, json_type_object)) {
		lab_error("Proxmox VM config reply is not an object: %.200s", body);
		goto cleanup;
	}
	if (json_object_object_get_ex(data, key, &v) && v)
		*value = xstrdup(json_object_get_string(v));
	rc = 0;
cleanup:
	json_object_put(root);
	return rc;
}

static bool disk_key_name(const char *key)
{
	static const char *const buses[] = { "scsi", "virtio", "sata", "ide" };
	for (size_t i = 0; i < ARRAY_SIZE(buses); i++) {
		size_t n = strlen(buses[i]);
		if (!strncmp(key, buses[i], n) && key[n] && strspn(key + n, "0123456789") == strlen(key + n))
			return true;
	}
	return false;
}

/* A disk (not a CD-ROM, not "none") under key in the config object. */
static bool is_disk(json_object *data, const char *key)
{
	const char *line = obj_string(data, key);
	if (!line || !disk_key_name(key))
		return false;
	if (!strncmp(line, "none", 4) && (line[4] == ',' || !line[4]))
		return false;
	for (const char *p = line; (p = strstr(p, "media=cdrom")); p++)
		if (p == line || p[-1] == ',')
			return false;
	return true;
}

int pve_config_disk_key(const char *body, char **key)
{
	json_object *root, *data = reply_data(body, &root);
	static const char *const order[] = { "scsi", "virtio", "sata", "ide" };
	int rc = -1;
	*key = NULL;
	if (!data || !json_object_is_type(data, json_type_object))
		goto cleanup;
	/* boot: "order=scsi0;ide2;net0" (Qemu.pm / QemuServer.pm boot format) */
	const char *boot = obj_string(data, "boot");
	const char *ord = boot ? strstr(boot, "order=") : NULL;
	if (ord) {
		ord += 6;
		while (*ord && *ord != ',' && !*key) {
			size_t n = strcspn(ord, ";,");
			char k[32];
			if (n && n < sizeof(k)) {
				memcpy(k, ord, n);
				k[n] = '\0';
				if (is_disk(data, k))
					*key = xstrdup(k);
			}
			ord += n;
			if (*ord == ';')
				ord++;
		}
	}
	for (size_t b = 0; b < ARRAY_SIZE(order) && !*key; b++)
		for (int i = 0; i < 31 && !*key; i++) {
			char k[32];
			snprintf(k, sizeof(k), "%s%d", order[b], i);
			if (is_disk(data, k))
				*key = xstrdup(k);
		}
	if (!*key) {
		lab_error("Proxmox VM config has no disk (scsiN, virtioN, sataN, ideN): %.200s", body);
		goto cleanup;
	}
	rc = 0;
cleanup:
	json_object_put(root);
	return rc;
}

int pve_pending_get(const char *body, const char *key, char **pending)
{
	json_object *root, *data = reply_data(body, &root);
	int rc = -1;
	*pending = NULL;
	if (!data)
		goto cleanup;
	if (!json_object_is_type(data, json_type_array)) {
		lab_error("Proxmox pending reply is not an array: %.200s", body);
		goto cleanup;
	}
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		json_object *e = json_object_array_get_idx(data, i);
		const char *k = obj_string(e, "key");
		if (!k || strcmp(k, key))
			continue;
		const char *p = obj_string(e, "pending");
		if (p)
			*pending = xstrdup(p);
		else if (obj_bool(e, "delete"))
			*pending = xstrdup(""); /* a pending removal */
	}
	rc = 0;
cleanup:
	json_object_put(root);
	return rc;
}

int pve_parse_guest_ipv4(const char *body, char *buf, size_t size)
{
	json_object *root, *data = reply_data(body, &root), *result, *addrs;
	int rc = -1;
	if (!data)
		goto cleanup;
	if (!json_object_is_type(data, json_type_object) || !json_object_object_get_ex(data, "result", &result) ||
	    !json_object_is_type(result, json_type_array)) {
		lab_error("Proxmox agent network-get-interfaces reply has no result list: %.200s", body);
		goto cleanup;
	}
	for (size_t i = 0; i < json_object_array_length(result); i++) {
		json_object *ifc = json_object_array_get_idx(result, i);
		const char *name = obj_string(ifc, "name");
		if (!name || !strcmp(name, "lo") || !json_object_object_get_ex(ifc, "ip-addresses", &addrs) ||
		    !json_object_is_type(addrs, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(addrs); j++) {
			json_object *a = json_object_array_get_idx(addrs, j);
			const char *type = obj_string(a, "ip-address-type"), *ip = obj_string(a, "ip-address");
			if (type && ip && !strcmp(type, "ipv4") && strlen(ip) < size) {
				lab_strlcpy(buf, ip, size);
				rc = 0;
				goto cleanup;
			}
		}
	}
	lab_error_quiet("the guest reports no IPv4 address yet");
cleanup:
	json_object_put(root);
	return rc;
}

bool pve_tags_has(const char *tags, const char *tag)
{
	size_t n = strlen(tag);
	if (!tags || !n)
		return false;
	for (const char *p = tags; *p;) {
		p += strspn(p, ";, \t");
		size_t len = strcspn(p, ";, \t");
		if (len == n && !strncmp(p, tag, n))
			return true;
		p += len;
	}
	return false;
}

char *pve_disk_cache(const char *line)
{
	for (const char *p = line; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len > 6 && !strncmp(p, "cache=", 6)) {
			char *v = xmalloc(len - 5);
			memcpy(v, p + 6, len - 6);
			v[len - 6] = '\0';
			return v;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return xstrdup("");
}

char *pve_disk_set_cache(const char *line, const char *mode)
{
	struct strbuf sb = {0};
	bool done = false;
	for (const char *p = line; *p;) {
		size_t len = strcspn(p, ",");
		if (len >= 6 && !strncmp(p, "cache=", 6)) {
			if (*mode)
				sb_printf(&sb, "%scache=%s", sb.len ? "," : "", mode);
			done = true;
		} else {
			sb_printf(&sb, "%s%.*s", sb.len ? "," : "", (int)len, p);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (!done && *mode)
		sb_printf(&sb, "%scache=%s", sb.len ? "," : "", mode);
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

bool pve_cache_mode_valid(const char *mode)
{
	/* qemu-server PVE/QemuServer/Drive.pm: cache => enum [none writethrough
	 * writeback unsafe directsync] */
	static const char *const modes[] = { "none", "writethrough", "writeback", "unsafe", "directsync" };
	for (size_t i = 0; mode && i < ARRAY_SIZE(modes); i++)
		if (!strcmp(mode, modes[i]))
			return true;
	return false;
}

/* ---- HTTP ---- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	sb_add(userdata, ptr, size * nmemb);
	return size * nmemb;
}

static int verify_leaf(int preverify_ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct pve_conn *conn = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!conn)
		return 0;
	if (X509_STORE_CTX_get_error_depth(store) > 0)
		return 1; /* the pin is on the leaf: its issuers do not matter */
	X509 *cert = X509_STORE_CTX_get_current_cert(store);
	if (!cert || !X509_digest(cert, EVP_sha256(), md, &n) || n != 32)
		return 0;
	memcpy(conn->seen, md, 32);
	if (memcmp(md, conn->pin, 32) != 0) {
		conn->pin_mismatch = true;
		return 0;
	}
	(void)preverify_ok;
	X509_STORE_CTX_set_error(store, X509_V_OK);
	return 1;
}

static CURLcode ssl_ctx_pin(CURL *curl, void *ssl_ctx, void *userdata)
{
	(void)curl;
	SSL_CTX_set_app_data((SSL_CTX *)ssl_ctx, userdata);
	SSL_CTX_set_verify((SSL_CTX *)ssl_ctx, SSL_VERIFY_PEER, verify_leaf);
	return CURLE_OK;
}

struct pve_conn *pve_open(const struct pve_opts *o)
{
	struct pve_conn *conn;
	static bool global;
	size_t n;

	if (!o->url || strncmp(o->url, "https://", 8) || !o->url[8]) {
		lab_error("Proxmox URL '%s' is not https://HOST[:PORT]", o->url ? o->url : "");
		return NULL;
	}
	if (!pve_token_valid(o->token)) {
		lab_error("the Proxmox API token is not of the form USER@REALM!TOKENID=SECRET");
		return NULL;
	}
	conn = xcalloc(1, sizeof(*conn));
	if (o->fingerprint && *o->fingerprint) {
		if (pve_fingerprint_parse(o->fingerprint, conn->pin) < 0) {
			lab_error("Proxmox certificate fingerprint '%s' is not a SHA-256 (32 hex bytes, ':' between)",
				  o->fingerprint);
			goto fail;
		}
		conn->pinned = true;
	}
	if (!global) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			lab_error("curl_global_init failed");
			goto fail;
		}
		global = true;
	}
	if (!(conn->curl = curl_easy_init())) {
		lab_error("curl_easy_init failed");
		goto fail;
	}
	conn->url = xstrdup(o->url);
	n = strlen(conn->url);
	while (n > 8 && conn->url[n - 1] == '/')
		conn->url[--n] = '\0';
	conn->auth = pve_auth_header(o->token);
	conn->headers = curl_slist_append(NULL, conn->auth);
	conn->headers = curl_slist_append(conn->headers, "Accept: application/json");
	conn->ca_file = o->ca_file && *o->ca_file ? xstrdup(o->ca_file) : NULL;
	CURL *c = conn->curl;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, conn->headers);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, conn->curl_err);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout_ms > 0 ? o->timeout_ms : 60000));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	if (conn->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, conn->ca_file);
	if (conn->pinned) {
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_pin);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, conn);
	}
	return conn;
fail:
	pve_close(conn);
	return NULL;
}

void pve_close(struct pve_conn *conn)
{
	if (!conn)
		return;
	if (conn->curl)
		curl_easy_cleanup(conn->curl);
	if (conn->headers) {
		/* the slist holds its own copy of the Authorization header */
		for (struct curl_slist *l = conn->headers; l; l = l->next) {
			volatile char *p = l->data;
			while (*p)
				*p++ = '\0';
		}
		curl_slist_free_all(conn->headers);
	}
	wipe_free(conn->auth);
	free(conn->url);
	free(conn->ca_file);
	free(conn);
}

/* An error of a request: printed, or only remembered while conn->quiet. */
static void conn_error(struct pve_conn *conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_error(struct pve_conn *conn, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (conn->quiet)
		lab_error_quiet("%s", msg);
	else
		lab_error("%s", msg);
}

void pve_set_quiet(struct pve_conn *conn, bool quiet)
{
	conn->quiet = quiet;
}

static void hex_colon(const unsigned char *md, char *buf, size_t size)
{
	size_t at = 0;
	for (int i = 0; i < 32 && at + 3 < size; i++)
		at += (size_t)snprintf(buf + at, size - at, "%s%02X", i ? ":" : "", md[i]);
}

int pve_call(struct pve_conn *conn, const char *method, const char *path, const char *form, char **body)
{
	struct strbuf reply = {0};
	char *url;
	long code = 0;
	int rc = -1;
	bool query = !strcmp(method, "GET") || !strcmp(method, "DELETE");
	CURL *c = conn->curl;

	if (body)
		*body = NULL;
	url = xasprintf("%s%s%s%s", conn->url, path, query && form && *form ? "?" : "", query && form ? form : "");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L); /* resets POST state */
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
	if (!query) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form ? form : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(form ? strlen(form) : 0));
		if (strcmp(method, "POST"))
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	conn->curl_err[0] = '\0';
	conn->pin_mismatch = false;
	CURLcode res = curl_easy_perform(c);
	if (res != CURLE_OK) {
		char host[256];
		lab_strlcpy(host, conn->url, sizeof(host));
		if (conn->pinned && conn->pin_mismatch) {
			char seen[128];
			hex_colon(conn->seen, seen, sizeof(seen));
			conn_error(conn, "Proxmox API at '%s': the certificate's SHA-256 fingerprint %s is not the pinned one; refusing it",
				  host, seen);
		} else if (res == CURLE_PEER_FAILED_VERIFICATION || res == CURLE_SSL_CACERT_BADFILE ||
			   res == CURLE_SSL_CONNECT_ERROR) {
			conn_error(conn, "Proxmox API at '%s': TLS failed, the certificate is not trusted (give 'ca_file:' or 'fingerprint:'): %s",
				  host, conn->curl_err[0] ? conn->curl_err : curl_easy_strerror(res));
		} else {
			conn_error(conn, "Proxmox API at '%s' is unreachable: %s", host,
				  conn->curl_err[0] ? conn->curl_err : curl_easy_strerror(res));
		}
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		char *why = pve_reply_errors(reply.buf);
		if (code == 401)
			conn_error(conn, "Proxmox API refused the token (HTTP 401) for %s %s: %s", method, path,
				  why ? why : "authentication failure");
		else
			conn_error(conn, "Proxmox API: %s %s failed (HTTP %ld): %.300s", method, path, code,
				  why ? why : (reply.len ? reply.buf : "no reason given"));
		free(why);
		goto cleanup;
	}
	if (body)
		*body = reply.buf ? sb_detach(&reply) : xstrdup("");
	rc = 0;
cleanup:
	sb_release(&reply);
	free(url);
	return rc;
}

char *pve_call_task(struct pve_conn *conn, const char *method, const char *path, const char *form)
{
	char *body = NULL, *upid;
	if (pve_call(conn, method, path, form, &body) < 0)
		return NULL;
	upid = pve_parse_upid(body);
	free(body);
	return upid;
}

int pve_task_wait(struct pve_conn *conn, const char *node, const char *upid, int64_t timeout_ms, int64_t poll_ms)
{
	char *path = pve_task_path(node, upid);
	int64_t deadline = mono_ns() + timeout_ms * 1000000;
	struct pve_task_status st;
	int rc = -1;
	for (;;) {
		char *body = NULL;
		if (pve_call(conn, "GET", path, NULL, &body) < 0)
			goto cleanup;
		int prc = pve_parse_task_status(body, &st);
		free(body);
		if (prc < 0)
			goto cleanup;
		if (!st.running)
			break;
		if (mono_ns() >= deadline || lab_interrupted) {
			lab_error("Proxmox task '%s' still running after %lld s; giving up on it", upid,
				  (long long)(timeout_ms / 1000));
			goto cleanup;
		}
		sleep_ms(poll_ms > 0 ? poll_ms : 500);
	}
	if (strcmp(st.exitstatus, "OK")) {
		lab_error("Proxmox task '%s' failed: %s", upid, st.exitstatus);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(path);
	return rc;
}

int pve_agent_exec(struct pve_conn *conn, const char *node, int vmid, const char *const argv[], const char *in,
		   int64_t timeout_ms, struct strbuf *out, bool quiet)
{
	struct strbuf form = {0}, err = {0};
	char *path = pve_vm_path(node, vmid, "agent/exec"), *spath = NULL, *body = NULL;
	int64_t pid = 0, deadline = mono_ns() + timeout_ms * 1000000, wait = 20;
	struct pve_exec_status st;
	int rc = -1;

	bool was_quiet = conn->quiet;
	conn->quiet = quiet || was_quiet;
	if (in && strlen(in) > 65536) { /* Agent.pm exec: input-data maxLength 64 KiB */
		conn_error(conn, "VM %d: '%s': %zu bytes of input is more than the guest agent's input-data takes (64 KiB)",
			   vmid, argv[0], strlen(in));
		goto cleanup;
	}
	pve_exec_form(&form, argv, in);
	if (pve_call(conn, "POST", path, form.buf, &body) < 0 || pve_parse_exec_pid(body, &pid) < 0)
		goto cleanup;
	free(path);
	path = pve_vm_path(node, vmid, "agent/exec-status");
	spath = xasprintf("pid=%lld", (long long)pid);
	for (;;) {
		free(body);
		body = NULL;
		sb_reset(&err);
		if (pve_call(conn, "GET", path, spath, &body) < 0 || pve_parse_exec_status(body, &st, out, &err) < 0)
			goto cleanup;
		if (st.exited)
			break;
		if (mono_ns() >= deadline || lab_interrupted) {
			conn_error(conn, "VM %d: '%s' still running in the guest after %lld s", vmid, argv[0],
				  (long long)(timeout_ms / 1000));
			goto cleanup;
		}
		sleep_ms(wait);
		wait = wait < 500 ? wait * 2 : 500;
	}
	if (err.len && out)
		sb_add(out, err.buf, err.len);
	rc = st.status;
cleanup:
	conn->quiet = was_quiet;
	sb_release(&form);
	sb_release(&err);
	free(body);
	free(path);
	free(spath);
	return rc;
}
