/* Cron schedules: 5 fields (minute hour day-of-month month day-of-week) with
 * lists, ranges, steps, month / weekday names, 0 and 7 as Sunday, the
 * Vixie-cron rule (when both day fields are restricted, either may match),
 * the @hourly @daily @midnight @weekly @monthly @yearly @annually presets and
 * "none". Evaluated on wall-clock time in an IANA zone.
 *
 * DST: the fire instants are, for every matching wall-clock minute, that
 * minute's instant (tz_from_local): a time in a spring gap fires once, at the
 * change; a time that happens twice fires once, at its first occurrence.
 * Equal instants count once. */
#ifndef DAGD_CRON_H
#define DAGD_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cron_spec {
    bool none;            /* "none": never fires */
    uint64_t minutes;     /* bit m for minute 0..59 */
    uint32_t hours;       /* bit h for 0..23 */
    uint32_t days;        /* bit d for 1..31 */
    uint16_t months;      /* bit m for 1..12 */
    uint8_t weekdays;     /* bit d for 0..6, Sunday = 0 */
    bool days_restricted; /* day-of-month field was not "*" */
    bool weekdays_restricted;
} cron_spec;

/* Returns 0, or -1 with a message naming the bad field in ERR. */
int cron_parse(const char *text, cron_spec *out, char *err, size_t errlen);

/* Whether a wall-clock date and time (minute precision) matches. */
bool cron_matches(const cron_spec *c, const struct tm *local);

/* The first fire instant strictly after AFTER, or -1 (never / none). */
int64_t cron_next(const cron_spec *c, const char *tz, int64_t after_us);
/* The last fire instant at or before AT, or -1. */
int64_t cron_prev(const cron_spec *c, const char *tz, int64_t at_us);

#endif
