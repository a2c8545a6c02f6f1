/*
 * guest_db.h — the database side of a VM backend: MariaDB in a guest that
 * lab reaches only by running argv arrays there (the QEMU guest agent,
 * through libvirt or the Proxmox API). Shared by backend_libvirt.c and
 * backend_proxmox.c, which differ only in how a command reaches the guest.
 *
 * A backend whose nodes are guests puts a struct guest_backend first in its
 * backend_data and points it at its guest_ops; the guest_node_* functions
 * below then fill its backend_ops table rows unchanged.
 */
#ifndef LAB_GUEST_DB_H
#define LAB_GUEST_DB_H

#include "cluster.h"

#define GUEST_DATADIR "/var/lib/mysql"
#define GUEST_SOCKET "/run/mysqld/mysqld.sock"
#define GUEST_LOGDIR "/var/log/mysql"
#define GUEST_LOG GUEST_LOGDIR "/lab-error.log"
#define GUEST_RECOVER_LOG GUEST_LOGDIR "/lab-recover.log"
#define GUEST_UNIT "lab-mariadbd.service"
#define GUEST_EXEC_TIMEOUT_MS 120000

/* exec flags: do not boot or wait for the machine, and only remember
 * errors (lab_error_quiet): for node_pid while a guest reboots. */
#define GUEST_QUIET 1u

struct guest_ops {
	/* Run argv in the node's guest, stdin from in (NULL: none), stdout
	 * then stderr appended to out (NULL: dropped). Returns the exit
	 * status (128 + signal), or -1 with the error reported. Unless
	 * GUEST_QUIET, a machine that is off is started and its agent waited
	 * for first. */
	int (*exec)(struct cluster *c, int node, const char *const argv[], const char *in, struct strbuf *out,
		    int64_t timeout_ms, unsigned flags);
	/* The machine for messages: "domain 'db1'", "VM 101 on 'pve1'".
	 * Borrowed until the next call. */
	const char *(*describe)(struct cluster *c, int node);
	/* false when the machine is not running: then it has no server. */
	bool (*running)(struct cluster *c, int node);
};

/* First member of the backend_data of a guest backend. */
struct guest_backend {
	const struct guest_ops *ops;
};

/* How long a guest may take to boot or a joiner to finish its state
 * transfer: LAB_VM_BOOT_TIMEOUT, default 600 s. */
int64_t guest_boot_timeout_ms(void);
/* Run argv in the guest: its exit status or -1 (guest_ops.exec). */
int guest_exec(struct cluster *c, int node, const char *const argv[], const char *in, struct strbuf *out,
	       int64_t timeout_ms);
/* Run argv and demand exit status 0; the error names what failed. */
int guest_ok(struct cluster *c, int node, const char *what, const char *const argv[], const char *in,
	     int64_t timeout_ms);

/* backend_ops rows (see cluster.h for what each does). */
int guest_node_init(struct cluster *c, int node, bool with_system_tables);
int guest_node_spawn(struct cluster *c, int node, const struct kv *opts, size_t n);
int guest_node_run_once(struct cluster *c, int node, const struct kv *opts, size_t n, int64_t timeout_ms,
			struct strbuf *log);
int guest_node_admin_sql(struct cluster *c, int node, const char *sql, bool quiet);
int guest_node_server_version(struct cluster *c, int node, struct strbuf *line);
pid_t guest_node_pid(struct cluster *c, int node);
int guest_node_signal(struct cluster *c, int node, int sig);
int guest_node_stop(struct cluster *c, int node, int64_t grace_ms);
int guest_node_read_file(struct cluster *c, int node, const char *rel, char **data);
int guest_node_write_file(struct cluster *c, int node, const char *rel, const char *data, size_t len);
int guest_node_delete_file(struct cluster *c, int node, const char *rel);
int guest_partition(struct cluster *c, const uint32_t *member_of);
int guest_heal(struct cluster *c);

/* c->hosts[node - 1] from the state key PREFIX.addr.NODE that create
 * recorded (port 3306), when there is one. */
void guest_host_from_state(struct cluster *c, const char *prefix, int node);

#endif
