/* Which task instances a clear / mark touches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "selection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*   a -> b -> d -> e
 *   a -> c -> d
 *   x (alone)           */
static const char text[] = "[task a]\ncommand = true\n"
                           "[task b]\nupstream = a\ncommand = true\n"
                           "[task c]\nupstream = a\ncommand = true\n"
                           "[task d]\nupstream = b c\ncommand = true\n"
                           "[task e]\nupstream = d\ncommand = true\n"
                           "[task x]\ncommand = true\n";

static dag *load(void)
{
    diag_list diags = {0};
    FILE *in = fmemopen((void *)text, sizeof text - 1, "r");
    dag *d = dag_load_stream(in, "sel.ini", "UTC", &diags);
    fclose(in);
    diag_free(&diags);
    assert_non_null(d);
    return d;
}

/* The selected task ids, sorted, space separated. */
static char *selected(const dag *d, const char *task, selection_flags f)
{
    bool mask[16];
    selection_tasks(d, (size_t)dag_task_index(d, task), &f, mask);
    static char out[128];
    out[0] = '\0';
    const char *ids[] = {"a", "b", "c", "d", "e", "x"};
    for (size_t k = 0; k < 6; k++) {
        if (mask[dag_task_index(d, ids[k])]) {
            if (out[0])
                strcat(out, " ");
            strcat(out, ids[k]);
        }
    }
    return out;
}

static void test_only_the_task(void **state)
{
    (void)state;
    dag *d = load();
    assert_string_equal(selected(d, "b", (selection_flags){0}), "b");
    dag_free(d);
}

static void test_downstream_is_transitive(void **state)
{
    (void)state;
    dag *d = load();
    assert_string_equal(selected(d, "b", (selection_flags){.downstream = true}), "b d e");
    assert_string_equal(selected(d, "a", (selection_flags){.downstream = true}), "a b c d e");
    assert_string_equal(selected(d, "e", (selection_flags){.downstream = true}), "e");
    dag_free(d);
}

static void test_upstream_is_transitive(void **state)
{
    (void)state;
    dag *d = load();
    assert_string_equal(selected(d, "d", (selection_flags){.upstream = true}), "a b c d");
    assert_string_equal(selected(d, "b", (selection_flags){.upstream = true}), "a b");
    dag_free(d);
}

static void test_both_directions_skip_siblings(void **state)
{
    (void)state;
    dag *d = load();
    /* c is neither above nor below b. */
    assert_string_equal(selected(d, "b", (selection_flags){.upstream = true, .downstream = true}),
                        "a b d e");
    assert_string_equal(selected(d, "x", (selection_flags){.upstream = true, .downstream = true}),
                        "x");
    dag_free(d);
}

static void test_runs_in_scope(void **state)
{
    (void)state;
    selection_flags none = {0}, past = {.past = true}, future = {.future = true};
    assert_true(selection_run_in_scope(100, 100, &none));
    assert_false(selection_run_in_scope(100, 50, &none));
    assert_false(selection_run_in_scope(100, 150, &none));
    assert_true(selection_run_in_scope(100, 50, &past));
    assert_false(selection_run_in_scope(100, 150, &past));
    assert_true(selection_run_in_scope(100, 150, &future));
    assert_false(selection_run_in_scope(100, 50, &future));
}

static void test_failed_only(void **state)
{
    (void)state;
    selection_flags all = {0}, failed = {.failed_only = true};
    for (int s = 0; s < TI_STATE_COUNT; s++)
        assert_true(selection_state_in_scope((enum ti_state)s, &all));
    assert_true(selection_state_in_scope(TI_FAILED, &failed));
    assert_true(selection_state_in_scope(TI_UPSTREAM_FAILED, &failed));
    assert_false(selection_state_in_scope(TI_SUCCESS, &failed));
    assert_false(selection_state_in_scope(TI_SKIPPED, &failed));
    assert_false(selection_state_in_scope(TI_RUNNING, &failed));
    assert_false(selection_state_in_scope(TI_NONE, &failed));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_the_task),
        cmocka_unit_test(test_downstream_is_transitive),
        cmocka_unit_test(test_upstream_is_transitive),
        cmocka_unit_test(test_both_directions_skip_siblings),
        cmocka_unit_test(test_runs_in_scope),
        cmocka_unit_test(test_failed_only),
    };
    return cmocka_run_group_tests_name("selection", tests, NULL, NULL);
}
