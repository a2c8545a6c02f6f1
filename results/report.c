/*
 * report.c — placeholder until the reports land: each says it is not built
 * yet and fails, so no caller believes a report was written. (report_junit
 * lives in results/junit.c, owned by the runner.)
 */
#include "report.h"
#include "util.h"

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
