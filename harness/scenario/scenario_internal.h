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
/* lint.c: the pass over the parsed steps. */
void sc_lint_steps(struct pctx *p, struct scenario *sc, const yaml_node_t *steps_node);

#endif
