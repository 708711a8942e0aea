/* The command table against the protocol doc: docs/protocol.md's Arguments
 * table lists exactly the arguments the agent checks (name, type, required,
 * bounds, default, in checking order), so the two cannot drift; and the
 * table itself is well formed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "commands.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The doc, found from the repository root (the suites run from there), or
 * from where this binary is (ROOT/build/MODE/tests/). */
static FILE *open_doc(void)
{
    FILE *f = fopen("docs/protocol.md", "r");
    if (f)
        return f;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *build = strstr(exe, "/build/");
    if (!build)
        return NULL;
    *build = '\0';
    char *path = xasprintf("%s/docs/protocol.md", exe);
    f = fopen(path, "r");
    free(path);
    return f;
}

/* Trim spaces and one pair of backticks. */
static char *cell(char *s)
{
    while (*s == ' ')
        s++;
    char *end = s + strlen(s);
    while (end > s && end[-1] == ' ')
        *--end = '\0';
    if (end - s >= 2 && s[0] == '`' && end[-1] == '`') {
        end[-1] = '\0';
        s++;
    }
    return s;
}

/* The doc's rows, each "cmd|arg|type|required|bounds|default" (the meaning
 * column is prose). */
static strlist doc_rows(void)
{
    strlist rows = {0};
    FILE *f = open_doc();
    if (!f)
        fail_msg("cannot open docs/protocol.md (run from the repository root)");
    char line[2048];
    bool in_section = false;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "## ", 3) == 0) {
            in_section = strcmp(line, "## Arguments") == 0;
            continue;
        }
        if (!in_section || strncmp(line, "| `", 3) != 0)
            continue;
        char *cols[8] = {0};
        int n = 0;
        for (char *p = line + 1, *bar; n < 8 && (bar = strchr(p, '|')); p = bar + 1) {
            *bar = '\0';
            cols[n++] = cell(p);
        }
        assert_true(n >= 6);
        char *row =
            xasprintf("%s|%s|%s|%s|%s|%s", cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]);
        strlist_push(&rows, row);
        free(row);
    }
    fclose(f);
    return rows;
}

static strlist table_rows(void)
{
    strlist rows = {0};
    size_t n;
    const command_entry *t = command_table(&n);
    for (size_t i = 0; i < n; i++) {
        if (!t[i].args[0].name) {
            char *row = xasprintf("%s|—||||", t[i].name);
            strlist_push(&rows, row);
            free(row);
        }
        for (size_t k = 0; k < ARGS_MAX && t[i].args[k].name; k++) {
            const arg_spec *a = &t[i].args[k];
            char bounds[200], def[100];
            arg_describe_bounds(a, bounds, sizeof bounds);
            arg_describe_default(a, def, sizeof def);
            char *row = xasprintf("%s|%s|%s|%s|%s|%s", t[i].name, a->name, arg_type_name(a->type),
                                  a->required ? "yes" : "no", bounds, def);
            strlist_push(&rows, row);
            free(row);
        }
    }
    return rows;
}

static void test_doc_lists_the_table(void **state)
{
    (void)state;
    strlist doc = doc_rows(), table = table_rows();
    assert_true(table.n > 0);
    size_t n = doc.n < table.n ? doc.n : table.n;
    for (size_t i = 0; i < n; i++)
        assert_string_equal(doc.items[i], table.items[i]); /* first difference, by row */
    if (doc.n > n)
        fail_msg("docs/protocol.md lists more than the table: %s", doc.items[n]);
    if (table.n > n)
        fail_msg("docs/protocol.md lacks: %s", table.items[n]);
    strlist_free(&doc);
    strlist_free(&table);
}

/* What args_check relies on: unique names, a run or task after its DAG,
 * bounds that bound, choices for a choice, a default only when optional. */
static void test_table_is_well_formed(void **state)
{
    (void)state;
    size_t n;
    const command_entry *t = command_table(&n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].run);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(t[i].name, t[j].name);
        bool seen_dag = false;
        for (size_t k = 0; k < ARGS_MAX && t[i].args[k].name; k++) {
            const arg_spec *a = &t[i].args[k];
            for (size_t j = 0; j < k; j++)
                assert_string_not_equal(a->name, t[i].args[j].name);
            if (a->type == ARG_RUN || a->type == ARG_TASK)
                assert_true(seen_dag);
            seen_dag |= a->type == ARG_DAG;
            assert_true(a->min <= a->max);
            if (a->type == ARG_INT && a->min < a->max && !a->required)
                assert_true(a->def >= a->min && a->def <= a->max);
            assert_true((a->type == ARG_CHOICE) == (a->choices != NULL));
            if (a->required)
                assert_null(a->def_text);
        }
    }
}

/* The doc's words for bounds and defaults, which the first test compares. */
static void test_descriptions(void **state)
{
    (void)state;
    static const char *const two[] = {"success", "failed", NULL};
    static const char *const three[] = {"a", "b", "c", NULL};
    char buf[100];
    arg_spec limit = {.name = "limit", .type = ARG_INT, .min = 1, .max = 10000, .def = 25};
    arg_describe_bounds(&limit, buf, sizeof buf);
    assert_string_equal(buf, "1..10000");
    arg_describe_default(&limit, buf, sizeof buf);
    assert_string_equal(buf, "25");
    arg_spec state_arg = {.name = "state", .type = ARG_CHOICE, .required = true, .choices = two};
    arg_describe_bounds(&state_arg, buf, sizeof buf);
    assert_string_equal(buf, "success or failed");
    arg_describe_default(&state_arg, buf, sizeof buf);
    assert_string_equal(buf, "");
    arg_spec abc = {.name = "x", .type = ARG_CHOICE, .choices = three};
    arg_describe_bounds(&abc, buf, sizeof buf);
    assert_string_equal(buf, "a, b or c");
    arg_spec flag = {.name = "dry_run", .type = ARG_BOOL};
    arg_describe_default(&flag, buf, sizeof buf);
    assert_string_equal(buf, "false");
    arg_spec offset = {.name = "offset", .type = ARG_INT, .max = ARG_NO_MAX, .def_text = "none"};
    arg_describe_bounds(&offset, buf, sizeof buf);
    assert_string_equal(buf, ">= 0");
    arg_describe_default(&offset, buf, sizeof buf);
    assert_string_equal(buf, "none");
    arg_spec unbounded = {.name = "try", .type = ARG_INT, .def_text = "latest"};
    arg_describe_bounds(&unbounded, buf, sizeof buf);
    assert_string_equal(buf, "");
    arg_describe_default(&unbounded, buf, sizeof buf);
    assert_string_equal(buf, "latest");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_lists_the_table),
        cmocka_unit_test(test_table_is_well_formed),
        cmocka_unit_test(test_descriptions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
