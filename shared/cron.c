/* Cron expressions: parsing into bit sets, matching, and the next / previous
 * fire instant found by walking the calendar in wall-clock time. */
#include "cron.h"

#include "timeutil.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The Gregorian calendar repeats every 400 years (146097 days, whole
 * weeks), so a schedule that matches at all does so in any 400 years; a
 * shorter search misses rare ones such as "Feb 29 on a Sunday" (28 to 40
 * years apart) and says "never" from some instants only. */
#define SEARCH_YEARS 400
/* Instants beyond year 10000 either way are treated as "never". */
#define TIME_LIMIT_US (253402300800LL * USEC_PER_SEC)

/* ---- parsing ---- */

enum { F_MINUTE, F_HOUR, F_DOM, F_MONTH, F_DOW, N_FIELDS };

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct field_def {
    const char *name;
    int min, max;             /* values accepted */
    int top;                  /* end of "*" and "N/S" (day-of-week: 6, 7 is an alias) */
    const char *const *names; /* value names, or NULL */
    int n_names, first_name;  /* names[i] is value first_name + i */
};

static const struct field_def field_defs[N_FIELDS] = {
    {"minute", 0, 59, 59, NULL, 0, 0},         {"hour", 0, 23, 23, NULL, 0, 0},
    {"day-of-month", 1, 31, 31, NULL, 0, 0},   {"month", 1, 12, 12, month_names, 12, 1},
    {"day-of-week", 0, 7, 6, dow_names, 7, 0},
};

static int field_error(char *err, size_t errlen, const struct field_def *f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int field_error(char *err, size_t errlen, const struct field_def *f, const char *fmt, ...)
{
    if (err && errlen) {
        int n = f ? snprintf(err, errlen, "%s field: ", f->name) : 0;
        if (n >= 0 && (size_t)n < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* A number or a name. A range ending in "sun" means 7 so "fri-sun" works. */
static int parse_value(const struct field_def *f, const char *s, bool range_end, int *out,
                       char *err, size_t errlen)
{
    if (isdigit((unsigned char)*s)) {
        size_t n = strspn(s, "0123456789");
        if (s[n])
            return field_error(err, errlen, f, "bad value \"%s\"", s);
        long v = n > 6 ? 9999999 : strtol(s, NULL, 10);
        if (v < f->min || v > f->max)
            return field_error(err, errlen, f, "%s out of range %d-%d", s, f->min, f->max);
        *out = (int)v;
        return 0;
    }
    for (int i = 0; i < f->n_names; i++) {
        if (strcasecmp(s, f->names[i]) == 0) {
            *out = f->first_name + i;
            if (range_end && f == &field_defs[F_DOW] && *out == 0)
                *out = 7;
            return 0;
        }
    }
    return field_error(err, errlen, f, "bad value \"%s\"", s);
}

static int parse_step(const struct field_def *f, const char *s, int *out, char *err, size_t errlen)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || s[n])
        return field_error(err, errlen, f, "bad step \"%s\"", s);
    int span = f->top - f->min + 1;
    long v = n > 6 ? 9999999 : strtol(s, NULL, 10);
    if (v < 1 || v > span)
        return field_error(err, errlen, f, "step %s out of range 1-%d", s, span);
    *out = (int)v;
    return 0;
}

/* "*", "N", "A-B", each optionally "/S"; N/S runs from N to the top. */
static int parse_item(const struct field_def *f, char *item, uint64_t *bits, char *err,
                      size_t errlen)
{
    char *slash = strchr(item, '/');
    int lo, hi, step = 1;
    if (slash) {
        *slash = '\0';
        if (parse_step(f, slash + 1, &step, err, errlen) < 0)
            return -1;
    }
    char *dash = strchr(item, '-');
    if (dash)
        *dash = '\0';
    if (strcmp(item, "*") == 0 && !dash) {
        lo = f->min;
        hi = f->top;
    } else {
        if (parse_value(f, item, false, &lo, err, errlen) < 0)
            return -1;
        hi = slash && lo < f->top ? f->top : lo;
        if (dash && parse_value(f, dash + 1, true, &hi, err, errlen) < 0)
            return -1;
        if (lo > hi)
            return field_error(err, errlen, f, "range %s-%s is reversed", item, dash + 1);
    }
    for (int v = lo; v <= hi; v += step)
        *bits |= 1ULL << v;
    return 0;
}

/* A comma-separated list of items. */
static int parse_field(const struct field_def *f, char *text, uint64_t *bits, char *err,
                       size_t errlen)
{
    *bits = 0;
    for (char *item = text;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        if (!*item)
            return field_error(err, errlen, f, "empty list item");
        if (parse_item(f, item, bits, err, errlen) < 0)
            return -1;
        if (!comma)
            return 0;
        item = comma + 1;
    }
}

static int split_fields(char *s, char *fields[N_FIELDS], char *err, size_t errlen)
{
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, " \t\r\n\v\f", &save); tok;
         tok = strtok_r(NULL, " \t\r\n\v\f", &save)) {
        if (n < N_FIELDS)
            fields[n] = tok;
        n++;
    }
    if (n != N_FIELDS)
        return field_error(err, errlen, NULL,
                           "expected 5 fields (minute hour day-of-month month day-of-week), "
                           "got %d",
                           n);
    return 0;
}

static int parse_fields(char *s, cron_spec *c, char *err, size_t errlen)
{
    char *fields[N_FIELDS];
    uint64_t bits[N_FIELDS];
    if (split_fields(s, fields, err, errlen) < 0)
        return -1;
    /* Vixie cron: a day field counts as restricted unless it starts with
     * "*", even a stepped star. Decide before parse_field cuts the text. */
    c->days_restricted = fields[F_DOM][0] != '*';
    c->weekdays_restricted = fields[F_DOW][0] != '*';
    for (int i = 0; i < N_FIELDS; i++)
        if (parse_field(&field_defs[i], fields[i], &bits[i], err, errlen) < 0)
            return -1;
    c->minutes = bits[F_MINUTE];
    c->hours = (uint32_t)bits[F_HOUR];
    c->days = (uint32_t)bits[F_DOM];
    c->months = (uint16_t)bits[F_MONTH];
    c->weekdays = (uint8_t)((bits[F_DOW] | bits[F_DOW] >> 7) & 0x7f); /* 7 is Sunday */
    return 0;
}

static const char *preset(const char *name)
{
    static const struct {
        const char *name, *expr;
    } presets[] = {
        {"@hourly", "0 * * * *"},   {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
        {"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"},
    };
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++)
        if (strcasecmp(name, presets[i].name) == 0)
            return presets[i].expr;
    return NULL;
}

static int parse_text(char *s, cron_spec *c, char *err, size_t errlen)
{
    if (!*s)
        return field_error(err, errlen, NULL, "empty schedule");
    if (strcasecmp(s, "none") == 0) {
        c->none = true;
        return 0;
    }
    if (s[0] != '@')
        return parse_fields(s, c, err, errlen);
    const char *expr = preset(s);
    if (!expr)
        return field_error(err, errlen, NULL,
                           "unknown preset \"%s\" (use @hourly @daily @midnight @weekly "
                           "@monthly @yearly @annually)",
                           s);
    char buf[32];
    snprintf(buf, sizeof buf, "%s", expr);
    return parse_fields(buf, c, err, errlen);
}

int cron_parse(const char *text, cron_spec *out, char *err, size_t errlen)
{
    char *copy = xstrdup(text ? text : "");
    cron_spec c = {0};
    int rc = parse_text(str_trim(copy), &c, err, errlen);
    free(copy);
    if (rc == 0)
        *out = c;
    return rc;
}

/* ---- matching ---- */

static bool bit(uint64_t mask, int i)
{
    return (mask >> i) & 1;
}

static bool day_matches(const cron_spec *c, int mday, int wday)
{
    bool dom = bit(c->days, mday), dow = bit(c->weekdays, wday);
    if (c->days_restricted && c->weekdays_restricted)
        return dom || dow;
    return dom && dow;
}

bool cron_matches(const cron_spec *c, const struct tm *local)
{
    return !c->none && bit(c->minutes, local->tm_min) && bit(c->hours, local->tm_hour) &&
           bit(c->months, local->tm_mon + 1) && day_matches(c, local->tm_mday, local->tm_wday);
}

/* ---- walking the calendar (wall-clock time, no zone) ---- */

struct wall {
    int64_t y;
    int mo, d, h, mi;
};

static struct wall wall_of(const struct tm *tm)
{
    return (struct wall){tm->tm_year + 1900LL, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour,
                         tm->tm_min};
}

static void wall_add_minutes(struct wall *w, int64_t minutes)
{
    int64_t total = civil_to_days(w->y, w->mo, w->d) * 1440 + w->h * 60 + w->mi + minutes;
    int64_t days = total / 1440, rest = total % 1440;
    if (rest < 0) {
        rest += 1440;
        days--;
    }
    civil_from_days(days, &w->y, &w->mo, &w->d);
    w->h = (int)(rest / 60);
    w->mi = (int)(rest % 60);
}

static bool wall_day_matches(const cron_spec *c, const struct wall *w)
{
    if (!bit(c->days, w->d) && !(c->days_restricted && c->weekdays_restricted))
        return false; /* both must match: skip the weekday (impossible schedules walk far) */
    int64_t wday = (civil_to_days(w->y, w->mo, w->d) + 4) % 7; /* 1970-01-01: Thursday */
    return day_matches(c, w->d, (int)(wday < 0 ? wday + 7 : wday));
}

/* Lowest set bit at or above FROM, or -1. */
static int bit_at_or_above(uint64_t mask, int from)
{
    uint64_t m = mask >> from;
    return m ? from + __builtin_ctzll(m) : -1;
}

/* Highest set bit at or below FROM, or -1. */
static int bit_at_or_below(uint64_t mask, int from)
{
    uint64_t m = from >= 63 ? mask : mask & ((2ULL << from) - 1);
    return m ? 63 - __builtin_clzll(m) : -1;
}

/* First matching hour:minute at or after W's within W's day. */
static bool next_in_day(const cron_spec *c, struct wall *w)
{
    for (; w->h < 24; w->h++, w->mi = 0) {
        int m = bit(c->hours, w->h) ? bit_at_or_above(c->minutes, w->mi) : -1;
        if (m >= 0) {
            w->mi = m;
            return true;
        }
    }
    return false;
}

static bool prev_in_day(const cron_spec *c, struct wall *w)
{
    for (; w->h >= 0; w->h--, w->mi = 59) {
        int m = bit(c->hours, w->h) ? bit_at_or_below(c->minutes, w->mi) : -1;
        if (m >= 0) {
            w->mi = m;
            return true;
        }
    }
    return false;
}

/* Moves W to the first matching wall-clock minute at or after it, skipping
 * whole months and days that cannot match. */
static bool next_wall(const cron_spec *c, struct wall *w, int64_t max_year)
{
    for (; w->y <= max_year; w->y++, w->mo = 1, w->d = 1, w->h = 0, w->mi = 0)
        for (; w->mo <= 12; w->mo++, w->d = 1, w->h = 0, w->mi = 0) {
            if (!bit(c->months, w->mo))
                continue;
            for (; w->d <= civil_days_in_month(w->y, w->mo); w->d++, w->h = 0, w->mi = 0)
                if (wall_day_matches(c, w) && next_in_day(c, w))
                    return true;
        }
    return false;
}

/* Moves W to the last matching wall-clock minute at or before it. */
static bool prev_wall(const cron_spec *c, struct wall *w, int64_t min_year)
{
    for (; w->y >= min_year; w->y--, w->mo = 12, w->d = 31, w->h = 23, w->mi = 59)
        for (; w->mo >= 1; w->mo--, w->d = 31, w->h = 23, w->mi = 59) {
            if (!bit(c->months, w->mo))
                continue;
            int dim = civil_days_in_month(w->y, w->mo);
            if (w->d > dim)
                w->d = dim;
            for (; w->d >= 1; w->d--, w->h = 23, w->mi = 59)
                if (wall_day_matches(c, w) && prev_in_day(c, w))
                    return true;
        }
    return false;
}

static int64_t wall_instant(const char *tz, const struct wall *w)
{
    return tz_from_local(tz, (int)w->y, w->mo, w->d, w->h, w->mi, 0, NULL);
}

/* ---- fire instants ----
 * A minute's instant never decreases as wall-clock time goes on (gap minutes
 * share the change's instant, repeated ones take their first occurrence), so
 * walking matching minutes in wall order visits fire instants in order. */

int64_t cron_next(const cron_spec *c, const char *tz, int64_t after_us)
{
    if (c->none || after_us >= TIME_LIMIT_US || after_us < -TIME_LIMIT_US)
        return -1;
    struct tm tm;
    tz_local(tz, after_us, &tm);
    /* Minutes up to AFTER's own map to instants at or before it. */
    struct wall w = wall_of(&tm);
    wall_add_minutes(&w, 1);
    int64_t max_year = w.y + SEARCH_YEARS;
    while (next_wall(c, &w, max_year)) {
        int64_t t = wall_instant(tz, &w);
        if (t > after_us)
            return t;
        wall_add_minutes(&w, 1); /* a repeated hour's first occurrence */
    }
    return -1;
}

/* How far (minutes) past AT's wall-clock time the minutes whose instants are
 * at or before AT can reach: after a backward change, the repeated wall
 * times up to the old offset. Offsets from the last 26 h bound it. */
static int64_t repeat_slack(const char *tz, int64_t at_us)
{
    struct tm tm;
    tz_local(tz, at_us, &tm);
    long now = tm.tm_gmtoff, most = now;
    for (int k = 1; k <= 13; k++) {
        tz_local(tz, at_us - k * 2 * USEC_PER_HOUR, &tm);
        most = tm.tm_gmtoff > most ? tm.tm_gmtoff : most;
    }
    return (most - now + 59) / 60;
}

int64_t cron_prev(const cron_spec *c, const char *tz, int64_t at_us)
{
    if (c->none || at_us >= TIME_LIMIT_US || at_us < -TIME_LIMIT_US)
        return -1;
    struct tm tm;
    tz_local(tz, at_us, &tm);
    struct wall w = wall_of(&tm);
    wall_add_minutes(&w, repeat_slack(tz, at_us));
    int64_t min_year = w.y - SEARCH_YEARS;
    while (prev_wall(c, &w, min_year)) {
        int64_t t = wall_instant(tz, &w);
        if (t <= at_us)
            return t;
        wall_add_minutes(&w, -1);
    }
    return -1;
}
