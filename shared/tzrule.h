/* POSIX TZ rule strings ("CET-1CEST,M3.5.0,M10.5.0/3"), as TZif files carry
 * in their footer for the times after their last transition. */
#ifndef DAGD_TZRULE_H
#define DAGD_TZRULE_H

#include <stdbool.h>
#include <stdint.h>

/* A day of the year: Jn (1-365, Feb 29 never counted), n (0-365), or
 * Mm.w.d (weekday d of week w, 5 = the last, of month m), at TIME seconds
 * of local time (may be negative or past 24 h). */
typedef struct tz_rule_date {
    char kind; /* 'J', 'n' or 'M' */
    int n, m, w, d;
    int32_t time;
} tz_rule_date;

typedef struct tz_rule {
    long std_off, dst_off; /* seconds east of UTC */
    bool has_dst;
    char std_abbr[16], dst_abbr[16];
    tz_rule_date start, end; /* DST starts (in standard time) and ends (in DST) */
} tz_rule;

/* Parse S into R. Returns 0, or -1 when S is no valid rule. */
int tz_rule_parse(const char *s, tz_rule *r);

/* Offset (seconds east), DST flag and abbreviation at T seconds since the
 * epoch. */
long tz_rule_at(const tz_rule *r, int64_t t, bool *isdst, const char **abbr);

#endif
