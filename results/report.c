/*
 * report.c — placeholder until the reports land: each says it is not built
 * yet and fails, so no caller believes a report was written.
 */
#include "report.h"
#include "util.h"

int report_junit(struct resultsdb *db, const int64_t *runs, size_t n_runs, const char *path)
{
	(void)db; (void)runs; (void)n_runs;
	lab_error("cannot write '%s': JUnit reports are not built yet", path);
	return -1;
}

int report_html(struct resultsdb *db, int64_t run, const char *path)
{
	(void)db; (void)run;
	lab_error("cannot write '%s': HTML reports are not built yet", path);
	return -1;
}

int report_history(const char *journal_path, const char *out_path)
{
	(void)journal_path;
	lab_error("cannot write '%s': history export is not built yet", out_path);
	return -1;
}
