/* IANA time zones read from /usr/share/zoneinfo (TZif, RFC 8536) into
 * immutable structs, parsed once per process and shared by all threads:
 * no TZ environment variable, no tzset, no locks around conversions. */
#ifndef DAGD_TZZONE_H
#define DAGD_TZZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tz_zone tz_zone;

/* The zone NAME, parsed on first use and kept for the life of the process.
 * NULL, "", "UTC" and names that are no usable zone file give UTC (as glibc
 * does with an unknown TZ). Never NULL; safe from any thread. */
const tz_zone *tz_zone_get(const char *name);
/* The same, but NULL when NAME is no usable zone ("UTC" is one). */
const tz_zone *tz_zone_find(const char *name);

/* The zone parsed from the TZif bytes DATA (for tests), or NULL when they
 * are not a usable TZif file (bad structure, leap-second tables). Free with
 * tz_zone_free. */
tz_zone *tz_zone_parse(const unsigned char *data, size_t len);
void tz_zone_free(tz_zone *z);

/* What the clocks of zone Z show at S seconds since the epoch. */
typedef struct tz_offset {
    long gmtoff; /* seconds east of UTC */
    bool isdst;
    const char *abbr; /* lives as long as Z */
} tz_offset;

void tz_zone_at(const tz_zone *z, int64_t s, tz_offset *out);

#endif
