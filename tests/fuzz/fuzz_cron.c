/* libFuzzer target: cron expressions (parse, next / previous fire instant in
 * a few zones) and the time, duration and size parsers, with the invariants
 * that tie them together. */
#include "cron.h"
#include "timeutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The usual ones, then odd ones: 30-minute DST, a skipped day (Apia, end of
 * 2011), DST at midnight, negative DST, a 5:45 offset. (right/ zones are refused
 * by tz_exists: leap seconds break the wall-clock model.) */
static const char *const zones[] = {
    "UTC",          "Europe/Berlin",     "America/New_York", "Australia/Lord_Howe",
    "Pacific/Apia", "America/Sao_Paulo", "Europe/Dublin",    "Asia/Kathmandu"};
#define N_ZONES (sizeof zones / sizeof *zones)

/* 1900-01-01 and 2200-01-01: where the round-trip checks apply. */
#define SANE_MIN (-2208988800LL * USEC_PER_SEC)
#define SANE_MAX (7258118400LL * USEC_PER_SEC)

static void check_wall_brute_force(const cron_spec *c, const char *tz, int64_t t);

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void check_cron(const cron_spec *c, uint64_t h)
{
    /* One instant anywhere in int64 (crash checks only), one in a sane range
     * (invariants), on a minute boundary half the time. */
    int64_t wild = (int64_t)h;
    int64_t sane = SANE_MIN + (int64_t)(h % (uint64_t)(SANE_MAX - SANE_MIN));
    const char *tz = zones[(h >> 8) % N_ZONES];
    if (h & 2) {
        /* Near where zones change offset: a night in spring or autumn (or
         * Apia's skipped day at the end of 2011), give or take two hours. */
        static const int months[] = {3, 4, 9, 10, 11, 12};
        uint64_t g = h * 0x9e3779b97f4a7c15ULL;
        int year = (g >> 40) % 8 == 0 ? 2011 : 1990 + (int)((g >> 20) % 70);
        int month = months[(g >> 12) % 6];
        sane = tz_from_local(tz, year, month, 1 + (int)((g >> 4) % 31), (int)((g >> 30) % 4),
                             (int)((g >> 50) % 60), 0, NULL) +
               ((int64_t)((g >> 34) % 241) - 120) * USEC_PER_MIN;
    }
    if (h & 1)
        sane -= sane % USEC_PER_MIN;
    (void)cron_next(c, tz, wild);
    (void)cron_prev(c, tz, wild);
    (void)cron_next(c, tz, INT64_MAX);
    (void)cron_prev(c, tz, INT64_MIN);

    int64_t next = cron_next(c, tz, sane), prev = cron_prev(c, tz, sane);
    if (c->none && (next != -1 || prev != -1))
        abort();
    if (next != -1 && next <= sane)
        abort();
    if (prev != -1 && prev > sane)
        abort();
    if (next != -1 && next % USEC_PER_SEC)
        abort();
    if (next != -1) {
        /* NEXT is a fire instant, and nothing fires between SANE and it. */
        if (cron_prev(c, tz, next) != next)
            abort();
        int64_t before = cron_prev(c, tz, next - 1);
        if (before > sane)
            abort();
        struct tm tm;
        tz_local(tz, next, &tm);
        (void)cron_matches(c, &tm);
    }
    if (prev != -1 && next != -1 && cron_next(c, tz, prev) != next)
        abort();
    check_wall_brute_force(c, tz, sane);
}

/* In UTC every wall-clock minute is one instant: the next fire is the first
 * minute after T that cron_matches, found by brute force within a day. */
static void check_utc_brute_force(const cron_spec *c, int64_t t)
{
    int64_t next = cron_next(c, "UTC", t);
    int64_t m = t - (t % USEC_PER_MIN + USEC_PER_MIN) % USEC_PER_MIN + USEC_PER_MIN;
    for (int i = 0; i < 1440; i++, m += USEC_PER_MIN) {
        struct tm tm;
        tz_local("UTC", m, &tm);
        if (cron_matches(c, &tm)) {
            if (next != m)
                abort();
            return;
        }
    }
    if (next != -1 && next < m)
        abort();
}

static bool same_spec(const cron_spec *a, const cron_spec *b)
{
    return a->none == b->none && a->minutes == b->minutes && a->hours == b->hours &&
           a->days == b->days && a->months == b->months && a->weekdays == b->weekdays &&
           a->days_restricted == b->days_restricted &&
           a->weekdays_restricted == b->weekdays_restricted;
}

/* The documented rule itself: the fire instants are those of the matching
 * wall-clock minutes (tz_from_local), which never decrease in wall order. So
 * walking the minutes from a little before T's wall-clock time, the first
 * matching one whose instant is after T is the next fire. Also checks that
 * tz_from_local inverts tz_local. */
static void check_wall_brute_force(const cron_spec *c, const char *tz, int64_t t)
{
    struct tm tm;
    tz_local(tz, t, &tm);
    enum tz_local_kind kind;
    int64_t back = tz_from_local(tz, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                 tm.tm_min, tm.tm_sec, &kind);
    int64_t t_sec = t - ((t % USEC_PER_SEC) + USEC_PER_SEC) % USEC_PER_SEC;
    if (kind == TZ_LOCAL_GAP || back > t_sec || (kind == TZ_LOCAL_UNIQUE && back != t_sec))
        abort();

    int64_t next = cron_next(c, tz, t), last = INT64_MIN;
    for (int i = -180; i < 1440; i++) {
        struct tm w = tm;
        w.tm_sec = 0;
        int64_t m = tz_from_local(tz, w.tm_year + 1900, w.tm_mon + 1, w.tm_mday, w.tm_hour,
                                  w.tm_min + i, 0, NULL);
        if (m < last)
            abort(); /* instants never go back as wall-clock time goes on */
        last = m;
        if (m <= t)
            continue;
        /* M's wall-clock minute, normalised. */
        int64_t days = civil_to_days(w.tm_year + 1900, w.tm_mon + 1, w.tm_mday);
        int64_t mins = days * 1440 + w.tm_hour * 60 + w.tm_min + i;
        int64_t dd = mins >= 0 ? mins / 1440 : -((-mins + 1439) / 1440);
        int64_t rest = mins - dd * 1440, y;
        int mo, d;
        civil_from_days(dd, &y, &mo, &d);
        struct tm x = {0};
        x.tm_year = (int)(y - 1900);
        x.tm_mon = mo - 1;
        x.tm_mday = d;
        x.tm_hour = (int)(rest / 60);
        x.tm_min = (int)(rest % 60);
        x.tm_wday = (int)(((dd + 4) % 7 + 7) % 7);
        if (cron_matches(c, &x)) {
            if (next != m)
                abort();
            return;
        }
    }
}

/* Names and presets are case-insensitive: upper case parses the same. */
static void check_case(const char *s, int rc, const cron_spec *c)
{
    char *up = strdup(s);
    for (char *p = up; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    char err[300];
    cron_spec u;
    int urc = cron_parse(up, &u, err, sizeof err);
    if (urc != rc || (rc == 0 && !same_spec(&u, c)))
        abort();
    free(up);
}

static void check_time(const char *s, uint64_t h)
{
    char err[300], buf[64];
    const char *tz = zones[h % N_ZONES];
    int64_t t;
    if (time_parse(s, tz, &t, err, sizeof err) == 0) {
        /* Read back in UTC: the same instant (years that print as 4 digits). */
        if (t > SANE_MIN && t < SANE_MAX) {
            time_format_iso(t, "UTC", buf, sizeof buf);
            int64_t again;
            if (time_parse(buf, tz, &again, err, sizeof err) != 0 || again != t)
                abort();
        }
        time_format_iso(t, tz, buf, sizeof buf);
        time_format_date(t, tz, false, buf, sizeof buf);
    }
    int64_t d;
    if (duration_parse(s, &d, err, sizeof err) == 0) {
        if (d < 0)
            abort();
        duration_format(d, buf, sizeof buf);
        int64_t again;
        if (duration_parse(buf, &again, err, sizeof err) != 0 || again != d)
            abort();
    }
    int64_t b;
    if (size_parse(s, &b, err, sizeof err) == 0 && b < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    uint64_t h = fnv1a(data, size);
    char err[300];
    cron_spec c;
    memset(&c, 0, sizeof c);
    int rc = cron_parse(s, &c, err, sizeof err);
    if (rc == 0) {
        check_cron(&c, h);
        check_utc_brute_force(&c,
                              SANE_MIN + (int64_t)((h >> 16) % (uint64_t)(SANE_MAX - SANE_MIN)));
    } else if (!err[0]) {
        abort(); /* an error always says why */
    }
    check_case(s, rc, &c);
    check_time(s, h);
    free(s);
    return 0;
}
