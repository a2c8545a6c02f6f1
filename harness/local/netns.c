/*
 * netns.c — namespaces, veths, the bridge, routes, subnet claims and
 * nftables partitions for the local backend (layout in netns.h).
 *
 * Safety: the blackhole route for 10.213.0.0/16 is installed (under the
 * claim lock) before any of the cluster's interfaces exist, and the host's
 * route to the cluster's /24 comes from the address on its own veth, so a
 * lab address is either reachable through the project's veth or
 * unreachable — never sent to the default gateway.
 */
#include "netns.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

bool cluster_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32)
		return false;
	if (!islower((unsigned char)name[0]) && !isdigit((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (!islower(ch) && !isdigit(ch) && ch != '-' && ch != '_')
			return false;
	}
	return true;
}

void net_node_ns(char *buf, size_t size, const char *cluster, int node)
{
	snprintf(buf, size, "lab-%s-n%d", cluster, node);
}

void net_bridge_ns(char *buf, size_t size, const char *cluster)
{
	snprintf(buf, size, "lab-%s-br", cluster);
}

void net_node_addr(char *buf, size_t size, int subnet, int node)
{
	snprintf(buf, size, LAB_NET_PREFIX ".%d.%d", subnet, 10 + node);
}

void net_host_addr(char *buf, size_t size, int subnet)
{
	snprintf(buf, size, LAB_NET_PREFIX ".%d.1", subnet);
}

void net_host_veth(char *buf, size_t size, int subnet)
{
	snprintf(buf, size, "lb%d", subnet);
}

/* Run a command; on a non-zero exit report it once with its output unless
 * quiet. Returns 0 or -1. */
static int run_cmd(const char *const argv[], const char *netns, const char *stdin_data, bool quiet)
{
	struct strbuf out = {0};
	struct run_opts o = { .netns = netns, .timeout_ms = 30000, .out = &out,
			      .stdin_data = stdin_data };
	int rc = run_argv(argv, &o);

	if (rc != 0 && !quiet) {
		struct strbuf cmd = {0};
		for (int i = 0; argv[i]; i++)
			sb_printf(&cmd, "%s%s", i ? " " : "", argv[i]);
		while (out.len && (out.buf[out.len - 1] == '\n'))
			out.buf[--out.len] = '\0';
		lab_error("'%s'%s%s failed (status %d): %s", cmd.buf, netns ? " in " : "",
			  netns ? netns : "", rc, out.len ? out.buf : "no output");
		sb_release(&cmd);
	}
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}

bool net_ns_exists(const char *ns)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	return path_exists(path);
}

static bool link_exists(const char *ns, const char *dev)
{
	const char *argv[] = { "ip", "-n", ns, "link", "show", dev, NULL };
	const char *argv_root[] = { "ip", "link", "show", dev, NULL };

	return run_cmd(ns ? argv : argv_root, NULL, NULL, true) == 0;
}

/* ---- subnet claims ---- */

static int lock_dir(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if (mkdir_p(dir, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		lab_error("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) < 0) {
		lab_error("cannot lock '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A claim is stale when its owner's state file is gone. */
static bool claim_stale(const char *claim_path)
{
	char *owner = NULL, *state = NULL;
	bool stale = false;
	int fd = open(claim_path, O_RDONLY | O_CLOEXEC);
	char buf[PATH_MAX];
	ssize_t r;

	if (fd < 0)
		return false;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return true;
	buf[r] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	owner = buf;
	state = xasprintf("%s/state", owner);
	stale = !path_exists(state);
	free(state);
	return stale;
}

/* Add lab's blackhole for 10.213.0.0/16 unless one is there (another
 * cluster's): never `replace`, which would overwrite a route the host had
 * for that prefix. */
static int blackhole(bool add)
{
	const char *show_argv[] = { "ip", "-o", "-4", "route", "show", "exact", LAB_NET_PREFIX ".0.0/16", NULL };
	const char *add_argv[] = { "ip", "route", "add", "blackhole", LAB_NET_PREFIX ".0.0/16", NULL };
	const char *del_argv[] = { "ip", "route", "del", "blackhole", LAB_NET_PREFIX ".0.0/16", NULL };

	if (add) {
		struct strbuf out = {0};
		struct run_opts o = { .timeout_ms = 10000, .out = &out };
		int rc = run_argv(show_argv, &o);
		const char *text = out.buf ? out.buf : "";
		if (rc == 0 && !strncmp(text, "blackhole ", 10)) {
			sb_release(&out);
			return 0;
		}
		if (rc == 0 && *text) {
			lab_error("this host has its own route for " LAB_NET_PREFIX ".0.0/16 ('%.*s'): lab will not replace it",
				  (int)strcspn(text, "\n"), text);
			sb_release(&out);
			return -1;
		}
		sb_release(&out);
		return run_cmd(add_argv, NULL, NULL, false);
	}
	run_cmd(del_argv, NULL, NULL, true); /* absent is fine */
	return 0;
}

int subnet_claim(const char *dir, const char *owner, bool ensure_blackhole, const bool *busy,
		 int *index)
{
	int lock = lock_dir(dir);
	int rc = -1;

	if (lock < 0)
		return -1;
	for (int x = LAB_SUBNET_MIN; x <= LAB_SUBNET_MAX; x++) {
		char path[PATH_MAX];
		int fd;

		if (busy && busy[x])
			continue;
		snprintf(path, sizeof(path), "%s/%d", dir, x);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST && claim_stale(path)) {
			lab_info("taking over stale subnet claim '%s'", path);
			unlink(path);
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		}
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			lab_error("cannot create '%s': %s", path, strerror(errno));
			goto out;
		}
		size_t n = strlen(owner);
		if (write(fd, owner, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
			lab_error("cannot write '%s': %s", path, strerror(errno));
			close(fd);
			unlink(path);
			goto out;
		}
		close(fd);
		if (ensure_blackhole && blackhole(true) < 0) {
			unlink(path);
			goto out;
		}
		*index = x;
		rc = 0;
		goto out;
	}
	lab_error("no free lab subnet in " LAB_NET_PREFIX ".%d-%d.0/24 (claims in '%s')",
		  LAB_SUBNET_MIN, LAB_SUBNET_MAX, dir);
out:
	close(lock);
	return rc;
}

static int count_claims(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		int64_t x;
		if (parse_int64(e->d_name, LAB_SUBNET_MIN, LAB_SUBNET_MAX, &x) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int subnet_count(const char *dir)
{
	return count_claims(dir);
}

int subnet_release(const char *dir, int index, const char *owner, bool drop_blackhole)
{
	char path[PATH_MAX];
	char buf[PATH_MAX];
	int lock, fd, rc = 0;

	if (index < LAB_SUBNET_MIN || index > LAB_SUBNET_MAX)
		return 0;
	lock = lock_dir(dir);
	if (lock < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%d", dir, index);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[r > 0 ? r : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (strcmp(buf, owner) != 0) {
			lab_info("subnet claim '%s' belongs to '%s', not '%s': left alone", path, buf, owner);
		} else if (unlink(path) < 0) {
			lab_error("cannot remove '%s': %s", path, strerror(errno));
			rc = -1;
		}
	}
	if (drop_blackhole && count_claims(dir) == 0)
		blackhole(false);
	close(lock);
	return rc;
}

/* "a.b.c.d[/len]" -> address and prefix length; -1 if not IPv4. */
static int parse_prefix(const char *s, uint32_t *addr, int *len)
{
	unsigned a, b, c, d, l = 32;
	int n = 0;
	char tail = '\0';

	if (sscanf(s, "%u.%u.%u.%u%n", &a, &b, &c, &d, &n) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
		return -1;
	if (s[n] == '/') {
		if (sscanf(s + n + 1, "%u%c", &l, &tail) < 1 || l > 32 || (tail && tail != ' '))
			return -1;
	} else if (s[n] && s[n] != ' ') {
		return -1;
	}
	*addr = (a << 24) | (b << 16) | (c << 8) | d;
	*len = (int)l;
	return 0;
}

#define LAB_NET_ADDR ((10u << 24) | (213u << 16))

/* One route or address prefix of the host (what: its text, for the
 * message): mark the lab /24s it overlaps; -1 (why set) when it covers
 * the whole lab network, so that no lab subnet is free of it. */
static int overlap_one(uint32_t addr, int len, bool lab_blackhole, const char *what, bool *busy, char *why,
		       size_t why_size)
{
	uint32_t mask = len ? ~0u << (32 - len) : 0;
	int common = len < 16 ? len : 16;
	uint32_t cmask = common ? ~0u << (32 - common) : 0;

	if ((addr & cmask) != (LAB_NET_ADDR & cmask))
		return 0; /* disjoint from 10.213.0.0/16 */
	if (len <= 16) {
		if (lab_blackhole && len == 16)
			return 0; /* lab's own safety net (this or another cluster's) */
		if (why)
			snprintf(why, why_size, "%s", what);
		return -1;
	}
	{
		unsigned first = ((addr & mask) >> 8) & 0xff;
		unsigned count = len >= 24 ? 1u : 1u << (24 - len);
		for (unsigned x = first; x < first + count && x < 256; x++)
			if (x <= LAB_SUBNET_MAX)
				busy[x] = true;
	}
	return 0;
}

int net_overlap_parse(const char *routes, const char *addrs, bool *busy, char *why, size_t why_size)
{
	static const char *const types[] = { "blackhole", "unreachable", "prohibit", "throw",
					     "local", "broadcast", "unicast", "anycast", "multicast" };
	char *copy, *save = NULL, *line;
	int rc = 0;

	copy = xstrdup(routes ? routes : "");
	for (line = strtok_r(copy, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *end;
		bool blackhole = false;
		uint32_t addr;
		int len;

		while (*p == ' ' || *p == '\t')
			p++;
		for (end = p + strlen(p); end > p && (end[-1] == ' ' || end[-1] == '\t'); end--)
			*(end - 1) = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
			size_t n = strlen(types[i]);
			if (!strncmp(p, types[i], n) && p[n] == ' ') {
				blackhole = i == 0;
				p += n + 1;
				break;
			}
		}
		/* the default route is what lab's blackhole keeps its network from */
		if (!strncmp(p, "default", 7) || parse_prefix(p, &addr, &len) < 0)
			continue;
		char what[256];
		snprintf(what, sizeof(what), "route '%s'", line);
		rc = overlap_one(addr, len, blackhole, what, busy, why, why_size);
	}
	free(copy);
	if (rc < 0 || !addrs)
		return rc;
	/* "4: eth0    inet 192.0.2.2/24 brd ... scope global eth0\ ..." */
	copy = xstrdup(addrs);
	save = NULL;
	for (line = strtok_r(copy, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		char *inet = strstr(line, " inet "), *colon = strchr(line, ':'), dev[64] = "?";
		uint32_t addr;
		int len;

		if (!inet || parse_prefix(inet + 6, &addr, &len) < 0)
			continue;
		if (colon && sscanf(colon + 1, " %63s", dev) != 1)
			lab_strlcpy(dev, "?", sizeof(dev));
		char what[256];
		size_t alen = strcspn(inet + 6, " ");
		snprintf(what, sizeof(what), "address %.*s on %s", (int)alen, inet + 6, dev);
		rc = overlap_one(addr, len, false, what, busy, why, why_size);
	}
	free(copy);
	return rc;
}

void net_busy_subnets_parse(const char *routes, bool *busy)
{
	net_overlap_parse(routes, NULL, busy, NULL, 0);
}

int net_busy_subnets(bool *busy)
{
	struct strbuf routes = {0}, addrs = {0};
	/* every table, not only main: a policy-routed table can hold them too */
	const char *ra[] = { "ip", "-o", "-4", "route", "show", "table", "all", NULL };
	const char *aa[] = { "ip", "-o", "-4", "addr", "show", NULL };
	struct run_opts ro = { .timeout_ms = 10000, .out = &routes };
	struct run_opts ao = { .timeout_ms = 10000, .out = &addrs };
	char why[320];
	int rc = -1;

	if (run_argv(ra, &ro) != 0) {
		lab_error("cannot list the routes: %s", routes.buf ? routes.buf : "");
		goto out;
	}
	if (run_argv(aa, &ao) != 0) {
		lab_error("cannot list the addresses: %s", addrs.buf ? addrs.buf : "");
		goto out;
	}
	if (net_overlap_parse(routes.buf ? routes.buf : "", addrs.buf ? addrs.buf : "", busy, why, sizeof(why)) < 0) {
		lab_error("lab's network " LAB_NET_PREFIX ".0.0/16 overlaps this host's %s: lab will not route over it (narrow or remove it, or run lab on another machine)",
			  why);
		goto out;
	}
	rc = 0;
out:
	sb_release(&routes);
	sb_release(&addrs);
	return rc;
}

/* ---- the network ---- */

int net_create(const char *cluster, int subnet, int nodes)
{
	char br[64], host_veth[16], host_peer[16], cidr[32];

	net_bridge_ns(br, sizeof(br), cluster);
	net_host_veth(host_veth, sizeof(host_veth), subnet);
	snprintf(host_peer, sizeof(host_peer), "lb%dh", subnet);
	snprintf(cidr, sizeof(cidr), LAB_NET_PREFIX ".%d.1/24", subnet);

	{
		const char *a1[] = { "ip", "netns", "add", br, NULL };
		const char *a2[] = { "ip", "-n", br, "link", "add", "br0", "type", "bridge", NULL };
		const char *a3[] = { "ip", "-n", br, "link", "set", "br0", "up", NULL };
		const char *a4[] = { "ip", "-n", br, "link", "set", "lo", "up", NULL };
		if (run_cmd(a1, NULL, NULL, false) < 0 || run_cmd(a2, NULL, NULL, false) < 0 ||
		    run_cmd(a3, NULL, NULL, false) < 0 || run_cmd(a4, NULL, NULL, false) < 0)
			return -1;
	}
	for (int i = 1; i <= nodes; i++) {
		char ns[64], port[16], addr[32];
		net_node_ns(ns, sizeof(ns), cluster, i);
		snprintf(port, sizeof(port), "lb%dn%d", subnet, i);
		net_node_addr(addr, sizeof(addr), subnet, i);
		char *acidr = xasprintf("%s/24", addr);
		const char *a1[] = { "ip", "netns", "add", ns, NULL };
		const char *a2[] = { "ip", "-n", br, "link", "add", port, "type", "veth", "peer",
				     "name", "eth0", "netns", ns, NULL };
		const char *a3[] = { "ip", "-n", br, "link", "set", port, "master", "br0", "up", NULL };
		const char *a4[] = { "ip", "-n", ns, "addr", "add", acidr, "dev", "eth0", NULL };
		const char *a5[] = { "ip", "-n", ns, "link", "set", "eth0", "up", NULL };
		const char *a6[] = { "ip", "-n", ns, "link", "set", "lo", "up", NULL };
		int rc = 0;
		if (run_cmd(a1, NULL, NULL, false) < 0 || run_cmd(a2, NULL, NULL, false) < 0 ||
		    run_cmd(a3, NULL, NULL, false) < 0 || run_cmd(a4, NULL, NULL, false) < 0 ||
		    run_cmd(a5, NULL, NULL, false) < 0 || run_cmd(a6, NULL, NULL, false) < 0)
			rc = -1;
		free(acidr);
		if (rc < 0)
			return -1;
	}
	/* The host side last: from here on the /24 routes through lbX. */
	{
		const char *a1[] = { "ip", "link", "add", host_veth, "type", "veth", "peer", "name",
				     host_peer, "netns", br, NULL };
		const char *a2[] = { "ip", "-n", br, "link", "set", host_peer, "master", "br0", "up", NULL };
		const char *a3[] = { "ip", "addr", "add", cidr, "dev", host_veth, NULL };
		const char *a4[] = { "ip", "link", "set", host_veth, "up", NULL };
		if (run_cmd(a1, NULL, NULL, false) < 0 || run_cmd(a2, NULL, NULL, false) < 0 ||
		    run_cmd(a3, NULL, NULL, false) < 0 || run_cmd(a4, NULL, NULL, false) < 0)
			return -1;
	}
	/* Check the route really goes through our veth before anyone talks. */
	{
		char addr[32];
		struct strbuf out = {0};
		net_node_addr(addr, sizeof(addr), subnet, 1);
		const char *a[] = { "ip", "route", "get", addr, NULL };
		struct run_opts o = { .timeout_ms = 10000, .out = &out };
		int rc = run_argv(a, &o);
		bool good = rc == 0 && strstr(out.buf ? out.buf : "", host_veth) != NULL;
		if (!good)
			lab_error("route to '%s' does not go through '%s': %s", addr, host_veth,
				  out.buf ? out.buf : "");
		sb_release(&out);
		if (!good)
			return -1;
	}
	return 0;
}

int net_destroy(const char *cluster, int subnet, int nodes)
{
	char br[64], host_veth[16];
	int rc = 0;

	net_bridge_ns(br, sizeof(br), cluster);
	net_host_veth(host_veth, sizeof(host_veth), subnet);
	if (subnet >= LAB_SUBNET_MIN && link_exists(NULL, host_veth)) {
		const char *a[] = { "ip", "link", "del", host_veth, NULL };
		if (run_cmd(a, NULL, NULL, false) < 0)
			rc = -1;
	}
	for (int i = 1; i <= nodes; i++) {
		char ns[64];
		net_node_ns(ns, sizeof(ns), cluster, i);
		if (!net_ns_exists(ns))
			continue;
		const char *a[] = { "ip", "netns", "del", ns, NULL };
		if (run_cmd(a, NULL, NULL, false) < 0)
			rc = -1;
	}
	if (net_ns_exists(br)) {
		const char *a[] = { "ip", "netns", "del", br, NULL };
		if (run_cmd(a, NULL, NULL, false) < 0)
			rc = -1;
	}
	return rc;
}

char *net_partition_script(int subnet, int nodes, const uint32_t *member_of, int node)
{
	struct strbuf set = {0}, sb = {0};
	int n = 0;

	for (int j = 1; j <= nodes; j++) {
		if (j == node || (member_of[j - 1] & member_of[node - 1]))
			continue;
		sb_printf(&set, "%s" LAB_NET_PREFIX ".%d.%d", n++ ? ", " : "", subnet, 10 + j);
	}
	if (n == 0) {
		sb_release(&set);
		return NULL;
	}
	sb_printf(&sb,
		  "table inet lab_partition {\n"
		  "\tchain input {\n"
		  "\t\ttype filter hook input priority 0; policy accept;\n"
		  "\t\tip saddr { %s } drop\n"
		  "\t}\n"
		  "\tchain output {\n"
		  "\t\ttype filter hook output priority 0; policy accept;\n"
		  "\t\tip daddr { %s } drop\n"
		  "\t}\n"
		  "}\n",
		  set.buf, set.buf);
	sb_release(&set);
	return sb_detach(&sb);
}

static int drop_table(const char *ns, bool quiet)
{
	const char *a[] = { "nft", "delete", "table", "inet", "lab_partition", NULL };

	return run_cmd(a, ns, NULL, quiet);
}

static bool has_table(const char *ns)
{
	const char *a[] = { "nft", "list", "table", "inet", "lab_partition", NULL };

	return run_cmd(a, ns, NULL, true) == 0;
}

int net_partition(const char *cluster, int subnet, int nodes, const uint32_t *member_of)
{
	for (int i = 1; i <= nodes; i++) {
		char ns[64];
		char *script = net_partition_script(subnet, nodes, member_of, i);
		net_node_ns(ns, sizeof(ns), cluster, i);
		if (has_table(ns) && drop_table(ns, false) < 0) {
			free(script);
			return -1;
		}
		if (!script)
			continue;
		const char *a[] = { "nft", "-f", "-", NULL };
		int rc = run_cmd(a, ns, script, false);
		free(script);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int net_heal(const char *cluster, int nodes)
{
	int rc = 0;

	for (int i = 1; i <= nodes; i++) {
		char ns[64];
		net_node_ns(ns, sizeof(ns), cluster, i);
		if (!net_ns_exists(ns) || !has_table(ns))
			continue;
		if (drop_table(ns, false) < 0)
			rc = -1;
	}
	return rc;
}

int net_ns_pids(const char *ns, pid_t **pids, size_t *n)
{
	struct strbuf out = {0};
	const char *a[] = { "ip", "netns", "pids", ns, NULL };
	struct run_opts o = { .timeout_ms = 10000, .out = &out };
	char *save = NULL, *tok;

	*pids = NULL;
	*n = 0;
	if (run_argv(a, &o) != 0) {
		lab_error("cannot list the processes of namespace '%s': %s", ns, out.buf ? out.buf : "");
		sb_release(&out);
		return -1;
	}
	for (tok = strtok_r(out.buf ? out.buf : (char *)"", " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		int64_t p;
		if (parse_int64(tok, 2, INT32_MAX, &p) < 0)
			continue;
		*pids = xrealloc(*pids, (*n + 1) * sizeof(**pids));
		(*pids)[(*n)++] = (pid_t)p;
	}
	sb_release(&out);
	return 0;
}
