/* States, run states, trigger rules and the TriggerRuleDep verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "states.h"

#include <stdio.h>
#include <string.h>

static void test_ti_state_names(void **state)
{
    (void)state;
    static const char *const names[] = {"none",    "scheduled", "queued",       "running",
                                        "success", "failed",    "up_for_retry", "upstream_failed",
                                        "skipped", "removed"};
    assert_int_equal(sizeof names / sizeof *names, TI_STATE_COUNT);
    for (int i = 0; i < TI_STATE_COUNT; i++) {
        assert_string_equal(ti_state_name((enum ti_state)i), names[i]);
        assert_int_equal(ti_state_parse(names[i]), i);
    }
    assert_int_equal(ti_state_parse("bogus"), -1);
    assert_int_equal(ti_state_parse("Success"), -1);
    assert_int_equal(ti_state_parse(""), -1);
    assert_int_equal(ti_state_parse(NULL), -1);
    assert_string_equal(ti_state_name(TI_STATE_COUNT), "unknown");
}

static void test_ti_state_finished(void **state)
{
    (void)state;
    bool expect[TI_STATE_COUNT] = {[TI_SUCCESS] = true,
                                   [TI_FAILED] = true,
                                   [TI_UPSTREAM_FAILED] = true,
                                   [TI_SKIPPED] = true,
                                   [TI_REMOVED] = true};
    for (int i = 0; i < TI_STATE_COUNT; i++)
        assert_int_equal(ti_state_finished((enum ti_state)i), expect[i]);
}

static void test_run_states(void **state)
{
    (void)state;
    static const char *const names[] = {"queued", "running", "success", "failed"};
    for (int i = 0; i < RUN_STATE_COUNT; i++) {
        assert_string_equal(run_state_name((enum run_state)i), names[i]);
        assert_int_equal(run_state_parse(names[i]), i);
    }
    assert_int_equal(run_state_parse("skipped"), -1);
    assert_false(run_state_finished(RUN_QUEUED));
    assert_false(run_state_finished(RUN_RUNNING));
    assert_true(run_state_finished(RUN_SUCCESS));
    assert_true(run_state_finished(RUN_FAILED));
}

static void test_trigger_rule_names(void **state)
{
    (void)state;
    static const char *const names[] = {
        "all_success",  "all_failed",  "all_done",
        "all_skipped",  "one_success", "one_failed",
        "one_done",     "none_failed", "none_failed_min_one_success",
        "none_skipped", "always"};
    assert_int_equal(sizeof names / sizeof *names, TR_COUNT);
    for (int i = 0; i < TR_COUNT; i++) {
        assert_string_equal(trigger_rule_name((enum trigger_rule)i), names[i]);
        assert_int_equal(trigger_rule_parse(names[i]), i);
    }
    assert_int_equal(trigger_rule_parse("dummy"), -1);
    assert_int_equal(trigger_rule_parse("none_failed_or_skipped"), -1);
}

enum { W = TRIGGER_WAIT, R = TRIGGER_RUN, S = TRIGGER_SKIP, U = TRIGGER_UPSTREAM_FAILED };

typedef struct rule_case {
    enum trigger_rule rule;
    int total, success, failed, upstream_failed, skipped, removed;
    int expect;
} rule_case;

/* total, success, failed, upstream_failed, skipped, removed -> verdict */
static const rule_case cases[] = {
    {TR_ALL_SUCCESS, 2, 2, 0, 0, 0, 0, R},
    {TR_ALL_SUCCESS, 2, 1, 0, 0, 0, 0, W},
    {TR_ALL_SUCCESS, 2, 0, 0, 0, 0, 0, W},
    {TR_ALL_SUCCESS, 2, 1, 1, 0, 0, 0, U},
    {TR_ALL_SUCCESS, 3, 0, 0, 1, 0, 0, U}, /* decided before the rest finish */
    {TR_ALL_SUCCESS, 2, 1, 0, 0, 1, 0, S},
    {TR_ALL_SUCCESS, 2, 0, 1, 0, 1, 0, U}, /* a failure outranks a skip */
    {TR_ALL_SUCCESS, 2, 1, 0, 0, 0, 1, W}, /* removed is done, not success */

    {TR_ALL_FAILED, 2, 0, 2, 0, 0, 0, R},
    {TR_ALL_FAILED, 2, 0, 1, 1, 0, 0, R},
    {TR_ALL_FAILED, 2, 0, 1, 0, 0, 0, W},
    {TR_ALL_FAILED, 3, 1, 1, 0, 0, 0, S},
    {TR_ALL_FAILED, 3, 0, 0, 0, 1, 0, S},
    {TR_ALL_FAILED, 2, 0, 1, 0, 0, 1, R},

    {TR_ALL_DONE, 3, 1, 1, 0, 1, 0, R},
    {TR_ALL_DONE, 3, 1, 1, 0, 0, 0, W},
    {TR_ALL_DONE, 2, 0, 0, 1, 0, 1, R},
    {TR_ALL_DONE, 1, 0, 0, 0, 0, 0, W},

    {TR_ALL_SKIPPED, 2, 0, 0, 0, 2, 0, R},
    {TR_ALL_SKIPPED, 2, 0, 0, 0, 1, 0, W},
    {TR_ALL_SKIPPED, 2, 1, 0, 0, 1, 0, S},
    {TR_ALL_SKIPPED, 3, 0, 1, 0, 0, 0, S},
    {TR_ALL_SKIPPED, 3, 0, 0, 1, 0, 0, S},

    {TR_ONE_SUCCESS, 3, 1, 0, 0, 0, 0, R}, /* runs without waiting for the rest */
    {TR_ONE_SUCCESS, 3, 1, 2, 0, 0, 0, R},
    {TR_ONE_SUCCESS, 3, 0, 1, 0, 0, 0, W},
    {TR_ONE_SUCCESS, 3, 0, 3, 0, 0, 0, U},
    {TR_ONE_SUCCESS, 3, 0, 0, 0, 3, 0, S},
    {TR_ONE_SUCCESS, 3, 0, 1, 0, 2, 0, U},
    {TR_ONE_SUCCESS, 2, 0, 0, 1, 0, 1, U},

    {TR_ONE_FAILED, 3, 0, 1, 0, 0, 0, R},
    {TR_ONE_FAILED, 3, 0, 0, 1, 0, 0, R},
    {TR_ONE_FAILED, 3, 2, 0, 0, 0, 0, W},
    {TR_ONE_FAILED, 3, 3, 0, 0, 0, 0, S},
    {TR_ONE_FAILED, 3, 1, 0, 0, 2, 0, S},

    {TR_ONE_DONE, 3, 1, 0, 0, 0, 0, R},
    {TR_ONE_DONE, 3, 0, 1, 0, 0, 0, R},
    {TR_ONE_DONE, 3, 0, 0, 1, 0, 0, W},
    {TR_ONE_DONE, 3, 0, 0, 3, 0, 0, S},
    {TR_ONE_DONE, 3, 0, 0, 0, 3, 0, S},
    {TR_ONE_DONE, 2, 0, 0, 0, 1, 1, S},

    {TR_NONE_FAILED, 2, 1, 0, 0, 1, 0, R},
    {TR_NONE_FAILED, 2, 0, 0, 0, 2, 0, R},
    {TR_NONE_FAILED, 2, 1, 0, 0, 0, 0, W},
    {TR_NONE_FAILED, 3, 0, 1, 0, 0, 0, U},
    {TR_NONE_FAILED, 3, 1, 0, 1, 0, 0, U},
    {TR_NONE_FAILED, 2, 1, 0, 0, 0, 1, R},

    {TR_NONE_FAILED_MIN_ONE_SUCCESS, 2, 1, 0, 0, 1, 0, R},
    {TR_NONE_FAILED_MIN_ONE_SUCCESS, 2, 0, 0, 0, 2, 0, S},
    {TR_NONE_FAILED_MIN_ONE_SUCCESS, 2, 1, 0, 0, 0, 0, W},
    {TR_NONE_FAILED_MIN_ONE_SUCCESS, 3, 0, 1, 0, 0, 0, U},
    {TR_NONE_FAILED_MIN_ONE_SUCCESS, 3, 0, 0, 1, 1, 0, U},

    {TR_NONE_SKIPPED, 2, 1, 1, 0, 0, 0, R},
    {TR_NONE_SKIPPED, 2, 0, 0, 2, 0, 0, R},
    {TR_NONE_SKIPPED, 3, 0, 0, 0, 1, 0, S},
    {TR_NONE_SKIPPED, 2, 1, 0, 0, 0, 0, W},
    {TR_NONE_SKIPPED, 2, 1, 0, 0, 0, 1, R},

    {TR_ALWAYS, 2, 0, 0, 0, 0, 0, R},
    {TR_ALWAYS, 2, 0, 2, 0, 0, 0, R},
    {TR_ALWAYS, 2, 0, 0, 0, 2, 0, R},
};

static const char *verdict_name(int v)
{
    static const char *const names[] = {"WAIT", "RUN", "SKIP", "UPSTREAM_FAILED"};
    return v >= 0 && v < 4 ? names[v] : "?";
}

static void test_trigger_rule_table(void **state)
{
    (void)state;
    bool covered[TR_COUNT] = {false};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const rule_case *k = &cases[i];
        upstream_counts c = {k->total,           k->success, k->failed,
                             k->upstream_failed, k->skipped, k->removed};
        int got = trigger_rule_evaluate(k->rule, &c);
        if (got != k->expect)
            fail_msg("case %zu: %s total=%d s=%d f=%d uf=%d sk=%d rm=%d: got %s, want %s", i,
                     trigger_rule_name(k->rule), k->total, k->success, k->failed,
                     k->upstream_failed, k->skipped, k->removed, verdict_name(got),
                     verdict_name(k->expect));
        covered[k->rule] = true;
    }
    for (int r = 0; r < TR_COUNT; r++)
        if (!covered[r])
            fail_msg("no case for %s", trigger_rule_name((enum trigger_rule)r));
}

static void test_trigger_rule_no_upstream(void **state)
{
    (void)state;
    upstream_counts none = {0};
    for (int r = 0; r < TR_COUNT; r++)
        assert_int_equal(trigger_rule_evaluate((enum trigger_rule)r, &none), TRIGGER_RUN);
}

/* Once every upstream has finished (none removed), every rule decides: a
 * waiting task would stall its run for ever. */
static void test_trigger_rule_decides_when_done(void **state)
{
    (void)state;
    for (int r = 0; r < TR_COUNT; r++) {
        for (int s = 0; s <= 2; s++)
            for (int f = 0; f <= 2 - s; f++)
                for (int uf = 0; uf <= 2 - s - f; uf++) {
                    int sk = 2 - s - f - uf;
                    upstream_counts c = {2, s, f, uf, sk, 0};
                    int v = trigger_rule_evaluate((enum trigger_rule)r, &c);
                    if (v == TRIGGER_WAIT)
                        fail_msg("%s waits with s=%d f=%d uf=%d sk=%d",
                                 trigger_rule_name((enum trigger_rule)r), s, f, uf, sk);
                }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ti_state_names),
        cmocka_unit_test(test_ti_state_finished),
        cmocka_unit_test(test_run_states),
        cmocka_unit_test(test_trigger_rule_names),
        cmocka_unit_test(test_trigger_rule_table),
        cmocka_unit_test(test_trigger_rule_no_upstream),
        cmocka_unit_test(test_trigger_rule_decides_when_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
