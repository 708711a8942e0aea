/* Cron parsing, matching and next / previous fire instants, including the
 * DST rules documented in cron.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cron.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static cron_spec parse(const char *expr)
{
    cron_spec c;
    char err[200] = "";
    if (cron_parse(expr, &c, err, sizeof err) != 0)
        fail_msg("cron_parse(\"%s\") failed: %s", expr, err);
    return c;
}

/* An ISO date-time without an offset is UTC here. */
static int64_t at(const char *iso)
{
    int64_t t;
    char err[200] = "";
    if (time_parse(iso, "UTC", &t, err, sizeof err) == 0)
        return t;
    /* Cron itself works before 1970, which time_parse refuses: read the
     * date 400 years (one exact Gregorian cycle) later and step back. */
    char later[64];
    int year;
    if (sscanf(iso, "%4d", &year) == 1 && year < 1970) {
        snprintf(later, sizeof later, "%04d%s", year + 400, iso + 4);
        if (time_parse(later, "UTC", &t, err, sizeof err) == 0)
            return t - 146097LL * USEC_PER_DAY;
    }
    fail_msg("bad test time %s: %s", iso, err);
    return 0;
}

/* Instants compare as UTC text so failures read well. */
static const char *show(int64_t t, char *buf)
{
    if (t == -1)
        return "never";
    time_format_iso(t, "UTC", buf, 40);
    return buf;
}

static void expect_next(const char *expr, const char *tz, const char *after, const char *want)
{
    cron_spec c = parse(expr);
    char got[40], exp[40];
    assert_string_equal(show(cron_next(&c, tz, at(after)), got),
                        want ? show(at(want), exp) : "never");
}

static void expect_prev(const char *expr, const char *tz, const char *at_time, const char *want)
{
    cron_spec c = parse(expr);
    char got[40], exp[40];
    assert_string_equal(show(cron_prev(&c, tz, at(at_time)), got),
                        want ? show(at(want), exp) : "never");
}

/* Successive cron_next calls from START give WANT in order, and cron_prev
 * walks the same instants backwards. */
static void expect_series(const char *expr, const char *tz, const char *start,
                          const char *const *want, int n)
{
    cron_spec c = parse(expr);
    char got[40], exp[40];
    int64_t t = at(start);
    for (int i = 0; i < n; i++) {
        t = cron_next(&c, tz, t);
        assert_string_equal(show(t, got), show(at(want[i]), exp));
        assert_int_equal(cron_prev(&c, tz, t), t);
        if (i > 0)
            assert_string_equal(show(cron_prev(&c, tz, t - 1), got), show(at(want[i - 1]), exp));
    }
}

#define SERIES(expr, tz, start, ...)                                                               \
    do {                                                                                           \
        static const char *const want_[] = {__VA_ARGS__};                                          \
        expect_series(expr, tz, start, want_, (int)(sizeof want_ / sizeof *want_));                \
    } while (0)

/* ---- parsing ---- */

static void test_parse_star(void **state)
{
    (void)state;
    cron_spec c = parse("* * * * *");
    assert_false(c.none);
    assert_true(c.minutes == (1ULL << 60) - 1);
    assert_int_equal(c.hours, (1u << 24) - 1);
    assert_int_equal(c.days, 0xfffffffeu);
    assert_int_equal(c.months, 0x1ffe);
    assert_int_equal(c.weekdays, 0x7f);
    assert_false(c.days_restricted);
    assert_false(c.weekdays_restricted);
}

static void test_parse_values(void **state)
{
    (void)state;
    cron_spec c = parse("5 4 10 6 3");
    assert_true(c.minutes == 1ULL << 5);
    assert_int_equal(c.hours, 1u << 4);
    assert_int_equal(c.days, 1u << 10);
    assert_int_equal(c.months, 1u << 6);
    assert_int_equal(c.weekdays, 1u << 3);
    assert_true(c.days_restricted);
    assert_true(c.weekdays_restricted);
    c = parse("0,15,30,45 9-17 1 * *");
    assert_true(c.minutes == (1ULL << 0 | 1ULL << 15 | 1ULL << 30 | 1ULL << 45));
    assert_int_equal(c.hours, 0x3fe00);
    assert_true(c.days_restricted);
    assert_false(c.weekdays_restricted);
    c = parse("59 23 31 12 0");
    assert_true(c.minutes == 1ULL << 59);
    assert_int_equal(c.hours, 1u << 23);
    assert_int_equal(c.days, 1u << 31);
    assert_int_equal(c.months, 1u << 12);
    assert_int_equal(c.weekdays, 1);
}

static void test_parse_steps(void **state)
{
    (void)state;
    cron_spec c = parse("*/15 */6 */10 1-6/2 */2");
    assert_true(c.minutes == (1ULL << 0 | 1ULL << 15 | 1ULL << 30 | 1ULL << 45));
    assert_int_equal(c.hours, 1u << 0 | 1u << 6 | 1u << 12 | 1u << 18);
    assert_int_equal(c.days, 1u << 1 | 1u << 11 | 1u << 21 | 1u << 31);
    assert_int_equal(c.months, 1u << 1 | 1u << 3 | 1u << 5);
    assert_int_equal(c.weekdays, 1u << 0 | 1u << 2 | 1u << 4 | 1u << 6);
    /* A stepped star leaves the day fields unrestricted (Vixie). */
    assert_false(c.days_restricted);
    assert_false(c.weekdays_restricted);
    c = parse("5/20 10-20/5 3/7 * 1/2");
    assert_true(c.minutes == (1ULL << 5 | 1ULL << 25 | 1ULL << 45));
    assert_int_equal(c.hours, 1u << 10 | 1u << 15 | 1u << 20);
    assert_int_equal(c.days, 1u << 3 | 1u << 10 | 1u << 17 | 1u << 24 | 1u << 31);
    assert_int_equal(c.weekdays, 1u << 1 | 1u << 3 | 1u << 5);
    assert_true(c.days_restricted);
    c = parse("0-59/30,7 * * * *");
    assert_true(c.minutes == (1ULL << 0 | 1ULL << 7 | 1ULL << 30));
    c = parse("*/60 */24 * * *");
    assert_true(c.minutes == 1);
    assert_int_equal(c.hours, 1);
}

static void test_parse_names(void **state)
{
    (void)state;
    cron_spec c = parse("0 0 * JAN,Mar,dec *");
    assert_int_equal(c.months, 1u << 1 | 1u << 3 | 1u << 12);
    c = parse("0 0 * jun-AUG sun,Sat");
    assert_int_equal(c.months, 1u << 6 | 1u << 7 | 1u << 8);
    assert_int_equal(c.weekdays, 1u << 0 | 1u << 6);
    c = parse("0 0 * * MON-fri");
    assert_int_equal(c.weekdays, 0x3e);
    /* A range may end on Sunday. */
    c = parse("0 0 * * fri-sun");
    assert_int_equal(c.weekdays, 1u << 5 | 1u << 6 | 1u << 0);
    c = parse("0 0 * feb-nov/3 *");
    assert_int_equal(c.months, 1u << 2 | 1u << 5 | 1u << 8 | 1u << 11);
}

static void test_parse_sunday_seven(void **state)
{
    (void)state;
    assert_int_equal(parse("0 0 * * 7").weekdays, 1);
    assert_int_equal(parse("0 0 * * 0,7").weekdays, 1);
    assert_int_equal(parse("0 0 * * 5-7").weekdays, 1u << 5 | 1u << 6 | 1u << 0);
    assert_int_equal(parse("0 0 * * 0-7").weekdays, 0x7f);
    assert_int_equal(parse("0 0 * * 7/2").weekdays, 1);
    /* Sunday 2026-11-22 matches "7". */
    cron_spec c = parse("0 12 * * 7");
    struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 22, .tm_hour = 12, .tm_wday = 0};
    assert_true(cron_matches(&c, &tm));
}

static void assert_same_spec(const cron_spec *a, const cron_spec *b)
{
    assert_int_equal(a->none, b->none);
    assert_true(a->minutes == b->minutes);
    assert_int_equal(a->hours, b->hours);
    assert_int_equal(a->days, b->days);
    assert_int_equal(a->months, b->months);
    assert_int_equal(a->weekdays, b->weekdays);
    assert_int_equal(a->days_restricted, b->days_restricted);
    assert_int_equal(a->weekdays_restricted, b->weekdays_restricted);
}

static void test_parse_presets(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"@hourly", "0 * * * *"},   {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"},  {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"}, {" @DAILY\t", "0 0 * * *"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        cron_spec a = parse(pairs[i][0]), b = parse(pairs[i][1]);
        assert_same_spec(&a, &b);
    }
    cron_spec none = parse("none");
    assert_true(none.none);
    assert_true(parse(" none ").none);
    assert_false(parse("@daily").none);
    struct tm tm = {.tm_year = 126, .tm_mday = 1};
    assert_false(cron_matches(&none, &tm));
    assert_int_equal(cron_next(&none, "UTC", 0), -1);
    assert_int_equal(cron_prev(&none, "UTC", at("2026-01-01")), -1);
}

static void test_parse_whitespace(void **state)
{
    (void)state;
    cron_spec a = parse("  0 3 * * *\t\n"), b = parse("0\t3  *   * *");
    cron_spec c = parse("0 3 * * *");
    assert_same_spec(&a, &c);
    assert_same_spec(&b, &c);
}

static void expect_parse_error(const char *expr, const char *want)
{
    cron_spec c = {.none = true, .minutes = 12345};
    char err[200] = "";
    assert_int_equal(cron_parse(expr, &c, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("cron_parse(\"%s\"): error \"%s\" lacks \"%s\"", expr, err, want);
    /* The output is left alone on failure. */
    assert_true(c.none);
    assert_true(c.minutes == 12345);
}

static void test_parse_errors(void **state)
{
    (void)state;
    char err[200];
    cron_spec c;
    assert_int_equal(cron_parse("* 24 * * *", &c, err, sizeof err), -1);
    assert_string_equal(err, "hour field: 24 out of range 0-23");
    expect_parse_error("", "empty schedule");
    expect_parse_error("   ", "empty schedule");
    expect_parse_error(NULL, "empty schedule");
    expect_parse_error("* * * *", "expected 5 fields");
    expect_parse_error("* * * *", "got 4");
    expect_parse_error("* * * * * *", "got 6");
    expect_parse_error("60 * * * *", "minute field: 60 out of range 0-59");
    expect_parse_error("* * 0 * *", "day-of-month field: 0 out of range 1-31");
    expect_parse_error("* * 32 * *", "day-of-month field: 32 out of range");
    expect_parse_error("* * * 0 *", "month field: 0 out of range 1-12");
    expect_parse_error("* * * 13 *", "month field: 13 out of range");
    expect_parse_error("* * * * 8", "day-of-week field: 8 out of range 0-7");
    expect_parse_error("99999999999 * * * *", "minute field: 99999999999 out of range");
    expect_parse_error("*/0 * * * *", "minute field: step 0 out of range");
    expect_parse_error("* */25 * * *", "hour field: step 25 out of range 1-24");
    expect_parse_error("*/ * * * *", "minute field: bad step");
    expect_parse_error("*/x * * * *", "minute field: bad step");
    expect_parse_error("1/-2 * * * *", "minute field: bad step");
    expect_parse_error("5-3 * * * *", "minute field: range 5-3 is reversed");
    expect_parse_error("* * * dec-jan *", "month field: range dec-jan is reversed");
    expect_parse_error("* * * * sat-mon", "day-of-week field: range sat-mon is reversed");
    expect_parse_error("abc * * * *", "minute field: bad value");
    expect_parse_error("mon * * * *", "minute field: bad value \"mon\"");
    expect_parse_error("* * * foo *", "month field: bad value \"foo\"");
    expect_parse_error("* * * january *", "month field: bad value");
    expect_parse_error("* * * * funday", "day-of-week field: bad value");
    expect_parse_error("* * * jan *x", "day-of-week field: bad value");
    expect_parse_error("1,,2 * * * *", "minute field: empty list item");
    expect_parse_error("1, * * * *", "minute field: empty list item");
    expect_parse_error(",1 * * * *", "minute field: empty list item");
    expect_parse_error("1-2-3 * * * *", "minute field: bad value");
    expect_parse_error("-1 * * * *", "minute field: bad value");
    expect_parse_error("1- * * * *", "minute field: bad value");
    expect_parse_error("*-5 * * * *", "minute field: bad value");
    expect_parse_error("+1 * * * *", "minute field: bad value");
    expect_parse_error("1.5 * * * *", "minute field: bad value");
    expect_parse_error("@reboot", "unknown preset \"@reboot\"");
    expect_parse_error("@daily 0", "unknown preset");
    expect_parse_error("@", "unknown preset");
    expect_parse_error("nonesuch", "expected 5 fields");
}

/* ---- matching ---- */

/* Wall-clock fields of a UTC date, through gmtime_r so the weekday is set. */
static struct tm wall(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    return tm;
}

static bool matches(const char *expr, int y, int mo, int d, int h, int mi)
{
    cron_spec c = parse(expr);
    struct tm tm = wall(y, mo, d, h, mi);
    return cron_matches(&c, &tm);
}

static void test_matches_fields(void **state)
{
    (void)state;
    assert_true(matches("30 2 * * *", 2026, 5, 5, 2, 30));
    assert_false(matches("30 2 * * *", 2026, 5, 5, 2, 31));
    assert_false(matches("30 2 * * *", 2026, 5, 5, 3, 30));
    assert_true(matches("0 0 1 jan *", 2027, 1, 1, 0, 0));
    assert_false(matches("0 0 1 jan *", 2027, 2, 1, 0, 0));
    assert_true(matches("* * * * *", 2026, 12, 31, 23, 59));
    assert_true(matches("0 0 29 2 *", 2028, 2, 29, 0, 0));
}

static void test_matches_vixie(void **state)
{
    (void)state;
    /* Both restricted: the 1st, the 15th, or any Monday. */
    const char *either = "0 0 1,15 * mon";
    assert_true(matches(either, 2026, 7, 1, 0, 0));  /* Wednesday the 1st */
    assert_true(matches(either, 2026, 7, 15, 0, 0)); /* Wednesday the 15th */
    assert_true(matches(either, 2026, 7, 6, 0, 0));  /* Monday the 6th */
    assert_true(matches(either, 2026, 7, 13, 0, 0)); /* Monday the 13th */
    assert_false(matches(either, 2026, 7, 7, 0, 0)); /* Tuesday the 7th */
    assert_false(matches(either, 2026, 7, 2, 0, 0));
    /* Only one restricted: that one decides. */
    assert_true(matches("0 0 1 * *", 2026, 7, 1, 0, 0));
    assert_false(matches("0 0 1 * *", 2026, 7, 6, 0, 0));
    assert_true(matches("0 0 * * mon", 2026, 7, 6, 0, 0));
    assert_false(matches("0 0 * * mon", 2026, 7, 1, 0, 0));
    /* A stepped star is unrestricted, so both must hold: odd days AND Monday. */
    assert_true(matches("0 0 */2 * mon", 2026, 7, 13, 0, 0));
    assert_false(matches("0 0 */2 * mon", 2026, 7, 6, 0, 0));
    assert_false(matches("0 0 */2 * mon", 2026, 7, 1, 0, 0));
    assert_true(matches("0 0 1 * */2", 2026, 11, 1, 0, 0));  /* Sunday the 1st */
    assert_false(matches("0 0 1 * */2", 2026, 7, 1, 0, 0));  /* Wednesday the 1st */
    assert_false(matches("0 0 1 * */2", 2026, 11, 8, 0, 0)); /* a Sunday, not the 1st */
    /* Next-fire instants follow the same rule. */
    SERIES(either, "UTC", "2026-06-30T12:00", "2026-07-01", "2026-07-06", "2026-07-13",
           "2026-07-15", "2026-07-20", "2026-07-27", "2026-08-01", "2026-08-03");
}

/* ---- next / prev in fixed zones ---- */

static void test_next_prev_utc(void **state)
{
    (void)state;
    expect_next("0 3 * * *", "UTC", "2026-11-22T02:59:59.999999", "2026-11-22T03:00");
    expect_next("0 3 * * *", "UTC", "2026-11-22T03:00", "2026-11-23T03:00");
    expect_prev("0 3 * * *", "UTC", "2026-11-22T03:00", "2026-11-22T03:00");
    expect_prev("0 3 * * *", "UTC", "2026-11-22T02:59:59.999999", "2026-11-21T03:00");
    expect_next("*/15 * * * *", "UTC", "2026-11-22T10:07", "2026-11-22T10:15");
    expect_next("*/15 * * * *", "UTC", "2026-11-22T10:14:59.999999", "2026-11-22T10:15");
    expect_next("*/15 * * * *", "UTC", "2026-11-22T10:15:00.000001", "2026-11-22T10:30");
    expect_next("*/15 * * * *", "UTC", "2026-11-22T23:50", "2026-11-23T00:00");
    expect_prev("*/15 * * * *", "UTC", "2026-11-22T10:29:59", "2026-11-22T10:15");
    expect_next("0 0 1 * *", "UTC", "2026-01-31T12:00", "2026-02-01");
    expect_next("0 0 1 1 *", "UTC", "2026-06-15", "2027-01-01");
    expect_prev("0 0 1 1 *", "UTC", "2026-06-15", "2026-01-01");
    expect_next("59 23 31 12 *", "UTC", "2026-01-01", "2026-12-31T23:59");
    expect_prev("59 23 31 12 *", "UTC", "2026-12-31T23:58", "2025-12-31T23:59");
    expect_next("0 0 * * 0", "UTC", "2026-11-18", "2026-11-22");
    expect_next("@weekly", "UTC", "2026-11-22", "2026-11-29");
    expect_next("* * * * *", "UTC", "2026-11-22T10:07:30", "2026-11-22T10:08");
    expect_prev("* * * * *", "UTC", "2026-11-22T10:07:30", "2026-11-22T10:07");
    expect_next("0 9-17/4 * * mon-fri", "UTC", "2026-11-20T17:00", "2026-11-23T09:00");
    expect_prev("0 9-17/4 * * mon-fri", "UTC", "2026-11-23T08:59", "2026-11-20T17:00");
    expect_next("15 10 * * *", "UTC", "1969-12-31T23:00", "1970-01-01T10:15");
    expect_prev("15 10 * * *", "UTC", "1970-01-01T10:00", "1969-12-31T10:15");
    SERIES("0 0 1 */3 *", "UTC", "2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01",
           "2027-01-01");
}

static void test_next_prev_tokyo(void **state)
{
    (void)state;
    /* 03:00 JST on Nov 22 is 18:00Z on Nov 21. */
    expect_next("0 3 * * *", "Asia/Tokyo", "2026-11-21T17:00", "2026-11-21T18:00");
    expect_next("0 3 * * *", "Asia/Tokyo", "2026-11-21T18:00", "2026-11-22T18:00");
    expect_prev("0 3 * * *", "Asia/Tokyo", "2026-11-21T17:59", "2026-11-20T18:00");
    expect_next("@daily", "Asia/Tokyo", "2026-11-22T00:00", "2026-11-22T15:00");
    /* Monday 09:00 JST is Monday 00:00Z; Sunday 23:00Z is already Monday. */
    expect_next("0 9 * * mon", "Asia/Tokyo", "2026-11-22T12:00", "2026-11-23T00:00");
    expect_prev("0 9 * * mon", "Asia/Tokyo", "2026-11-23T00:00", "2026-11-23T00:00");
    expect_next("0 0 1 * *", "Asia/Tokyo", "2026-11-30T14:59", "2026-11-30T15:00");
    expect_next("0 0 1 1 *", "Asia/Tokyo", "2026-12-31T15:00", "2027-12-31T15:00");
}

/* ---- DST ---- */

static void test_berlin_spring(void **state)
{
    (void)state;
    /* 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00Z; 02:xx does not exist. */
    SERIES("30 2 * * *", "Europe/Berlin", "2026-03-28T00:00", "2026-03-28T01:30",
           "2026-03-29T01:00", "2026-03-30T00:30");
    /* Every minute of the gap maps to the change: one fire, not four. */
    SERIES("*/15 2 * * *", "Europe/Berlin", "2026-03-28T12:00", "2026-03-29T01:00",
           "2026-03-30T00:00", "2026-03-30T00:15");
    /* 01:00 CET, then 02:00 (gap) and 03:00 CEST share 01:00Z, then 04:00 CEST. */
    SERIES("0 * * * *", "Europe/Berlin", "2026-03-28T23:30", "2026-03-29T00:00", "2026-03-29T01:00",
           "2026-03-29T02:00");
    SERIES("* * * * *", "Europe/Berlin", "2026-03-29T00:58", "2026-03-29T00:59", "2026-03-29T01:00",
           "2026-03-29T01:01");
    expect_prev("30 2 * * *", "Europe/Berlin", "2026-03-29T00:59:59", "2026-03-28T01:30");
    expect_prev("30 2 * * *", "Europe/Berlin", "2026-03-29T01:00", "2026-03-29T01:00");
    expect_prev("30 2 * * *", "Europe/Berlin", "2026-03-30T00:29", "2026-03-29T01:00");
}

static void test_berlin_autumn(void **state)
{
    (void)state;
    /* 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00Z; 02:xx happens twice. */
    SERIES("30 2 * * *", "Europe/Berlin", "2026-10-24T00:00", "2026-10-24T00:30",
           "2026-10-25T00:30", "2026-10-26T01:30");
    SERIES("*/15 2 * * *", "Europe/Berlin", "2026-10-24T12:00", "2026-10-25T00:00",
           "2026-10-25T00:15", "2026-10-25T00:30", "2026-10-25T00:45", "2026-10-26T01:00");
    /* 01:00 CEST, 02:00 CEST, then 03:00 CET: the second 02:00 does not fire. */
    SERIES("0 * * * *", "Europe/Berlin", "2026-10-24T22:30", "2026-10-24T23:00", "2026-10-25T00:00",
           "2026-10-25T02:00", "2026-10-25T03:00");
    /* From inside the repeated hour (second pass, CET), prev looks at the
     * minutes of its first pass. */
    expect_prev("0 * * * *", "Europe/Berlin", "2026-10-25T01:45", "2026-10-25T00:00");
    expect_prev("*/15 * * * *", "Europe/Berlin", "2026-10-25T01:20", "2026-10-25T00:45");
    expect_next("*/15 * * * *", "Europe/Berlin", "2026-10-25T00:45", "2026-10-25T02:00");
    expect_next("*/15 * * * *", "Europe/Berlin", "2026-10-25T01:20", "2026-10-25T02:00");
    expect_next("30 2 * * *", "Europe/Berlin", "2026-10-25T01:10", "2026-10-26T01:30");
    expect_prev("30 2 * * *", "Europe/Berlin", "2026-10-25T01:45", "2026-10-25T00:30");
}

static void test_new_york(void **state)
{
    (void)state;
    /* 2026-03-08: 02:00 EST -> 03:00 EDT at 07:00Z. */
    SERIES("30 2 * * *", "America/New_York", "2026-03-07T12:00", "2026-03-08T07:00",
           "2026-03-09T06:30");
    SERIES("0 * * * *", "America/New_York", "2026-03-08T05:30", "2026-03-08T06:00",
           "2026-03-08T07:00", "2026-03-08T08:00");
    /* 2026-11-01: 02:00 EDT -> 01:00 EST at 06:00Z; 01:xx happens twice. */
    SERIES("30 1 * * *", "America/New_York", "2026-10-31T12:00", "2026-11-01T05:30",
           "2026-11-02T06:30");
    SERIES("0 * * * *", "America/New_York", "2026-11-01T03:30", "2026-11-01T04:00",
           "2026-11-01T05:00", "2026-11-01T07:00", "2026-11-01T08:00");
    expect_prev("0 * * * *", "America/New_York", "2026-11-01T06:59", "2026-11-01T05:00");
    expect_next("@daily", "America/New_York", "2026-11-01T03:59", "2026-11-01T04:00");
    expect_next("@daily", "America/New_York", "2026-11-01T04:00", "2026-11-02T05:00");
}

static void test_other_zones(void **state)
{
    (void)state;
    /* Sao Paulo 2018-11-04: midnight itself was skipped (00:00 -03 -> 01:00 -02). */
    expect_next("@daily", "America/Sao_Paulo", "2018-11-03T12:00", "2018-11-04T03:00");
    expect_next("@daily", "America/Sao_Paulo", "2018-11-04T03:00", "2018-11-05T02:00");
    /* Lord Howe moves by half an hour: 02:00 -> 02:30 at 15:30Z. */
    expect_next("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00", "2026-10-03T15:30");
    /* Samoa skipped 2011-12-30 entirely: its noon fires at the change. */
    expect_next("0 12 30 12 *", "Pacific/Apia", "2011-12-01", "2011-12-30T10:00");
    expect_next("0 12 * * *", "Pacific/Apia", "2011-12-29T22:00", "2011-12-30T10:00");
    expect_next("0 12 * * *", "Pacific/Apia", "2011-12-30T10:00", "2011-12-30T22:00");
}

/* ---- leap days and impossible dates ---- */

static void test_leap_day(void **state)
{
    (void)state;
    expect_next("0 0 29 2 *", "UTC", "2026-01-01", "2028-02-29");
    expect_next("0 0 29 2 *", "UTC", "2028-02-29", "2032-02-29");
    expect_prev("0 0 29 2 *", "UTC", "2027-01-01", "2024-02-29");
    /* 2100 is not a leap year: eight years between leap days. */
    expect_next("0 0 29 2 *", "UTC", "2096-03-01", "2104-02-29");
    expect_prev("0 0 29 2 *", "UTC", "2104-02-28", "2096-02-29");
    expect_next("0 0 29 2 *", "Europe/Berlin", "2026-01-01", "2028-02-28T23:00");
    /* Vixie: the 29th or a Monday in February. */
    expect_next("0 0 29 2 mon", "UTC", "2026-02-03", "2026-02-09");
    expect_next("0 0 31 2 mon", "UTC", "2026-03-01", "2027-02-01");
}

static void test_impossible(void **state)
{
    (void)state;
    static const char *const never[] = {"0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *",
                                        "* * 30,31 feb *"};
    for (size_t i = 0; i < sizeof never / sizeof *never; i++) {
        cron_spec c = parse(never[i]);
        assert_int_equal(cron_next(&c, "UTC", at("2026-01-01")), -1);
        assert_int_equal(cron_prev(&c, "UTC", at("2026-01-01")), -1);
        assert_int_equal(cron_next(&c, "Europe/Berlin", at("2026-01-01")), -1);
    }
}

/* Calendar walking, not minute stepping: far-apart and impossible schedules
 * stay cheap. */
static void test_speed(void **state)
{
    (void)state;
    cron_spec leap = parse("0 0 29 2 *"), never = parse("0 0 31 2 *");
    int64_t start = time_mono_us();
    for (int i = 0; i < 300; i++) {
        int64_t t = at("2097-01-01") + i * USEC_PER_HOUR;
        assert_true(cron_next(&leap, "Europe/Berlin", t) > t);
        assert_int_equal(cron_next(&never, "Europe/Berlin", t), -1);
        assert_int_equal(cron_prev(&never, "Europe/Berlin", t), -1);
    }
    assert_true(time_mono_us() - start < 3 * USEC_PER_SEC);
}

/* ---- properties ---- */

static const char *const prop_exprs[] = {
    "* * * * *",      "0 * * * *",   "30 2 * * *",    "*/15 2 * * *",   "0 0 29 2 *",
    "0 0 1,15 * mon", "5 4 * * sun", "*/7 1-3 * * *", "0,30 0-3 * * *", "@monthly",
};
static const char *const prop_zones[] = {"UTC",        "Europe/Berlin",       "America/New_York",
                                         "Asia/Tokyo", "Australia/Lord_Howe", "America/Sao_Paulo"};
#define COUNT(a) (sizeof(a) / sizeof *(a))

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_inverse_random(void **state)
{
    (void)state;
    int64_t lo = at("2015-01-01"), span = at("2035-01-01") - lo;
    for (size_t e = 0; e < COUNT(prop_exprs); e++) {
        cron_spec c = parse(prop_exprs[e]);
        for (size_t z = 0; z < COUNT(prop_zones); z++) {
            for (int i = 0; i < 150; i++) {
                int64_t t = lo + (int64_t)(rng() % (uint64_t)span);
                const char *tz = prop_zones[z];
                int64_t n = cron_next(&c, tz, t), p = cron_prev(&c, tz, t);
                assert_true(n > t);
                assert_true(p <= t && p != -1);
                assert_int_equal(cron_prev(&c, tz, n), n);
                assert_int_equal(cron_next(&c, tz, p), n);
                assert_int_equal(cron_prev(&c, tz, n - 1), p);
                assert_true(cron_next(&c, tz, n) > n);
            }
        }
    }
}

/* Brute force over every wall-clock minute near DST changes: the fire set is
 * {tz_from_local(m) : m matches}; next and prev must agree with it. */
static void check_window(const cron_spec *c, const char *tz, int64_t from, int64_t to)
{
    int64_t wall_from = from / USEC_PER_SEC - 2 * 86400, wall_to = to / USEC_PER_SEC + 2 * 86400;
    size_t cap = (size_t)(wall_to - wall_from) / 60 + 1, n = 0;
    int64_t *fires = malloc(cap * sizeof *fires);
    assert_non_null(fires);
    for (int64_t w = wall_from; w <= wall_to; w += 60) {
        time_t wt = (time_t)w;
        struct tm tm;
        gmtime_r(&wt, &tm);
        if (!cron_matches(c, &tm))
            continue;
        int64_t t = tz_from_local(tz, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                  tm.tm_min, 0, NULL);
        assert_true(n == 0 || t >= fires[n - 1]); /* instants never go back */
        if (n == 0 || t != fires[n - 1])
            fires[n++] = t;
    }
    size_t k = 0;
    for (int64_t q = from; q <= to; q += 7 * USEC_PER_MIN + 13 * USEC_PER_SEC) {
        while (k < n && fires[k] <= q)
            k++;
        assert_true(k > 0 && k < n);
        assert_int_equal(cron_next(c, tz, q), fires[k]);
        assert_int_equal(cron_prev(c, tz, q), fires[k - 1]);
        assert_int_equal(cron_prev(c, tz, fires[k]), fires[k]);
    }
    free(fires);
}

static void test_brute_force_dst(void **state)
{
    (void)state;
    static const struct {
        const char *tz, *from, *to;
    } windows[] = {
        {"Europe/Berlin", "2026-03-28T20:00", "2026-03-29T06:00"},
        {"Europe/Berlin", "2026-10-24T20:00", "2026-10-25T06:00"},
        {"America/New_York", "2026-03-08T02:00", "2026-03-08T12:00"},
        {"America/New_York", "2026-11-01T02:00", "2026-11-01T12:00"},
        {"Australia/Lord_Howe", "2026-04-04T10:00", "2026-04-04T20:00"},
        {"Australia/Lord_Howe", "2026-10-03T10:00", "2026-10-03T20:00"},
        {"America/Sao_Paulo", "2018-02-17T20:00", "2018-02-18T06:00"},
        {"America/Sao_Paulo", "2018-11-03T22:00", "2018-11-04T08:00"},
    };
    static const char *const exprs[] = {"* * * * *",    "0 * * * *",      "30 2 * * *",
                                        "*/15 2 * * *", "*/20 0-3 * * *", "0 0 * * *",
                                        "45 1 * * *",   "10,50 23 * * *"};
    for (size_t w = 0; w < COUNT(windows); w++)
        for (size_t e = 0; e < COUNT(exprs); e++) {
            cron_spec c = parse(exprs[e]);
            check_window(&c, windows[w].tz, at(windows[w].from), at(windows[w].to));
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_star),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_steps),
        cmocka_unit_test(test_parse_names),
        cmocka_unit_test(test_parse_sunday_seven),
        cmocka_unit_test(test_parse_presets),
        cmocka_unit_test(test_parse_whitespace),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_matches_fields),
        cmocka_unit_test(test_matches_vixie),
        cmocka_unit_test(test_next_prev_utc),
        cmocka_unit_test(test_next_prev_tokyo),
        cmocka_unit_test(test_berlin_spring),
        cmocka_unit_test(test_berlin_autumn),
        cmocka_unit_test(test_new_york),
        cmocka_unit_test(test_other_zones),
        cmocka_unit_test(test_leap_day),
        cmocka_unit_test(test_impossible),
        cmocka_unit_test(test_speed),
        cmocka_unit_test(test_inverse_random),
        cmocka_unit_test(test_brute_force_dst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
