/*
 * cmd_workload.c — the `lab workload` verb: runs a workload (the bank, or
 * with --workload append the list-append workload; workloads/workload.h)
 * alone against any cluster for a duration, with a
 * progress line on a terminal, optional per-second lines on stdout, and a
 * final summary; Ctrl-C stops it cleanly (the transactions in flight end,
 * the journal is flushed and closed).
 *
 * The load drops and re-creates the bank's tables only in a database that
 * is empty or carries lab's mark (lab_meta.h), unless --recreate.
 *
 * Exit: 0 the workload ran (whatever the cluster answered: failed and
 * unknown transactions are data, not harness errors); 2 bad options, no
 * host reachable for the set-up, the journal could not be written, or not
 * one transaction committed.
 */
#include "commands.h"
#include "dbconn.h"
#include "util.h"
#include "append.h"
#include "workload.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define bad_option(...) lab_usage_error("workload", __VA_ARGS__)

struct progress {
	bool tty;        /* stderr is a terminal: one updating line */
	bool per_second; /* --per-second: one line per second on stdout */
	int64_t t0;
};

static void on_second(void *arg, const struct workload_second *s)
{
	struct progress *p = arg;

	if (!p->t0)
		p->t0 = s->t;
	if (p->per_second) {
		printf("second %" PRId64 " ok %" PRId64 " failed %" PRId64 " unknown %" PRId64
		       " p50 %.2f p95 %.2f p99 %.2f\n", s->t, s->ok, s->failed, s->unknown, s->p50_ms,
		       s->p95_ms, s->p99_ms);
		fflush(stdout);
	}
	if (p->tty)
		fprintf(stderr, "\r[%4" PRId64 " s] ok %6" PRId64 "/s  failed %5" PRId64 "/s  unknown %4" PRId64
			"/s  p50 %6.2f  p95 %6.2f  p99 %6.2f ms ", s->t - p->t0 + 1, s->ok, s->failed,
			s->unknown, s->p50_ms, s->p95_ms, s->p99_ms);
}

static int parse_seconds(const char *opt, const char *v, int *out)
{
	int64_t ms;

	if (parse_duration_ms(v, &ms) < 0 || ms < 1000 || ms > 3600000) {
		lab_error("%s: '%s' is not a duration of 1s..1h", opt, v);
		return -1;
	}
	*out = (int)((ms + 999) / 1000);
	return 0;
}

enum {
	OPT_CUSTOMERS = 256, OPT_PRODUCTS, OPT_MIX, OPT_UPDATE_STYLE, OPT_LOCK, OPT_CONNECT_TIMEOUT,
	OPT_READ_TIMEOUT, OPT_NO_LOAD, OPT_USER, OPT_DATABASE, OPT_DEFAULTS_FILE, OPT_PER_SECOND,
	OPT_WORKLOAD, OPT_KEYS, OPT_OPS_PER_TXN, OPT_READ_RATIO, OPT_APPENDS_PER_KEY, OPT_ISOLATION,
	OPT_SYNC_WAIT,
	OPT_RECREATE,
};

static const struct option long_opts[] = {
	{ "hosts", required_argument, NULL, 'H' },
	{ "threads", required_argument, NULL, 't' },
	{ "duration", required_argument, NULL, 'd' },
	{ "journal", required_argument, NULL, 'j' },
	{ "rate", required_argument, NULL, 'r' },
	{ "seed", required_argument, NULL, 's' },
	{ "customers", required_argument, NULL, OPT_CUSTOMERS },
	{ "products", required_argument, NULL, OPT_PRODUCTS },
	{ "mix", required_argument, NULL, OPT_MIX },
	{ "update-style", required_argument, NULL, OPT_UPDATE_STYLE },
	{ "lock", required_argument, NULL, OPT_LOCK },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "read-timeout", required_argument, NULL, OPT_READ_TIMEOUT },
	{ "no-load", no_argument, NULL, OPT_NO_LOAD },
	{ "user", required_argument, NULL, OPT_USER },
	{ "database", required_argument, NULL, OPT_DATABASE },
	{ "defaults-file", required_argument, NULL, OPT_DEFAULTS_FILE },
	{ "per-second", no_argument, NULL, OPT_PER_SECOND },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "ops-per-txn", required_argument, NULL, OPT_OPS_PER_TXN },
	{ "read-ratio", required_argument, NULL, OPT_READ_RATIO },
	{ "appends-per-key", required_argument, NULL, OPT_APPENDS_PER_KEY },
	{ "isolation", required_argument, NULL, OPT_ISOLATION },
	{ "sync-wait", required_argument, NULL, OPT_SYNC_WAIT },
	{ "recreate", no_argument, NULL, OPT_RECREATE },
	{ NULL, 0, NULL, 0 },
};

int cmd_workload(int argc, char **argv)
{
	struct workload_opts o;
	struct workload_totals t;
	struct workload *w;
	struct progress prog = { 0 };
	struct hostport *hosts = NULL;
	size_t n_hosts = 0;
	struct lab_creds creds;
	const char *hosts_arg = NULL, *user = NULL, *database = NULL, *defaults_file = NULL;
	int64_t duration_ms = 60000, v, deadline;
	bool seed_given = false, append_given = false, bank_given = false;
	int opt, rc = LAB_EXIT_BROKEN;

	workload_opts_defaults(&o);
	o.journal_path = "lab-workload.journal";
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'H': hosts_arg = optarg; break;
		case 't':
			if (parse_int64(optarg, 1, WL_MAX_THREADS, &v) < 0)
				return bad_option("--threads: '%s' is not a number in 1..%d",
						       optarg, WL_MAX_THREADS);
			o.threads = (int)v;
			break;
		case 'd':
			if (parse_duration_ms(optarg, &duration_ms) < 0 || duration_ms < 0)
				return bad_option("--duration: '%s' is not a duration (e.g. 60s, 5m)",
						       optarg);
			break;
		case 'j': o.journal_path = optarg; break;
		case 'r': {
			char *end;
			o.rate = strtod(optarg, &end);
			if (end == optarg || *end || o.rate < 0 || o.rate > 1e7)
				return bad_option("--rate: '%s' is not a rate in 0..1e7", optarg);
			break;
		}
		case 's':
			if (parse_int64(optarg, 0, INT64_MAX, &v) < 0)
				return bad_option("--seed: '%s' is not a number >= 0", optarg);
			o.seed = (uint64_t)v;
			seed_given = true;
			break;
		case OPT_CUSTOMERS:
			bank_given = true;
			if (parse_int64(optarg, 2, 10000000, &o.customers) < 0)
				return bad_option("--customers: '%s' is not a number in 2..10000000",
						       optarg);
			break;
		case OPT_PRODUCTS:
			bank_given = true;
			if (parse_int64(optarg, 1, 1000000, &o.products) < 0)
				return bad_option("--products: '%s' is not a number in 1..1000000",
						       optarg);
			break;
		case OPT_MIX:
			bank_given = true;
			if (workload_mix_parse(optarg, &o.mix) < 0)
				return LAB_EXIT_BROKEN;
			break;
		case OPT_UPDATE_STYLE:
			bank_given = true;
			if (!strcmp(optarg, "relative"))
				o.update_style = UPDATE_RELATIVE;
			else if (!strcmp(optarg, "read_modify_write"))
				o.update_style = UPDATE_READ_MODIFY_WRITE;
			else
				return bad_option("--update-style: '%s' is not relative or read_modify_write",
						       optarg);
			break;
		case OPT_LOCK:
			bank_given = true;
			if (!strcmp(optarg, "none"))
				o.lock = LOCK_NONE;
			else if (!strcmp(optarg, "for_update"))
				o.lock = LOCK_FOR_UPDATE;
			else
				return bad_option("--lock: '%s' is not none or for_update", optarg);
			break;
		case OPT_CONNECT_TIMEOUT:
			if (parse_seconds("--connect-timeout", optarg, &o.connect_timeout_s) < 0)
				return LAB_EXIT_BROKEN;
			break;
		case OPT_READ_TIMEOUT:
			if (parse_seconds("--read-timeout", optarg, &o.rw_timeout_s) < 0)
				return LAB_EXIT_BROKEN;
			break;
		case OPT_NO_LOAD: o.load = false; break;
		case OPT_USER: user = optarg; break;
		case OPT_DATABASE: database = optarg; break;
		case OPT_DEFAULTS_FILE: defaults_file = optarg; break;
		case OPT_PER_SECOND: prog.per_second = true; break;
		case OPT_WORKLOAD:
			if (!workload_known(optarg))
				return bad_option("--workload: '%s' is not %s", optarg, workload_names());
			o.workload = optarg;
			break;
		case OPT_KEYS:
			if (parse_int64(optarg, 1, 100000, &o.append.keys) < 0)
				return bad_option("--keys: '%s' is not a number in 1..100000", optarg);
			append_given = true;
			break;
		case OPT_OPS_PER_TXN:
			if (append_ops_range_parse(optarg, &o.append.ops_min, &o.append.ops_max) < 0)
				return lab_usage_error("workload", "%s", lab_last_error());
			append_given = true;
			break;
		case OPT_READ_RATIO:
			if (append_ratio_parse(optarg, &o.append.read_ratio) < 0)
				return lab_usage_error("workload", "%s", lab_last_error());
			append_given = true;
			break;
		case OPT_APPENDS_PER_KEY:
			if (parse_int64(optarg, 1, 65535, &v) < 0)
				return bad_option("--appends-per-key: '%s' is not a number in 1..65535", optarg);
			o.append.appends_per_key = (int)v;
			append_given = true;
			break;
		case OPT_ISOLATION:
			if (workload_isolation_parse(optarg, &o.isolation) < 0)
				return bad_option("--isolation: '%s' is not serializable, repeatable-read,"
						  " read-committed, read-uncommitted or server", optarg);
			break;
		case OPT_SYNC_WAIT:
			if (parse_int64(optarg, 0, 15, &v) < 0)
				return bad_option("--sync-wait: '%s' is not a number in 0..15", optarg);
			o.sync_wait = (int)v;
			break;
		case OPT_RECREATE: o.recreate = true; break;
		default:
			return bad_option("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_option("unexpected argument '%s'", argv[optind]);
	if (!hosts_arg)
		return bad_option("--hosts is required");
	if (append_given && strcmp(o.workload, "append") != 0)
		return bad_option("--keys, --ops-per-txn, --read-ratio and --appends-per-key need --workload append");
	if (bank_given && strcmp(o.workload, "bank") != 0)
		return bad_option("--customers, --products, --mix, --update-style and --lock are the bank's"
				  " options, not %s's", o.workload);
	if (o.recreate && !o.load)
		return bad_option("--recreate replaces the tables, --no-load keeps them: not both");
	if (o.lock == LOCK_FOR_UPDATE && o.update_style != UPDATE_READ_MODIFY_WRITE)
		return bad_option("--lock for_update needs --update-style read_modify_write");
	if (!seed_given)
		o.seed = (uint64_t)mono_ns() ^ ((uint64_t)getpid() << 32);
	if (hosts_parse(hosts_arg, &hosts, &n_hosts) < 0)
		return LAB_EXIT_BROKEN;
	if (creds_init(&creds, user, database, defaults_file) < 0) {
		free(hosts);
		return LAB_EXIT_BROKEN;
	}
	o.hosts = hosts;
	o.n_hosts = n_hosts;
	o.creds = &creds;
	o.summary = stdout;
	o.on_second = on_second;
	o.arg = &prog;
	prog.tty = isatty(STDERR_FILENO) && !lab_quiet;

	lab_install_interrupt_handlers();
	w = workload_start(&o);
	if (!w)
		goto out;
	deadline = mono_ns() + duration_ms * 1000000;
	while (!lab_interrupted && mono_ns() < deadline)
		sleep_ms(duration_ms < 100 ? duration_ms : 50);
	if (lab_interrupted)
		lab_info("interrupted: stopping the workload");
	if (workload_stop(w, &t) < 0)
		goto out; /* the journal could not be written: reported */
	if (prog.tty)
		fputc('\n', stderr);
	if (duration_ms > 0 && !lab_interrupted && t.ok == 0) {
		lab_error("no transaction committed in %.1f s (attempted %" PRId64 ")", t.seconds, t.attempted);
		goto out;
	}
	rc = LAB_EXIT_OK;
out:
	creds_release(&creds);
	free(hosts);
	return rc;
}
