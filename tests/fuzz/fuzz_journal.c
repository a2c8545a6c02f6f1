/*
 * fuzz_journal.c — libFuzzer harness for the client journal's reader: the
 * input is split into lines for journal_parse_line, then read whole as a
 * file through journal_open / journal_next (a memfd, no disk). A journal
 * cut short or scribbled on must be read or refused, never crash.
 * Built by `make fuzz-smoke`; replayed by build/test/replay_journal.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "journal.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_lines(const uint8_t *data, size_t size)
{
	struct txn_record r;
	size_t start = 0;

	txn_record_init(&r);
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		size_t n = i - start;
		char *line = malloc(n + 1); /* exactly the line and its NUL */
		if (!line)
			break;
		memcpy(line, data + start, n);
		line[n] = '\0';
		journal_parse_line(line, &r);
		free(line);
		start = i + 1;
	}
	txn_record_release(&r);
}

static void read_file_whole(const uint8_t *data, size_t size)
{
	struct journal_reader *jr;
	struct txn_record r;
	char path[64];
	int fd = memfd_create("fuzz-journal", MFD_CLOEXEC);

	if (fd < 0)
		return;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	jr = journal_open(path);
	if (jr) {
		txn_record_init(&r);
		for (int i = 0; i < 100000 && journal_next(jr, &r) > 0; i++)
			;
		(void)journal_seed(jr);
		txn_record_release(&r);
		journal_reader_free(jr);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lab_quiet = true;
	parse_lines(data, size);
	read_file_whole(data, size);
	return 0;
}
