/*
 * cmd_history.c — the `lab history` verb: checks one or more transaction
 * histories (Jepsen JSON or EDN, or lab's append journal) with the history/
 * checker and prints, per file, the verdict, the anomalies with their
 * explanations and the consistency models ruled out — or, with --json,
 * Elle's result map. Exit 0 when every history is valid (or only
 * "unknown": nothing to order), 1 when any has a prohibited anomaly, 2 on
 * bad input or bad options (one line naming file and line).
 */
#include "commands.h"
#include "history.h"
#include "util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define usage_error(...) lab_usage_error("history", __VA_ARGS__)

enum { OPT_WFR = 256, OPT_SEQ, OPT_LIN, OPT_TIMEOUT, OPT_MAX };

static int add_list(const char **v, size_t *n, size_t cap, char *arg, const char *what, bool models)
{
	char *save = NULL;
	for (char *w = strtok_r(arg, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (models && !history_model_known(w)) {
			lab_error("--model: unknown consistency model '%s' (e.g. serializable, snapshot-isolation, "
				  "strict-serializable, read-committed)",
				  w);
			return -1;
		}
		if (*n == cap) {
			lab_error("%s: at most %zu", what, cap);
			return -1;
		}
		v[(*n)++] = w;
	}
	return 0;
}

int cmd_history(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workload", required_argument, NULL, 'w' },
		{ "model", required_argument, NULL, 'm' },
		{ "consistency-models", required_argument, NULL, 'm' },
		{ "anomaly", required_argument, NULL, 'a' },
		{ "anomalies", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "wfr-keys", no_argument, NULL, OPT_WFR },
		{ "sequential-keys", no_argument, NULL, OPT_SEQ },
		{ "linearizable-keys", no_argument, NULL, OPT_LIN },
		{ "cycle-search-timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-per-type", required_argument, NULL, OPT_MAX },
		{ NULL, 0, NULL, 0 },
	};
	struct history_opts o;
	history_opts_init(&o);
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "w:m:a:j", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (strcmp(optarg, "list-append") == 0 || strcmp(optarg, "append") == 0)
				o.workload = HISTORY_WL_LIST_APPEND;
			else if (strcmp(optarg, "rw-register") == 0)
				o.workload = HISTORY_WL_RW_REGISTER;
			else
				return usage_error("--workload: '%s' is not list-append or rw-register", optarg);
			break;
		case 'm':
			if (add_list(o.models, &o.n_models, ARRAY_SIZE(o.models), optarg, "--model", true) < 0)
				return LAB_EXIT_BROKEN;
			break;
		case 'a':
			if (add_list(o.anomalies, &o.n_anomalies, ARRAY_SIZE(o.anomalies), optarg, "--anomaly", false) < 0)
				return LAB_EXIT_BROKEN;
			break;
		case 'j':
			json = true;
			break;
		case OPT_WFR:
			o.wfr_keys = true;
			break;
		case OPT_SEQ:
			o.sequential_keys = true;
			break;
		case OPT_LIN:
			o.linearizable_keys = true;
			break;
		case OPT_TIMEOUT:
			if (parse_int64(optarg, 1, 3600000, &o.cycle_search_ms) < 0)
				return usage_error("--cycle-search-timeout: '%s' is not milliseconds in 1..3600000", optarg);
			break;
		case OPT_MAX: {
			int64_t n;
			if (parse_int64(optarg, 1, 1000000, &n) < 0)
				return usage_error("--max-per-type: '%s' is not a number in 1..1000000", optarg);
			o.max_per_type = (size_t)n;
			break;
		}
		default:
			return usage_error("unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("no history file given");
	int rc = LAB_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		struct history_result r;
		if (history_check_path(argv[i], &o, &r) < 0) {
			history_result_release(&r);
			return LAB_EXIT_BROKEN;
		}
		if (json)
			history_result_print_json(stdout, &r);
		else {
			if (i > optind)
				printf("\n");
			history_result_print(stdout, argv[i], &r);
		}
		if (r.valid == HISTORY_INVALID)
			rc = LAB_EXIT_FINDING;
		history_result_release(&r);
	}
	fflush(stdout);
	return rc;
}
