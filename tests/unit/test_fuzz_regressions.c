/* Inputs the fuzzers (tests/fuzz/) found, one test each, so that what they
 * broke stays fixed. The inputs are also in tests/fuzz/corpus/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cron.h"
#include "dag.h"
#include "proto.h"
#include "template.h"
#include "timeutil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cron_spec parse_cron(const char *expr)
{
    cron_spec c;
    char err[200] = "";
    if (cron_parse(expr, &c, err, sizeof err) != 0)
        fail_msg("cron_parse(\"%s\") failed: %s", expr, err);
    return c;
}

static int64_t at(const char *iso)
{
    int64_t t;
    char err[200] = "";
    if (time_parse(iso, "UTC", &t, err, sizeof err) != 0)
        fail_msg("bad test time %s: %s", iso, err);
    return t;
}

/* fuzz_cron: "*\/7" in the day-of-week field starts with '*', so (Vixie) it
 * does not count as restricted and both day fields must match: December 8th
 * on a Sunday, 11 years apart from 2030 to 2041. The search gave up after 8
 * years, so cron_next said "never" from 2031 while cron_prev found 2030. */
static void test_cron_rare_day_and_weekday(void **state)
{
    (void)state;
    cron_spec c = parse_cron("*/7 1 8  dec/5 */7");
    assert_int_equal(cron_next(&c, "UTC", at("2031-01-01")), at("2041-12-08T01:00"));
    assert_int_equal(cron_prev(&c, "UTC", at("2041-12-08T00:59")), at("2030-12-08T01:56"));
    int64_t prev = cron_prev(&c, "Europe/Berlin", at("2035-06-01"));
    int64_t next = cron_next(&c, "Europe/Berlin", at("2035-06-01"));
    assert_int_equal(prev, at("2030-12-08T00:56"));
    assert_int_equal(next, at("2041-12-08T00:00"));
    assert_int_equal(cron_next(&c, "Europe/Berlin", prev), next);

    /* February 29th on a Sunday: 2060, 2088, then 2128 (2100 is no leap year). */
    cron_spec leap = parse_cron("0 0 29 2 */7");
    assert_int_equal(cron_next(&leap, "UTC", at("2089-01-01")), at("2128-02-29"));
    assert_int_equal(cron_prev(&leap, "UTC", at("2127-01-01")), at("2088-02-29"));
}

/* fuzz_cron: "@hourly" in right/UTC fired at 02:59:33 local time. The
 * right/ zones count leap seconds in time_t, which the system clock does not,
 * and the wall-clock model (local = UTC + offset) does not hold in them:
 * cron_prev of a fire instant was not that instant. Refused as zones. */
static void test_tz_leap_second_zones(void **state)
{
    (void)state;
    assert_false(tz_exists("right/UTC"));
    assert_false(tz_exists("right/Europe/Berlin"));
    assert_true(tz_exists("posix/Europe/Berlin")); /* the same data as Europe/Berlin */
    assert_true(tz_exists("Europe/Dublin"));

    const char *ini = "[dag]\ntimezone = right/Europe/Berlin\nschedule = @hourly\n"
                      "[task t]\ncommand = true\n";
    FILE *f = fmemopen((char *)ini, strlen(ini), "r");
    diag_list diags = {0};
    dag *d = dag_load_stream(f, "leap.ini", "UTC", &diags);
    fclose(f);
    assert_null(d);
    assert_int_equal(diags.n, 1);
    assert_int_equal(diags.items[0].line, 2);
    assert_non_null(strstr(diags.items[0].message, "right/Europe/Berlin"));
    diag_free(&diags);
}

/* Stress beside the fuzzers (whose inputs stay small): every continuation
 * line of a command or a param copied the whole value so far, so a 20000-line
 * script took 7 s to load (quadratic) and a reload would stall the agent. */
static void test_dag_long_script_is_linear(void **state)
{
    (void)state;
    enum { LINES = 20000 };
    char *text = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&text, &len);
    fprintf(w, "[params]\nnotes = first\n");
    for (int i = 0; i < LINES; i++)
        fprintf(w, "  note %d\n", i);
    fprintf(w, "[task s]\ncommand =\n");
    for (int i = 0; i < LINES; i++)
        fprintf(w, "  echo line %d {{ ds }}\n", i);
    fclose(w);

    int64_t start = time_mono_us();
    FILE *f = fmemopen(text, len, "r");
    diag_list diags = {0};
    dag *d = dag_load_stream(f, "long.ini", "UTC", &diags);
    fclose(f);
    int64_t took = time_mono_us() - start;
    assert_non_null(d);
    assert_int_equal(diags.n, 0);
    const char *cmd = d->tasks[0].command;
    assert_true(str_starts_with(cmd, "echo line 0 {{ ds }}\necho line 1 {{ ds }}\n"));
    char last[64];
    snprintf(last, sizeof last, "\necho line %d {{ ds }}", LINES - 1);
    assert_string_equal(cmd + strlen(cmd) - strlen(last), last);
    size_t nl = 0;
    for (const char *c = cmd; *c; c++)
        nl += *c == '\n';
    assert_int_equal(nl, LINES - 1);
    assert_true(str_starts_with(d->params[0].value, "first\nnote 0\nnote 1\n"));
    dag_free(d);
    diag_free(&diags);
    free(text);
    assert_true(took < 2 * USEC_PER_SEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cron_rare_day_and_weekday),
        cmocka_unit_test(test_tz_leap_second_zones),
        cmocka_unit_test(test_dag_long_script_is_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
