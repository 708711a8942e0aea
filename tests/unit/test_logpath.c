/* The layout of the logs under the state folder: one module knows it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "logpath.h"

#include <stdlib.h>

static void expect(char *got, const char *want)
{
    assert_string_equal(got, want);
    free(got);
}

static void test_layout(void **state)
{
    (void)state;
    expect(logpath_root("/var/dagd"), "/var/dagd/logs");
    expect(logpath_run_dir("/var/dagd", "etl", "manual__1"), "/var/dagd/logs/etl/manual__1");
    expect(logpath_try("/var/dagd", "etl", "manual__1", "load", 3),
           "/var/dagd/logs/etl/manual__1/load/3.log");
    expect(logpath_status("/var/dagd/logs/etl/r/load/3.log"), "/var/dagd/logs/etl/r/load/3.status");
    /* Not a .log: the suffix is added, nothing cut. */
    expect(logpath_status("/x/out"), "/x/out.status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
