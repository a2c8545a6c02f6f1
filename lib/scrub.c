/*
 * scrub.c — secrets never reach a log, a report or the results database:
 * text that may quote SQL (CREATE USER ... IDENTIFIED BY, CHANGE MASTER ...
 * MASTER_PASSWORD=, CHANGE REPLICATION SOURCE ... SOURCE_PASSWORD=) or a
 * server's answer to it goes through scrub_secrets() first. See scrub.h.
 */
#include "scrub.h"
#include "base.h"
#include "strbuf.h"

#include <string.h>
#include <strings.h>

char *scrub_secrets(const char *secret, const char *text)
{
	static const char *const keys[] = { "IDENTIFIED BY ", "MASTER_PASSWORD=", "MASTER_PASSWORD =",
						 "SOURCE_PASSWORD=", "SOURCE_PASSWORD =" };
	struct strbuf out = {0};
	const char *p = text ? text : "";
	size_t slen = secret ? strlen(secret) : 0;

	while (*p) {
		size_t k, klen = 0;

		if (slen && !strncmp(p, secret, slen)) {
			sb_puts(&out, "***");
			p += slen;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(keys); k++) {
			klen = strlen(keys[k]);
			if (!strncasecmp(p, keys[k], klen) && (p[klen] == '\'' || p[klen] == '"'))
				break;
		}
		if (k < ARRAY_SIZE(keys)) {
			char quote = p[klen];
			const char *end = strchr(p + klen + 1, quote);
			sb_add(&out, p, klen + 1);
			sb_puts(&out, "***");
			sb_add(&out, &quote, 1);
			p = end ? end + 1 : p + strlen(p);
			continue;
		}
		sb_add(&out, p, 1);
		p++;
	}
	return sb_detach(&out);
}
