/* Clocks, IANA zone conversions (tzzone.c), ISO 8601 date-times,
 * durations and sizes. */
#include "timeutil.h"

#include "tzzone.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC_PER_DAY 86400LL

/* ---- clocks ---- */

static int64_t clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

int64_t time_now_us(void)
{
    return clock_us(CLOCK_REALTIME);
}

int64_t time_mono_us(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

/* Wall-clock seconds ("local time read as if it were UTC") of possibly
 * out-of-range fields, normalised by plain arithmetic. */
static int64_t wall_seconds(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t min,
                            int64_t sec)
{
    int64_t months = year * 12 + (month - 1);
    int64_t y = floor_div(months, 12);
    int m = (int)floor_mod(months, 12) + 1;
    int64_t days = civil_to_days(y, m, 1) + (day - 1);
    return days * SEC_PER_DAY + hour * 3600 + min * 60 + sec;
}

/* ---- zones ---- */

/* Broken-down wall-clock time of S in zone Z; out of struct tm's range the
 * result is UTC-like with zero offset rather than garbage. */
static void local_at(const tz_zone *z, int64_t s, struct tm *out)
{
    tz_offset o;
    tz_zone_at(z, s, &o);
    int64_t wall = s + o.gmtoff, days = floor_div(wall, SEC_PER_DAY);
    int64_t y, secs = floor_mod(wall, SEC_PER_DAY);
    int m, d;
    civil_from_days(days, &y, &m, &d);
    memset(out, 0, sizeof *out);
    if (y - 1900 < INT_MIN || y - 1900 > INT_MAX) {
        out->tm_year = 70;
        out->tm_mday = 1;
        return;
    }
    out->tm_year = (int)(y - 1900);
    out->tm_mon = m - 1;
    out->tm_mday = d;
    out->tm_hour = (int)(secs / 3600);
    out->tm_min = (int)(secs / 60 % 60);
    out->tm_sec = (int)(secs % 60);
    out->tm_wday = (int)floor_mod(days + 4, 7); /* 1970-01-01 was a Thursday */
    out->tm_yday = (int)(days - civil_to_days(y, 1, 1));
    out->tm_isdst = o.isdst;
    out->tm_gmtoff = o.gmtoff;
    out->tm_zone = o.abbr;
}

static long offset_at(const tz_zone *z, int64_t s)
{
    tz_offset o;
    tz_zone_at(z, s, &o);
    return o.gmtoff;
}

bool tz_exists(const char *name)
{
    /* zone.tab, tzdata.zi and friends live there too: only TZif data
     * counts. Leap-second tables (the right/ zones) are refused: their
     * time_t counts leap seconds, the system clock does not. */
    return tz_zone_find(name) != NULL;
}

void tz_local(const char *tz, int64_t t_us, struct tm *out)
{
    local_at(tz_zone_get(tz), floor_div(t_us, USEC_PER_SEC), out);
}

/* First instant in [lo, hi] whose wall-clock time is past W: the change that
 * opens a gap around W. */
static int64_t gap_change(const tz_zone *z, int64_t w, int64_t lo, int64_t hi)
{
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (mid + offset_at(z, mid) > w)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int64_t tz_from_local(const char *tz, int year, int month, int day, int hour, int min, int sec,
                      enum tz_local_kind *kind)
{
    const tz_zone *z = tz_zone_get(tz);
    int64_t w = wall_seconds(year, month, day, hour, min, sec);
    /* Offsets can be at most ~14 h, so a day either side of W (read as UTC)
     * is safely before / after the instant sought; the offset at each guess
     * catches a change between them. */
    long offs[4];
    offs[0] = offset_at(z, w - SEC_PER_DAY);
    offs[1] = offset_at(z, w + SEC_PER_DAY);
    offs[2] = offset_at(z, w - offs[0]);
    offs[3] = offset_at(z, w - offs[1]);
    int64_t first = 0, lo = w - offs[0], hi = w - offs[0];
    int found = 0;
    for (int i = 0; i < 4; i++) {
        int64_t t = w - offs[i];
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen = seen || offs[j] == offs[i];
        if (seen || offset_at(z, t) != offs[i])
            continue; /* already tried, or does not round-trip to W */
        first = found++ == 0 || t < first ? t : first;
    }
    enum tz_local_kind k = found == 0   ? TZ_LOCAL_GAP
                           : found == 1 ? TZ_LOCAL_UNIQUE
                                        : TZ_LOCAL_AMBIGUOUS;
    if (kind)
        *kind = k;
    if (k == TZ_LOCAL_GAP)
        first = gap_change(z, w, lo, hi);
    return first * USEC_PER_SEC;
}

/* ---- formatting ---- */

static size_t copy_out(const char *src, char *buf, size_t len)
{
    if (!len)
        return 0;
    size_t n = strlen(src);
    if (n >= len)
        n = len - 1;
    memcpy(buf, src, n);
    buf[n] = '\0';
    return n;
}

size_t time_format_iso(int64_t t_us, const char *tz, char *buf, size_t len)
{
    struct tm tm;
    tz_local(tz, t_us, &tm);
    char tmp[96];
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    int64_t frac = floor_mod(t_us, USEC_PER_SEC);
    if (frac)
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".%06lld", (long long)frac);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    n +=
        snprintf(tmp + n, sizeof tmp - (size_t)n, "%c%02ld:%02ld", sign, off / 3600, off / 60 % 60);
    if (off % 60) /* historic local mean time offsets have seconds */
        snprintf(tmp + n, sizeof tmp - (size_t)n, ":%02ld", off % 60);
    return copy_out(tmp, buf, len);
}

void time_format_date(int64_t t_us, const char *tz, bool nodash, char *buf, size_t len)
{
    struct tm tm;
    tz_local(tz, t_us, &tm);
    char tmp[48];
    snprintf(tmp, sizeof tmp, nodash ? "%04d%02d%02d" : "%04d-%02d-%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday);
    copy_out(tmp, buf, len);
}

/* ---- parsing ---- */

bool time_in_range(int64_t t_us)
{
    return t_us >= TIME_MIN_US && t_us <= TIME_MAX_US;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Length of S without trailing whitespace. */
static int trimmed_len(const char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return n > 1000 ? 1000 : (int)n; /* messages quote at most this much */
}

static bool only_space(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return *p == '\0';
}

static const char *skip_space(const char *p)
{
    while (p && isspace((unsigned char)*p))
        p++;
    return p ? p : "";
}

/* Exactly N digits at *P; advances P. */
static bool take_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool take_char(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

struct datetime {
    int year, month, day, hour, min, sec, usec;
    bool has_offset;
    int offset; /* seconds east of UTC */
};

/* "[.ffffff]": 1 to 6 digits, scaled to microseconds. */
static bool take_fraction(const char **p, int *usec)
{
    if (!take_char(p, '.'))
        return true;
    int digits = 0, v = 0;
    while (isdigit((unsigned char)**p) && digits < 6) {
        v = v * 10 + (*(*p)++ - '0');
        digits++;
    }
    if (digits == 0 || isdigit((unsigned char)**p))
        return false;
    while (digits++ < 6)
        v *= 10;
    *usec = v;
    return true;
}

static bool take_time(const char **p, struct datetime *dt)
{
    if (!take_digits(p, 2, &dt->hour) || !take_char(p, ':') || !take_digits(p, 2, &dt->min))
        return false;
    if (!take_char(p, ':'))
        return true;
    return take_digits(p, 2, &dt->sec) && take_fraction(p, &dt->usec);
}

/* "Z", "±HH", "±HH:MM" or "±HHMM". */
static bool take_offset(const char **p, struct datetime *dt)
{
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        dt->has_offset = true;
        return true;
    }
    if (**p != '+' && **p != '-')
        return true;
    int sign = *(*p)++ == '-' ? -1 : 1, h, m = 0;
    if (!take_digits(p, 2, &h))
        return false;
    if (take_char(p, ':')) {
        if (!take_digits(p, 2, &m))
            return false;
    } else if (isdigit((unsigned char)**p) && !take_digits(p, 2, &m)) {
        return false;
    }
    if (h > 23 || m > 59)
        return false;
    dt->has_offset = true;
    dt->offset = sign * (h * 3600 + m * 60);
    return true;
}

static bool parse_syntax(const char *s, struct datetime *dt)
{
    const char *p = s;
    /* 4 digits, or 5 for 10000-01-01 (the last instant, east of UTC). */
    size_t year_digits = strspn(s, "0123456789") == 5 ? 5 : 4;
    if (!take_digits(&p, (int)year_digits, &dt->year) || !take_char(&p, '-') ||
        !take_digits(&p, 2, &dt->month) || !take_char(&p, '-') || !take_digits(&p, 2, &dt->day))
        return false;
    if ((*p == 'T' || *p == 't' || *p == ' ') && isdigit((unsigned char)p[1])) {
        p++;
        if (!take_time(&p, dt))
            return false;
    }
    if (!take_offset(&p, dt))
        return false;
    while (isspace((unsigned char)*p))
        p++;
    return *p == '\0';
}

/* Range problems, or NULL. */
static const char *range_problem(const struct datetime *dt, char *buf, size_t len)
{
    if (dt->month < 1 || dt->month > 12)
        snprintf(buf, len, "month %02d out of range 01-12", dt->month);
    else if (dt->day < 1 || dt->day > civil_days_in_month(dt->year, dt->month))
        snprintf(buf, len, "day %02d out of range 01-%02d for %04d-%02d", dt->day,
                 civil_days_in_month(dt->year, dt->month), dt->year, dt->month);
    else if (dt->hour > 23)
        snprintf(buf, len, "hour %02d out of range 00-23", dt->hour);
    else if (dt->min > 59)
        snprintf(buf, len, "minute %02d out of range 00-59", dt->min);
    else if (dt->sec > 59)
        snprintf(buf, len, "second %02d out of range 00-59", dt->sec);
    else
        return NULL;
    return buf;
}

int time_parse(const char *text, const char *tz, int64_t *out_us, char *err, size_t errlen)
{
    const char *s = skip_space(text);
    int len = trimmed_len(s);
    struct datetime dt = {0};
    if (!parse_syntax(s, &dt)) {
        set_err(err, errlen,
                "bad date-time \"%.*s\": expected "
                "YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM]",
                len, s);
        return -1;
    }
    char why[96];
    if (range_problem(&dt, why, sizeof why)) {
        set_err(err, errlen, "bad date-time \"%.*s\": %s", len, s, why);
        return -1;
    }
    int64_t secs;
    if (dt.has_offset)
        secs = wall_seconds(dt.year, dt.month, dt.day, dt.hour, dt.min, dt.sec) - dt.offset;
    else
        secs = tz_from_local(tz, dt.year, dt.month, dt.day, dt.hour, dt.min, dt.sec, NULL) /
               USEC_PER_SEC;
    int64_t t = secs * USEC_PER_SEC + dt.usec;
    if (!time_in_range(t)) {
        set_err(err, errlen,
                "date-time \"%.*s\" out of range 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z", len,
                s);
        return -1;
    }
    *out_us = t;
    return 0;
}

/* ---- durations ---- */

static const struct {
    char suffix;
    int64_t us;
} duration_units[] = {
    {'d', USEC_PER_DAY},
    {'h', USEC_PER_HOUR},
    {'m', USEC_PER_MIN},
    {'s', USEC_PER_SEC},
};
#define N_DURATION_UNITS (int)(sizeof duration_units / sizeof *duration_units)

static int duration_unit(char c)
{
    for (int i = 0; i < N_DURATION_UNITS; i++)
        if (duration_units[i].suffix == c)
            return i;
    return -1;
}

/* Digits at *P into *OUT; false on no digits or overflow. */
static bool take_number(const char **p, int64_t *out, bool *overflow)
{
    int64_t v = 0;
    const char *start = *p;
    *overflow = false;
    for (; isdigit((unsigned char)**p); (*p)++)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, **p - '0', &v))
            *overflow = true;
    *out = v;
    return *p != start;
}

/* Which unit the suffix at P names: a bare number at the end is seconds,
 * but only on its own ("1h30" is more likely a typo than 1h30s). */
static int duration_suffix(const char *p, int last_unit)
{
    if (only_space(p))
        return last_unit < 0 ? N_DURATION_UNITS - 1 : -1;
    return duration_unit(*p);
}

int duration_parse(const char *text, int64_t *out_us, char *err, size_t errlen)
{
    const char *s = skip_space(text), *p = s;
    int len = trimmed_len(s);
    int64_t total = 0;
    int last_unit = -1;
    if (!*s) {
        set_err(err, errlen, "empty duration: expected e.g. 30s, 10m, 1h30m, 2d");
        return -1;
    }
    while (!only_space(p)) {
        int64_t n;
        bool overflow;
        if (!take_number(&p, &n, &overflow)) {
            set_err(err, errlen, "bad duration \"%.*s\": expected e.g. 30s, 10m, 1h30m, 2d", len,
                    s);
            return -1;
        }
        int unit = duration_suffix(p, last_unit);
        if (unit < 0 || unit <= last_unit) {
            set_err(err, errlen,
                    "bad duration \"%.*s\": units are d, h, m, s, largest first, e.g. 1h30m", len,
                    s);
            return -1;
        }
        if (!only_space(p))
            p++;
        if (overflow || __builtin_mul_overflow(n, duration_units[unit].us, &n) ||
            __builtin_add_overflow(total, n, &total)) {
            set_err(err, errlen, "duration \"%.*s\" is too large", len, s);
            return -1;
        }
        last_unit = unit;
    }
    *out_us = total;
    return 0;
}

void duration_format(int64_t us, char *buf, size_t len)
{
    char tmp[96];
    size_t n = 0;
    uint64_t u = us < 0 ? -(uint64_t)us : (uint64_t)us;
    if (us < 0)
        tmp[n++] = '-';
    for (int i = 0; i < N_DURATION_UNITS; i++) {
        uint64_t q = u / (uint64_t)duration_units[i].us;
        u %= (uint64_t)duration_units[i].us;
        bool last = i == N_DURATION_UNITS - 1;
        bool empty = n == (size_t)(us < 0);
        /* Seconds also carry any sub-second rest, and "0s" stands for zero. */
        if (!q && !(last && (u || empty)))
            continue;
        n += (size_t)snprintf(tmp + n, sizeof tmp - n, "%llu", (unsigned long long)q);
        if (last && u) {
            n += (size_t)snprintf(tmp + n, sizeof tmp - n, ".%06llu", (unsigned long long)u);
            while (tmp[n - 1] == '0')
                n--;
        }
        tmp[n++] = duration_units[i].suffix;
    }
    tmp[n] = '\0';
    copy_out(tmp, buf, len);
}

/* ---- sizes ---- */

/* Shift for a k/m/g/t suffix, or -1. */
static int size_shift(char c)
{
    switch (tolower((unsigned char)c)) {
    case 'k':
        return 10;
    case 'm':
        return 20;
    case 'g':
        return 30;
    case 't':
        return 40;
    default:
        return -1;
    }
}

int size_parse(const char *text, int64_t *out_bytes, char *err, size_t errlen)
{
    const char *s = skip_space(text), *p = s;
    int len = trimmed_len(s);
    int64_t n;
    bool overflow;
    if (!take_number(&p, &n, &overflow)) {
        set_err(err, errlen, "bad size \"%.*s\": expected bytes or e.g. 512k, 256M, 1G", len, s);
        return -1;
    }
    while (*p == ' ')
        p++;
    int shift = 0;
    if (*p && size_shift(*p) >= 0) {
        shift = size_shift(*p++);
        if (*p == 'i') /* "256Mi": the binary multiple it already is */
            p++;
    }
    if (*p == 'B' || *p == 'b')
        p++;
    if (!only_space(p)) {
        set_err(err, errlen, "bad size \"%.*s\": unknown suffix (use k, M, G or T)", len, s);
        return -1;
    }
    if (overflow || n > (INT64_MAX >> shift)) {
        set_err(err, errlen, "size \"%.*s\" is too large", len, s);
        return -1;
    }
    *out_bytes = n << shift;
    return 0;
}
