/*
 * error.c — the one place errors are printed and remembered: lab_error()
 * prints "lab: MESSAGE" once where the failure happens and keeps it as the
 * thread's last error, so that the runner can store it with the step that
 * failed; lab_info() and lab_debug() print the informational lines that
 * --quiet and --verbose switch off and on. See error.h.
 */
#include "error.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool lab_quiet;
bool lab_verbose;
/* What every line starts with: "lab: ", or "lab: [TAG] " (lab run -j). */
static char lead[80] = "lab: ";

void lab_set_message_tag(const char *tag)
{
	if (tag && *tag)
		snprintf(lead, sizeof(lead), "lab: [%s] ", tag);
	else
		lab_strlcpy(lead, "lab: ", sizeof(lead));
}

const char *lab_message_lead(void)
{
	return lead;
}

/* One line in one write, so that the lines of processes that share stderr
 * (lab run -j) never mix within a line. */
static void print_line(const char *prefix, const char *msg, const char *suffix)
{
	fprintf(stderr, "%s%s%s%s\n", lead, prefix, msg, suffix);
}

static void print_va(const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	print_line(prefix, buf, "");
}
static _Thread_local char last_error[1024];
/* The database's own failure (lab_error_finding), as long as every later
 * error only wraps it ("cannot start node 2: <it>"). */
static _Thread_local char finding[1024];

/* Through a copy: the arguments may include lab_last_error() itself
 * ("cannot do X: %s"), and vsnprintf into its own source is undefined. */
static void remember(const char *fmt, va_list ap)
{
	char buf[sizeof(last_error)];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	memcpy(last_error, buf, sizeof(buf));
	if (finding[0] && !strstr(last_error, finding))
		finding[0] = '\0';
}

void lab_error_finding(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	remember(fmt, ap);
	va_end(ap);
	lab_strlcpy(finding, last_error, sizeof(finding));
	print_line("", last_error, "");
}

bool lab_last_error_is_finding(void)
{
	return finding[0] && last_error[0];
}

void lab_error_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	remember(fmt, ap);
	va_end(ap);
	if (getenv("LAB_DEBUG")) {
		char where[300];
		snprintf(where, sizeof(where), " (%s:%d)", file, line);
		print_line("", last_error, where);
	} else {
		print_line("", last_error, "");
	}
}

void lab_error_quiet(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	remember(fmt, ap);
	va_end(ap);
}

const char *lab_last_error(void)
{
	return last_error;
}

void lab_clear_error(void)
{
	last_error[0] = '\0';
	finding[0] = '\0';
}

void lab_info(const char *fmt, ...)
{
	va_list ap;

	if (lab_quiet)
		return;
	va_start(ap, fmt);
	print_va("", fmt, ap);
	va_end(ap);
}

void lab_debug(const char *fmt, ...)
{
	va_list ap;

	if (!lab_verbose)
		return;
	va_start(ap, fmt);
	print_va("debug: ", fmt, ap);
	va_end(ap);
}
