/* Clocks, zone conversions, ISO 8601 formatting and parsing, durations,
 * sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* UTC instant in microseconds, computed independently with timegm. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm) * USEC_PER_SEC;
}

static void expect_iso(int64_t t, const char *tz, const char *want)
{
    char buf[40];
    size_t n = time_format_iso(t, tz, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format_iso(void **state)
{
    (void)state;
    int64_t t = utc(2026, 11, 21, 15, 0, 0);
    expect_iso(t, "Asia/Tokyo", "2026-11-22T00:00:00+09:00");
    expect_iso(t, "UTC", "2026-11-21T15:00:00+00:00");
    expect_iso(t, "America/New_York", "2026-11-21T10:00:00-05:00");
    expect_iso(t, "Asia/Kolkata", "2026-11-21T20:30:00+05:30");
    expect_iso(utc(2026, 7, 1, 12, 0, 0), "America/New_York", "2026-07-01T08:00:00-04:00");
    expect_iso(utc(2026, 7, 1, 12, 0, 0), "Europe/Berlin", "2026-07-01T14:00:00+02:00");
    expect_iso(utc(2026, 1, 1, 12, 0, 0), "Europe/Berlin", "2026-01-01T13:00:00+01:00");
    expect_iso(t + 123456, "UTC", "2026-11-21T15:00:00.123456+00:00");
    expect_iso(t + 500000, "Asia/Tokyo", "2026-11-22T00:00:00.500000+09:00");
    expect_iso(t + 1, "UTC", "2026-11-21T15:00:00.000001+00:00");
    /* Before the epoch the fraction still counts forward from the second. */
    expect_iso(-500000, "UTC", "1969-12-31T23:59:59.500000+00:00");
    expect_iso(0, NULL, "1970-01-01T00:00:00+00:00");
}

static void test_format_iso_truncates(void **state)
{
    (void)state;
    char buf[11];
    size_t n = time_format_iso(utc(2026, 11, 22, 0, 0, 0), "UTC", buf, sizeof buf);
    assert_string_equal(buf, "2026-11-22");
    assert_int_equal(n, 10);
}

static void test_format_date(void **state)
{
    (void)state;
    char buf[16];
    int64_t t = utc(2026, 11, 21, 15, 0, 0);
    time_format_date(t, "Asia/Tokyo", false, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-22");
    time_format_date(t, "Asia/Tokyo", true, buf, sizeof buf);
    assert_string_equal(buf, "20261122");
    time_format_date(t, "UTC", false, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-21");
    time_format_date(t, "America/Los_Angeles", true, buf, sizeof buf);
    assert_string_equal(buf, "20261121");
}

static int64_t parse_ok(const char *text, const char *tz)
{
    int64_t out = -42;
    char err[200] = "";
    int rc = time_parse(text, tz, &out, err, sizeof err);
    if (rc != 0)
        fail_msg("time_parse(\"%s\") failed: %s", text, err);
    return out;
}

static void test_parse_variants(void **state)
{
    (void)state;
    int64_t base = utc(2026, 11, 22, 3, 0, 0);
    assert_int_equal(parse_ok("2026-11-22", "UTC"), utc(2026, 11, 22, 0, 0, 0));
    assert_int_equal(parse_ok("2026-11-22", "Asia/Tokyo"), utc(2026, 11, 21, 15, 0, 0));
    assert_int_equal(parse_ok("2026-11-22T03:00", "UTC"), base);
    assert_int_equal(parse_ok("2026-11-22 03:00:00", "UTC"), base);
    assert_int_equal(parse_ok("2026-11-22t03:00:07", "UTC"), base + 7 * USEC_PER_SEC);
    assert_int_equal(parse_ok("2026-11-22T03:00:00.123456", "UTC"), base + 123456);
    assert_int_equal(parse_ok("2026-11-22T03:00:00.5", "UTC"), base + 500000);
    assert_int_equal(parse_ok("2026-11-22T03:00:00.000001Z", "Asia/Tokyo"), base + 1);
    assert_int_equal(parse_ok("2026-11-22T03:00Z", "Asia/Tokyo"), base);
    assert_int_equal(parse_ok("2026-11-22T12:00:00+09:00", "UTC"), base);
    assert_int_equal(parse_ok("2026-11-21T22:00:00-0500", "Asia/Tokyo"), base);
    assert_int_equal(parse_ok("2026-11-22T08:30+05:30", "UTC"), base);
    assert_int_equal(parse_ok("2026-11-22T05:00+02", "UTC"), base);
    assert_int_equal(parse_ok("2026-11-22T03:00:00+00:00", "America/New_York"), base);
    assert_int_equal(parse_ok("2026-11-22Z", "Asia/Tokyo"), utc(2026, 11, 22, 0, 0, 0));
    assert_int_equal(parse_ok("  2026-11-22T03:00  ", "UTC"), base);
    /* Without an offset the wall-clock time is read in the zone given. */
    assert_int_equal(parse_ok("2026-11-22T03:00", "Asia/Tokyo"), utc(2026, 11, 21, 18, 0, 0));
    assert_int_equal(parse_ok("2026-07-01T12:00", "America/New_York"), utc(2026, 7, 1, 16, 0, 0));
    assert_int_equal(parse_ok("2024-02-29", "UTC"), utc(2024, 2, 29, 0, 0, 0));
    assert_int_equal(parse_ok("2000-02-29", "UTC"), utc(2000, 2, 29, 0, 0, 0));
    /* DST: a gap reads as the change, a repeated time as its first occurrence. */
    assert_int_equal(parse_ok("2026-03-29T02:30", "Europe/Berlin"), utc(2026, 3, 29, 1, 0, 0));
    assert_int_equal(parse_ok("2026-10-25T02:30", "Europe/Berlin"), utc(2026, 10, 25, 0, 30, 0));
}

static void expect_parse_error(const char *text, const char *want)
{
    int64_t out = 777;
    char err[200] = "";
    assert_int_equal(time_parse(text, "UTC", &out, err, sizeof err), -1);
    assert_int_equal(out, 777);
    if (!strstr(err, want))
        fail_msg("time_parse(\"%s\"): error \"%s\" lacks \"%s\"", text, err, want);
}

static void test_parse_errors(void **state)
{
    (void)state;
    int64_t out;
    char err[200];
    assert_int_equal(time_parse("xyz", "UTC", &out, err, sizeof err), -1);
    assert_string_equal(err, "bad date-time \"xyz\": expected "
                             "YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM]");
    expect_parse_error("", "expected YYYY-MM-DD");
    expect_parse_error("2026-1-22", "expected");
    expect_parse_error("26-11-22", "expected");
    expect_parse_error("2026/11/22", "expected");
    expect_parse_error("2026-11-22T03", "expected");
    expect_parse_error("2026-11-22T3:00", "expected");
    expect_parse_error("2026-11-22T03:00:", "expected");
    expect_parse_error("2026-11-22T03:00:00.", "expected");
    expect_parse_error("2026-11-22T03:00:00.1234567", "expected");
    expect_parse_error("2026-11-22T03:00+9", "expected");
    expect_parse_error("2026-11-22T03:00+09:0", "expected");
    expect_parse_error("2026-11-22T03:00+24:00", "expected");
    expect_parse_error("2026-11-22T03:00 junk", "expected");
    expect_parse_error("2026-11-22X", "expected");
    expect_parse_error("2026-13-01", "month 13 out of range");
    expect_parse_error("2026-00-10", "month 00 out of range");
    expect_parse_error("2026-02-30", "day 30 out of range 01-28 for 2026-02");
    expect_parse_error("2025-02-29", "day 29 out of range");
    expect_parse_error("2100-02-29", "day 29 out of range");
    expect_parse_error("2026-04-31", "day 31 out of range 01-30");
    expect_parse_error("2026-11-00", "day 00 out of range");
    expect_parse_error("2026-11-22T24:00", "hour 24 out of range");
    expect_parse_error("2026-11-22T03:60", "minute 60 out of range");
    expect_parse_error("2026-11-22T03:00:60", "second 60 out of range");
}

/* SPEC: logical dates lie in 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z,
 * bounds included, whatever the offset they are written with. */
static void test_parse_bounds(void **state)
{
    (void)state;
    const int64_t max = 253402300799LL * USEC_PER_SEC;
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z", "UTC"), 0);
    assert_int_equal(parse_ok("1970-01-01", "UTC"), 0);
    assert_int_equal(parse_ok("1970-01-01T14:00:00+14:00", "UTC"), 0);
    assert_int_equal(parse_ok("1969-12-31T19:00:00-05:00", "UTC"), 0);
    assert_int_equal(parse_ok("1970-01-01T09:00", "Asia/Tokyo"), 0);
    assert_int_equal(parse_ok("9999-12-31T23:59:59Z", "UTC"), max);
    assert_int_equal(parse_ok("9999-12-31T09:59:59-14:00", "UTC"), max);
    assert_int_equal(parse_ok("10000-01-01T08:59:59+09:00", "UTC"), max);
    expect_parse_error("1969-12-31T23:59:59Z", "out of range 1970-01-01T00:00:00Z");
    expect_parse_error("1969-12-31T23:59:59.999999Z", "out of range");
    expect_parse_error("1970-01-01T00:00:00+00:01", "out of range");
    expect_parse_error("1970-01-01T13:59:59+14:00", "out of range");
    expect_parse_error("9999-12-31T23:59:59.000001Z", "out of range");
    expect_parse_error("9999-12-31T23:59:59-00:01", "out of range");
    expect_parse_error("9999-12-31T10:00:00-14:00", "out of range");
    expect_parse_error("10000-01-01", ".. 9999-12-31T23:59:59Z");
    expect_parse_error("10000-01-01T00:00:00Z", "out of range");
    expect_parse_error("99999-12-31", "out of range");
    expect_parse_error("0000-01-01", "out of range");
    expect_parse_error("0000-01-01T00:00:00Z", "out of range");
    expect_parse_error("0001-01-01", "out of range");
    expect_parse_error("100000-01-01", "expected YYYY-MM-DD");
    int64_t out;
    assert_int_equal(time_parse("1970-01-01", "Asia/Tokyo", &out, NULL, 0), -1);
    assert_int_equal(time_parse("9999-12-31T23:59:59", "America/New_York", &out, NULL, 0), -1);
    assert_true(time_in_range(0) && time_in_range(max));
    assert_false(time_in_range(-1) || time_in_range(max + 1));

    /* What is formatted parses back to the same instant, in any zone. */
    static const char *const zones[] = {"UTC", "Asia/Tokyo", "America/New_York",
                                        "Pacific/Kiritimati", "Etc/GMT+12"};
    const int64_t edges[] = {0, 1, max, max - USEC_PER_SEC, 86400 * USEC_PER_SEC};
    for (size_t z = 0; z < sizeof zones / sizeof *zones; z++)
        for (size_t e = 0; e < sizeof edges / sizeof *edges; e++) {
            char buf[48];
            time_format_iso(edges[e], zones[z], buf, sizeof buf);
            assert_int_equal(parse_ok(buf, "UTC"), edges[e]);
            assert_int_equal(parse_ok(buf, zones[z]), edges[e]);
        }
    char buf[48];
    time_format_iso(max, "Asia/Tokyo", buf, sizeof buf);
    assert_string_equal(buf, "10000-01-01T08:59:59+09:00");
    time_format_iso(0, "UTC", buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00+00:00");
}

static void test_tz_from_local_kinds(void **state)
{
    (void)state;
    enum tz_local_kind kind;
    /* Europe/Berlin spring change: 02:00 CET -> 03:00 CEST at 01:00Z. */
    assert_int_equal(tz_from_local("Europe/Berlin", 2026, 3, 29, 2, 30, 0, &kind),
                     utc(2026, 3, 29, 1, 0, 0));
    assert_int_equal(kind, TZ_LOCAL_GAP);
    assert_int_equal(tz_from_local("Europe/Berlin", 2026, 3, 29, 2, 0, 0, &kind),
                     utc(2026, 3, 29, 1, 0, 0));
    assert_int_equal(kind, TZ_LOCAL_GAP);
    assert_int_equal(tz_from_local("Europe/Berlin", 2026, 3, 29, 3, 0, 0, &kind),
                     utc(2026, 3, 29, 1, 0, 0));
    assert_int_equal(kind, TZ_LOCAL_UNIQUE);
    assert_int_equal(tz_from_local("Europe/Berlin", 2026, 3, 29, 1, 59, 59, &kind),
                     utc(2026, 3, 29, 0, 59, 59));
    assert_int_equal(kind, TZ_LOCAL_UNIQUE);
    /* Autumn: 03:00 CEST -> 02:00 CET at 01:00Z; 02:xx happens twice. */
    assert_int_equal(tz_from_local("Europe/Berlin", 2026, 10, 25, 2, 30, 0, &kind),
                     utc(2026, 10, 25, 0, 30, 0));
    assert_int_equal(kind, TZ_LOCAL_AMBIGUOUS);
    assert_int_equal(tz_from_local("Europe/Berlin", 2026, 10, 25, 3, 0, 0, &kind),
                     utc(2026, 10, 25, 2, 0, 0));
    assert_int_equal(kind, TZ_LOCAL_UNIQUE);
    /* New York, the other hemisphere (Sydney) and a half-hour change. */
    assert_int_equal(tz_from_local("America/New_York", 2026, 3, 8, 2, 30, 0, &kind),
                     utc(2026, 3, 8, 7, 0, 0));
    assert_int_equal(kind, TZ_LOCAL_GAP);
    assert_int_equal(tz_from_local("America/New_York", 2026, 11, 1, 1, 30, 0, &kind),
                     utc(2026, 11, 1, 5, 30, 0));
    assert_int_equal(kind, TZ_LOCAL_AMBIGUOUS);
    assert_int_equal(tz_from_local("Australia/Sydney", 2026, 4, 5, 2, 30, 0, &kind),
                     utc(2026, 4, 4, 15, 30, 0));
    assert_int_equal(kind, TZ_LOCAL_AMBIGUOUS);
    assert_int_equal(tz_from_local("Australia/Lord_Howe", 2026, 10, 4, 2, 15, 0, &kind),
                     utc(2026, 10, 3, 15, 30, 0));
    assert_int_equal(kind, TZ_LOCAL_GAP);
    /* Samoa skipped 2011-12-30 entirely. */
    assert_int_equal(tz_from_local("Pacific/Apia", 2011, 12, 30, 12, 0, 0, &kind),
                     utc(2011, 12, 30, 10, 0, 0));
    assert_int_equal(kind, TZ_LOCAL_GAP);
    assert_int_equal(tz_from_local("UTC", 2026, 11, 22, 3, 0, 0, NULL), utc(2026, 11, 22, 3, 0, 0));
}

static void test_tz_from_local_normalises(void **state)
{
    (void)state;
    assert_int_equal(tz_from_local("UTC", 2026, 13, 1, 0, 0, 0, NULL), utc(2027, 1, 1, 0, 0, 0));
    assert_int_equal(tz_from_local("UTC", 2026, 0, 1, 0, 0, 0, NULL), utc(2025, 12, 1, 0, 0, 0));
    assert_int_equal(tz_from_local("UTC", 2026, 2, 29, 0, 0, 0, NULL), utc(2026, 3, 1, 0, 0, 0));
    assert_int_equal(tz_from_local("UTC", 2026, 12, 31, 24, 0, 0, NULL), utc(2027, 1, 1, 0, 0, 0));
    assert_int_equal(tz_from_local("Asia/Tokyo", 2026, 11, 22, 0, -1, 0, NULL),
                     utc(2026, 11, 21, 14, 59, 0));
    assert_int_equal(tz_from_local("UTC", 2026, 1, 0, 0, 0, 90, NULL), utc(2025, 12, 31, 0, 1, 30));
}

/* Every instant's own wall-clock time maps back to it, or to its first
 * occurrence when the time repeats. */
static void test_tz_from_local_round_trip(void **state)
{
    (void)state;
    static const char *const zones[] = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                                        "America/Sao_Paulo", "UTC"};
    for (size_t z = 0; z < sizeof zones / sizeof *zones; z++) {
        int ambiguous = 0;
        for (int64_t t = utc(2018, 1, 1, 0, 0, 0); t < utc(2019, 1, 1, 0, 0, 0);
             t += 15 * USEC_PER_MIN) {
            struct tm tm;
            tz_local(zones[z], t, &tm);
            enum tz_local_kind kind;
            int64_t back = tz_from_local(zones[z], tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                         tm.tm_hour, tm.tm_min, tm.tm_sec, &kind);
            if (kind == TZ_LOCAL_AMBIGUOUS) {
                ambiguous++;
                assert_true(back <= t);
                assert_true(back > t - 3 * USEC_PER_HOUR);
            } else {
                assert_int_equal(kind, TZ_LOCAL_UNIQUE);
                assert_int_equal(back, t);
            }
        }
        /* Each zone but UTC repeats one hour (Lord Howe: half an hour), seen
         * from both of its occurrences. */
        int want = strcmp(zones[z], "UTC") == 0                   ? 0
                   : strcmp(zones[z], "Australia/Lord_Howe") == 0 ? 4
                                                                  : 8;
        assert_int_equal(ambiguous, want);
    }
}

static void test_tz_local(void **state)
{
    (void)state;
    struct tm tm;
    tz_local("Europe/Berlin", utc(2026, 7, 1, 12, 0, 0), &tm);
    assert_int_equal(tm.tm_hour, 14);
    assert_int_equal(tm.tm_gmtoff, 7200);
    assert_int_equal(tm.tm_isdst, 1);
    tz_local("Europe/Berlin", utc(2026, 1, 1, 12, 0, 0), &tm);
    assert_int_equal(tm.tm_gmtoff, 3600);
    assert_int_equal(tm.tm_isdst, 0);
    tz_local("UTC", utc(2026, 11, 22, 3, 4, 5) + 999999, &tm);
    assert_int_equal(tm.tm_year, 126);
    assert_int_equal(tm.tm_mon, 10);
    assert_int_equal(tm.tm_mday, 22);
    assert_int_equal(tm.tm_sec, 5);
    assert_int_equal(tm.tm_wday, 0);
    tz_local("UTC", -1, &tm); /* rounds down, not toward zero */
    assert_int_equal(tm.tm_year, 69);
    assert_int_equal(tm.tm_sec, 59);
}

static void test_tz_exists(void **state)
{
    (void)state;
    assert_true(tz_exists("UTC"));
    assert_true(tz_exists("Europe/Berlin"));
    assert_true(tz_exists("Asia/Tokyo"));
    assert_true(tz_exists("America/New_York"));
    assert_false(tz_exists(NULL));
    assert_false(tz_exists(""));
    assert_false(tz_exists("Nowhere/City"));
    assert_false(tz_exists("europe/berlin_typo"));
    assert_false(tz_exists("Europe")); /* a folder */
    assert_false(tz_exists("/usr/share/zoneinfo/UTC"));
    assert_false(tz_exists("../zoneinfo/UTC"));
    assert_false(tz_exists("Europe/../UTC"));
    assert_false(tz_exists("zone.tab")); /* not zone data */
}

static void test_clocks(void **state)
{
    (void)state;
    int64_t now = time_now_us();
    int64_t sys = (int64_t)time(NULL) * USEC_PER_SEC;
    assert_true(now > sys - 2 * USEC_PER_SEC && now < sys + 2 * USEC_PER_SEC);
    int64_t a = time_mono_us();
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    int64_t b = time_mono_us();
    assert_true(b - a >= 2000);
    assert_true(b - a < 5 * USEC_PER_SEC);
}

static void test_civil(void **state)
{
    (void)state;
    assert_int_equal(civil_to_days(1970, 1, 1), 0);
    assert_int_equal(civil_to_days(2000, 3, 1), 11017);
    assert_int_equal(civil_to_days(1969, 12, 31), -1);
    assert_int_equal(civil_days_in_month(2024, 2), 29);
    assert_int_equal(civil_days_in_month(2100, 2), 28);
    assert_int_equal(civil_days_in_month(2000, 2), 29);
    assert_int_equal(civil_days_in_month(2026, 12), 31);
    for (int64_t days = -800000; days < 800000; days += 997) {
        int64_t y;
        int m, d;
        civil_from_days(days, &y, &m, &d);
        assert_int_equal(civil_to_days(y, m, d), days);
        assert_true(m >= 1 && m <= 12 && d >= 1 && d <= civil_days_in_month(y, m));
    }
}

static int64_t duration_ok(const char *text)
{
    int64_t out = -42;
    char err[200] = "";
    if (duration_parse(text, &out, err, sizeof err) != 0)
        fail_msg("duration_parse(\"%s\") failed: %s", text, err);
    return out;
}

static void test_duration_parse(void **state)
{
    (void)state;
    assert_int_equal(duration_ok("30s"), 30 * USEC_PER_SEC);
    assert_int_equal(duration_ok("10m"), 10 * USEC_PER_MIN);
    assert_int_equal(duration_ok("1h"), USEC_PER_HOUR);
    assert_int_equal(duration_ok("2d"), 2 * USEC_PER_DAY);
    assert_int_equal(duration_ok("1h30m"), 90 * USEC_PER_MIN);
    assert_int_equal(duration_ok("1d2h3m4s"),
                     USEC_PER_DAY + 2 * USEC_PER_HOUR + 3 * USEC_PER_MIN + 4 * USEC_PER_SEC);
    assert_int_equal(duration_ok("90"), 90 * USEC_PER_SEC);
    assert_int_equal(duration_ok("0"), 0);
    assert_int_equal(duration_ok("0s"), 0);
    assert_int_equal(duration_ok(" 5m "), 5 * USEC_PER_MIN);
    assert_int_equal(duration_ok("100000d"), 100000 * USEC_PER_DAY);
}

static void expect_duration_error(const char *text, const char *want)
{
    int64_t out = 777;
    char err[200] = "";
    assert_int_equal(duration_parse(text, &out, err, sizeof err), -1);
    assert_int_equal(out, 777);
    if (!strstr(err, want))
        fail_msg("duration_parse(\"%s\"): error \"%s\" lacks \"%s\"", text, err, want);
}

static void test_duration_errors(void **state)
{
    (void)state;
    expect_duration_error("", "empty");
    expect_duration_error("   ", "empty");
    expect_duration_error(NULL, "empty");
    expect_duration_error("-5s", "bad duration");
    expect_duration_error("5x", "units are d, h, m, s");
    expect_duration_error("5ms", "bad duration");
    expect_duration_error("1.5h", "bad duration");
    expect_duration_error("h", "bad duration");
    expect_duration_error("1h30", "units");
    expect_duration_error("30s1m", "largest first");
    expect_duration_error("1h1h", "largest first");
    expect_duration_error("1h 30m", "bad duration");
    expect_duration_error("99999999999999999999s", "too large");
    expect_duration_error("9999999999999d", "too large");
    expect_duration_error("106751991d4h0m54s1", "units");
    expect_duration_error("106751991d4h0m55s", "too large");
    assert_int_equal(duration_ok("106751991d4h0m54s"), INT64_MAX / USEC_PER_SEC * USEC_PER_SEC);
}

static void expect_duration_format(int64_t us, const char *want)
{
    char buf[48];
    duration_format(us, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void test_duration_format(void **state)
{
    (void)state;
    expect_duration_format(0, "0s");
    expect_duration_format(45 * USEC_PER_SEC, "45s");
    expect_duration_format(90 * USEC_PER_MIN, "1h30m");
    expect_duration_format(2 * USEC_PER_DAY, "2d");
    expect_duration_format(36 * USEC_PER_HOUR, "1d12h");
    expect_duration_format(90061 * USEC_PER_SEC, "1d1h1m1s");
    expect_duration_format(USEC_PER_HOUR + 5 * USEC_PER_SEC, "1h5s");
    expect_duration_format(1500000, "1.5s");
    expect_duration_format(250, "0.00025s");
    expect_duration_format(-90 * USEC_PER_SEC, "-1m30s");
    char buf[4];
    duration_format(90 * USEC_PER_MIN, buf, sizeof buf);
    assert_string_equal(buf, "1h3");
    /* Whole seconds survive a round trip. */
    for (int64_t s = 0; s < 3 * 86400; s += 617) {
        char text[48];
        duration_format(s * USEC_PER_SEC, text, sizeof text);
        assert_int_equal(duration_ok(text), s * USEC_PER_SEC);
    }
}

static int64_t size_ok(const char *text)
{
    int64_t out = -42;
    char err[200] = "";
    if (size_parse(text, &out, err, sizeof err) != 0)
        fail_msg("size_parse(\"%s\") failed: %s", text, err);
    return out;
}

static void expect_size_error(const char *text, const char *want)
{
    int64_t out = 777;
    char err[200] = "";
    assert_int_equal(size_parse(text, &out, err, sizeof err), -1);
    assert_int_equal(out, 777);
    if (!strstr(err, want))
        fail_msg("size_parse(\"%s\"): error \"%s\" lacks \"%s\"", text, err, want);
}

static void test_size_parse(void **state)
{
    (void)state;
    assert_int_equal(size_ok("1024"), 1024);
    assert_int_equal(size_ok("0"), 0);
    assert_int_equal(size_ok("512k"), 512 * 1024);
    assert_int_equal(size_ok("512K"), 512 * 1024);
    assert_int_equal(size_ok("256M"), 256LL << 20);
    assert_int_equal(size_ok("256m"), 256LL << 20);
    assert_int_equal(size_ok("256Mi"), 256LL << 20);
    assert_int_equal(size_ok("256MiB"), 256LL << 20);
    assert_int_equal(size_ok("1G"), 1LL << 30);
    assert_int_equal(size_ok("1GB"), 1LL << 30);
    assert_int_equal(size_ok("2T"), 2LL << 40);
    assert_int_equal(size_ok("100B"), 100);
    assert_int_equal(size_ok(" 4 G "), 4LL << 30);
    assert_int_equal(size_ok("8388607T"), 8388607LL << 40);
    expect_size_error("", "bad size");
    expect_size_error(NULL, "bad size");
    expect_size_error("-1", "bad size");
    expect_size_error("G", "bad size");
    expect_size_error("1X", "unknown suffix");
    expect_size_error("1P", "unknown suffix");
    expect_size_error("1.5G", "unknown suffix");
    expect_size_error("1MB2", "unknown suffix");
    expect_size_error("1Bi", "unknown suffix");
    expect_size_error("8388608T", "too large");
    expect_size_error("99999999999999999999", "too large");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_iso),
        cmocka_unit_test(test_format_iso_truncates),
        cmocka_unit_test(test_format_date),
        cmocka_unit_test(test_parse_variants),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_bounds),
        cmocka_unit_test(test_tz_from_local_kinds),
        cmocka_unit_test(test_tz_from_local_normalises),
        cmocka_unit_test(test_tz_from_local_round_trip),
        cmocka_unit_test(test_tz_local),
        cmocka_unit_test(test_tz_exists),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_civil),
        cmocka_unit_test(test_duration_parse),
        cmocka_unit_test(test_duration_errors),
        cmocka_unit_test(test_duration_format),
        cmocka_unit_test(test_size_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
