/*
 * virt_lab.c — defines and removes a VM lab (see virt_lab.h): the isolated
 * network, the qcow2 overlays of the vm-images/ base image and the
 * lab-marked domains, booted by direct kernel boot with the node's identity
 * on the kernel command line. Used by `lab vm define|undefine` and by the
 * libvirt backend when a scenario names no domains of its own.
 */
#include "virt_lab.h"
#include "vm_disk.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vm_lab_defaults(struct vm_lab *l)
{
	if (!l->name || !*l->name)
		l->name = "lab";
	if (!l->uri || !*l->uri)
		l->uri = "qemu:///system";
	if (!l->type)
		l->type = "qemu";
	if (!l->image_dir)
		l->image_dir = getenv("LAB_VM_IMAGES") ? getenv("LAB_VM_IMAGES") : "vm-images/out";
	if (!l->cache)
		l->cache = "none";
	if (l->subnet <= 0)
		l->subnet = VM_LAB_DEFAULT_SUBNET;
	if (l->memory_mib <= 0)
		l->memory_mib = 1024;
	if (l->vcpus <= 0)
		l->vcpus = 1;
}

void vm_lab_domain_name(const struct vm_lab *l, int node, char *buf, size_t size)
{
	snprintf(buf, size, "%s-node%d", l->name, node);
}

void vm_lab_network_name(const struct vm_lab *l, char *buf, size_t size)
{
	snprintf(buf, size, "lab-%s", l->name);
}

void vm_lab_node_addr(const struct vm_lab *l, int node, char *buf, size_t size)
{
	snprintf(buf, size, "10.213.%d.%d", l->subnet, 10 + node);
}

char *vm_lab_state_dir(const struct vm_lab *l)
{
	return l->state_dir ? xstrdup(l->state_dir) : xasprintf("/var/tmp/lab-vm/%s", l->name);
}

char *vm_lab_disk_path(const struct vm_lab *l, int node)
{
	char *dir = vm_lab_state_dir(l), *disk;

	if (l->powerfs) {
		struct vm_disk_paths p;
		vm_disk_paths(dir, node, &p);
		disk = xstrdup(p.image);
	} else {
		disk = xasprintf("%s/node%d.qcow2", dir, node);
	}
	free(dir);
	return disk;
}

/* An absolute path of a file in the image directory. */
static char *image_file(const struct vm_lab *l, const char *file)
{
	char *rel = xasprintf("%s/%s", l->image_dir, file);
	char *abs = realpath(rel, NULL);
	if (!abs)
		lab_error("no guest image file '%s' (build it with 'make -C vm-images'): %s", rel, strerror(errno));
	free(rel);
	return abs;
}

char *vm_lab_domain_xml(const struct vm_lab *l, int node)
{
	char name[128], net[128], addr[32], mac[32];
	struct strbuf cmd = {0};
	char *dir = vm_lab_state_dir(l);
	char *disk = vm_lab_disk_path(l, node);
	char *log = xasprintf("%s/node%d.console.log", dir, node);
	char *kernel = xasprintf("%s/vmlinuz", l->image_dir);
	char *initrd = xasprintf("%s/initrd.img", l->image_dir);
	char *abs_kernel = realpath(kernel, NULL), *abs_initrd = realpath(initrd, NULL);

	vm_lab_domain_name(l, node, name, sizeof(name));
	vm_lab_network_name(l, net, sizeof(net));
	vm_lab_node_addr(l, node, addr, sizeof(addr));
	snprintf(mac, sizeof(mac), "52:54:00:d5:%02x:%02x", l->subnet & 0xff, node);
	sb_printf(&cmd, "root=/dev/vda rw console=ttyS0 panic=10 lab.cluster=%s lab.node=%d lab.addr=%s/24 lab.peers=",
		  l->name, node, addr);
	for (int i = 1; i <= l->nodes; i++) {
		char a[32];
		vm_lab_node_addr(l, i, a, sizeof(a));
		sb_printf(&cmd, "%s%s", i > 1 ? "," : "", a);
	}
	struct virt_domain_spec s = {
		.name = name, .cluster = l->name, .node = node, .type = l->type,
		.memory_mib = l->memory_mib, .vcpus = l->vcpus, .disk = disk, .cache = l->cache,
		.kernel = abs_kernel ? abs_kernel : kernel, .initrd = abs_initrd ? abs_initrd : initrd,
		.cmdline = cmd.buf, .network = net, .mac = mac, .console_log = log,
	};
	char *xml = virt_domain_xml(&s);
	sb_release(&cmd);
	free(dir);
	free(disk);
	free(log);
	free(kernel);
	free(initrd);
	free(abs_kernel);
	free(abs_initrd);
	return xml;
}

static bool local_uri(const char *uri)
{
	return strncmp(uri, "qemu:///", 8) == 0;
}

/* The blackhole route for the lab subnet (local hypervisor only), under
 * the bridge's own route (metric 4000): when the network is down the
 * subnet goes nowhere rather than to the default gateway. Added, never
 * "replace"d: a route of the same prefix and metric that is not a
 * blackhole belongs to someone else, and lab stops rather than take it. */
static int route_blackhole(const struct vm_lab *l, bool add)
{
	char net[32];
	snprintf(net, sizeof(net), "10.213.%d.0/24", l->subnet);
	const char *argv[] = { "ip", "route", add ? "add" : "del", "blackhole", net, "metric", "4000", NULL };
	const char *show[] = { "ip", "-o", "route", "show", "exact", net, NULL };
	struct strbuf out = {0}, shown = {0};
	struct run_opts o = { .timeout_ms = 10000, .out = &out };
	struct run_opts so = { .timeout_ms = 10000, .out = &shown };
	int rc = run_argv(argv, &o);
	if (rc != 0 && add) {
		/* Already there: fine if it is a blackhole at lab's metric (a
		 * run that died before its teardown left it). */
		bool ours = false;
		if (run_argv(show, &so) == 0 && shown.buf)
			for (char *line = strtok(shown.buf, "\n"); line; line = strtok(NULL, "\n"))
				if (!strncmp(line, "blackhole ", 10) && strstr(line, " metric 4000"))
					ours = true;
		if (!ours) {
			lab_error("cannot add the blackhole route for '%s': %s", net, out.buf ? out.buf : "");
			rc = -1;
		} else {
			rc = 0;
		}
	} else {
		rc = 0;
	}
	sb_release(&out);
	sb_release(&shown);
	return rc;
}

int vm_lab_define(struct virt_conn *conn, const struct vm_lab *l)
{
	char net[128], bridge[16], host[32], name[128];
	char *dir = NULL, *base = NULL, *xml = NULL;
	int rc = -1;

	if (l->nodes < 1 || l->nodes > VM_LAB_MAX_NODES) {
		lab_error("a VM lab has 1 to %d nodes, not %d", VM_LAB_MAX_NODES, l->nodes);
		return -1;
	}
	if (l->subnet < 1 || l->subnet > 254) {
		lab_error("subnet octet %d is out of range (1..254)", l->subnet);
		return -1;
	}
	if (!virt_cache_mode_valid(l->cache)) {
		lab_error("invalid disk cache mode '%s'", l->cache);
		return -1;
	}
	if (!(base = image_file(l, "base.qcow2")))
		goto out;
	char *k = image_file(l, "vmlinuz"), *i = image_file(l, "initrd.img");
	bool have = k && i;
	free(k);
	free(i);
	if (!have)
		goto out;
	dir = vm_lab_state_dir(l);
	if (mkdir_p(dir, 0755) < 0)
		goto out;

	vm_lab_network_name(l, net, sizeof(net));
	snprintf(bridge, sizeof(bridge), "labvm%d", l->subnet);
	snprintf(host, sizeof(host), "10.213.%d.1", l->subnet);
	xml = virt_network_xml(net, bridge, host, 24);
	if (virt_network_ensure(conn, net, xml) < 0)
		goto out;
	free(xml);
	xml = NULL;
	if (local_uri(l->uri) && route_blackhole(l, true) < 0)
		goto out;

	for (int node = 1; node <= l->nodes; node++) {
		vm_lab_domain_name(l, node, name, sizeof(name));
		char **names;
		size_t n;
		bool exists = false;
		if (virt_list_marked(conn, l->name, &names, &n) < 0)
			goto out;
		for (size_t j = 0; j < n; j++)
			exists |= strcmp(names[j], name) == 0;
		virt_names_free(names, n);
		if (exists) {
			struct virt_dom *d = virt_domain_open(conn, name, l->name, node);
			if (!d)
				goto out;
			virt_domain_free(d);
			lab_info("domain '%s' is defined already; kept", name);
			continue;
		}
		if (l->powerfs && vm_disk_start(dir, node, l->powerfs_flush_ms, NULL) < 0)
			goto out;
		char *overlay = vm_lab_disk_path(l, node);
		if (!path_exists(overlay)) {
			const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
					       "-b", base, overlay, NULL };
			struct strbuf o = {0};
			struct run_opts ro = { .timeout_ms = 60000, .out = &o };
			int r = run_argv(argv, &ro);
			if (r != 0) {
				if (r > 0)
					lab_error("cannot create overlay '%s': %s", overlay, o.buf ? o.buf : "");
				sb_release(&o);
				free(overlay);
				goto out;
			}
			sb_release(&o);
			/* The new file is the disk's factory state: durable. */
			if (l->powerfs && vm_disk_flush(dir, node) < 0) {
				free(overlay);
				goto out;
			}
		}
		free(overlay);
		xml = vm_lab_domain_xml(l, node);
		struct virt_dom *d = virt_domain_define(conn, xml);
		free(xml);
		xml = NULL;
		if (!d)
			goto out;
		virt_domain_free(d);
	}
	rc = 0;
out:
	free(xml);
	free(base);
	free(dir);
	return rc;
}

int vm_lab_undefine(struct virt_conn *conn, const struct vm_lab *l)
{
	char **names = NULL, net[128];
	size_t n = 0;
	int rc = 0;
	if (virt_list_marked(conn, l->name, &names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct virt_dom *d = virt_domain_open(conn, names[i], l->name, 0);
		if (!d || virt_domain_undefine(d) < 0)
			rc = -1;
		virt_domain_free(d);
	}
	virt_names_free(names, n);
	vm_lab_network_name(l, net, sizeof(net));
	if (virt_network_remove(conn, net) < 0)
		rc = -1;
	if (local_uri(l->uri))
		route_blackhole(l, false);
	if (rc == 0) {
		/* The domains are off: their disks' daemons and mounts go
		 * (those of a killed run too). */
		char *dir = vm_lab_state_dir(l);
		for (int node = 1; node <= VM_LAB_MAX_NODES; node++)
			if (vm_disk_stop(dir, node) < 0)
				rc = -1;
		free(dir);
	}
	if (rc == 0) {
		/* Only the files lab made: a state directory given by hand may
		 * hold other things. */
		char *dir = vm_lab_state_dir(l);
		static const char *const files[] = { "node%d.qcow2", "node%d.console.log" };
		for (int node = 1; node <= VM_LAB_MAX_NODES; node++) {
			for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
				char rel[64], *path;
				snprintf(rel, sizeof(rel), files[f], node);
				path = xasprintf("%s/%s", dir, rel);
				if (unlink(path) < 0 && errno != ENOENT) {
					lab_error("cannot remove '%s': %s", path, strerror(errno));
					rc = -1;
				}
				free(path);
			}
		}
		rmdir(dir); /* if empty */
		free(dir);
	}
	return rc;
}
