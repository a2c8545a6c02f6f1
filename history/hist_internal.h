/*
 * hist_internal.h — the checker's internal structures, shared by the files
 * of history/: the compact transaction store (arrays of fixed-size records,
 * interned keys, one pool of read values), the hash maps, the readers'
 * entry points, the dependency graph and the anomaly collector.
 *
 * Memory: a transaction costs one struct hist_txn plus one struct hist_mop
 * per micro-op plus 8 bytes per element read; nothing is allocated per op.
 */
#ifndef LAB_HIST_INTERNAL_H
#define LAB_HIST_INTERNAL_H

#include "history.h"
#include "util.h"

#include <json-c/json.h>
#include <stdint.h>

/* Micro-op kinds. */
enum hist_f { HF_APPEND = 0, HF_READ = 1, HF_WRITE = 2 };
/* Read flags: the read's value is unknown (invoke, failed or info read), or
 * it is a list (list-append) rather than one register value. */
enum { HM_UNKNOWN = 1, HM_LIST = 2, HM_NIL = 4, HM_PREFIX = 8 /* list read: a prefix of its key's order */ };

struct hist_mop {
	uint32_t key;    /* interned key id */
	uint8_t f;       /* enum hist_f */
	uint8_t flags;   /* HM_* */
	uint32_t len;    /* list reads: number of elements */
	int64_t v;       /* append/write value; register read value; list read: offset into vals */
};

enum hist_type { HT_OK = 0, HT_FAIL = 1, HT_INFO = 2, HT_PENDING = 3 };

struct hist_txn {
	int64_t index;       /* Elle :index of the completion (or journal TXN id) */
	int64_t inv_index;   /* :index of the invocation (-1 if none) */
	int64_t t_inv, t_done; /* real-time positions; t_done INT64_MAX if never completed */
	int64_t process;
	uint32_t mop_off;
	uint16_t n_mops;
	uint8_t type;        /* enum hist_type */
	uint32_t line;       /* input line of the completion (or invocation) */
};

/* Open-addressing map from a pair of int64 to an int64 (val INT64_MIN = empty). */
struct pairmap_ent {
	int64_t a, b, val;
};
struct pairmap {
	struct pairmap_ent *e;
	size_t cap, n;
};
void pm_release(struct pairmap *m);
/* Slot for (a, b): existing (returns true) or newly inserted with val
 * INT64_MIN (returns false). */
bool pm_slot(struct pairmap *m, int64_t a, int64_t b, int64_t **val);
/* Value of (a, b), or INT64_MIN. */
int64_t pm_get(const struct pairmap *m, int64_t a, int64_t b);

struct hist_key {
	int64_t ival;
	const char *sval; /* NULL for integer keys; owned by struct hist (strkeys) */
};

struct hist {
	struct hist_txn *txns;
	size_t n_txns, cap_txns;
	struct hist_mop *mops;
	size_t n_mops, cap_mops;
	int64_t *vals;
	size_t n_vals, cap_vals;
	struct hist_key *keys;
	size_t n_keys, cap_keys;
	struct pairmap key_ids;     /* (0, int key) or (1, string hash) -> key id */
	struct pairmap pending;     /* process -> txn of its open invocation */
	char **strkeys;             /* string key texts, owned */
	size_t n_strkeys;
	bool saw_append, saw_write, saw_list_read, saw_reg_read;
	int64_t ordinal;            /* ops read so far: real-time position */
	const char *name;           /* file name for messages (borrowed) */
};

void hist_init(struct hist *h, const char *name);
void hist_release(struct hist *h);
uint32_t hist_key_int(struct hist *h, int64_t k);
uint32_t hist_key_str(struct hist *h, const char *s, size_t n);
/* Format a key for messages ("3" or "\"x\""). */
void hist_key_format(const struct hist *h, uint32_t key, struct strbuf *sb);
struct hist_txn *hist_new_txn(struct hist *h);
struct hist_mop *hist_new_mops(struct hist *h, size_t n, uint32_t *off);
int64_t *hist_new_vals(struct hist *h, size_t n, int64_t *off);

/* Finish: ops still invoked become info. */
void hist_finish(struct hist *h);
/* Read a whole stream in any supported format. */
int hist_read_stream(struct hist *h, FILE *f);
/* EDN: parse one element of text[0..n) into a json-c tree (keywords become
 * strings without ':', nil null, sets and lists arrays). Returns NULL and
 * sets *err (static text) on error. */
json_object *edn_parse(const char *text, size_t n, const char **err, size_t *err_off);
/* lab journal: one line (without newline). */
int hist_add_journal_line(struct hist *h, const char *line, size_t n, uint32_t lineno);

/* Edge kinds (bits). */
enum { EK_WW = 1, EK_WR = 2, EK_RW = 4, EK_PROCESS = 8, EK_REALTIME = 16 };

struct edge_list {
	uint64_t *e; /* src << 32 | dst, kind in a parallel byte array */
	uint8_t *k;
	size_t n, cap;
};
void edges_add(struct edge_list *l, uint32_t src, uint32_t dst, uint8_t kind);
void edges_release(struct edge_list *l);

/* CSR graph over transaction indexes. */
struct graph {
	uint32_t n;
	uint64_t *off;   /* n+1 */
	uint32_t *dst;
	uint8_t *kind;
};
void graph_build(struct graph *g, uint32_t n, struct edge_list *l);
void graph_release(struct graph *g);

/* Collected anomalies. */
struct anom {
	char *type;
	char *text;
	char *json;
};
struct anoms {
	struct anom *a;
	size_t n, cap;
	size_t max_per_type;
	/* counts per type: parallel small table */
	char **tnames;
	size_t *tcounts;
	size_t n_types;
};
/* Add an anomaly; text and json are taken (malloc'd). Beyond max_per_type
 * of a type only the count grows. */
void anoms_add(struct anoms *as, const char *type, char *text, char *json);
size_t anoms_count(const struct anoms *as, const char *type);
void anoms_release(struct anoms *as);

/* The checker's context while analysing. */
struct checker {
	struct hist *h;
	const struct history_opts *opts;
	struct anoms *out;
	struct edge_list edges;
	enum history_workload wl;
	bool want_realtime, want_process;
	/* the workload's indexes (struct la or struct rr in hist_check.c), kept
	 * for the explanations; freed by checker_workload_free */
	void *wl_data;
	struct pairmap writer;   /* (key, value) -> txn index of the appender/writer */
	bool empty_graph;
};

int check_list_append(struct checker *c);
int check_rw_register(struct checker *c);
/* Process and real-time edges (frontier construction). */
void add_order_edges(struct checker *c);
/* SCCs and cycle search over c->edges; adds cycle anomalies. */
int find_cycles(struct checker *c);
/* Explain the edge a->b of the given kinds (one line, no newline), and its
 * Elle step as JSON. */
void explain_edge(struct checker *c, uint32_t a, uint32_t b, uint8_t kind,
		  struct strbuf *text, struct strbuf *json);
/* Describe a transaction: "T12 (index 12, process 3, ok: append 1 4, r 2 [1 2])". */
void describe_txn(const struct hist *h, uint32_t t, struct strbuf *sb);
/* Elle's op JSON for a txn. */
void txn_json(const struct hist *h, uint32_t t, struct strbuf *sb);
void mop_json(const struct hist *h, const struct hist_mop *m, struct strbuf *sb);
void key_json(const struct hist *h, uint32_t key, struct strbuf *sb);

/* Model lattice (hist_models.c). */
/* Is anomaly type prohibited by the expected models (plus extra anomalies)? */
bool anomaly_prohibited(const struct history_opts *o, const char *type);
bool anomaly_reportable(const struct history_opts *o, const char *type);
/* Fill not/also-not from the anomaly types present. */
void models_boundary(char **types, size_t n, char ***not_m, size_t *n_not,
		     char ***also, size_t *n_also);
/* The models (canonical) ruled out by these anomaly types. */
bool model_ruled_out(char **types, size_t n, const char *model);
/* Cycle-exists fallback: the canonical model names in Elle's spec order. */
const char *model_friendly(const char *canonical);
/* Does a history satisfying `stronger` satisfy `weaker` (or are they equal)? */
bool model_implies(const char *stronger, const char *weaker);
/* Is the anomaly prohibited if models ms[0..n) hold? (n > 0; at most 8) */
bool anomaly_prohibited_by_models(const char *const *ms, size_t n, const char *anomaly);
/* Does anomaly a imply anomaly b (or equal it)? */
bool anomaly_implies(const char *a, const char *b);
/* Free the workload's indexes kept for explanations. */
void checker_workload_free(struct checker *c);

#endif
