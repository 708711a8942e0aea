/* The string helpers that replaced printf on the hot paths: each gives what
 * the printf it replaced gave, at the edges too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_fmt_int_matches_printf(void **state)
{
    (void)state;
    const long long values[] = {0,     1,      -1,      9,       10,        99,       100,
                                12345, -98765, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char want[32], got[24];
        snprintf(want, sizeof want, "%lld", values[i]);
        assert_int_equal(fmt_int(got, values[i]), strlen(want));
        assert_string_equal(got, want);
    }
}

static void test_sb_append_int(void **state)
{
    (void)state;
    strbuf sb = {0};
    sb_append(&sb, "t.");
    sb_append_int(&sb, 42);
    sb_append(&sb, ".log ");
    sb_append_int(&sb, -7);
    char *s = sb_take(&sb);
    assert_string_equal(s, "t.42.log -7");
    free(s);
}

static void test_xconcat(void **state)
{
    (void)state;
    char *s = xconcat("KEY", "=", "a value", (char *)NULL);
    assert_string_equal(s, "KEY=a value");
    free(s);
    s = xconcat("", (char *)NULL);
    assert_string_equal(s, "");
    free(s);
    s = xconcat("only", "", "", (char *)NULL);
    assert_string_equal(s, "only");
    free(s);
    /* No format: a % in a part is copied as it is. */
    s = xconcat("100%", "%s", (char *)NULL);
    assert_string_equal(s, "100%%s");
    free(s);
}

static void test_strlist_push_owned(void **state)
{
    (void)state;
    strlist l = {0};
    for (int i = 0; i < 9; i++) { /* past the first growth */
        char *s = xmalloc(16);
        snprintf(s, 16, "s%d", i);
        strlist_push_owned(&l, s);
    }
    strlist_push(&l, "copied");
    assert_int_equal(l.n, 10);
    assert_string_equal(l.items[8], "s8");
    assert_true(strlist_contains(&l, "copied"));
    strlist_free(&l); /* frees the owned ones too (ASan: no leak, no double free) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_int_matches_printf),
        cmocka_unit_test(test_sb_append_int),
        cmocka_unit_test(test_xconcat),
        cmocka_unit_test(test_strlist_push_owned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
