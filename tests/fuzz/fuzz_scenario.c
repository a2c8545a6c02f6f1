/*
 * fuzz_scenario.c — libFuzzer harness for the scenario loader: any bytes
 * given to scenario_parse (the public entry point: text, length, file name,
 * errors) must give a scenario or errors, never a crash, a read past the
 * buffer (it is exactly `size` bytes, not NUL-terminated) or a leak.
 * Built by `make fuzz-smoke` (clang, ASan + UBSan); replayed over
 * tests/fuzz/corpus/scenario and tests/fuzz/regress/scenario by
 * build/test/replay_scenario (gcc, the ASan test build).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc;
	/* a copy of exactly size bytes: ASan sees any read beyond */
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	lab_quiet = true;
	sc = scenario_parse(text, size, "fuzz.yaml", &errs);
	scenario_free(sc);
	sc_errors_release(&errs);
	free(text);
	return 0;
}
