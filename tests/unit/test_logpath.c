/* The layout of the logs under the state folder: one module knows it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fsutil.h"
#include "logpath.h"
#include "try_outputs.h"
#include "try_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/dagd-logpath.XXXXXX";

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
    /* One file per try in the run's folder: no folder per task. */
    expect(logpath_try("/var/dagd", "etl", "manual__1", "load", 3),
           "/var/dagd/logs/etl/manual__1/load.3.log");
    /* Names stay one escaped path part each. */
    expect(logpath_try("/s", "d", "a/b", "..", 1), "/s/logs/d/a%2Fb/%2E%2E.1.log");
    expect(try_output_path("/var/dagd/logs/etl/r/load.3.log"),
           "/var/dagd/logs/etl/r/load.3.output");
}

static void test_files_new(void **state)
{
    (void)state;
    try_files f;
    logpath_files("/s", "d", "r", "t", 2, &f);
    assert_string_equal(f.log, "/s/logs/d/r/t.2.log");
    assert_string_equal(f.status, f.log); /* the record heads the log */
    assert_int_equal(f.header, TRY_STATUS_RECORD);
    assert_false(f.old);
    try_files_free(&f);
}

static void touch(const char *rel)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
    assert_int_equal(mkdir_parents(p, 0750), 0);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    free(p);
}

static void expect_found(int try_number, const char *log, const char *status, bool old)
{
    try_files f;
    logpath_find(dir, "d", "r", "t", try_number, &f);
    char *want_log = NULL, *want_status = NULL;
    assert_true(asprintf(&want_log, "%s/logs/d/r/%s", dir, log) > 0);
    assert_true(asprintf(&want_status, "%s/logs/d/r/%s", dir, status) > 0);
    assert_string_equal(f.log, want_log);
    assert_string_equal(f.status, want_status);
    assert_int_equal(f.old, old);
    assert_int_equal(f.header, old ? 0 : TRY_STATUS_RECORD);
    try_files_free(&f);
    free(want_log);
    free(want_status);
}

/* New layout first; an older agent's files when only they are there. */
static void test_find(void **state)
{
    (void)state;
    expect_found(1, "t.1.log", "t.1.log", false); /* nothing yet: where it is made */
    touch("logs/d/r/t/1.log");
    touch("logs/d/r/t/1.status");
    expect_found(1, "t/1.log", "t/1.status", true);
    touch("logs/d/r/t/2.status"); /* claimed by an older agent, no log yet */
    expect_found(2, "t/2.log", "t/2.status", true);
    touch("logs/d/r/t.3.log");
    expect_found(3, "t.3.log", "t.3.log", false);
    touch("logs/d/r/t.1.log"); /* both (cannot happen): this agent's */
    expect_found(1, "t.1.log", "t.1.log", false);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_files_new),
        cmocka_unit_test(test_find),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char *rm = NULL;
    if (asprintf(&rm, "rm -rf '%s'", dir) > 0 && system(rm) != 0)
        rc = rc ? rc : 1;
    free(rm);
    return rc;
}
