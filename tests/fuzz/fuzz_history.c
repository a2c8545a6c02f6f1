/*
 * fuzz_history.c — libFuzzer harness for the history checker's readers
 * (Jepsen JSON, EDN, lab's append journal) and the checker behind them:
 * the input is given as a stream in each format lab detects by itself and
 * once per forced workload. A history cut short or scribbled on must be
 * checked or refused (exit-2 style, -1), never crash or read out of bounds.
 * Built by `make fuzz-smoke`; replayed by build/test/replay_history.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "history.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_as(const uint8_t *data, size_t size, enum history_workload wl)
{
	struct history_opts o;
	struct history_result r;
	FILE *f = fmemopen((void *)data, size, "r");

	if (!f)
		return;
	history_opts_init(&o);
	o.workload = wl;
	o.cycle_search_ms = 50;
	history_check_stream(f, "fuzz", &o, &r);
	history_result_release(&r);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	lab_quiet = true;
	check_as(data, size, HISTORY_WL_AUTO);
	check_as(data, size, HISTORY_WL_RW_REGISTER);
	return 0;
}
