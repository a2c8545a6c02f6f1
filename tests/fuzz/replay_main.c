/*
 * replay_main.c — runs a libFuzzer harness's LLVMFuzzerTestOneInput over
 * files and directories given on the command line, once each, so that the
 * seed corpus and every crash kept in tests/fuzz/regress/ are replayed by
 * the ordinary ASan/UBSan test build (gcc; no libFuzzer needed). Prints
 * one TAP line per file; exits 1 if a file could not be read (a crash
 * aborts with the sanitizer's report).
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_done;

static int replay_file(const char *path)
{
	size_t len = 0;
	char *data = read_file(path, &len);

	if (!data) {
		printf("not ok %d - %s: cannot read\n", ++n_done, path);
		return -1;
	}
	printf("# %s\n", path); /* named before a crash can cut us short */
	fflush(stdout);
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	printf("ok %d - %s\n", ++n_done, path);
	fflush(stdout);
	return 0;
}

static int replay(const char *path)
{
	struct stat st;
	struct dirent **names;
	int n, rc = 0;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return replay_file(path);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return replay_file(path);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char *p = xasprintf("%s/%s", path, names[i]->d_name);
			if (replay(p) < 0)
				rc = -1;
			free(p);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++)
		if (replay(argv[i]) < 0)
			rc = 1;
	return rc;
}
