/* dagtop's duration views: compact durations, a task's median and its
 * slow tries, Gantt bars on one axis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../tui/dagtop/tui_stats.h"

#define S 1000000LL

static void test_compact_duration(void **state)
{
    (void)state;
    char b[16];
    struct {
        long long us;
        const char *want;
    } cases[] = {{0, "0s"},
                 {400000, "0s"},
                 {4 * S, "4s"},
                 {59 * S, "59s"},
                 {60 * S, "1m"},
                 {12 * 60 * S + 59 * S, "12m"},
                 {3600 * S, "1h"},
                 {2 * 3600 * S, "2h"},
                 {47 * 3600 * S, "47h"},
                 {48 * 3600 * S, "2d"},
                 {-5, "0s"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        stats_compact_duration(cases[i].us, b, sizeof b);
        assert_string_equal(b, cases[i].want);
    }
    /* Never wider than a cell of a year's worth of days. */
    stats_compact_duration(365 * 86400 * S, b, sizeof b);
    assert_string_equal(b, "365d");
}

static void test_median(void **state)
{
    (void)state;
    uint32_t none[1];
    assert_int_equal(stats_median(none, 0), 0);
    uint32_t odd[] = {9, 1, 5};
    assert_int_equal(stats_median(odd, 3), 5);
    uint32_t even[] = {4000, 1000, 3000, 2000};
    assert_int_equal(stats_median(even, 4), 2500);
    uint32_t big[] = {4000000000u, 4000000000u};
    assert_int_equal(stats_median(big, 2), 4000000000u); /* no overflow */
}

static void test_slow(void **state)
{
    (void)state;
    assert_true(stats_is_slow(9000, 4000, 5));  /* > 2x */
    assert_false(stats_is_slow(8000, 4000, 5)); /* exactly 2x is not */
    assert_false(stats_is_slow(9000, 4000, 2)); /* too few to tell */
    assert_false(stats_is_slow(900, 100, 10));  /* sub-second noise */
    assert_true(stats_is_slow(5000, 0, 3));     /* against instant ones */
}

static void test_gantt(void **state)
{
    (void)state;
    int x, w;
    /* Axis of 100 s over 50 columns: 2 s a column. */
    assert_true(stats_gantt_bar(1000 * S, 1100 * S, 1000 * S, 1050 * S, 50, &x, &w));
    assert_int_equal(x, 0);
    assert_int_equal(w, 25);
    assert_true(stats_gantt_bar(1000 * S, 1100 * S, 1050 * S, 1100 * S, 50, &x, &w));
    assert_int_equal(x, 25);
    assert_int_equal(w, 25);
    /* A short try still gets one column; a running one runs to the end. */
    assert_true(stats_gantt_bar(1000 * S, 1100 * S, 1099 * S + 1, 1099 * S + 2, 50, &x, &w));
    assert_int_equal(x, 49);
    assert_int_equal(w, 1);
    assert_true(stats_gantt_bar(1000 * S, 1100 * S, 1080 * S, 0, 50, &x, &w));
    assert_int_equal(x, 40);
    assert_int_equal(w, 10);
    /* Never started, or an empty axis: no bar. */
    assert_false(stats_gantt_bar(1000 * S, 1100 * S, 0, 0, 50, &x, &w));
    assert_false(stats_gantt_bar(1000 * S, 1000 * S, 1000 * S, 1000 * S, 50, &x, &w));
    /* Outside the axis: clamped into it. */
    assert_true(stats_gantt_bar(1000 * S, 1100 * S, 900 * S, 2000 * S, 50, &x, &w));
    assert_int_equal(x, 0);
    assert_int_equal(w, 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact_duration),
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_slow),
        cmocka_unit_test(test_gantt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
