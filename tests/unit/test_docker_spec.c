/* The container a task becomes: the create body (argv, env, labels, binds,
 * limits), image references for a pull, the [docker] host forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "docker_api.h"
#include "docker_task.h"
#include "exec_docker.h"

#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *path)
{
    return json_string_value(json_object_get(o, path));
}

static void test_create_body(void **state)
{
    (void)state;
    char *argv[] = {"sh", "-c", "echo 'a b'", NULL};
    char *env[] = {"DS=2026-11-20", "MODE=full", NULL};
    strlist volumes = {0};
    strlist_push(&volumes, "/srv/data:/data:ro");
    strlist_push(&volumes, "./models:/models");
    strlist_push(&volumes, "cache:/cache");
    strlist_push(&volumes, "../var/./model/:/m");
    strlist_push(&volumes, "./../../..:/up");
    docker_spec s = {
        .image = "busybox:latest",
        .argv = argv,
        .env = env,
        .entrypoint = "/bin/sh -c",
        .volumes = &volumes,
        .dag_dir = "/etc/dags",
        .network = "none",
        .user = "1000:1000",
        .workdir = "/work",
        .memory = 256LL << 20,
        .cpus = 0.5,
        .dag_id = "ml",
        .run_id = "manual__2026-11-20T00:00:00+00:00",
        .task_id = "train",
        .try_number = 2,
    };
    char err[128] = "";
    json_t *b = docker_create_body(&s, err, sizeof err);
    assert_non_null(b);
    assert_string_equal(str(b, "Image"), "busybox:latest");
    json_t *cmd = json_object_get(b, "Cmd");
    assert_int_equal(json_array_size(cmd), 3);
    assert_string_equal(json_string_value(json_array_get(cmd, 2)), "echo 'a b'");
    assert_int_equal(json_array_size(json_object_get(b, "Env")), 2);
    json_t *ep = json_object_get(b, "Entrypoint");
    assert_int_equal(json_array_size(ep), 2);
    assert_string_equal(json_string_value(json_array_get(ep, 1)), "-c");
    assert_string_equal(str(b, "WorkingDir"), "/work");
    assert_string_equal(str(b, "User"), "1000:1000");
    assert_true(json_is_false(json_object_get(b, "Tty")));
    json_t *labels = json_object_get(b, "Labels");
    assert_string_equal(str(labels, "dagd.dag_id"), "ml");
    assert_string_equal(str(labels, "dagd.run_id"), "manual__2026-11-20T00:00:00+00:00");
    assert_string_equal(str(labels, "dagd.task_id"), "train");
    assert_string_equal(str(labels, "dagd.try_number"), "2");
    assert_null(json_object_get(labels, "dagd.keep"));
    json_t *host = json_object_get(b, "HostConfig");
    json_t *binds = json_object_get(host, "Binds");
    assert_string_equal(json_string_value(json_array_get(binds, 0)), "/srv/data:/data:ro");
    assert_string_equal(json_string_value(json_array_get(binds, 1)), "/etc/dags/models:/models");
    assert_string_equal(json_string_value(json_array_get(binds, 2)), "cache:/cache");
    assert_string_equal(json_string_value(json_array_get(binds, 3)), "/etc/var/model:/m");
    assert_string_equal(json_string_value(json_array_get(binds, 4)), "/:/up");
    assert_string_equal(str(host, "NetworkMode"), "none");
    assert_int_equal(json_integer_value(json_object_get(host, "Memory")), 256LL << 20);
    assert_int_equal(json_integer_value(json_object_get(host, "NanoCpus")), 500000000);
    json_decref(b);
    strlist_free(&volumes);
}

static void test_minimal_body(void **state)
{
    (void)state;
    char *argv[] = {"true", NULL};
    char *env[] = {NULL};
    docker_spec s = {.image = "x",
                     .argv = argv,
                     .env = env,
                     .dag_id = "d",
                     .run_id = "r",
                     .task_id = "t",
                     .try_number = 1,
                     .keep = true};
    char err[128] = "";
    json_t *b = docker_create_body(&s, err, sizeof err);
    assert_non_null(b);
    json_t *host = json_object_get(b, "HostConfig");
    assert_null(json_object_get(host, "Memory"));
    assert_null(json_object_get(host, "NanoCpus"));
    assert_null(json_object_get(host, "Binds"));
    assert_null(json_object_get(b, "Entrypoint"));
    assert_null(json_object_get(b, "User"));
    assert_string_equal(str(json_object_get(b, "Labels"), "dagd.keep"), "true");
    json_decref(b);
}

static void test_bad_entrypoint(void **state)
{
    (void)state;
    char *argv[] = {NULL};
    docker_spec s = {.image = "x",
                     .argv = argv,
                     .entrypoint = "sh -c 'oops",
                     .dag_id = "d",
                     .run_id = "r",
                     .task_id = "t"};
    char err[128] = "";
    assert_null(docker_create_body(&s, err, sizeof err));
    assert_true(err[0] != '\0');
}

static void split(const char *image, const char *from, const char *tag)
{
    char *f, *t;
    docker_image_split(image, &f, &t);
    assert_string_equal(f, from);
    assert_string_equal(t, tag);
    free(f);
    free(t);
}

static void test_image_split(void **state)
{
    (void)state;
    split("busybox", "busybox", "latest");
    split("busybox:1.36", "busybox", "1.36");
    split("localhost:5000/team/app", "localhost:5000/team/app", "latest");
    split("localhost:5000/team/app:v2", "localhost:5000/team/app", "v2");
    split("app@sha256:abcd", "app@sha256:abcd", "");
}

static void test_host_forms(void **state)
{
    (void)state;
    char err[128];
    assert_int_equal(docker_host_check("unix:///var/run/docker.sock", err, sizeof err), 0);
    assert_int_equal(docker_host_check("tcp://10.0.0.5:2375", err, sizeof err), 0);
    assert_int_equal(docker_host_check("tcp://10.0.0.5", err, sizeof err), -1);
    assert_int_equal(docker_host_check("unix://relative.sock", err, sizeof err), -1);
    assert_int_equal(docker_host_check("/var/run/docker.sock", err, sizeof err), -1);
    assert_non_null(strstr(err, "unix:///PATH"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_body),    cmocka_unit_test(test_minimal_body),
        cmocka_unit_test(test_bad_entrypoint), cmocka_unit_test(test_image_split),
        cmocka_unit_test(test_host_forms),
    };
    return cmocka_run_group_tests_name("docker_spec", tests, NULL, NULL);
}
