/* Admission arithmetic: budgets, sums, thousandths of CPUs, never-fits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "admission.h"

#include <string.h>

#define MB (1024LL * 1024)

static void test_memory_sum(void **state)
{
    (void)state;
    admission a;
    admission_init(&a, 100 * MB, 2);
    assert_null(admission_check(&a, 60 * MB, 0));
    admission_account(&a, 60 * MB, 0, +1);
    assert_string_equal(admission_check(&a, 60 * MB, 0), "memory");
    assert_null(admission_check(&a, 40 * MB, 0)); /* exactly the budget fits */
    assert_null(admission_check(&a, 0, 0));       /* undeclared: never waits */
    admission_account(&a, 60 * MB, 0, -1);
    assert_null(admission_check(&a, 60 * MB, 0));
    assert_int_equal(a.mem_used, 0);
}

static void test_cpu_thousandths(void **state)
{
    (void)state;
    admission a;
    admission_init(&a, 100 * MB, 0.3);
    /* 0.1 + 0.2 is not <= 0.3 in binary floating point; in thousandths it is. */
    admission_account(&a, 0, 0.1, +1);
    assert_null(admission_check(&a, 0, 0.2));
    admission_account(&a, 0, 0.2, +1);
    assert_string_equal(admission_check(&a, 0, 0.001), "cpus");
    admission_account(&a, 0, 0.1, -1);
    admission_account(&a, 0, 0.2, -1);
    assert_int_equal(a.cpu_used, 0);
}

static void test_memory_reported_first(void **state)
{
    (void)state;
    admission a;
    admission_init(&a, 10 * MB, 1);
    admission_account(&a, 10 * MB, 1, +1);
    assert_string_equal(admission_check(&a, MB, 0.5), "memory");
    assert_string_equal(admission_check(&a, 0, 0.5), "cpus");
}

static void test_never_fits(void **state)
{
    (void)state;
    assert_null(admission_never_fits(100 * MB, 2, 100 * MB, 2));
    assert_string_equal(admission_never_fits(100 * MB, 2, 101 * MB, 0), "memory");
    assert_string_equal(admission_never_fits(100 * MB, 2, 0, 2.5), "cpus");
}

static void test_auto(void **state)
{
    (void)state;
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    admission_resolve_auto(&cfg);
    assert_true(cfg.memory_budget > 0);
    assert_true(cfg.cpu_budget >= 1);
    config given = {.memory_budget = 5 * MB, .cpu_budget = 1.5};
    admission_resolve_auto(&given);
    assert_int_equal(given.memory_budget, 5 * MB);
    assert_true(given.cpu_budget == 1.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_sum),
        cmocka_unit_test(test_cpu_thousandths),
        cmocka_unit_test(test_memory_reported_first),
        cmocka_unit_test(test_never_fits),
        cmocka_unit_test(test_auto),
    };
    return cmocka_run_group_tests_name("admission", tests, NULL, NULL);
}
