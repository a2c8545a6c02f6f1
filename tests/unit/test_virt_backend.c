/* Unit tests for the libvirt backend (harness/cluster/backend_libvirt.c) through
 * the cluster API, against libvirt's in-process test:///default driver:
 * the backend is registered, a cluster naming an unmarked domain is refused
 * and the domain is left exactly as it was, a marked domain is accepted up
 * to the point where a real guest agent is needed (the test driver has
 * none), and hard-reset / cache mode go to the domain. Without libvirt the
 * backend says "built without libvirt". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "virt.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lab-unit-vb-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("LAB_VM_BOOT_TIMEOUT", "2s", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(tmpdir);
	return 0;
}

static void test_registered(void **state)
{
	(void)state;
	const struct backend_ops *b = backend_find("libvirt");
	assert_non_null(b);
	assert_string_equal(backend_name(b), "libvirt");
#ifdef LAB_NO_LIBVIRT
	assert_string_equal(backend_unavailable(b), "built without libvirt");
#else
	assert_null(backend_unavailable(b));
#endif
}

#ifndef LAB_NO_LIBVIRT

static int open_cluster(struct cluster *c, const char *name, const char *const *domains)
{
	char *sd = xasprintf("%s/%s", tmpdir, name);
	struct cluster_spec spec = {
		.name = name, .state_dir = sd, .flavor = "galera", .backend = "libvirt", .nodes = 1,
		.libvirt_uri = "test:///default", .domains = domains,
	};
	memset(c, 0, sizeof(*c));
	int rc = cluster_open(c, &spec);
	free(sd);
	return rc;
}

static void test_refuses_unmarked_domain(void **state)
{
	(void)state;
	const char *const domains[] = { "test" };
	struct cluster c;
	struct virt_conn *vc = virt_open("test:///default");
	assert_non_null(vc);
	assert_int_equal(open_cluster(&c, "vb1", domains), 0);
	assert_int_equal(cluster_up(&c), -1);
	assert_non_null(strstr(lab_last_error(), "domain 'test' has no lab marker"));
	cluster_release(&c);
	/* The unmarked domain still runs: nothing was done to it. */
	char **names;
	size_t n;
	assert_int_equal(virt_list_marked(vc, NULL, &names, &n), 0);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(names[i], "test");
	virt_names_free(names, n);
	assert_null(virt_domain_open(vc, "test", NULL, 0)); /* still unmarked */
	virt_close(vc);
}

static void test_marked_domain(void **state)
{
	(void)state;
	struct virt_conn *vc = virt_open("test:///default");
	struct virt_domain_spec s = {
		.name = "vb-node1", .cluster = "anycluster", .node = 1, .type = "test",
		.disk = "/var/tmp/lab-unit/vb.qcow2", .cache = "none",
	};
	char *xml = virt_domain_xml(&s);
	struct virt_dom *d = virt_domain_define(vc, xml);
	free(xml);
	assert_non_null(d);

	/* create starts the domain, then needs the guest agent, which the test
	 * driver does not have: up fails, and destroy shuts the domain down
	 * again (the scenario's own domain is kept, not undefined). */
	const char *const domains[] = { "vb-node1" };
	struct cluster c;
	assert_int_equal(open_cluster(&c, "vb2", domains), 0);
	assert_int_equal(cluster_up(&c), -1);
	assert_non_null(strstr(lab_last_error(), "guest agent"));
	cluster_release(&c);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_SHUTOFF);

	/* A cache mode from the spec is applied by create and restored by
	 * destroy. */
	char *sd = xasprintf("%s/vb3", tmpdir);
	struct cluster_spec spec = {
		.name = "vb3", .state_dir = sd, .flavor = "galera", .backend = "libvirt", .nodes = 1,
		.libvirt_uri = "test:///default", .domains = domains, .cache_mode = "unsafe",
	};
	memset(&c, 0, sizeof(c));
	assert_int_equal(cluster_open(&c, &spec), 0);
	assert_int_equal(cluster_up(&c), -1);
	cluster_release(&c);
	free(sd);
	char *mode = NULL;
	assert_int_equal(virt_get_cache_mode(d, NULL, &mode), 0);
	assert_string_equal(mode, "none");
	free(mode);

	assert_int_equal(virt_domain_undefine(d), 0);
	virt_domain_free(d);
	virt_close(vc);
}

#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
#ifndef LAB_NO_LIBVIRT
		cmocka_unit_test(test_refuses_unmarked_domain),
		cmocka_unit_test(test_marked_domain),
#endif
	};
	lab_quiet = true;
	return cmocka_run_group_tests(tests, setup, teardown);
}
