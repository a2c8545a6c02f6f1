/*
 * vm_disk.h — the disks of lab's own VM lab on powerfs (harness/local/
 * powerfs.h), so that a hard reset of a domain is a power cut of its disk:
 * what QEMU had not fsynced is dropped, like the local backend's datadirs.
 *
 * One powerfs daemon per node, mounted with --host-mount in lab's own mount
 * namespace (QEMU is started by libvirtd, not by lab, so it cannot be put
 * into a private one) with allow_other (QEMU runs as libvirt-qemu):
 *
 *   STATE/pfs/nodeI/          the mount; nodeI.qcow2 (the overlay) as QEMU
 *                             opens it
 *   STATE/pfs/nodeI.backing/  its backing directory on the real disk (what
 *                             survives a cut)
 *   STATE/pfs/nodeI.sock, nodeI.log   control socket, daemon log
 *
 * STATE is the VM lab's state directory (virt_lab.h). Only the overlays,
 * which get the guest's writes, live on powerfs; the base image stays in
 * vm-images/out. The daemon's cache mode is always `none` (honour every
 * fsync): QEMU's own cache= decides what it fsyncs (none, writeback and
 * directsync flush on the guest's flush requests; unsafe never does).
 *
 * The daemons outlive the lab process; vm_disk_stop finds a daemon again
 * by its socket and removes a mount whose daemon died (SIGKILL), so that
 * teardown (vm_lab_undefine) cleans a killed run's leftovers.
 */
#ifndef LAB_VM_DISK_H
#define LAB_VM_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"
#include "virt.h"

struct vm_disk_paths {
	char dir[4096];     /* STATE/pfs */
	char mount[4096];   /* STATE/pfs/nodeI */
	char backing[4096]; /* STATE/pfs/nodeI.backing */
	char sock[4096];    /* STATE/pfs/nodeI.sock */
	char log[4096];     /* STATE/pfs/nodeI.log */
	char image[4096];   /* STATE/pfs/nodeI/nodeI.qcow2 */
};
void vm_disk_paths(const char *state_dir, int node, struct vm_disk_paths *p);

/* Start node's daemon (mode none, natural flush every flush_ms, 0 never) in
 * lab's mount namespace and wait until it answers. lab_binary: NULL = this
 * program. A daemon already answering on the socket is kept. */
int vm_disk_start(const char *state_dir, int node, int64_t flush_ms, const char *lab_binary);
/* True when node's daemon answers. */
bool vm_disk_running(const char *state_dir, int node);
/* Make everything pending durable (the host's writeback): after the
 * overlay is created, and when the cluster is up. */
int vm_disk_flush(const char *state_dir, int node);
/* Stop node's daemon without a flush (the disk goes), remove a mount left
 * by a dead daemon, then the node's files under STATE/pfs. Nothing there
 * is 0. */
int vm_disk_stop(const char *state_dir, int node);

/* The hard reset of a domain whose disk is on powerfs, in this order:
 *  1. virDomainDestroy (QEMU is killed: the power is off); refuse to go on
 *     unless the domain is shut off;
 *  2. the power cut: keep (0..1, torn writes) of the pending pages are
 *     written in a random order from seed, the rest dropped; trace (may be
 *     NULL) gets the cut's trace; reply the daemon's counts;
 *  3. virDomainCreate (the machine boots from what survived).
 * -1 with the error reported; when the cut fails the domain stays off. */
int vm_disk_power_cut(struct virt_dom *dom, const char *state_dir, int node, double keep, uint64_t seed,
		      const char *trace, struct strbuf *reply);

#endif
