/*
 * virt.c — the libvirt layer of lab (see virt.h): lab-marked domains and the
 * operations the libvirt backend performs on them, the QEMU guest agent's
 * guest-exec, disk cache edits by cold restart, snapshots, and the XML lab
 * writes. The first half is pure (XML, JSON, base64) and always built; the
 * second half needs libvirt and, without it (LAB_NO_LIBVIRT), every entry
 * point says "built without libvirt".
 *
 * libvirt's own error printing is switched off; each failure is reported
 * once here with libvirt's message appended, and -1 / NULL passed up.
 */
#include "virt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LAB_NO_LIBVIRT
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#endif

static const char *const cache_modes[] = {
	"none", "writethrough", "writeback", "unsafe", "directsync", "default",
};

bool virt_cache_mode_valid(const char *mode)
{
	for (size_t i = 0; mode && i < ARRAY_SIZE(cache_modes); i++)
		if (strcmp(mode, cache_modes[i]) == 0)
			return true;
	return false;
}

const char *virt_state_name(enum virt_state s)
{
	switch (s) {
	case VIRT_STATE_RUNNING: return "running";
	case VIRT_STATE_PAUSED: return "paused";
	case VIRT_STATE_SHUTDOWN: return "shutting down";
	case VIRT_STATE_SHUTOFF: return "shut off";
	case VIRT_STATE_OTHER: break;
	}
	return "other";
}

/* ---- XML helpers ------------------------------------------------------ */

void virt_xml_escape(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': sb_puts(sb, "&amp;"); break;
		case '<': sb_puts(sb, "&lt;"); break;
		case '>': sb_puts(sb, "&gt;"); break;
		case '\'': sb_puts(sb, "&apos;"); break;
		case '"': sb_puts(sb, "&quot;"); break;
		default: sb_add(sb, s, 1);
		}
	}
}

/* In the tag [tag, end) find attribute name; *val / *vlen get its value
 * (between the quotes), *astart the whitespace before the name and *aend
 * the character after the closing quote. */
static bool xml_attr(const char *tag, const char *end, const char *name, const char **val,
		     size_t *vlen, const char **astart, const char **aend)
{
	size_t nlen = strlen(name);
	for (const char *p = tag; p + nlen < end; p++) {
		if (!isspace((unsigned char)p[0]) || strncmp(p + 1, name, nlen) != 0)
			continue;
		const char *q = p + 1 + nlen;
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (q >= end || *q != '=')
			continue;
		q++;
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (q >= end || (*q != '\'' && *q != '"'))
			continue;
		char quote = *q++;
		const char *v = q;
		while (q < end && *q != quote)
			q++;
		if (q >= end)
			return false;
		if (val)
			*val = v;
		if (vlen)
			*vlen = (size_t)(q - v);
		if (astart)
			*astart = p;
		if (aend)
			*aend = q + 1;
		return true;
	}
	return false;
}

static bool attr_is(const char *tag, const char *end, const char *name, const char *want)
{
	const char *v;
	size_t n;
	return xml_attr(tag, end, name, &v, &n, NULL, NULL) && n == strlen(want) &&
	       strncmp(v, want, n) == 0;
}

/* Find the next element <name ...> in [p, end): returns its '<', *tag_end
 * the character after its '>'. */
static const char *xml_find_tag(const char *p, const char *end, const char *name,
				const char **tag_end)
{
	size_t nlen = strlen(name);
	for (; p && p < end; p++) {
		p = memchr(p, '<', (size_t)(end - p));
		if (!p)
			return NULL;
		if ((size_t)(end - p) > nlen + 1 && strncmp(p + 1, name, nlen) == 0 &&
		    (isspace((unsigned char)p[1 + nlen]) || p[1 + nlen] == '>' || p[1 + nlen] == '/')) {
			const char *e = memchr(p, '>', (size_t)(end - p));
			if (!e)
				return NULL;
			*tag_end = e + 1;
			return p;
		}
	}
	return NULL;
}

/* Locate the chosen disk element: [*ds, *de) the whole element, *oe the end
 * of its opening tag. */
static int find_disk(const char *xml, const char *target, const char **ds, const char **oe,
		     const char **de)
{
	const char *end = xml + strlen(xml);
	const char *p = xml, *open_end;
	while ((p = xml_find_tag(p, end, "disk", &open_end))) {
		const char *close = strstr(open_end, "</disk>");
		const char *elem_end = close ? close + strlen("</disk>") : open_end;
		bool self_closing = open_end[-2] == '/';
		if (self_closing)
			close = open_end;
		if (!close)
			break;
		bool is_disk = !xml_attr(p, open_end, "device", NULL, NULL, NULL, NULL) ||
			       attr_is(p, open_end, "device", "disk");
		bool match = is_disk;
		if (match && target) {
			const char *te, *t = xml_find_tag(open_end, close, "target", &te);
			match = t && attr_is(t, te, "dev", target);
		}
		if (match) {
			*ds = p;
			*oe = open_end;
			*de = elem_end;
			return 0;
		}
		p = elem_end;
	}
	if (target)
		lab_error("no disk with target 'dev=%s' in the domain XML", target);
	else
		lab_error("no disk (device='disk') in the domain XML");
	return -1;
}

char *virt_xml_get_disk_cache(const char *xml, const char *target)
{
	const char *ds, *oe, *de, *drv_end, *v;
	size_t n;
	if (find_disk(xml, target, &ds, &oe, &de) < 0)
		return NULL;
	const char *drv = xml_find_tag(oe, de, "driver", &drv_end);
	if (drv && xml_attr(drv, drv_end, "cache", &v, &n, NULL, NULL)) {
		char *mode = xmalloc(n + 1);
		memcpy(mode, v, n);
		mode[n] = '\0';
		return mode;
	}
	return xstrdup("default");
}

char *virt_xml_set_disk_cache(const char *xml, const char *target, const char *mode)
{
	const char *ds, *oe, *de, *drv_end, *astart, *aend;
	struct strbuf sb = {0};
	if (!virt_cache_mode_valid(mode)) {
		lab_error("invalid disk cache mode '%s' (none, writethrough, writeback, unsafe, directsync, default)",
			  mode ? mode : "");
		return NULL;
	}
	if (find_disk(xml, target, &ds, &oe, &de) < 0)
		return NULL;
	bool set = strcmp(mode, "default") != 0;
	const char *drv = xml_find_tag(oe, de, "driver", &drv_end);
	if (drv && xml_attr(drv, drv_end, "cache", NULL, NULL, &astart, &aend)) {
		sb_add(&sb, xml, (size_t)(astart - xml));
		if (set)
			sb_printf(&sb, " cache='%s'", mode);
		sb_puts(&sb, aend);
	} else if (drv) {
		if (!set)
			return xstrdup(xml);
		/* before "/>" or ">" */
		const char *ins = drv_end - 1;
		if (ins > drv && ins[-1] == '/')
			ins--;
		sb_add(&sb, xml, (size_t)(ins - xml));
		sb_printf(&sb, " cache='%s'", mode);
		sb_puts(&sb, ins);
	} else {
		if (!set)
			return xstrdup(xml);
		sb_add(&sb, xml, (size_t)(oe - xml));
		sb_printf(&sb, "\n      <driver name='qemu' cache='%s'/>", mode);
		sb_puts(&sb, oe);
	}
	return sb_detach(&sb);
}

char *virt_marker_xml(const char *cluster, int node)
{
	struct strbuf sb = {0};
	sb_printf(&sb, "<%s:%s xmlns:%s=\"%s\" cluster=\"", VIRT_MARKER_PREFIX, VIRT_MARKER_ELEMENT,
		  VIRT_MARKER_PREFIX, VIRT_MARKER_NS);
	virt_xml_escape(&sb, cluster);
	sb_printf(&sb, "\" node=\"%d\"/>", node);
	return sb_detach(&sb);
}

int virt_marker_parse(const char *xml, char *cluster, size_t cluster_size, int *node)
{
	const char *end, *tag, *v;
	size_t n;
	int64_t num;
	if (!xml)
		return -1;
	end = xml + strlen(xml);
	tag = xml_find_tag(xml, end, VIRT_MARKER_PREFIX ":" VIRT_MARKER_ELEMENT, &end);
	if (!tag) {
		end = xml + strlen(xml);
		tag = xml_find_tag(xml, end, VIRT_MARKER_ELEMENT, &end);
	}
	if (!tag)
		return -1;
	if (!xml_attr(tag, end, "cluster", &v, &n, NULL, NULL) || n == 0 || n >= cluster_size)
		return -1;
	memcpy(cluster, v, n);
	cluster[n] = '\0';
	if (!xml_attr(tag, end, "node", &v, &n, NULL, NULL) || n == 0 || n > 9)
		return -1;
	char buf[16];
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (parse_int64(buf, 1, 1000, &num) < 0)
		return -1;
	*node = (int)num;
	return 0;
}

char *virt_domain_xml(const struct virt_domain_spec *s)
{
	struct strbuf sb = {0};
	char *marker = virt_marker_xml(s->cluster, s->node);
	sb_printf(&sb, "<domain type='%s'>\n  <name>", s->type ? s->type : "qemu");
	virt_xml_escape(&sb, s->name);
	sb_printf(&sb, "</name>\n  <metadata>\n    %s\n  </metadata>\n", marker);
	free(marker);
	sb_printf(&sb, "  <memory unit='MiB'>%d</memory>\n  <vcpu>%d</vcpu>\n",
		  s->memory_mib > 0 ? s->memory_mib : 1024, s->vcpus > 0 ? s->vcpus : 1);
	sb_puts(&sb, "  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n");
	if (s->kernel) {
		sb_puts(&sb, "    <kernel>");
		virt_xml_escape(&sb, s->kernel);
		sb_puts(&sb, "</kernel>\n");
	}
	if (s->initrd) {
		sb_puts(&sb, "    <initrd>");
		virt_xml_escape(&sb, s->initrd);
		sb_puts(&sb, "</initrd>\n");
	}
	if (s->cmdline) {
		sb_puts(&sb, "    <cmdline>");
		virt_xml_escape(&sb, s->cmdline);
		sb_puts(&sb, "</cmdline>\n");
	}
	sb_puts(&sb, "  </os>\n  <features><acpi/></features>\n  <clock offset='utc'/>\n"
		     "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n"
		     "  <on_crash>destroy</on_crash>\n  <devices>\n");
	if (s->emulator) {
		sb_puts(&sb, "    <emulator>");
		virt_xml_escape(&sb, s->emulator);
		sb_puts(&sb, "</emulator>\n");
	}
	sb_printf(&sb, "    <disk type='file' device='disk'>\n"
		       "      <driver name='qemu' type='qcow2' cache='%s'/>\n      <source file='",
		  s->cache ? s->cache : "none");
	virt_xml_escape(&sb, s->disk);
	sb_puts(&sb, "'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n");
	if (s->network) {
		sb_puts(&sb, "    <interface type='network'>\n");
		if (s->mac) {
			sb_puts(&sb, "      <mac address='");
			virt_xml_escape(&sb, s->mac);
			sb_puts(&sb, "'/>\n");
		}
		sb_puts(&sb, "      <source network='");
		virt_xml_escape(&sb, s->network);
		sb_puts(&sb, "'/>\n      <model type='virtio'/>\n    </interface>\n");
	}
	if (s->console_log) {
		sb_puts(&sb, "    <serial type='file'>\n      <source path='");
		virt_xml_escape(&sb, s->console_log);
		sb_puts(&sb, "'/>\n      <target port='0'/>\n    </serial>\n");
	}
	sb_puts(&sb, "    <channel type='unix'>\n"
		     "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n    </channel>\n"
		     "    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n"
		     "    </rng>\n    <memballoon model='none'/>\n  </devices>\n</domain>\n");
	return sb_detach(&sb);
}

char *virt_network_xml(const char *name, const char *bridge, const char *host_addr, int prefix)
{
	struct strbuf sb = {0};
	sb_puts(&sb, "<network>\n  <name>");
	virt_xml_escape(&sb, name);
	sb_puts(&sb, "</name>\n  <bridge name='");
	virt_xml_escape(&sb, bridge);
	/* No <forward>: an isolated network, guests reach the host and each
	 * other only. No DHCP, no DNS: addresses come from the kernel command
	 * line (lab-node-setup). */
	sb_puts(&sb, "' stp='off' delay='0'/>\n  <dns enable='no'/>\n  <ip address='");
	virt_xml_escape(&sb, host_addr);
	sb_printf(&sb, "' prefix='%d'/>\n</network>\n", prefix);
	return sb_detach(&sb);
}

/* ---- JSON and base64 (guest agent) ------------------------------------ */

static const char *json_ws(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

/* The end of the JSON value starting at p, or NULL if malformed. */
static const char *json_skip(const char *p, const char *end, int depth)
{
	p = json_ws(p, end);
	if (p >= end || depth > 64)
		return NULL;
	if (*p == '"') {
		for (p++; p < end; p++) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				return p + 1;
		}
		return NULL;
	}
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = json_ws(p + 1, end);
		if (p < end && *p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = json_skip(p, end, depth + 1);
				if (!p)
					return NULL;
				p = json_ws(p, end);
				if (p >= end || *p != ':')
					return NULL;
				p++;
			}
			p = json_skip(p, end, depth + 1);
			if (!p)
				return NULL;
			p = json_ws(p, end);
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			if (p < end && *p == close)
				return p + 1;
			return NULL;
		}
	}
	const char *s = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.'))
		p++;
	return p > s ? p : NULL;
}

/* In the object at p, the value of key. */
static const char *json_member(const char *p, const char *end, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	p = json_ws(p, end);
	if (p >= end || *p != '{')
		return NULL;
	p = json_ws(p + 1, end);
	while (p < end && *p == '"') {
		const char *k = p + 1, *kend = json_skip(p, end, 0);
		if (!kend)
			return NULL;
		p = json_ws(kend, end);
		if (p >= end || *p != ':')
			return NULL;
		const char *v = json_ws(p + 1, end);
		const char *vend = json_skip(v, end, 0);
		if (!vend)
			return NULL;
		if ((size_t)(kend - 1 - k) == klen && strncmp(k, key, klen) == 0) {
			*len = (size_t)(vend - v);
			return v;
		}
		p = json_ws(vend, end);
		if (p < end && *p == ',')
			p = json_ws(p + 1, end);
	}
	return NULL;
}

const char *virt_json_find(const char *json, const char *key, size_t *len)
{
	const char *end, *ret;
	size_t rlen;
	if (!json)
		return NULL;
	end = json + strlen(json);
	ret = json_member(json, end, "return", &rlen);
	if (ret && *ret == '{')
		return json_member(ret, ret + rlen, key, len);
	return json_member(json, end, key, len);
}

int virt_json_string(const char *v, size_t len, struct strbuf *out)
{
	if (len < 2 || v[0] != '"' || v[len - 1] != '"')
		return -1;
	for (size_t i = 1; i < len - 1; i++) {
		char c = v[i];
		if (c != '\\') {
			sb_add(out, &c, 1);
			continue;
		}
		if (++i >= len - 1)
			return -1;
		switch (v[i]) {
		case 'n': sb_puts(out, "\n"); break;
		case 't': sb_puts(out, "\t"); break;
		case 'r': sb_puts(out, "\r"); break;
		case 'b': sb_puts(out, "\b"); break;
		case 'f': sb_puts(out, "\f"); break;
		case 'u': {
			if (i + 4 >= len - 1)
				return -1;
			unsigned cp = 0;
			for (int k = 1; k <= 4; k++) {
				char h = v[i + k];
				cp <<= 4;
				if (h >= '0' && h <= '9') cp |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f') cp |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F') cp |= (unsigned)(h - 'A' + 10);
				else return -1;
			}
			i += 4;
			char u[3];
			if (cp < 0x80) {
				u[0] = (char)cp;
				sb_add(out, u, 1);
			} else if (cp < 0x800) {
				u[0] = (char)(0xc0 | (cp >> 6));
				u[1] = (char)(0x80 | (cp & 0x3f));
				sb_add(out, u, 2);
			} else {
				u[0] = (char)(0xe0 | (cp >> 12));
				u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				sb_add(out, u, 3);
			}
			break;
		}
		default: sb_add(out, &v[i], 1); /* \" \\ \/ */
		}
	}
	return 0;
}

static void json_put_string(struct strbuf *sb, const char *s)
{
	sb_puts(sb, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sb_printf(sb, "\\%c", c);
		else if (c < 0x20)
			sb_printf(sb, "\\u%04x", c);
		else
			sb_add(sb, s, 1);
	}
	sb_puts(sb, "\"");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void virt_base64_encode(const unsigned char *d, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16;
		if (i + 1 < n) v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < n) v |= d[i + 2];
		char q[4] = { b64[(v >> 18) & 63], b64[(v >> 12) & 63],
			      i + 1 < n ? b64[(v >> 6) & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };
		sb_add(out, q, 4);
	}
}

int virt_base64_decode(const char *s, size_t n, struct strbuf *out)
{
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		const char *pos;
		if (c == '=')
			break;
		if (isspace((unsigned char)c))
			continue;
		if (c == '\0' || !(pos = strchr(b64, c)))
			return -1;
		v = (v << 6) | (unsigned)(pos - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			char b = (char)((v >> bits) & 0xff);
			sb_add(out, &b, 1);
		}
	}
	return 0;
}

char *virt_agent_exec_json(const char *const argv[], const char *stdin_data)
{
	struct strbuf sb = {0};
	sb_puts(&sb, "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":");
	json_put_string(&sb, argv[0]);
	sb_puts(&sb, ",\"arg\":[");
	for (size_t i = 1; argv[i]; i++) {
		if (i > 1)
			sb_puts(&sb, ",");
		json_put_string(&sb, argv[i]);
	}
	sb_puts(&sb, "],\"capture-output\":true");
	if (stdin_data) {
		sb_puts(&sb, ",\"input-data\":\"");
		virt_base64_encode((const unsigned char *)stdin_data, strlen(stdin_data), &sb);
		sb_puts(&sb, "\"");
	}
	sb_puts(&sb, "}}");
	return sb_detach(&sb);
}

static int json_int(const char *reply, const char *key, int64_t *out)
{
	size_t n;
	const char *v = virt_json_find(reply, key, &n);
	char buf[32];
	if (!v || n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return parse_int64(buf, INT64_MIN, INT64_MAX, out);
}

int virt_agent_parse_pid(const char *reply, int64_t *pid)
{
	if (json_int(reply, "pid", pid) < 0 || *pid <= 0) {
		lab_error("guest agent reply has no pid: '%.200s'", reply ? reply : "");
		return -1;
	}
	return 0;
}

int virt_agent_parse_status(const char *reply, bool *exited, int *status, struct strbuf *out)
{
	size_t n;
	const char *v = virt_json_find(reply, "exited", &n);
	int64_t code;
	if (!v) {
		lab_error("guest agent reply has no 'exited': '%.200s'", reply ? reply : "");
		return -1;
	}
	*exited = n == 4 && strncmp(v, "true", 4) == 0;
	*status = -1;
	if (!*exited)
		return 0;
	if (json_int(reply, "exitcode", &code) == 0)
		*status = (int)(code & 0xff);
	else if (json_int(reply, "signal", &code) == 0)
		*status = 128 + (int)code;
	static const char *const keys[] = { "out-data", "err-data" };
	for (size_t i = 0; out && i < ARRAY_SIZE(keys); i++) {
		struct strbuf enc = {0};
		v = virt_json_find(reply, keys[i], &n);
		if (!v)
			continue;
		if (virt_json_string(v, n, &enc) < 0 || virt_base64_decode(enc.buf ? enc.buf : "", enc.len, out) < 0) {
			sb_release(&enc);
			lab_error("guest agent reply has a malformed '%s'", keys[i]);
			return -1;
		}
		sb_release(&enc);
	}
	return 0;
}

/* ---- libvirt ---------------------------------------------------------- */

void virt_names_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

#ifdef LAB_NO_LIBVIRT

const char *virt_unavailable(void) { return "built without libvirt"; }

#define NO_LIBVIRT(ret) do { lab_error("libvirt backend: built without libvirt"); return ret; } while (0)
struct virt_conn *virt_open(const char *uri) { (void)uri; NO_LIBVIRT(NULL); }
void virt_close(struct virt_conn *conn) { (void)conn; }
const char *virt_conn_uri(const struct virt_conn *conn) { (void)conn; return ""; }
struct virt_dom *virt_domain_open(struct virt_conn *conn, const char *name, const char *cluster, int node)
{ (void)conn; (void)name; (void)cluster; (void)node; NO_LIBVIRT(NULL); }
void virt_domain_free(struct virt_dom *dom) { (void)dom; }
const char *virt_domain_name(const struct virt_dom *dom) { (void)dom; return ""; }
int virt_domain_node(const struct virt_dom *dom) { (void)dom; return 0; }
const char *virt_domain_cluster(const struct virt_dom *dom) { (void)dom; return ""; }
struct virt_dom *virt_domain_define(struct virt_conn *conn, const char *xml) { (void)conn; (void)xml; NO_LIBVIRT(NULL); }
int virt_domain_undefine(struct virt_dom *dom) { (void)dom; NO_LIBVIRT(-1); }
int virt_domain_state(struct virt_dom *dom) { (void)dom; NO_LIBVIRT(-1); }
int virt_wait_state(struct virt_dom *dom, enum virt_state want, int64_t t) { (void)dom; (void)want; (void)t; NO_LIBVIRT(-1); }
int virt_start(struct virt_dom *dom) { (void)dom; NO_LIBVIRT(-1); }
int virt_shutdown(struct virt_dom *dom, int64_t t) { (void)dom; (void)t; NO_LIBVIRT(-1); }
int virt_reset(struct virt_dom *dom) { (void)dom; NO_LIBVIRT(-1); }
int virt_poweroff(struct virt_dom *dom) { (void)dom; NO_LIBVIRT(-1); }
int virt_suspend(struct virt_dom *dom) { (void)dom; NO_LIBVIRT(-1); }
int virt_resume(struct virt_dom *dom) { (void)dom; NO_LIBVIRT(-1); }
int virt_snapshot_create(struct virt_dom *dom, const char *n) { (void)dom; (void)n; NO_LIBVIRT(-1); }
int virt_snapshot_revert(struct virt_dom *dom, const char *n) { (void)dom; (void)n; NO_LIBVIRT(-1); }
int virt_snapshot_delete(struct virt_dom *dom, const char *n) { (void)dom; (void)n; NO_LIBVIRT(-1); }
bool virt_snapshot_exists(struct virt_dom *dom, const char *n) { (void)dom; (void)n; return false; }
int virt_get_cache_mode(struct virt_dom *dom, const char *t, char **m) { (void)dom; (void)t; (void)m; NO_LIBVIRT(-1); }
int virt_set_cache_mode(struct virt_dom *dom, const char *t, const char *m, char **o)
{ (void)dom; (void)t; (void)m; (void)o; NO_LIBVIRT(-1); }
bool virt_agent_ping(struct virt_dom *dom, int64_t t) { (void)dom; (void)t; return false; }
int virt_guest_exec(struct virt_dom *dom, const char *const argv[], const char *in, int64_t t, struct strbuf *out)
{ (void)dom; (void)argv; (void)in; (void)t; (void)out; NO_LIBVIRT(-1); }
int virt_list_marked(struct virt_conn *conn, const char *cluster, char ***names, size_t *n)
{ (void)conn; (void)cluster; *names = NULL; *n = 0; NO_LIBVIRT(-1); }
int virt_guest_exec_quiet(struct virt_dom *dom, const char *const argv[], const char *in, int64_t t, struct strbuf *out)
{ (void)dom; (void)argv; (void)in; (void)t; (void)out; NO_LIBVIRT(-1); }
int virt_guest_ipv4(struct virt_dom *dom, char *buf, size_t size) { (void)dom; (void)buf; (void)size; return -1; }
int virt_network_ensure(struct virt_conn *conn, const char *name, const char *xml) { (void)conn; (void)name; (void)xml; NO_LIBVIRT(-1); }
int virt_network_remove(struct virt_conn *conn, const char *name) { (void)conn; (void)name; NO_LIBVIRT(-1); }

#else /* libvirt */

struct virt_conn {
	virConnectPtr conn;
	char *uri;
};

struct virt_dom {
	struct virt_conn *conn;
	virDomainPtr dom;
	char *name;
	char cluster[128];
	int node;
};

const char *virt_unavailable(void) { return NULL; }

static void quiet_libvirt(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static const char *verr(void)
{
	const char *m = virGetLastErrorMessage();
	return m ? m : "unknown libvirt error";
}

struct virt_conn *virt_open(const char *uri)
{
	struct virt_conn *c;
	if (!uri || !*uri)
		uri = "qemu:///system";
	virSetErrorFunc(NULL, quiet_libvirt);
	if (virInitialize() < 0) {
		lab_error("cannot initialise libvirt: %s", verr());
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->conn = virConnectOpen(uri);
	if (!c->conn) {
		lab_error("cannot connect to libvirt at '%s': %s", uri, verr());
		free(c);
		return NULL;
	}
	c->uri = xstrdup(uri);
	return c;
}

void virt_close(struct virt_conn *c)
{
	if (!c)
		return;
	if (c->conn)
		virConnectClose(c->conn);
	free(c->uri);
	free(c);
}

const char *virt_conn_uri(const struct virt_conn *c) { return c->uri; }
const char *virt_domain_name(const struct virt_dom *d) { return d->name; }
int virt_domain_node(const struct virt_dom *d) { return d->node; }
const char *virt_domain_cluster(const struct virt_dom *d) { return d->cluster; }

void virt_domain_free(struct virt_dom *d)
{
	if (!d)
		return;
	if (d->dom)
		virDomainFree(d->dom);
	free(d->name);
	free(d);
}

/* Check the marker of dom; fills cluster/node. */
static int check_marker(virDomainPtr dom, const char *name, const char *cluster, int node,
			char *got_cluster, size_t size, int *got_node)
{
	char *meta = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VIRT_MARKER_NS, 0);
	if (!meta) {
		lab_error("domain '%s' has no lab marker (<%s:%s xmlns:%s=\"%s\"/>) in its metadata; refusing to touch it",
			  name, VIRT_MARKER_PREFIX, VIRT_MARKER_ELEMENT, VIRT_MARKER_PREFIX, VIRT_MARKER_NS);
		return -1;
	}
	int rc = virt_marker_parse(meta, got_cluster, size, got_node);
	free(meta);
	if (rc < 0) {
		lab_error("domain '%s' has a malformed lab marker in its metadata; refusing to touch it", name);
		return -1;
	}
	if (cluster && strcmp(cluster, got_cluster) != 0) {
		lab_error("domain '%s' belongs to lab cluster '%s', not '%s'; refusing to touch it", name,
			  got_cluster, cluster);
		return -1;
	}
	if (node > 0 && node != *got_node) {
		lab_error("domain '%s' is lab node %d, not node %d; refusing to touch it", name, *got_node, node);
		return -1;
	}
	return 0;
}

struct virt_dom *virt_domain_open(struct virt_conn *c, const char *name, const char *cluster, int node)
{
	struct virt_dom *d = xcalloc(1, sizeof(*d));
	d->conn = c;
	d->name = xstrdup(name);
	d->dom = virDomainLookupByName(c->conn, name);
	if (!d->dom) {
		lab_error("no libvirt domain '%s' at '%s': %s", name, c->uri, verr());
		goto fail;
	}
	if (check_marker(d->dom, name, cluster, node, d->cluster, sizeof(d->cluster), &d->node) < 0)
		goto fail;
	return d;
fail:
	virt_domain_free(d);
	return NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int virt_list_marked(struct virt_conn *c, const char *cluster, char ***names, size_t *n)
{
	virDomainPtr *doms = NULL;
	int count = virConnectListAllDomains(c->conn, &doms, 0);
	*names = NULL;
	*n = 0;
	if (count < 0) {
		lab_error("cannot list the domains at '%s': %s", c->uri, verr());
		return -1;
	}
	*names = xcalloc((size_t)count + 1, sizeof(char *));
	for (int i = 0; i < count; i++) {
		char *meta = virDomainGetMetadata(doms[i], VIR_DOMAIN_METADATA_ELEMENT, VIRT_MARKER_NS, 0);
		char mc[128];
		int node;
		if (meta && virt_marker_parse(meta, mc, sizeof(mc), &node) == 0 &&
		    (!cluster || strcmp(cluster, mc) == 0))
			(*names)[(*n)++] = xstrdup(virDomainGetName(doms[i]));
		free(meta);
		virDomainFree(doms[i]);
	}
	free(doms);
	qsort(*names, *n, sizeof(char *), cmp_names);
	return 0;
}

/* The <name> of a domain XML, malloc'd, or NULL. */
static char *xml_name(const char *xml)
{
	const char *s = strstr(xml, "<name>"), *e;
	if (!s)
		return NULL;
	s += strlen("<name>");
	e = strstr(s, "</name>");
	if (!e)
		return NULL;
	char *n = xmalloc((size_t)(e - s) + 1);
	memcpy(n, s, (size_t)(e - s));
	n[e - s] = '\0';
	return n;
}

struct virt_dom *virt_domain_define(struct virt_conn *c, const char *xml)
{
	char cluster[128];
	int node;
	char *name = xml_name(xml);
	struct virt_dom *d = NULL;
	if (!name) {
		lab_error("domain XML has no <name>");
		return NULL;
	}
	if (virt_marker_parse(strstr(xml, "<metadata>") ? strstr(xml, "<metadata>") : "", cluster,
			      sizeof(cluster), &node) < 0) {
		lab_error("domain XML for '%s' carries no lab marker; refusing to define it", name);
		goto out;
	}
	virDomainPtr old = virDomainLookupByName(c->conn, name);
	if (old) {
		char oc[128];
		int on;
		int rc = check_marker(old, name, NULL, 0, oc, sizeof(oc), &on);
		virDomainFree(old);
		if (rc < 0)
			goto out;
	}
	virDomainPtr dom = virDomainDefineXML(c->conn, xml);
	if (!dom) {
		lab_error("cannot define domain '%s': %s", name, verr());
		goto out;
	}
	virDomainFree(dom);
	d = virt_domain_open(c, name, cluster, node);
out:
	free(name);
	return d;
}

int virt_domain_state(struct virt_dom *d)
{
	int state, reason;
	if (virDomainGetState(d->dom, &state, &reason, 0) < 0) {
		lab_error("cannot read the state of domain '%s': %s", d->name, verr());
		return -1;
	}
	switch (state) {
	case VIR_DOMAIN_RUNNING: return VIRT_STATE_RUNNING;
	case VIR_DOMAIN_PAUSED: return VIRT_STATE_PAUSED;
	case VIR_DOMAIN_SHUTDOWN: return VIRT_STATE_SHUTDOWN;
	case VIR_DOMAIN_SHUTOFF: return VIRT_STATE_SHUTOFF;
	default: return VIRT_STATE_OTHER;
	}
}

int virt_wait_state(struct virt_dom *d, enum virt_state want, int64_t timeout_ms)
{
	int64_t deadline = mono_ns() + timeout_ms * 1000000;
	int s;
	for (;;) {
		if ((s = virt_domain_state(d)) < 0)
			return -1;
		if (s == (int)want)
			return 0;
		if (mono_ns() >= deadline) {
			lab_error("domain '%s' is %s, not %s, after %lld ms", d->name,
				  virt_state_name((enum virt_state)s), virt_state_name(want), (long long)timeout_ms);
			return -1;
		}
		sleep_ms(200);
	}
}

int virt_domain_undefine(struct virt_dom *d)
{
	int s = virt_domain_state(d);
	if (s < 0)
		return -1;
	if (s != VIRT_STATE_SHUTOFF && virDomainDestroy(d->dom) < 0) {
		lab_error("cannot power off domain '%s': %s", d->name, verr());
		return -1;
	}
	if (virDomainUndefineFlags(d->dom, VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
						   VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0) {
		lab_error("cannot undefine domain '%s': %s", d->name, verr());
		return -1;
	}
	return 0;
}

int virt_start(struct virt_dom *d)
{
	int s = virt_domain_state(d);
	if (s < 0)
		return -1;
	if (s == VIRT_STATE_RUNNING)
		return 0;
	if (s == VIRT_STATE_PAUSED)
		return virt_resume(d);
	if (virDomainCreate(d->dom) < 0) {
		lab_error("cannot start domain '%s': %s", d->name, verr());
		return -1;
	}
	return 0;
}

int virt_shutdown(struct virt_dom *d, int64_t timeout_ms)
{
	int s = virt_domain_state(d);
	if (s < 0)
		return -1;
	if (s == VIRT_STATE_SHUTOFF)
		return 0;
	if (s == VIRT_STATE_PAUSED && virDomainResume(d->dom) < 0) {
		lab_error("cannot resume domain '%s' to shut it down: %s", d->name, verr());
		return -1;
	}
	if (virDomainShutdown(d->dom) < 0) {
		lab_error("cannot shut down domain '%s': %s", d->name, verr());
		return -1;
	}
	int64_t deadline = mono_ns() + timeout_ms * 1000000;
	while (mono_ns() < deadline) {
		if ((s = virt_domain_state(d)) < 0)
			return -1;
		if (s == VIRT_STATE_SHUTOFF)
			return 0;
		sleep_ms(250);
	}
	lab_info("domain '%s' did not shut down within %lld ms; powering it off", d->name,
		 (long long)timeout_ms);
	return virt_poweroff(d);
}

int virt_reset(struct virt_dom *d)
{
	if (virDomainReset(d->dom, 0) < 0) {
		lab_error("cannot reset domain '%s': %s", d->name, verr());
		return -1;
	}
	return 0;
}

int virt_poweroff(struct virt_dom *d)
{
	int s = virt_domain_state(d);
	if (s < 0)
		return -1;
	if (s == VIRT_STATE_SHUTOFF)
		return 0;
	if (virDomainDestroy(d->dom) < 0) {
		lab_error("cannot power off domain '%s': %s", d->name, verr());
		return -1;
	}
	return 0;
}

int virt_suspend(struct virt_dom *d)
{
	if (virDomainSuspend(d->dom) < 0) {
		lab_error("cannot pause domain '%s': %s", d->name, verr());
		return -1;
	}
	return 0;
}

int virt_resume(struct virt_dom *d)
{
	if (virDomainResume(d->dom) < 0) {
		lab_error("cannot resume domain '%s': %s", d->name, verr());
		return -1;
	}
	return 0;
}

int virt_snapshot_create(struct virt_dom *d, const char *name)
{
	struct strbuf xml = {0};
	sb_puts(&xml, "<domainsnapshot><name>");
	virt_xml_escape(&xml, name);
	sb_puts(&xml, "</name><description>lab snapshot</description></domainsnapshot>");
	virDomainSnapshotPtr s = virDomainSnapshotCreateXML(d->dom, xml.buf, 0);
	sb_release(&xml);
	if (!s) {
		lab_error("cannot create snapshot '%s' of domain '%s': %s", name, d->name, verr());
		return -1;
	}
	virDomainSnapshotFree(s);
	return 0;
}

static virDomainSnapshotPtr snapshot_get(struct virt_dom *d, const char *name, bool report)
{
	virDomainSnapshotPtr s = virDomainSnapshotLookupByName(d->dom, name, 0);
	if (!s && report)
		lab_error("domain '%s' has no snapshot '%s': %s", d->name, name, verr());
	return s;
}

bool virt_snapshot_exists(struct virt_dom *d, const char *name)
{
	virDomainSnapshotPtr s = snapshot_get(d, name, false);
	if (s)
		virDomainSnapshotFree(s);
	return s != NULL;
}

int virt_snapshot_revert(struct virt_dom *d, const char *name)
{
	virDomainSnapshotPtr s = snapshot_get(d, name, true);
	int rc = 0;
	if (!s)
		return -1;
	if (virDomainRevertToSnapshot(s, 0) < 0) {
		lab_error("cannot revert domain '%s' to snapshot '%s': %s", d->name, name, verr());
		rc = -1;
	}
	virDomainSnapshotFree(s);
	return rc;
}

int virt_snapshot_delete(struct virt_dom *d, const char *name)
{
	virDomainSnapshotPtr s = snapshot_get(d, name, true);
	int rc = 0;
	if (!s)
		return -1;
	if (virDomainSnapshotDelete(s, 0) < 0) {
		lab_error("cannot delete snapshot '%s' of domain '%s': %s", name, d->name, verr());
		rc = -1;
	}
	virDomainSnapshotFree(s);
	return rc;
}

static char *persistent_xml(struct virt_dom *d)
{
	char *xml = virDomainGetXMLDesc(d->dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
	if (!xml)
		lab_error("cannot read the definition of domain '%s': %s", d->name, verr());
	return xml;
}

int virt_get_cache_mode(struct virt_dom *d, const char *target, char **mode)
{
	char *xml = persistent_xml(d);
	if (!xml)
		return -1;
	*mode = virt_xml_get_disk_cache(xml, target);
	free(xml);
	return *mode ? 0 : -1;
}

int virt_set_cache_mode(struct virt_dom *d, const char *target, const char *mode, char **old_mode)
{
	char *xml = NULL, *edited = NULL, *old = NULL;
	int rc = -1, s;
	if (old_mode)
		*old_mode = NULL;
	if (!(xml = persistent_xml(d)))
		goto out;
	if (!(old = virt_xml_get_disk_cache(xml, target)))
		goto out;
	if (!(edited = virt_xml_set_disk_cache(xml, target, mode)))
		goto out;
	if ((s = virt_domain_state(d)) < 0)
		goto out;
	virDomainPtr nd = virDomainDefineXML(d->conn->conn, edited);
	if (!nd) {
		lab_error("cannot redefine domain '%s' with disk cache '%s': %s", d->name, mode, verr());
		goto out;
	}
	virDomainFree(nd);
	/* QEMU opens the disk with its cache mode at start: a running domain
	 * keeps the old one until it is cold-restarted. */
	if (s == VIRT_STATE_RUNNING || s == VIRT_STATE_PAUSED) {
		if (virDomainDestroy(d->dom) < 0) {
			lab_error("cannot power off domain '%s' for its new disk cache mode: %s", d->name, verr());
			goto out;
		}
		if (virDomainCreate(d->dom) < 0) {
			lab_error("cannot start domain '%s' with disk cache '%s': %s", d->name, mode, verr());
			goto out;
		}
	}
	if (old_mode) {
		*old_mode = old;
		old = NULL;
	}
	rc = 0;
out:
	free(xml);
	free(edited);
	free(old);
	return rc;
}

bool virt_agent_ping(struct virt_dom *d, int64_t timeout_ms)
{
	int secs = (int)((timeout_ms + 999) / 1000);
	char *r = virDomainQemuAgentCommand(d->dom, "{\"execute\":\"guest-ping\"}", secs > 0 ? secs : 1, 0);
	if (!r) {
		lab_error_quiet("guest agent of domain '%s' does not answer: %s", d->name, verr());
		return false;
	}
	free(r);
	return true;
}

static char *agent(struct virt_dom *d, const char *cmd, int secs, bool quiet)
{
	char *r = virDomainQemuAgentCommand(d->dom, cmd, secs, 0);
	if (!r) {
		if (quiet)
			lab_error_quiet("guest agent of domain '%s' failed: %s", d->name, verr());
		else
			lab_error("guest agent of domain '%s' failed: %s", d->name, verr());
	}
	return r;
}

static int guest_exec(struct virt_dom *d, const char *const argv[], const char *stdin_data,
		      int64_t timeout_ms, struct strbuf *out, bool quiet)
{
	char *cmd = virt_agent_exec_json(argv, stdin_data), *r;
	int64_t pid;
	int status = -1;
	bool exited = false;
	r = agent(d, cmd, 30, quiet);
	free(cmd);
	if (!r)
		return -1;
	int rc = virt_agent_parse_pid(r, &pid);
	free(r);
	if (rc < 0)
		return -1;
	int64_t deadline = mono_ns() + timeout_ms * 1000000;
	int64_t wait = 20;
	char q[128];
	snprintf(q, sizeof(q), "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":%lld}}", (long long)pid);
	for (;;) {
		/* The status of an exited process can be read once. */
		if (!(r = agent(d, q, 30, quiet)))
			return -1;
		rc = virt_agent_parse_status(r, &exited, &status, out);
		free(r);
		if (rc < 0)
			return -1;
		if (exited)
			break;
		if (timeout_ms > 0 && mono_ns() >= deadline) {
			char pidbuf[32];
			snprintf(pidbuf, sizeof(pidbuf), "%lld", (long long)pid);
			const char *kill_argv[] = { "kill", "-9", pidbuf, NULL };
			char *kc = virt_agent_exec_json(kill_argv, NULL);
			free(virDomainQemuAgentCommand(d->dom, kc, 10, 0));
			free(kc);
			lab_error("'%s' in domain '%s' did not finish within %lld ms (killed)", argv[0], d->name,
				  (long long)timeout_ms);
			return -1;
		}
		sleep_ms(wait);
		if (wait < 500)
			wait *= 2;
	}
	if (status < 0) {
		lab_error("'%s' in domain '%s' ended without an exit status", argv[0], d->name);
		return -1;
	}
	return status;
}

int virt_guest_exec(struct virt_dom *d, const char *const argv[], const char *stdin_data,
		    int64_t timeout_ms, struct strbuf *out)
{
	return guest_exec(d, argv, stdin_data, timeout_ms, out, false);
}

int virt_guest_exec_quiet(struct virt_dom *d, const char *const argv[], const char *stdin_data,
			  int64_t timeout_ms, struct strbuf *out)
{
	return guest_exec(d, argv, stdin_data, timeout_ms, out, true);
}

int virt_guest_ipv4(struct virt_dom *d, char *buf, size_t size)
{
	virDomainInterfacePtr *ifs = NULL;
	int n = virDomainInterfaceAddresses(d->dom, &ifs, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, 0);
	int rc = -1;
	if (n < 0) {
		lab_error_quiet("no interface addresses from the guest agent of '%s': %s", d->name, verr());
		return -1;
	}
	for (int i = 0; i < n; i++) {
		for (unsigned j = 0; rc < 0 && j < ifs[i]->naddrs; j++) {
			const virDomainIPAddress *a = &ifs[i]->addrs[j];
			if (a->type == VIR_IP_ADDR_TYPE_IPV4 && a->addr && strncmp(a->addr, "127.", 4) != 0) {
				lab_strlcpy(buf, a->addr, size);
				rc = 0;
			}
		}
		virDomainInterfaceFree(ifs[i]);
	}
	free(ifs);
	if (rc < 0)
		lab_error_quiet("domain '%s' has no IPv4 address yet", d->name);
	return rc;
}

static bool lab_network_name(const char *name)
{
	return strncmp(name, "lab", 3) == 0;
}

int virt_network_ensure(struct virt_conn *c, const char *name, const char *xml)
{
	virNetworkPtr n = virNetworkLookupByName(c->conn, name);
	int rc = -1;
	if (!lab_network_name(name)) {
		lab_error("network '%s' is not a lab network (name must start with 'lab')", name);
		if (n)
			virNetworkFree(n);
		return -1;
	}
	if (!n && !(n = virNetworkDefineXML(c->conn, xml))) {
		lab_error("cannot define network '%s': %s", name, verr());
		return -1;
	}
	int active = virNetworkIsActive(n);
	if (active < 0) {
		lab_error("cannot read the state of network '%s': %s", name, verr());
		goto out;
	}
	if (!active && virNetworkCreate(n) < 0) {
		lab_error("cannot start network '%s': %s", name, verr());
		goto out;
	}
	rc = 0;
out:
	virNetworkFree(n);
	return rc;
}

int virt_network_remove(struct virt_conn *c, const char *name)
{
	if (!lab_network_name(name)) {
		lab_error("network '%s' is not a lab network (name must start with 'lab'); refusing to remove it", name);
		return -1;
	}
	virNetworkPtr n = virNetworkLookupByName(c->conn, name);
	int rc = 0;
	if (!n)
		return 0;
	if (virNetworkIsActive(n) == 1 && virNetworkDestroy(n) < 0) {
		lab_error("cannot stop network '%s': %s", name, verr());
		rc = -1;
	}
	if (rc == 0 && virNetworkIsPersistent(n) == 1 && virNetworkUndefine(n) < 0) {
		lab_error("cannot undefine network '%s': %s", name, verr());
		rc = -1;
	}
	virNetworkFree(n);
	return rc;
}

#endif
