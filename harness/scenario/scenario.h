/*
 * scenario.h — a scenario file (docs/scenario-format.md) as parsed and
 * validated data, and the tables that describe it.
 *
 * Every section (top level, cluster, workload, expect, ...) and every step
 * action is described ONCE as a table of its keys (struct sc_option: name,
 * type, where it is stored, default, range, allowed values, help). The same
 * tables drive parsing, defaults, range checks, the "did you mean" hints of
 * `lab validate` and the reference printed by `lab validate --describe`
 * (STYLE.md: fio's option table).
 *
 * Errors are collected, never printed here: each is one line
 * "FILE:LINE:COL: message" (1-based line and column from libyaml's marks).
 */
#ifndef LAB_SCENARIO_H
#define LAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "checker.h"
#include "cluster.h"
#include "sha256.h"
#include "signals.h"
#include "words.h"

struct strlist {
	char **v;
	size_t n;
};

struct kvlist {
	struct kv *v;
	size_t n;
};

/* Named sets of options, in file order; line and col say where each name
 * is (1-based). */
struct sc_kvset {
	char *name;
	struct kvlist opts;
	int line, col;
};
struct sc_kvsets {
	struct sc_kvset *v;
	size_t n;
};

/* A set of nodes: bit i set for node i (1-based). `all` remembers that the
 * scenario said "all" (mask then has every node). */
/* A role chosen when the step runs (replication flavors): the node the
 * flavor (or the failover manager) holds to be the primary, or every other
 * node. mask is empty until then (action_run resolves it). */
enum node_role { NODE_ROLE_NONE, NODE_ROLE_PRIMARY, NODE_ROLE_REPLICAS };

struct node_set {
	uint32_t mask;
	bool all;
	enum node_role role;
};

/* Value kinds a key can have. */
enum sc_type {
	SC_STRING,   /* char *, optionally one of allowed[] */
	SC_INT,      /* int64_t in [min, max] */
	SC_BOOL,     /* bool: true/false, yes/no, on/off */
	SC_DURATION, /* int64_t milliseconds in [min, max]: 250ms, 10s, 2m */
	SC_NODES,    /* struct node_set: all, N or [N, ...]; SC_F_SINGLE: one node */
	SC_SIGNAL,   /* int: KILL, SIGTERM, 9, ... */
	SC_GROUPS,   /* uint32_t member_of[LAB_MAX_NODES]: [[1], [2, 3]] */
	SC_LIST,     /* struct strlist, each one of allowed[] when given */
	SC_KVMAP,    /* struct kvlist: option: value */
	SC_SECTION,  /* a nested mapping described by sub[] */
	SC_STEPS,    /* the steps: list of actions */
	SC_EXPECT,   /* struct sc_expect: checker expect key: value (checker.h) */
	SC_KVSETS,   /* struct sc_kvsets: NAME: {option: value, ...}, ... (a plan's option sets) */
};

enum sc_flags {
	SC_F_REQUIRED = 1 << 0,
	SC_F_SINGLE = 1 << 1,   /* SC_NODES: exactly one node */
	SC_F_IDENT = 1 << 2,    /* SC_STRING: [a-z0-9][a-z0-9._-]* */
	SC_F_RELPATH = 1 << 3,  /* SC_STRING: a plain path inside the datadir (lib/names.h) */
	SC_F_SNAPSHOT = 1 << 4, /* SC_STRING: a snapshot name the cluster's backend takes (lib/names.h) */
};

struct sc_option {
	const char *name;
	enum sc_type type;
	size_t offset;            /* of the value in the struct being filled */
	const char *def;          /* default as YAML text, NULL: no default */
	int64_t min, max;         /* SC_INT, SC_DURATION (ms) */
	const char *const *allowed; /* SC_STRING, SC_LIST: NULL-terminated */
	unsigned flags;
	const struct sc_option *sub; /* SC_SECTION */
	size_t n_sub;
	const char *help;
};

/* Expectations, indexed like lab_checkers[] (each checker's expect key and
 * values are its own, checker.h); NULL means "not stated". */
struct sc_expect {
	char *v[LAB_MAX_CHECKERS];
};
/* What e states for that checker, or NULL. */
const char *sc_expect_get(const struct sc_expect *e, const struct checker_ops *ops);


#define SC_SEQNO_KEEP INT64_MIN

/* One step. Only the fields of its action are meaningful. */
struct sc_step {
	const struct sc_action_desc *action;
	int line, col;            /* where the step starts (1-based) */
	struct node_set nodes;
	char *op;                 /* workload: start | stop */
	char *name;               /* snapshot, revert */
	char *path;               /* delete-file */
	char *mode;               /* disk-cache */
	char *for_state;          /* wait: synced | primary | non-primary | down */
	char *outcome;            /* ok | error | any: what the step itself should do */
	char *transfer;           /* start: ist | sst | none | any, how the node must rejoin */
	char *version;            /* upgrade: the server build to switch to */
	int signal;               /* kill */
	bool force;               /* bootstrap */
	int64_t duration_ms;      /* sleep, pause (0: until resume) */
	int64_t timeout_ms;       /* wait */
	int64_t seqno;            /* edit-grastate; SC_SEQNO_KEEP keeps it */
	int64_t safe_to_bootstrap;/* edit-grastate; -1 keeps it */
	uint32_t member_of[LAB_MAX_NODES]; /* partition: node i+1's groups, a bit each (cluster.h) */
	struct strlist checks;    /* check */
	char *model;              /* check: the history checker's consistency model */
	struct sc_expect expect;  /* check: expectations for this step only */
	char *torn;               /* hard-reset: F; nemesis: F or F..F (fraction of un-synced pages kept) */
	struct strlist faults;    /* nemesis: fault kinds to draw from */
	struct strlist targets;   /* nemesis: target kinds to draw from */
	char *interval, *recover; /* nemesis: DURATION..DURATION */
	int64_t for_ms;           /* nemesis: faults start within this long */
	bool promote;             /* nemesis: promote a replica when the primary is lost */
};

/* What a step does to its nodes, as the lint follows them. */
enum sc_node_effect {
	SC_EFFECT_NONE,       /* leaves them as they are */
	SC_EFFECT_DOWN,       /* they are down afterwards (a kill with STOP/CONT excepted) */
	SC_EFFECT_UP,         /* they are up afterwards */
	SC_EFFECT_NEEDS_DOWN, /* they must be down before it */
};

enum sc_action_flags {
	SC_A_KEEPS_NODES = 1 << 0,    /* no node changes state: the runner records no node states after it */
	SC_A_WORKLOAD = 1 << 1,       /* starts / stops the workload (op) */
	SC_A_TAKES_SNAPSHOT = 1 << 2, /* makes a snapshot named name */
	SC_A_NEEDS_SNAPSHOT = 1 << 3, /* needs an earlier snapshot named name */
	SC_A_CHECK = 1 << 4,          /* runs the checkers named in checks */
	SC_A_FAULT = 1 << 5,          /* takes nodes away: a failover manager's failover is timed from it */
};

struct runner;
struct strbuf;

/*
 * A scenario action: one descriptor in sc_actions[] (harness/run/actions.c,
 * the faults table), next to the function that does it. The parser, the
 * lint, `lab validate --describe` and the runner read the same row.
 */
struct sc_action_desc {
	const char *name;
	const char *shorthand;    /* key a scalar/list value stands for, or NULL */
	const struct sc_option *opts;
	size_t n_opts;
	const char *const *flavors; /* NULL: every flavor */
	const char *help;
	enum sc_node_effect effect;
	unsigned flags;           /* enum sc_action_flags */
	/* What it undoes at the end of the run if the scenario does not
	 * (the runner's undo stack), for the reference; NULL: nothing. */
	const char *undo;
	/* A rule across its keys, beyond the option table: an error message
	 * (static) or NULL. */
	const char *(*validate)(const struct sc_step *st);
	/* Do it; detail gets a line for the results db. 0 or -1 (reported). */
	int (*run)(struct runner *r, const struct sc_step *st, size_t seq, struct strbuf *detail);
};


struct sc_mix {
	int64_t credit, purchase, transfer, new_customer, delete_customer, audit;
};

struct sc_libvirt {
	char *uri;
	struct strlist domains;
};

struct sc_proxmox {
	char *url, *node, *token_file, *ca_file, *fingerprint;
	struct strlist nodes, vmids;
};

struct sc_cluster {
	char *flavor;
	int64_t nodes;
	char *backend;
	struct kvlist mysqld;
	struct sc_libvirt libvirt;
	struct sc_proxmox proxmox;
	char *cache_mode;
	bool allow_commands;      /* mysqld options that run programs (wsrep_notify_cmd, init_file, ...) */
	char *version;            /* server build of every node, NULL: installed */
	struct kvlist versions;   /* "NODE" -> version, overrides version */
	char *manager;            /* none | pacemaker */
	bool fencing;             /* with a manager: stonith-enabled */
};

struct sc_workload {
	char *name;
	int64_t threads, customers, products;
	struct sc_mix mix;
	char *update_style, *lock;
	int64_t rate;
	/* both workloads */
	char *isolation;          /* server | serializable | repeatable-read | read-committed | read-uncommitted */
	int64_t sync_wait;        /* -1: leave the server's */
	/* append */
	int64_t keys, appends_per_key;
	char *ops_per_txn;        /* "1..4" or "N" */
	char *read_ratio;         /* 0..1 */
};

struct sc_cleanup {
	char *nodes; /* restart | leave */
};

struct scenario {
	char *file;               /* as given */
	char *hash;               /* SHA-256 of the file's bytes, hex */
	char *name, *description;
	int64_t seed;
	bool has_seed;
	struct strlist tags;
	int64_t timeout_ms;       /* watchdog for the whole scenario */
	struct sc_cluster cluster;
	struct sc_workload workload;
	struct sc_step *steps;
	size_t n_steps;
	struct sc_expect expect;
	struct sc_cleanup cleanup;
};

/* Collected errors, each "FILE:LINE:COL: message". */
struct sc_errors {
	char **v;
	size_t n;
};
void sc_errors_release(struct sc_errors *e);

/* A scenario file larger than this is refused (a scenario is a few KiB). */
#define SC_MAX_FILE_BYTES (1 << 20)

/* What a plan's run changes in the cluster section (NULL: as the file
 * says): version, cache_mode and flavor replace the file's; the mysqld
 * options are merged over cluster.mysqld, key by key. */
struct sc_overrides {
	const char *version, *cache_mode, *flavor;
	const struct kvlist *mysqld;
};

/* Parse and validate. Returns the scenario, or NULL when there was any
 * error (all of them appended to errs). The caller frees with
 * scenario_free. */
struct scenario *scenario_load(const char *path, struct sc_errors *errs);
/* The same with a plan run's overrides applied (ov NULL: none). */
struct scenario *scenario_load_with(const char *path, const struct sc_overrides *ov, struct sc_errors *errs);
/* The same from a buffer; `file` is used in error messages. */
struct scenario *scenario_parse(const char *text, size_t len, const char *file,
				struct sc_errors *errs);
void scenario_free(struct scenario *sc);

/* The tables. sc_actions[] is the faults table (harness/run/actions.c). */
extern const struct sc_action_desc sc_actions[];
extern const size_t sc_n_actions;
/* Values shared by the section and action tables. */
extern const char *const sc_cache_modes[];
extern const char *sc_checker_names[]; /* from lab_checkers[], filled before the first parse */
#define SC_DAY_MS (24LL * 3600 * 1000)
const struct sc_action_desc *sc_action_find(const char *name);
extern const struct sc_option sc_top[];
extern const size_t sc_n_top;

/* The reference of every section and action, from the tables. */
void scenario_describe(FILE *f);
/* The same reference as man page source (.SS, .TP; lab help --man). */
void scenario_describe_man(FILE *f);

/* First sentence of the description (or "" when none), into buf. */
void scenario_purpose(const struct scenario *sc, char *buf, size_t size);

/* "all", "2", "1,3" for a node set. */
void node_set_format(const struct node_set *ns, char *buf, size_t size);
/* Number of nodes in a set and the i-th (0-based) of them. */
int node_set_count(const struct node_set *ns);

#endif
