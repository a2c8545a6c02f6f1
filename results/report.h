/*
 * report.h — reports made from the results database: JUnit XML (one
 * testcase per run, failure text = the anomalies), a self-contained HTML
 * page with the fault timeline, and a Jepsen-style EDN history of a journal.
 */
#ifndef LAB_REPORT_H
#define LAB_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "resultsdb.h"

int report_junit(struct resultsdb *db, const int64_t *runs, size_t n_runs, const char *path);
int report_html(struct resultsdb *db, int64_t run, const char *path);
int report_history(const char *journal_path, const char *out_path);

#endif
