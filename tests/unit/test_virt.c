/* Unit tests for harness/virt/virt.c: the pure parts (marker, disk cache= XML
 * edits, domain/network templates, guest agent JSON, base64) and, when
 * built with libvirt, the domain operations against libvirt's own
 * test:///default driver (in-process, no daemon): refusal of unmarked
 * domains, state changes of start/pause/resume/reset/power off/shutdown,
 * cache mode by cold restart, snapshots and reverts, networks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "virt.h"

static void test_marker(void **state)
{
	char cluster[64];
	int node = 0;
	(void)state;
	char *m = virt_marker_xml("h8a", 3);
	assert_string_equal(m, "<lab:node xmlns:lab=\"https://lab.invalid/1\" cluster=\"h8a\" node=\"3\"/>");
	assert_int_equal(virt_marker_parse(m, cluster, sizeof(cluster), &node), 0);
	assert_string_equal(cluster, "h8a");
	assert_int_equal(node, 3);
	free(m);
	/* As virDomainGetMetadata returns it: no prefix, single quotes. */
	assert_int_equal(virt_marker_parse("<node cluster='c1' node='2'/>", cluster, sizeof(cluster), &node), 0);
	assert_string_equal(cluster, "c1");
	assert_int_equal(node, 2);
	/* Escaping survives. */
	m = virt_marker_xml("a<b", 1);
	assert_non_null(strstr(m, "cluster=\"a&lt;b\""));
	free(m);
	/* Not markers. */
	assert_int_equal(virt_marker_parse("<node cluster='c1'/>", cluster, sizeof(cluster), &node), -1);
	assert_int_equal(virt_marker_parse("<node cluster='c1' node='x'/>", cluster, sizeof(cluster), &node), -1);
	assert_int_equal(virt_marker_parse("<node cluster='' node='1'/>", cluster, sizeof(cluster), &node), -1);
	assert_int_equal(virt_marker_parse("<other cluster='c' node='1'/>", cluster, sizeof(cluster), &node), -1);
	assert_int_equal(virt_marker_parse("", cluster, sizeof(cluster), &node), -1);
	assert_int_equal(virt_marker_parse(NULL, cluster, sizeof(cluster), &node), -1);
	assert_int_equal(virt_marker_parse("<node cluster='toolongname' node='1'/>", cluster, 5, &node), -1);
}

static const char two_disks[] =
	"<domain type='kvm'>\n  <devices>\n"
	"    <disk type='file' device='cdrom'>\n      <driver name='qemu' type='raw' cache='none'/>\n"
	"      <source file='/x.iso'/>\n      <target dev='sda' bus='sata'/>\n    </disk>\n"
	"    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2' cache='writeback' io='threads'/>\n"
	"      <source file='/a.qcow2'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n"
	"    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n"
	"      <source file='/b.qcow2'/>\n      <target dev=\"vdb\" bus='virtio'/>\n    </disk>\n"
	"    <disk type='file'>\n      <source file='/c.raw'/>\n      <target dev='vdc' bus='virtio'/>\n    </disk>\n"
	"  </devices>\n</domain>\n";

static void test_cache_xml(void **state)
{
	char *x, *m;
	(void)state;
	/* The first device='disk' (not the cdrom) is the default choice. */
	m = virt_xml_get_disk_cache(two_disks, NULL);
	assert_string_equal(m, "writeback");
	free(m);
	m = virt_xml_get_disk_cache(two_disks, "vdb");
	assert_string_equal(m, "default");
	free(m);

	/* Replace an existing cache=, keep the other attributes. */
	x = virt_xml_set_disk_cache(two_disks, NULL, "unsafe");
	assert_non_null(x);
	assert_non_null(strstr(x, "<driver name='qemu' type='qcow2' cache='unsafe' io='threads'/>"));
	assert_non_null(strstr(x, "<driver name='qemu' type='raw' cache='none'/>")); /* cdrom untouched */
	assert_int_equal(strlen(x), strlen(two_disks) + strlen("unsafe") - strlen("writeback"));
	m = virt_xml_get_disk_cache(x, "vda");
	assert_string_equal(m, "unsafe");
	free(m);
	free(x);

	/* Add cache= to a driver that has none (double-quoted target). */
	x = virt_xml_set_disk_cache(two_disks, "vdb", "directsync");
	assert_non_null(strstr(x, "<driver name='qemu' type='qcow2' cache='directsync'/>\n      <source file='/b.qcow2'/>"));
	m = virt_xml_get_disk_cache(x, "vda");
	assert_string_equal(m, "writeback");
	free(m);
	free(x);

	/* Insert a driver where there is none (no device= means a disk). */
	x = virt_xml_set_disk_cache(two_disks, "vdc", "writethrough");
	m = virt_xml_get_disk_cache(x, "vdc");
	assert_string_equal(m, "writethrough");
	free(m);
	assert_non_null(strstr(x, "<disk type='file'>\n      <driver name='qemu' cache='writethrough'/>"));
	free(x);

	/* "default" removes the attribute. */
	x = virt_xml_set_disk_cache(two_disks, "vda", "default");
	assert_non_null(strstr(x, "<driver name='qemu' type='qcow2' io='threads'/>"));
	m = virt_xml_get_disk_cache(x, "vda");
	assert_string_equal(m, "default");
	free(m);
	free(x);

	/* Errors. */
	assert_null(virt_xml_set_disk_cache(two_disks, NULL, "fast"));
	assert_non_null(strstr(lab_last_error(), "invalid disk cache mode 'fast'"));
	assert_null(virt_xml_set_disk_cache(two_disks, "vdz", "none"));
	assert_non_null(strstr(lab_last_error(), "dev=vdz"));
	assert_null(virt_xml_get_disk_cache("<domain><devices/></domain>", NULL));
	assert_null(virt_xml_get_disk_cache("<domain><devices><disk device='cdrom'><target dev='sda'/></disk></devices></domain>", NULL));
	assert_true(virt_cache_mode_valid("none"));
	assert_true(virt_cache_mode_valid("unsafe"));
	assert_false(virt_cache_mode_valid("Unsafe"));
	assert_false(virt_cache_mode_valid(NULL));
}

static struct virt_domain_spec spec_for(const char *name, int node, const char *type)
{
	struct virt_domain_spec s = {
		.name = name, .cluster = "unit", .node = node, .type = type,
		.memory_mib = 512, .vcpus = 1, .disk = "/var/tmp/lab-unit/n.qcow2", .cache = "none",
		.kernel = "/var/tmp/lab-unit/vmlinuz", .initrd = "/var/tmp/lab-unit/initrd.img",
		.cmdline = "root=/dev/vda console=ttyS0 lab.node=1 lab.addr=10.213.200.11/24",
		.network = "lab-unit", .mac = "52:54:00:d5:c8:01", .console_log = "/var/tmp/lab-unit/console.log",
	};
	return s;
}

static void test_domain_template(void **state)
{
	char cluster[64];
	int node;
	(void)state;
	struct virt_domain_spec s = spec_for("unit-node1", 1, "qemu");
	char *x = virt_domain_xml(&s);
	assert_non_null(strstr(x, "<domain type='qemu'>"));
	assert_non_null(strstr(x, "<name>unit-node1</name>"));
	assert_int_equal(virt_marker_parse(strstr(x, "<metadata>"), cluster, sizeof(cluster), &node), 0);
	assert_string_equal(cluster, "unit");
	assert_int_equal(node, 1);
	assert_non_null(strstr(x, "<kernel>/var/tmp/lab-unit/vmlinuz</kernel>"));
	assert_non_null(strstr(x, "<cmdline>root=/dev/vda console=ttyS0 lab.node=1 lab.addr=10.213.200.11/24</cmdline>"));
	assert_non_null(strstr(x, "<target type='virtio' name='org.qemu.guest_agent.0'/>"));
	assert_non_null(strstr(x, "<serial type='file'>\n      <source path='/var/tmp/lab-unit/console.log'/>"));
	assert_non_null(strstr(x, "<source network='lab-unit'/>"));
	char *m = virt_xml_get_disk_cache(x, "vda");
	assert_string_equal(m, "none");
	free(m);
	free(x);

	x = virt_network_xml("lab-unit", "labbr-unit", "10.213.200.1", 24);
	assert_non_null(strstr(x, "<name>lab-unit</name>"));
	assert_non_null(strstr(x, "<ip address='10.213.200.1' prefix='24'/>"));
	assert_null(strstr(x, "<forward")); /* isolated: no uplink */
	assert_null(strstr(x, "<dhcp"));
	free(x);
}

static void test_agent_json(void **state)
{
	struct strbuf out = {0};
	int64_t pid;
	bool exited;
	int status;
	size_t n;
	(void)state;
	const char *argv[] = { "/bin/sh", "-c", "echo \"hi\"\\n", "tab\there", NULL };
	char *j = virt_agent_exec_json(argv, NULL);
	assert_string_equal(j, "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\","
			       "\"arg\":[\"-c\",\"echo \\\"hi\\\"\\\\n\",\"tab\\u0009here\"],\"capture-output\":true}}");
	free(j);
	const char *argv1[] = { "mariadb", NULL };
	j = virt_agent_exec_json(argv1, "SELECT 1;\n");
	assert_non_null(strstr(j, "\"arg\":[]"));
	assert_non_null(strstr(j, "\"input-data\":\"U0VMRUNUIDE7Cg==\""));
	free(j);

	assert_int_equal(virt_agent_parse_pid("{\"return\": {\"pid\": 1234}}", &pid), 0);
	assert_int_equal(pid, 1234);
	assert_int_equal(virt_agent_parse_pid("{\"error\":{\"class\":\"GenericError\",\"desc\":\"x\"}}", &pid), -1);

	assert_int_equal(virt_agent_parse_status("{\"return\":{\"exited\":false}}", &exited, &status, &out), 0);
	assert_false(exited);
	assert_int_equal(virt_agent_parse_status(
				 "{\"return\": {\"exitcode\": 3, \"out-data\": \"aGVsbG8K\", \"err-data\": \"b29wcwo=\", \"exited\": true}}",
				 &exited, &status, &out), 0);
	assert_true(exited);
	assert_int_equal(status, 3);
	assert_string_equal(out.buf, "hello\noops\n");
	sb_reset(&out);
	assert_int_equal(virt_agent_parse_status("{\"return\":{\"exited\":true,\"signal\":9}}", &exited, &status, &out), 0);
	assert_int_equal(status, 137);
	assert_int_equal(virt_agent_parse_status("{\"return\":{\"exited\":true,\"exitcode\":0,\"out-data\":\"!!\"}}",
						 &exited, &status, &out), -1);
	assert_int_equal(virt_agent_parse_status("{\"return\":{}}", &exited, &status, &out), -1);

	/* The finder skips nested values and strings that look like keys. */
	const char *v = virt_json_find("{\"return\":{\"a\":{\"pid\":1},\"b\":\"\\\"pid\\\":2\",\"pid\":3}}", "pid", &n);
	assert_non_null(v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], '3');
	assert_null(virt_json_find("{\"return\":{\"pid\":", "pid", &n));
	sb_reset(&out);
	assert_int_equal(virt_json_string("\"a\\u00e9\\\"b\"", 12, &out), 0);
	assert_string_equal(out.buf, "a\xc3\xa9\"b");
	sb_release(&out);
}

static void test_base64(void **state)
{
	struct strbuf enc = {0}, dec = {0};
	(void)state;
	const char *samples[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar", "\x01\xff\x80 binary" };
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
		sb_reset(&enc);
		sb_reset(&dec);
		virt_base64_encode((const unsigned char *)samples[i], strlen(samples[i]), &enc);
		assert_int_equal(virt_base64_decode(enc.buf ? enc.buf : "", enc.len, &dec), 0);
		assert_int_equal(dec.len, strlen(samples[i]));
		if (dec.len)
			assert_memory_equal(dec.buf, samples[i], dec.len);
	}
	sb_reset(&enc);
	virt_base64_encode((const unsigned char *)"foobar", 6, &enc);
	assert_string_equal(enc.buf, "Zm9vYmFy");
	assert_int_equal(virt_base64_decode("Zm9v*", 5, &dec), -1);
	sb_release(&enc);
	sb_release(&dec);
}

#ifndef LAB_NO_LIBVIRT

#define URI "test:///default"

static struct virt_dom *define_node(struct virt_conn *c, const char *name, int node)
{
	struct virt_domain_spec s = spec_for(name, node, "test");
	char *x = virt_domain_xml(&s);
	struct virt_dom *d = virt_domain_define(c, x);
	free(x);
	return d;
}

static void test_refuses_unmarked(void **state)
{
	(void)state;
	struct virt_conn *c = virt_open(URI);
	assert_non_null(c);
	/* The test driver's own domain "test" runs and has no lab marker. */
	assert_null(virt_domain_open(c, "test", NULL, 0));
	assert_non_null(strstr(lab_last_error(), "domain 'test' has no lab marker"));
	assert_non_null(strstr(lab_last_error(), "refusing"));
	assert_null(virt_domain_open(c, "nosuchdomain", NULL, 0));
	assert_non_null(strstr(lab_last_error(), "no libvirt domain 'nosuchdomain'"));

	/* Defining over an unmarked domain is refused too, and leaves it be. */
	struct virt_domain_spec s = spec_for("test", 1, "test");
	char *x = virt_domain_xml(&s);
	assert_null(virt_domain_define(c, x));
	assert_non_null(strstr(lab_last_error(), "no lab marker"));
	free(x);
	/* XML without the marker is not defined. */
	assert_null(virt_domain_define(c, "<domain type='test'><name>unit-plain</name><memory>1024</memory>"
					  "<os><type>hvm</type></os></domain>"));
	assert_non_null(strstr(lab_last_error(), "carries no lab marker"));

	/* A marked domain of another cluster or node is refused as well. */
	struct virt_dom *d = define_node(c, "unit-refuse", 2);
	assert_non_null(d);
	virt_domain_free(d);
	assert_null(virt_domain_open(c, "unit-refuse", "other", 0));
	assert_non_null(strstr(lab_last_error(), "belongs to lab cluster 'unit', not 'other'"));
	assert_null(virt_domain_open(c, "unit-refuse", "unit", 1));
	assert_non_null(strstr(lab_last_error(), "is lab node 2, not node 1"));
	d = virt_domain_open(c, "unit-refuse", "unit", 2);
	assert_non_null(d);
	assert_int_equal(virt_domain_node(d), 2);
	assert_string_equal(virt_domain_cluster(d), "unit");
	assert_int_equal(virt_domain_undefine(d), 0);
	virt_domain_free(d);
	assert_null(virt_domain_open(c, "unit-refuse", NULL, 0));
	virt_close(c);
}

static void test_lifecycle(void **state)
{
	(void)state;
	struct virt_conn *c = virt_open(URI);
	struct virt_dom *d = define_node(c, "unit-life", 1);
	assert_non_null(d);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_SHUTOFF);
	assert_int_equal(virt_start(d), 0);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_RUNNING);
	assert_int_equal(virt_start(d), 0); /* running already */
	assert_int_equal(virt_suspend(d), 0);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_PAUSED);
	assert_int_equal(virt_resume(d), 0);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_RUNNING);
	assert_int_equal(virt_reset(d), 0);
	assert_int_equal(virt_wait_state(d, VIRT_STATE_RUNNING, 1000), 0);
	assert_int_equal(virt_poweroff(d), 0);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_SHUTOFF);
	assert_int_equal(virt_poweroff(d), 0); /* off already */
	assert_int_equal(virt_reset(d), -1);   /* a shut-off domain cannot be reset */
	assert_non_null(strstr(lab_last_error(), "cannot reset domain 'unit-life'"));
	assert_int_equal(virt_wait_state(d, VIRT_STATE_RUNNING, 300), -1);
	assert_non_null(strstr(lab_last_error(), "is shut off, not running"));
	assert_int_equal(virt_start(d), 0);
	assert_int_equal(virt_shutdown(d, 5000), 0);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_SHUTOFF);
	/* The test driver has no guest agent: an error, not a hang. */
	assert_int_equal(virt_start(d), 0);
	assert_false(virt_agent_ping(d, 1000));
	const char *argv[] = { "true", NULL };
	assert_int_equal(virt_guest_exec(d, argv, NULL, 1000, NULL), -1);
	assert_non_null(strstr(lab_last_error(), "guest agent of domain 'unit-life' failed"));
	assert_int_equal(virt_domain_undefine(d), 0);
	virt_domain_free(d);
	virt_close(c);
}

/* The cache= of the domain's live XML (what QEMU would run with). */
static char *live_cache(struct virt_conn *c, const char *name)
{
	(void)c;
	struct virt_conn *c2 = virt_open(URI);
	struct virt_dom *d = virt_domain_open(c2, name, NULL, 0);
	char *m = NULL;
	assert_non_null(d);
	/* virt_get_cache_mode reads the persistent definition; compare both. */
	assert_int_equal(virt_get_cache_mode(d, "vda", &m), 0);
	virt_domain_free(d);
	virt_close(c2);
	return m;
}

static void test_cache_mode(void **state)
{
	char *old = NULL, *m;
	(void)state;
	struct virt_conn *c = virt_open(URI);
	struct virt_dom *d = define_node(c, "unit-cache", 1);
	assert_int_equal(virt_start(d), 0);
	assert_int_equal(virt_set_cache_mode(d, NULL, "unsafe", &old), 0);
	assert_string_equal(old, "none");
	free(old);
	/* Cold-restarted: running again, with the new mode. */
	assert_int_equal(virt_domain_state(d), VIRT_STATE_RUNNING);
	m = live_cache(c, "unit-cache");
	assert_string_equal(m, "unsafe");
	free(m);
	/* Restore it. */
	assert_int_equal(virt_set_cache_mode(d, "vda", "none", &old), 0);
	assert_string_equal(old, "unsafe");
	free(old);
	m = live_cache(c, "unit-cache");
	assert_string_equal(m, "none");
	free(m);
	/* A shut-off domain stays off. */
	assert_int_equal(virt_poweroff(d), 0);
	assert_int_equal(virt_set_cache_mode(d, NULL, "writeback", NULL), 0);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_SHUTOFF);
	assert_int_equal(virt_get_cache_mode(d, NULL, &m), 0);
	assert_string_equal(m, "writeback");
	free(m);
	/* A bad mode changes nothing. */
	assert_int_equal(virt_set_cache_mode(d, NULL, "fast", &old), -1);
	assert_null(old);
	assert_int_equal(virt_get_cache_mode(d, NULL, &m), 0);
	assert_string_equal(m, "writeback");
	free(m);
	assert_int_equal(virt_domain_undefine(d), 0);
	virt_domain_free(d);
	virt_close(c);
}

static void test_snapshots(void **state)
{
	char *m;
	(void)state;
	struct virt_conn *c = virt_open(URI);
	struct virt_dom *d = define_node(c, "unit-snap", 1);
	/* A snapshot of the stopped domain (disk only). */
	assert_int_equal(virt_snapshot_create(d, "cold"), 0);
	assert_true(virt_snapshot_exists(d, "cold"));
	assert_false(virt_snapshot_exists(d, "nope"));
	/* A snapshot of the running domain, after a change of definition. */
	assert_int_equal(virt_start(d), 0);
	assert_int_equal(virt_set_cache_mode(d, NULL, "unsafe", NULL), 0);
	assert_int_equal(virt_snapshot_create(d, "hot"), 0);
	assert_int_equal(virt_snapshot_create(d, "hot"), -1); /* names are unique */
	assert_non_null(strstr(lab_last_error(), "cannot create snapshot 'hot' of domain 'unit-snap'"));

	/* Revert to the stopped one: the domain is off, with its old definition. */
	assert_int_equal(virt_snapshot_revert(d, "cold"), 0);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_SHUTOFF);
	assert_int_equal(virt_get_cache_mode(d, NULL, &m), 0);
	assert_string_equal(m, "none");
	free(m);
	/* Revert to the running one: running again. */
	assert_int_equal(virt_snapshot_revert(d, "hot"), 0);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_RUNNING);
	assert_int_equal(virt_snapshot_revert(d, "nope"), -1);
	assert_non_null(strstr(lab_last_error(), "has no snapshot 'nope'"));
	assert_int_equal(virt_snapshot_delete(d, "hot"), 0);
	assert_false(virt_snapshot_exists(d, "hot"));
	/* Undefine takes the remaining snapshot metadata with it. */
	assert_int_equal(virt_domain_undefine(d), 0);
	virt_domain_free(d);
	virt_close(c);
}

static void test_network(void **state)
{
	(void)state;
	struct virt_conn *c = virt_open(URI);
	char *x = virt_network_xml("lab-unitnet", "labbr-unit", "10.213.200.1", 24);
	assert_int_equal(virt_network_ensure(c, "lab-unitnet", x), 0);
	assert_int_equal(virt_network_ensure(c, "lab-unitnet", x), 0); /* idempotent */
	assert_int_equal(virt_network_remove(c, "lab-unitnet"), 0);
	assert_int_equal(virt_network_remove(c, "lab-unitnet"), 0); /* gone already */
	free(x);
	/* The test driver's "default" network is not lab's. */
	assert_int_equal(virt_network_remove(c, "default"), -1);
	assert_non_null(strstr(lab_last_error(), "not a lab network"));
	virt_close(c);
	assert_null(virt_open("nosuchdriver:///x"));
	assert_non_null(strstr(lab_last_error(), "cannot connect to libvirt at 'nosuchdriver:///x'"));
}

#else

static void test_without_libvirt(void **state)
{
	(void)state;
	assert_non_null(virt_unavailable());
	assert_null(virt_open("test:///default"));
	assert_non_null(strstr(lab_last_error(), "built without libvirt"));
}

#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marker),
		cmocka_unit_test(test_cache_xml),
		cmocka_unit_test(test_domain_template),
		cmocka_unit_test(test_agent_json),
		cmocka_unit_test(test_base64),
#ifndef LAB_NO_LIBVIRT
		cmocka_unit_test(test_refuses_unmarked),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_cache_mode),
		cmocka_unit_test(test_snapshots),
		cmocka_unit_test(test_network),
#else
		cmocka_unit_test(test_without_libvirt),
#endif
	};
	lab_quiet = true;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
