/*
 * describe.c — `lab validate --describe`: the reference of every section,
 * key and action, printed from the same tables the parser uses, as text or
 * as man page source (`lab help --man`); and the
 * small formatting helpers of scenarios (purpose line, node sets).
 */
#include "plan.h"
#include "scenario.h"
#include "scenario_internal.h"
#include "troff.h"
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
	case SC_KVSETS: return "sets";
	case SC_SECTION: return "section";
	case SC_STEPS: return "steps";
	case SC_EXPECT: return "section";
	}
	return "?";
}

/* Where the reference goes: plain text (`lab validate --describe`, one
 * entry a line, indented) or man page source (`lab help --man`: .TP
 * entries, .RS/.RE around the keys of a section or an action). */
struct describe_out {
	FILE *f;
	bool man;
};

/* One entry: tag (the key, or "- action [shorthand]"), its type word (or
 * NULL), and what it is. */
static void describe_entry(const struct describe_out *o, int indent, const char *tag, const char *type,
			   const char *text)
{
	if (!o->man) {
		if (type)
			fprintf(o->f, "%*s%-18s %-8s %s\n", indent, "", tag, type, text);
		else
			fprintf(o->f, "%*s%s: %s\n", indent, "", tag, text);
		return;
	}
	fputs(".TP\n\\fB", o->f);
	troff_escape(o->f, tag, strlen(tag));
	fputs("\\fR", o->f);
	if (type)
		fprintf(o->f, " (%s)", type);
	fputc('\n', o->f);
	troff_text(o->f, text);
}

static void describe_nest(const struct describe_out *o, bool begin)
{
	if (o->man)
		fputs(begin ? ".RS\n" : ".RE\n", o->f);
}

/* One entry per checker: its expect key, what it checks, its values. */
static void describe_expect(const struct describe_out *o, int indent)
{
	for (size_t i = 0; lab_checkers[i]; i++) {
		const struct checker_ops *c = lab_checkers[i];
		struct strbuf sb = { 0 };

		sb_printf(&sb, "checker %s: %s; ", c->name, c->help);
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
		describe_entry(o, indent, checker_expect_key(c), "word", sb.buf);
		sb_release(&sb);
	}
}

static void describe_options(const struct describe_out *out, const struct sc_option *t, size_t n, int indent)
{
	for (size_t i = 0; i < n; i++) {
		const struct sc_option *o = &t[i];
		struct strbuf sb = { 0 };

		sb_puts(&sb, o->help);
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
		describe_entry(out, indent, o->name, type_text(o), sb.buf);
		sb_release(&sb);
		if (o->type == SC_SECTION || o->type == SC_EXPECT) {
			describe_nest(out, true);
			if (o->type == SC_SECTION)
				describe_options(out, o->sub, o->n_sub, indent + 2);
			else
				describe_expect(out, indent + 2);
			describe_nest(out, false);
		}
	}
}

static const char actions_intro[] =
	"each step is '- ACTION: {key: value, ...}'; a scalar or list stands for the key in [ ]";
static const char plan_intro[] =
	"lab run --plan FILE; each combination of the matrix's values is one run of each scenario";
static const char nodes_text[] = "Nodes: all, a number, or a list [1, 3]. Durations: 500ms, 10s, 2m.";

static void describe(const struct describe_out *o)
{
	sc_fill_names_once();
	if (o->man)
		fputs(".SS \"Scenario keys\"\n", o->f);
	else
		fputs("Scenario keys:\n", o->f);
	describe_options(o, sc_top, sc_n_top, 2);
	if (o->man) {
		fputs(".SS Actions\n.PP\nEach step is \\fB\\- ACTION: {key: value, ...}\\fR;\n"
		      "a scalar or list stands for the key in [ ].\n", o->f);
	} else {
		fprintf(o->f, "\nActions (%s):\n", actions_intro);
	}
	for (size_t i = 0; i < sc_n_actions; i++) {
		const struct sc_action_desc *a = &sc_actions[i];
		struct strbuf tag = { 0 }, text = { 0 };

		sb_printf(&tag, "- %s%s%s%s", a->name, a->shorthand ? " [" : "", a->shorthand ? a->shorthand : "",
			  a->shorthand ? "]" : "");
		sb_puts(&text, a->help);
		if (a->flavors) {
			sb_puts(&text, " (flavor ");
			sc_list_words(&text, a->flavors);
			sb_puts(&text, ")");
		}
		if (a->undo)
			sb_printf(&text, "; at the end, unless a later step did: %s", a->undo);
		describe_entry(o, 2, tag.buf, NULL, text.buf);
		describe_nest(o, true);
		describe_options(o, a->opts, a->n_opts, 4);
		describe_nest(o, false);
		sb_release(&tag);
		sb_release(&text);
	}
	if (o->man) {
		fputs(".PP\n", o->f);
		troff_text(o->f, nodes_text);
	} else {
		fprintf(o->f, "\n%s\n", nodes_text);
	}
	/* A nightly plan's keys (plan.h), from their tables too. */
	if (o->man) {
		fputs(".SS \"Plan keys\"\n", o->f);
		troff_text(o->f, plan_intro);
	} else {
		fprintf(o->f, "\nPlan keys (%s):\n", plan_intro);
	}
	describe_options(o, sc_plan_top, sc_n_plan_top, 2);
}

void scenario_describe(FILE *f)
{
	struct describe_out o = { f, false };
	describe(&o);
}

void scenario_describe_man(FILE *f)
{
	struct describe_out o = { f, true };
	describe(&o);
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
	if (ns->role && !ns->mask) {
		lab_strlcpy(buf, ns->role == NODE_ROLE_PRIMARY ? "primary" : "replicas", size);
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

