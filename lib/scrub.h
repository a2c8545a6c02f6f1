/*
 * scrub.h — masking passwords in text that is printed or stored.
 */
#ifndef LAB_SCRUB_H
#define LAB_SCRUB_H

/* A copy of text with secrets masked as "***": every occurrence of secret
 * (if non-NULL and non-empty) and the quoted value after IDENTIFIED BY and
 * MASTER_PASSWORD=. For anything printed or stored that may quote SQL or a
 * server's answer to it. Returns malloc'd. */
char *scrub_secrets(const char *secret, const char *text);

#endif
