/*
 * plan.c — a nightly plan read by the scenario parser's machinery (the
 * tables are sc_plan_top in schema.c) and expanded into runs: scenario
 * files from the patterns, times every combination of the matrix's axis
 * values, each run's scenario loaded with its values as overrides of the
 * cluster section (parse.c's sc_overrides), so a value a scenario cannot
 * take is refused before anything runs. See plan.h for the order and the
 * shards.
 */
#include "plan.h"
#include "scenario_internal.h"
#include "util.h"
#include "versions.h"

#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

void plan_free(struct plan *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n_runs; i++) {
		free(pl->runs[i].file);
		free(pl->runs[i].label);
		scenario_free(pl->runs[i].sc);
	}
	free(pl->runs);
	free(pl->file);
	free(pl->name);
	free(pl->description);
	strlist_free(&pl->scenarios);
	strlist_free(&pl->matrix.version);
	strlist_free(&pl->matrix.cache_mode);
	strlist_free(&pl->matrix.flavor);
	for (size_t i = 0; i < pl->matrix.mysqld.n; i++) {
		struct sc_kvset *s = &pl->matrix.mysqld.v[i];
		for (size_t k = 0; k < s->opts.n; k++) {
			free(s->opts.v[k].key);
			free(s->opts.v[k].value);
		}
		free(s->opts.v);
		free(s->name);
	}
	free(pl->matrix.mysqld.v);
	free(pl->version_at);
	free(pl->cache_mode_at);
	free(pl->flavor_at);
	free(pl);
}

static void add_error(struct sc_errors *e, char *msg)
{
	e->v = xrealloc(e->v, (e->n + 1) * sizeof(*e->v));
	e->v[e->n++] = msg;
}

/* Where each value of list axis `key` is in the plan file. */
static struct plan_pos *axis_positions(struct pctx *p, const yaml_node_t *matrix, const char *key, size_t n)
{
	struct plan_pos *at = xcalloc(n ? n : 1, sizeof(*at));
	const yaml_node_t *k = NULL, *v = sc_map_get(p, matrix, key, &k);

	for (size_t i = 0; i < n && v; i++) {
		const yaml_node_t *e = v;
		if (v->type == YAML_SEQUENCE_NODE && v->data.sequence.items.start + i < v->data.sequence.items.top)
			e = sc_node_at(p, v->data.sequence.items.start[i]);
		at[i].line = (int)e->start_mark.line + 1;
		at[i].col = (int)e->start_mark.column + 1;
	}
	return at;
}

/* A value listed twice would make two runs with one label. */
static void refuse_twice(struct pctx *p, const char *axis, const struct strlist *l, const struct plan_pos *at)
{
	for (size_t i = 1; i < l->n; i++)
		for (size_t k = 0; k < i; k++)
			if (!strcmp(l->v[i], l->v[k])) {
				add_error(p->errs, xasprintf("%s:%d:%d: '%s' lists '%s' twice", p->file, at[i].line,
							     at[i].col, axis, l->v[i]));
				break;
			}
}

static void fill_plan(struct pctx *p, const yaml_node_t *root, void *arg)
{
	struct plan *pl = arg;
	const yaml_node_t *matrix, *mk = NULL;

	if (!root) {
		sc_perr(p, NULL, "empty plan: it needs name and scenarios");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		sc_perr(p, root, "a plan must be a mapping with name, scenarios and matrix");
		return;
	}
	sc_parse_map(p, root, sc_plan_top, sc_n_plan_top, pl, "plan", NULL);
	matrix = sc_map_get(p, root, "matrix", &mk);
	pl->matrix_at.line = (int)(mk ? mk : root)->start_mark.line + 1;
	pl->matrix_at.col = (int)(mk ? mk : root)->start_mark.column + 1;
	pl->version_at = axis_positions(p, matrix, "version", pl->matrix.version.n);
	pl->cache_mode_at = axis_positions(p, matrix, "cache_mode", pl->matrix.cache_mode.n);
	pl->flavor_at = axis_positions(p, matrix, "flavor", pl->matrix.flavor.n);
	refuse_twice(p, "version", &pl->matrix.version, pl->version_at);
	refuse_twice(p, "cache_mode", &pl->matrix.cache_mode, pl->cache_mode_at);
	refuse_twice(p, "flavor", &pl->matrix.flavor, pl->flavor_at);
	for (size_t i = 0; i < pl->matrix.version.n; i++)
		if (!versions_valid(pl->matrix.version.v[i]))
			add_error(p->errs, xasprintf("%s:%d:%d: 'version' must be a server version like 10.11.18, not '%s'",
						     p->file, pl->version_at[i].line, pl->version_at[i].col,
						     pl->matrix.version.v[i]));
	for (size_t i = 0; i < pl->matrix.mysqld.n; i++) {
		const struct sc_kvset *s = &pl->matrix.mysqld.v[i];
		if (!s->opts.n)
			add_error(p->errs, xasprintf("%s:%d:%d: 'mysqld.%s' is empty: an option set needs option: value",
						     p->file, s->line, s->col, s->name));
	}
}

/* The scenario files of the patterns, relative to the plan's directory,
 * each once, in pattern order (a glob's matches sorted). */
static int plan_files(struct plan *pl, struct sc_errors *errs, struct strlist *files)
{
	char *dircopy = xstrdup(pl->file);
	const char *dir = dirname(dircopy);
	char self[PATH_MAX], other[PATH_MAX];
	bool have_self = realpath(pl->file, self) != NULL;
	int rc = 0;

	for (size_t i = 0; i < pl->scenarios.n; i++) {
		const char *pat = pl->scenarios.v[i];
		char *full = pat[0] == '/' || !strcmp(dir, ".") ? xstrdup(pat) : xasprintf("%s/%s", dir, pat);
		glob_t g;
		int grc = glob(full, GLOB_MARK, NULL, &g);

		if (grc == GLOB_NOMATCH || (grc == 0 && g.gl_pathc == 0)) {
			add_error(errs, xasprintf("%s: 'scenarios' pattern '%s' matches no file (looked for %s)", pl->file,
						  pat, full));
			rc = -1;
		} else if (grc != 0) {
			add_error(errs, xasprintf("%s: 'scenarios' pattern '%s': glob failed", pl->file, pat));
			rc = -1;
		}
		for (size_t k = 0; grc == 0 && k < g.gl_pathc; k++) {
			const char *f = g.gl_pathv[k];
			bool seen = false;
			if (f[0] && f[strlen(f) - 1] == '/')
				continue; /* a directory */
			if (have_self && realpath(f, other) && !strcmp(self, other))
				continue; /* the plan itself, next to its scenarios */
			for (size_t j = 0; j < files->n; j++)
				seen |= !strcmp(files->v[j], f);
			if (seen)
				continue;
			files->v = xrealloc(files->v, (files->n + 1) * sizeof(*files->v));
			files->v[files->n++] = xstrdup(f);
		}
		if (grc == 0)
			globfree(&g);
		free(full);
	}
	free(dircopy);
	return rc;
}

/* The scenario's own first error, for the plan's line. */
static char *first_error(struct sc_errors *e)
{
	return xstrdup(e->n ? e->v[0] : "does not validate");
}

/* Refuse an axis value the scenario cannot take: load it with that value
 * alone. */
static int try_value(const struct plan *pl, const char *file, const char *axis, const char *value,
		     const struct plan_pos *at, const struct sc_overrides *ov, struct sc_errors *errs)
{
	struct sc_errors sub = { 0 };
	struct scenario *sc = scenario_load_with(file, ov, &sub);

	if (sc) {
		scenario_free(sc);
		return 0;
	}
	{
		char *why = first_error(&sub);
		add_error(errs, xasprintf("%s:%d:%d: matrix.%s '%s' cannot run scenario %s: %s", pl->file, at->line,
					  at->col, axis, value, file, why));
		free(why);
	}
	sc_errors_release(&sub);
	return -1;
}

static int check_axes(const struct plan *pl, const char *file, struct sc_errors *errs)
{
	const struct plan_matrix *m = &pl->matrix;
	int rc = 0;

	for (size_t i = 0; i < m->version.n; i++) {
		struct sc_overrides ov = { .version = m->version.v[i] };
		rc |= try_value(pl, file, "version", m->version.v[i], &pl->version_at[i], &ov, errs);
	}
	for (size_t i = 0; i < m->flavor.n; i++) {
		struct sc_overrides ov = { .flavor = m->flavor.v[i] };
		rc |= try_value(pl, file, "flavor", m->flavor.v[i], &pl->flavor_at[i], &ov, errs);
	}
	for (size_t i = 0; i < m->cache_mode.n; i++) {
		struct sc_overrides ov = { .cache_mode = m->cache_mode.v[i] };
		rc |= try_value(pl, file, "cache_mode", m->cache_mode.v[i], &pl->cache_mode_at[i], &ov, errs);
	}
	for (size_t i = 0; i < m->mysqld.n; i++) {
		struct sc_overrides ov = { .mysqld = &m->mysqld.v[i].opts };
		struct plan_pos at = { m->mysqld.v[i].line, m->mysqld.v[i].col };
		rc |= try_value(pl, file, "mysqld", m->mysqld.v[i].name, &at, &ov, errs);
	}
	return rc;
}

/* An axis with no values is one "value": the scenario's own (NULL). */
static size_t axis_n(size_t n)
{
	return n ? n : 1;
}

static void add_run(struct plan *pl, const char *file, const char *version, const char *flavor,
		    const char *cache_mode, const struct sc_kvset *mysqld)
{
	struct plan_run *r;
	struct strbuf sb = { 0 };

	pl->runs = xrealloc(pl->runs, (pl->n_runs + 1) * sizeof(*pl->runs));
	r = &pl->runs[pl->n_runs++];
	memset(r, 0, sizeof(*r));
	r->index = pl->n_runs;
	r->file = xstrdup(file);
	r->version = version;
	r->flavor = flavor;
	r->cache_mode = cache_mode;
	r->mysqld = mysqld;
	if (version)
		sb_printf(&sb, " version=%s", version);
	if (flavor)
		sb_printf(&sb, " flavor=%s", flavor);
	if (cache_mode)
		sb_printf(&sb, " cache_mode=%s", cache_mode);
	if (mysqld)
		sb_printf(&sb, " mysqld=%s", mysqld->name);
	r->label = xstrdup(sb.len ? sb.buf + 1 : "");
	sb_release(&sb);
}

/* Every file times every combination, in the plan's order. */
static void expand(struct plan *pl, const struct strlist *files)
{
	const struct plan_matrix *m = &pl->matrix;

	for (size_t f = 0; f < files->n; f++)
		for (size_t a = 0; a < axis_n(m->version.n); a++)
			for (size_t b = 0; b < axis_n(m->flavor.n); b++)
				for (size_t c = 0; c < axis_n(m->cache_mode.n); c++)
					for (size_t d = 0; d < axis_n(m->mysqld.n); d++)
						add_run(pl, files->v[f], m->version.n ? m->version.v[a] : NULL,
							m->flavor.n ? m->flavor.v[b] : NULL,
							m->cache_mode.n ? m->cache_mode.v[c] : NULL,
							m->mysqld.n ? &m->mysqld.v[d] : NULL);
}

/* Each run's scenario with its overrides. A combination can fail where
 * each value alone passed (a flavor and an option set together): that is
 * said at the matrix. */
static int load_runs(struct plan *pl, struct sc_errors *errs)
{
	int rc = 0;

	for (size_t i = 0; i < pl->n_runs; i++) {
		struct plan_run *r = &pl->runs[i];
		struct sc_overrides ov = { r->version, r->cache_mode, r->flavor, r->mysqld ? &r->mysqld->opts : NULL };
		struct sc_errors sub = { 0 };

		r->sc = scenario_load_with(r->file, &ov, &sub);
		if (!r->sc) {
			char *why = first_error(&sub);
			add_error(errs, xasprintf("%s:%d:%d: matrix: %s cannot run scenario %s: %s", pl->file,
						  pl->matrix_at.line, pl->matrix_at.col, r->label, r->file, why));
			free(why);
			rc = -1;
		}
		sc_errors_release(&sub);
	}
	return rc;
}

struct plan *plan_parse(const char *text, size_t len, const char *file, struct sc_errors *errs)
{
	struct plan *pl = xcalloc(1, sizeof(*pl));
	struct strlist files = { 0 };
	size_t before = errs->n;

	pl->file = xstrdup(file);
	if (sc_parse_text(text, len, file, "plan", NULL, errs, fill_plan, pl) < 0 || plan_files(pl, errs, &files) < 0)
		goto fail;
	/* Each scenario as it is first: its own errors are its own. */
	for (size_t i = 0; i < files.n; i++) {
		struct scenario *sc = scenario_load(files.v[i], errs);
		if (sc && check_axes(pl, files.v[i], errs) == 0) {
			scenario_free(sc);
			continue;
		}
		scenario_free(sc);
	}
	if (errs->n != before)
		goto fail;
	expand(pl, &files);
	if (load_runs(pl, errs) < 0)
		goto fail;
	strlist_free(&files);
	return pl;
fail:
	strlist_free(&files);
	plan_free(pl);
	return NULL;
}

struct plan *plan_load(const char *path, struct sc_errors *errs)
{
	size_t len;
	char *text = sc_read_file(path, &len, errs);
	struct plan *pl;

	if (!text)
		return NULL;
	pl = plan_parse(text, len, path, errs);
	free(text);
	return pl;
}

struct plan *plan_of_files(const char *const *files, size_t n, struct sc_errors *errs)
{
	struct plan *pl = xcalloc(1, sizeof(*pl));
	int bad = 0;

	pl->file = xstrdup("(command line)");
	for (size_t i = 0; i < n; i++) {
		add_run(pl, files[i], NULL, NULL, NULL, NULL);
		pl->runs[i].sc = scenario_load(files[i], errs);
		bad += !pl->runs[i].sc;
	}
	if (bad) {
		plan_free(pl);
		return NULL;
	}
	return pl;
}

char *plan_run_title(const struct plan_run *r)
{
	const char *name = r->sc && r->sc->name ? r->sc->name : r->file;

	return *r->label ? xasprintf("%s [%s]", name, r->label) : xstrdup(name);
}

int plan_shard_parse(const char *s, int *k, int *n)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	int64_t kk, nn;
	char *ks;
	int rc;

	if (!slash) {
		lab_error("--shard must be K/N (e.g. 1/4: the first of 4 shares), not '%s'", s ? s : "");
		return -1;
	}
	ks = xasprintf("%.*s", (int)(slash - s), s);
	rc = parse_int64(ks, 1, 10000, &kk) < 0 || parse_int64(slash + 1, 1, 10000, &nn) < 0 || kk > nn ? -1 : 0;
	free(ks);
	if (rc < 0) {
		lab_error("--shard must be K/N with 1 <= K <= N <= 10000, not '%s'", s);
		return -1;
	}
	*k = (int)kk;
	*n = (int)nn;
	return 0;
}

int plan_shard_of(size_t index, int n)
{
	size_t round = (index - 1) / (size_t)n;
	int pos = (int)((index - 1) % (size_t)n);

	return 1 + (round % 2 ? n - 1 - pos : pos);
}

bool plan_in_shard(size_t index, int k, int n)
{
	return n >= 1 && k >= 1 && k <= n && index >= 1 && plan_shard_of(index, n) == k;
}
