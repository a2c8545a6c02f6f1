/* Unit tests for harness/cluster/pve_api.c, the pure parts of the Proxmox VE
 * API client: token checks and loading (0600 rule), the Authorization
 * header, request paths and form bodies, fingerprint parsing, and the
 * parsing of replies shaped as Proxmox documents them (qemu-server
 * PVE/API2/Qemu.pm, PVE/API2/Qemu/Agent.pm, pve-manager PVE/API2/Tasks.pm):
 * UPIDs, task status, agent exec and exec-status, VM config with tags and
 * scsi0 / virtio0 disk lines, pending changes, error replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pve_api.h"
#include "util.h"

static void test_token(void **state)
{
	(void)state;
	assert_true(pve_token_valid("lab@pve!ci=0a1b2c3d-aaaa-bbbb-cccc-1234567890ab"));
	assert_true(pve_token_valid("root@pam!t=s"));
	assert_false(pve_token_valid(NULL));
	assert_false(pve_token_valid(""));
	assert_false(pve_token_valid("lab@pve:ci=secret"));    /* ':' is the ticket format, not a token */
	assert_false(pve_token_valid("lab@pve!ci"));           /* no secret */
	assert_false(pve_token_valid("lab@pve!ci="));          /* empty secret */
	assert_false(pve_token_valid("labpve!ci=secret"));     /* no realm */
	assert_false(pve_token_valid("@pve!ci=secret"));       /* no user */
	assert_false(pve_token_valid("lab@!ci=secret"));       /* empty realm */
	assert_false(pve_token_valid("lab@pve!=secret"));      /* empty token id */
	assert_false(pve_token_valid("lab@pve!ci=sec ret"));   /* white space */
	assert_false(pve_token_valid("lab@pve!ci=secret\n"));  /* header injection */
	char *h = pve_auth_header("lab@pve!ci=s3cr3t");
	assert_string_equal(h, "Authorization: PVEAPIToken=lab@pve!ci=s3cr3t");
	free(h);
}

static void test_token_load(void **state)
{
	char dir[] = "/tmp/test_pve_XXXXXX", path[64], *tok = NULL;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	unsetenv("LAB_PROXMOX_TOKEN");
	/* nothing at all */
	assert_int_equal(pve_token_load(NULL, &tok), -1);
	assert_null(tok);
	assert_non_null(strstr(lab_last_error(), "LAB_PROXMOX_TOKEN"));
	/* a file readable by others is refused, whatever it holds */
	assert_int_equal(write_file_atomic(path, "lab@pve!ci=s3cr3t\n", 18, 0644), 0);
	chmod(path, 0644);
	assert_int_equal(pve_token_load(path, &tok), -1);
	assert_non_null(strstr(lab_last_error(), "readable by group or others"));
	assert_null(strstr(lab_last_error(), "s3cr3t"));
	chmod(path, 0640);
	assert_int_equal(pve_token_load(path, &tok), -1);
	chmod(path, 0600);
	assert_int_equal(pve_token_load(path, &tok), 0);
	assert_string_equal(tok, "lab@pve!ci=s3cr3t"); /* newline dropped */
	free(tok);
	/* a malformed token is refused without being echoed */
	assert_int_equal(write_file_atomic(path, "lab@pve:s3cr3t\n", 15, 0600), 0);
	assert_int_equal(pve_token_load(path, &tok), -1);
	assert_null(strstr(lab_last_error(), "s3cr3t"));
	/* the environment wins over the file */
	setenv("LAB_PROXMOX_TOKEN", "env@pve!x=y", 1);
	assert_int_equal(pve_token_load(path, &tok), 0);
	assert_string_equal(tok, "env@pve!x=y");
	free(tok);
	unsetenv("LAB_PROXMOX_TOKEN");
	unlink(path);
	rmdir(dir);
}

static void test_fingerprint(void **state)
{
	unsigned char fp[32];
	(void)state;
	const char *shown = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
	assert_int_equal(pve_fingerprint_parse(shown, fp), 0);
	assert_int_equal(fp[0], 0xAB);
	assert_int_equal(fp[31], 0x89);
	assert_int_equal(pve_fingerprint_parse("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", fp), 0);
	assert_int_equal(fp[1], 0xCD);
	assert_int_equal(pve_fingerprint_parse("AB:CD", fp), -1);                      /* too short */
	assert_int_equal(pve_fingerprint_parse("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:00", fp), -1);
	assert_int_equal(pve_fingerprint_parse("ZZ:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89", fp), -1);
	assert_int_equal(pve_fingerprint_parse("A:BCD", fp), -1);
}

static void test_paths_and_forms(void **state)
{
	struct strbuf f = {0};
	(void)state;
	char *p = pve_vm_path("pve1", 101, "status/reset");
	assert_string_equal(p, "/api2/json/nodes/pve1/qemu/101/status/reset");
	free(p);
	p = pve_vm_path("pve1", 102, "snapshot/lab-before/rollback");
	assert_string_equal(p, "/api2/json/nodes/pve1/qemu/102/snapshot/lab-before/rollback");
	free(p);
	p = pve_vm_path("pve2", 103, NULL);
	assert_string_equal(p, "/api2/json/nodes/pve2/qemu/103");
	free(p);
	p = pve_vm_path("a/b", 1, "config"); /* a node name cannot walk the path */
	assert_string_equal(p, "/api2/json/nodes/a%2Fb/qemu/1/config");
	free(p);
	p = pve_task_path("pve1", "UPID:pve1:000A1B2C:0151E4D3:656E1F00:qmreset:101:lab@pve!ci:");
	assert_string_equal(p, "/api2/json/nodes/pve1/tasks/UPID%3Apve1%3A000A1B2C%3A0151E4D3%3A656E1F00%3Aqmreset%3A101%3Alab%40pve%21ci%3A/status");
	free(p);

	pve_form_add(&f, "snapname", "lab-1");
	pve_form_add(&f, "description", "made by lab & co");
	assert_string_equal(f.buf, "snapname=lab-1&description=made%20by%20lab%20%26%20co");
	sb_reset(&f);
	pve_form_add(&f, "scsi0", "local-lvm:vm-101-disk-0,cache=unsafe,size=8G");
	assert_string_equal(f.buf, "scsi0=local-lvm%3Avm-101-disk-0%2Ccache%3Dunsafe%2Csize%3D8G");
	sb_reset(&f);
	const char *argv[] = { "cat", "--", "/var/lib/mysql/grastate.dat", NULL };
	pve_exec_form(&f, argv, NULL);
	assert_string_equal(f.buf, "command=cat&command=--&command=%2Fvar%2Flib%2Fmysql%2Fgrastate.dat");
	sb_reset(&f);
	const char *nft[] = { "nft", "-f", "-", NULL };
	pve_exec_form(&f, nft, "table inet x {}\n");
	assert_string_equal(f.buf, "command=nft&command=-f&command=-&input-data=table%20inet%20x%20%7B%7D%0A");
	sb_release(&f);
}

static void test_upid_and_task(void **state)
{
	struct pve_task_status st;
	char node[64];
	(void)state;
	/* POST status/reset: returns => { type => 'string' } (the UPID) */
	const char *reply = "{\"data\":\"UPID:pve1:000A1B2C:0151E4D3:656E1F00:qmreset:101:lab@pve!ci:\"}";
	char *upid = pve_parse_upid(reply);
	assert_string_equal(upid, "UPID:pve1:000A1B2C:0151E4D3:656E1F00:qmreset:101:lab@pve!ci:");
	assert_int_equal(pve_upid_node(upid, node, sizeof(node)), 0);
	assert_string_equal(node, "pve1");
	free(upid);
	assert_null(pve_parse_upid("{\"data\":null}"));
	assert_null(pve_parse_upid("{\"data\":{\"pid\":3}}"));
	assert_null(pve_parse_upid("not json"));
	assert_int_equal(pve_upid_node("UPID:", node, sizeof(node)), -1);

	/* GET tasks/{upid}/status (Tasks.pm read_task_status) */
	assert_int_equal(pve_parse_task_status("{\"data\":{\"upid\":\"UPID:pve1:1:2:3:qmstart:101:root@pam:\",\"node\":\"pve1\","
					       "\"pid\":4000,\"pstart\":22144211,\"starttime\":1701715712,\"type\":\"qmstart\","
					       "\"id\":\"101\",\"user\":\"root@pam\",\"status\":\"running\"}}", &st), 0);
	assert_true(st.running);
	assert_string_equal(st.exitstatus, "");
	assert_int_equal(pve_parse_task_status("{\"data\":{\"status\":\"stopped\",\"exitstatus\":\"OK\",\"type\":\"qmstart\"}}", &st), 0);
	assert_false(st.running);
	assert_string_equal(st.exitstatus, "OK");
	assert_int_equal(pve_parse_task_status("{\"data\":{\"status\":\"stopped\",\"exitstatus\":\"snapshot feature is not available\"}}", &st), 0);
	assert_string_equal(st.exitstatus, "snapshot feature is not available");
	assert_int_equal(pve_parse_task_status("{\"data\":{\"status\":\"stopped\"}}", &st), -1);
	assert_int_equal(pve_parse_task_status("{\"data\":{\"status\":\"weird\"}}", &st), -1);
	assert_int_equal(pve_parse_task_status("{\"data\":null}", &st), -1);
}

static void test_agent_exec(void **state)
{
	struct pve_exec_status st;
	struct strbuf out = {0}, err = {0};
	int64_t pid = 0;
	(void)state;
	assert_int_equal(pve_parse_exec_pid("{\"data\":{\"pid\":1844}}", &pid), 0);
	assert_int_equal(pid, 1844);
	assert_int_equal(pve_parse_exec_pid("{\"data\":{}}", &pid), -1);
	assert_int_equal(pve_parse_exec_pid("{\"data\":{\"pid\":\"x\"}}", &pid), -1);

	/* still running: only "exited" */
	assert_int_equal(pve_parse_exec_status("{\"data\":{\"exited\":0}}", &st, &out, &err), 0);
	assert_false(st.exited);
	assert_int_equal(out.len, 0);
	/* done: out-data decoded by the API already (Agent.pm qemu_exec_status) */
	assert_int_equal(pve_parse_exec_status("{\"data\":{\"exited\":1,\"exitcode\":0,\"out-data\":\"# GALERA saved state\\nseqno:   42\\n\"}}",
					       &st, &out, &err), 0);
	assert_true(st.exited);
	assert_int_equal(st.status, 0);
	assert_string_equal(out.buf, "# GALERA saved state\nseqno:   42\n");
	sb_reset(&out);
	/* JSON booleans as well as 0/1, stderr apart, non-zero exit */
	assert_int_equal(pve_parse_exec_status("{\"data\":{\"exited\":true,\"exitcode\":2,\"err-data\":\"cat: x: No such file\\n\"}}",
					       &st, &out, &err), 0);
	assert_int_equal(st.status, 2);
	assert_int_equal(out.len, 0);
	assert_string_equal(err.buf, "cat: x: No such file\n");
	/* killed by a signal */
	assert_int_equal(pve_parse_exec_status("{\"data\":{\"exited\":1,\"signal\":9}}", &st, &out, &err), 0);
	assert_int_equal(st.status, 137);
	assert_int_equal(pve_parse_exec_status("{\"data\":{\"exited\":1,\"exitcode\":0,\"out-truncated\":1}}", &st, NULL, NULL), 0);
	assert_true(st.truncated);
	assert_int_equal(pve_parse_exec_status("{\"data\":{\"exited\":1}}", &st, &out, &err), -1);
	assert_int_equal(pve_parse_exec_status("{\"data\":{}}", &st, &out, &err), -1);
	sb_release(&out);
	sb_release(&err);
}

/* GET config as qemu-server returns it (Qemu.pm vm_config). */
static const char *config_scsi =
	"{\"data\":{\"boot\":\"order=scsi0;ide2;net0\",\"cores\":2,\"digest\":\"4f5b2c0e1d\",\"ide2\":\"local:iso/debian-12.iso,media=cdrom,size=600M\","
	"\"memory\":\"2048\",\"name\":\"db1\",\"net0\":\"virtio=BC:24:11:00:00:01,bridge=vmbr0\",\"agent\":\"1\","
	"\"scsi0\":\"local-lvm:vm-101-disk-0,cache=writeback,discard=on,iothread=1,size=32G\",\"scsihw\":\"virtio-scsi-single\","
	"\"tags\":\"db;lab-ci-1\",\"vmgenid\":\"0b6a\"}}";
static const char *config_virtio =
	"{\"data\":{\"digest\":\"aa\",\"ide0\":\"none,media=cdrom\",\"virtio0\":\"ceph:vm-102-disk-0,size=16G\",\"tags\":\"lab-ci-2, other\"}}";

static void test_config(void **state)
{
	char *v = NULL, *key = NULL;
	(void)state;
	assert_int_equal(pve_config_get(config_scsi, "tags", &v), 0);
	assert_string_equal(v, "db;lab-ci-1");
	assert_true(pve_tags_has(v, "lab-ci-1"));
	assert_false(pve_tags_has(v, "lab-ci-2"));
	assert_false(pve_tags_has(v, "lab-ci")); /* whole tags only */
	assert_false(pve_tags_has(v, "lab"));
	free(v);
	assert_int_equal(pve_config_get(config_scsi, "nosuch", &v), 0);
	assert_null(v);
	assert_int_equal(pve_config_get(config_scsi, "cores", &v), 0); /* numbers come back as text */
	assert_string_equal(v, "2");
	free(v);
	assert_int_equal(pve_config_disk_key(config_scsi, &key), 0);
	assert_string_equal(key, "scsi0");
	free(key);
	assert_int_equal(pve_config_disk_key(config_virtio, &key), 0);
	assert_string_equal(key, "virtio0");
	free(key);
	assert_int_equal(pve_config_disk_key("{\"data\":{\"ide2\":\"local:iso/x.iso,media=cdrom\"}}", &key), -1);
	assert_int_equal(pve_config_disk_key("{\"data\":{\"boot\":\"order=net0;sata1\",\"sata1\":\"local:vm-1-disk-1\",\"scsi0\":\"local:vm-1-disk-0\"}}", &key), 0);
	assert_string_equal(key, "sata1"); /* the boot disk first */
	free(key);
	assert_true(pve_tags_has("lab-ci-2, other", "lab-ci-2"));
	assert_true(pve_tags_has("a,lab-ci-3", "lab-ci-3"));
	assert_true(pve_tags_has("lab-ci-3", "lab-ci-3"));
	assert_false(pve_tags_has("", "lab-ci-3"));
	assert_false(pve_tags_has(NULL, "lab-ci-3"));
}

static void test_disk_cache(void **state)
{
	(void)state;
	const char *line = "local-lvm:vm-101-disk-0,cache=writeback,discard=on,iothread=1,size=32G";
	char *m = pve_disk_cache(line), *n;
	assert_string_equal(m, "writeback");
	free(m);
	m = pve_disk_cache("ceph:vm-102-disk-0,size=16G");
	assert_string_equal(m, "");
	free(m);
	n = pve_disk_set_cache(line, "unsafe");
	assert_string_equal(n, "local-lvm:vm-101-disk-0,cache=unsafe,discard=on,iothread=1,size=32G");
	free(n);
	n = pve_disk_set_cache("ceph:vm-102-disk-0,size=16G", "directsync");
	assert_string_equal(n, "ceph:vm-102-disk-0,size=16G,cache=directsync");
	free(n);
	n = pve_disk_set_cache(line, ""); /* back to the default: cache= dropped */
	assert_string_equal(n, "local-lvm:vm-101-disk-0,discard=on,iothread=1,size=32G");
	free(n);
	assert_true(pve_cache_mode_valid("none"));
	assert_true(pve_cache_mode_valid("unsafe"));
	assert_false(pve_cache_mode_valid("default"));
	assert_false(pve_cache_mode_valid("writeback,x=1"));
}

static void test_pending(void **state)
{
	char *p = NULL;
	(void)state;
	/* GET pending (Qemu.pm vm_pending): current value, pending value, delete flag */
	const char *reply = "{\"data\":[{\"key\":\"cores\",\"value\":2},"
			    "{\"key\":\"scsi0\",\"value\":\"local-lvm:vm-101-disk-0,cache=writeback,size=32G\","
			    "\"pending\":\"local-lvm:vm-101-disk-0,cache=unsafe,size=32G\"},"
			    "{\"key\":\"tags\",\"value\":\"lab-ci-1\",\"delete\":1}]}";
	assert_int_equal(pve_pending_get(reply, "scsi0", &p), 0);
	assert_string_equal(p, "local-lvm:vm-101-disk-0,cache=unsafe,size=32G");
	free(p);
	assert_int_equal(pve_pending_get(reply, "cores", &p), 0);
	assert_null(p);
	assert_int_equal(pve_pending_get(reply, "tags", &p), 0);
	assert_string_equal(p, "");
	free(p);
	assert_int_equal(pve_pending_get(reply, "virtio0", &p), 0);
	assert_null(p);
	assert_int_equal(pve_pending_get("{\"data\":{}}", "scsi0", &p), -1);
}

static void test_guest_ipv4(void **state)
{
	char ip[64];
	(void)state;
	/* GET agent/network-get-interfaces: the agent's reply under "result" */
	const char *reply = "{\"data\":{\"result\":["
			    "{\"name\":\"lo\",\"hardware-address\":\"00:00:00:00:00:00\",\"ip-addresses\":["
			    "{\"ip-address-type\":\"ipv4\",\"ip-address\":\"127.0.0.1\",\"prefix\":8}]},"
			    "{\"name\":\"eth0\",\"hardware-address\":\"bc:24:11:00:00:01\",\"ip-addresses\":["
			    "{\"ip-address-type\":\"ipv6\",\"ip-address\":\"fe80::be24:11ff:fe00:1\",\"prefix\":64},"
			    "{\"ip-address-type\":\"ipv4\",\"ip-address\":\"192.0.2.11\",\"prefix\":24}]}]}}";
	assert_int_equal(pve_parse_guest_ipv4(reply, ip, sizeof(ip)), 0);
	assert_string_equal(ip, "192.0.2.11");
	/* only loopback / only IPv6 yet: not an address */
	assert_int_equal(pve_parse_guest_ipv4("{\"data\":{\"result\":[{\"name\":\"lo\",\"ip-addresses\":"
					      "[{\"ip-address-type\":\"ipv4\",\"ip-address\":\"127.0.0.1\"}]}]}}", ip, sizeof(ip)), -1);
	assert_int_equal(pve_parse_guest_ipv4("{\"data\":{\"result\":[{\"name\":\"eth0\"}]}}", ip, sizeof(ip)), -1);
	assert_int_equal(pve_parse_guest_ipv4("{\"data\":{}}", ip, sizeof(ip)), -1);
}

static void test_errors(void **state)
{
	(void)state;
	/* HTTP 400 parameter verification failure */
	char *e = pve_reply_errors("{\"data\":null,\"errors\":{\"snapname\":\"invalid format - value does not match the regex\\n\"}}");
	assert_string_equal(e, "snapname: invalid format - value does not match the regex");
	free(e);
	e = pve_reply_errors("{\"data\":null,\"message\":\"VM 101 not running\\n\"}");
	assert_string_equal(e, "VM 101 not running\n");
	free(e);
	assert_null(pve_reply_errors("{\"data\":null}"));
	assert_null(pve_reply_errors("<html>"));
	e = pve_reply_data("{\"data\":{\"pid\":3}}");
	assert_string_equal(e, "{\"pid\":3}");
	free(e);
	e = pve_reply_data("{}");
	assert_string_equal(e, "null");
	free(e);
}

static void test_open_refuses(void **state)
{
	(void)state;
	struct pve_opts o = { .url = "http://pve1:8006", .token = "a@b!c=d" };
	assert_null(pve_open(&o)); /* plain http */
	o.url = "https://pve1:8006";
	o.token = "nope";
	assert_null(pve_open(&o));
	o.token = "a@b!c=d";
	o.fingerprint = "AB:CD";
	assert_null(pve_open(&o));
	o.fingerprint = NULL;
	struct pve_conn *c = pve_open(&o);
	assert_non_null(c);
	pve_close(c);
	pve_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_token_load),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_paths_and_forms),
		cmocka_unit_test(test_upid_and_task),
		cmocka_unit_test(test_agent_exec),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_disk_cache),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_guest_ipv4),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_open_refuses),
	};
	lab_quiet = true;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
