/*
 * virt_lab.h — the layout of a VM lab that lab defines itself (`lab vm
 * define`, and the libvirt backend when a scenario names no domains): one
 * isolated libvirt network and N lab-marked domains booted from the
 * vm-images/ guest image, each with a qcow2 overlay of it.
 *
 *   network   lab-NAME, bridge labvmX, host 10.213.X.1/24, no forward
 *   domains   NAME-node1..N, marker cluster=NAME node=i
 *   addresses 10.213.X.(10+i), given to the guest on the kernel command
 *             line (lab.node, lab.addr, lab.peers; vm-images/lab-node-setup)
 *   files     STATE/nodeI.qcow2 (overlay), STATE/nodeI.console.log; with
 *             powerfs the overlay is STATE/pfs/nodeI/nodeI.qcow2, on the
 *             node's power-loss filesystem (vm_disk.h)
 *
 * X is the subnet octet (default 200). On a local URI a blackhole route for
 * the subnet (metric 4000) keeps lab traffic from ever falling through to
 * the default gateway when the bridge is down.
 */
#ifndef LAB_VIRT_LAB_H
#define LAB_VIRT_LAB_H

#include <stdbool.h>
#include <stdint.h>

#include "virt.h"

#define VM_LAB_DEFAULT_SUBNET 200
#define VM_LAB_MAX_NODES 9

struct vm_lab {
	const char *name;      /* cluster name, default "lab" */
	const char *uri;       /* default qemu:///system */
	const char *type;      /* kvm | qemu; NULL: "qemu" */
	const char *image_dir; /* base.qcow2, vmlinuz, initrd.img; default vm-images/out */
	const char *state_dir; /* default /var/tmp/lab-vm/NAME */
	const char *cache;     /* initial disk cache mode, default none */
	int nodes;
	int subnet;            /* third octet, 10.213.X.0/24 */
	int memory_mib;        /* default 1024 */
	int vcpus;             /* default 1 */
	bool powerfs;          /* overlays on powerfs (vm_disk.h): a hard reset
	                          can cut the power of the disk */
	int64_t powerfs_flush_ms; /* its natural flush (the host's writeback);
	                             0 never */
};

/* Fill defaults for unset fields (pointers stay borrowed or static). */
void vm_lab_defaults(struct vm_lab *l);
/* Names and addresses; into buf. */
void vm_lab_domain_name(const struct vm_lab *l, int node, char *buf, size_t size);
void vm_lab_network_name(const struct vm_lab *l, char *buf, size_t size);
void vm_lab_node_addr(const struct vm_lab *l, int node, char *buf, size_t size); /* no prefix */
/* The state directory (malloc'd): STATE above. */
char *vm_lab_state_dir(const struct vm_lab *l);
/* The overlay of node i (malloc'd): in STATE, or on its powerfs. */
char *vm_lab_disk_path(const struct vm_lab *l, int node);
/* The domain XML of node i (malloc'd). Pure: for tests and `lab vm xml`. */
char *vm_lab_domain_xml(const struct vm_lab *l, int node);

/* Create the network, the overlays and the domains (not started). A domain
 * that exists already with this cluster's marker for that node is kept;
 * one without it is an error. With powerfs, each node's daemon is started
 * first and the new overlay made durable (flushed). */
int vm_lab_define(struct virt_conn *conn, const struct vm_lab *l);
/* Power off and undefine every domain carrying this cluster's marker,
 * remove the network, the route, the disks' powerfs daemons and mounts
 * (also those a killed run left) and the state directory. Safe when
 * nothing is there. */
int vm_lab_undefine(struct virt_conn *conn, const struct vm_lab *l);

#endif
