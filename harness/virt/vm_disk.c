/*
 * vm_disk.c — the VM lab's disk overlays on powerfs and the power cut of a
 * domain (vm_disk.h): per node one daemon mounted in lab's own mount
 * namespace, the kill of every process that holds the image open (QEMU)
 * before the cut, and the removal of a killed run's daemons and mounts.
 */
#include "vm_disk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "powerfs.h"
#include "proc.h"

void vm_disk_paths(const char *state_dir, int node, struct vm_disk_paths *p)
{
	snprintf(p->dir, sizeof(p->dir), "%s/pfs", state_dir);
	snprintf(p->mount, sizeof(p->mount), "%s/pfs/node%d", state_dir, node);
	snprintf(p->backing, sizeof(p->backing), "%s/pfs/node%d.backing", state_dir, node);
	snprintf(p->sock, sizeof(p->sock), "%s/pfs/node%d.sock", state_dir, node);
	snprintf(p->log, sizeof(p->log), "%s/pfs/node%d.log", state_dir, node);
	snprintf(p->image, sizeof(p->image), "%s/pfs/node%d/node%d.qcow2", state_dir, node, node);
}

/* True when path is a mount point in mountinfo (field 5 of
 * /proc/.../mountinfo; blanks there are written as \040); if_missing when
 * the file cannot be read. */
static bool mountinfo_has(const char *mountinfo, const char *path, bool if_missing)
{
	FILE *f = fopen(mountinfo, "re");
	char line[8192];
	bool yes = false;

	if (!f)
		return if_missing;
	while (!yes && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok = strtok_r(line, " ", &save);
		for (int i = 1; tok && i < 5; i++)
			tok = strtok_r(NULL, " ", &save);
		if (tok && !strcmp(tok, path))
			yes = true;
	}
	fclose(f);
	return yes;
}

static bool is_mounted(const char *path)
{
	return mountinfo_has("/proc/self/mountinfo", path, false);
}

/* The name (comm) of pid into buf; "" if it is gone. */
static void proc_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (!(f = fopen(path, "re")))
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* libvirt's own daemons may hold an image open for a moment (probing,
 * labelling): they are never part of the machine, never killed. */
static bool libvirt_daemon(pid_t pid)
{
	static const char *const names[] = { "libvirtd", "virtqemud", "virtlogd", "virtlockd", "virtstoraged" };
	char comm[32];

	proc_comm(pid, comm, sizeof(comm));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(comm, names[i]))
			return true;
	return false;
}

/* QEMU is started by the local libvirt daemon (libvirtd or virtqemud) in a
 * copy of that daemon's mount namespace: the mount must be visible there.
 * It is when the daemon shares our namespace, or when mounts propagate to
 * its own (a shared /, as systemd sets it up); not with a private / and a
 * daemon started elsewhere. */
static int check_daemon_sees(const char *mount)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int rc = 0;

	if (!proc)
		return 0;
	while (rc == 0 && (de = readdir(proc))) {
		char path[64], comm[32];
		int64_t pid;

		if (parse_int64(de->d_name, 2, INT_MAX, &pid) < 0)
			continue;
		proc_comm((pid_t)pid, comm, sizeof(comm));
		if (strcmp(comm, "libvirtd") && strcmp(comm, "virtqemud"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
		if (!mountinfo_has(path, mount, true)) {
			lab_error("%s (pid %d) does not see the powerfs mount '%s' (another mount namespace, no "
				  "propagation), so QEMU would not find the disk: start it in lab's mount namespace, "
				  "make / shared, or use --no-powerfs", comm, (int)pid, mount);
			rc = -1;
		}
	}
	closedir(proc);
	return rc;
}

bool vm_disk_running(const char *state_dir, int node)
{
	struct vm_disk_paths p;

	vm_disk_paths(state_dir, node, &p);
	return powerfs_answers(p.sock);
}

int vm_disk_start(const char *state_dir, int node, int64_t flush_ms, const char *lab_binary)
{
	struct vm_disk_paths p;
	struct powerfs_opts o = { .mode = "none", .host_mount = true, .lab_binary = lab_binary };
	struct powerfs *pfs;

	vm_disk_paths(state_dir, node, &p);
	if (vm_disk_running(state_dir, node))
		return 0;
	if (is_mounted(p.mount)) {
		/* A daemon that died left its mount: no answer there. */
		if (umount2(p.mount, MNT_DETACH) < 0) {
			lab_error("cannot remove the dead powerfs mount '%s': %s", p.mount, strerror(errno));
			return -1;
		}
	}
	if (mkdir_p(p.dir, 0755) < 0)
		return -1;
	o.log_path = p.log;
	o.flush_interval_ms = flush_ms;
	pfs = powerfs_start(p.backing, p.mount, p.sock, &o);
	if (!pfs)
		return -1;
	lab_debug("node %d: disk powerfs pid %d, %s on %s", node, (int)pfs->pid, p.backing, p.mount);
	powerfs_free(pfs);
	if (!is_mounted(p.mount)) {
		lab_error("powerfs for node %d answers but '%s' is not mounted here", node, p.mount);
		return -1;
	}
	return check_daemon_sees(p.mount);
}

int vm_disk_flush(const char *state_dir, int node)
{
	struct vm_disk_paths p;

	vm_disk_paths(state_dir, node, &p);
	return powerfs_ctl(p.sock, "flush", NULL);
}

int vm_disk_stop(const char *state_dir, int node)
{
	struct vm_disk_paths p;
	int rc = 0;

	vm_disk_paths(state_dir, node, &p);
	if (vm_disk_running(state_dir, node)) {
		struct powerfs *a = powerfs_attach(p.sock);
		/* No flush: the disk is thrown away. */
		if (!a || powerfs_stop(a, false) < 0)
			rc = -1;
		powerfs_free(a);
	}
	if (is_mounted(p.mount)) {
		/* The daemon was killed (or did not unmount): the mount is dead. */
		if (umount2(p.mount, MNT_DETACH) < 0) {
			lab_error("cannot remove the powerfs mount '%s': %s", p.mount, strerror(errno));
			return -1;
		}
		lab_info("node %d: removed the mount '%s' of a powerfs daemon that was gone", node, p.mount);
	}
	if (is_mounted(p.mount))
		return -1; /* never remove what is under a live mount */
	if (path_exists(p.backing) && remove_tree(p.backing) < 0)
		rc = -1;
	if (rmdir(p.mount) < 0 && errno != ENOENT) {
		lab_error("cannot remove '%s': %s", p.mount, strerror(errno));
		rc = -1;
	}
	unlink(p.sock);
	unlink(p.log);
	rmdir(p.dir); /* when it is empty */
	return rc;
}

/* Pids of the processes holding path open (QEMU), into *pids. */
static int holders(const char *path, pid_t **pids, size_t *n)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (!proc) {
		lab_error("cannot read /proc: %s", strerror(errno));
		return -1;
	}
	while ((de = readdir(proc))) {
		char fdpath[64], link[PATH_MAX];
		int64_t pid;
		DIR *fds;
		struct dirent *fe;
		bool holds = false;

		if (parse_int64(de->d_name, 2, INT_MAX, &pid) < 0 || pid == getpid() || libvirt_daemon((pid_t)pid))
			continue;
		snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd", (int)pid);
		if (!(fds = opendir(fdpath)))
			continue;
		while (!holds && (fe = readdir(fds))) {
			char lp[PATH_MAX + 64];
			ssize_t len;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(lp, sizeof(lp), "%s/%s", fdpath, fe->d_name);
			len = readlink(lp, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			holds = !strcmp(link, path);
		}
		closedir(fds);
		if (holds) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 4;
				*pids = xrealloc(*pids, cap * sizeof(**pids));
			}
			(*pids)[(*n)++] = (pid_t)pid;
		}
	}
	closedir(proc);
	return 0;
}

/* SIGKILL every process writing the image and wait until each has exited
 * with all its threads: only then is no write of theirs in flight. */
static int kill_holders(const char *image, int node)
{
	pid_t *pids;
	size_t n;
	int64_t deadline;
	int rc = 0;

	if (holders(image, &pids, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		lab_debug("node %d: SIGKILL to pid %d, which holds '%s'", node, (int)pids[i], image);
		kill(pids[i], SIGKILL);
	}
	deadline = mono_ns() + 10 * 1000000000LL;
	for (size_t i = 0; i < n; i++) {
		while (!proc_exited(pids[i]) && mono_ns() < deadline)
			sleep_ms(10);
		if (!proc_exited(pids[i])) {
			lab_error("node %d: pid %d (holding '%s') survived SIGKILL for 10 s; power not cut", node,
				  (int)pids[i], image);
			rc = -1;
		}
	}
	free(pids);
	return rc;
}

int vm_disk_power_cut(struct virt_dom *dom, const char *state_dir, int node, double keep, uint64_t seed,
		      const char *trace, struct strbuf *reply)
{
	struct vm_disk_paths p;
	struct powerfs h = { 0 };

	vm_disk_paths(state_dir, node, &p);
	if (!vm_disk_running(state_dir, node)) {
		lab_error("node %d: the power-loss filesystem of its disk is not running (see '%s')", node, p.log);
		return -1;
	}
	/* 1. Power off. virDomainDestroy alone sends QEMU SIGTERM first, and a
	 * QEMU that exits in order flushes its disks (fdatasync): that would
	 * make durable what a power cut loses. So SIGKILL first, then let
	 * libvirt see the domain off. */
	if (kill_holders(p.image, node) < 0)
		return -1;
	for (int64_t until = mono_ns() + 3 * 1000000000LL; mono_ns() < until; sleep_ms(50)) {
		int s = virt_domain_state(dom);
		if (s < 0)
			return -1;
		if (s == VIRT_STATE_SHUTOFF)
			break;
	}
	if (virt_poweroff(dom) < 0) /* shut off already: nothing to do */
		return -1;
	if (virt_domain_state(dom) != VIRT_STATE_SHUTOFF) {
		lab_error("node %d: domain '%s' is not shut off after its power-off; power not cut", node,
			  virt_domain_name(dom));
		return -1;
	}
	/* 2. The cut. */
	h.socket_path = p.sock;
	h.backing = p.backing;
	h.mountpoint = p.mount;
	if (powerfs_power_cut(&h, keep, seed, trace, reply) < 0)
		return -1;
	/* 3. Power on. */
	return virt_start(dom);
}
