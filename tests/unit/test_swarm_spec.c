/* The service a swarm try becomes: a replicated job of one completion,
 * never restarted, its image as given, Command/Args, env, mounts,
 * reservations and limits, generic resources, constraints, labels; its
 * name a valid service name unique to the try; how task states read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exec_swarm.h"
#include "swarm_spec.h"

#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static json_t *at(json_t *o, const char *a, const char *b)
{
    return json_object_get(json_object_get(o, a), b);
}

static void test_service_body(void **state)
{
    (void)state;
    char *argv[] = {"python", "train.py", "--date", "2026-11-20", NULL};
    char *env[] = {"DS=2026-11-20", "MODE=full", NULL};
    strlist volumes = {0}, constraints = {0}, gres = {0};
    strlist_push(&volumes, "/srv/data:/data:ro");
    strlist_push(&volumes, "cache:/cache");
    strlist_push(&constraints, "node.labels.pool==gpu");
    strlist_push(&constraints, "node.platform.os!=windows");
    strlist_push(&gres, "NVIDIA-GPU=2");
    swarm_spec s = {
        .name = "dagd-ml-train-0123456789",
        .image = "registry.local/ml/train:20261120",
        .argv = argv,
        .env = env,
        .entrypoint = "/bin/sh -c",
        .volumes = &volumes,
        .network = "jobs",
        .user = "1000:1000",
        .workdir = "/work",
        .memory = 4LL << 30,
        .cpus = 2,
        .constraints = &constraints,
        .generic_resources = &gres,
        .dag_id = "ml",
        .run_id = "manual__2026-11-20T00:00:00+00:00",
        .task_id = "train",
        .try_number = 3,
        .agent_id = "00ff",
    };
    char err[128] = "";
    json_t *b = swarm_service_body(&s, err, sizeof err);
    assert_non_null(b);
    assert_string_equal(str(b, "Name"), "dagd-ml-train-0123456789");
    json_t *job = at(b, "Mode", "ReplicatedJob");
    assert_int_equal(json_integer_value(json_object_get(job, "MaxConcurrent")), 1);
    assert_int_equal(json_integer_value(json_object_get(job, "TotalCompletions")), 1);
    json_t *tt = json_object_get(b, "TaskTemplate");
    assert_string_equal(str(json_object_get(tt, "RestartPolicy"), "Condition"), "none");
    json_t *cs = json_object_get(tt, "ContainerSpec");
    /* As given: never resolved to a digest. */
    assert_string_equal(str(cs, "Image"), "registry.local/ml/train:20261120");
    json_t *cmd = json_object_get(cs, "Command");
    assert_int_equal(json_array_size(cmd), 2);
    assert_string_equal(json_string_value(json_array_get(cmd, 1)), "-c");
    json_t *args = json_object_get(cs, "Args");
    assert_int_equal(json_array_size(args), 4);
    assert_string_equal(json_string_value(json_array_get(args, 3)), "2026-11-20");
    assert_int_equal(json_array_size(json_object_get(cs, "Env")), 2);
    assert_string_equal(str(cs, "User"), "1000:1000");
    assert_string_equal(str(cs, "Dir"), "/work");
    json_t *m0 = json_array_get(json_object_get(cs, "Mounts"), 0);
    json_t *m1 = json_array_get(json_object_get(cs, "Mounts"), 1);
    assert_string_equal(str(m0, "Type"), "bind");
    assert_string_equal(str(m0, "Source"), "/srv/data");
    assert_string_equal(str(m0, "Target"), "/data");
    assert_true(json_is_true(json_object_get(m0, "ReadOnly")));
    assert_string_equal(str(m1, "Type"), "volume");
    assert_string_equal(str(m1, "Source"), "cache");
    assert_true(json_is_false(json_object_get(m1, "ReadOnly")));
    json_t *res = json_object_get(tt, "Resources");
    for (int k = 0; k < 2; k++) {
        json_t *r = json_object_get(res, k ? "Limits" : "Reservations");
        assert_int_equal(json_integer_value(json_object_get(r, "MemoryBytes")), 4LL << 30);
        assert_int_equal(json_integer_value(json_object_get(r, "NanoCPUs")), 2000000000LL);
    }
    json_t *g = json_array_get(at(res, "Reservations", "GenericResources"), 0);
    assert_string_equal(str(json_object_get(g, "DiscreteResourceSpec"), "Kind"), "NVIDIA-GPU");
    assert_int_equal(json_integer_value(at(g, "DiscreteResourceSpec", "Value")), 2);
    assert_null(at(res, "Limits", "GenericResources"));
    json_t *c = at(tt, "Placement", "Constraints");
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(json_string_value(json_array_get(c, 0)), "node.labels.pool==gpu");
    assert_string_equal(str(json_array_get(json_object_get(tt, "Networks"), 0), "Target"), "jobs");
    for (int k = 0; k < 2; k++) {
        json_t *l = k ? json_object_get(cs, "Labels") : json_object_get(b, "Labels");
        assert_string_equal(str(l, "dagd.dag_id"), "ml");
        assert_string_equal(str(l, "dagd.run_id"), "manual__2026-11-20T00:00:00+00:00");
        assert_string_equal(str(l, "dagd.task_id"), "train");
        assert_string_equal(str(l, "dagd.try_number"), "3");
        assert_string_equal(str(l, SWARM_LABEL_AGENT), "00ff");
    }
    json_decref(b);
    strlist_free(&volumes);
    strlist_free(&constraints);
    strlist_free(&gres);
}

static void test_minimal_body(void **state)
{
    (void)state;
    char *argv[] = {"true", NULL};
    char *env[] = {NULL};
    swarm_spec s = {.name = "n",
                    .image = "x",
                    .argv = argv,
                    .env = env,
                    .dag_id = "d",
                    .run_id = "r",
                    .task_id = "t",
                    .try_number = 1};
    char err[128] = "";
    json_t *b = swarm_service_body(&s, err, sizeof err);
    assert_non_null(b);
    json_t *tt = json_object_get(b, "TaskTemplate");
    json_t *cs = json_object_get(tt, "ContainerSpec");
    assert_null(json_object_get(cs, "Command")); /* the image's entrypoint */
    assert_null(json_object_get(cs, "Mounts"));
    assert_null(json_object_get(cs, "User"));
    assert_null(json_object_get(tt, "Placement"));
    assert_null(json_object_get(tt, "Networks"));
    assert_null(at(json_object_get(tt, "Resources"), "Limits", "MemoryBytes"));
    assert_null(at(json_object_get(tt, "Resources"), "Reservations", "NanoCPUs"));
    json_decref(b);

    s.entrypoint = "sh -c 'oops";
    assert_null(swarm_service_body(&s, err, sizeof err));
    assert_true(err[0] != '\0');
}

static bool valid_name(const char *n)
{
    size_t len = strlen(n);
    return len > 0 && len <= SWARM_NAME_MAX &&
           strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == len;
}

static void test_service_name(void **state)
{
    (void)state;
    char a[SWARM_NAME_MAX + 1], b[SWARM_NAME_MAX + 1];
    swarm_service_name("ag", "etl", "manual__x", "load", 1, a);
    assert_true(strncmp(a, "dagd-etl-load-", 14) == 0);
    assert_int_equal(strlen(a), 14 + 10);
    assert_true(valid_name(a));
    /* Every part of the identity is in the hash. */
    swarm_service_name("ag", "etl", "manual__x", "load", 2, b);
    assert_string_not_equal(a, b);
    swarm_service_name("ag", "etl", "manual__y", "load", 1, b);
    assert_string_not_equal(a, b);
    swarm_service_name("other", "etl", "manual__x", "load", 1, b);
    assert_string_not_equal(a, b);
    /* Ids with '_' and '.', and long ones, still make a valid name. */
    char long_dag[251], long_task[251];
    memset(long_dag, 'd', 250);
    memset(long_task, 't', 250);
    long_dag[250] = long_task[250] = '\0';
    swarm_service_name("ag", "my_dag.v2", "r", "a_b", 1, a);
    assert_true(valid_name(a));
    assert_true(strncmp(a, "dagd-my-dag-v2-a-b-", 19) == 0);
    swarm_service_name("ag", long_dag, "r", long_task, 1, a);
    assert_true(valid_name(a));
    assert_int_equal(strlen(a), SWARM_NAME_MAX);
    swarm_service_name("ag", long_dag, "r", "t", 1, a);
    assert_true(valid_name(a));
    assert_true(strstr(a, "-t-") != NULL); /* a short task id stays whole */
    /* Two long tasks that differ only past the cut: the hash tells them apart. */
    char other[251];
    memcpy(other, long_task, sizeof other);
    other[249] = 'x';
    swarm_service_name("ag", long_dag, "r", long_task, 1, a);
    swarm_service_name("ag", long_dag, "r", other, 1, b);
    assert_string_not_equal(a, b);
}

static void test_try_filter(void **state)
{
    (void)state;
    char *f = swarm_try_filter("ag", "d", "r", "t", 4);
    json_t *j = json_loads(f, 0, NULL);
    json_t *l = json_object_get(j, "label");
    assert_int_equal(json_array_size(l), 5);
    assert_string_equal(json_string_value(json_array_get(l, 3)), "dagd.try_number=4");
    assert_string_equal(json_string_value(json_array_get(l, 4)), "dagd.agent=ag");
    json_decref(j);
    free(f);
    char id1[17], id2[17];
    swarm_agent_id("host", "/var/lib/dagd", id1);
    swarm_agent_id("host", "/tmp/other", id2);
    assert_int_equal(strlen(id1), 16);
    assert_string_not_equal(id1, id2);
}

/* new / pending / assigned (or no task yet) wait; a node's states run;
 * the rest are ends — complete is one of them, judged by its exit code. */
static void test_state_kinds(void **state)
{
    (void)state;
    assert_int_equal(swarm_state_kind(NULL), 0);
    assert_int_equal(swarm_state_kind("new"), 0);
    assert_int_equal(swarm_state_kind("pending"), 0);
    assert_int_equal(swarm_state_kind("assigned"), 0);
    assert_int_equal(swarm_state_kind("preparing"), 1);
    assert_int_equal(swarm_state_kind("starting"), 1);
    assert_int_equal(swarm_state_kind("running"), 1);
    assert_int_equal(swarm_state_kind("complete"), 2);
    assert_int_equal(swarm_state_kind("failed"), 2);
    assert_int_equal(swarm_state_kind("rejected"), 2);
    assert_int_equal(swarm_state_kind("orphaned"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_body), cmocka_unit_test(test_minimal_body),
        cmocka_unit_test(test_service_name), cmocka_unit_test(test_try_filter),
        cmocka_unit_test(test_state_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
