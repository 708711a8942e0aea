/* The start gate of docker_events.c: a container's start waits while another
 * of ours is being torn down, runs at once when none is, in the order the
 * starts queued, is not held by teardowns begun after it queued, and a
 * cancelled one never runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "docker_api.h"
#include "docker_events.h"

#include <string.h>

static char order[16];
static size_t n_order;

static void ran(void *arg)
{
    order[n_order++] = *(const char *)arg;
    order[n_order] = '\0';
}

static docker_api *new_api(void)
{
    char err[128];
    n_order = 0;
    order[0] = '\0';
    docker_api *api = docker_api_new(NULL, "unix:///nonexistent.sock", err, sizeof err);
    assert_non_null(api);
    return api;
}

static void test_open_without_teardown(void **state)
{
    (void)state;
    docker_api *api = new_api();
    docker_gate g = {0};
    docker_after_teardowns(api, &g, ran, "a");
    assert_string_equal(order, "a");
    assert_null(g.ev);
    docker_api_free(api);
}

static void test_waits_for_every_teardown_in_order(void **state)
{
    (void)state;
    docker_api *api = new_api();
    docker_gate a = {0}, b = {0};
    docker_teardown x = {0}, y = {0};
    docker_teardown_begin(api, &x);
    docker_teardown_begin(api, &y);
    docker_after_teardowns(api, &a, ran, "a");
    docker_after_teardowns(api, &b, ran, "b");
    assert_string_equal(order, "");
    docker_teardown_end(&y);
    assert_string_equal(order, ""); /* one teardown still runs */
    docker_teardown_end(&x);
    assert_string_equal(order, "ab");
    assert_null(a.ev);
    assert_null(b.ev);
    docker_teardown_end(&x); /* an extra end is harmless */
    docker_api_free(api);
}

static void test_later_teardowns_do_not_hold(void **state)
{
    (void)state;
    docker_api *api = new_api();
    docker_gate a = {0}, b = {0};
    docker_teardown x = {0}, y = {0};
    docker_teardown_begin(api, &x);
    docker_after_teardowns(api, &a, ran, "a");
    docker_teardown_begin(api, &y); /* after A queued */
    docker_after_teardowns(api, &b, ran, "b");
    docker_teardown_end(&x);
    assert_string_equal(order, "a"); /* B waits for Y, A does not */
    docker_teardown_end(&y);
    assert_string_equal(order, "ab");
    docker_api_free(api);
}

static void test_cancelled_never_runs(void **state)
{
    (void)state;
    docker_api *api = new_api();
    docker_gate a = {0}, b = {0};
    docker_teardown x = {0};
    docker_teardown_begin(api, &x);
    docker_after_teardowns(api, &a, ran, "a");
    docker_after_teardowns(api, &b, ran, "b");
    docker_gate_cancel(&a);
    docker_gate_cancel(&a); /* twice: a no-op */
    docker_teardown_end(&x);
    assert_string_equal(order, "b");
    docker_api_free(api);
}

static void test_free_with_queued(void **state)
{
    (void)state;
    docker_api *api = new_api();
    docker_gate a = {0};
    docker_teardown x = {0};
    docker_teardown_begin(api, &x);
    docker_after_teardowns(api, &a, ran, "a");
    docker_api_free(api);
    assert_null(a.ev);
    assert_null(x.ev);
    docker_gate_cancel(&a); /* after the api is gone: no-ops */
    docker_teardown_end(&x);
    assert_string_equal(order, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_without_teardown),
        cmocka_unit_test(test_waits_for_every_teardown_in_order),
        cmocka_unit_test(test_later_teardowns_do_not_hold),
        cmocka_unit_test(test_cancelled_never_runs),
        cmocka_unit_test(test_free_with_queued),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
