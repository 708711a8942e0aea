/* dagtop's models without a terminal: the JSON walker, the grid and DAG
 * list built from replies and kept current by events, text helpers, and
 * the bounded log buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../tui/dagtop/tui_json.h"
#include "../../tui/dagtop/tui_logbuf.h"
#include "../../tui/dagtop/tui_model.h"
#include "../../tui/dagtop/tui_text.h"
#include "states.h"
#include "timeutil.h"
#include "util.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tj_span span(const char *s)
{
    return (tj_span){s, strlen(s)};
}

struct seen {
    char keys[8][32];
    int n;
};

static bool note_key(void *ud, const char *key, tj_span v)
{
    (void)v;
    struct seen *s = ud;
    snprintf(s->keys[s->n++], sizeof s->keys[0], "%s", key);
    return s->n < 8;
}

static void test_json_walker(void **state)
{
    (void)state;
    const char *line = "{\"id\":7,\"ok\":true,\"result\":{\"a\":[1,{\"b\":\"}]\\\"\"}],\"c\":null},"
                       "\"k\\u0065y\":\"v\"}";
    struct seen s = {0};
    assert_int_equal(tj_each_member(span(line), note_key, &s), 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.keys[0], "id");
    assert_string_equal(s.keys[2], "result");
    assert_string_equal(s.keys[3], "key"); /* escapes in keys decoded */
    tj_span v;
    long long id;
    assert_true(tj_member(span(line), "id", &v));
    assert_true(tj_int(v, &id));
    assert_int_equal(id, 7);
    assert_true(tj_member(span(line), "ok", &v));
    assert_true(tj_is_true(v));
    assert_true(tj_member(span(line), "result", &v));
    tj_span c;
    assert_true(tj_member(v, "c", &c));
    assert_int_equal(c.n, 4);
    assert_false(tj_member(span(line), "missing", &v));
    /* Malformed text is refused, never read past its end. */
    assert_int_equal(tj_each_member(span("{\"a\":[1,2"), note_key, &s), -1);
    assert_int_equal(tj_each_member(span("{\"a\" 1}"), note_key, &s), -1);
    assert_int_equal(tj_each_member(span("[1]"), note_key, &s), -1);
    assert_int_equal(tj_each_member(span("{\"a\":\"unterminated"), note_key, &s), -1);
    size_t start;
    assert_int_equal(tj_value_end("  \"x\\\"y\" ", 9, 0, &start), 8);
    assert_int_equal(start, 2);
    assert_int_equal(tj_value_end("   ", 3, 0, &start), 0);
}

static const char grid_json[] =
    "{\"dag_id\":\"etl\",\"tasks\":[\"extract\",\"load\",\"new_task\"],\"runs\":["
    "{\"run_id\":\"manual__2026-11-22T13:45:12.123456+00:00\",\"logical_date\":"
    "\"2026-11-22T13:45:12.123456+00:00\",\"state\":\"running\",\"run_type\":\"manual\","
    "\"tasks\":{\"extract\":{\"state\":\"success\",\"try_number\":1},"
    "\"load\":{\"state\":\"running\",\"try_number\":2},"
    "\"new_task\":{\"state\":\"none\",\"try_number\":0}}},"
    "{\"run_id\":\"scheduled__2026-11-21T00:00:00+09:00\",\"logical_date\":"
    "\"2026-11-21T00:00:00+09:00\",\"state\":\"failed\",\"run_type\":\"scheduled\","
    "\"sla_missed\":true,"
    "\"tasks\":{\"extract\":{\"state\":\"failed\",\"try_number\":3},"
    "\"load\":{\"state\":\"upstream_failed\",\"try_number\":0}}}]}";

static void test_grid_load(void **state)
{
    (void)state;
    grid_model g;
    assert_int_equal(grid_model_load(&g, span(grid_json)), 0);
    assert_string_equal(g.dag_id, "etl");
    assert_int_equal(g.n_tasks, 3);
    assert_string_equal(g.tasks[1], "load");
    assert_int_equal(g.n_runs, 2);
    assert_string_equal(g.runs[0].label, "2026-11-22 13:45:12");
    assert_string_equal(g.runs[1].label, "2026-11-21");
    assert_int_equal(g.runs[0].state, RUN_RUNNING);
    assert_int_equal(g.runs[1].state, RUN_FAILED);
    assert_int_equal(g.runs[0].run_type, 'm');
    assert_int_equal(g.runs[1].run_type, 's');
    assert_int_equal(grid_cell_at(&g, 0, 1)->state, TI_RUNNING);
    assert_int_equal(grid_cell_at(&g, 0, 1)->try_number, 2);
    assert_int_equal(grid_cell_at(&g, 1, 0)->try_number, 3);
    assert_int_equal(grid_cell_at(&g, 1, 1)->state, TI_UPSTREAM_FAILED);
    /* A task added after the run was made has no instance in it. */
    assert_int_equal(grid_cell_at(&g, 1, 2)->state, CELL_ABSENT);
    grid_model_free(&g);

    /* Member order does not matter (runs before tasks). */
    const char *reordered =
        "{\"runs\":[{\"run_id\":\"r\",\"logical_date\":\"2026-01-01T00:00:00+00:00\","
        "\"state\":\"success\",\"tasks\":{\"t\":{\"state\":\"skipped\","
        "\"try_number\":0}}}],\"tasks\":[\"t\"],\"dag_id\":\"d\"}";
    assert_int_equal(grid_model_load(&g, span(reordered)), 0);
    assert_int_equal(grid_cell_at(&g, 0, 0)->state, TI_SKIPPED);
    grid_model_free(&g);

    /* A run of another version than the DAG's current one is marked
     * (runs from before versions, version null, are not). */
    const char *versions =
        "{\"dag_id\":\"d\",\"tasks\":[\"t\"],\"runs\":["
        "{\"run_id\":\"a\",\"logical_date\":\"2026-01-03T00:00:00+00:00\",\"version\":"
        "\"bbbbbbbbbbbb\"},"
        "{\"run_id\":\"b\",\"logical_date\":\"2026-01-02T00:00:00+00:00\",\"version\":"
        "\"aaaaaaaaaaaa\"},"
        "{\"run_id\":\"c\",\"logical_date\":\"2026-01-01T00:00:00+00:00\",\"version\":null}],"
        "\"version\":\"bbbbbbbbbbbb\"}";
    assert_int_equal(grid_model_load(&g, span(versions)), 0);
    assert_false(g.runs[0].old_version);
    assert_true(g.runs[1].old_version);
    assert_false(g.runs[2].old_version);
    grid_model_free(&g);

    assert_int_equal(grid_model_load(&g, span("{\"dag_id\":\"d\"}")), -1);
    assert_int_equal(grid_model_load(&g, span("{\"dag_id\":\"d\",\"tasks\":[1],\"runs\":[]}")), -1);
    assert_int_equal(grid_model_load(&g, span("not json")), -1);
}

static void test_grid_events(void **state)
{
    (void)state;
    grid_model g;
    assert_int_equal(grid_model_load(&g, span(grid_json)), 0);
    const char *r0 = "manual__2026-11-22T13:45:12.123456+00:00";
    assert_true(grid_apply_task(&g, r0, "load", TI_SUCCESS, 2));
    assert_int_equal(grid_cell_at(&g, 0, 1)->state, TI_SUCCESS);
    assert_false(grid_apply_task(&g, "nope", "load", TI_SUCCESS, 1));
    assert_false(grid_apply_task(&g, r0, "nope", TI_SUCCESS, 1));
    assert_false(grid_apply_task(&g, r0, "load", -1, 1));
    assert_true(grid_apply_run(&g, r0, RUN_SUCCESS));
    assert_int_equal(g.runs[0].state, RUN_SUCCESS);
    assert_false(grid_apply_run(&g, "nope", RUN_SUCCESS));

    /* New runs go where their logical date puts them, every task none. */
    int at = grid_insert_run(&g, "scheduled__2026-11-23T00:00:00+00:00",
                             "2026-11-23T00:00:00+00:00", RUN_QUEUED);
    assert_int_equal(at, 0);
    at = grid_insert_run(&g, "backfill__2026-11-21T12:00:00+00:00", "2026-11-21T12:00:00+00:00",
                         RUN_QUEUED);
    assert_int_equal(at, 2);
    at = grid_insert_run(&g, "backfill__2020-01-01T00:00:00+00:00", "2020-01-01T00:00:00+00:00",
                         RUN_RUNNING);
    assert_int_equal(at, 4);
    assert_int_equal(g.n_runs, 5);
    assert_int_equal(g.runs[2].run_type, 'b');
    assert_int_equal(grid_cell_at(&g, 2, 0)->state, TI_NONE);
    /* The cells of runs that moved down moved with them. */
    assert_int_equal(grid_cell_at(&g, 1, 1)->state, TI_SUCCESS);
    assert_int_equal(grid_cell_at(&g, 3, 1)->state, TI_UPSTREAM_FAILED);
    assert_int_equal(grid_insert_run(&g, "x", "garbage", RUN_QUEUED), -1);
    assert_int_equal(grid_find_run(&g, "scheduled__2026-11-21T00:00:00+09:00"), 3);
    grid_model_free(&g);
}

static void test_date_labels(void **state)
{
    (void)state;
    char b[32];
    grid_date_label("2026-11-22T00:00:00+09:00", b, sizeof b);
    assert_string_equal(b, "2026-11-22");
    grid_date_label("2026-11-22T03:00:00+09:00", b, sizeof b);
    assert_string_equal(b, "2026-11-22 03:00");
    grid_date_label("2026-11-22T03:00:07+09:00", b, sizeof b);
    assert_string_equal(b, "2026-11-22 03:00:07");
    grid_date_label("2026-11-22T00:00:00.5+00:00", b, sizeof b);
    assert_string_equal(b, "2026-11-22 00:00:00");
    grid_date_label("odd", b, sizeof b);
    assert_string_equal(b, "odd");
}

/* Issue 10, defect 11: the midnight row of an hourly DAG showed no time.
 * Every row shows as much time as the finest run needs. */
static void test_row_labels_share_a_precision(void **state)
{
    (void)state;
    grid_run runs[3] = {0};
    grid_model g = {.runs = runs, .n_runs = 3};
    grid_date_label("2026-01-02T01:00:00+00:00", runs[0].label, sizeof runs[0].label);
    grid_date_label("2026-01-02T00:00:00+00:00", runs[1].label, sizeof runs[1].label);
    grid_date_label("2026-01-01T23:00:00+00:00", runs[2].label, sizeof runs[2].label);
    char b[32];
    assert_int_equal(grid_label_len(&g), 16);
    grid_row_label(&runs[1], grid_label_len(&g), b, sizeof b);
    assert_string_equal(b, "2026-01-02 00:00");
    grid_row_label(&runs[0], grid_label_len(&g), b, sizeof b);
    assert_string_equal(b, "2026-01-02 01:00");
    /* A run with seconds: every row shows them. */
    grid_date_label("2026-01-02T00:30:07+00:00", runs[2].label, sizeof runs[2].label);
    assert_int_equal(grid_label_len(&g), 19);
    grid_row_label(&runs[1], 19, b, sizeof b);
    assert_string_equal(b, "2026-01-02 00:00:00");
    grid_row_label(&runs[0], 19, b, sizeof b);
    assert_string_equal(b, "2026-01-02 01:00:00");
    /* Daily runs only: dates. */
    g.n_runs = 2;
    grid_date_label("2026-01-01T00:00:00+00:00", runs[0].label, sizeof runs[0].label);
    assert_int_equal(grid_label_len(&g), 10);
    grid_row_label(&runs[1], 10, b, sizeof b);
    assert_string_equal(b, "2026-01-02");
    /* A label that is not a date stays as it is. */
    snprintf(runs[0].label, sizeof runs[0].label, "odd");
    grid_row_label(&runs[0], 16, b, sizeof b);
    assert_string_equal(b, "odd");
}

/* Issue 10, defect 11: with LANG=C raw UTF-8 reached the screen. */
static void test_ascii_only(void **state)
{
    (void)state;
    char b[128];
    text_ascii(" dagtop \xe2\x80\x94 2 DAGs", b, sizeof b);
    assert_string_equal(b, " dagtop - 2 DAGs");
    text_ascii("asking the agent\xe2\x80\xa6", b, sizeof b);
    assert_string_equal(b, "asking the agent...");
    text_ascii("\xe2\x86\x91 \xe2\x86\x93 k j \xe2\x86\x90 \xe2\x86\x92", b, sizeof b);
    assert_string_equal(b, "^ v k j < >");
    text_ascii("\xe2\x96\xb8 \xe2\x80\x96 \xe2\x9c\x93\xe2\x9c\x97", b, sizeof b);
    assert_string_equal(b, "> P +x");
    /* Anything else: one '?' per character or stray byte. */
    text_ascii("caf\xc3\xa9 \xff\xfe x", b, sizeof b);
    assert_string_equal(b, "caf? ?? x");
    text_ascii("\xe2\x80", b, sizeof b); /* cut short */
    assert_string_equal(b, "??");
    /* Cut to fit, never in the middle of a replacement. */
    char small[6];
    text_ascii("ab\xe2\x80\xa6"
               "cd",
               small, sizeof small);
    assert_string_equal(small, "ab...");
    for (const unsigned char *p = (const unsigned char *)b; *p; p++)
        assert_true(*p < 0x80);
}

/* Issue 10, defect 11: at 60 columns "? help" was cut off the hints. */
static void test_hints_keep_help(void **state)
{
    (void)state;
    static const text_hint h[] = {{"Enter/l log", 2}, {"c clear", 3},   {"f/s mark", 4},
                                  {"p pause", 7},     {"t trigger", 5}, {"b backfill", 6},
                                  {"? help", 0},      {"q back", 1}};
    char b[256];
    text_hints(h, 8, 200, b, sizeof b);
    assert_string_equal(
        b, "Enter/l log  c clear  f/s mark  p pause  t trigger  b backfill  ? help  q back");
    text_hints(h, 8, 59, b, sizeof b);
    assert_string_equal(b, "Enter/l log  c clear  f/s mark  t trigger  ? help  q back");
    text_hints(h, 8, 20, b, sizeof b);
    assert_string_equal(b, "? help  q back");
    text_hints(h, 8, 6, b, sizeof b);
    assert_string_equal(b, "? help");
    for (int w = 6; w < 90; w++) {
        text_hints(h, 8, w, b, sizeof b);
        assert_true((int)strlen(b) <= w);
        assert_non_null(strstr(b, "? help"));
    }
}

static void test_dag_list(void **state)
{
    (void)state;
    const char *json =
        "[{\"dag_id\":\"zeta\",\"paused\":true,\"schedule\":\"@daily\",\"next_run\":null,"
        "\"next_run_starts_at\":\"2026-11-23T00:00:00+00:00\",\"file\":\"z.ini\",\"error\":null,"
        "\"running\":2,\"recent\":[\"success\",\"failed\",\"running\"],"
        "\"params\":{\"table\":\"orders\",\"mode\":\"full\"}},"
        "{\"dag_id\":\"alpha\",\"paused\":false,\"schedule\":null,\"next_run\":null,"
        "\"next_run_starts_at\":null,\"file\":\"a.ini\",\"error\":\"a.ini:2: bad\","
        "\"running\":0,\"recent\":[]}]";
    dag_list l = {0};
    assert_int_equal(dag_list_load(&l, span(json)), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.rows[0].dag_id, "alpha"); /* sorted by id */
    assert_string_equal(l.rows[0].error, "a.ini:2: bad");
    assert_null(l.rows[0].schedule);
    assert_false(l.rows[0].has_next);
    assert_true(l.rows[1].paused);
    assert_int_equal(l.rows[1].running, 2);
    assert_int_equal(l.rows[1].n_recent, 3);
    assert_int_equal(l.rows[1].recent[1], RUN_FAILED);
    assert_true(l.rows[1].has_next);
    int64_t want;
    time_parse("2026-11-23T00:00:00+00:00", "UTC", &want, NULL, 0);
    assert_true(l.rows[1].next_start_us == want);
    /* Declared params in their order, when the agent lists them. */
    assert_false(l.rows[0].params_listed);
    assert_true(l.rows[1].params_listed);
    assert_int_equal(l.rows[1].param_names.n, 2);
    assert_string_equal(l.rows[1].param_names.items[0], "table");
    assert_string_equal(l.rows[1].param_defaults.items[1], "full");
    assert_int_equal(dag_list_find(&l, "zeta"), 1);
    assert_int_equal(dag_list_find(&l, "nope"), -1);
    /* A bad reply leaves the list as it was. */
    assert_int_equal(dag_list_load(&l, span("{}")), -1);
    assert_int_equal(l.n, 2);
    dag_list_free(&l);
}

static void test_text(void **state)
{
    (void)state;
    char b[64];
    text_relative(3 * USEC_PER_HOUR + 59 * USEC_PER_MIN, b, sizeof b);
    assert_string_equal(b, "in 3h");
    text_relative(42 * USEC_PER_SEC, b, sizeof b);
    assert_string_equal(b, "in 42s");
    text_relative(12 * USEC_PER_MIN, b, sizeof b);
    assert_string_equal(b, "in 12m");
    text_relative(2 * USEC_PER_DAY + 1, b, sizeof b);
    assert_string_equal(b, "in 2d");
    text_relative(-5, b, sizeof b);
    assert_string_equal(b, "due");
    text_duration(400000, b, sizeof b);
    assert_string_equal(b, "0.4s");
    text_duration(12 * USEC_PER_SEC, b, sizeof b);
    assert_string_equal(b, "12s");
    text_duration(185 * USEC_PER_SEC, b, sizeof b);
    assert_string_equal(b, "3m05s");
    text_duration(3720 * USEC_PER_SEC, b, sizeof b);
    assert_string_equal(b, "1h02m");

    /* Log lines: tabs, colour escapes, control bytes. */
    const char *line = "a\tb\x1b[31mred\x1b[0m\x01";
    text_clean_line(line, strlen(line), true, b, sizeof b);
    assert_string_equal(b, "a       bred?");
    const char *utf = "caf\xc3\xa9 \xff";
    text_clean_line(utf, strlen(utf), false, b, sizeof b);
    assert_string_equal(b, "caf?? ?");
    setlocale(LC_ALL, "C.UTF-8");
    text_clean_line(utf, strlen(utf), true, b, sizeof b);
    assert_string_equal(b, "caf\xc3\xa9 ?");
    assert_int_equal(text_width("✓✗x"), 3);
    int w;
    assert_int_equal(text_fit("✓✗x", strlen("✓✗x"), 2, &w), 6);
    assert_int_equal(w, 2);
    setlocale(LC_ALL, "C");
}

static void test_logbuf(void **state)
{
    (void)state;
    logbuf b;
    logbuf_init(&b, 100);
    assert_int_equal(logbuf_lines(&b), 0);
    logbuf_append(&b, "one\ntw", 6);
    assert_int_equal(logbuf_lines(&b), 2);
    logbuf_append(&b, "o\n", 2);
    assert_int_equal(logbuf_lines(&b), 2);
    size_t len;
    const char *s = logbuf_line(&b, 1, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(s, "two", 3);
    /* Past the cap, whole lines go from the head. */
    char line[32];
    for (int i = 0; i < 30; i++) {
        snprintf(line, sizeof line, "line %02d\n", i);
        logbuf_append(&b, line, strlen(line));
    }
    assert_true(b.len <= 100);
    assert_true(b.dropped_lines > 0);
    s = logbuf_line(&b, logbuf_lines(&b) - 1, &len);
    assert_memory_equal(s, "line 29", 7);
    s = logbuf_line(&b, 0, &len);
    assert_memory_equal(s, "line ", 5);
    /* One line longer than the cap keeps its tail. */
    logbuf_reset(&b);
    char big[300];
    memset(big, 'x', sizeof big);
    big[299] = 'y';
    logbuf_append(&b, big, sizeof big);
    assert_int_equal(b.len, 100);
    assert_int_equal(logbuf_lines(&b), 1);
    s = logbuf_line(&b, 0, &len);
    assert_int_equal(s[len - 1], 'y');
    logbuf_free(&b);
}

/* Durations from the grid reply, a task's median, the next failed cell. */
static const char dur_json[] =
    "{\"dag_id\":\"d\",\"tasks\":[\"a\",\"b\"],\"runs\":["
    "{\"run_id\":\"r4\",\"logical_date\":\"2026-01-04T00:00:00+00:00\",\"state\":\"failed\","
    "\"start_date\":\"2026-01-04T00:00:00+00:00\",\"end_date\":\"2026-01-04T00:01:00+00:00\","
    "\"tasks\":{\"a\":{\"state\":\"success\",\"try_number\":1,\"duration_s\":9.5},"
    "\"b\":{\"state\":\"failed\",\"try_number\":1,\"duration_s\":1}}},"
    "{\"run_id\":\"r3\",\"logical_date\":\"2026-01-03T00:00:00+00:00\",\"state\":\"success\","
    "\"tasks\":{\"a\":{\"state\":\"success\",\"try_number\":1,\"duration_s\":2},"
    "\"b\":{\"state\":\"success\",\"try_number\":1}}},"
    "{\"run_id\":\"r2\",\"logical_date\":\"2026-01-02T00:00:00+00:00\",\"state\":\"failed\","
    "\"tasks\":{\"a\":{\"state\":\"failed\",\"try_number\":2,\"duration_s\":3},"
    "\"b\":{\"state\":\"upstream_failed\",\"try_number\":0}}},"
    "{\"run_id\":\"r1\",\"logical_date\":\"2026-01-01T00:00:00+00:00\",\"state\":\"success\","
    "\"tasks\":{\"a\":{\"state\":\"success\",\"try_number\":1,\"duration_s\":4},"
    "\"b\":{\"state\":\"success\",\"try_number\":1,\"duration_s\":1}}}]}";

static void test_grid_durations(void **state)
{
    (void)state;
    grid_model g;
    assert_int_equal(grid_model_load(&g, span(dur_json)), 0);
    assert_int_equal(grid_cell_at(&g, 0, 0)->dur_ms, 9500);
    assert_int_equal(grid_cell_at(&g, 1, 1)->dur_ms, CELL_NO_DUR);
    assert_true(g.runs[0].end_us - g.runs[0].start_us == 60000000);
    assert_int_equal(g.runs[1].start_us, 0);
    size_t n;
    /* a's successful tries: 9.5, 2, 4 (the failed 3 is not counted). */
    assert_int_equal(grid_task_median(&g, 0, 0, g.n_runs, &n), 4000);
    assert_int_equal(n, 3);
    assert_int_equal(grid_task_median(&g, 0, 1, 2, &n), 2000);
    assert_int_equal(n, 1);
    /* A changed state forgets its duration until the grid is read again. */
    assert_true(grid_apply_task(&g, "r3", "a", TI_RUNNING, 2));
    assert_int_equal(grid_cell_at(&g, 1, 0)->dur_ms, CELL_NO_DUR);
    /* The next failed cell, row-major over the shown columns. */
    int cols[] = {0, 1};
    int run = 0, k = 0;
    assert_true(grid_find_state(&g, cols, 2, TI_FAILED, 1, &run, &k));
    assert_int_equal(run, 0);
    assert_int_equal(k, 1);
    assert_true(grid_find_state(&g, cols, 2, TI_FAILED, 1, &run, &k));
    assert_int_equal(run, 2);
    assert_int_equal(k, 0);
    assert_false(grid_find_state(&g, cols, 2, TI_FAILED, 1, &run, &k));
    assert_int_equal(run, 2); /* unmoved */
    assert_true(grid_find_state(&g, cols, 2, TI_FAILED, -1, &run, &k));
    assert_int_equal(run, 0);
    assert_int_equal(k, 1);
    /* Only the shown columns count: with b hidden, r4 has none. */
    int only_a[] = {0};
    run = 0;
    k = 0;
    assert_true(grid_find_state(&g, only_a, 1, TI_FAILED, 1, &run, &k));
    assert_int_equal(run, 2);
    grid_model_free(&g);
}

static void test_filter_split(void **state)
{
    (void)state;
    int st;
    char task[64];
    grid_filter_split("state:failed", &st, task, sizeof task);
    assert_int_equal(st, TI_FAILED);
    assert_string_equal(task, "");
    grid_filter_split("load state:up_for_retry", &st, task, sizeof task);
    assert_int_equal(st, TI_UP_FOR_RETRY);
    assert_string_equal(task, "load");
    grid_filter_split("state:fai", &st, task, sizeof task); /* typing: not yet a state */
    assert_int_equal(st, -1);
    assert_string_equal(task, "");
    grid_filter_split("  ext  ", &st, task, sizeof task);
    assert_int_equal(st, -1);
    assert_string_equal(task, "ext");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_walker),  cmocka_unit_test(test_grid_load),
        cmocka_unit_test(test_grid_events),  cmocka_unit_test(test_date_labels),
        cmocka_unit_test(test_dag_list),     cmocka_unit_test(test_text),
        cmocka_unit_test(test_logbuf),       cmocka_unit_test(test_grid_durations),
        cmocka_unit_test(test_filter_split), cmocka_unit_test(test_row_labels_share_a_precision),
        cmocka_unit_test(test_ascii_only),   cmocka_unit_test(test_hints_keep_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
