/* The executor keys: which executor a task runs on (task key, [dag]
 * default for image tasks), the swarm's constraints and generic resources
 * as lists, and their errors and warnings by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dag_helpers.h"

static const dag_task *task(const dag *d, const char *id)
{
    int i = dag_task_index(d, id);
    assert_true(i >= 0);
    return &d->tasks[i];
}

static void test_executor_resolution(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load_ok("[task sh]\ncommand = true\n"
                     "[task box]\nimage = busybox\ncommand = true\n"
                     "[task job]\nimage = busybox\nexecutor = swarm\ncommand = true\n",
                     &dl);
    assert_int_equal(task(d, "sh")->executor, EXECUTOR_LOCAL);
    assert_int_equal(task(d, "box")->executor, EXECUTOR_DOCKER);
    assert_int_equal(task(d, "job")->executor, EXECUTOR_SWARM);
    dag_free(d);
    diag_free(&dl);

    /* [dag] executor = swarm: the default of image tasks only, wherever
     * [dag] comes in the file. */
    d = load_ok("[task sh]\ncommand = true\n"
                "[task box]\nimage = busybox\ncommand = true\n"
                "[task here]\nimage = busybox\nexecutor = docker\ncommand = true\n"
                "[dag]\nexecutor = swarm\n",
                &dl);
    assert_int_equal(task(d, "sh")->executor, EXECUTOR_LOCAL);
    assert_int_equal(task(d, "box")->executor, EXECUTOR_SWARM);
    assert_int_equal(task(d, "here")->executor, EXECUTOR_DOCKER);
    assert_int_equal(dl.n, 0);
    dag_free(d);
    diag_free(&dl);
}

static void test_swarm_lists(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load_ok("[task job]\nimage = busybox\nexecutor = swarm\ncommand = true\n"
                     "constraints = node.labels.pool==gpu\n"
                     "  node.platform.os!=windows node.role==worker\n"
                     "generic_resources = NVIDIA-GPU=1 SSD=2\n",
                     &dl);
    const dag_task *t = task(d, "job");
    assert_int_equal(t->constraints.n, 3);
    assert_string_equal(t->constraints.items[1], "node.platform.os!=windows");
    assert_int_equal(t->generic_resources.n, 2);
    assert_string_equal(t->generic_resources.items[0], "NVIDIA-GPU=1");
    assert_int_equal(dl.n, 0);
    dag_free(d);
    diag_free(&dl);
}

static void test_executor_errors(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load("[task a]\nexecutor = swarm\ncommand = true\n"            /* 1-3 */
                  "[task b]\nimage = x\nexecutor = local\ncommand = true\n" /* 4-7 */
                  "[task c]\nexecutor = kubernetes\ncommand = true\n"       /* 8-10 */
                  "[task d]\nimage = x\nexecutor = swarm\ncommand = true\n"
                  "constraints = node.labels.pool\n" /* 15 */
                  "generic_resources = GPU=0 GPU\n"  /* 16 */
                  "[dag]\nexecutor = local\n",       /* 17-18 */
                  &dl);
    assert_null(d);
    expect_diag(&dl, 2, false, "task a: executor = swarm needs an image");
    expect_diag(&dl, 6, false, "task b: executor = local cannot run an image");
    expect_diag(&dl, 9, false, "bad executor \"kubernetes\"");
    expect_diag(&dl, 15, false, "bad constraint \"node.labels.pool\"");
    expect_diag(&dl, 16, false, "bad generic resource \"GPU=0\"");
    expect_diag(&dl, 16, false, "bad generic resource \"GPU\"");
    expect_diag(&dl, 18, false, "bad executor \"local\" in [dag]");
    diag_free(&dl);
}

static void test_executor_warnings(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load_ok("[task job]\nimage = x\nexecutor = swarm\ncommand = true\n"
                     "pull = always\n"                         /* 5 */
                     "[task box]\nimage = x\ncommand = true\n" /* 6-8 */
                     "constraints = node.role==worker\n",      /* 9 */
                     &dl);
    expect_diag(&dl, 5, true, "pull is ignored on swarm tasks");
    expect_diag(&dl, 9, true, "constraints has no effect without executor = swarm");
    dag_free(d);
    diag_free(&dl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_executor_resolution),
        cmocka_unit_test(test_swarm_lists),
        cmocka_unit_test(test_executor_errors),
        cmocka_unit_test(test_executor_warnings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
