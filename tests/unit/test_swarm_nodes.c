/* The rows of `nodes` from the Engine API's replies: fields, labels, units,
 * running tasks counted per node (a job's task is desired "complete" while it
 * runs), and replies that do not parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "swarm_nodes.h"

#include <string.h>

static const char nodes[] =
    "[{\"ID\":\"n1\",\"Spec\":{\"Labels\":{\"pool\":\"gpu\"},\"Role\":\"worker\","
    "\"Availability\":\"drain\"},\"Status\":{\"State\":\"ready\"},\"Description\":{"
    "\"Hostname\":\"w1\",\"Resources\":{\"NanoCPUs\":1500000000,\"MemoryBytes\":4096}}},"
    "{\"ID\":\"n2\",\"Spec\":{\"Availability\":\"active\"},\"Status\":{\"State\":\"down\"},"
    "\"Description\":{\"Hostname\":\"m\"}},"
    "{\"Spec\":{}}]";

static const char tasks[] = "[{\"NodeID\":\"n1\",\"DesiredState\":\"complete\",\"Status\":{"
                            "\"State\":\"running\"}},"
                            "{\"NodeID\":\"n1\",\"Status\":{\"State\":\"running\"}},"
                            "{\"NodeID\":\"n1\",\"Status\":{\"State\":\"complete\"}},"
                            "{\"NodeID\":\"n2\",\"Status\":{\"State\":\"pending\"}},"
                            "{\"Status\":{\"State\":\"running\"}}]";

static json_t *row(json_t *rows, size_t i)
{
    return json_array_get(rows, i);
}

static void test_rows(void **state)
{
    (void)state;
    char err[256] = "";
    json_t *rows = swarm_nodes_rows(nodes, strlen(nodes), tasks, strlen(tasks), err, sizeof err);
    assert_non_null(rows);
    assert_int_equal(json_array_size(rows), 2); /* the one without an ID is no node */
    json_t *a = row(rows, 0), *b = row(rows, 1);
    assert_string_equal(json_string_value(json_object_get(a, "id")), "n1");
    assert_string_equal(json_string_value(json_object_get(a, "hostname")), "w1");
    assert_string_equal(json_string_value(json_object_get(a, "state")), "ready");
    assert_string_equal(json_string_value(json_object_get(a, "availability")), "drain");
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "labels"), "pool")),
                        "gpu");
    assert_int_equal(json_integer_value(json_object_get(a, "memory")), 4096);
    assert_true(json_real_value(json_object_get(a, "cpus")) == 1.5);
    assert_int_equal(json_integer_value(json_object_get(a, "tasks")), 2);
    /* Missing fields: empty labels, zero resources, not a crash. */
    assert_int_equal(json_object_size(json_object_get(b, "labels")), 0);
    assert_int_equal(json_integer_value(json_object_get(b, "memory")), 0);
    assert_int_equal(json_integer_value(json_object_get(b, "tasks")), 0);
    assert_int_equal(swarm_nodes_ready(rows), 1);
    json_decref(rows);
}

static void test_no_tasks_reply(void **state)
{
    (void)state;
    char err[256] = "";
    json_t *rows = swarm_nodes_rows(nodes, strlen(nodes), NULL, 0, err, sizeof err);
    assert_int_equal(json_integer_value(json_object_get(row(rows, 0), "tasks")), 0);
    json_decref(rows);
    rows = swarm_nodes_rows(nodes, strlen(nodes), "{\"message\":1}", 13, err, sizeof err);
    assert_int_equal(json_integer_value(json_object_get(row(rows, 0), "tasks")), 0);
    json_decref(rows);
}

static void test_bad_nodes(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(swarm_nodes_rows("{\"message\":\"x\"}", 15, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "not a list"));
    err[0] = '\0';
    assert_null(swarm_nodes_rows("[{", 2, NULL, 0, err, sizeof err));
    assert_true(err[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_no_tasks_reply),
        cmocka_unit_test(test_bad_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
