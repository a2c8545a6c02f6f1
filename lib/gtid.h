/*
 * gtid.h — GTID arithmetic for both dialects lab meets.
 *
 * MySQL / Percona (and PXC) identify a transaction by SOURCE_UUID:SEQ and a
 * server reports what it executed as an interval set per source:
 *
 *     00020192-1111-1111-1111-111111111111:1-5000:5010,
 *     00020193-2222-2222-2222-222222222222:1-200
 *
 * MariaDB identifies a transaction by DOMAIN-SERVER-SEQ and reports
 * *positions*, not sets: gtid_binlog_pos / gtid_slave_pos / gtid_current_pos
 * hold one GTID per replication domain (the last one applied or logged),
 * gtid_binlog_state one per (domain, server).  "0-1-5042,1-3-17".
 *
 * Two kinds of value, therefore:
 *
 *  struct gtid_set   an exact set of transactions: intervals of sequence
 *                    numbers per source.  The source is a UUID (MySQL) or a
 *                    (domain, server) pair (MariaDB, built by scanning
 *                    binlogs: every GTID event is one member).  Union,
 *                    difference, subset, equality are exact.
 *                    Text: MySQL "uuid:1-5:7,uuid2:1-200"; MariaDB
 *                    "D-S-N" (one transaction) or "D-S-FIRST..LAST"
 *                    (every seq in the range, all written by server S),
 *                    comma separated, e.g. "0-1-5001..5042,0-2-5043".
 *
 *  struct gtid_mpos  a MariaDB position (or binlog state).  Semantics used
 *                    by lab: a position {D: S-N} stands for "every
 *                    transaction of domain D with seq <= N, the last one
 *                    written by server S" (true under gtid_strict_mode,
 *                    where seqs grow monotonically per domain).  Hence:
 *                      A - B, per domain D:  if A.N > B.N the seqs
 *                        B.N+1 .. A.N (A "is ahead": candidates for
 *                        errant transactions, last written by A.S); if
 *                        A.N == B.N but A.S != B.S the two histories hold a
 *                        different transaction at the same seq: DIVERGED;
 *                        otherwise nothing.
 *                      A subset of B:  for every domain of A, B has the
 *                        domain with B.N > A.N, or B.N == A.N and the same
 *                        server (seq 0 entries count as empty).
 *                      A union B:  per domain the higher seq (and its
 *                        server); equal seqs from different servers are a
 *                        conflict (kept from A, reported by return value).
 *                    A position cannot see divergence below its last seq
 *                    (A.N > B.N with a different transaction at B.N); for
 *                    exact identity lab scans the binlog into a gtid_set
 *                    (checkers/split_brain.c).
 *
 * Parsers are strict: anything but the grammar above (stray characters,
 * empty items, a seq of 0 in a set, reversed or overflowing ranges, a
 * malformed UUID, a domain twice in a position) is an error reported with
 * lab_error() naming the text and the offending offset.  Whitespace
 * (including the newlines MySQL prints after commas) is allowed around
 * items.  Printing is canonical: sources sorted, intervals merged.
 */
#ifndef LAB_GTID_H
#define LAB_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gtid_dialect {
	GTID_MYSQL,   /* uuid:intervals */
	GTID_MARIADB, /* domain-server-seq */
};

/* Closed interval of sequence numbers, 1 <= first <= last. */
struct gtid_interval {
	uint64_t first, last;
};

/* All the transactions of one source that a set holds. */
struct gtid_source {
	char uuid[37];           /* GTID_MYSQL: lowercase 8-4-4-4-12 */
	uint32_t domain, server; /* GTID_MARIADB */
	struct gtid_interval *iv; /* sorted, disjoint, never adjacent */
	size_t n, cap;
};

struct gtid_set {
	enum gtid_dialect dialect;
	struct gtid_source *src; /* sorted by uuid / (domain, server); no empty ones */
	size_t n, cap;
};

void gtid_set_init(struct gtid_set *s, enum gtid_dialect d);
void gtid_set_release(struct gtid_set *s); /* back to empty; NULL ok */
/* Parse text into s (s is re-initialised first). NULL or "" is the empty
 * set.  -1 on a syntax error (reported). */
int gtid_set_parse(struct gtid_set *s, enum gtid_dialect d, const char *text);
/* Canonical text, malloc'd ("" for the empty set). */
char *gtid_set_format(const struct gtid_set *s);
/* Add [first, last] of one source.  uuid for MySQL (any case; -1 if it is
 * not a UUID), domain/server for MariaDB.  -1 when first is 0 or > last. */
int gtid_set_add(struct gtid_set *s, const char *uuid, uint32_t domain, uint32_t server,
		 uint64_t first, uint64_t last);
bool gtid_set_contains(const struct gtid_set *s, const char *uuid, uint32_t domain,
		       uint32_t server, uint64_t seq);
/* dst := dst ∪ a.  -1 if the dialects differ. */
int gtid_set_union(struct gtid_set *dst, const struct gtid_set *a);
/* out := a − b (out is re-initialised; it may not alias a or b). */
int gtid_set_subtract(struct gtid_set *out, const struct gtid_set *a, const struct gtid_set *b);
bool gtid_set_is_subset(const struct gtid_set *a, const struct gtid_set *b);
bool gtid_set_equal(const struct gtid_set *a, const struct gtid_set *b);
bool gtid_set_is_empty(const struct gtid_set *s);
uint64_t gtid_set_count(const struct gtid_set *s); /* transactions (saturates) */
/* "mysql" when text contains ':', else "mariadb"; for sets read from a
 * server that may be either. */
enum gtid_dialect gtid_guess_dialect(const char *text);

/* ---- MariaDB positions ------------------------------------------------ */

struct gtid_mpos_entry {
	uint32_t domain, server;
	uint64_t seq;
};

struct gtid_mpos {
	struct gtid_mpos_entry *e; /* sorted by (domain, server) */
	size_t n, cap;
	bool state; /* gtid_binlog_state: several servers per domain allowed */
};

void gtid_mpos_init(struct gtid_mpos *p);
void gtid_mpos_release(struct gtid_mpos *p);
/* Parse "D-S-N,D-S-N".  state=false: a position, one entry per domain;
 * state=true: a binlog state, one per (domain, server).  -1 on error. */
int gtid_mpos_parse(struct gtid_mpos *p, const char *text, bool state);
char *gtid_mpos_format(const struct gtid_mpos *p); /* malloc'd */
/* The domain's highest seq and its server; false if the domain is absent. */
bool gtid_mpos_get(const struct gtid_mpos *p, uint32_t domain, uint32_t *server, uint64_t *seq);

enum gtid_mpos_diff_kind {
	GTID_AHEAD,    /* a has seqs from..to of the domain that b has not */
	GTID_DIVERGED, /* same last seq, different servers: different transactions */
};

struct gtid_mpos_diff {
	enum gtid_mpos_diff_kind kind;
	uint32_t domain;
	uint32_t a_server, b_server; /* b_server 0 when b lacks the domain */
	uint64_t from, to;           /* AHEAD: b.N+1 .. a.N; DIVERGED: a.N .. a.N */
};

/* a − b as described above: *out is malloc'd (free()), *n entries, sorted by
 * domain.  Positions only (a state is reduced to its highest seq per
 * domain). */
int gtid_mpos_subtract(const struct gtid_mpos *a, const struct gtid_mpos *b,
		       struct gtid_mpos_diff **out, size_t *n);
bool gtid_mpos_is_subset(const struct gtid_mpos *a, const struct gtid_mpos *b);
/* dst := per-domain maximum of dst and a.  Returns 0, 1 when some domain
 * had equal seqs from different servers (dst's entry kept), -1 on error. */
int gtid_mpos_union(struct gtid_mpos *dst, const struct gtid_mpos *a);
/* "D-S-FROM..TO" / "D-S-N" text for one difference, into buf. */
void gtid_mpos_diff_format(const struct gtid_mpos_diff *d, char *buf, size_t size);

/* ---- binlog scans -------------------------------------------------------
 * The exact identity of a MariaDB server's transactions: the text of
 * `mariadb-binlog --base64-output=decode-rows --verbose` (remote or local
 * files), read line by line.  Every GTID event ("GTID 0-1-7 trans") is one
 * member of the scan's exact set; the row events that follow it
 * ("### INSERT INTO `bank`.`credit`" then "###   @1=9001") are its rows,
 * the first column being the row's id (the bank schema's primary key). */

struct binlog_row {
	char op;          /* '+' insert, '~' update, '-' delete (journal.h's row ops) */
	char table[32];   /* without the schema */
	int64_t id;       /* @1 */
};

struct binlog_txn {
	uint32_t domain, server;
	uint64_t seq;
	size_t first_row, n_rows; /* into binlog_scan.row */
};

struct binlog_scan {
	char database[64];      /* rows of other schemas are skipped; "" keeps all */
	struct gtid_set set;    /* GTID_MARIADB: every transaction seen */
	struct binlog_txn *txn;
	size_t n_txn, cap_txn;
	struct binlog_row *row;
	size_t n_row, cap_row;
	/* The Gtid_list event of the first binlog read: the GTID state before
	 * the oldest binlog (purged history: gtid_set members at or below it
	 * were never seen by this scan). */
	struct gtid_mpos start;
	bool have_start;
	char *list_text;        /* a Gtid list being read (it spans lines "# ...") */
	/* parser state */
	char pending_op;
	char pending_table[32];
	bool in_txn;
};

void binlog_scan_init(struct binlog_scan *bs, const char *database);
void binlog_scan_release(struct binlog_scan *bs); /* NULL ok */
/* Feed one line (without or with its '\n'). Lines that are not GTID or
 * row lines are ignored; -1 only on a malformed GTID line (reported). */
int binlog_scan_line(struct binlog_scan *bs, const char *line);
/* Feed a whole file of such text. -1 if it cannot be read (reported). */
int binlog_scan_file(struct binlog_scan *bs, const char *path);
/* The scan's transaction with this GTID, or NULL. */
const struct binlog_txn *binlog_scan_find(const struct binlog_scan *bs, uint32_t domain,
					  uint32_t server, uint64_t seq);

#endif
