/*
 * cmd_vm.c — the `lab vm` verb: define and remove a VM lab (the isolated
 * network, qcow2 overlays of the vm-images/ base image and lab-marked
 * domains; see virt_lab.h), list lab-marked domains, print a node's domain
 * XML, and run a command in a guest through the QEMU guest agent.
 *
 *   lab vm define --nodes N [--name NAME] [--uri URI] [--type kvm|qemu]
 *                 [--image-dir DIR] [--state-dir DIR] [--cache MODE]
 *                 [--subnet X] [--memory MIB] [--vcpus N] [--start]
 *   lab vm undefine [--name NAME] [--uri URI] [--state-dir DIR] [--subnet X]
 *   lab vm list [--name NAME] [--uri URI]
 *   lab vm xml --node I --nodes N [...define options]
 *   lab vm exec [--uri URI] [--timeout 60s] DOMAIN -- PROGRAM [ARG...]
 *
 * Every domain it touches must carry lab's marker; exec refuses others.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"
#include "virt.h"
#include "virt_lab.h"

#define bad(...) lab_usage_error("vm", __VA_ARGS__)

static int int_opt(const char *name, const char *arg, int64_t min, int64_t max, int *out)
{
	int64_t v;
	if (parse_int64(arg, min, max, &v) < 0) {
		lab_error("invalid value '%s' for --%s (%lld..%lld)", arg, name, (long long)min, (long long)max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int vm_list(struct virt_conn *c, const char *cluster)
{
	char **names;
	size_t n;
	if (virt_list_marked(c, cluster, &names, &n) < 0)
		return LAB_EXIT_BROKEN;
	for (size_t i = 0; i < n; i++) {
		struct virt_dom *d = virt_domain_open(c, names[i], cluster, 0);
		if (!d)
			continue;
		int s = virt_domain_state(d);
		char *cache = NULL;
		virt_get_cache_mode(d, NULL, &cache);
		printf("%-24s cluster=%s node=%d state=%s cache=%s\n", names[i], virt_domain_cluster(d),
		       virt_domain_node(d), s < 0 ? "?" : virt_state_name((enum virt_state)s), cache ? cache : "?");
		free(cache);
		virt_domain_free(d);
	}
	virt_names_free(names, n);
	return LAB_EXIT_OK;
}

static int vm_exec(const char *uri, int64_t timeout_ms, int argc, char **argv)
{
	if (argc < 2)
		return bad("%s", "'vm exec' needs DOMAIN -- PROGRAM [ARG...]");
	const char *domain = argv[0];
	int first = 1;
	if (strcmp(argv[1], "--") == 0)
		first = 2;
	if (first >= argc)
		return bad("%s", "'vm exec' needs a program to run");
	struct virt_conn *c = virt_open(uri);
	if (!c)
		return LAB_EXIT_BROKEN;
	struct virt_dom *d = virt_domain_open(c, domain, NULL, 0);
	int rc = LAB_EXIT_BROKEN;
	if (d) {
		struct strbuf out = {0};
		int st = virt_guest_exec(d, (const char *const *)&argv[first], NULL, timeout_ms, &out);
		if (out.len)
			fwrite(out.buf, 1, out.len, stdout);
		sb_release(&out);
		rc = st < 0 ? LAB_EXIT_BROKEN : st;
	}
	virt_domain_free(d);
	virt_close(c);
	return rc;
}

/* What the options of every sub-verb set. */
struct vm_args {
	struct vm_lab l;
	int node;
	bool start, name_given;
	int64_t timeout_ms;
};

/* Parse the options after the sub-verb; *argc and *argv are left on the
 * first argument that is not an option. Returns 0, or the exit code of a
 * usage error (reported). */
static int vm_parse_options(int *argc, char ***argv, struct vm_args *a)
{
	static const struct option opts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "node", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'N' },
		{ "uri", required_argument, NULL, 'u' },
		{ "type", required_argument, NULL, 't' },
		{ "image-dir", required_argument, NULL, 'I' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "cache", required_argument, NULL, 'c' },
		{ "subnet", required_argument, NULL, 's' },
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "start", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_lab *l = &a->l;
	int opt;

	optind = 1;
	/* "+": stop at the first non-option, so that exec's command keeps its own options. */
	while ((opt = getopt_long(*argc, *argv, "+", opts, NULL)) != -1) {
		int r = 0;
		switch (opt) {
		case 'n': r = int_opt("nodes", optarg, 1, VM_LAB_MAX_NODES, &l->nodes); break;
		case 'i': r = int_opt("node", optarg, 1, VM_LAB_MAX_NODES, &a->node); break;
		case 'N': l->name = optarg; a->name_given = true; break;
		case 'u': l->uri = optarg; break;
		case 't':
			if (strcmp(optarg, "kvm") != 0 && strcmp(optarg, "qemu") != 0)
				return bad("invalid --type '%s' (kvm or qemu)", optarg);
			l->type = optarg;
			break;
		case 'I': l->image_dir = optarg; break;
		case 'S': l->state_dir = optarg; break;
		case 'c':
			if (!virt_cache_mode_valid(optarg))
				return bad("invalid --cache '%s' (none, writethrough, writeback, unsafe, directsync)", optarg);
			l->cache = optarg;
			break;
		case 's': r = int_opt("subnet", optarg, 1, 254, &l->subnet); break;
		case 'm': r = int_opt("memory", optarg, 256, 65536, &l->memory_mib); break;
		case 'v': r = int_opt("vcpus", optarg, 1, 64, &l->vcpus); break;
		case 'T':
			if (parse_duration_ms(optarg, &a->timeout_ms) < 0)
				return bad("invalid --timeout '%s'", optarg);
			break;
		case 'B': a->start = true; break;
		default: return bad("%s", "unknown option to 'vm'");
		}
		if (r < 0)
			return LAB_EXIT_BROKEN;
	}
	*argc -= optind;
	*argv += optind;
	return 0;
}

static int vm_xml(const struct vm_args *a)
{
	if (!a->l.nodes || !a->node || a->node > a->l.nodes)
		return bad("%s", "'vm xml' needs --nodes N and --node I (1..N)");
	char *xml = vm_lab_domain_xml(&a->l, a->node);
	fputs(xml, stdout);
	free(xml);
	return LAB_EXIT_OK;
}

/* Define the lab, start its domains with --start, and print each node's
 * domain name and address. */
static int vm_define(const struct vm_args *a)
{
	const struct vm_lab *l = &a->l;
	struct virt_conn *c;
	int rc = LAB_EXIT_BROKEN;

	if (!l->nodes)
		return bad("%s", "'vm define' needs --nodes N");
	if (!(c = virt_open(l->uri)))
		return LAB_EXIT_BROKEN;
	if (vm_lab_define(c, l) < 0)
		goto out;
	for (int i = 1; i <= l->nodes; i++) {
		char name[128], addr[32];
		vm_lab_domain_name(l, i, name, sizeof(name));
		vm_lab_node_addr(l, i, addr, sizeof(addr));
		if (a->start) {
			struct virt_dom *d = virt_domain_open(c, name, l->name, i);
			int r = d ? virt_start(d) : -1;
			virt_domain_free(d);
			if (r < 0)
				goto out;
		}
		printf("%s %s\n", name, addr);
	}
	rc = LAB_EXIT_OK;
out:
	virt_close(c);
	return rc;
}

static int vm_undefine(const struct vm_args *a)
{
	struct virt_conn *c = virt_open(a->l.uri);
	int rc;

	if (!c)
		return LAB_EXIT_BROKEN;
	rc = vm_lab_undefine(c, &a->l) < 0 ? LAB_EXIT_BROKEN : LAB_EXIT_OK;
	virt_close(c);
	return rc;
}

static int vm_list_cmd(const struct vm_args *a)
{
	struct virt_conn *c = virt_open(a->l.uri);
	int rc;

	if (!c)
		return LAB_EXIT_BROKEN;
	rc = vm_list(c, a->name_given ? a->l.name : NULL);
	virt_close(c);
	return rc;
}

int cmd_vm(int argc, char **argv)
{
	struct vm_args a = { .timeout_ms = 60000 };
	int rc;

	if (argc < 2)
		return bad("%s", "'vm' needs a sub-verb");
	const char *sub = argv[1];
	argc--;
	argv++;
	if (virt_unavailable()) {
		lab_error("libvirt backend: %s", virt_unavailable());
		return LAB_EXIT_BROKEN;
	}
	rc = vm_parse_options(&argc, &argv, &a);
	if (rc != 0)
		return rc;
	vm_lab_defaults(&a.l);

	if (strcmp(sub, "exec") == 0)
		return vm_exec(a.l.uri, a.timeout_ms, argc, argv);
	if (argc > 0)
		return bad("unexpected argument '%s'", argv[0]);
	if (strcmp(sub, "xml") == 0)
		return vm_xml(&a);
	if (strcmp(sub, "define") == 0)
		return vm_define(&a);
	if (strcmp(sub, "undefine") == 0)
		return vm_undefine(&a);
	if (strcmp(sub, "list") == 0)
		return vm_list_cmd(&a);
	return bad("unknown 'vm' sub-verb '%s'", sub);
}
