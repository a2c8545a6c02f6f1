/*
 * split_brain.c — the `split-brain` checker: is there exactly one primary,
 * and does any node hold a history the primary does not?  Its verdict is
 * the scenario's `expect: cluster:` — primary | no-primary |
 * split-brain-detected.
 *
 * Primary / replica (async, semisync; MariaDB GTIDs):
 *   - every node's read_only, gtid_binlog_pos, gtid_current_pos and
 *     replication threads (a stopped thread with an error is a
 *     `replication-error` anomaly: the careless rejoin's 1236);
 *   - the primary is the cluster's designated one (the flavor's state) when
 *     it is writable, else the only writable node; two writable nodes are a
 *     `multiple-primaries` anomaly;
 *   - the exact set of every node's transactions comes from its binlog,
 *     read with `mariadb-binlog --verbose --base64-output=decode-rows`
 *     (from the server, or from the datadir when a local node is down);
 *     errant transactions of a node = its set − the primary's set (what
 *     gh-mysql-rewind computes, reference 001): one `errant-gtid` anomaly
 *     per node naming the GTID ranges, and one `errant-transaction` per
 *     transaction naming the journal transaction its rows belong to (by the
 *     ids of the rows it inserted or deleted) and what the client was told:
 *     ok (an acknowledged commit the primary lost), failed or unknown
 *     (reference 003: the crashed primary kept commits the client saw fail);
 *   - transactions at or below the GTID state the primary's oldest binlog
 *     starts from (its Gtid_list event: purged binlogs, a restore from a
 *     backup) cannot be compared and are only counted in the summary;
 *   - positions are compared per domain too (gtid.h): equal seqs written by
 *     different servers are `diverged-history`;
 *   - MySQL / Percona / PXC nodes (their dialect, dialect.h) are compared by their
 *     executed sets, without a binlog scan or journal mapping.
 *
 * Galera: every node's wsrep_cluster_state_uuid, wsrep_cluster_status,
 * wsrep_cluster_conf_id and wsrep_last_committed; for a node that is down,
 * its grastate.dat (uuid, seqno) and its error log, where "Reversing
 * history" / "seqno ahead" lines show a join refused because the node's
 * history went further than the Primary component's (reference 000).  Two
 * Primary components (different state UUIDs or configurations) are
 * `multiple-primaries`; a node with a different history is
 * `diverged-history`.  Either is split-brain-detected.
 *
 * Nodes that cannot be read are `node-unreachable` (not a finding).
 */
#include "checker.h"
#include "cluster.h"
#include "gtid.h"
#include "journal.h"
#include "repl_state.h"
#include "util.h"
#include "versions.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECKER "split-brain"

/* ---- findings ---- */

struct finding {
	char kind[32];
	char node[128];
	int64_t txn;
	char *detail;
};

struct report {
	const struct check_ctx *ctx;
	struct finding *f;
	size_t n, cap;
	int64_t findings;     /* all but node-unreachable */
	bool split;           /* something makes it split-brain-detected */
	struct strbuf notes;  /* lines for the summary */
};

static void add_finding(struct report *r, bool split, const char *kind, const char *node,
			int64_t txn, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add_finding(struct report *r, bool split, const char *kind, const char *node,
			int64_t txn, const char *fmt, ...)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->f = xrealloc(r->f, r->cap * sizeof(*r->f));
	}
	struct finding *f = &r->f[r->n++];
	struct strbuf sb = { 0 };
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	lab_strlcpy(f->kind, kind, sizeof(f->kind));
	lab_strlcpy(f->node, node ? node : "", sizeof(f->node));
	f->txn = txn;
	f->detail = sb_detach(&sb);
	if (strcmp(kind, "node-unreachable") != 0)
		r->findings++;
	if (split)
		r->split = true;
}

static void note(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&r->notes, fmt, ap);
	va_end(ap);
	sb_puts(&r->notes, "\n");
}

/* ---- per node ---- */

struct sb_node {
	int number;           /* 1-based, as the hosts are given */
	char name[300];       /* "node N (host:port)" */
	char hp[280];
	bool reachable;
	bool galera;
	struct server_dialect dialect; /* asked of the server; .d NULL when it was not */
	/* primary / replica */
	int read_only;
	char binlog_pos[512], current_pos[512];
	bool has_master;
	char io_running[16], sql_running[16];
	unsigned io_errno, sql_errno;
	char repl_error[512];
	char *gtid_executed;  /* MySQL / Percona: @@gtid_executed (malloc'd), else NULL */
	struct binlog_scan scan;
	bool scanned;
	char scan_source[32]; /* "server" | "datadir" */
	bool scan_partial;    /* the read stopped at a partial event (a crash) */
	/* galera */
	char cluster_status[32], state_uuid[64], local_state[32];
	int64_t conf_id, cluster_size, last_committed;
	char members[1024];   /* wsrep_incoming_addresses */
	bool have_grastate;
	char gra_uuid[64];
	int64_t gra_seqno;
	char log_line[512];   /* a refused-join line from the error log */
};

static void read_async(MYSQL *m, struct sb_node *nd)
{
	struct repl_state rs;

	if (dialect_query(m, &nd->dialect) < 0)
		dialect_default(&nd->dialect);
	repl_state_read(m, &nd->dialect, &rs);
	nd->read_only = rs.read_only;
	lab_strlcpy(nd->binlog_pos, rs.binlog_pos, sizeof(nd->binlog_pos));
	lab_strlcpy(nd->current_pos, rs.current_pos, sizeof(nd->current_pos));
	nd->gtid_executed = rs.gtid_executed; /* ours now */
	nd->has_master = rs.has_master;
	lab_strlcpy(nd->io_running, rs.io_running, sizeof(nd->io_running));
	lab_strlcpy(nd->sql_running, rs.sql_running, sizeof(nd->sql_running));
	nd->io_errno = rs.io_errno;
	nd->sql_errno = rs.sql_errno;
	if (nd->sql_errno)
		lab_strlcpy(nd->repl_error, rs.sql_error, sizeof(nd->repl_error));
	else if (nd->io_errno)
		lab_strlcpy(nd->repl_error, rs.io_error, sizeof(nd->repl_error));
}

static void read_galera(MYSQL *m, struct sb_node *nd)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	nd->conf_id = nd->cluster_size = nd->last_committed = -1;
	if (mysql_query(m, "SHOW GLOBAL STATUS LIKE 'wsrep\\_%'") || !(res = mysql_store_result(m)))
		return;
	while ((row = mysql_fetch_row(res))) {
		const char *k = row[0], *v = row[1] ? row[1] : "";
		if (!strcmp(k, "wsrep_cluster_status"))
			lab_strlcpy(nd->cluster_status, v, sizeof(nd->cluster_status));
		else if (!strcmp(k, "wsrep_cluster_state_uuid"))
			lab_strlcpy(nd->state_uuid, v, sizeof(nd->state_uuid));
		else if (!strcmp(k, "wsrep_local_state_comment"))
			lab_strlcpy(nd->local_state, v, sizeof(nd->local_state));
		else if (!strcmp(k, "wsrep_incoming_addresses"))
			lab_strlcpy(nd->members, v, sizeof(nd->members));
		else if (!strcmp(k, "wsrep_cluster_conf_id"))
			parse_int64(v, -1, INT64_MAX, &nd->conf_id);
		else if (!strcmp(k, "wsrep_cluster_size"))
			parse_int64(v, -1, INT64_MAX, &nd->cluster_size);
		else if (!strcmp(k, "wsrep_last_committed"))
			parse_int64(v, -1, INT64_MAX, &nd->last_committed);
	}
	mysql_free_result(res);
}

/* ---- reading binlogs ---- */

/* An anonymous file (memfd) that a program lab runs can open by path
 * (/proc/LAB_PID/fd/N): nothing on disk, gone when lab closes it or dies.
 * Returns the fd (path filled) or -1 (reported). */
static int anon_file(const char *name, char *path, size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0) {
		lab_error("cannot create an anonymous file: %s", strerror(errno));
		return -1;
	}
	/* the servers' tools ignore a world-writable option file */
	if (fchmod(fd, 0600) < 0) {
		lab_error("cannot chmod an anonymous file: %s", strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(path, size, "/proc/%d/fd/%d", (int)getpid(), fd);
	return fd;
}

/* The option file with the lab user's credentials for mariadb-binlog: the
 * caller's or the cluster's own file, else an anonymous one (*fd >= 0: the
 * caller closes it; a password never lands on disk, even if lab is killed). */
static char *creds_file(const struct check_ctx *ctx, int *fd)
{
	char path[64];

	*fd = -1;
	if (ctx->creds->defaults_file)
		return xstrdup(ctx->creds->defaults_file);
	if (ctx->cluster && ctx->cluster->defaults_file && path_exists(ctx->cluster->defaults_file))
		return xstrdup(ctx->cluster->defaults_file);
	if ((*fd = anon_file("lab-client-cnf", path, sizeof(path))) < 0)
		return NULL;
	char *text = xasprintf("[client]\nuser=%s\npassword=%s\n", ctx->creds->user ? ctx->creds->user : "lab",
			       ctx->creds->password ? ctx->creds->password : "");
	ssize_t w = write(*fd, text, strlen(text));
	memset(text, 0, strlen(text));
	free(text);
	if (w < 0) {
		lab_error("cannot write the option file: %s", strerror(errno));
		close(*fd);
		*fd = -1;
		return NULL;
	}
	return xstrdup(path);
}

/* 0 read, 1 read up to a partial event (what was read is in result_file),
 * -1 not read. A binlog a crash (kill -9, power cut) cut in the middle of an
 * event ends there; mariadb-binlog says so and exits non-zero, after
 * writing out every whole event before it. */
/* The binlog tool of the node's dialect (mariadb-binlog, mysqlbinlog) from
 * its server build (versions.h), malloc'd: the installed one against a
 * cluster lab did not start. */
static char *binlog_tool(const struct check_ctx *ctx, const struct sb_node *nd)
{
	const struct server_dialect *sd = nd->dialect.d ? &nd->dialect : NULL;
	int node = nd->number;

	if (!ctx->cluster || node < 1 || node > ctx->cluster->spec.nodes) {
		struct server_dialect def;
		dialect_default(&def);
		return xstrdup(sd ? sd->d->binlog_tool : def.d->binlog_tool);
	}
	if (!sd)
		sd = cluster_node_dialect(ctx->cluster, node);
	return node_binary(ctx->cluster, node, sd->d->binlog_tool);
}

static int run_binlog_tool(const char *const *argv, const char *what, const char *result_file)
{
	struct strbuf out = { 0 };
	struct run_opts o = { .timeout_ms = 300000, .out = &out };
	int rc = run_argv(argv, &o);
	struct stat st;
	if (rc != 0 && (strstr(out.buf ? out.buf : "", "truncated in the middle of event") ||
			strstr(out.buf ? out.buf : "", "Error in log format")) &&
	    stat(result_file, &st) == 0 && st.st_size > 0) {
		sb_release(&out);
		return 1;
	}
	if (rc != 0) {
		while (out.len && out.buf[out.len - 1] == '\n')
			out.buf[--out.len] = '\0';
		const char *last = out.len ? strrchr(out.buf, '\n') : NULL;
		lab_error_quiet("%s could not read the binlog of %s: %s", argv[0], what,
				out.len ? (last ? last + 1 : out.buf) : "no output");
		sb_release(&out);
		return -1;
	}
	sb_release(&out);
	return 0;
}

/* Read a reachable node's binlog through the server. */
static int scan_remote(const struct check_ctx *ctx, MYSQL *m, struct sb_node *nd, const char *tmp)
{
	char *first = NULL;
	MYSQL_RES *res;
	MYSQL_ROW row;
	if (mysql_query(m, "SHOW BINARY LOGS") || !(res = mysql_store_result(m))) {
		lab_error_quiet("SHOW BINARY LOGS on %s: %s", nd->hp, mysql_error(m));
		return -1;
	}
	if ((row = mysql_fetch_row(res)) && row[0])
		first = xstrdup(row[0]);
	mysql_free_result(res);
	if (!first) {
		lab_error_quiet("%s has no binary logs (log_bin off?)", nd->hp);
		return -1;
	}
	int cnf_fd;
	char *cnf = creds_file(ctx, &cnf_fd);
	if (!cnf) {
		free(first);
		return -1;
	}
	const struct hostport *hp = &ctx->hosts[nd->number - 1];
	char *a_cnf = xasprintf("--defaults-extra-file=%s", cnf);
	char *a_host = xasprintf("--host=%s", hp->host);
	char *a_port = xasprintf("--port=%u", hp->port);
	char *a_out = xasprintf("--result-file=%s", tmp);
	char *tool = binlog_tool(ctx, nd);
	const char *argv[] = { tool ? tool : "mariadb-binlog", a_cnf, "--read-from-remote-server", a_host, a_port,
			       "--to-last-log", "--base64-output=decode-rows", "--verbose", a_out,
			       first, NULL };
	int rc = run_binlog_tool(argv, nd->name, tmp);
	free(tool);
	if (cnf_fd >= 0)
		close(cnf_fd);
	free(cnf);
	free(a_cnf);
	free(a_host);
	free(a_port);
	free(a_out);
	free(first);
	if (rc >= 0)
		lab_strlcpy(nd->scan_source, "server", sizeof(nd->scan_source));
	nd->scan_partial = rc == 1;
	return rc < 0 ? -1 : 0;
}

/* Read a stopped local node's binlog files from its datadir. */
static int scan_datadir(const struct check_ctx *ctx, struct sb_node *nd, const char *tmp)
{
	if (!ctx->cluster || nd->number > ctx->cluster->spec.nodes)
		return -1;
	const char *dd = node_datadir(ctx->cluster, nd->number);
	if (!dd)
		return -1;
	char *index_path = xasprintf("%s/mysql-bin.index", dd);
	char *index = path_exists(index_path) ? read_file(index_path, NULL) : NULL;
	free(index_path);
	if (!index) {
		lab_error_quiet("%s: no mysql-bin.index in '%s'", nd->name, dd);
		return -1;
	}
	const char **argv = xcalloc(8, sizeof(*argv));
	size_t n = 0, cap = 8;
	char **owned = xcalloc(1, sizeof(*owned));
	size_t n_owned = 0;
	char *tool = binlog_tool(ctx, nd);
	argv[n++] = tool ? tool : "mariadb-binlog";
	argv[n++] = "--no-defaults";
	argv[n++] = "--base64-output=decode-rows";
	argv[n++] = "--verbose";
	char *a_out = xasprintf("--result-file=%s", tmp);
	argv[n++] = a_out;
	char *save = NULL;
	for (char *line = strtok_r(index, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *base = strrchr(line, '/');
		base = base ? base + 1 : line;
		if (!*base)
			continue;
		if (n + 2 >= cap) {
			cap *= 2;
			argv = xrealloc(argv, cap * sizeof(*argv));
		}
		owned = xrealloc(owned, (n_owned + 1) * sizeof(*owned));
		owned[n_owned] = xasprintf("%s/%s", dd, base);
		argv[n++] = owned[n_owned++];
	}
	argv[n] = NULL;
	int rc = n_owned ? run_binlog_tool(argv, nd->name, tmp) : -1;
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	free(owned);
	free(argv);
	free(tool);
	free(a_out);
	free(index);
	if (rc >= 0)
		lab_strlcpy(nd->scan_source, "datadir", sizeof(nd->scan_source));
	nd->scan_partial = rc == 1;
	return rc < 0 ? -1 : 0;
}

static int scan_node(const struct check_ctx *ctx, MYSQL *m, struct sb_node *nd)
{
	/* The decoded binlog goes to an anonymous file: nothing is left in
	 * /tmp when lab is killed half way. */
	char tmp[64];
	int fd = anon_file("lab-binlog", tmp, sizeof(tmp));
	if (fd < 0)
		return -1;
	int rc = m ? scan_remote(ctx, m, nd, tmp) : scan_datadir(ctx, nd, tmp);
	if (rc == 0) {
		binlog_scan_init(&nd->scan, ctx->creds->database ? ctx->creds->database : "bank");
		rc = binlog_scan_file(&nd->scan, tmp);
		nd->scanned = rc == 0;
	}
	close(fd);
	return rc;
}

/* ---- the journal: which transaction wrote a row ---- */

struct jrow {
	uint8_t table;
	char op;
	uint8_t outcome;
	uint16_t node;     /* index into jindex.nodes */
	int64_t first, last;
	int64_t txn;
};

struct jindex {
	struct jrow *r;
	size_t n, cap;
	char **nodes;      /* distinct journal NODE fields */
	size_t n_nodes;
	bool loaded;
};

static int jrow_cmp(const void *x, const void *y)
{
	const struct jrow *a = x, *b = y;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->op != b->op)
		return a->op < b->op ? -1 : 1;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return 0;
}

static uint16_t jindex_node(struct jindex *ji, const char *node)
{
	for (size_t i = 0; i < ji->n_nodes; i++)
		if (!strcmp(ji->nodes[i], node))
			return (uint16_t)i;
	if (ji->n_nodes >= UINT16_MAX)
		return UINT16_MAX;
	ji->nodes = xrealloc(ji->nodes, (ji->n_nodes + 1) * sizeof(*ji->nodes));
	ji->nodes[ji->n_nodes] = xstrdup(node);
	return (uint16_t)ji->n_nodes++;
}

static void jindex_release(struct jindex *ji)
{
	for (size_t i = 0; i < ji->n_nodes; i++)
		free(ji->nodes[i]);
	free(ji->nodes);
	free(ji->r);
	memset(ji, 0, sizeof(*ji));
}

/* Index the inserts and deletes of every journal transaction. Ids are the
 * client's own, so an insert names its transaction; a delete may be claimed
 * by several attempts (a failed one, then an acknowledged one), which the
 * caller tells apart by the node and the other rows. */
static int jindex_load(struct jindex *ji, const char *path)
{
	struct journal_reader *jr = journal_open(path);
	if (!jr)
		return -1;
	struct txn_record rec;
	int rc;
	txn_record_init(&rec);
	while ((rc = journal_next(jr, &rec)) == 1) {
		uint16_t node = jindex_node(ji, rec.node);
		for (size_t i = 0; i < rec.n_rows; i++) {
			const struct row_ref *rr = &rec.rows[i];
			if (rr->op != ROW_INSERT && rr->op != ROW_DELETE)
				continue;
			if (ji->n == ji->cap) {
				ji->cap = ji->cap ? ji->cap * 2 : 1024;
				ji->r = xrealloc(ji->r, ji->cap * sizeof(*ji->r));
			}
			ji->r[ji->n++] = (struct jrow){ rr->table, rr->op, (uint8_t)rec.outcome, node,
							rr->first, rr->last, rec.txn };
		}
	}
	txn_record_release(&rec);
	journal_reader_free(jr);
	if (rc < 0)
		return -1;
	qsort(ji->r, ji->n, sizeof(*ji->r), jrow_cmp);
	ji->loaded = true;
	return 0;
}

/* Every journal row claim covering (table, op, id): calls fn for each. */
static void jindex_each(const struct jindex *ji, uint8_t table, char op, int64_t id,
			void (*fn)(const struct jrow *, void *), void *arg)
{
	size_t lo = 0, hi = ji->n;
	struct jrow key = { .table = table, .op = op, .first = id, .last = id };
	/* past the last entry with (table, op, first) <= key */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (jrow_cmp(&ji->r[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		const struct jrow *r = &ji->r[i];
		if (r->table != table || r->op != op)
			break;
		if (r->first <= id && id <= r->last)
			fn(r, arg);
		if (r->first < id)
			break; /* single rows and ranges never overlap an earlier start */
	}
}

/* Candidates for the journal transaction of one binlog transaction. */
struct cand {
	int64_t txn;
	uint8_t outcome;
	uint16_t node;
	int score;
};

struct cands {
	struct cand v[16];
	size_t n;
};

static void cand_add(const struct jrow *r, void *arg)
{
	struct cands *cs = arg;
	for (size_t i = 0; i < cs->n; i++)
		if (cs->v[i].txn == r->txn) {
			cs->v[i].score++;
			return;
		}
	if (cs->n < ARRAY_SIZE(cs->v))
		cs->v[cs->n++] = (struct cand){ r->txn, r->outcome, r->node, 1 };
}

/* ---- primary / replica ---- */

static const char *outcome_word(int o)
{
	return o >= 0 && o < TXN_OUTCOME_COUNT ? txn_outcome_name((enum txn_outcome)o) : "?";
}

/* Name the errant transactions of nd (its set minus ref's). */
static void report_errant(const struct check_ctx *ctx, struct report *r, struct sb_node *nd,
			  const struct sb_node *ref, struct jindex *ji)
{
	struct gtid_set errant;
	if (gtid_set_subtract(&errant, &nd->scan.set, &ref->scan.set) < 0)
		return;
	/* Transactions the reference's binlogs cannot show any more (at or
	 * below the state its oldest binlog starts from: purged, or a server
	 * set up from a backup) are not compared. */
	if (ref->scan.have_start && ref->scan.start.n && !gtid_set_is_empty(&errant)) {
		struct gtid_set hidden, kept;
		gtid_set_init(&hidden, GTID_MARIADB);
		for (size_t i = 0; i < errant.n; i++) {
			uint32_t server;
			uint64_t seq;
			if (gtid_mpos_get(&ref->scan.start, errant.src[i].domain, &server, &seq) && seq > 0)
				gtid_set_add(&hidden, NULL, errant.src[i].domain, errant.src[i].server, 1, seq);
		}
		if (gtid_set_subtract(&kept, &errant, &hidden) == 0) {
			uint64_t skipped = gtid_set_count(&errant) - gtid_set_count(&kept);
			if (skipped) {
				char *from = gtid_mpos_format(&ref->scan.start);
				note(r, "%s: %" PRIu64 " transactions at or below %s, where the oldest binlog of %s starts, were not compared",
				     nd->name, skipped, from, ref->name);
				free(from);
			}
			gtid_set_release(&errant);
			errant = kept;
		}
		gtid_set_release(&hidden);
	}
	if (gtid_set_is_empty(&errant)) {
		gtid_set_release(&errant);
		return;
	}
	char *ranges = gtid_set_format(&errant);
	uint64_t count = gtid_set_count(&errant);
	int64_t by_outcome[TXN_OUTCOME_COUNT] = { 0 }, unexplained = 0;
	struct strbuf examples = { 0 };
	int shown = 0, max_ex = ctx->max_examples > 0 ? ctx->max_examples : 20;

	if (!ji->loaded && ctx->journal_path)
		jindex_load(ji, ctx->journal_path);
	for (size_t i = 0; i < nd->scan.n_txn; i++) {
		const struct binlog_txn *t = &nd->scan.txn[i];
		if (!gtid_set_contains(&errant, NULL, t->domain, t->server, t->seq))
			continue;
		struct cands cs = { .n = 0 };
		const struct cand *jr = NULL;
		const char *table = "";
		int64_t row_id = -1;
		for (size_t k = 0; k < t->n_rows; k++) {
			const struct binlog_row *br = &nd->scan.row[t->first_row + k];
			enum row_table tb;
			if (row_table_parse(br->table, &tb) < 0)
				continue;
			if (!table[0]) {
				table = br->table;
				row_id = br->id;
			}
			if ((br->op == '+' || br->op == '-') && ji->loaded)
				jindex_each(ji, (uint8_t)tb, br->op, br->id, cand_add, &cs);
		}
		/* The attempt that ran on the node that wrote it (lab's flavors
		 * use the node number as server_id) and claims the most of its
		 * rows. */
		char origin[280];
		if (t->server >= 1 && t->server <= ctx->n_hosts)
			hostport_format(&ctx->hosts[t->server - 1], origin, sizeof(origin));
		else
			lab_strlcpy(origin, nd->hp, sizeof(origin));
		for (size_t k = 0; k < cs.n; k++) {
			const struct cand *cd = &cs.v[k];
			bool here = cd->node < ji->n_nodes && !strcmp(ji->nodes[cd->node], origin);
			bool best_here = jr && jr->node < ji->n_nodes && !strcmp(ji->nodes[jr->node], origin);
			if (!jr || (here && !best_here) || (here == best_here && cd->score > jr->score))
				jr = cd;
		}
		char gtid[80];
		snprintf(gtid, sizeof(gtid), "%u-%u-%" PRIu64, t->domain, t->server, t->seq);
		if (jr) {
			by_outcome[jr->outcome]++;
			add_finding(r, true, "errant-transaction", nd->hp, jr->txn,
				    "%s on %s is not on the primary %s: journal txn %" PRId64
				    ", the client was told '%s'",
				    gtid, nd->name, ref->name, jr->txn, outcome_word(jr->outcome));
			if (shown++ < max_ex)
				sb_printf(&examples, "%s%s=txn %" PRId64 " (%s)", shown > 1 ? ", " : "", gtid,
					  jr->txn, outcome_word(jr->outcome));
		} else {
			unexplained++;
			char what[128];
			if (table[0])
				snprintf(what, sizeof(what), "rows no journal transaction explains (first %s:%" PRId64 ")",
					 table, row_id);
			else
				lab_strlcpy(what, "no bank rows", sizeof(what));
			add_finding(r, true, "errant-transaction", nd->hp, -1, "%s on %s is not on the primary %s: %s",
				    gtid, nd->name, ref->name, what);
			if (shown++ < max_ex)
				sb_printf(&examples, "%s%s=no journal txn", shown > 1 ? ", " : "", gtid);
		}
	}
	add_finding(r, true, "errant-gtid", nd->hp, -1,
		    "%s holds %" PRIu64 " transaction%s the primary %s lacks: %s", nd->name, count,
		    count == 1 ? "" : "s", ref->name, ranges);
	note(r, "%s: %" PRIu64 " errant transaction%s %s (not on the primary %s); client saw: ok %" PRId64
	     ", failed %" PRId64 ", unknown %" PRId64 ", not in the journal %" PRId64 "%s%s%s",
	     nd->name, count, count == 1 ? "" : "s", ranges, ref->name, by_outcome[TXN_OK],
	     by_outcome[TXN_FAILED], by_outcome[TXN_UNKNOWN], unexplained,
	     ctx->journal_path ? "" : " (no journal given)", examples.len ? "\n  " : "",
	     examples.len ? examples.buf : "");
	if (by_outcome[TXN_OK])
		note(r, "%s: %" PRId64 " acknowledged commits are missing on the primary %s", nd->name,
		     by_outcome[TXN_OK], ref->name);
	sb_release(&examples);
	free(ranges);
	gtid_set_release(&errant);
}

/* The primary the cluster's flavor holds to (a cluster lab runs), else 0. */
static int designated_primary(const struct check_ctx *ctx, size_t n)
{
	int p = ctx->cluster ? cluster_primary(ctx->cluster) : 0;

	return p >= 1 && (size_t)p <= n ? p : 0;
}

static int check_async(const struct check_ctx *ctx, struct report *r, struct sb_node *nd, size_t n)
{
	int designated = designated_primary(ctx, n);
	int writable = 0, primary = 0;
	for (size_t i = 0; i < n; i++)
		if (nd[i].reachable && nd[i].read_only == 0)
			writable++;
	if (designated && nd[designated - 1].reachable && nd[designated - 1].read_only == 0)
		primary = designated;
	else
		for (size_t i = 0; i < n; i++)
			if (nd[i].reachable && nd[i].read_only == 0 && !primary)
				primary = (int)i + 1;
	if (writable > 1) {
		struct strbuf w = { 0 };
		for (size_t i = 0; i < n; i++)
			if (nd[i].reachable && nd[i].read_only == 0)
				sb_printf(&w, "%s%s", w.len ? ", " : "", nd[i].name);
		add_finding(r, true, "multiple-primaries", NULL, -1, "%d writable nodes: %s", writable, w.buf);
		sb_release(&w);
	}
	for (size_t i = 0; i < n; i++) {
		struct sb_node *x = &nd[i];
		if (x->reachable)
			note(r, "%s: %s, gtid_binlog_pos %s, gtid_current_pos %s%s%s%s%s", x->name,
			     x->read_only == 0 ? "writable" : x->has_master ? "replica" : "read-only",
			     x->binlog_pos[0] ? x->binlog_pos : "-", x->current_pos[0] ? x->current_pos : "-",
			     x->has_master ? ", io " : "", x->has_master ? x->io_running : "",
			     x->has_master ? " sql " : "", x->has_master ? x->sql_running : "");
		if (x->reachable && x->has_master && (x->io_errno || x->sql_errno) &&
		    (strcmp(x->io_running, "Yes") || strcmp(x->sql_running, "Yes")))
			add_finding(r, false, "replication-error", x->hp, -1,
				    "%s: io thread %s, sql thread %s, %s error %u: %s", x->name, x->io_running,
				    x->sql_running, x->sql_errno ? "sql" : "io",
				    x->sql_errno ? x->sql_errno : x->io_errno, x->repl_error);
	}
	/* The reference history: the primary's, else (no primary) the longest. */
	int ref = primary;
	if (!ref || !nd[ref - 1].scanned) {
		uint64_t best = 0;
		ref = 0;
		for (size_t i = 0; i < n; i++)
			if (nd[i].scanned && (!ref || gtid_set_count(&nd[i].scan.set) > best)) {
				ref = (int)i + 1;
				best = gtid_set_count(&nd[i].scan.set);
			}
	}
	/* MySQL / Percona: gtid_executed(node) − gtid_executed(primary), as
	 * gh-mysql-rewind computes it; no binlog scan (mariadb-binlog does not
	 * read MySQL GTID events), so no journal mapping. */
	if (!ref && primary && nd[primary - 1].gtid_executed) {
		struct gtid_set pset;
		if (gtid_set_parse(&pset, GTID_MYSQL, nd[primary - 1].gtid_executed) == 0) {
			for (size_t i = 0; i < n; i++) {
				struct gtid_set xset, errant;
				if ((int)i + 1 == primary || !nd[i].gtid_executed ||
				    gtid_set_parse(&xset, GTID_MYSQL, nd[i].gtid_executed) < 0)
					continue;
				if (gtid_set_subtract(&errant, &xset, &pset) == 0 && !gtid_set_is_empty(&errant)) {
					char *txt = gtid_set_format(&errant);
					add_finding(r, true, "errant-gtid", nd[i].hp, -1,
						    "%s holds %" PRIu64 " transactions the primary %s lacks: %s",
						    nd[i].name, gtid_set_count(&errant), nd[primary - 1].name, txt);
					free(txt);
				}
				gtid_set_release(&errant);
				gtid_set_release(&xset);
			}
			gtid_set_release(&pset);
		}
	}
	if (ref) {
		struct jindex ji = { 0 };
		note(r, "reference history: %s (%s), %" PRIu64 " transactions in its binlog", nd[ref - 1].name,
		     ref == primary ? "the primary" : "no primary: the longest history",
		     gtid_set_count(&nd[ref - 1].scan.set));
		for (size_t i = 0; i < n; i++)
			if ((int)i + 1 != ref && nd[i].scanned)
				report_errant(ctx, r, &nd[i], &nd[ref - 1], &ji);
		jindex_release(&ji);
		/* Same seq, different server, by positions (cheap and independent
		 * of the binlog scan). */
		for (size_t i = 0; i < n; i++) {
			if ((int)i + 1 == ref || !nd[i].reachable || !nd[ref - 1].reachable)
				continue;
			struct gtid_mpos a, b;
			struct gtid_mpos_diff *d;
			size_t nd_ = 0;
			if (gtid_mpos_parse(&a, nd[i].current_pos, false) < 0)
				continue;
			if (gtid_mpos_parse(&b, nd[ref - 1].current_pos, false) == 0) {
				if (gtid_mpos_subtract(&a, &b, &d, &nd_) == 0) {
					for (size_t k = 0; k < nd_; k++)
						if (d[k].kind == GTID_DIVERGED)
							add_finding(r, true, "diverged-history", nd[i].hp, -1,
								    "%s and %s both have seq %" PRIu64
								    " of domain %u, written by servers %u and %u",
								    nd[i].name, nd[ref - 1].name, d[k].from,
								    d[k].domain, d[k].a_server, d[k].b_server);
					free(d);
				}
				gtid_mpos_release(&b);
			}
			gtid_mpos_release(&a);
		}
	}
	if (r->split)
		return 2;
	return primary ? 1 : 0;
}

/* ---- galera ---- */

static void galera_offline(const struct check_ctx *ctx, struct sb_node *x)
{
	struct cluster *c = ctx->cluster;
	if (!c || x->number > c->spec.nodes)
		return;
	const char *dd = node_datadir(c, x->number);
	if (dd) {
		char *p = xasprintf("%s/grastate.dat", dd);
		char *text = path_exists(p) ? read_file(p, NULL) : NULL;
		struct grastate g;
		if (text && grastate_parse(text, &g) == 0) {
			x->have_grastate = true;
			lab_strlcpy(x->gra_uuid, g.uuid, sizeof(x->gra_uuid));
			x->gra_seqno = g.seqno;
		}
		free(text);
		free(p);
	}
	const char *log = c->backend && c->backend->node_log_path ? c->backend->node_log_path(c, x->number) : NULL;
	char *text = log && path_exists(log) ? read_file(log, NULL) : NULL;
	if (!text)
		return;
	/* Only the node's last start attempt counts: the log outlives `cluster
	 * down`, a cluster of the same name appends to it, and a node refused
	 * once may have joined since. Each start logs "Starting MariaDB ...";
	 * a refused join is after the last one. */
	const char *from = text;
	for (const char *p = text; (p = strstr(p, "] Starting MariaDB ")) != NULL; p++)
		from = p;
	static const char *const refused[] = { "Reversing history", "seqno ahead", "more events than the primary" };
	const char *hit = NULL;
	for (size_t k = 0; k < ARRAY_SIZE(refused); k++) {
		for (const char *p = from; (p = strstr(p, refused[k])) != NULL; p++) {
			if (!hit || p > hit)
				hit = p;
		}
	}
	if (hit) {
		const char *b = hit;
		while (b > text && b[-1] != '\n')
			b--;
		const char *e = strchr(hit, '\n');
		size_t len = e ? (size_t)(e - b) : strlen(b);
		if (len >= sizeof(x->log_line))
			len = sizeof(x->log_line) - 1;
		memcpy(x->log_line, b, len);
		x->log_line[len] = '\0';
	}
	free(text);
}

static int check_galera(const struct check_ctx *ctx, struct report *r, struct sb_node *nd, size_t n)
{
	/* Primary components. Two Primary nodes are in the same component when
	 * they share state uuid and configuration id, or when one lists the
	 * other among its members (a view change may be half seen). */
	int comp_of[LAB_MAX_NODES > 16 ? LAB_MAX_NODES : 16];
	char comp_uuid[16][64];
	int64_t comp_conf[16];
	size_t n_comp = 0;
	for (size_t i = 0; i < n && i < ARRAY_SIZE(comp_of); i++) {
		struct sb_node *x = &nd[i];
		comp_of[i] = -1;
		if (!x->reachable || strcmp(x->cluster_status, "Primary"))
			continue;
		for (size_t j = 0; j < i && comp_of[i] < 0; j++) {
			struct sb_node *y = &nd[j];
			if (comp_of[j] < 0)
				continue;
			char xh[300], yh[300];
			snprintf(xh, sizeof(xh), "%s:", ctx->hosts[i].host);
			snprintf(yh, sizeof(yh), "%s:", ctx->hosts[j].host);
			if ((!strcmp(x->state_uuid, y->state_uuid) && x->conf_id == y->conf_id) ||
			    strstr(x->members, yh) || strstr(y->members, xh))
				comp_of[i] = comp_of[j];
		}
		if (comp_of[i] < 0 && n_comp < ARRAY_SIZE(comp_uuid)) {
			lab_strlcpy(comp_uuid[n_comp], x->state_uuid, sizeof(comp_uuid[0]));
			comp_conf[n_comp] = x->conf_id;
			comp_of[i] = (int)n_comp++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct sb_node *x = &nd[i];
		if (!x->reachable) {
			galera_offline(ctx, x);
			if (x->have_grastate)
				note(r, "%s: down, grastate.dat uuid %s seqno %" PRId64, x->name, x->gra_uuid, x->gra_seqno);
		} else {
			galera_offline(ctx, x); /* the log may tell of an earlier refused join */
			note(r, "%s: %s, %s, state uuid %s, conf %" PRId64 ", size %" PRId64 ", last committed %" PRId64,
			     x->name, x->cluster_status[0] ? x->cluster_status : "-",
			     x->local_state[0] ? x->local_state : "-", x->state_uuid, x->conf_id, x->cluster_size,
			     x->last_committed);
		}
		if (x->log_line[0])
			add_finding(r, true, "diverged-history", x->hp, -1, "%s refused to join: %s", x->name,
				    x->log_line);
	}
	if (n_comp > 1) {
		struct strbuf sb = { 0 };
		for (size_t k = 0; k < n_comp; k++) {
			sb_printf(&sb, "%s[", k ? ", " : "");
			for (size_t i = 0, first = 1; i < n && i < ARRAY_SIZE(comp_of); i++)
				if (comp_of[i] == (int)k) {
					sb_printf(&sb, "%snode %d", first ? "" : " ", nd[i].number);
					first = 0;
				}
			sb_printf(&sb, "] state uuid %s conf %" PRId64, comp_uuid[k], comp_conf[k]);
		}
		add_finding(r, true, "multiple-primaries", NULL, -1, "%zu Primary components: %s", n_comp, sb.buf);
		sb_release(&sb);
	}
	/* A node whose history is another cluster's: a different state uuid than
	 * the Primary component's (reachable, or from grastate.dat). */
	if (n_comp == 1) {
		for (size_t i = 0; i < n; i++) {
			struct sb_node *x = &nd[i];
			const char *u = x->reachable ? x->state_uuid : x->have_grastate ? x->gra_uuid : "";
			if (!u[0] || !strcmp(u, comp_uuid[0]) ||
			    !strcmp(u, "00000000-0000-0000-0000-000000000000"))
				continue;
			add_finding(r, true, "diverged-history", x->hp, -1,
				    "%s has state uuid %s, the Primary component %s", x->name, u, comp_uuid[0]);
		}
	}
	if (r->split)
		return 2;
	return n_comp == 1 ? 1 : 0;
}

/* ---- the checker ---- */

/* A finding the gtid view reports: a history the reference does not have. */
static bool gtid_kind(const char *kind)
{
	return !strcmp(kind, "errant-gtid") || !strcmp(kind, "errant-transaction") ||
	       !strcmp(kind, "diverged-history");
}

/* The analysis, then the split-brain verdict (primary | no-primary |
 * split-brain-detected), or with gtid_only the gtid checker's: fail when a
 * node holds transactions the reference history lacks, else pass. */
static int analyse(const struct check_ctx *ctx, struct check_result *res, bool gtid_only)
{
	const char *checker = gtid_only ? "gtid" : CHECKER;
	size_t n = ctx->n_hosts;
	struct sb_node *nd = xcalloc(n ? n : 1, sizeof(*nd));
	struct report r = { .ctx = ctx };
	int galera = 0, async = 0;
	int64_t t0 = mono_ns();

	memset(res, 0, sizeof(*res));
	MYSQL **conn = xcalloc(n ? n : 1, sizeof(*conn));
	for (size_t i = 0; i < n; i++) {
		struct sb_node *x = &nd[i];
		x->number = (int)i + 1;
		hostport_format(&ctx->hosts[i], x->hp, sizeof(x->hp));
		snprintf(x->name, sizeof(x->name), "node %d (%s)", x->number, x->hp);
		MYSQL *m = conn[i] = db_connect(&ctx->hosts[i], ctx->creds, 5, 60, 0);
		if (m) {
			x->reachable = true;
			char *w = db_variable(m, "wsrep_on");
			x->galera = w && !strcasecmp(w, "ON");
			free(w);
			if (x->galera) {
				galera++;
				read_galera(m, x);
			} else {
				async++;
				read_async(m, x);
			}
		} else {
			add_finding(&r, false, "node-unreachable", x->hp, -1, "%s: %s", x->name, lab_last_error());
		}
	}
	/* Binlogs: read-only nodes first, writable ones last (the designated
	 * primary at the very end). Under a running workload a replica read
	 * after the primary would hold the primary's newest transactions,
	 * which would then look errant; read in this order, everything a
	 * replica received is already in the primary's binlog. */
	int designated = designated_primary(ctx, n);
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < n; i++) {
			struct sb_node *x = &nd[i];
			int rank = x->read_only != 0 ? 0 : x->number == designated ? 2 : 1;
			if (rank != pass || !conn[i] || x->galera || x->gtid_executed)
				continue;
			if (scan_node(ctx, conn[i], x) < 0)
				note(&r, "%s: binlog not read: %s", x->name, lab_last_error());
			else if (x->scan_partial)
				note(&r, "%s: binlog read up to a partial event a crash left at its end", x->name);
		}
	for (size_t i = 0; i < n; i++)
		if (conn[i])
			mysql_close(conn[i]);
	free(conn);
	/* A stopped node of a replication cluster lab runs: its binlog files. */
	bool cluster_galera = ctx->cluster && ctx->cluster->flavor &&
			      !strcmp(flavor_name(ctx->cluster->flavor), "galera");
	if (!galera && !cluster_galera)
		for (size_t i = 0; i < n; i++)
			if (!nd[i].reachable && ctx->cluster) {
				if (scan_node(ctx, NULL, &nd[i]) == 0)
					note(&r, "%s: down; its binlog was read from the datadir%s", nd[i].name,
					     nd[i].scan_partial ? ", up to a partial event a crash left at its end" : "");
			}
	int verdict; /* 0 no primary, 1 primary, 2 split brain */
	if (galera || cluster_galera)
		verdict = check_galera(ctx, &r, nd, n);
	else
		verdict = check_async(ctx, &r, nd, n);
	if (galera && async)
		note(&r, "%d galera and %d non-galera nodes: compared as galera", galera, async);

	lab_strlcpy(res->actual, verdict == 2 ? "split-brain-detected" : verdict == 1 ? "primary" : "no-primary",
		    sizeof(res->actual));
	res->anomalies = r.findings;
	if (gtid_only) {
		res->anomalies = 0;
		for (size_t i = 0; i < r.n; i++)
			if (gtid_kind(r.f[i].kind))
				res->anomalies++;
		/* No history read, no verdict on it: a node that has a binlog
		 * (gtid_binlog_pos set) but whose binlog could not be read
		 * leaves the check undone; with fewer than two histories there
		 * is nothing to compare. */
		size_t unread = 0, histories = 0;
		for (size_t i = 0; i < n; i++) {
			if (!nd[i].reachable || nd[i].galera)
				continue;
			if (nd[i].scanned || nd[i].gtid_executed)
				histories++;
			else if (nd[i].binlog_pos[0])
				unread++;
		}
		const char *v = galera || cluster_galera ? "skip"
				: res->anomalies		  ? "fail"
				: unread			  ? "broken"
				: histories < 2			  ? "skip"
								  : "pass";
		lab_strlcpy(res->actual, v, sizeof(res->actual));
		if (!strcmp(v, "broken"))
			note(&r, "%zu node%s with a binlog that could not be read: no verdict", unread,
			     unread == 1 ? "" : "s");
		else if (histories < 2 && !galera && !cluster_galera && !res->anomalies)
			note(&r, "%zu GTID histor%s (binlogs) to compare: nothing to judge", histories,
			     histories == 1 ? "y" : "ies");
		if (galera || cluster_galera)
			note(&r, "a galera cluster: no primary/replica GTID histories to compare");
	}

	/* Store and print. */
	if (ctx->db) {
		resultsdb_begin(ctx->db);
		for (size_t i = 0; i < r.n; i++)
			if (!gtid_only || gtid_kind(r.f[i].kind) || !strcmp(r.f[i].kind, "node-unreachable"))
				resultsdb_anomaly(ctx->db, ctx->run_id, checker, r.f[i].kind, NULL, -1, r.f[i].txn,
						  r.f[i].node[0] ? r.f[i].node : NULL, r.f[i].detail);
		resultsdb_commit(ctx->db);
	}
	struct strbuf sum = { 0 };
	sb_printf(&sum, "%s: %s (%s, %zu nodes, %.1f s)", checker, res->actual,
		  galera || cluster_galera ? "galera" : "primary/replica", n, (mono_ns() - t0) / 1e9);
	if (r.notes.len) {
		sb_puts(&sum, "\n  ");
		for (const char *p = r.notes.buf; *p; p++) {
			sb_add(&sum, p, 1);
			if (*p == '\n' && p[1])
				sb_puts(&sum, "  ");
		}
	}
	int max_ex = ctx->max_examples > 0 ? ctx->max_examples : 20, shown = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (!strcmp(r.f[i].kind, "errant-transaction"))
			continue; /* summarised per node in the notes */
		if (gtid_only && !gtid_kind(r.f[i].kind) && strcmp(r.f[i].kind, "node-unreachable"))
			continue;
		if (shown++ >= max_ex)
			break;
		sb_printf(&sum, "%s%s: %s", sum.len && sum.buf[sum.len - 1] == '\n' ? "  " : "\n  ", r.f[i].kind,
			  r.f[i].detail);
	}
	while (sum.len && sum.buf[sum.len - 1] == '\n')
		sum.buf[--sum.len] = '\0';
	if (ctx->out)
		fprintf(ctx->out, "%s\n", sum.buf);
	res->summary = sb_detach(&sum);

	for (size_t i = 0; i < n; i++) {
		if (nd[i].scanned)
			binlog_scan_release(&nd[i].scan);
		free(nd[i].gtid_executed);
	}
	for (size_t i = 0; i < r.n; i++)
		free(r.f[i].detail);
	free(r.f);
	sb_release(&r.notes);
	free(nd);
	return 0;
}

static int split_brain_run(const struct check_ctx *ctx, struct check_result *res)
{
	return analyse(ctx, res, false);
}

static int gtid_run(const struct check_ctx *ctx, struct check_result *res)
{
	return analyse(ctx, res, true);
}

static const char *const split_brain_values[] = { "primary", "no-primary", "split-brain-detected", "any", NULL };
static const char *const replication_flavors[] = { "async", "semisync", NULL };

const struct checker_ops checker_split_brain = {
	.name = CHECKER,
	.help = "one primary, no errant GTIDs (with the journal transactions they carry), "
		"galera components and refused joins",
	.expect_key = "cluster",
	.expect_values = split_brain_values,
	.expect_default = "any",
	.run = split_brain_run,
};

/* The same analysis seen from the histories alone: does any node hold
 * transactions the primary's history (or, with no primary, the longest)
 * lacks? Errant GTID ranges, the journal transactions they carry, equal
 * sequence numbers written by different servers. */
const struct checker_ops checker_gtid = {
	.name = "gtid",
	.help = "no errant GTIDs: every node's binlog history is within the primary's (async, semisync)",
	.expect_default = "pass",
	.flavors = replication_flavors,
	.run = gtid_run,
};
