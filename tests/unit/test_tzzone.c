/* Zone files parsed by tzzone.c against glibc's own reading of them (TZ set
 * in this test process only), for every zone of /usr/share/zoneinfo, from
 * before the first transition to year 9999 (the POSIX footer rule). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "timeutil.h"
#include "tzrule.h"
#include "tzzone.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int compared, zones_seen;

/* tz_local of zone NAME at S against glibc's localtime_r. */
static void compare_at(const char *name, int64_t s)
{
    struct tm mine, theirs;
    time_t t = (time_t)s;
    if (!localtime_r(&t, &theirs))
        return;
    tz_local(name, s * USEC_PER_SEC, &mine);
    if (mine.tm_gmtoff != theirs.tm_gmtoff || mine.tm_isdst != theirs.tm_isdst ||
        mine.tm_year != theirs.tm_year || mine.tm_mon != theirs.tm_mon ||
        mine.tm_mday != theirs.tm_mday || mine.tm_hour != theirs.tm_hour ||
        mine.tm_min != theirs.tm_min || mine.tm_sec != theirs.tm_sec ||
        mine.tm_wday != theirs.tm_wday || mine.tm_yday != theirs.tm_yday ||
        strcmp(mine.tm_zone, theirs.tm_zone) != 0)
        fail_msg("%s at %lld: mine %ld %d %s %04d-%02d-%02d %02d:%02d, glibc %ld %d %s "
                 "%04d-%02d-%02d %02d:%02d",
                 name, (long long)s, mine.tm_gmtoff, mine.tm_isdst, mine.tm_zone,
                 mine.tm_year + 1900, mine.tm_mon + 1, mine.tm_mday, mine.tm_hour, mine.tm_min,
                 theirs.tm_gmtoff, theirs.tm_isdst, theirs.tm_zone, theirs.tm_year + 1900,
                 theirs.tm_mon + 1, theirs.tm_mday, theirs.tm_hour, theirs.tm_min);
    compared++;
}

static void compare_zone(const char *name)
{
    if (!tz_exists(name))
        return;
    setenv("TZ", name, 1);
    tzset();
    zones_seen++;
    static const int years[] = {1800, 1900, 1950, 1980, 2000, 2024, 2026,
                                2037, 2038, 2040, 2100, 2500, 5000, 9999};
    for (size_t i = 0; i < sizeof years / sizeof *years; i++)
        for (int mo = 1; mo <= 12; mo++)
            compare_at(name, utc(years[i], mo, 1 + mo * 2, mo, 30, 0));
    /* Around each year's changes, hour by hour, far in the future. */
    for (int h = 0; h < 24 * 366; h += 7)
        compare_at(name, utc(2200, 1, 1, 0, 0, 0) + h * 3600LL);
    int64_t lo = utc(1850, 1, 1, 0, 0, 0), hi = utc(9999, 12, 31, 0, 0, 0);
    for (int i = 0; i < 200; i++)
        compare_at(name, lo + (int64_t)(next_rand() % (uint64_t)(hi - lo)));
}

static void walk(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[512], name[256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(name, sizeof name, "%s%s", prefix, e->d_name);
        /* posix/ repeats the top level; right/ counts leap seconds. */
        if (!*prefix && (strcmp(e->d_name, "posix") == 0 || strcmp(e->d_name, "right") == 0))
            continue;
        if (e->d_type == DT_DIR) {
            char sub[300];
            snprintf(sub, sizeof sub, "%s/", name);
            walk(path, sub);
        } else {
            compare_zone(name);
        }
    }
    closedir(d);
}

static void test_every_zone_matches_glibc(void **state)
{
    (void)state;
    walk("/usr/share/zoneinfo", "");
    unsetenv("TZ");
    tzset();
    assert_true(zones_seen > 300);
    assert_true(compared > 300 * 1000);
}

/* Far past the last transition of a "slim" file only the footer knows. */
static void test_rule_far_future(void **state)
{
    (void)state;
    tz_rule r;
    assert_int_equal(tz_rule_parse("CET-1CEST,M3.5.0,M10.5.0/3", &r), 0);
    bool dst;
    const char *abbr;
    /* 9999-03-28 (last Sunday of March) 01:00 UTC is 03:00 CEST. */
    assert_int_equal(tz_rule_at(&r, utc(9999, 3, 28, 0, 59, 59), &dst, &abbr), 3600);
    assert_false(dst);
    assert_string_equal(abbr, "CET");
    assert_int_equal(tz_rule_at(&r, utc(9999, 3, 28, 1, 0, 0), &dst, &abbr), 7200);
    assert_true(dst);
    assert_string_equal(abbr, "CEST");
    /* Southern hemisphere: DST across the new year. */
    assert_int_equal(tz_rule_parse("AEST-10AEDT,M10.1.0,M4.1.0/3", &r), 0);
    assert_int_equal(tz_rule_at(&r, utc(9999, 1, 1, 0, 0, 0), &dst, &abbr), 11 * 3600);
    assert_int_equal(tz_rule_at(&r, utc(9999, 7, 1, 0, 0, 0), &dst, &abbr), 10 * 3600);
    /* Quoted names, negative times, all-year DST (RFC 8536 extensions). */
    assert_int_equal(tz_rule_parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", &r), 0);
    assert_string_equal(r.std_abbr, "-02");
    assert_int_equal(r.start.time, -3600);
    assert_int_equal(tz_rule_parse("EST5EDT,0/0,J365/25", &r), 0);
    assert_int_equal(tz_rule_at(&r, utc(5000, 1, 1, 12, 0, 0), &dst, &abbr), -4 * 3600);
    assert_int_equal(tz_rule_at(&r, utc(5000, 12, 31, 12, 0, 0), &dst, &abbr), -4 * 3600);
    assert_int_equal(tz_rule_parse("<+09>-9", &r), 0);
    assert_false(r.has_dst);
    assert_int_equal(r.std_off, 9 * 3600);
    assert_int_equal(tz_rule_parse("XY-1", &r), -1);
    assert_int_equal(tz_rule_parse("CET-1CEST,M13.5.0,M10.5.0", &r), -1);
    assert_int_equal(tz_rule_parse("CET-1CEST,M3.5.0", &r), -1);
}

static void test_bad_files(void **state)
{
    (void)state;
    static const unsigned char junk[] = "TZif2 not really";
    assert_null(tz_zone_parse(junk, sizeof junk));
    assert_null(tz_zone_parse((const unsigned char *)"", 0));
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
    assert_non_null(f);
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    tz_zone *z = tz_zone_parse(buf, n);
    assert_non_null(z);
    tz_zone_free(z);
    /* Every truncation is refused, none read past the end (ASan). */
    for (size_t cut = 0; cut + 1 < n; cut += 7) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        tz_zone *t = tz_zone_parse(copy, cut);
        assert_null(t);
        free(copy);
    }
    /* Leap-second tables count leap seconds in their instants: refused. */
    FILE *right = fopen("/usr/share/zoneinfo/right/Europe/Berlin", "rb");
    if (right) {
        n = fread(buf, 1, sizeof buf, right);
        fclose(right);
        assert_null(tz_zone_parse(buf, n));
        assert_false(tz_exists("right/Europe/Berlin"));
    }
    assert_null(tz_zone_find("Europe")); /* a folder */
    assert_null(tz_zone_find("No/Such_Zone"));
    /* Unknown names are UTC, and the cache returns the same zone. */
    tz_offset o;
    tz_zone_at(tz_zone_get("No/Such_Zone"), 0, &o);
    assert_int_equal(o.gmtoff, 0);
    assert_ptr_equal(tz_zone_get("Asia/Tokyo"), tz_zone_get("Asia/Tokyo"));
}

/* The process environment is never touched by conversions. */
static void test_no_environment(void **state)
{
    (void)state;
    unsetenv("TZ");
    struct tm tm;
    tz_local("Asia/Tokyo", 0, &tm);
    tz_from_local("America/New_York", 2026, 3, 8, 2, 30, 0, NULL);
    assert_null(getenv("TZ"));
    setenv("TZ", "Europe/Berlin", 1);
    tz_local("Asia/Tokyo", 0, &tm);
    assert_string_equal(getenv("TZ"), "Europe/Berlin");
    unsetenv("TZ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_far_future),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_no_environment),
        cmocka_unit_test(test_every_zone_matches_glibc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
