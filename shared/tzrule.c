/* POSIX TZ rules (POSIX.1-2017 8.3, with RFC 8536's extensions: hours up
 * to 167 and negative transition times). */
#include "tzrule.h"
#include "civil.h"

#include <ctype.h>
#include <string.h>

#define SEC_PER_DAY 86400LL

/* "<+09>" or "CET": at least 3 characters, copied into OUT. */
static bool take_name(const char **p, char *out, size_t len)
{
    const char *s = *p, *end;
    if (*s == '<') {
        s++;
        end = s;
        while (isalnum((unsigned char)*end) || *end == '+' || *end == '-')
            end++;
        if (*end != '>')
            return false;
        *p = end + 1;
    } else {
        end = s;
        while (isalpha((unsigned char)*end))
            end++;
        *p = end;
    }
    size_t n = (size_t)(end - s);
    if (n < 3 || n >= len)
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

static bool take_num(const char **p, int max, int *out)
{
    int v = 0, digits = 0;
    while (isdigit((unsigned char)**p) && digits < 3) {
        v = v * 10 + (*(*p)++ - '0');
        digits++;
    }
    *out = v;
    return digits > 0 && v <= max;
}

/* [+-]hh[:mm[:ss]] in seconds. */
static bool take_hms(const char **p, int max_hours, long *out)
{
    int sign = 1, h, m = 0, s = 0;
    if (**p == '+' || **p == '-')
        sign = *(*p)++ == '-' ? -1 : 1;
    if (!take_num(p, max_hours, &h))
        return false;
    if (**p == ':') {
        (*p)++;
        if (!take_num(p, 59, &m))
            return false;
        if (**p == ':') {
            (*p)++;
            if (!take_num(p, 59, &s))
                return false;
        }
    }
    *out = sign * (h * 3600L + m * 60L + s);
    return true;
}

static bool take_date(const char **p, tz_rule_date *d)
{
    memset(d, 0, sizeof *d);
    if (**p == 'J') {
        (*p)++;
        d->kind = 'J';
        if (!take_num(p, 365, &d->n) || d->n < 1)
            return false;
    } else if (**p == 'M') {
        (*p)++;
        d->kind = 'M';
        if (!take_num(p, 12, &d->m) || d->m < 1 || *(*p)++ != '.' || !take_num(p, 5, &d->w) ||
            d->w < 1 || *(*p)++ != '.' || !take_num(p, 6, &d->d))
            return false;
    } else {
        d->kind = 'n';
        if (!take_num(p, 365, &d->n))
            return false;
    }
    long time = 2 * 3600;
    if (**p == '/') {
        (*p)++;
        if (!take_hms(p, 167, &time))
            return false;
    }
    d->time = (int32_t)time;
    return true;
}

int tz_rule_parse(const char *s, tz_rule *r)
{
    memset(r, 0, sizeof *r);
    const char *p = s;
    long west;
    if (!take_name(&p, r->std_abbr, sizeof r->std_abbr) || !take_hms(&p, 167, &west))
        return -1;
    r->std_off = r->dst_off = -west;
    if (!*p)
        return 0;
    if (!take_name(&p, r->dst_abbr, sizeof r->dst_abbr))
        return -1;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!take_hms(&p, 167, &west))
            return -1;
        r->dst_off = -west;
    }
    if (!*p) /* POSIX leaves the default rule open; glibc uses the US one */
        p = ",M3.2.0,M11.1.0";
    if (*p++ != ',' || !take_date(&p, &r->start) || *p++ != ',' || !take_date(&p, &r->end))
        return -1;
    return *p ? -1 : 0;
}

/* Local wall-clock seconds (since the epoch, read as UTC) at which D
 * happens in year Y. */
static int64_t date_wall(const tz_rule_date *d, int64_t y)
{
    int64_t days = civil_to_days(y, 1, 1);
    if (d->kind == 'J') {
        days += d->n - 1 + (civil_days_in_month(y, 2) == 29 && d->n >= 60);
    } else if (d->kind == 'n') {
        days += d->n;
    } else {
        int64_t first = civil_to_days(y, d->m, 1);
        int wday = (int)floor_mod(first + 4, 7); /* 1970-01-01 was a Thursday */
        int mday = 1 + (d->d - wday + 7) % 7 + (d->w - 1) * 7;
        while (mday > civil_days_in_month(y, d->m))
            mday -= 7;
        days = first + mday - 1;
    }
    return days * SEC_PER_DAY + d->time;
}

long tz_rule_at(const tz_rule *r, int64_t t, bool *isdst, const char **abbr)
{
    bool dst = false;
    if (r->has_dst) {
        int64_t days = floor_div(t + r->std_off, SEC_PER_DAY);
        int64_t y;
        int m, d;
        civil_from_days(days, &y, &m, &d);
        /* Start is read in standard time, the end in DST. In the southern
         * hemisphere DST spans the new year: start after end. */
        int64_t start = date_wall(&r->start, y) - r->std_off;
        int64_t end = date_wall(&r->end, y) - r->dst_off;
        dst = start < end ? (t >= start && t < end) : (t < end || t >= start);
    }
    *isdst = dst;
    *abbr = dst ? r->dst_abbr : r->std_abbr;
    return dst ? r->dst_off : r->std_off;
}
