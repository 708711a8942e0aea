/* The scroller every dagtop view shares: first line and cursor kept in
 * range, follow at the end, a cursor's lines kept in view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../tui/dagtop/tui_scroll.h"

static void test_by_clamps_and_follows(void **state)
{
    (void)state;
    scroller s = {0};
    scroll_by(&s, 5, 100, 20);
    assert_int_equal(s.top, 5);
    assert_false(s.follow);
    scroll_by(&s, 1L << 30, 100, 20);
    assert_int_equal(s.top, 80); /* the last page, no blank rows */
    assert_true(s.follow);
    scroll_by(&s, -1, 100, 20);
    assert_int_equal(s.top, 79);
    assert_false(s.follow);
    scroll_by(&s, -(1L << 30), 100, 20);
    assert_int_equal(s.top, 0);
    /* Fewer lines than rows: the top stays 0, and that is the end. */
    scroll_by(&s, 3, 5, 20);
    assert_int_equal(s.top, 0);
    assert_true(s.follow);
    assert_int_equal(scroll_max(5, 20), 0);
    assert_int_equal(scroll_max(25, 20), 5);
}

static void test_move_keeps_cursor_on_an_item(void **state)
{
    (void)state;
    scroller s = {0};
    scroll_move(&s, -1, 10);
    assert_int_equal(s.cur, 0);
    scroll_move(&s, 4, 10);
    assert_int_equal(s.cur, 4);
    scroll_move(&s, 1L << 30, 10);
    assert_int_equal(s.cur, 9);
    scroll_move(&s, 1, 0); /* nothing listed */
    assert_int_equal(s.cur, 0);
}

static void test_show_keeps_lines_in_view(void **state)
{
    (void)state;
    int top = 0;
    scroll_show(&top, 19, 20, 100, 20); /* an item of two lines at the bottom */
    assert_int_equal(top, 1);
    scroll_show(&top, 0, 0, 100, 20);
    assert_int_equal(top, 0);
    scroll_show(&top, 50, 80, 100, 20); /* taller than the view: its first line wins */
    assert_int_equal(top, 50);
    top = 90;
    scroll_show(&top, 95, 95, 100, 20); /* no blank rows past the end */
    assert_int_equal(top, 80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_clamps_and_follows),
        cmocka_unit_test(test_move_keeps_cursor_on_an_item),
        cmocka_unit_test(test_show_keeps_lines_in_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
