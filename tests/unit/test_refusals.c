/* Refused changes in the audit: fields truncated, 10 a second per user. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "refusals.h"

#include <stdlib.h>
#include <string.h>

static void test_truncate_keeps_short_fields(void **state)
{
    (void)state;
    char *s = audit_truncate("etl_orders", AUDIT_FIELD_MAX);
    assert_string_equal(s, "etl_orders");
    free(s);
    assert_null(audit_truncate(NULL, AUDIT_FIELD_MAX));
}

static void test_truncate_cuts_to_the_limit(void **state)
{
    (void)state;
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *s = audit_truncate(big, AUDIT_FIELD_MAX);
    assert_int_equal(strlen(s), AUDIT_FIELD_MAX);
    assert_string_equal(s + AUDIT_FIELD_MAX - 3, "\xe2\x80\xa6");
    free(s);
    char exact[AUDIT_FIELD_MAX + 1];
    memset(exact, 'y', AUDIT_FIELD_MAX);
    exact[AUDIT_FIELD_MAX] = '\0';
    s = audit_truncate(exact, AUDIT_FIELD_MAX);
    assert_string_equal(s, exact);
    free(s);
}

/* A cut never splits a character: 2-byte "é" all along. */
static void test_truncate_on_a_character_boundary(void **state)
{
    (void)state;
    char big[601];
    for (int i = 0; i < 300; i++)
        memcpy(big + 2 * i, "\xc3\xa9", 2);
    big[600] = '\0';
    char *s = audit_truncate(big, AUDIT_FIELD_MAX);
    size_t len = strlen(s);
    assert_true(len <= AUDIT_FIELD_MAX);
    assert_int_equal((len - 3) % 2, 0);
    free(s);
}

static int flushed_uid = -1, flushed_n;
static void on_flush(void *arg, uid_t uid, int n)
{
    (void)arg;
    flushed_uid = (int)uid;
    flushed_n += n;
}

static void test_ten_a_second_then_counted(void **state)
{
    (void)state;
    refusal_limit l = {0};
    int ended, recorded = 0;
    for (int i = 0; i < 40; i++)
        recorded += refusal_limit_take(&l, 1000, 5000 + i, &ended);
    assert_int_equal(recorded, REFUSALS_PER_SECOND);
    /* Another user has a window of their own. */
    assert_true(refusal_limit_take(&l, 1001, 5100, &ended));
    /* Before the second ends nothing is flushed; after, one count. */
    assert_int_equal(refusal_limit_flush(&l, 5500, on_flush, NULL), 6000);
    assert_int_equal(flushed_n, 0);
    assert_int_equal(refusal_limit_flush(&l, 6000, on_flush, NULL), -1);
    assert_int_equal(flushed_uid, 1000);
    assert_int_equal(flushed_n, 30);
    refusal_limit_free(&l);
}

/* A refusal after the window has ended reports its count first. */
static void test_next_window_reports_the_count(void **state)
{
    (void)state;
    refusal_limit l = {0};
    int ended;
    for (int i = 0; i < 12; i++)
        refusal_limit_take(&l, 7, 0, &ended);
    assert_true(refusal_limit_take(&l, 7, 1500, &ended));
    assert_int_equal(ended, 2);
    refusal_limit_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncate_keeps_short_fields),
        cmocka_unit_test(test_truncate_cuts_to_the_limit),
        cmocka_unit_test(test_truncate_on_a_character_boundary),
        cmocka_unit_test(test_ten_a_second_then_counted),
        cmocka_unit_test(test_next_window_reports_the_count),
    };
    return cmocka_run_group_tests_name("refusals", tests, NULL, NULL);
}
