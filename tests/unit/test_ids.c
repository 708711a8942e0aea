/* The id rule (SPEC "Limits and odd input"): DAG ids, task ids, pool and
 * notifier names are letters, digits, '_', '.', '-', 1 to 250 characters,
 * and never "." or ".." (they become path parts under logs/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "dag_helpers.h"
#include "fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_rule(void **state)
{
    (void)state;
    char id[300];
    memset(id, 'a', sizeof id);
    id[250] = '\0';
    assert_true(dag_id_valid(id));
    id[250] = 'a';
    id[251] = '\0';
    assert_false(dag_id_valid(id));
    assert_false(dag_id_valid("."));
    assert_false(dag_id_valid(".."));
    assert_false(dag_id_valid(""));
    assert_false(dag_id_valid("a/b"));
    assert_true(dag_id_valid("..."));
    assert_true(dag_id_valid(".a"));
    assert_true(dag_id_valid("a..b"));
    assert_true(dag_id_valid("A-z_0.9"));
}

typedef struct bad_case {
    const char *text;
    int line;
    const char *want;
} bad_case;

static void test_dag_files(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"[task ..]\ncommand = a\n", 1, "bad task id \"..\""},
        {"[task .]\ncommand = a\n", 1, "bad task id \".\""},
        {"[dag]\nid = ..\n[task a]\ncommand = a\n", 2, "bad DAG id \"..\""},
        {"[dag]\nid = .\n[task a]\ncommand = a\n", 2, "bad DAG id \".\""},
        {"[task a]\ncommand = a\npool = ..\n", 3, "bad pool name \"..\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        diag_list dl = {0};
        dag *d = load(cases[i].text, &dl);
        if (d || !find_diag(&dl, cases[i].line, cases[i].want)) {
            fprintf(stderr, "case %zu: want line %d \"%s\"; got:\n", i, cases[i].line,
                    cases[i].want);
            dump(&dl);
        }
        assert_null(d);
        assert_non_null(find_diag(&dl, cases[i].line, cases[i].want));
        diag_free(&dl);
    }
}

/* The default id comes from the file name: "...ini" gives "..". */
static void test_file_names(void **state)
{
    (void)state;
    diag_list dl = {0};
    assert_null(load_named("[task a]\ncommand = a\n", "/x/dags/...ini", &dl));
    assert_non_null(find_diag(&dl, 0, "the file name gives the DAG id \"..\""));
    diag_free(&dl);

    char name[400];
    strcpy(name, "/x/dags/");
    size_t n = strlen(name);
    memset(name + n, 'd', 250);
    strcpy(name + n + 250, ".ini");
    dl = (diag_list){0};
    dag *d = load_named("[task a]\ncommand = a\n", name, &dl);
    assert_non_null(d);
    assert_int_equal(strlen(d->id), 250);
    dag_free(d);
    diag_free(&dl);

    strcpy(name + n + 250, "d.ini");
    dl = (diag_list){0};
    assert_null(load_named("[task a]\ncommand = a\n", name, &dl));
    assert_non_null(find_diag(&dl, 0, "the file name gives the DAG id"));
    diag_free(&dl);
}

static int load_config(const char *text, diag_list *dl)
{
    char dir[] = "/tmp/dagd-ids-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[64];
    snprintf(file, sizeof file, "%s/dagd.ini", dir);
    FILE *out = fopen(file, "w");
    fputs(text, out);
    fclose(out);
    config cfg;
    int rc = config_load(&cfg, file, dl);
    config_free(&cfg);
    unlink(file);
    rmdir(dir);
    return rc;
}

static bool has_message(const diag_list *dl, int line, const char *want)
{
    return find_diag(dl, line, want) != NULL;
}

static void test_config_names(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"[pool ..]\nslots = 1\n", 1, "bad pool name \"..\""},
        {"[pool .]\nslots = 1\n", 1, "bad pool name \".\""},
        {"[pool a/b]\nslots = 1\n", 1, "bad pool name \"a/b\""},
        {"[pool a b]\nslots = 1\n", 1, "bad pool name \"a b\""},
        {"[notifier ..]\ntype = webhook\nurl = https://example.com/\n", 1,
         "bad notifier name \"..\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        diag_list dl = {0};
        int rc = load_config(cases[i].text, &dl);
        if (rc == 0 || !has_message(&dl, cases[i].line, cases[i].want)) {
            fprintf(stderr, "case %zu: want line %d \"%s\"; got:\n", i, cases[i].line,
                    cases[i].want);
            diag_print(&dl, stderr);
        }
        assert_int_not_equal(rc, 0);
        assert_true(has_message(&dl, cases[i].line, cases[i].want));
        diag_free(&dl);
    }
    /* A long valid name is kept whole. */
    char text[400];
    char name[251];
    memset(name, 'p', 190);
    name[190] = '\0';
    snprintf(text, sizeof text, "[pool %s]\nslots = 3\n", name);
    diag_list dl = {0};
    char dir[] = "/tmp/dagd-ids-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[64];
    snprintf(file, sizeof file, "%s/dagd.ini", dir);
    FILE *out = fopen(file, "w");
    fputs(text, out);
    fclose(out);
    config cfg;
    assert_int_equal(config_load(&cfg, file, &dl), 0);
    const pool_config *pc = config_pool(&cfg, name);
    assert_non_null(pc);
    assert_int_equal(pc->slots, 3);
    config_free(&cfg);
    diag_free(&dl);
    unlink(file);
    rmdir(dir);
}

/* Names stored before the rule (or any other) never climb out of logs/. */
static void test_path_parts(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"etl", "etl"},
        {"manual__2026-11-22T00:00:00+00:00", "manual__2026-11-22T00:00:00+00:00"},
        {"...", "..."},
        {"..", "%2E%2E"},
        {".", "%2E"},
        {"", "%"},
        {"a/../b", "a%2F..%2Fb"},
        {"%2E", "%252E"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = fs_part(cases[i][0]);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule),       cmocka_unit_test(test_dag_files),
        cmocka_unit_test(test_file_names), cmocka_unit_test(test_config_names),
        cmocka_unit_test(test_path_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
