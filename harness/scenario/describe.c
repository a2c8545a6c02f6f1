/*
 * describe.c — `lab validate --describe`: the reference of every section,
 * key and action, printed from the same tables the parser uses; and the
 * small formatting helpers of scenarios (purpose line, node sets).
 */
#include "scenario.h"
#include "scenario_internal.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Reference text, purpose, node sets */

static const char *type_text(const struct sc_option *o)
{
	switch (o->type) {
	case SC_STRING: return o->allowed ? "word" : "text";
	case SC_INT: return "number";
	case SC_BOOL: return "bool";
	case SC_DURATION: return "duration";
	case SC_NODES: return (o->flags & SC_F_SINGLE) ? "node" : "nodes";
	case SC_SIGNAL: return "signal";
	case SC_GROUPS: return "groups";
	case SC_LIST: return "list";
	case SC_KVMAP: return "map";
	case SC_SECTION: return "section";
	case SC_STEPS: return "steps";
	case SC_EXPECT: return "section";
	}
	return "?";
}

/* One line per checker: its expect key, what it checks, its values. */
static void describe_expect(FILE *f, int indent)
{
	for (size_t i = 0; lab_checkers[i]; i++) {
		const struct checker_ops *c = lab_checkers[i];
		struct strbuf sb = { 0 };

		sb_printf(&sb, "%*s%-18s %-8s checker %s: %s; ", indent, "", checker_expect_key(c), "word", c->name,
			  c->help);
		sc_list_words(&sb, c->expect_values ? c->expect_values : checker_pass_fail);
		if (c->flavors) {
			sb_puts(&sb, "; flavor ");
			sc_list_words(&sb, c->flavors);
		}
		if (c->workloads) {
			sb_puts(&sb, "; workload ");
			sc_list_words(&sb, c->workloads);
		}
		sb_printf(&sb, "; default %s", c->expect_default ? c->expect_default : "pass");
		fprintf(f, "%s\n", sb.buf);
		sb_release(&sb);
	}
}

static void describe_options(FILE *f, const struct sc_option *t, size_t n, int indent)
{
	for (size_t i = 0; i < n; i++) {
		const struct sc_option *o = &t[i];
		struct strbuf sb = { 0 };

		sb_printf(&sb, "%*s%-18s %-8s %s", indent, "", o->name, type_text(o), o->help);
		if (o->allowed) {
			sb_puts(&sb, "; ");
			sc_list_words(&sb, o->allowed);
		}
		if (o->type == SC_INT && o->max != INT64_MAX)
			sb_printf(&sb, "; %lld..%lld", (long long)o->min, (long long)o->max);
		if (o->type == SC_DURATION) {
			char lo[32], hi[32];
			sc_format_duration(o->min, lo, sizeof(lo));
			sc_format_duration(o->max, hi, sizeof(hi));
			sb_printf(&sb, "; %s..%s", lo, hi);
		}
		if (o->def)
			sb_printf(&sb, "; default %s", o->def);
		if (o->flags & SC_F_REQUIRED)
			sb_puts(&sb, "; required");
		fprintf(f, "%s\n", sb.buf);
		sb_release(&sb);
		if (o->type == SC_SECTION)
			describe_options(f, o->sub, o->n_sub, indent + 2);
		if (o->type == SC_EXPECT)
			describe_expect(f, indent + 2);
	}
}

void scenario_describe(FILE *f)
{
	sc_fill_names_once();
	fputs("Scenario keys:\n", f);
	describe_options(f, sc_top, sc_n_top, 2);
	fputs("\nActions (each step is '- ACTION: {key: value, ...}'; a scalar or list stands for the key in [ ]):\n", f);
	for (size_t i = 0; i < sc_n_actions; i++) {
		const struct sc_action_desc *a = &sc_actions[i];
		fprintf(f, "  - %s%s%s%s: %s", a->name, a->shorthand ? " [" : "", a->shorthand ? a->shorthand : "",
			a->shorthand ? "]" : "", a->help);
		if (a->flavors) {
			struct strbuf sb = { 0 };
			sc_list_words(&sb, a->flavors);
			fprintf(f, " (flavor %s)", sb.buf);
			sb_release(&sb);
		}
		if (a->undo)
			fprintf(f, "; at the end, unless a later step did: %s", a->undo);
		fputc('\n', f);
		describe_options(f, a->opts, a->n_opts, 4);
	}
	fputs("\nNodes: all, a number, or a list [1, 3]. Durations: 500ms, 10s, 2m.\n", f);
}

void scenario_purpose(const struct scenario *sc, char *buf, size_t size)
{
	const char *d = sc->description ? sc->description : "";
	size_t o = 0;
	bool space = false;

	if (!size)
		return;
	while (isspace((unsigned char)*d))
		d++;
	for (; *d && o + 1 < size; d++) {
		if (isspace((unsigned char)*d)) {
			space = true;
			continue;
		}
		if (space && o + 2 < size)
			buf[o++] = ' ';
		space = false;
		buf[o++] = *d;
		if ((*d == '.' || *d == '!' || *d == '?') && (!d[1] || isspace((unsigned char)d[1])))
			break;
	}
	buf[o] = '\0';
}

void node_set_format(const struct node_set *ns, char *buf, size_t size)
{
	size_t o = 0;

	if (!size)
		return;
	buf[0] = '\0';
	if (ns->all) {
		lab_strlcpy(buf, "all", size);
		return;
	}
	for (int n = 1; n <= LAB_MAX_NODES; n++)
		if (ns->mask & (1u << n)) {
			int w = snprintf(buf + o, size - o, "%s%d", o ? "," : "", n);
			if (w < 0 || (size_t)w >= size - o)
				return;
			o += (size_t)w;
		}
}

int node_set_count(const struct node_set *ns)
{
	return __builtin_popcount(ns->mask);
}

