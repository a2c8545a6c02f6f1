/*
 * compare.c — the text reports of `lab results`: one run in full (show),
 * two runs side by side (compare) with every difference called out and
 * regressions counted, and a one-line-per-run trend of a scenario.
 *
 * A regression is a verdict that got worse (verdict_rank), a check that
 * met its expectation in the baseline and does not in the candidate, or a
 * metric that got worse past a limit given on the command line
 * (struct compare_limits). Differences below a limit are still printed,
 * marked "worse" / "better" when they exceed NOTICE_PCT.
 */
#include "rundata.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOTICE_PCT 10.0

static const char *s_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static void fmt_num(char *buf, size_t size, double v, const char *unit)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (isinf(v))
		snprintf(buf, size, "never");
	else
		snprintf(buf, size, "%.1f%s", v, unit);
}

static void fmt_time(char *buf, size_t size, double t)
{
	if (isnan(t))
		snprintf(buf, size, "-");
	else
		format_utc(t, buf, size);
}

static void fmt_duration(char *buf, size_t size, double a, double b)
{
	if (isnan(a) || isnan(b))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1fs", b - a);
}

/* ---- show ---------------------------------------------------------------- */

/* The run's identity: scenario, software, where and when it ran. */
static void show_run(const struct run_row *r, FILE *out)
{
	char t1[32], t2[32], dur[32];

	fmt_time(t1, sizeof(t1), r->started_at);
	fmt_time(t2, sizeof(t2), r->ended_at);
	fmt_duration(dur, sizeof(dur), r->started_at, r->ended_at);
	fprintf(out, "run %lld: %s — %s\n", (long long)r->id, r->scenario, r->verdict);
	if (r->reason && *r->reason)
		fprintf(out, "  reason          %s\n", r->reason);
	if (r->label && *r->label)
		fprintf(out, "  plan axes       %s\n", r->label);
	fprintf(out, "  scenario file   %s\n", s_or(r->scenario_file, "-"));
	fprintf(out, "  scenario hash   %s\n", s_or(r->scenario_hash, "-"));
	fprintf(out, "  seed            %lld\n", (long long)r->seed);
	fprintf(out, "  backend/flavor  %s/%s, %d nodes\n", s_or(r->backend, "-"), s_or(r->flavor, "-"), r->nodes);
	fprintf(out, "  server          %s\n", s_or(r->server_version, "-"));
	fprintf(out, "  galera          %s\n", s_or(r->galera_version, "-"));
	fprintf(out, "  cache mode      %s\n", s_or(r->cache_mode, "-"));
	fprintf(out, "  tags            %s\n", s_or(r->tags, "-"));
	fprintf(out, "  lab / host      %s / %s\n", s_or(r->lab_version, "-"), s_or(r->host, "-"));
	fprintf(out, "  uuid            %s\n", s_or(r->uuid, "-"));
	fprintf(out, "  started         %s, ended %s (%s)\n", t1, t2, dur);
	fprintf(out, "  mysqld options ");
	if (r->mysqld_options && *r->mysqld_options) {
		char *opts = xstrdup(r->mysqld_options), *save = NULL;
		for (char *o = strtok_r(opts, "\n", &save); o; o = strtok_r(NULL, "\n", &save))
			fprintf(out, " %s", o);
		free(opts);
		fputc('\n', out);
	} else {
		fprintf(out, " (none)\n");
	}
}

static void show_steps(const struct run_data *rd, const struct run_stats *st, FILE *out)
{
	fprintf(out, "\nsteps (%zu):\n", rd->n_steps);
	if (rd->n_steps)
		fprintf(out, "  %4s  %-16s %-6s %8s %8s  %-8s %s\n", "seq", "action", "node", "at", "took",
			"outcome", "detail");
	for (size_t i = 0; i < rd->n_steps; i++) {
		const struct step_row *s = &rd->steps[i];
		char at[32], took[32];
		fmt_duration(at, sizeof(at), st->t_begin, s->started_at);
		fmt_duration(took, sizeof(took), s->started_at, s->ended_at);
		fprintf(out, "  %4d  %-16s %-6s %8s %8s  %-8s %s%s\n", s->seq, s->action, s_or(s->node, "-"),
			at, took, s->outcome, s_or(s->detail, ""), step_is_fault(s) ? "  [fault]" : "");
	}
}

static void show_checks(const struct run_data *rd, FILE *out)
{
	fprintf(out, "\nchecks (%zu):\n", rd->n_checks);
	if (rd->n_checks)
		fprintf(out, "  %-14s %-22s %-22s %9s  %s\n", "checker", "expected", "actual", "anomalies", "");
	for (size_t i = 0; i < rd->n_checks; i++) {
		const struct check_row *c = &rd->checks[i];
		fprintf(out, "  %-14s %-22s %-22s %9lld  %s%s%s\n", c->checker, s_or(c->expected, "any"),
			c->actual, (long long)c->anomalies, check_met(c) ? "met" : "NOT MET",
			c->details ? " — " : "", s_or(c->details, ""));
	}
}

static void show_anomaly(const struct anomaly_row *a, FILE *out)
{
	fprintf(out, "    #%lld %s", (long long)a->id, a->checker);
	if (a->tbl)
		fprintf(out, " %s", a->tbl);
	if (a->row_id >= 0)
		fprintf(out, ":%lld", (long long)a->row_id);
	if (a->txn_id >= 0)
		fprintf(out, " txn %lld", (long long)a->txn_id);
	if (a->node)
		fprintf(out, " node %s", a->node);
	if (a->detail)
		fprintf(out, " — %s", a->detail);
	fputc('\n', out);
}

/* Anomalies by kind, each with its first three examples. */
static void show_anomalies(const struct run_data *rd, const struct run_stats *st, FILE *out)
{
	fprintf(out, "\nanomalies (%zu", rd->n_anomalies);
	fprintf(out, "; lost %lld, phantom %lld):\n", (long long)st->lost, (long long)st->phantom);
	for (size_t k = 0; k < st->n_kinds; k++) {
		int shown = 0;
		fprintf(out, "  %-24s %lld\n", st->kinds[k].kind, (long long)st->kinds[k].count);
		for (size_t i = 0; i < rd->n_anomalies && shown < 3; i++) {
			const struct anomaly_row *a = &rd->anomalies[i];
			if (strcmp(a->kind, st->kinds[k].kind) != 0)
				continue;
			shown++;
			show_anomaly(a, out);
		}
		if (st->kinds[k].count > shown)
			fprintf(out, "    ... and %lld more\n", (long long)(st->kinds[k].count - shown));
	}
}

/* Workload totals, phases, unavailability windows and recovery per fault. */
static void show_workload(const struct run_data *rd, const struct run_stats *st, FILE *out)
{
	fprintf(out, "\nworkload: %zu seconds, ok %lld, failed %lld, unknown %lld\n", rd->n_seconds,
		(long long)st->total_ok, (long long)st->total_failed, (long long)st->total_unknown);
	if (rd->n_seconds) {
		for (int p = 0; p < PHASE_COUNT; p++) {
			char tps[32], p99[32];
			fmt_num(tps, sizeof(tps), st->phase[p].tps, "");
			fmt_num(p99, sizeof(p99), st->phase[p].p99, " ms");
			fprintf(out, "  %-7s %4lld s  tps %8s  p99 %10s\n", phase_names[p],
				(long long)st->phase[p].seconds, tps, p99);
		}
		fprintf(out, "  unavailable %lld s in %zu window(s)", (long long)st->unavail_seconds, st->n_unavail);
		for (size_t i = 0; i < st->n_unavail; i++)
			fprintf(out, "%sat +%.0fs for %lld s", i ? ", " : ": ",
				(double)st->unavail[i].start - st->t_begin, (long long)st->unavail[i].seconds);
		fputc('\n', out);
	}
	for (size_t f = 0; f < st->n_faults; f++) {
		char a[32], b[32];
		fmt_num(a, sizeof(a), st->recoveries[f].to_first_ok, "s");
		fmt_num(b, sizeof(b), st->recoveries[f].to_synced, "s");
		fprintf(out, "  recovery after step %d %s node %s: first ok %s, Synced %s\n",
			st->faults[f].step->seq, st->faults[f].step->action, s_or(st->faults[f].step->node, "all"),
			a, b);
	}
}

/* The runner records every node after each step: print the changes. */
static void show_states(const struct run_data *rd, const struct run_stats *st, FILE *out)
{
	const char *last[65] = { 0 };

	if (!rd->n_states)
		return;
	fprintf(out, "\nnode states (changes; %zu records):\n", rd->n_states);
	for (size_t i = 0; i < rd->n_states; i++) {
		const struct state_row *s = &rd->states[i];
		int n = s->node >= 1 && s->node <= 64 ? s->node : 0;
		if (n && last[n] && !strcmp(last[n], s->state))
			continue;
		last[n] = s->state;
		fprintf(out, "  +%6.1fs  node %d  %s%s%s\n", s->t - st->t_begin, s->node, s->state,
			s->detail ? " — " : "", s_or(s->detail, ""));
	}
}

/* What the failover manager did, and the failover times lab measured. */
static void show_manager(const struct run_data *rd, const struct run_stats *st, FILE *out)
{
	size_t n_fo = 0;

	if (!rd->n_manager)
		return;
	for (size_t i = 0; i < rd->n_manager; i++)
		n_fo += !strcmp(rd->manager[i].kind, "failover");
	fprintf(out, "\nfailover manager (%zu events):\n", rd->n_manager - n_fo);
	for (size_t i = 0; i < rd->n_manager; i++) {
		const struct manager_row *m = &rd->manager[i];
		if (!strcmp(m->kind, "failover"))
			continue;
		fprintf(out, "  +%6.1fs  node %d  %-8s %s\n", m->t - st->t_begin, m->node, m->kind, s_or(m->result, ""));
	}
	for (size_t i = 0; i < rd->n_manager; i++) {
		const struct manager_row *m = &rd->manager[i];
		if (strcmp(m->kind, "failover"))
			continue;
		if (isnan(m->seconds))
			fprintf(out, "failover time: none — %s\n", s_or(m->detail, ""));
		else
			fprintf(out, "failover time: %.1f s — %s\n", m->seconds, s_or(m->detail, ""));
	}
}

static void show_artifacts(const struct run_data *rd, FILE *out)
{
	if (!rd->n_artifacts)
		return;
	fprintf(out, "\nartifacts:\n");
	for (size_t i = 0; i < rd->n_artifacts; i++)
		fprintf(out, "  %-20s %s\n", rd->artifacts[i].name, rd->artifacts[i].path);
}

/* Each node's server build: where it started and every upgrade step. */
static void show_versions(const struct run_data *rd, FILE *out)
{
	int last = 0;

	for (size_t i = 0; i < rd->n_versions; i++)
		if (rd->versions[i].node > last)
			last = rd->versions[i].node;
	for (int n = 1; n <= last; n++) {
		bool first = true;
		for (size_t i = 0; i < rd->n_versions; i++) {
			const struct version_row *v = &rd->versions[i];
			char vshort[64];
			if (v->node != n)
				continue;
			/* "10.11.18-MariaDB-0+deb12u1" -> "10.11.18" */
			snprintf(vshort, sizeof(vshort), "%.*s", (int)strcspn(v->version, "-"), v->version);
			if (first)
				fprintf(out, "  node %d version  %s", n, vshort);
			else
				fprintf(out, " -> %s (step %lld)", vshort, (long long)v->step_seq);
			first = false;
		}
		if (!first)
			fputc('\n', out);
	}
}

void run_show(const struct run_data *rd, FILE *out)
{
	struct run_stats st;

	run_stats_compute(rd, &st);
	show_run(&rd->run, out);
	show_versions(rd, out);
	show_steps(rd, &st, out);
	show_checks(rd, out);
	show_anomalies(rd, &st, out);
	show_workload(rd, &st, out);
	show_states(rd, &st, out);
	show_manager(rd, &st, out);
	show_artifacts(rd, out);
	run_stats_release(&st);
}

/* ---- compare ------------------------------------------------------------- */

struct cmp {
	FILE *out;
	int regressions;
	struct strbuf what; /* names of the regressions */
};

static void regression(struct cmp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void regression(struct cmp *c, const char *fmt, ...)
{
	va_list ap;

	if (c->regressions++)
		sb_puts(&c->what, "; ");
	va_start(ap, fmt);
	sb_vprintf(&c->what, fmt, ap);
	va_end(ap);
}

static bool str_differs(const char *a, const char *b)
{
	return strcmp(s_or(a, ""), s_or(b, "")) != 0;
}

static void changed_field(struct cmp *c, int *n, const char *name, const char *a, const char *b)
{
	if (!str_differs(a, b))
		return;
	if ((*n)++ == 0)
		fprintf(c->out, "changed between the runs:\n");
	fprintf(c->out, "  %-34s %s -> %s\n", name, s_or(a, "(none)"), s_or(b, "(none)"));
}

/* mysqld_options is "key=value" lines; find key's value in it. */
static char *option_value(const char *opts, const char *key)
{
	size_t klen = strlen(key);
	const char *p = opts;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t kl = eq ? (size_t)(eq - p) : len;
		if (kl == klen && !strncmp(p, key, klen))
			return eq ? xasprintf("%.*s", (int)(len - kl - 1), eq + 1) : xstrdup("");
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static void option_changes(struct cmp *c, int *n, const char *a, const char *b)
{
	const char *sides[2] = { a, b };

	for (int side = 0; side < 2; side++) {
		const char *p = sides[side];
		while (p && *p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			const char *eq = memchr(p, '=', len);
			char *key = xasprintf("%.*s", (int)(eq ? (size_t)(eq - p) : len), p);
			char *va = option_value(a, key), *vb = option_value(b, key);
			/* each key once: from a, or from b when a lacks it */
			if (*key && (side == 0 || !va) && str_differs(va, vb)) {
				char *name = xasprintf("mysqld %s", key);
				changed_field(c, n, name, va ? va : "(unset)", vb ? vb : "(unset)");
				free(name);
			}
			free(key); free(va); free(vb);
			p = nl ? nl + 1 : NULL;
		}
	}
}

static double pct_change(double a, double b)
{
	if (isnan(a) || isnan(b) || a == 0)
		return NAN;
	return (b - a) / a * 100.0;
}

static const struct check_row *find_check(const struct run_data *rd, const char *checker)
{
	for (size_t i = 0; i < rd->n_checks; i++)
		if (!strcmp(rd->checks[i].checker, checker))
			return &rd->checks[i];
	return NULL;
}

static int64_t kind_count(const struct run_stats *st, const char *kind)
{
	for (size_t i = 0; i < st->n_kinds; i++)
		if (!strcmp(st->kinds[i].kind, kind))
			return st->kinds[i].count;
	return 0;
}

static void count_line(struct cmp *c, const char *name, int64_t a, int64_t b)
{
	fprintf(c->out, "  %-36s %10lld %10lld %s\n", name, (long long)a, (long long)b,
		b > a ? "  worse" : b < a ? "  better" : "");
}

static void unavail_list(FILE *out, const struct run_stats *st)
{
	if (!st->n_unavail) {
		fprintf(out, "none");
		return;
	}
	for (size_t i = 0; i < st->n_unavail; i++)
		fprintf(out, "%sat +%.0fs for %lld s", i ? ", " : "", (double)st->unavail[i].start - st->t_begin,
			(long long)st->unavail[i].seconds);
}

/* Scenario, versions, options, nodes, seed: what differs between the runs. */
static void compare_changes(struct cmp *c, const struct run_row *a, const struct run_row *b)
{
	int n_changed = 0;

	changed_field(c, &n_changed, "scenario", a->scenario, b->scenario);
	changed_field(c, &n_changed, "scenario hash", a->scenario_hash, b->scenario_hash);
	changed_field(c, &n_changed, "server version", a->server_version, b->server_version);
	changed_field(c, &n_changed, "galera version", a->galera_version, b->galera_version);
	changed_field(c, &n_changed, "flavor", a->flavor, b->flavor);
	changed_field(c, &n_changed, "backend", a->backend, b->backend);
	changed_field(c, &n_changed, "cache mode", a->cache_mode, b->cache_mode);
	if (a->nodes != b->nodes) {
		char na[16], nb[16];
		snprintf(na, sizeof(na), "%d", a->nodes);
		snprintf(nb, sizeof(nb), "%d", b->nodes);
		changed_field(c, &n_changed, "nodes", na, nb);
	}
	if (a->seed != b->seed) {
		char na[32], nb[32];
		snprintf(na, sizeof(na), "%lld", (long long)a->seed);
		snprintf(nb, sizeof(nb), "%lld", (long long)b->seed);
		changed_field(c, &n_changed, "seed", na, nb);
	}
	option_changes(c, &n_changed, a->mysqld_options, b->mysqld_options);
	changed_field(c, &n_changed, "tags", a->tags, b->tags);
	changed_field(c, &n_changed, "lab version", a->lab_version, b->lab_version);
	if (!n_changed)
		fprintf(c->out, "changed between the runs: nothing recorded (same versions, options and scenario)\n");
}

/* The verdicts, then the checks by checker in the order of either run. */
static void compare_verdicts(struct cmp *c, const struct run_data *a, const struct run_data *b)
{
	FILE *out = c->out;

	fprintf(out, "\n  %-36s %10s %10s\n", "", "baseline", "candidate");
	{
		int ra = verdict_rank(a->run.verdict), rb = verdict_rank(b->run.verdict);
		const char *mark = rb > ra ? "  REGRESSION" : rb < ra ? "  better" : "";
		fprintf(out, "  %-36s %10s %10s%s\n", "verdict", a->run.verdict, b->run.verdict, mark);
		if (rb > ra)
			regression(c, "verdict %s -> %s", a->run.verdict, b->run.verdict);
	}
	for (int side = 0; side < 2; side++) {
		const struct run_data *rd = side ? b : a;
		for (size_t i = 0; i < rd->n_checks; i++) {
			const char *name = rd->checks[i].checker;
			const struct check_row *ca = find_check(a, name), *cb = find_check(b, name);
			char va[48], vb[48], label[64];
			bool ma, mb;
			if (side == 1 && ca)
				continue;
			snprintf(va, sizeof(va), "%s", ca ? ca->actual : "-");
			snprintf(vb, sizeof(vb), "%s", cb ? cb->actual : "-");
			snprintf(label, sizeof(label), "check %s (expect %s)", name,
				 s_or(cb ? cb->expected : ca->expected, "any"));
			ma = ca && check_met(ca);
			mb = cb && check_met(cb);
			fprintf(out, "  %-36s %10s %10s%s\n", label, va, vb,
				ma && !mb ? "  REGRESSION" : !ma && mb ? "  better" : str_differs(va, vb) ? "  changed" : "");
			if (ma && !mb)
				regression(c, "check %s %s -> %s", name, va, vb);
		}
	}
}

/* Anomalies by kind, and the durability and outcome counts. */
static void compare_anomalies(struct cmp *c, const struct run_stats *sa, const struct run_stats *sb)
{
	FILE *out = c->out;

	fprintf(out, "\nanomalies by kind:\n");
	if (!sa->n_kinds && !sb->n_kinds)
		fprintf(out, "  none in either run\n");
	for (size_t i = 0; i < sa->n_kinds; i++)
		count_line(c, sa->kinds[i].kind, sa->kinds[i].count, kind_count(sb, sa->kinds[i].kind));
	for (size_t i = 0; i < sb->n_kinds; i++)
		if (!kind_count(sa, sb->kinds[i].kind)) {
			char label[96];
			snprintf(label, sizeof(label), "%s (new)", sb->kinds[i].kind);
			count_line(c, label, 0, sb->kinds[i].count);
		}
	fprintf(out, "\ntransactions:\n");
	count_line(c, "lost (acknowledged)", sa->lost, sb->lost);
	count_line(c, "phantom", sa->phantom, sb->phantom);
	count_line(c, "unknown outcome", sa->total_unknown, sb->total_unknown);
	fprintf(out, "  %-36s %10lld %10lld\n", "ok", (long long)sa->total_ok, (long long)sb->total_ok);
	fprintf(out, "  %-36s %10lld %10lld\n", "failed", (long long)sa->total_failed, (long long)sb->total_failed);
}

static void compare_availability(struct cmp *c, const struct run_stats *sa, const struct run_stats *sb,
				 const struct compare_limits *lim)
{
	FILE *out = c->out;

	fprintf(out, "\nunavailability (seconds with ok = 0 while the workload ran):\n");
	fprintf(out, "  %-36s %10lld %10lld", "total seconds", (long long)sa->unavail_seconds,
		(long long)sb->unavail_seconds);
	{
		double rise = (double)(sb->unavail_seconds - sa->unavail_seconds);
		if (lim->max_unavail_rise_s >= 0 && rise > lim->max_unavail_rise_s) {
			fprintf(out, "  REGRESSION (+%.0f s, limit %.0f s)", rise, lim->max_unavail_rise_s);
			regression(c, "unavailable %lld s -> %lld s", (long long)sa->unavail_seconds,
				   (long long)sb->unavail_seconds);
		} else if (rise > 0) {
			fprintf(out, "  worse");
		} else if (rise < 0) {
			fprintf(out, "  better");
		}
	}
	fprintf(out, "\n  %-36s %10lld %10lld\n", "longest window", (long long)sa->longest_unavail,
		(long long)sb->longest_unavail);
	fprintf(out, "  baseline windows:  ");
	unavail_list(out, sa);
	fprintf(out, "\n  candidate windows: ");
	unavail_list(out, sb);
	fputc('\n', out);
}

/* One fault's recovery in both runs (either may be missing, not both). */
static void compare_recovery(FILE *out, const struct recovery *ra, const struct recovery *rb)
{
	const struct step_row *s = (ra ? ra : rb)->fault->step;
	char label[64], a1[16], a2[16], b1[16], b2[16], va[40], vb[40];

	fmt_num(a1, sizeof(a1), ra ? ra->to_first_ok : NAN, "s");
	fmt_num(a2, sizeof(a2), ra ? ra->to_synced : NAN, "s");
	fmt_num(b1, sizeof(b1), rb ? rb->to_first_ok : NAN, "s");
	fmt_num(b2, sizeof(b2), rb ? rb->to_synced : NAN, "s");
	snprintf(label, sizeof(label), "step %d %s node %s", s->seq, s->action, s_or(s->node, "all"));
	snprintf(va, sizeof(va), "%s / %s", a1, a2);
	snprintf(vb, sizeof(vb), "%s / %s", b1, b2);
	fprintf(out, "  %-36s %14s %14s", label, va, vb);
	if (ra && rb && !isnan(ra->to_first_ok) && !isnan(rb->to_first_ok)) {
		double d = rb->to_first_ok - ra->to_first_ok;
		if (d > 1.0)
			fprintf(out, "  slower by %.1f s", d);
		else if (d < -1.0)
			fprintf(out, "  faster by %.1f s", -d);
	} else if (ra && rb && !isnan(ra->to_first_ok) && isnan(rb->to_first_ok)) {
		fprintf(out, "  never recovered");
	}
	if (ra && rb && !isnan(ra->to_synced) && !isnan(rb->to_synced)) {
		double d = rb->to_synced - ra->to_synced;
		if (isinf(rb->to_synced) && !isinf(ra->to_synced))
			fprintf(out, "  never Synced again");
		else if (d > 1.0 && !isinf(d))
			fprintf(out, "  Synced later by %.1f s", d);
		else if (d < -1.0 && !isinf(d))
			fprintf(out, "  Synced sooner by %.1f s", -d);
	}
	if (!ra || !rb)
		fprintf(out, "  (only in the %s)", ra ? "baseline" : "candidate");
	fputc('\n', out);
}

/* Recovery, fault by fault (paired by position), then the worst one
 * against its limit. */
static void compare_recoveries(struct cmp *c, const struct run_stats *sa, const struct run_stats *sb,
			       const struct compare_limits *lim)
{
	FILE *out = c->out;

	fprintf(out, "\nrecovery after each fault (to first ok / to Synced):\n");
	if (!sa->n_faults && !sb->n_faults)
		fprintf(out, "  no fault steps in either run\n");
	for (size_t f = 0; f < sa->n_faults || f < sb->n_faults; f++)
		compare_recovery(out, f < sa->n_faults ? &sa->recoveries[f] : NULL,
				 f < sb->n_faults ? &sb->recoveries[f] : NULL);
	if (lim->max_recovery_rise_s >= 0 && !isnan(sa->worst_first_ok)) {
		double wb = isnan(sb->worst_first_ok) && sb->n_faults ? INFINITY : sb->worst_first_ok;
		if (!isnan(wb) && wb - sa->worst_first_ok > lim->max_recovery_rise_s) {
			char x[16], y[16];
			fmt_num(x, sizeof(x), sa->worst_first_ok, "s");
			fmt_num(y, sizeof(y), wb, "s");
			fprintf(out, "  worst recovery %s -> %s  REGRESSION (limit +%.1f s)\n", x, y,
				lim->max_recovery_rise_s);
			regression(c, "worst recovery %s -> %s", x, y);
		}
	}
}

/* One phase's tps and p99 in both runs, each change marked against its limit. */
static void compare_phase(struct cmp *c, int p, const struct phase_stats *pa, const struct phase_stats *pb,
			  const struct compare_limits *lim)
{
	FILE *out = c->out;
	char x[24], y[24], u[24], v[24], va[64], vb[64];
	double dt = pct_change(pa->tps, pb->tps), dp = pct_change(pa->p99, pb->p99);

	fmt_num(x, sizeof(x), pa->tps, "");
	fmt_num(y, sizeof(y), pb->tps, "");
	fmt_num(u, sizeof(u), pa->p99, "ms");
	fmt_num(v, sizeof(v), pb->p99, "ms");
	snprintf(va, sizeof(va), "%s / %s", x, u);
	snprintf(vb, sizeof(vb), "%s / %s", y, v);
	fprintf(out, "  %-10s %22s %22s", phase_names[p], va, vb);
	if (!isnan(dt) && fabs(dt) >= 0.05) {
		bool reg = p != PHASE_ALL && lim->max_tps_drop_pct >= 0 && -dt > lim->max_tps_drop_pct;
		fprintf(out, "  tps %+.1f%%%s", dt,
			reg ? "" : -dt >= NOTICE_PCT ? " worse" : dt >= NOTICE_PCT ? " better" : "");
		if (reg) {
			fprintf(out, " REGRESSION (limit -%.0f%%)", lim->max_tps_drop_pct);
			regression(c, "tps %s %s -> %s", phase_names[p], x, y);
		}
	}
	if (!isnan(dp) && fabs(dp) >= 0.05) {
		bool reg = p != PHASE_ALL && lim->max_p99_rise_pct >= 0 && dp > lim->max_p99_rise_pct;
		fprintf(out, "  p99 %+.1f%%%s", dp,
			reg ? "" : dp >= NOTICE_PCT ? " worse" : -dp >= NOTICE_PCT ? " better" : "");
		if (reg) {
			fprintf(out, " REGRESSION (limit +%.0f%%)", lim->max_p99_rise_pct);
			regression(c, "p99 %s %s -> %s", phase_names[p], u, v);
		}
	}
	fputc('\n', out);
}

static void compare_throughput(struct cmp *c, const struct run_stats *sa, const struct run_stats *sb,
			       const struct compare_limits *lim)
{
	fprintf(c->out, "\nthroughput and latency (tps / mean per-second p99):\n");
	for (int p = 0; p < PHASE_COUNT; p++)
		if (sa->phase[p].seconds || sb->phase[p].seconds)
			compare_phase(c, p, &sa->phase[p], &sb->phase[p], lim);
}

int runs_compare(const struct run_data *a, const struct run_data *b,
		 const struct compare_limits *lim, FILE *out)
{
	struct run_stats sa, sb;
	struct cmp c = { .out = out };
	char ta[32], tb[32];

	run_stats_compute(a, &sa);
	run_stats_compute(b, &sb);
	fmt_time(ta, sizeof(ta), a->run.started_at);
	fmt_time(tb, sizeof(tb), b->run.started_at);
	fprintf(out, "compare: run %lld (%s, %s) -> run %lld (%s, %s)\n", (long long)a->run.id,
		a->run.scenario, ta, (long long)b->run.id, b->run.scenario, tb);
	compare_changes(&c, &a->run, &b->run);
	compare_verdicts(&c, a, b);
	compare_anomalies(&c, &sa, &sb);
	compare_availability(&c, &sa, &sb, lim);
	compare_recoveries(&c, &sa, &sb, lim);
	compare_throughput(&c, &sa, &sb, lim);
	if (c.regressions)
		fprintf(out, "\nresult: %d regression%s: %s\n", c.regressions, c.regressions == 1 ? "" : "s",
			c.what.buf);
	else
		fprintf(out, "\nresult: no regression\n");
	sb_release(&c.what);
	run_stats_release(&sa);
	run_stats_release(&sb);
	return c.regressions;
}

void runs_trend(struct run_data *const *runs, size_t n, FILE *out)
{
	fprintf(out, "%6s  %-20s %-8s %-22s %9s %6s %6s %9s %9s %10s\n", "run", "started", "verdict",
		"server", "anomalies", "lost", "unavl", "recovery", "tps", "p99");
	for (size_t i = 0; i < n; i++) {
		const struct run_data *rd = runs[i];
		struct run_stats st;
		char t[32], rec[16], tps[16], p99[16];
		run_stats_compute(rd, &st);
		fmt_time(t, sizeof(t), rd->run.started_at);
		fmt_num(rec, sizeof(rec), st.worst_first_ok, "s");
		fmt_num(tps, sizeof(tps), st.phase[PHASE_ALL].tps, "");
		fmt_num(p99, sizeof(p99), st.phase[PHASE_ALL].p99, "ms");
		fprintf(out, "%6lld  %-20s %-8s %-22.22s %9zu %6lld %5llds %9s %9s %10s\n",
			(long long)rd->run.id, t, rd->run.verdict, s_or(rd->run.server_version, "-"),
			rd->n_anomalies, (long long)st.lost, (long long)st.unavail_seconds, rec, tps, p99);
		run_stats_release(&st);
	}
}
