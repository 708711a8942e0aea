/* DAG families: one file, one DAG per member; member templates in
 * commands (quoted), env and image; every error with its line and member;
 * the version is the file's SHA-256 (first 12 hex digits); and the
 * scheduling keys catchup_window, overlap, jitter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dag_helpers.h"
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

#define FAMILY                                                                                     \
    "[dag]\n"                                                   /* 1 */                            \
    "id = etl_{{ member }}\n"                                   /* 2 */                            \
    "[family]\n"                                                /* 3 */                            \
    "members = orders users\n"                                  /* 4 */                            \
    "  payments\n"                                              /* 5 */                            \
    "[member orders]\n"                                         /* 6 */                            \
    "table = it's\n"                                            /* 7 */                            \
    "[member users]\n"                                          /* 8 */                            \
    "table = users\n"                                           /* 9 */                            \
    "[member payments]\n"                                       /* 10 */                           \
    "table = pay\n"                                             /* 11 */                           \
    "[task load]\n"                                             /* 12 */                           \
    "command = load {{ member }} {{ member.table }} {{ ds }}\n" /* 13 */                           \
    "env = T={{ member.table }}\n"                              /* 14 */                           \
    "image = img:{{ member }}\n"                                /* 15 */

static size_t load_all(const char *text, diag_list *dl, dag ***out)
{
    return dag_load_text_all(text, strlen(text), "/nonexistent/dags/etl_tables.ini", "UTC", dl,
                             out);
}

static void test_members(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag **m = NULL;
    size_t n = load_all(FAMILY, &dl, &m);
    if (n != 3)
        dump(&dl);
    assert_int_equal(n, 3);
    const char *ids[] = {"etl_orders", "etl_users", "etl_payments"};
    const char *members[] = {"orders", "users", "payments"};
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(m[i]->id, ids[i]);
        assert_string_equal(m[i]->family, "etl_tables");
        assert_string_equal(m[i]->member, members[i]);
    }
    /* Shell-quoted in commands (no injection through a value), raw in env
     * and image; other templates stay for run time. */
    assert_string_equal(m[0]->tasks[0].command, "load 'orders' 'it'\\''s' {{ ds }}");
    assert_string_equal(m[1]->tasks[0].env.items[0], "T=users");
    assert_string_equal(m[2]->tasks[0].image, "img:payments");
    /* The version is the file's: the same for every member. */
    char v[13];
    sha256_hex12(FAMILY, strlen(FAMILY), v);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(m[i]->version, v);
    dag_free_all(m, n);
    diag_free(&dl);
}

static void test_plain_file_one_dag(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag **m = NULL;
    const char *text = "[task a]\ncommand = true\n";
    assert_int_equal(load_all(text, &dl, &m), 1);
    assert_null(m[0]->family);
    assert_string_equal(m[0]->id, "etl_tables");
    dag_free_all(m, 1);
    diag_free(&dl);
}

static void expect_error(const char *text, int line, const char *want)
{
    diag_list dl = {0};
    dag **m = NULL;
    assert_int_equal(load_all(text, &dl, &m), 0);
    assert_null(m);
    expect_diag(&dl, line, false, want);
    diag_free(&dl);
}

static void test_errors(void **state)
{
    (void)state;
    /* A key a task uses that one member lacks: line and member. */
    expect_error("[dag]\nid = e_{{ member }}\n[family]\nmembers = a b\n[member a]\nk = 1\n"
                 "[task t]\ncommand = x {{ member.k }}\n",
                 8, "command: member b has no key \"k\"");
    expect_error("[dag]\nid = e_{{ member }}\n[family]\nmembers = a\n[task t]\ncommand = x\n"
                 "env = A={{ member.nope }}\n",
                 7, "env: member a has no key \"nope\"");
    expect_error("[dag]\nid = fixed\n[family]\nmembers = a\n[task t]\ncommand = x\n", 2,
                 "a family's id must contain {{ member }}");
    expect_error("[dag]\nid = e_{{ member }}\n[task t]\ncommand = x\n", 2,
                 "templates in id are for families");
    expect_error("[dag]\nid = e_{{ member }}\n[family]\n[task t]\ncommand = x\n", 3,
                 "[family] needs members");
    expect_error("[dag]\nid = e_{{ member }}\n[family]\nmembers = a a\n[task t]\ncommand = x\n", 4,
                 "members lists \"a\" twice");
    expect_error("[dag]\nid = e_{{ member }}\n[family]\nmembers = a\n[member b]\nk = 1\n"
                 "[task t]\ncommand = x\n",
                 5, "[member b] is not listed");
    expect_error("[dag]\nid = e_{{ member }}\n[family]\nmembers = a\n[member a]\nk = 1\nk = 2\n"
                 "[task t]\ncommand = x\n",
                 7, "duplicate key \"k\" in [member a]");
    expect_error("[dag]\nid = e_{{ member }}\n[family]\nmembers = a\n[task t]\n"
                 "command = echo '{{ member }}'\n",
                 6, "stands inside single quotes");
    expect_error("[dag]\nid = e_{{ member }}\n[family]\nmembers = a\n[member a]\nk = {{ ds }}\n"
                 "[task t]\ncommand = x\n",
                 6, "a member value cannot hold");
    expect_error("[task t]\ncommand = x {{ member }}\n", 2, "unknown template name \"member\"");
}

static void test_sha256(void **state)
{
    (void)state;
    char v[13];
    sha256_hex12("", 0, v);
    assert_string_equal(v, "e3b0c44298fc"); /* FIPS 180-4 test vectors */
    sha256_hex12("abc", 3, v);
    assert_string_equal(v, "ba7816bf8f01");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex12(two, strlen(two), v);
    assert_string_equal(v, "248d6a61d206");
    uint8_t d[32];
    char *mil = malloc(1000000);
    memset(mil, 'a', 1000000);
    sha256(mil, 1000000, d);
    free(mil);
    assert_int_equal(d[0], 0xcd);
    assert_int_equal(d[31], 0xd0);
}

static void test_policy_keys(void **state)
{
    (void)state;
    diag_list dl = {0};
    dag *d = load_ok(
        "[dag]\ncatchup_window = 7d\noverlap = skip\njitter = 5m\n[task a]\ncommand = a\n", &dl);
    assert_int_equal(d->catchup_window_us, 7LL * 86400 * 1000000);
    assert_true(d->overlap_skip);
    assert_int_equal(d->jitter_us, 300LL * 1000000);
    dag_free(d);
    assert_null(load("[dag]\noverlap = later\n[task a]\ncommand = a\n", &dl));
    expect_diag(&dl, 2, false, "bad overlap \"later\": expected queue or skip");
    diag_free(&dl);
    /* Fixed per id, in bounds. */
    int64_t j = 300LL * 1000000;
    assert_int_equal(dag_jitter_offset("a", j), dag_jitter_offset("a", j));
    for (int i = 0; i < 100; i++) {
        char id[16];
        snprintf(id, sizeof id, "dag%d", i);
        int64_t o = dag_jitter_offset(id, j);
        assert_true(o >= 0 && o < j);
    }
    assert_int_equal(dag_jitter_offset("a", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members),     cmocka_unit_test(test_plain_file_one_dag),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_policy_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
