/*
 * html.h — what the HTML pages of results/ share (report.c's run report,
 * trend.c's nights): escaping, class-safe tokens and the style sheet, so
 * that the trend page looks and escapes like the run report.
 */
#ifndef LAB_HTML_H
#define LAB_HTML_H

#include "strbuf.h"

/* s HTML-escaped (& < > " '), nothing for NULL. */
void html_esc(struct strbuf *sb, const char *s);
/* A class-safe token from a free-form word ("Donor/Desynced" -> "donor-desynced"). */
void html_token(struct strbuf *sb, const char *s);
/* The pages' inline style sheet (verdict colours .verdict-pass etc.). */
extern const char html_css[];

#endif
