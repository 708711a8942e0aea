/* DAG files: every load-time check, each with its line number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dag_helpers.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct bad_case {
    const char *text;
    int line;
    const char *want;
} bad_case;

static const bad_case bad_cases[] = {
    {"[dag]\nbogus = 1\n[task a]\ncommand = a\n", 2, "unknown key \"bogus\" in [dag]"},
    {"[task a]\ncommand = a\ncolour = red\n", 3, "unknown key \"colour\" in [task a]"},
    {"[task a]\ncommand = a\nretries = 1\nretries = 2\n", 4,
     "duplicate key \"retries\" in [task a] (first at line 3)"},
    {"[dag]\n[stuff]\n[task a]\ncommand = a\n", 2, "unknown section [stuff]"},
    {"[dag]\nschedule = 0 3 * *\n[task a]\ncommand = a\n", 2, "bad schedule \"0 3 * *\""},
    {"[dag]\nretry_delay = soon\n[task a]\ncommand = a\n", 2, "bad retry_delay"},
    {"[task a]\ncommand = a\ntimeout = 5 parsecs\n", 3, "bad timeout"},
    {"[task a]\ncommand = a\nsla = x\n", 3, "bad sla"},
    {"[dag]\nstart_date = 2026-13-45\n[task a]\ncommand = a\n", 2, "bad start_date"},
    {"[dag]\nend_date = tomorrow\n[task a]\ncommand = a\n", 2, "bad end_date"},
    {"[dag]\nstart_date = 2026-11-02\nend_date = 2026-11-01\n[task a]\ncommand = a\n", 3,
     "end_date is before start_date"},
    {"[dag]\n\ntimezone = Mars/Olympus\n[task a]\ncommand = a\n", 3,
     "unknown timezone \"Mars/Olympus\""},
    {"[task a]\ncommand = a\ntrigger_rule = sometimes\n", 3, "unknown trigger rule \"sometimes\""},
    {"[task a]\ncommand = a\nretries = many\n", 3, "bad retries \"many\""},
    {"[task a]\ncommand = a\nretries = -1\n", 3, "bad retries \"-1\""},
    {"[dag]\nmax_active_runs = 0\n[task a]\ncommand = a\n", 2, "bad max_active_runs \"0\""},
    {"[dag]\nmax_active_tasks = 99999999999\n[task a]\ncommand = a\n", 2, "bad max_active_tasks"},
    {"[dag]\ncatchup = maybe\n[task a]\ncommand = a\n", 2, "bad catchup \"maybe\""},
    {"[task a]\ncommand = a\nbranch = 2\n", 3, "bad branch \"2\""},
    {"[task a]\ncommand = a\nmemory = lots\n", 3, "bad memory"},
    {"[task a]\ncommand = a\ncpus = 0\n", 3, "bad cpus \"0\": expected a positive number"},
    {"[task a]\ncommand = a\ncpus = 1x\n", 3, "bad cpus"},
    {"[task a]\nimage = alpine\ncommand = a\npull = sometimes\n", 4, "bad pull \"sometimes\""},
    {"[task a]\ncommand = a\npool = my pool\n", 3, "bad pool name"},
    {"[task a/b]\ncommand = a\n", 1, "bad task id \"a/b\""},
    {"[task]\ncommand = a\n[task b]\ncommand = b\n", 1, "[task] needs an id"},
    {"[dag]\nid = my dag\n[task a]\ncommand = a\n", 2, "bad DAG id \"my dag\""},
    {"[task a]\ncommand = a\n[task b]\nupstream = a\n  ghost\ncommand = b\n", 5,
     "task b: unknown upstream task \"ghost\""},
    {"[task a]\ncommand = a\n\n[task a]\ncommand = b\n", 4,
     "duplicate [task a]: first declared at line 1"},
    {"[dag]\n[dag]\n[task a]\ncommand = a\n", 2, "duplicate [dag] section: first at line 1"},
    {"[task a]\nretries = 1\n", 1, "task a: missing command"},
    {"[task a]\ncommand =\n", 2, "task a: empty command"},
    {"[task a]\ncommand = echo {{ foo }}\n", 2, "task a: command: unknown template name \"foo\""},
    {"[params]\nx = 1\n[task a]\ncommand = echo {{ params.y }}\n", 4,
     "param \"y\" is not declared in [params]"},
    {"[task a]\ncommand = echo {{ ds\n", 2, "unterminated"},
    {"[task a]\ncommand = echo {{ }}\n", 2, "empty template"},
    {"[task a]\ncommand = a\nenv = X=1\n  DAY={{ day }}\n", 4,
     "task a: env: unknown template name \"day\""},
    {"[task a]\ncommand = a\nimage = repo/{{ params.tag }}\n", 3, "task a: image:"},
    {"[task a]\ncommand = a\nenv = NOEQUALS\n", 3, "bad env item \"NOEQUALS\""},
    {"[task a]\ncommand = a\nimage = x\nvolumes = /data\n", 4, "bad volume \"/data\""},
    {"[params]\nmy-param = 1\n[task a]\ncommand = a\n", 2, "bad param name \"my-param\""},
    {"[params]\np = 1\np = 2\n[task a]\ncommand = a\n", 3, "duplicate param \"p\""},
    {"[dag]\nschedule = @daily\n", 0, "no tasks"},
    {"; only a comment\n", 0, "no tasks"},
    {"command = a\n[task a]\ncommand = a\n", 1, "comes before any section"},
    {"[task a]\ncommand = a\njust some words\n", 3, "expected KEY = VALUE"},
    {"[task a\ncommand = a\n[task b]\ncommand = b\n", 1, "section header without a closing ']'"},
    {"[task a] junk\ncommand = a\n", 1, "unexpected text after ']'"},
    {"[task a]\ncommand = a\nretries = 1\n  2\n", 4, "\"retries\" does not continue"},
    {"[dag]\nschedule = @daily\n  0 3 * * *\n[task a]\ncommand = a\n", 3,
     "\"schedule\" does not continue"},
    {"[task a]\nupstream = a\ncommand = a\n", 2, "upstream cycle: a -> a"},
};

static void test_validation_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        diag_list dl = {0};
        dag *d = load(bad_cases[i].text, &dl);
        const diag *g = find_diag(&dl, bad_cases[i].line, bad_cases[i].want);
        if (d || !g || g->warning) {
            dump(&dl);
            fail_msg("case %zu: want error at line %d: %s", i, bad_cases[i].line,
                     bad_cases[i].want);
        }
        dag_free(d);
        diag_free(&dl);
    }
}

/* Several problems in one file are all reported, in line order. */
static void test_many_errors(void **state)
{
    (void)state;
    diag_list dl = {0};
    assert_null(load("[dag]\n"
                     "retries = x\n"
                     "[task a]\n"
                     "command = {{ nope }}\n"
                     "upstream = zz\n"
                     "[task b]\n",
                     &dl));
    assert_int_equal(diag_error_count(&dl), 4);
    int lines[] = {2, 4, 5, 6};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(dl.items[i].line, lines[i]);
    char *s = diag_format(&dl.items[3]);
    assert_string_equal(s, "/nonexistent/dags/test.ini:6: task b: missing command");
    free(s);
    diag_free(&dl);
    /* A bad key's continuation lines add nothing, not even errors. */
    assert_null(load("[params]\np = 1\nbad-name = 2\n  3\n[task a]\nbogus = 1\n  2\n", &dl));
    assert_int_equal(dl.n, 3);
    expect_diag(&dl, 6, false, "unknown key \"bogus\"");
    expect_diag(&dl, 5, false, "missing command");
    diag_free(&dl);
}

static void test_long_line(void **state)
{
    (void)state;
    strbuf sb = {0};
    sb_append(&sb, "[task a]\ncommand = echo ");
    for (int i = 0; i < 250 - 15; i++)
        sb_append(&sb, "x");
    sb_append(&sb, "\n[task b]\ncommand = b\nbad key = 1\n");
    diag_list dl = {0};
    assert_null(load(sb.data, &dl));
    expect_diag(&dl, 2, false, "line longer than 199 characters");
    /* Nothing of the long line leaks into line 3, and counting goes on. */
    expect_diag(&dl, 5, false, "unknown key \"bad key\"");
    assert_int_equal(diag_error_count(&dl), 2);
    diag_free(&dl);
    sb_free(&sb);

    /* 199 characters is still fine, with or without CRLF. */
    sb_append(&sb, "[task a]\r\ncommand = ");
    for (int i = 0; i < 199 - 10; i++)
        sb_append(&sb, "y");
    sb_append(&sb, "\r\n");
    dag *d = load_ok(sb.data, &dl);
    assert_int_equal(strlen(d->tasks[0].command), 189);
    dag_free(d);
    diag_free(&dl);
    sb_free(&sb);

    /* A header too long to read: its keys don't fall into [task a]. */
    sb_append(&sb, "[task a]\ncommand = a\n[task ");
    for (int i = 0; i < 200; i++)
        sb_append(&sb, "k");
    sb_append(&sb, "]\ncommand = k\n");
    assert_null(load(sb.data, &dl));
    assert_int_equal(dl.n, 1);
    expect_diag(&dl, 3, false, "line longer than 199 characters");
    diag_free(&dl);
    sb_free(&sb);
}

static void test_empty_task_section(void **state)
{
    (void)state;
    diag_list dl = {0};
    assert_null(load("[task a]\n"
                     "command = a\n"
                     "\n"
                     "[task x]\n"
                     "\n"
                     "[task b]\n"
                     "upstream = a x\n"
                     "command = b\n",
                     &dl));
    /* Declared (b's upstream x resolves) but without a command. */
    assert_int_equal(diag_error_count(&dl), 1);
    expect_diag(&dl, 4, false, "task x: missing command");
    diag_free(&dl);
}

static void test_cycle_message(void **state)
{
    (void)state;
    diag_list dl = {0};
    assert_null(load("[task a]\n"
                     "upstream = c\n"
                     "command = a\n"
                     "[task b]\n"
                     "upstream = a\n"
                     "command = b\n"
                     "[task c]\n"
                     "upstream = b\n"
                     "command = c\n"
                     "[task ok]\n"
                     "command = ok\n",
                     &dl));
    assert_int_equal(diag_error_count(&dl), 1);
    expect_diag(&dl, 5, false, "upstream cycle: a -> b -> c -> a");
    diag_free(&dl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation_errors), cmocka_unit_test(test_many_errors),
        cmocka_unit_test(test_long_line),         cmocka_unit_test(test_empty_task_section),
        cmocka_unit_test(test_cycle_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
