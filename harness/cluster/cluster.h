/*
 * cluster.h — the cluster API that verbs and the scenario runner call.
 *
 * A cluster is a backend (what controls the nodes: local processes in
 * network namespaces, libvirt domains, later Proxmox) and a flavor (what
 * database topology runs on them: galera, async, semisync). Each backend and
 * each flavor is one table of operations in one file (STYLE.md, fio's
 * ioengine_ops), listed in lab_backends[] / lab_flavors[]; the functions
 * below dispatch to them and report "backend 'X' cannot do Y" when a table
 * lacks an operation, so nothing silently does nothing.
 *
 * Nodes are numbered from 1. Every function returns 0 on success and -1 on
 * failure with the error reported (lab_error), unless said otherwise.
 */
#ifndef LAB_CLUSTER_H
#define LAB_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dbconn.h"
#include "dialect.h"
#include "util.h"

#define LAB_MAX_NODES 9

struct kv {
	char *key;
	char *value;
};

/* How cluster_open takes the state directory's lock (cluster_lock.h). */
enum cluster_lock_mode {
	/* The caller owns the cluster's life (lab run, lab cluster up|down):
	 * held until cluster_release; an owner that died before is cleaned
	 * up after first. The default. */
	CLUSTER_LOCK_OWNER = 0,
	/* A short change by hand (lab cluster kill 2): held until release,
	 * refused while an owner runs. */
	CLUSTER_LOCK_SHORT,
	/* Read only (status, pid): no lock. */
	CLUSTER_LOCK_NONE,
};

/* What to build: from the scenario's cluster: section or the command line. */
struct cluster_spec {
	const char *name;      /* cluster name, default "lab" */
	const char *state_dir; /* default /var/tmp/lab/NAME */
	const char *flavor;    /* galera | async | semisync */
	const char *backend;   /* local | libvirt | proxmox */
	int nodes;             /* 1..LAB_MAX_NODES */
	const struct kv *mysqld; /* extra server options for every node */
	size_t n_mysqld;
	const char *libvirt_uri;
	const char *const *domains; /* libvirt domain names, nodes entries */
	const char *cache_mode;     /* initial disk cache mode, NULL = backend default */
	/* proxmox backend (scenario cluster.proxmox, or --proxmox KEY=VALUE).
	 * The token is never here: LAB_PROXMOX_TOKEN or the 0600 token file. */
	const char *proxmox_url;         /* https://HOST:8006 */
	const char *proxmox_node;        /* the Proxmox node every VM is on */
	char *const *proxmox_nodes;      /* or one Proxmox node per VM */
	size_t n_proxmox_nodes;
	char *const *proxmox_vmids;      /* VM ids, one per node */
	size_t n_proxmox_vmids;
	const char *proxmox_token_file;
	const char *proxmox_ca_file;     /* PEM CA of the API's certificate */
	const char *proxmox_fingerprint; /* or its SHA-256, AA:BB:... */
	uint64_t seed;
	/* local backend: the power-loss layer (powerfs) under each datadir.
	 * On unless no_powerfs (or LAB_POWERFS=off in the environment). */
	bool no_powerfs;
	/* Natural flush of the layer, as the kernel's writeback would do:
	 * 0 = default (30 s), < 0 = never. */
	int64_t powerfs_flush_interval_ms;
	/* Keep a copy of the post-cut datadir image at every hard reset
	 * (also LAB_POWERLOSS_IMAGES=1). */
	bool powerloss_images;
	/* The server build of every node ("10.11.18", versions.h), and of
	 * single nodes (versions[i] for node i+1); NULL: the installed one. */
	const char *version;
	const char *versions[LAB_MAX_NODES];
	enum cluster_lock_mode lock;
	/* The failover manager that runs the databases (manager_ops: NULL or
	 * "none" = lab itself), and whether it may fence (default on). */
	const char *manager;
	bool no_fencing;
};

/* One node as seen by `lab cluster status` and by wait/checkers. Fields a
 * flavor does not have stay empty / -1. */
struct node_status {
	int node;
	pid_t pid;              /* 0 when not running */
	char address[64];       /* host:port the host reaches it at */
	bool reachable;         /* SQL answered */
	/* galera */
	char cluster_status[32];   /* wsrep_cluster_status: Primary, non-Primary, Disconnected */
	int cluster_size;          /* wsrep_cluster_size */
	char local_state[32];      /* wsrep_local_state_comment: Synced, Donor/Desynced, Joining... */
	int64_t last_committed;    /* wsrep_last_committed */
	char state_uuid[64];       /* wsrep_cluster_state_uuid */
	/* async / semisync */
	char role[16];             /* primary | replica */
	char gtid_binlog_pos[512];
	char gtid_slave_pos[512];
	char replication[128];     /* IO/SQL thread state, lag, last error */
	/* disk (backend): cache mode, un-synced bytes a power cut would drop
	 * (-1 when the backend has no power-loss layer or it did not answer) */
	char cache_mode[16];
	int64_t pending_bytes;
};

struct backend_ops;
struct flavor_ops;
struct manager_ops;
struct manager_event;

struct cluster {
	struct cluster_spec spec;     /* strings owned by the cluster (copied) */
	char *name;
	char *state_dir;
	const struct backend_ops *backend;
	const struct flavor_ops *flavor;
	const struct manager_ops *manager; /* NULL: lab runs the servers itself */
	void *backend_data;           /* owned by the backend */
	void *flavor_data;            /* owned by the flavor */
	struct hostport hosts[LAB_MAX_NODES]; /* how this host reaches node i+1 */
	struct lab_creds creds;       /* the lab user's credentials for this cluster */
	char *defaults_file;          /* STATE/client.cnf (0600): [client] user, password */
	struct kv *owned_mysqld;      /* deep copy of spec.mysqld */
	/* The state file STATE/state: "key value" lines, read by cluster_open
	 * and rewritten (atomically) by cluster_state_save. Owned. */
	struct kv *state;
	size_t n_state;
	/* The backend's one-line account of the last fault it applied (what a
	 * power cut dropped, where its trace is), "" if none. */
	char note[512];
	/* STATE/lock while this process holds it (-1: not held). */
	int lock_fd;
	bool lock_wrote;
	/* The dead owner cluster_open cleaned up after (0: none). */
	pid_t dead_owner;
	/* A hard reset's torn writes: the fraction (0..1) of the un-synced
	 * pages that still reach the disk, in random order. 0 by default; set
	 * only for the length of nodes_hard_reset_torn. The local backend's
	 * power cut reads it (powerfs_power_cut's keep); others ignore it. */
	double torn;
	/* Each node's server dialect (dialect.h), chosen once per node by
	 * cluster_node_dialect; .d NULL: not chosen yet. */
	struct server_dialect dialect[LAB_MAX_NODES];
};

/*
 * A backend controls nodes: where they run, their processes, files and
 * network. One table per backend, one file per backend
 * (harness/cluster/backend_NAME.c), listed in lab_backends[] in cluster.c.
 *
 * Required: name, create, destroy, node_init, node_spawn, node_run_once,
 * node_pid, node_signal, node_stop. Optional hooks may be NULL: the
 * dispatcher then answers "backend 'X' cannot do Y". Each returns 0 / -1
 * with the error reported, unless said otherwise. Anything a backend makes
 * it records with cluster_state_set() before making it, so that destroy can
 * find it from a fresh process.
 */
struct backend_ops {
	const char *name;
	const char *description;
	/* NULL when usable here, else why not ("built without libvirt"). */
	const char *(*unavailable)(void);
	/* Optional: before anything is made, local or remote: can the backend
	 * reach what it controls, and may it touch it (markers, credentials)?
	 * 0, or -1 with one line saying which (cluster_up then creates
	 * nothing). */
	int (*precheck)(struct cluster *c);
	/* Make the places the nodes live in (network, directories) and fill
	 * c->hosts[]. Called once by cluster_up after the state file exists. */
	int (*create)(struct cluster *c);
	/* Stop every node process and remove everything create made. Must be
	 * safe on a half-built or already removed cluster. */
	int (*destroy)(struct cluster *c);
	/* Fill c->hosts[] from the state (cluster_open on an existing cluster). */
	int (*attach)(struct cluster *c);
	/* Give the node a data directory: with_system_tables installs a fresh
	 * server (mariadb-install-db); otherwise an empty directory the server
	 * fills itself (a Galera joiner's SST). Wipes what was there. */
	int (*node_init)(struct cluster *c, int node, bool with_system_tables);
	/* Start the server with these options (name = value, value NULL for a
	 * bare flag) besides the backend's own (datadir, socket, pid file,
	 * log, user, address); the spec's extra mysqld options come last so
	 * they win. Returns once the process exists. */
	int (*node_spawn)(struct cluster *c, int node, const struct kv *opts, size_t n);
	/* Run the server once in the foreground with these options (e.g.
	 * --wsrep-recover) and return what it logged in *log. */
	int (*node_run_once)(struct cluster *c, int node, const struct kv *opts, size_t n,
			     int64_t timeout_ms, struct strbuf *log);
	/* Run SQL as the server's administrator (local: root over the unix
	 * socket). Never prints the SQL (it may hold a password). */
	int (*node_admin_sql)(struct cluster *c, int node, const char *sql, bool quiet);
	pid_t (*node_pid)(struct cluster *c, int node);       /* 0 when not running */
	int (*node_signal)(struct cluster *c, int node, int sig);
	/* Clean shutdown: SIGTERM, up to grace_ms, then SIGKILL. */
	int (*node_stop)(struct cluster *c, int node, int64_t grace_ms);
	/* Power loss: every process of the node dies at once and, where the
	 * backend has a power-loss layer, the writes it had not made durable
	 * are dropped. Says what was dropped with cluster_set_note(). */
	int (*node_hard_reset)(struct cluster *c, int node);
	/* Files relative to the data directory. read: *data malloc'd. */
	int (*node_read_file)(struct cluster *c, int node, const char *rel, char **data);
	int (*node_write_file)(struct cluster *c, int node, const char *rel, const char *data, size_t len);
	int (*node_delete_file)(struct cluster *c, int node, const char *rel);
	int (*node_snapshot)(struct cluster *c, int node, const char *name);
	/* Optional: NULL when the backend takes this snapshot name (beyond the
	 * general rule of lib/names.h), else why not. Pure: the scenario
	 * parser asks it at validate time. */
	const char *(*snapshot_name_problem)(const char *name);
	int (*node_revert)(struct cluster *c, int node, const char *name);
	int (*node_set_cache_mode)(struct cluster *c, int node, const char *mode);
	/* Fill st->cache_mode and st->pending_bytes (optional). */
	int (*node_disk_status)(struct cluster *c, int node, struct node_status *st);
	/* Called by cluster_up once every node is ready (optional): the local
	 * backend makes the freshly provisioned datadirs durable. */
	int (*up_done)(struct cluster *c);
	/* Path of the server's error log on this machine, or NULL. Borrowed
	 * until the next call. */
	const char *(*node_log_path)(struct cluster *c, int node);
	/* The datadir as a process of this machine can open it (local with
	 * powerfs: through /proc/DAEMON/root, the mount's namespace).
	 * Borrowed until the next call. */
	const char *(*node_datadir)(struct cluster *c, int node);
	int (*partition)(struct cluster *c, const uint32_t *member_of);
	int (*heal)(struct cluster *c);
	/* Optional: run a client program of the node's build beside its
	 * server (local: in the node's network namespace and the mount
	 * namespace its datadir is visible in; mariadb-upgrade writes
	 * mysql_upgrade_info there). Returns run_argv's status. */
	int (*node_run_tool)(struct cluster *c, int node, const char *const *argv, int64_t timeout_ms,
			     struct strbuf *out);
	/* Optional: the first line of the node's server binary's
	 * `--version` (the build it would start), so that the node's
	 * dialect is known before its server runs. */
	int (*node_server_version)(struct cluster *c, int node, struct strbuf *line);
	/* The user the servers run as on this machine, who must reach files
	 * under the state directory (local: mysql), or NULL. cluster_up
	 * refuses a state directory that user cannot reach. */
	const char *server_user;
	/* Optional: start a long-lived program (argv) in the node's network
	 * namespace and the mount namespace its datadir is visible in, output
	 * appended to log_path; *pid its pid. A failover manager's daemons. */
	int (*node_spawn_daemon)(struct cluster *c, int node, const char *const *argv, const char *log_path,
				 pid_t *pid);
	/* Optional: the node's directory on this machine (local: STATE/nI),
	 * which holds the datadir, socket, pid file and error log. */
	const char *(*node_dir)(struct cluster *c, int node);
	/* Optional: the node's network namespace name, or NULL. */
	const char *(*node_netns)(struct cluster *c, int node);
};

/*
 * A flavor knows the database topology on top of a backend's nodes. One
 * table per flavor (harness/cluster/flavor_NAME.c: galera; async and
 * semisync share flavor_async.c), listed in lab_flavors[] in cluster.c.
 *
 * Required: name, up, node_start, node_status. Optional hooks may be NULL:
 * the dispatcher answers "flavor 'X' cannot do Y" (a flavor that wants a
 * specific message, like galera's "no primary to promote", implements the
 * hook and reports it). The flavor starts servers only through the
 * backend's node_spawn / node_run_once with its own options.
 */
struct flavor_ops {
	const char *name;
	const char *description;
	/* The backend has created the nodes' places: initialise, start every
	 * node in the topology, create the lab user (ALL privileges, password
	 * from c->defaults_file) and the bank database; return when every node
	 * is ready (Synced / replicating). */
	int (*up)(struct cluster *c);
	/* Start a stopped node (after a crash too: recover first). */
	int (*node_start)(struct cluster *c, int node);
	/* All nodes are down: bring the topology back; explain the choice. */
	int (*node_start_all)(struct cluster *c, struct strbuf *why);
	int (*node_bootstrap)(struct cluster *c, int node, bool force);
	/* Fill st (already zeroed, node/pid/address set by the dispatcher)
	 * from the server; a node that does not answer is not an error. */
	int (*node_status)(struct cluster *c, int node, struct node_status *st);
	/* for: synced | primary | non-primary | down (down is generic). */
	int (*node_wait)(struct cluster *c, int node, const char *for_state, int64_t timeout_ms);
	int (*node_edit_state)(struct cluster *c, int node, const int64_t *seqno, int safe_to_bootstrap);
	int (*node_promote)(struct cluster *c, int node);
	int (*node_rejoin)(struct cluster *c, int node);
	char *(*server_version)(struct cluster *c);
	/* What the node's error log since its start says (pure: the log text
	 * from a mark on). log_caught_up: how it caught up, "ist" | "sst" |
	 * "none", with the server's words in what; NULL when the flavor cannot
	 * tell. log_start_failure: why a start failed, the server's first
	 * relevant error, into why. */
	const char *(*log_caught_up)(const char *log, struct strbuf *what);
	void (*log_start_failure)(const char *log, struct strbuf *why);
	/* The node this flavor holds to be the primary (1-based), 0 when none
	 * or when the topology has no single primary (galera). */
	int (*primary)(struct cluster *c);
	/* The server dialects (dialect.h names) the flavor can run on,
	 * NULL-terminated: cluster_up refuses a node whose server is another
	 * one, and the flavor speaks to each node in its own dialect. */
	const char *const *dialects;
	/* Optional: the node's server options as my.cnf lines ("key=value"),
	 * role-neutral (read_only on), for a failover manager that starts the
	 * server with its own agent. */
	int (*node_config)(struct cluster *c, int node, struct strbuf *cnf);
	/* Optional: how many transactions of its primary's position a
	 * replica has not applied yet (0: none), -1 when the node is no
	 * replica or it cannot be told (diverged, not answering); *primary
	 * gets the node it was compared with, how the replication threads'
	 * state or error. The runner's check step names a lagging replica,
	 * so that rows missing there are not read as lost. */
	int64_t (*node_behind)(struct cluster *c, int node, int *primary, struct strbuf *how);
};

/* A failover manager (harness/cluster/manager_NAME.c, one row in
 * lab_managers[]): real cluster software that runs the databases as its
 * resources, promotes, restarts and fences on its own. With one, lab's
 * faults still hit the nodes, but lab does not promote or start servers:
 * it boots a node (the manager's daemons) and lets the manager react. */
struct manager_ops {
	const char *name;
	const char *description;
	/* NULL when usable here, else why not ("no corosync: make deps"). */
	const char *(*unavailable)(void);
	/* NULL when the manager can run this flavor on this backend. */
	const char *(*cannot)(const struct cluster *c);
	/* The flavor is up (lab's own servers, users, replication): stop
	 * them, start the manager on every node, hand it the databases and
	 * return when it runs them (a primary promoted). */
	int (*up)(struct cluster *c);
	/* Stop the manager's daemons on every node (their resources with
	 * them), bounded in time; safe when nothing runs. Before the backend
	 * removes the nodes. */
	int (*down)(struct cluster *c);
	/* Boot a node: start its manager daemons, which start its database.
	 * What `start` means with a manager. */
	int (*node_boot)(struct cluster *c, int node);
	/* Shut the node down cleanly: the manager moves its resources away
	 * and stops its daemons. What `stop` means with a manager. */
	int (*node_shutdown)(struct cluster *c, int node);
	/* True when the node's manager daemons run. */
	bool (*node_running)(struct cluster *c, int node);
	/* The manager's view of the cluster (crm_mon) into out. */
	int (*status)(struct cluster *c, struct strbuf *out);
	/* The node the manager holds promoted, 0 when none. */
	int (*primary)(struct cluster *c);
	/* What the manager did since wall time `since` (Unix seconds), from
	 * its own records (logs, fence history): *out (malloc'd, sorted by
	 * time), *n. 0, or -1 when they cannot be read (reported). */
	int (*events)(struct cluster *c, double since, struct manager_event **out, size_t *n);
};
/* One thing a failover manager did to a node. kind: start, stop, promote,
 * demote (an operation it ran on the node's database; result "ok" or the
 * error), failed (its monitor found the database not running or failing),
 * bootstrap (its Galera agent started a new Primary component there),
 * fence (it power-cut the node), or lost (the node left its membership). */
struct manager_event {
	double t;              /* Unix seconds */
	int node;              /* 1..nodes */
	char kind[12];
	char result[48];       /* ok, not running, error, ... */
	char detail[256];      /* the manager's own words, one line */
};
extern const struct manager_ops *const lab_managers[];
const struct manager_ops *manager_find(const char *name);
/* The pacemaker manager's own processes (manager_pacemaker.c): a node's
 * anchor (`lab _pcmk-node STATE N`: namespaces, mounts, Corosync and
 * Pacemaker under it) and the fence agent (lab run as fence_lab).
 * Both return an exit status. */
int pcmk_node_main(const char *state_dir, int node, int64_t delay_ms);
int pcmk_fence_main(int argc, char **argv);
/* Pure parts, on `crm_mon --output-as=xml` (unit-tested): the node numbers
 * (nI -> I) of the active instances of the clone db with role (Promoted |
 * Unpromoted) into nodes[0..max-1], returns the count; the number of
 * online nodes when the XML names a DC and the partition has quorum, else
 * 0. */
int pcmk_mon_instances(const char *xml, const char *role, int *nodes, int max);
int pcmk_mon_online(const char *xml);
/* One line of a node's pacemaker.log into ev when it records an operation
 * on the clone db ("Result of promote operation for db on n2: ok"): 1, else
 * 0. The log's time has no year: ref (Unix seconds, near the line's time)
 * supplies it. */
int pcmk_log_event(const char *line, double ref, struct manager_event *ev);
/* What the manager did since `since` (manager_ops.events); 0 with none
 * when the cluster has no manager. */
int cluster_manager_events(struct cluster *c, double since, struct manager_event **out, size_t *n);
/* The manager's view (lab cluster status); 0 with nothing when none. */
int cluster_manager_status(struct cluster *c, struct strbuf *out);

/* The state file. Values are strings; set(NULL) removes a key. save writes
 * STATE/state atomically. get returns a borrowed pointer or NULL. */
const char *cluster_state_get(const struct cluster *c, const char *key);
int cluster_state_get_int(const struct cluster *c, const char *key, int64_t *v);
void cluster_state_set(struct cluster *c, const char *key, const char *value);
void cluster_state_setf(struct cluster *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cluster_state_save(struct cluster *c);
/* What every state file says first: version, name, flavor, backend,
 * nodes, state_dir, and status (creating | up). */
void cluster_state_describe(struct cluster *c, const char *status);
/* 0 when the cluster is up and has that node, else -1 (reported). */
int cluster_check_node(struct cluster *c, int node);
/* Parse state-file text into kv pairs (pure; for tests). */
int cluster_state_parse(const char *text, struct kv **out, size_t *n);
void kv_free(struct kv *v, size_t n);

/* The account of the last fault (cluster.note): set by backends, read by
 * the runner for the step's detail. get returns "" when there is none. */
void cluster_set_note(struct cluster *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cluster_last_note(const struct cluster *c);

/* The lab user's password from c->defaults_file (malloc'd), or NULL. */
char *cluster_lab_password(struct cluster *c);
/* Connect to a node as the lab user (NULL with the error remembered). */
MYSQL *cluster_connect(struct cluster *c, int node, int timeout_s);

/* Galera state, pure parts (flavor_galera.c; unit-tested). */
struct grastate {
	char uuid[64];
	int64_t seqno;
	int safe_to_bootstrap;   /* -1 when the file has no such line */
};
int grastate_parse(const char *text, struct grastate *g);
/* Rewrite text with seqno (NULL keeps) and safe_to_bootstrap (-1 keeps);
 * other lines stay as they are, missing lines are added. malloc'd. */
char *grastate_edit(const char *text, const int64_t *seqno, int safe_to_bootstrap);
/* Find the last "WSREP: Recovered position: UUID:SEQNO" in a log.
 * Returns 0 and fills uuid / seqno, or -1 when there is none. */
int wsrep_recovered_position(const char *log, char *uuid, size_t uuid_size, int64_t *seqno);

/* The tables (defined in their own files). NULL-terminated lists. */
extern const struct backend_ops *const lab_backends[];
extern const struct flavor_ops *const lab_flavors[];
const struct backend_ops *backend_find(const char *name);
const struct flavor_ops *flavor_find(const char *name);
const char *backend_name(const struct backend_ops *b);
const char *flavor_name(const struct flavor_ops *f);
/* Non-NULL when the backend exists but cannot be used in this build or on
 * this machine ("built without libvirt"). */
const char *backend_unavailable(const struct backend_ops *b);

/* Why the server option KEY ('-' or '_' spelling, any case) may not be
 * given by a user: lab sets it itself (it places, names and wires every
 * node), or it makes the server run a program or load code and
 * allow_commands is false (the caller says how to allow it). NULL when it
 * may. Used by the scenario parser
 * and 'lab cluster up --mysqld'. */
const char *mysqld_option_problem(const char *key, bool allow_commands);

/* Attach to the cluster described by spec (its state may or may not exist
 * yet). Copies what it needs from spec. */
int cluster_open(struct cluster *c, const struct cluster_spec *spec);
void cluster_release(struct cluster *c);
/* True when the state directory says the cluster is up. */
bool cluster_is_up(struct cluster *c);

/* Create everything and bring every node up in the flavor's topology;
 * returns when all nodes are ready (Synced / replicating). Up twice is safe
 * and says so. */
int cluster_up(struct cluster *c);
/* Stop every node and remove everything cluster_up made (namespaces, veths,
 * routes, mounts, processes). Safe with nothing up. */
int cluster_down(struct cluster *c);
/* Fill st[0..nodes-1]. Returns 0 even when nodes are down (st says so). */
int cluster_status(struct cluster *c, struct node_status *st);

/* Node life cycle and faults. Each fault is real and observable. */
/* flavor-aware: after a crash, recover the position first (galera:
 * --wsrep-recover, then --wsrep-start-position so it rejoins by IST).
 * Returns once the server answers SQL; use node_wait for synced. */
int node_start(struct cluster *c, int node);
/* all down: recover, bootstrap the most advanced, start the rest; why says
 * which and why. Returns when every node is Synced. */
int node_start_all(struct cluster *c, struct strbuf *why);
int node_stop(struct cluster *c, int node);        /* clean shutdown */
int node_kill(struct cluster *c, int node, int sig);
int node_hard_reset(struct cluster *c, int node);  /* power loss: processes die at once, un-synced writes lost where the backend can */
/* One power loss of several nodes: every running one frozen (SIGSTOP)
 * first, then each reset, so none commits after the first went dark.
 * detail (may be NULL) gets "N nodes frozen within X ms, then node 1 (pid P)
 * reset, ...". On failure no node is left frozen. */
int nodes_hard_reset(struct cluster *c, const int *nodes, size_t n, struct strbuf *detail);
/* The same with torn writes: torn (0..1) of the un-synced pages are kept. */
int nodes_hard_reset_torn(struct cluster *c, const int *nodes, size_t n, double torn, struct strbuf *detail);
int node_pause(struct cluster *c, int node);       /* SIGSTOP */
int node_resume(struct cluster *c, int node);      /* SIGCONT */
pid_t node_pid(struct cluster *c, int node);       /* 0 when not running */
int node_delete_file(struct cluster *c, int node, const char *relpath); /* relative to the datadir; refuses ..; NAME* deletes every file so named */
/* Delete the node's InnoDB redo log, the files its server release keeps
 * (dialect_redo_files: ib_logfile0 for MariaDB 10.5+, ib_logfile0 and
 * ib_logfile1 before MySQL 8.0.30, #innodb_redo/#ib_redo* from it);
 * deleted (may be NULL) gets which. */
int node_delete_redo_log(struct cluster *c, int node, struct strbuf *deleted);
/* seqno: NULL keeps it; safe_to_bootstrap: -1 keeps it. */
int node_edit_grastate(struct cluster *c, int node, const int64_t *seqno, int safe_to_bootstrap);
/* A partition: member_of[i] has bit g-1 set when node i+1 is in group g
 * (g = 1..LAB_MAX_GROUPS); two nodes can talk when they share a group.
 * Groups may overlap: [[1, 2], [2, 3]] lets node 2 talk to both while 1
 * and 3 cannot reach each other (a bridge; rings are made the same way). */
#define LAB_MAX_GROUPS 32
static inline bool partition_can_talk(const uint32_t *member_of, int a, int b)
{
	return (member_of[a - 1] & member_of[b - 1]) != 0;
}
/* "[1] | [2,3]" or "[1,2] | [2,3]": the groups of member_of, into out. */
void partition_format(const uint32_t *member_of, int nodes, struct strbuf *out);
int cluster_partition(struct cluster *c, const uint32_t *member_of);
int cluster_heal(struct cluster *c);
int node_snapshot(struct cluster *c, int node, const char *name); /* node must be stopped */
int node_revert(struct cluster *c, int node, const char *name);   /* node must be stopped */
/* none | writeback | writethrough | directsync | unsafe (QEMU's names).
 * local: switched live in the node's powerfs (QEMU needs a cold restart). */
int node_set_cache_mode(struct cluster *c, int node, const char *mode);
/* Node must be stopped. force: safe_to_bootstrap: 1 first. Starts it with
 * --wsrep-new-cluster and returns when it is Primary. */
int node_bootstrap(struct cluster *c, int node, bool force);
/* for: synced | primary | non-primary | down. */
int node_wait(struct cluster *c, int node, const char *for_state, int64_t timeout_ms);
int node_promote(struct cluster *c, int node);     /* async/semisync */
int node_rejoin(struct cluster *c, int node);      /* async/semisync */
/* Datadir of a node as this machine's processes can open it (local
 * backend; with powerfs a /proc/PID/root/... path into the mount's
 * namespace, which changes when the daemon restarts), or NULL. Borrowed. */
const char *node_datadir(struct cluster *c, int node);
/* The node's error log: a mark of where it ends now (0 when none); how the
 * node caught up since the mark ("ist" | "sst" | "none", NULL when the
 * flavor or the backend cannot tell); why its start failed since the mark
 * (appended to why; nothing when it cannot tell). Flavor knowledge, through
 * the flavor's log hooks. */
int64_t node_log_mark(struct cluster *c, int node);
const char *node_caught_up(struct cluster *c, int node, int64_t mark, struct strbuf *what);
void node_start_failure(struct cluster *c, int node, int64_t mark, struct strbuf *why);
/* The primary the flavor holds to (1-based), 0 when none / not applicable. */
int cluster_primary(struct cluster *c);
/* The node's server dialect (cluster_dialect.c): chosen once per node and
 * kept (state key node.N.dialect): from SELECT VERSION(),
 * @@version_comment when the server answers the lab user, else from what
 * the state file remembers, else from its binary's --version (the
 * backend's node_server_version), else MariaDB of an unknown release.
 * Never NULL; borrowed. */
const struct server_dialect *cluster_node_dialect(struct cluster *c, int node);
/* Forget it (the node is switched to another build). */
void cluster_forget_dialect(struct cluster *c, int node);
/* Choose every node's dialect and check the flavor speaks it: 0, or -1
 * with one line naming the node, its server and the flavor's dialects. */
int cluster_choose_dialects(struct cluster *c);
/* Server and provider versions, for the results database (malloc'd or NULL). */
char *cluster_server_version(struct cluster *c);

#endif
