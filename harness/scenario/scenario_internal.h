/*
 * scenario_internal.h — what the parts of the scenario loader share
 * (parse.c, schema.c, lint.c, describe.c); not for the rest of lab.
 */
#ifndef LAB_SCENARIO_INTERNAL_H
#define LAB_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "scenario.h"
#include "strbuf.h"

/* The parser's state for one file. */
struct pctx {
	const char *file;
	yaml_document_t *doc;
	struct sc_errors *errs;
	size_t errors_at_start;
	int nodes;          /* cluster.nodes, for node numbers */
	char *flavor;       /* a copy of cluster.flavor: the defaults pass may free the original */
	char *backend;      /* a copy of cluster.backend, likewise */
	const struct sc_overrides *ov; /* a plan's run: what replaces the cluster section's values, or NULL */
};

/* One error "FILE:LINE:COL: message" at node at (NULL: the file). */
void sc_perr(struct pctx *p, const yaml_node_t *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
yaml_node_t *sc_node_at(struct pctx *p, int idx);
/* The value of key in mapping m (and its key node), or NULL. */
const yaml_node_t *sc_map_get(struct pctx *p, const yaml_node_t *m, const char *key, const yaml_node_t **keynode);
/* "a, b or c" */
void sc_list_words(struct strbuf *sb, const char *const *v);
/* "250ms", "10s", "2m", "24h": the largest unit that divides ms. */
void sc_format_duration(int64_t ms, char *buf, size_t size);
/* The name lists of schema.c that come from the plug-in tables. */
void sc_fill_names_once(void);
/* Parse mapping m against table t into base (defaults for what is not
 * given; "did you mean" for unknown keys). Keys whose bit is set in
 * *given_out on entry are skipped; on return it has the keys given. */
void sc_parse_map(struct pctx *p, const yaml_node_t *m, const struct sc_option *t, size_t n, void *base,
		  const char *section, uint64_t *given_out);
/* Parse one YAML document of text (a `what` file: "scenario", "plan")
 * and let fill read it from its root (NULL for an empty file); errors are
 * collected in errs in file order. 0, or -1 when there was any error. */
int sc_parse_text(const char *text, size_t len, const char *file, const char *what, const struct sc_overrides *ov,
		  struct sc_errors *errs, void (*fill)(struct pctx *p, const yaml_node_t *root, void *arg), void *arg);
/* The file's text (at most SC_MAX_FILE_BYTES + 1 bytes), NUL-terminated,
 * or NULL with "PATH: cannot read: ..." added to errs. */
char *sc_read_file(const char *path, size_t *len, struct sc_errors *errs);
/* lint.c: the pass over the parsed steps. */
void sc_lint_steps(struct pctx *p, struct scenario *sc, const yaml_node_t *steps_node);

#endif
