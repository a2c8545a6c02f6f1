/*
 * bank_schema.c — the bank's tables (docs/bank-workload.md) and the
 * initial load: N customers, each with one opening credit row, and M
 * products, inserted with multi-row INSERTs in batches of LOAD_BATCH rows,
 * each batch one transaction journaled as a `load` record with id ranges.
 * The load goes to the first host that answers and is not read-only.
 * Also attaching to an existing schema (--no-load): products, live
 * customers and the largest id in use, from which the run's id prefix is
 * chosen (workload.h).
 *
 * The secondary indexes (customer_id, purchase_id) are not in the contract's
 * column list; they keep delete_customer and the checkers' per-customer
 * sums from scanning whole tables.
 */
#include "lab_meta.h"
#include "wl_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define LOAD_BATCH 1000

static const char *const drop_sql[] = {
	"DROP TABLE IF EXISTS purchase_item",
	"DROP TABLE IF EXISTS purchase",
	"DROP TABLE IF EXISTS credit",
	"DROP TABLE IF EXISTS customer",
	"DROP TABLE IF EXISTS product",
};

static const char *const create_sql[] = {
	"CREATE TABLE customer (id BIGINT PRIMARY KEY, name VARCHAR(20), credit BIGINT NOT NULL,"
	" address VARCHAR(16)) ENGINE=InnoDB",
	"CREATE TABLE credit (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL,"
	" amount BIGINT NOT NULL, KEY credit_customer (customer_id)) ENGINE=InnoDB",
	"CREATE TABLE purchase (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL,"
	" cost BIGINT NOT NULL, weight BIGINT NOT NULL, KEY purchase_customer (customer_id))"
	" ENGINE=InnoDB",
	"CREATE TABLE purchase_item (id BIGINT PRIMARY KEY, purchase_id BIGINT NOT NULL,"
	" product_id BIGINT NOT NULL, quantity INT NOT NULL, price BIGINT NOT NULL,"
	" KEY item_purchase (purchase_id)) ENGINE=InnoDB",
	"CREATE TABLE product (id BIGINT PRIMARY KEY, name VARCHAR(20), price BIGINT NOT NULL,"
	" weight INT NOT NULL) ENGINE=InnoDB",
};

/* A database name goes into SQL text: only plain identifiers. */
static bool plain_identifier(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '$'))
			return false;
	return true;
}

MYSQL *bank_admin_connect(struct workload *w, bool create_db, char *node, size_t node_size)
{
	const struct workload_opts *o = &w->opts;
	struct strbuf why = { 0 };

	if (!plain_identifier(o->creds->database)) {
		lab_error("--database: '%s' is not a plain identifier ([A-Za-z0-9_$], at most 64)",
			  o->creds->database);
		return NULL;
	}
	for (size_t i = 0; i < o->n_hosts; i++) {
		MYSQL *db = db_connect(&o->hosts[i], o->creds, o->connect_timeout_s,
				       o->rw_timeout_s * 6, !create_db);
		char sql[160];

		if (!db) {
			sb_printf(&why, "%s%s", why.len ? "; " : "", lab_last_error());
			continue;
		}
		hostport_format(&o->hosts[i], node, node_size);
		if (create_db) {
			/* The load writes: a read-only node (an async replica)
			 * is not the place, even for a user it would let write. */
			char *ro = db_query_value(db, "SELECT @@global.read_only", NULL);
			bool read_only = ro && strcmp(ro, "0") != 0;
			free(ro);
			if (read_only) {
				sb_printf(&why, "%s%s is read-only", why.len ? "; " : "", node);
				mysql_close(db);
				continue;
			}
			snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS `%s`", o->creds->database);
			if (db_exec(db, sql) < 0 && mysql_errno(db) != 1044 && mysql_errno(db) != 1007) {
				sb_printf(&why, "%s%s", why.len ? "; " : "", lab_last_error());
				mysql_close(db);
				continue;
			}
			if (mysql_select_db(db, o->creds->database)) {
				sb_printf(&why, "%scannot use database '%s' on %s: %s", why.len ? "; " : "",
					  o->creds->database, node, mysql_error(db));
				mysql_close(db);
				continue;
			}
			/* The load drops the tables: only lab's own (or --recreate). */
			if (lab_meta_check(db, o->creds->database, o->recreate) < 0) {
				mysql_close(db);
				sb_release(&why);
				return NULL;
			}
		}
		sb_release(&why);
		return db;
	}
	lab_error("no host answered: %s", why.buf ? why.buf : "no hosts");
	sb_release(&why);
	return NULL;
}

static int exec_or_report(MYSQL *db, const char *sql, const char *node)
{
	if (db_exec(db, sql) < 0) {
		lab_error("load on %s failed: %s", node, lab_last_error());
		return -1;
	}
	return 0;
}

int bank_load(struct workload *w, MYSQL *db, const char *node)
{
	const struct workload_opts *o = &w->opts;
	struct lab_rng rng;
	struct strbuf a = { 0 }, b = { 0 };
	struct txn_record rec;
	int64_t n_cust = o->customers, n_prod = o->products;
	/* Thread 0's counter: products, customers, their credits, then one
	 * transaction id per batch. */
	uint32_t c_prod = 1, c_cust = (uint32_t)(1 + n_prod), c_cred = (uint32_t)(1 + n_prod + n_cust);
	uint32_t c_txn = (uint32_t)(1 + n_prod + 2 * n_cust);
	int rc = -1;

	if ((uint64_t)(n_prod + 2 * n_cust + n_cust / LOAD_BATCH + n_prod / LOAD_BATCH + 4) >=
	    (1u << WL_ID_COUNTER_BITS)) {
		lab_error("--customers/--products: too many rows for one load (at most ~%u)",
			  (1u << WL_ID_COUNTER_BITS) / 2);
		return -1;
	}
	rng_init(&rng, o->seed, 0);
	txn_record_init(&rec);
	for (size_t i = 0; i < ARRAY_SIZE(drop_sql); i++)
		if (exec_or_report(db, drop_sql[i], node) < 0)
			goto out;
	for (size_t i = 0; i < ARRAY_SIZE(create_sql); i++)
		if (exec_or_report(db, create_sql[i], node) < 0)
			goto out;
	if (lab_meta_mark(db, "bank", "customer,credit,purchase,purchase_item,product") < 0)
		goto out;
	if (exec_or_report(db, "SET autocommit=0", node) < 0)
		goto out;

	w->products = xcalloc((size_t)(n_prod ? n_prod : 1), sizeof(*w->products));
	w->n_products = (size_t)n_prod;
	for (int64_t done = 0; done < n_prod; done += LOAD_BATCH) {
		int64_t n = n_prod - done < LOAD_BATCH ? n_prod - done : LOAD_BATCH;
		int64_t first = workload_id(w->prefix, 0, c_prod);

		sb_reset(&a);
		sb_puts(&a, "INSERT INTO product (id, name, price, weight) VALUES ");
		for (int64_t i = 0; i < n; i++) {
			struct wl_product *p = &w->products[done + i];
			p->id = workload_id(w->prefix, 0, c_prod++);
			p->price = rng_range(&rng, 1, 100);
			p->weight = rng_range(&rng, 1, 50);
			sb_printf(&a, "%s(%" PRId64 ",'product %" PRId64 "',%" PRId64 ",%" PRId64 ")",
				  i ? "," : "", p->id, done + i + 1, p->price, p->weight);
		}
		txn_record_reset(&rec);
		rec.txn = workload_id(w->prefix, 0, c_txn++);
		rec.kind = TXN_LOAD;
		lab_strlcpy(rec.node, node, sizeof(rec.node));
		rec.start_ns = mono_ns();
		txn_add_row(&rec, ROW_INSERT, TBL_PRODUCT, first, first + n - 1);
		if (exec_or_report(db, a.buf, node) < 0 || exec_or_report(db, "COMMIT", node) < 0)
			goto out;
		rec.end_ns = mono_ns();
		rec.outcome = TXN_OK;
		journal_append(w->journal, &rec);
	}

	w->pool.n = (size_t)(n_cust * 2 + 16);
	w->pool.slot = xcalloc(w->pool.n, sizeof(*w->pool.slot));
	for (int64_t done = 0; done < n_cust; done += LOAD_BATCH) {
		int64_t n = n_cust - done < LOAD_BATCH ? n_cust - done : LOAD_BATCH;
		int64_t first_cust = workload_id(w->prefix, 0, c_cust);
		int64_t first_cred = workload_id(w->prefix, 0, c_cred);

		sb_reset(&a);
		sb_reset(&b);
		sb_puts(&a, "INSERT INTO customer (id, name, credit, address) VALUES ");
		sb_puts(&b, "INSERT INTO credit (id, customer_id, amount) VALUES ");
		for (int64_t i = 0; i < n; i++) {
			int64_t cust = workload_id(w->prefix, 0, c_cust++);
			int64_t cred = workload_id(w->prefix, 0, c_cred++);
			int64_t amount = rng_range(&rng, 1000, 10000);
			sb_printf(&a, "%s(%" PRId64 ",'customer %" PRId64 "',%" PRId64 ",'street %" PRId64 "')",
				  i ? "," : "", cust, done + i + 1, amount, rng_range(&rng, 1, 9999));
			sb_printf(&b, "%s(%" PRId64 ",%" PRId64 ",%" PRId64 ")", i ? "," : "", cred, cust, amount);
			atomic_store(&w->pool.slot[done + i], cust);
		}
		txn_record_reset(&rec);
		rec.txn = workload_id(w->prefix, 0, c_txn++);
		rec.kind = TXN_LOAD;
		lab_strlcpy(rec.node, node, sizeof(rec.node));
		rec.start_ns = mono_ns();
		txn_add_row(&rec, ROW_INSERT, TBL_CUSTOMER, first_cust, first_cust + n - 1);
		txn_add_row(&rec, ROW_INSERT, TBL_CREDIT, first_cred, first_cred + n - 1);
		if (exec_or_report(db, a.buf, node) < 0 || exec_or_report(db, b.buf, node) < 0 ||
		    exec_or_report(db, "COMMIT", node) < 0)
			goto out;
		rec.end_ns = mono_ns();
		rec.outcome = TXN_OK;
		journal_append(w->journal, &rec);
	}
	rc = 0;
out:
	txn_record_release(&rec);
	sb_release(&a);
	sb_release(&b);
	return rc;
}

static int64_t str_i64(const char *s)
{
	int64_t v = 0;

	if (s)
		parse_int64(s, INT64_MIN, INT64_MAX, &v);
	return v;
}

int bank_attach(struct workload *w, MYSQL *db, int64_t *max_id)
{
	const struct workload_opts *o = &w->opts;
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *v;
	int err = 0;
	size_t n = 0;
	const char *max_sql =
		"SELECT GREATEST((SELECT COALESCE(MAX(id),0) FROM customer),"
		" (SELECT COALESCE(MAX(id),0) FROM credit), (SELECT COALESCE(MAX(id),0) FROM purchase),"
		" (SELECT COALESCE(MAX(id),0) FROM purchase_item), (SELECT COALESCE(MAX(id),0) FROM product))";

	v = db_query_value(db, max_sql, &err);
	if (err) {
		lab_error("no bank schema in database '%s' (run once without --no-load): %s",
			  o->creds->database, lab_last_error());
		return -1;
	}
	*max_id = str_i64(v);
	free(v);

	if (mysql_query(db, "SELECT id, price, weight FROM product ORDER BY id") ||
	    !(res = mysql_store_result(db))) {
		lab_error("cannot read the products: %s", mysql_error(db));
		return -1;
	}
	w->n_products = (size_t)mysql_num_rows(res);
	w->products = xcalloc(w->n_products ? w->n_products : 1, sizeof(*w->products));
	while ((row = mysql_fetch_row(res)) && n < w->n_products) {
		w->products[n].id = str_i64(row[0]);
		w->products[n].price = str_i64(row[1]);
		w->products[n].weight = str_i64(row[2]);
		n++;
	}
	mysql_free_result(res);
	if (!w->n_products) {
		lab_error("the product table in '%s' is empty: run without --no-load", o->creds->database);
		return -1;
	}

	w->pool.n = (size_t)(o->customers * 2 + 16);
	w->pool.slot = xcalloc(w->pool.n, sizeof(*w->pool.slot));
	{
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT id FROM customer ORDER BY id LIMIT %zu", w->pool.n / 2);
		if (mysql_query(db, sql) || !(res = mysql_store_result(db))) {
			lab_error("cannot read the customers: %s", mysql_error(db));
			return -1;
		}
	}
	n = 0;
	while ((row = mysql_fetch_row(res)) && n < w->pool.n)
		atomic_store(&w->pool.slot[n++], str_i64(row[0]));
	mysql_free_result(res);
	return 0;
}

int bank_setup(struct workload *w, MYSQL *db, const char *node)
{
	const struct workload_opts *o = &w->opts;
	int64_t max_id = 0;

	if (o->load) {
		w->prefix = workload_choose_prefix(wall_seconds(), 0);
		lab_info("loading %" PRId64 " customers and %" PRId64 " products on %s", o->customers,
			 o->products, node);
		return bank_load(w, db, node);
	}
	if (bank_attach(w, db, &max_id) < 0)
		return -1;
	w->prefix = workload_choose_prefix(wall_seconds(), max_id);
	return 0;
}
