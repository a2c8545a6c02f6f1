/*
 * error.h — reporting errors and informational lines.
 *
 * Error convention (libvirt style): a function that fails reports the error
 * once, where it happens, with lab_error(), and returns -1 (or NULL); callers
 * pass -1 up without printing again. The last message is kept per thread so
 * that the runner can store it with the step that failed.
 */
#ifndef LAB_ERROR_H
#define LAB_ERROR_H

#include <stdbool.h>

/* Report an error: "lab: MESSAGE" on stderr (with the source location when
 * LAB_DEBUG is set) and remember it as this thread's last error. */
void lab_error_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define lab_error(...) lab_error_at(__FILE__, __LINE__, __VA_ARGS__)
/* Like lab_error but the message is only remembered, not printed: for
 * errors that the caller will decide to show or not (probing, retries). */
void lab_error_quiet(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error that is the database's doing, not lab's (a node that cannot
 * join because no Primary component exists, a replica that cannot reach
 * its primary): reported like lab_error, and remembered as a finding for as
 * long as later errors only wrap its message. The runner makes such a
 * failed step a finding with this diagnosis, never "broken". */
void lab_error_finding(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool lab_last_error_is_finding(void);
/* This thread's last error message ("" if none). Borrowed. */
const char *lab_last_error(void);
void lab_clear_error(void);

/* Informational line on stderr, "lab: MESSAGE", unless lab_quiet is set. */
extern bool lab_quiet;
extern bool lab_verbose;
/* Lines printed from now on start "lab: [TAG] " (NULL or "": "lab: "), so
 * that the runs of lab run -j can be told apart on a shared stderr. */
void lab_set_message_tag(const char *tag);
/* "lab: " or "lab: [TAG] ", for the few that print their own lines. */
const char *lab_message_lead(void);
void lab_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lab_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
