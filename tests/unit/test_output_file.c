/* The output file ($DAGD_OUTPUT): KEY=VALUE lines, heredocs, bad lines,
 * the size limit, and env names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "output_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void parse(const char *text, output_set *out, strlist *w)
{
    memset(out, 0, sizeof *out);
    memset(w, 0, sizeof *w);
    output_parse(text, strlen(text), out, w);
}

static void test_plain_pairs(void **state)
{
    (void)state;
    output_set o;
    strlist w;
    parse("a=1\nB_2= spaced value \n\n_x=\nq='it'\"s\" $(rm -rf /) `id`", &o, &w);
    assert_int_equal(o.n, 4);
    assert_string_equal(output_get(&o, "a"), "1");
    assert_string_equal(output_get(&o, "B_2"), " spaced value ");
    assert_string_equal(output_get(&o, "_x"), "");
    assert_string_equal(output_get(&o, "q"), "'it'\"s\" $(rm -rf /) `id`");
    assert_int_equal(w.n, 0);
    output_set_free(&o);
    strlist_free(&w);
}

static void test_last_wins_and_equals_in_value(void **state)
{
    (void)state;
    output_set o;
    strlist w;
    parse("k=first\nk=a=b=c\n", &o, &w);
    assert_int_equal(o.n, 1);
    assert_string_equal(output_get(&o, "k"), "a=b=c");
    output_set_free(&o);
    strlist_free(&w);
}

static void test_bad_lines(void **state)
{
    (void)state;
    output_set o;
    strlist w;
    parse("1abc=x\nno equals\n-k=v\nk v=1\n=v\n# comment\ngood=yes\n", &o, &w);
    assert_int_equal(o.n, 1);
    assert_string_equal(output_get(&o, "good"), "yes");
    assert_int_equal(w.n, 6);
    assert_non_null(strstr(w.items[0], "line 1: ignored"));
    assert_non_null(strstr(w.items[5], "line 6: ignored"));
    output_set_free(&o);
    strlist_free(&w);
}

static void test_heredoc(void **state)
{
    (void)state;
    output_set o;
    strlist w;
    parse("msg<<EOF\nline one\n  line 'two'\n\nEOF\nafter=1\nempty<<X\nX\n", &o, &w);
    assert_int_equal(w.n, 0);
    assert_string_equal(output_get(&o, "msg"), "line one\n  line 'two'\n");
    assert_string_equal(output_get(&o, "after"), "1");
    assert_string_equal(output_get(&o, "empty"), "");
    output_set_free(&o);
    strlist_free(&w);
}

static void test_heredoc_unclosed(void **state)
{
    (void)state;
    output_set o;
    strlist w;
    parse("ok=1\nm<<END\nnever\nclosed\n", &o, &w);
    assert_int_equal(o.n, 1);
    assert_null(output_get(&o, "m"));
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.items[0], "line 2: ignored: m<<END has no closing line"));
    output_set_free(&o);
    strlist_free(&w);
    parse("m<<\nx=1\n", &o, &w);
    assert_int_equal(o.n, 1); /* no delimiter: the next line is a line of its own */
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.items[0], "needs a delimiter"));
    output_set_free(&o);
    strlist_free(&w);
}

static void test_nul_and_utf8(void **state)
{
    (void)state;
    output_set o = {0};
    strlist w = {0};
    static const char text[] = "a=x\0y\nb=\xff\xfe\nc=caf\xc3\xa9\n";
    output_parse(text, sizeof text - 1, &o, &w);
    assert_int_equal(o.n, 1);
    assert_string_equal(output_get(&o, "c"), "caf\xc3\xa9");
    assert_int_equal(w.n, 2);
    assert_non_null(strstr(w.items[0], "NUL"));
    assert_non_null(strstr(w.items[1], "UTF-8"));
    output_set_free(&o);
    strlist_free(&w);
}

static void test_env_name(void **state)
{
    (void)state;
    char *n = output_env_name("load.orders-v2", "row_count");
    assert_string_equal(n, "DAGD_OUTPUT_LOAD_ORDERS_V2_ROW_COUNT");
    free(n);
    assert_true(output_key_valid("_a1", 3));
    assert_false(output_key_valid("1a", 2));
    assert_false(output_key_valid("", 0));
}

static char *temp_file(const char *content, size_t len)
{
    char *path = xstrdup("/tmp/dagd-unit-output.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
    return path;
}

/* A swarm try's outputs are the marked lines of its log, in order; other
 * lines (the task's own output, a marker not at the line start) are not. */
static void test_from_log(void **state)
{
    (void)state;
    const char log[] = "hello\n::dagd-output rows=42\n  ::dagd-output no=1\n"
                       "::dagd-output note<<EOF\nnoise\n::dagd-output a 'b'\n::dagd-output EOF\n"
                       "::dagd-output last=x";
    strbuf sb = {0};
    output_from_log(log, sizeof log - 1, &sb);
    assert_string_equal(sb.data, "rows=42\nnote<<EOF\na 'b'\nEOF\nlast=x\n");
    output_set o = {0};
    strlist w = {0};
    output_parse(sb.data, sb.len, &o, &w);
    assert_string_equal(output_get(&o, "rows"), "42");
    assert_string_equal(output_get(&o, "note"), "a 'b'");
    assert_string_equal(output_get(&o, "last"), "x");
    assert_null(output_get(&o, "no"));
    assert_int_equal(w.n, 0);
    output_set_free(&o);
    strlist_free(&w);
    sb_free(&sb);
}

static void test_file_read_limits(void **state)
{
    (void)state;
    output_set o = {0};
    strlist w = {0};
    char err[200] = "";
    assert_int_equal(output_file_read("/nonexistent/dagd/out", &o, &w, err, sizeof err), 0);
    assert_int_equal(o.n, 0);

    char *big = xmalloc(OUTPUT_FILE_MAX + 1);
    memset(big, 'a', OUTPUT_FILE_MAX + 1);
    memcpy(big, "k=", 2);
    char *path = temp_file(big, OUTPUT_FILE_MAX);
    assert_int_equal(output_file_read(path, &o, &w, err, sizeof err), 0);
    assert_int_equal(strlen(output_get(&o, "k")), OUTPUT_FILE_MAX - 2);
    output_set_free(&o);
    unlink(path);
    free(path);

    path = temp_file(big, OUTPUT_FILE_MAX + 1);
    assert_int_equal(output_file_read(path, &o, &w, err, sizeof err), -1);
    assert_non_null(strstr(err, "bigger than 64 KiB"));
    assert_int_equal(o.n, 0);

    /* A symlink in its place is refused, not followed. */
    char *link = xasprintf("%s.lnk", path);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(output_file_read(link, &o, &w, err, sizeof err), -1);
    assert_non_null(strstr(err, "symbolic link"));
    unlink(link);
    free(link);
    unlink(path);
    free(path);
    free(big);
    strlist_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_pairs),
        cmocka_unit_test(test_last_wins_and_equals_in_value),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_heredoc),
        cmocka_unit_test(test_heredoc_unclosed),
        cmocka_unit_test(test_nul_and_utf8),
        cmocka_unit_test(test_env_name),
        cmocka_unit_test(test_file_read_limits),
        cmocka_unit_test(test_from_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
