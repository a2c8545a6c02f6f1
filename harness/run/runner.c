/*
 * runner.c — runs one scenario: records the run, brings a fresh cluster
 * up, executes the steps in order (each timestamped and stored with its
 * outcome), compares the checks with expect:, unwinds the undo stack, tears
 * the cluster down (unless --keep) and stores the verdict.
 *
 * Verdicts (LTP): pass; fail = a finding about the database (a check
 * differs from expect:, a step the database should have refused
 * succeeded, or a step failed by the database's own state — no Primary
 * component, replication stopped — reported with lab_error_finding: the
 * diagnosis is stored as a cluster-unavailable anomaly and no later step
 * runs); broken = lab or the lab machine failed (cluster could not be
 * built, a fault could not be applied, a checker could not run, the
 * watchdog fired) — never reported as a database bug; aborted = SIGINT or
 * SIGTERM. A step whose `outcome:` is error or any may fail without
 * breaking the run (e.g. a start that Galera must refuse).
 *
 * Threads: the workload's reporter thread calls on_second (actions.c),
 * which only appends to r->seconds under r->lock; the main thread writes
 * them to the results db after each step. A progress thread redraws one
 * line on a terminal; a watchdog thread sets lab_interrupted when the
 * scenario's timeout passes.
 */
#include "runner.h"

#include "util.h"
#include "versions.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Verdicts */

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_PASS: return "pass";
	case VERDICT_FAIL: return "fail";
	case VERDICT_BROKEN: return "broken";
	case VERDICT_SKIP: return "skip";
	case VERDICT_ABORTED: return "aborted";
	}
	return "broken";
}

int verdict_exit_code(enum verdict v)
{
	switch (v) {
	case VERDICT_PASS:
	case VERDICT_SKIP:
		return LAB_EXIT_OK;
	case VERDICT_FAIL:
		return LAB_EXIT_FINDING;
	default:
		return LAB_EXIT_BROKEN;
	}
}

void run_result_release(struct run_result *r)
{
	if (r) {
		free(r->reason);
		r->reason = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* The undo stack */

const char *undo_kind_name(enum undo_kind k)
{
	switch (k) {
	case UNDO_HEAL: return "heal";
	case UNDO_RESUME: return "resume";
	case UNDO_CACHE: return "disk-cache";
	case UNDO_START: return "start";
	case UNDO_WORKLOAD: return "workload-stop";
	}
	return "?";
}

size_t undo_push(struct undo_stack *s, enum undo_kind kind, int node, const char *arg)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n] = (struct undo_entry){ .kind = kind, .node = node, .arg = arg ? xstrdup(arg) : NULL, .active = true };
	return s->n++;
}

struct undo_entry *undo_find(struct undo_stack *s, enum undo_kind kind, int node)
{
	for (size_t i = s->n; i-- > 0;)
		if (s->v[i].active && s->v[i].kind == kind && (node < 0 || s->v[i].node == node))
			return &s->v[i];
	return NULL;
}

int undo_cancel(struct undo_stack *s, enum undo_kind kind, int node)
{
	int n = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].active && s->v[i].kind == kind && (node < 0 || s->v[i].node == node)) {
			s->v[i].active = false;
			n++;
		}
	return n;
}

size_t undo_pending(const struct undo_stack *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].active;
	return n;
}

/* Undo order: stop the workload first (it only adds noise now), then
 * thaw paused nodes and reconnect the network (a node started while a
 * donor is frozen or unreachable would wait for it), restore cache modes,
 * and start stopped nodes last. Within one kind: newest first. */
static const enum undo_kind undo_order[] = { UNDO_WORKLOAD, UNDO_RESUME, UNDO_HEAL, UNDO_CACHE, UNDO_START };

int undo_run_all(struct undo_stack *s, int (*fn)(void *ctx, struct undo_entry *e), void *ctx)
{
	int rc = 0;

	for (size_t k = 0; k < ARRAY_SIZE(undo_order); k++)
		for (size_t i = s->n; i-- > 0;) {
			if (!s->v[i].active || s->v[i].kind != undo_order[k])
				continue;
			s->v[i].active = false; /* exactly once, even if it fails */
			if (fn(ctx, &s->v[i]) < 0)
				rc = -1;
		}
	return rc;
}

void undo_release(struct undo_stack *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].arg);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* ------------------------------------------------------------------ */
/* Output and verdict bookkeeping */


static char *scrubbed(const struct runner *r, const char *text);

void runner_say(struct runner *r, const char *fmt, ...)
{
	va_list ap;
	struct strbuf msg = { 0 };
	char *clean;

	if (lab_quiet)
		return;
	va_start(ap, fmt);
	sb_vprintf(&msg, fmt, ap);
	va_end(ap);
	clean = scrubbed(r, msg.buf);
	pthread_mutex_lock(&r->lock);
	if (r->o->progress)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s%s\n", lab_message_lead(), clean);
	pthread_mutex_unlock(&r->lock);
	free(clean);
	sb_release(&msg);
}

char *runner_scrub(const char *secret, const char *text)
{
	return scrub_secrets(secret, text);
}

static char *scrubbed(const struct runner *r, const char *text)
{
	return runner_scrub(r->secret, text);
}

/* resultsdb_step_end with the detail scrubbed. */
static void step_end(struct runner *r, int64_t sid, const char *outcome, const char *detail)
{
	char *clean = detail ? scrubbed(r, detail) : NULL;

	resultsdb_step_end(r->db, sid, outcome, clean);
	free(clean);
}

static void note(struct runner *r, bool broken, const char *fmt, va_list ap)
{
	struct strbuf msg = { 0 };
	char *clean;

	sb_vprintf(&msg, fmt, ap);
	clean = scrubbed(r, msg.buf);
	sb_reset(&msg);
	sb_puts(&msg, clean);
	free(clean);
	for (char *c = msg.buf; c && *c; c++)
		if (*c == '\n')
			*c = ' ';
	if (broken)
		r->broken = true;
	else
		r->failed = true;
	sb_printf(&r->findings, "%s%s", r->findings.len ? "; " : "", msg.buf);
	if (!r->reason.len)
		sb_puts(&r->reason, msg.buf);
	runner_say(r, "%s: %s", broken ? "BROKEN" : "FINDING", msg.buf);
	sb_release(&msg);
}

void runner_finding(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(r, false, fmt, ap);
	va_end(ap);
}

void runner_broken(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(r, true, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Progress line and watchdog */

static void *progress_main(void *arg)
{
	struct runner *r = arg;

	for (;;) {
		char line[256];
		int64_t el;

		pthread_mutex_lock(&r->lock);
		if (r->threads_stop) {
			fputs("\r\033[K", stderr);
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		if (r->hold_progress) {
			pthread_mutex_unlock(&r->lock);
			sleep_ms(500);
			continue;
		}
		el = (mono_ns() - r->t0_ns) / 1000000000;
		snprintf(line, sizeof(line), "[%s] step %zu/%zu %s | %lld:%02lld | tps ok %lld failed %lld unknown %lld",
			 r->sc->name, r->step_no, r->sc->n_steps, r->step_text, (long long)(el / 60),
			 (long long)(el % 60), (long long)(r->wl ? r->last_second.ok : 0),
			 (long long)(r->wl ? r->last_second.failed : 0), (long long)(r->wl ? r->last_second.unknown : 0));
		fprintf(stderr, "\r\033[K%s", line);
		fflush(stderr);
		pthread_mutex_unlock(&r->lock);
		sleep_ms(500);
	}
}

static void *watchdog_main(void *arg)
{
	struct runner *r = arg;

	for (;;) {
		bool stop;
		pthread_mutex_lock(&r->lock);
		stop = r->threads_stop;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			return NULL;
		if ((mono_ns() - r->t0_ns) / 1000000 > r->sc->timeout_ms) {
			pthread_mutex_lock(&r->lock);
			r->watchdog_fired = true;
			pthread_mutex_unlock(&r->lock);
			lab_interrupted = 1;
			runner_say(r, "watchdog: scenario '%s' took longer than its timeout; winding down", r->sc->name);
			return NULL;
		}
		sleep_ms(200);
	}
}

static void stop_threads(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->threads_stop = true;
	pthread_mutex_unlock(&r->lock);
	if (r->progress_started)
		pthread_join(r->progress_thread, NULL);
	if (r->watchdog_started)
		pthread_join(r->watchdog_thread, NULL);
	r->progress_started = r->watchdog_started = false;
}

/* ------------------------------------------------------------------ */
/* Results db helpers */

static void flush_seconds(struct runner *r)
{
	struct workload_second *v;
	size_t n;

	pthread_mutex_lock(&r->lock);
	v = r->seconds;
	n = r->n_seconds;
	r->seconds = NULL;
	r->n_seconds = r->cap_seconds = 0;
	pthread_mutex_unlock(&r->lock);
	if (!n) {
		free(v);
		return;
	}
	resultsdb_begin(r->db);
	for (size_t i = 0; i < n; i++)
		resultsdb_second(r->db, r->run_id, v[i].t, v[i].ok, v[i].failed, v[i].unknown, v[i].p50_ms,
				 v[i].p95_ms, v[i].p99_ms);
	resultsdb_commit(r->db);
	free(v);
}

static void record_node_states(struct runner *r)
{
	struct node_status st[LAB_MAX_NODES];
	double t = wall_seconds();

	memset(st, 0, sizeof(st));
	if (cluster_status(&r->cluster, st) < 0)
		return;
	resultsdb_begin(r->db);
	for (int i = 0; i < r->sc->cluster.nodes; i++) {
		const char *state;
		char detail[160];
		if (!st[i].pid)
			state = "down";
		else if (!st[i].reachable)
			state = "unreachable";
		else if (st[i].role[0])
			state = st[i].role;
		else if (st[i].cluster_status[0] && strcmp(st[i].cluster_status, "Primary"))
			state = st[i].cluster_status;
		else
			state = st[i].local_state[0] ? st[i].local_state : "up";
		snprintf(detail, sizeof(detail), "pid %d, %s, size %d, last_committed %lld", (int)st[i].pid,
			 st[i].cluster_status, st[i].cluster_size, (long long)st[i].last_committed);
		resultsdb_node_state(r->db, r->run_id, t, i + 1, state, detail);
	}
	resultsdb_commit(r->db);
}


/* What the failover manager did during the run, from its own records
 * (read before the teardown removes them), and the failover times they
 * give with the journals: into manager_events, and a line each. */
static void record_manager_events(struct runner *r)
{
	struct manager_event *ev = NULL;
	struct failover *fo = NULL;
	size_t n_ev = 0, n_fo = 0;
	const char *hosts[LAB_MAX_NODES + 1] = { NULL };
	char hostport[LAB_MAX_NODES + 1][80];
	int nodes = r->cluster.spec.nodes;

	if (!r->cluster.manager)
		return;
	lab_clear_error();
	if (cluster_manager_events(&r->cluster, r->wall0, &ev, &n_ev) < 0) {
		runner_say(r, "the failover manager's events could not be read: %s", lab_last_error());
		return;
	}
	for (int i = 1; i <= nodes && i <= LAB_MAX_NODES; i++) {
		snprintf(hostport[i], sizeof(hostport[i]), "%s:%u", r->cluster.hosts[i - 1].host,
			 r->cluster.hosts[i - 1].port);
		hosts[i] = hostport[i];
	}
	if (failover_measure(ev, n_ev, r->faults, r->n_faults, hosts, nodes, r->journals, (size_t)r->wl_segments,
			     r->wall0 - (double)r->t0_ns / 1e9, &fo, &n_fo) < 0)
		runner_say(r, "failover times: a journal could not be read: %s", lab_last_error());
	resultsdb_begin(r->db);
	for (size_t i = 0; i < n_ev; i++) {
		char *d = scrubbed(r, ev[i].detail);
		resultsdb_manager_event(r->db, r->run_id, ev[i].t, ev[i].node, ev[i].kind, ev[i].result, -1, d);
		free(d);
	}
	for (size_t i = 0; i < n_fo; i++) {
		char d[512];
		if (fo[i].seconds >= 0)
			snprintf(d, sizeof(d),
				 "%s (step %d): node %d promoted after %.1f s, first ok write on node %d after %.1f s",
				 fo[i].fault->what, fo[i].fault->seq, fo[i].node, fo[i].promoted - fo[i].fault->t,
				 fo[i].node, fo[i].seconds);
		else
			snprintf(d, sizeof(d), "%s (step %d): node %d promoted after %.1f s, no ok write on it afterwards%s",
				 fo[i].fault->what, fo[i].fault->seq, fo[i].node, fo[i].promoted - fo[i].fault->t,
				 r->wl_segments ? "" : " (no workload ran)");
		resultsdb_manager_event(r->db, r->run_id, fo[i].seconds >= 0 ? fo[i].first_ok : fo[i].promoted,
					fo[i].node, "failover", fo[i].seconds >= 0 ? "ok" : "no write", fo[i].seconds, d);
		runner_say(r, "failover: %s", d);
	}
	resultsdb_commit(r->db);
	if (n_ev)
		runner_say(r, "%s: %zu events recorded (start, stop, promote, demote, failures, fences)",
			   r->cluster.manager->name, n_ev);
	free(ev);
	free(fo);
}

/* ------------------------------------------------------------------ */
/* Undo with records */

static int undo_recorded(void *ctx, struct undo_entry *e)
{
	struct runner *r = ctx;
	char action[48], node[8] = "";
	int64_t sid;
	int rc;

	snprintf(action, sizeof(action), "undo:%s", undo_kind_name(e->kind));
	if (e->node)
		snprintf(node, sizeof(node), "%d", e->node);
	sid = resultsdb_step_begin(r->db, r->run_id, 0, action, e->node ? node : NULL, e->arg);
	if (e->kind == UNDO_START && (!r->o->keep || !strcmp(r->sc->cleanup.nodes, "leave"))) {
		step_end(r, sid, "skipped",
				   r->o->keep ? "cleanup: nodes: leave" : "the cluster is torn down");
		return 0;
	}
	runner_say(r, "undo: %s%s%s", undo_kind_name(e->kind), e->node ? " node " : "", node);
	lab_clear_error();
	rc = action_undo(r, e);
	step_end(r, sid, rc == 0 ? "ok" : "error", rc == 0 ? NULL : lab_last_error());
	if (rc < 0)
		runner_say(r, "undo %s failed: %s", action, lab_last_error());
	return rc;
}

/* ------------------------------------------------------------------ */

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	if (!s)
		s = (uint64_t)mono_ns() ^ ((uint64_t)getpid() << 32);
	return s & (uint64_t)INT64_MAX; /* stored as a SQLite integer */
}

static char *runs_dir_default(struct resultsdb *db)
{
	char *copy = xstrdup(resultsdb_path(db));
	char *dir = xasprintf("%s/runs", dirname(copy));

	free(copy);
	return dir;
}

static void run_steps(struct runner *r)
{
	const struct scenario *sc = r->sc;

	for (size_t i = 0; i < sc->n_steps; i++) {
		const struct sc_step *st = &sc->steps[i];
		size_t seq = i + 1;
		char nodes[64] = "";
		struct strbuf detail = { 0 };
		int64_t sid;
		int rc;
		const char *want = st->outcome ? st->outcome : "ok";

		if (lab_interrupted || r->broken || r->outage)
			break;
		if (st->nodes.mask || st->nodes.role)
			node_set_format(&st->nodes, nodes, sizeof(nodes));
		pthread_mutex_lock(&r->lock);
		r->step_no = seq;
		snprintf(r->step_text, sizeof(r->step_text), "%s%s%s", st->action->name, nodes[0] ? " " : "", nodes);
		pthread_mutex_unlock(&r->lock);
		runner_say(r, "step %zu/%zu (line %d): %s%s%s", seq, sc->n_steps, st->line, st->action->name,
			   nodes[0] ? " node " : "", nodes);
		if (st->action->flags & SC_A_FAULT) {
			r->faults = xrealloc(r->faults, (r->n_faults + 1) * sizeof(*r->faults));
			struct fault_mark *f = &r->faults[r->n_faults++];
			f->t = wall_seconds();
			f->t_end = 0;
			f->seq = (int)seq;
			snprintf(f->what, sizeof(f->what), "%s%s%s", st->action->name, nodes[0] ? " node " : "", nodes);
		}
		sid = resultsdb_step_begin(r->db, r->run_id, (int)seq, st->action->name, nodes[0] ? nodes : NULL, NULL);
		lab_clear_error();
		r->cluster.note[0] = '\0';
		rc = action_run(r, st, seq, &detail);
		if (st->action->flags & SC_A_FAULT)
			r->faults[r->n_faults - 1].t_end = wall_seconds();
		flush_seconds(r);
		/* What the backend says it did (what a power cut dropped). */
		if (cluster_last_note(&r->cluster)[0])
			sb_printf(&detail, "%s%s", detail.len ? "; " : "", cluster_last_note(&r->cluster));
		if (rc < 0) {
			const char *why = lab_last_error()[0] ? lab_last_error() : "failed";
			sb_printf(&detail, "%s%s", detail.len ? "; " : "", why);
			step_end(r, sid, "error", detail.buf);
			if (lab_interrupted) {
				sb_release(&detail);
				break;
			}
			if (!strcmp(want, "ok") && lab_last_error_is_finding()) {
				/* The database's doing (no Primary component, a
				 * refused join): a finding with its diagnosis; the
				 * steps after it would only fail the same way. */
				runner_finding(r, "step %zu (%s, line %d): %s", seq, st->action->name, st->line, why);
				resultsdb_anomaly(r->db, r->run_id, "cluster", "cluster-unavailable", NULL, -1, -1,
						  nodes[0] ? nodes : NULL, why);
				r->outage = true;
			} else if (!strcmp(want, "ok"))
				runner_broken(r, "step %zu (%s, line %d) failed: %s", seq, st->action->name, st->line, why);
			else if (!strcmp(want, "error"))
				runner_say(r, "step %zu refused, as the scenario expects: %s", seq, why);
			else
				runner_say(r, "step %zu failed, which the scenario allows: %s", seq, why);
		} else {
			step_end(r, sid, "ok", detail.buf);
			if (!strcmp(want, "error"))
				runner_finding(r, "step %zu (%s%s%s, line %d) succeeded, but the scenario expects it to be refused",
					       seq, st->action->name, nodes[0] ? " node " : "", nodes, st->line);
		}
		if (detail.len && lab_verbose)
			runner_say(r, "  %s", detail.buf);
		sb_release(&detail);
		if (!(st->action->flags & SC_A_KEEPS_NODES) && !lab_interrupted)
			record_node_states(r);
	}
}

/* Phase 1: the run's record in the results database and its directory. */
static int run_record_begin(struct runner *r, struct run_result *res, const char **backend)
{
	const struct scenario *sc = r->sc;
	struct run_info ri;
	struct strbuf opts = { 0 }, tags = { 0 };
	char *runs_dir;

	for (size_t i = 0; i < sc->cluster.mysqld.n; i++)
		sb_printf(&opts, "%s=%s\n", sc->cluster.mysqld.v[i].key, sc->cluster.mysqld.v[i].value);
	for (size_t i = 0; i < sc->tags.n; i++)
		sb_printf(&tags, "%s%s", i ? "," : "", sc->tags.v[i]);
	memset(&ri, 0, sizeof(ri));
	ri.scenario = sc->name;
	ri.scenario_file = sc->file;
	ri.scenario_hash = sc->hash;
	ri.seed = r->seed;
	ri.backend = *backend = r->o->backend ? r->o->backend : sc->cluster.backend;
	ri.flavor = sc->cluster.flavor;
	ri.nodes = (int)sc->cluster.nodes;
	ri.cache_mode = sc->cluster.cache_mode;
	ri.mysqld_options = opts.buf;
	ri.tags = tags.buf;
	ri.replays = r->o->replays;
	ri.label = r->o->label;
	r->run_id = resultsdb_run_begin(r->db, &ri);
	sb_release(&opts);
	sb_release(&tags);
	if (r->run_id < 0)
		return -1;
	res->run_id = r->run_id;
	runs_dir = r->o->runs_dir ? xstrdup(r->o->runs_dir) : runs_dir_default(r->db);
	r->run_dir = xasprintf("%s/%lld", runs_dir, (long long)r->run_id);
	free(runs_dir);
	return 0;
}

/* What to build, from the scenario's cluster: section (domains[] holds the
 * libvirt domain names the spec points to). */
static void cluster_spec_from(struct runner *r, struct cluster_spec *spec, const char *name,
			      const char *backend, const char **domains)
{
	const struct scenario *sc = r->sc;

	memset(spec, 0, sizeof(*spec));
	spec->name = name;
	spec->state_dir = r->o->state_dir;
	spec->flavor = sc->cluster.flavor;
	spec->backend = backend;
	spec->nodes = (int)sc->cluster.nodes;
	spec->mysqld = sc->cluster.mysqld.v;
	spec->n_mysqld = sc->cluster.mysqld.n;
	spec->libvirt_uri = sc->cluster.libvirt.uri;
	for (size_t i = 0; i < sc->cluster.libvirt.domains.n && i < LAB_MAX_NODES; i++)
		domains[i] = sc->cluster.libvirt.domains.v[i];
	spec->domains = sc->cluster.libvirt.domains.n ? domains : NULL;
	spec->cache_mode = sc->cluster.cache_mode;
	spec->version = sc->cluster.version;
	spec->manager = sc->cluster.manager;
	spec->no_fencing = !sc->cluster.fencing;
	for (size_t i = 0; i < sc->cluster.versions.n; i++) {
		int64_t node;
		if (parse_int64(sc->cluster.versions.v[i].key, 1, spec->nodes, &node) == 0)
			spec->versions[node - 1] = sc->cluster.versions.v[i].value;
	}
	spec->proxmox_url = sc->cluster.proxmox.url;
	spec->proxmox_node = sc->cluster.proxmox.node;
	spec->proxmox_nodes = sc->cluster.proxmox.nodes.v;
	spec->n_proxmox_nodes = sc->cluster.proxmox.nodes.n;
	spec->proxmox_vmids = sc->cluster.proxmox.vmids.v;
	spec->n_proxmox_vmids = sc->cluster.proxmox.vmids.n;
	spec->proxmox_token_file = sc->cluster.proxmox.token_file;
	spec->proxmox_ca_file = sc->cluster.proxmox.ca_file;
	spec->proxmox_fingerprint = sc->cluster.proxmox.fingerprint;
	spec->seed = r->seed;
}

/* The server and galera versions of the step detail, stored in two columns:
 * "10.11.19-MariaDB...; galera 4.23(r...)". */
static void record_versions(struct runner *r, int64_t sid)
{
	char *ver = cluster_server_version(&r->cluster);
	char *galera = ver ? strstr(ver, "; galera ") : NULL;
	char detail[256];

	snprintf(detail, sizeof(detail), "up in %.1f s%s%s", (double)(mono_ns() - r->t0_ns) / 1e9, ver ? ", " : "",
		 ver ? ver : "");
	step_end(r, sid, "ok", detail);
	if (galera) {
		*galera = '\0';
		galera += strlen("; galera ");
	}
	resultsdb_run_update(r->db, r->run_id, ver, galera, r->sc->cluster.cache_mode);
	free(ver);
	/* Each node's own build (versions.h: they may differ). */
	for (int n = 1; n <= r->cluster.spec.nodes; n++) {
		char *v = node_server_version(&r->cluster, n);
		if (v)
			resultsdb_node_version(r->db, r->run_id, wall_seconds(), n, v, 0);
		free(v);
	}
}

/* Phase 2: a fresh cluster for this scenario. 0 when it is up. */
static int bring_up(struct runner *r, const char *name, const char *backend)
{
	const char *domains[LAB_MAX_NODES + 1] = { 0 };
	struct cluster_spec spec;
	int64_t sid;
	int rc_up;

	cluster_spec_from(r, &spec, name, backend, domains);
	for (int n = 0; n <= LAB_MAX_NODES; n++)
		lab_strlcpy(r->cache_mode[n], r->sc->cluster.cache_mode, sizeof(r->cache_mode[n]));
	pthread_mutex_lock(&r->lock);
	lab_strlcpy(r->step_text, "cluster up", sizeof(r->step_text));
	pthread_mutex_unlock(&r->lock);
	sid = resultsdb_step_begin(r->db, r->run_id, 0, "cluster-up", "all", NULL);
	lab_clear_error();
	if (cluster_open(&r->cluster, &spec) < 0) {
		step_end(r, sid, "error", lab_last_error());
		runner_broken(r, "cannot open cluster '%s': %s", name, lab_last_error());
		return -1;
	}
	r->cluster_opened = true;
	if (cluster_is_up(&r->cluster)) {
		/* Not ours to reuse or tear down: a scenario starts fresh. */
		step_end(r, sid, "error", "already up");
		runner_broken(r, "cluster '%s' is already up; take it down with 'lab cluster down --name %s' or run with another --name",
			      name, name);
		return -1;
	}
	r->cluster_made = true;
	runner_say(r, "bringing up %lld-node %s cluster '%s'", (long long)r->sc->cluster.nodes,
		   r->sc->cluster.flavor, name);
	rc_up = cluster_up(&r->cluster);
	if (r->cluster.defaults_file && path_exists(r->cluster.defaults_file))
		r->secret = cluster_lab_password(&r->cluster);
	if (rc_up < 0) {
		step_end(r, sid, "error", lab_last_error());
		if (!lab_interrupted)
			runner_broken(r, "cluster '%s' did not come up: %s", name, lab_last_error());
		return -1;
	}
	record_versions(r, sid);
	r->cluster_was_up = true;
	record_node_states(r);
	return 0;
}

/* Phase 4: why the run ended early, if it did (watchdog, interrupt).
 * Returns whether it was interrupted. */
static bool note_interruption(struct runner *r)
{
	bool was_interrupted = lab_interrupted;

	pthread_mutex_lock(&r->lock);
	if (r->watchdog_fired) {
		pthread_mutex_unlock(&r->lock);
		runner_broken(r, "watchdog: the scenario took longer than its timeout (%lld s)",
			      (long long)(r->sc->timeout_ms / 1000));
		return false;
	}
	pthread_mutex_unlock(&r->lock);
	if (was_interrupted) {
		r->aborted = true;
		if (!r->reason.len)
			sb_puts(&r->reason, "interrupted");
		runner_say(r, "interrupted: undoing faults");
	}
	return was_interrupted;
}

/* Phase 5: undo every fault, then take the cluster down (--keep keeps a
 * cluster that came up; a half-built one goes). */
static void undo_and_teardown(struct runner *r, const char *name)
{
	int64_t sid;

	pthread_mutex_lock(&r->lock);
	lab_strlcpy(r->step_text, "cleanup", sizeof(r->step_text));
	pthread_mutex_unlock(&r->lock);
	if (undo_pending(&r->undo)) {
		if (undo_run_all(&r->undo, undo_recorded, r) < 0 && r->o->keep)
			runner_broken(r, "a fault could not be undone and --keep leaves the cluster up");
	}
	flush_seconds(r);
	if (r->cluster_opened && r->cluster_was_up)
		record_manager_events(r);
	if (r->cluster_made && (!r->o->keep || !r->cluster_was_up)) {
		sid = resultsdb_step_begin(r->db, r->run_id, 0, "cluster-down", "all", NULL);
		runner_say(r, "tearing down cluster '%s'", name);
		lab_clear_error();
		if (cluster_down(&r->cluster) < 0) {
			step_end(r, sid, "error", lab_last_error());
			runner_broken(r, "cluster '%s' could not be torn down: %s", name, lab_last_error());
		} else {
			step_end(r, sid, "ok", NULL);
		}
	} else if (r->cluster_made) {
		runner_say(r, "--keep: cluster '%s' left up (lab cluster status --name %s)", name, name);
	}
	if (r->cluster_opened)
		cluster_release(&r->cluster);
}

/* Phase 6: the verdict, LTP's way: aborted, else broken, else fail, else pass. */
static void record_verdict(struct runner *r, struct run_result *res)
{
	enum verdict v = r->aborted ? VERDICT_ABORTED : r->broken ? VERDICT_BROKEN : r->failed ? VERDICT_FAIL
											     : VERDICT_PASS;

	res->verdict = v;
	res->seconds = (double)(mono_ns() - r->t0_ns) / 1e9;
	if (v != VERDICT_PASS)
		res->reason = xstrdup(r->findings.len ? r->findings.buf : r->reason.len ? r->reason.buf : verdict_name(v));
	resultsdb_run_end(r->db, r->run_id, verdict_name(v), res->reason);
}

static void runner_release(struct runner *r)
{
	undo_release(&r->undo);
	if (r->secret) {
		memset(r->secret, 0, strlen(r->secret));
		free(r->secret);
	}
	for (int i = 0; i < r->wl_segments; i++)
		free(r->journals[i]);
	free(r->journals);
	free(r->seconds);
	free(r->faults);
	free(r->run_dir);
	sb_release(&r->reason);
	sb_release(&r->findings);
	pthread_mutex_destroy(&r->lock);
}

int runner_run(const struct scenario *sc, const struct runner_opts *o, struct resultsdb *db,
	       struct run_result *res)
{
	struct runner r;
	const char *name = o->name ? o->name : "run";
	const char *backend;
	bool was_interrupted;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	pthread_mutex_init(&r.lock, NULL);
	r.sc = sc;
	r.o = o;
	r.db = db;
	r.seed = o->have_seed ? o->seed : sc->has_seed ? (uint64_t)sc->seed : random_seed();
	r.t0_ns = mono_ns();
	r.wall0 = wall_seconds();

	if (run_record_begin(&r, res, &backend) < 0) {
		pthread_mutex_destroy(&r.lock);
		return -1;
	}
	if (pthread_create(&r.watchdog_thread, NULL, watchdog_main, &r) == 0)
		r.watchdog_started = true;
	if (o->progress && pthread_create(&r.progress_thread, NULL, progress_main, &r) == 0)
		r.progress_started = true;
	runner_say(&r, "run %lld: scenario '%s' (seed %llu, backend %s, cluster '%s')", (long long)r.run_id,
		   sc->name, (unsigned long long)r.seed, backend, name);

	/* Phase 3: the steps, on a cluster that came up. Expectations with no
	 * check step to meet them are caught by validate; a run cut short
	 * before its checks is broken/aborted. */
	if (mkdir_p(r.run_dir, 0755) < 0)
		runner_broken(&r, "cannot create '%s': %s", r.run_dir, lab_last_error());
	else if (bring_up(&r, name, backend) == 0)
		run_steps(&r);

	was_interrupted = note_interruption(&r);
	/* The undo and the teardown must run to the end: a second Ctrl-C
	 * sets the flag again and only cuts waits short. */
	lab_interrupted = 0;
	undo_and_teardown(&r, name);
	stop_threads(&r);
	if (was_interrupted)
		lab_interrupted = 1;
	record_verdict(&r, res);
	runner_release(&r);
	return 0;
}
