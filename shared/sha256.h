/* SHA-256 (FIPS 180-4): none of dagd's libraries exports one (libcurl keeps
 * its own private; sqlite3's is an extension not built in; jansson has
 * none), so this is the small textbook version. */
#ifndef DAGD_SHA256_H
#define DAGD_SHA256_H

#include <stddef.h>
#include <stdint.h>

void sha256(const void *data, size_t len, uint8_t out[32]);
/* The first 12 hex digits of the digest, NUL-terminated (13 bytes). */
void sha256_hex12(const void *data, size_t len, char out[13]);

#endif
