/*
 * cmd_report.c — the `lab report` verb: writes one run's reports from the
 * results database: --html (the self-contained page with the fault
 * timeline), --junit (JUnit XML) and --history (the run's journal as a
 * Jepsen-style EDN history; the journal is the run's "journal" artifact or
 * --journal FILE, and with --journal no RUN is needed). Everything is
 * checked (database, run, journal) before any file is written; each file
 * is written atomically, so a failure leaves no half-written report.
 */
#include "commands.h"
#include "report.h"
#include "rundata.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define usage_error(...) lab_usage_error("report", __VA_ARGS__)

int cmd_report(int argc, char **argv)
{
	const char *db_path = RESULTSDB_DEFAULT, *html = NULL, *junit = NULL, *history = NULL;
	const char *journal = NULL, *run_arg = NULL;
	struct resultsdb *db = NULL;
	struct run_data *rd = NULL;
	char *journal_path = NULL;
	int64_t run = 0;
	int rc = LAB_EXIT_BROKEN;

	for (int i = 1; i < argc; i++) {
		const char **dst = NULL;
		if (!strcmp(argv[i], "--db"))
			dst = &db_path;
		else if (!strcmp(argv[i], "--html"))
			dst = &html;
		else if (!strcmp(argv[i], "--junit"))
			dst = &junit;
		else if (!strcmp(argv[i], "--history"))
			dst = &history;
		else if (!strcmp(argv[i], "--journal"))
			dst = &journal;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage_error("unknown option '%s'", argv[i]);
		if (dst) {
			if (i + 1 >= argc || !*argv[i + 1])
				return usage_error("option '%s' needs a value", argv[i]);
			*dst = argv[++i];
			continue;
		}
		if (run_arg)
			return usage_error("too many arguments ('%s')", argv[i]);
		run_arg = argv[i];
	}
	if (!html && !junit && !history)
		return usage_error("nothing to write: give --html, --junit or --history");
	if (!run_arg && (html || junit || !journal))
		return usage_error("which run? give RUN (a run id or 'last')");

	if (run_arg) {
		if (!path_exists(db_path)) {
			lab_error("results database '%s' does not exist (no run recorded there yet)", db_path);
			return LAB_EXIT_BROKEN;
		}
		if (!(db = resultsdb_open_existing(db_path)))
			return LAB_EXIT_BROKEN;
		if (run_id_parse(db, run_arg, &run) < 0 || !(rd = run_data_load(db, run)))
			goto out;
	}
	if (history) {
		const char *p = journal ? journal : run_artifact(rd, "journal");
		if (!p) {
			lab_error("run %lld has no journal artifact: give --journal FILE", (long long)run);
			goto out;
		}
		if (!path_exists(p)) {
			lab_error("journal '%s' does not exist", p);
			goto out;
		}
		journal_path = xstrdup(p);
	}
	if (html && report_html(db, run, html) < 0)
		goto out;
	if (junit && report_junit(db, &run, 1, junit) < 0)
		goto out;
	if (history && report_history(journal_path, history) < 0)
		goto out;
	if (html)
		printf("wrote %s\n", html);
	if (junit)
		printf("wrote %s\n", junit);
	if (history)
		printf("wrote %s\n", history);
	rc = LAB_EXIT_OK;
out:
	free(journal_path);
	run_data_free(rd);
	resultsdb_close(db);
	return rc;
}
