/* Templates, shell quoting and shell word splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "template.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const pnames[] = {"table", "v"};

static template_ctx make_ctx(const char *const *values)
{
    return (template_ctx){
        .ds = "2026-11-22",
        .ds_nodash = "20261122",
        .ts = "2026-11-22T00:00:00+09:00",
        .data_interval_start = "2026-11-22T00:00:00+09:00",
        .data_interval_end = "2026-11-23T00:00:00+09:00",
        .prev_ds = "2026-11-21",
        .next_ds = "2026-11-23",
        .run_id = "scheduled__2026-11-22T00:00:00+09:00",
        .dag_id = "etl",
        .task_id = "extract",
        .try_number = "2",
        .param_names = pnames,
        .param_values = values,
        .n_params = 2,
    };
}

static void check_ok(const char *tmpl)
{
    char err[200] = "";
    if (template_check(tmpl, pnames, 2, err, sizeof err) != 0)
        fail_msg("\"%s\": %s", tmpl, err);
}

static void check_err(const char *tmpl, const char *want)
{
    char err[200] = "";
    assert_int_equal(template_check(tmpl, pnames, 2, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", tmpl, err, want);
}

static void test_check_names(void **state)
{
    (void)state;
    for (int i = 0; template_builtin_names[i]; i++) {
        char *t = xasprintf("x {{ %s }} y", template_builtin_names[i]);
        check_ok(t);
        free(t);
    }
    check_ok("");
    check_ok("no templates at all; a } and }} and { alone");
    check_ok("{{ds}}{{ds_nodash}}");
    check_ok("{{   ts\t}}");
    check_ok("./extract.sh {{ ds }} {{ params.table }} {{params.v}}");
    check_ok("line one {{ ds }}\nline two {{ run_id }}");
    assert_int_equal(template_check("{{ ds }}", NULL, 0, NULL, 0), 0);
}

static void test_check_errors(void **state)
{
    (void)state;
    check_err("echo {{ foo }}", "unknown template name \"foo\"");
    check_err("echo {{ params.nope }}", "unknown template name \"params.nope\"");
    check_err("echo {{ params.nope }}", "param \"nope\" is not declared in [params]");
    check_err("echo {{ params. }}", "not declared");
    check_err("echo {{ DS }}", "unknown template name \"DS\"");
    check_err("echo {{ ds", "unterminated \"{{\"");
    check_err("echo {{ ds }\n}}", "unterminated");
    check_err("echo {{ }}", "empty template \"{{ }}\"");
    check_err("echo {{}}", "empty template");
    check_err("echo {{ ds | upper }}", "bad template \"{{ ds | upper }}\"");
    check_err("echo {{ ds ds }}", "bad template");
    check_err("ok {{ ds }} then {{ nope }}", "\"nope\"");
    /* Undeclared with no params at all. */
    char err[200];
    assert_int_equal(template_check("{{ params.table }}", NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "params.table"));
}

static void test_render(void **state)
{
    (void)state;
    const char *values[] = {"orders", "a b"};
    template_ctx c = make_ctx(values);
    char err[200];
    char *s = template_render("run {{ ds }} {{ds_nodash}} {{ ts }} {{ data_interval_start }} "
                              "{{ data_interval_end }} {{ prev_ds }} {{ next_ds }} {{ run_id }} "
                              "{{ dag_id }} {{ task_id }} {{ try_number }}",
                              &c, false, err, sizeof err);
    assert_non_null(s);
    assert_string_equal(s, "run 2026-11-22 20261122 2026-11-22T00:00:00+09:00 "
                           "2026-11-22T00:00:00+09:00 2026-11-23T00:00:00+09:00 2026-11-21 "
                           "2026-11-23 scheduled__2026-11-22T00:00:00+09:00 etl extract 2");
    free(s);

    s = template_render("t={{ params.table }} v={{ params.v }}", &c, false, err, sizeof err);
    assert_string_equal(s, "t=orders v=a b");
    free(s);
    s = template_render("t={{ params.table }} v={{ params.v }}", &c, true, err, sizeof err);
    assert_string_equal(s, "t='orders' v='a b'");
    free(s);
    /* Built-ins are never quoted; only params can carry arbitrary text. */
    s = template_render("{{ ds }}", &c, true, err, sizeof err);
    assert_string_equal(s, "2026-11-22");
    free(s);
    s = template_render("", &c, true, err, sizeof err);
    assert_string_equal(s, "");
    free(s);
    s = template_render("plain } }} text\n", &c, true, err, sizeof err);
    assert_string_equal(s, "plain } }} text\n");
    free(s);
}

static const char *fake_output(void *arg, const char *task, const char *key)
{
    (void)arg;
    if (strcmp(task, "load.v-2") == 0 && strcmp(key, "rows") == 0)
        return "it's $(id)\n`x`";
    return NULL;
}

static int count_refs;
static void on_ref(void *arg, const char *task, size_t tlen, const char *key, size_t klen)
{
    strbuf *sb = arg;
    sb_appendf(sb, "%.*s/%.*s;", (int)tlen, task, (int)klen, key);
    count_refs++;
}

static void test_outputs_and_trigger_file(void **state)
{
    (void)state;
    const char *values[] = {"orders", "x"};
    template_ctx c = make_ctx(values);
    c.output = fake_output;
    c.trigger_file = "/in/a b's.csv";
    check_ok("echo {{ outputs.load.v-2.rows }} {{ outputs.a.K_1 }} {{ trigger_file }}");
    check_err("echo {{ outputs.a }}", "bad output reference \"outputs.a\"");
    check_err("echo {{ outputs.a. }}", "bad output reference");
    check_err("echo {{ outputs..k }}", "bad output reference");
    check_err("echo {{ outputs.a.1k }}", "bad output reference");
    check_err("echo {{ outputs.a.k-x }}", "bad output reference");
    check_err("echo {{ outputs }}", "unknown template name \"outputs\"");
    char err[200];
    char *s = template_render("x {{ outputs.load.v-2.rows }} {{ outputs.load.v-2.none }} "
                              "{{ trigger_file }}",
                              &c, true, err, sizeof err);
    assert_string_equal(s, "x 'it'\\''s $(id)\n`x`' '' '/in/a b'\\''s.csv'");
    free(s);
    s = template_render("{{ outputs.load.v-2.rows }}|{{ trigger_file }}", &c, false, err,
                        sizeof err);
    assert_string_equal(s, "it's $(id)\n`x`|/in/a b's.csv");
    free(s);
    c.output = NULL;
    c.trigger_file = NULL;
    s = template_render("[{{ outputs.a.k }}][{{ trigger_file }}]", &c, true, err, sizeof err);
    assert_string_equal(s, "['']['']"); /* an empty word keeps its place */
    free(s);
    /* Inside quotes they would be unquoted again. */
    size_t at;
    assert_int_equal(template_check_command("echo '{{ outputs.a.k }}'", &at, err, sizeof err), -1);
    assert_int_equal(at, 6);
    assert_int_equal(template_check_command("echo \"{{ trigger_file }}\"", &at, err, sizeof err),
                     -1);
    assert_int_equal(
        template_check_command("echo \"{{ ds }}\" {{ outputs.a.k }}", &at, err, sizeof err), 0);
    strbuf sb = {0};
    count_refs = 0;
    template_each_output("{{ outputs.a.b.c }} {{ ds }} {{ bad | x }} {{outputs.t-1.K}}", on_ref,
                         &sb);
    assert_int_equal(count_refs, 2);
    char *refs = sb_take(&sb);
    assert_string_equal(refs, "a.b/c;t-1/K;");
    free(refs);
}

static void test_render_errors(void **state)
{
    (void)state;
    const char *values[] = {"orders", "x"};
    template_ctx c = make_ctx(values);
    char err[200];
    assert_null(template_render("a {{ nope }}", &c, true, err, sizeof err));
    assert_string_equal(err, "unknown template name \"nope\"");
    assert_null(template_render("a {{ params.zz }}", &c, false, err, sizeof err));
    assert_non_null(strstr(err, "not declared"));
    assert_null(template_render("a {{ ds ", &c, false, err, sizeof err));
    assert_non_null(strstr(err, "unterminated"));
    assert_null(template_render("a {{ }}", &c, false, err, sizeof err));
    assert_non_null(strstr(err, "empty"));
}

static void test_shell_quote(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", "''"},       {"abc", "'abc'"}, {"it's", "'it'\\''s'"},
        {"'", "''\\'''"}, {"a b", "'a b'"}, {"$(id)", "'$(id)'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *q = shell_quote(cases[i][0]);
        assert_string_equal(q, cases[i][1]);
        free(q);
    }
}

/* Split S and compare with the expected words. */
static void split_is(const char *s, const char *const *want, size_t n)
{
    char err[100];
    char **w = shell_split(s, err, sizeof err);
    if (!w)
        fail_msg("split \"%s\": %s", s, err);
    size_t got = 0;
    while (w[got])
        got++;
    if (got != n)
        fail_msg("split \"%s\": %zu words, want %zu", s, got, n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(w[i], want[i]) != 0)
            fail_msg("split \"%s\": word %zu is \"%s\", want \"%s\"", s, i, w[i], want[i]);
    shell_split_free(w);
}

#define SPLIT(s, ...)                                                                              \
    do {                                                                                           \
        const char *const want_[] = {__VA_ARGS__};                                                 \
        split_is(s, want_, sizeof want_ / sizeof *want_);                                          \
    } while (0)

static void test_shell_split(void **state)
{
    (void)state;
    split_is("", NULL, 0);
    split_is("  \t\n ", NULL, 0);
    SPLIT("a", "a");
    SPLIT("  a  b\tc\n d ", "a", "b", "c", "d");
    SPLIT("sh -c 'echo training'", "sh", "-c", "echo training");
    SPLIT("'a b' \"c d\"", "a b", "c d");
    SPLIT("a'b'\"c\"d", "abcd");
    SPLIT("'' \"\"", "", "");
    SPLIT("x ''", "x", "");
    SPLIT("\"a\\\"b\"", "a\"b");
    SPLIT("\"a\\\\b\"", "a\\b");
    SPLIT("\"\\$HOME \\`id\\`\"", "$HOME `id`");
    SPLIT("\"a\\nb\"", "a\\nb"); /* other backslashes stay inside "…" */
    SPLIT("'a\\b'", "a\\b");     /* and everything stays inside '…' */
    SPLIT("a\\ b c", "a b", "c");
    SPLIT("a\\'b", "a'b");
    SPLIT("a\\\nb", "ab"); /* backslash-newline joins */
    SPLIT("$HOME $(id) `id` *", "$HOME", "$(id)", "`id`", "*");
    SPLIT("a#b #c", "a#b", "#c"); /* no comments, like Python's shlex.split */
    SPLIT("'it'\\''s'", "it's");
    SPLIT("tail\\", "tail\\");
}

static void test_shell_split_errors(void **state)
{
    (void)state;
    char err[100];
    assert_null(shell_split("echo 'oops", err, sizeof err));
    assert_string_equal(err, "unterminated single quote");
    assert_null(shell_split("echo \"oops", err, sizeof err));
    assert_string_equal(err, "unterminated double quote");
    assert_null(shell_split("a b \"c\\\"", err, sizeof err));
    assert_string_equal(err, "unterminated double quote");
    shell_split_free(NULL);
}

/* A hostile param value must reach the command as exactly one word. */
static const char *const hostile[] = {
    "x'; rm -rf / #",
    "$(touch /tmp/dagd-test-pwned)",
    "`touch /tmp/dagd-test-pwned`",
    "a b  c",
    "'",
    "''",
    "\"",
    "\\",
    "a\\'b",
    "; echo injected",
    "| cat /etc/passwd",
    "&& echo injected &",
    "",
    "*",
    "--flag=$HOME",
    "it's \"quoted\" \\n",
};

static void test_injection_via_sh(void **state)
{
    (void)state;
    char err[200];
    unlink("/tmp/dagd-test-pwned");
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        const char *values[] = {"orders", hostile[i]};
        template_ctx c = make_ctx(values);
        char *cmd = template_render("printf '%s\\n' {{ params.v }}", &c, true, err, sizeof err);
        assert_non_null(cmd);
        /* popen runs /bin/sh -c CMD, exactly like a local task. */
        FILE *f = popen(cmd, "r");
        assert_non_null(f);
        strbuf out = {0};
        char buf[256];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            sb_append_len(&out, buf, n);
        assert_int_equal(pclose(f), 0);
        char *want = xasprintf("%s\n", hostile[i]);
        if (!out.data || strcmp(out.data, want) != 0)
            fail_msg("value \"%s\": command %s printed \"%s\"", hostile[i], cmd,
                     out.data ? out.data : "");
        free(want);
        sb_free(&out);
        free(cmd);
    }
    assert_int_equal(access("/tmp/dagd-test-pwned", F_OK), -1);
}

/* The same for a Docker task, whose command is split into argv. */
static void test_injection_via_split(void **state)
{
    (void)state;
    char err[200];
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        const char *values[] = {"orders", hostile[i]};
        template_ctx c = make_ctx(values);
        char *cmd = template_render("echo {{ params.v }} {{ ds }}", &c, true, err, sizeof err);
        char **w = shell_split(cmd, err, sizeof err);
        assert_non_null(w);
        assert_string_equal(w[0], "echo");
        assert_string_equal(w[1], hostile[i]);
        assert_string_equal(w[2], "2026-11-22");
        assert_null(w[3]);
        shell_split_free(w);
        free(cmd);
    }
}

/* A param inside the command's own quotes would be unquoted again. */
static void test_param_inside_quotes_refused(void **state)
{
    (void)state;
    char err[300];
    size_t at = (size_t)-1;
    assert_int_equal(template_check_command("echo {{ params.x }} ok", &at, err, sizeof err), 0);
    assert_int_equal(
        template_check_command("echo \"{{ ds }}\" '{{ run_id }}'", &at, err, sizeof err), 0);
    assert_int_equal(template_check_command("echo \"a {{ params.x }}\"", &at, err, sizeof err), -1);
    assert_int_equal(at, 8);
    assert_non_null(strstr(err, "double quotes"));
    assert_int_equal(template_check_command("echo 'a {{params.x}}'", &at, err, sizeof err), -1);
    assert_non_null(strstr(err, "single quotes"));
    /* Escaped quotes and quotes that closed before do not count. */
    assert_int_equal(template_check_command("echo \\\" {{ params.x }}", &at, err, sizeof err), 0);
    assert_int_equal(template_check_command("echo \"a\" {{ params.x }} 'b'", &at, err, sizeof err),
                     0);
    /* Quotes spanning lines. */
    assert_int_equal(template_check_command("echo \"a\nb {{ params.x }}\"", &at, err, sizeof err),
                     -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_param_inside_quotes_refused),
        cmocka_unit_test(test_check_names),
        cmocka_unit_test(test_check_errors),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_render_errors),
        cmocka_unit_test(test_outputs_and_trigger_file),
        cmocka_unit_test(test_shell_quote),
        cmocka_unit_test(test_shell_split),
        cmocka_unit_test(test_shell_split_errors),
        cmocka_unit_test(test_injection_via_sh),
        cmocka_unit_test(test_injection_via_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
