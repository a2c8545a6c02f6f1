/*
 * test_vm_disk.c — the VM lab's disks on powerfs (harness/virt/vm_disk.c)
 * against a real daemon and libvirt's in-process test:///default driver:
 *  - the daemon mounts in our own mount namespace (where libvirtd's QEMU
 *    would see it) and is gone, mount and files, after vm_disk_stop, also
 *    when another mount namespace made meanwhile holds a copy of the mount;
 *  - the hard reset's order: every process holding the image (a "QEMU"
 *    that keeps writing) is SIGKILLed and dead before the cut, the cut
 *    drops the un-synced writes, then the domain is started again;
 *  - torn writes: keep=1 keeps the pending page, and the trace says so;
 *  - no cut when the domain cannot be powered off;
 *  - a SIGKILLed daemon's dead mount is removed by vm_disk_stop and does
 *    not stop a new vm_disk_start.
 * Needs root, /dev/fuse and the lab binary ($LAB, default build/test/lab);
 * skips otherwise, and without libvirt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "powerfs.h"
#include "proc.h"
#include "virt.h"
#include "vm_disk.h"

#define STATE "/var/tmp/lab-unit/vm-disk"

static const char *lab_binary(void)
{
	const char *l = getenv("LAB");

	return l && *l ? l : "build/test/lab";
}

static bool can_run(void)
{
	return geteuid() == 0 && access("/dev/fuse", R_OK | W_OK) == 0 && access(lab_binary(), X_OK) == 0 &&
	       !virt_unavailable();
}

static bool mounted(const char *path)
{
	char *m = read_file("/proc/self/mounts", NULL);
	char *needle = xasprintf(" %s ", path);
	bool yes = m && strstr(m, needle);

	free(needle);
	free(m);
	return yes;
}

/* Write len bytes of c at off in path, through the mount; fsync if asked. */
static void put(const char *path, char c, size_t len, off_t off, bool sync)
{
	char *buf = xcalloc(1, len);
	int fd = open(path, O_RDWR | O_CREAT, 0644);

	assert_true(fd >= 0);
	memset(buf, c, len);
	assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
	if (sync)
		assert_int_equal(fsync(fd), 0);
	close(fd);
	free(buf);
}

static char *slurp(const char *path, size_t *len)
{
	char *s = read_file(path, len);

	assert_non_null(s);
	return s;
}

static struct virt_dom *running_domain(struct virt_conn *vc, const char *name, const char *disk)
{
	struct virt_domain_spec s = {
		.name = name, .cluster = "vmdisk", .node = 1, .type = "test", .disk = disk, .cache = "unsafe",
	};
	char *xml = virt_domain_xml(&s);
	struct virt_dom *d = virt_domain_define(vc, xml);

	free(xml);
	assert_non_null(d);
	assert_int_equal(virt_start(d), 0);
	assert_int_equal(virt_domain_state(d), VIRT_STATE_RUNNING);
	return d;
}

/* Nothing of an earlier run left, node 1's daemon started. */
static void fresh_start(struct vm_disk_paths *p)
{
	vm_disk_stop(STATE, 1);
	remove_tree(STATE);
	vm_disk_paths(STATE, 1, p);
	assert_int_equal(vm_disk_start(STATE, 1, 0, lab_binary()), 0);
}

static void test_mount_visible_and_stopped(void **state)
{
	struct vm_disk_paths p;

	(void)state;
	if (!can_run())
		skip();
	fresh_start(&p);
	assert_string_equal(p.image, STATE "/pfs/node1/node1.qcow2");
	assert_true(vm_disk_running(STATE, 1));
	/* In our own namespace: any process (QEMU) sees it. */
	assert_true(mounted(p.mount));
	put(p.image, 'A', 4096, 0, false);
	assert_int_equal(vm_disk_start(STATE, 1, 0, lab_binary()), 0); /* running: kept */
	/* A mount namespace made now (any unshare, e.g. another powerfs or
	 * `ip netns exec`) holds a copy of the mount: the stop still ends the
	 * daemon, and the copy is dead. */
	const char *argv[] = { "unshare", "-m", "sleep", "60", NULL };
	pid_t other = spawn_argv(argv, NULL, NULL);
	assert_true(other > 0);
	sleep_ms(300);
	int64_t t0 = mono_ns();
	assert_int_equal(vm_disk_stop(STATE, 1), 0);
	assert_true(mono_ns() - t0 < 8 * 1000000000LL);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	assert_false(vm_disk_running(STATE, 1));
	assert_false(mounted(p.mount));
	assert_false(path_exists(p.backing));
	assert_false(path_exists(p.mount));
	assert_false(path_exists(p.dir));
	assert_int_equal(vm_disk_stop(STATE, 1), 0); /* nothing there */
}

/* A "QEMU" that holds the image open and keeps writing to it. */
static pid_t writer(const char *image)
{
	char *script = xasprintf("exec 3<>%s; while :; do echo B >&3; done", image);
	const char *argv[] = { "sh", "-c", script, NULL };
	pid_t pid = spawn_argv(argv, NULL, NULL);

	free(script);
	assert_true(pid > 0);
	/* Until its first writes are pending. */
	for (int i = 0; i < 200; i++) {
		struct strbuf r = { 0 };
		struct vm_disk_paths p;
		vm_disk_paths(STATE, 1, &p);
		assert_int_equal(powerfs_ctl(p.sock, "stats", &r), 0);
		int64_t pend = powerfs_reply_field(r.buf, "pending_bytes");
		sb_release(&r);
		if (pend > 0)
			break;
		sleep_ms(20);
	}
	return pid;
}

static void test_power_cut_order(void **state)
{
	struct vm_disk_paths p;
	struct strbuf reply = { 0 };
	struct virt_conn *vc;
	struct virt_dom *d;
	char *s;
	size_t len;
	pid_t qemu;

	(void)state;
	if (!can_run())
		skip();
	fresh_start(&p);
	put(p.image, 'A', 8192, 0, true); /* durable */
	vc = virt_open("test:///default");
	assert_non_null(vc);
	d = running_domain(vc, "vmdisk-node1", p.image);

	qemu = writer(p.image);
	assert_int_equal(vm_disk_power_cut(d, STATE, 1, 0.0, 42, STATE "/cut.trace", &reply), 0);
	/* The writer died before the cut: nothing it wrote survived, and
	 * nothing arrived after the cut. */
	assert_true(proc_exited(qemu));
	assert_int_equal(waitpid(qemu, NULL, 0), qemu);
	s = slurp(p.image, &len);
	assert_int_equal(len, 8192);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(s[i], 'A');
	free(s);
	assert_true(powerfs_reply_field(reply.buf, "dropped_pages") >= 1);
	assert_int_equal(powerfs_reply_field(reply.buf, "kept_pages"), 0);
	s = slurp(STATE "/cut.trace", NULL);
	assert_non_null(strstr(s, "dropped"));
	free(s);
	/* Then the power is back on. */
	assert_int_equal(virt_domain_state(d), VIRT_STATE_RUNNING);
	sb_release(&reply);

	/* Torn writes: keep=1 writes every pending page back. */
	put(p.image, 'C', 4096, 4096, false);
	assert_int_equal(vm_disk_power_cut(d, STATE, 1, 1.0, 7, STATE "/cut2.trace", &reply), 0);
	assert_int_equal(powerfs_reply_field(reply.buf, "kept_pages"), 1);
	assert_int_equal(powerfs_reply_field(reply.buf, "dropped_pages"), 0);
	s = slurp(p.image, &len);
	assert_int_equal(s[0], 'A');
	assert_int_equal(s[4096], 'C');
	free(s);
	s = slurp(STATE "/cut2.trace", NULL);
	assert_non_null(strstr(s, " kept "));
	free(s);
	sb_release(&reply);

	/* A domain that cannot be powered off (gone behind our back): no cut,
	 * the pending write is still there. */
	put(p.image, 'D', 4096, 0, false);
	assert_int_equal(virt_domain_undefine(d), 0);
	assert_int_equal(vm_disk_power_cut(d, STATE, 1, 0.0, 1, NULL, NULL), -1);
	{
		struct strbuf r = { 0 };
		assert_int_equal(powerfs_ctl(p.sock, "stats", &r), 0);
		assert_true(powerfs_reply_field(r.buf, "pending_bytes") > 0);
		sb_release(&r);
	}
	virt_domain_free(d);
	virt_close(vc);
	assert_int_equal(vm_disk_stop(STATE, 1), 0);
}

/* SIGKILL the daemon answering on sock (our child) and reap it. */
static void kill_daemon(const char *sock)
{
	struct powerfs *a = powerfs_attach(sock);
	pid_t pid;

	assert_non_null(a);
	pid = a->pid;
	powerfs_free(a);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void test_killed_daemon_leftover(void **state)
{
	struct vm_disk_paths p;

	(void)state;
	if (!can_run())
		skip();
	fresh_start(&p);
	kill_daemon(p.sock);
	assert_true(mounted(p.mount)); /* dead, but there */
	assert_false(vm_disk_running(STATE, 1));
	/* A new start replaces the dead mount... */
	assert_int_equal(vm_disk_start(STATE, 1, 0, lab_binary()), 0);
	assert_true(vm_disk_running(STATE, 1));
	kill_daemon(p.sock);
	/* ...and teardown removes it and the files. */
	lab_quiet = true;
	assert_int_equal(vm_disk_stop(STATE, 1), 0);
	assert_false(mounted(p.mount));
	assert_false(path_exists(p.dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_visible_and_stopped),
		cmocka_unit_test(test_power_cut_order),
		cmocka_unit_test(test_killed_daemon_leftover),
	};
	int rc;

	lab_quiet = true;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	vm_disk_stop(STATE, 1);
	vm_disk_stop(STATE, 1);
	remove_tree(STATE);
	return rc;
}
