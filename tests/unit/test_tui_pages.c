/* dagtop's paged fetches: pages of `dags` and of `grid` (more rows, then
 * more task windows) merge into the one model a single reply would give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../tui/dagtop/tui_json.h"
#include "../../tui/dagtop/tui_model.h"
#include "states.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tj_span span(const char *s)
{
    return (tj_span){s, strlen(s)};
}

static void load(grid_model *g, const char *json)
{
    assert_int_equal(grid_model_load(g, span(json)), 0);
}

#define RUN(id, date, a, b)                                                                        \
    "{\"run_id\":\"" id "\",\"logical_date\":\"" date "\",\"state\":\"running\",\"tasks\":{" a     \
    "" b "}}"

static void test_grid_pages(void **state)
{
    (void)state;
    grid_model g, p;
    /* Window 1 (tasks a, b), rows in two pages. */
    load(
        &g,
        "{\"dag_id\":\"d\",\"tasks\":[\"a\",\"b\"],\"runs\":[" RUN(
            "r3", "2026-01-03T00:00:00+00:00", "\"a\":{\"state\":\"success\",\"try_number\":1},",
            "\"b\":{\"state\":\"failed\",\"try_number\":2}") "," RUN("r2",
                                                                     "2026-01-02T00:00:00+00:00",
                                                                     "\"a\":{\"state\":\"running\","
                                                                     "\"try_number\":1}",
                                                                     "") "],\"more\":true,\"next_"
                                                                         "offset\":2,\"next_task_"
                                                                         "offset\":2}");
    load(&p,
         "{\"dag_id\":\"d\",\"tasks\":[\"a\",\"b\"],\"runs\":[" RUN(
             "r2", "2026-01-02T00:00:00+00:00", "\"a\":{\"state\":\"running\",\"try_number\":1}",
             "") "," RUN("r1", "2026-01-01T00:00:00+00:00",
                         "\"b\":{\"state\":\"skipped\",\"try_number\":0}", "") "]}");
    assert_int_equal(grid_model_merge(&g, &p, false), 0);
    assert_int_equal(g.n_runs, 3); /* r2 seen twice is kept once */
    assert_string_equal(g.runs[2].run_id, "r1");
    assert_int_equal(grid_cell_at(&g, 2, 1)->state, TI_SKIPPED);
    assert_int_equal(grid_cell_at(&g, 2, 0)->state, CELL_ABSENT);
    /* Window 2 (task c) in two pages: r3, then r1 (r2 missing: absent). */
    load(&p, "{\"dag_id\":\"d\",\"tasks\":[\"c\"],\"runs\":[" RUN(
                 "r3", "2026-01-03T00:00:00+00:00", "\"c\":{\"state\":\"queued\",\"try_number\":0}",
                 "") "]}");
    assert_int_equal(grid_model_merge(&g, &p, true), 0);
    assert_int_equal(grid_cell_at(&g, 2, 2)->state, CELL_ABSENT);
    load(&p, "{\"dag_id\":\"d\",\"tasks\":[\"c\"],\"runs\":[" RUN(
                 "r1", "2026-01-01T00:00:00+00:00",
                 "\"c\":{\"state\":\"up_for_retry\",\"try_number\":3}",
                 "") "," RUN("r0", "2025-12-31T00:00:00+00:00",
                             "\"c\":{\"state\":\"failed\",\"try_number\":1}", "") "]}");
    assert_int_equal(grid_model_merge(&g, &p, true), 0);
    assert_int_equal(g.n_runs, 3); /* r0 is not a row of the grid */
    assert_int_equal(g.n_tasks, 3);
    assert_string_equal(g.tasks[2], "c");
    assert_int_equal(grid_find_task(&g, "c"), 2);
    assert_int_equal(grid_cell_at(&g, 0, 0)->state, TI_SUCCESS);
    assert_int_equal(grid_cell_at(&g, 0, 1)->state, TI_FAILED);
    assert_int_equal(grid_cell_at(&g, 0, 1)->try_number, 2);
    assert_int_equal(grid_cell_at(&g, 0, 2)->state, TI_QUEUED);
    assert_int_equal(grid_cell_at(&g, 1, 2)->state, CELL_ABSENT);
    assert_int_equal(grid_cell_at(&g, 2, 2)->state, TI_UP_FOR_RETRY);
    assert_int_equal(grid_cell_at(&g, 2, 2)->try_number, 3);
    assert_int_equal(grid_cell_at(&g, 2, 1)->state, TI_SKIPPED);
    /* A page of another DAG does not merge. */
    load(&p, "{\"dag_id\":\"other\",\"tasks\":[\"c\"],\"runs\":[]}");
    assert_int_equal(grid_model_merge(&g, &p, true), -1);
    assert_int_equal(g.n_tasks, 3);
    grid_model_free(&g);
}

static void test_dag_pages(void **state)
{
    (void)state;
    dag_list l = {0};
    assert_int_equal(dag_list_load(&l, span("{\"dags\":[{\"dag_id\":\"m\"},{\"dag_id\":\"z\"}],"
                                            "\"offset\":0,\"more\":true,\"next_offset\":2}")),
                     0);
    assert_int_equal(l.n, 2);
    assert_int_equal(dag_list_append(&l, span("{\"dags\":[{\"dag_id\":\"a\",\"paused\":true}],"
                                              "\"offset\":2,\"more\":false}")),
                     0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.rows[0].dag_id, "a"); /* sorted as one list */
    assert_true(l.rows[0].paused);
    assert_string_equal(l.rows[2].dag_id, "z");
    /* The plain list of the contract still loads. */
    dag_list k = {0};
    assert_int_equal(dag_list_load(&k, span("[{\"dag_id\":\"x\"}]")), 0);
    assert_int_equal(k.n, 1);
    dag_list_free(&k);
    dag_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_pages),
        cmocka_unit_test(test_dag_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
