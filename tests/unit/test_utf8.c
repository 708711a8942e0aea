/* Text on its way to JSON: invalid UTF-8 bytes are written as \xNN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "diag.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static void escape(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
        {"\xff", "\\xff"},
        {"a\xc3", "a\\xc3"},                 /* cut in half */
        {"\xc0\xaf", "\\xc0\\xaf"},          /* overlong '/' */
        {"\xed\xa0\x80", "\\xed\\xa0\\x80"}, /* a surrogate */
        {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
        {"\xe2\x82\xac\xe2\x82", "\xe2\x82\xac\\xe2\\x82"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = utf8_escape(cases[i].in);
        assert_string_equal(got, cases[i].want);
        assert_true(utf8_valid(got));
        free(got);
    }
    assert_null(utf8_escape(NULL));
}

static void json_never_null(void **state)
{
    (void)state;
    json_t *j = json_text("id \xff!");
    assert_non_null(j);
    assert_string_equal(json_string_value(j), "id \\xff!");
    json_decref(j);
    j = json_text(NULL);
    assert_true(json_is_null(j));
    json_decref(j);
}

static void diags_are_utf8(void **state)
{
    (void)state;
    diag_list l = {0};
    diag_add(&l, "dags/\xfe.ini", 3, false, "bad task id \"%s\"", "\xff");
    char *s = diag_format(&l.items[0]);
    assert_string_equal(s, "dags/\\xfe.ini:3: bad task id \"\\xff\"");
    free(s);
    diag_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape),
        cmocka_unit_test(json_never_null),
        cmocka_unit_test(diags_are_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
