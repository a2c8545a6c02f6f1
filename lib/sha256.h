/*
 * sha256.h — SHA-256 of a buffer, as hex.
 */
#ifndef LAB_SHA256_H
#define LAB_SHA256_H

#include <stddef.h>

/* SHA-256 of a buffer as 64 hex digits + NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
