/* dagtop's grid layout on an off-screen model: column widths, header
 * abbreviation, scrolling that keeps the cursor visible, 80x24. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../tui/dagtop/tui_grid_layout.h"

#include <stdio.h>
#include <string.h>

static char *abbrev(const char *name, int width)
{
    static char out[64];
    gl_abbreviate(name, width, out, sizeof out);
    return out;
}

static void test_abbreviate_fits_unchanged(void **state)
{
    (void)state;
    assert_string_equal(abbrev("extract", 7), "extract");
    assert_string_equal(abbrev("extract", 16), "extract");
    assert_string_equal(abbrev("a", 3), "a");
}

static void test_abbreviate_keeps_words_apart(void **state)
{
    (void)state;
    /* Similar names stay distinguishable. */
    assert_string_equal(abbrev("extract_orders", 5), "ex_or");
    assert_string_equal(abbrev("extract_users", 5), "ex_us");
    assert_string_equal(abbrev("extract_orders", 8), "extr_ord");
    /* Too narrow for separators: initials. */
    assert_string_equal(abbrev("load_orders_to_dw", 3), "lot");
    assert_string_equal(abbrev("load_orders_to_dw", 4), "lotd");
    /* camelCase words need no separator. */
    assert_string_equal(abbrev("extractOrders", 5), "extOr");
    /* A single long word is cut. */
    assert_string_equal(abbrev("transformation", 5), "trans");
    /* Leading, trailing and doubled underscores do not make empty words. */
    assert_string_equal(abbrev("__load__all__", 5), "lo_al");
}

/* Issue 10, defect 11: the digits that tell load_part_01 from load_part_02
 * were dropped. Numbers stay whole; so does what tells a name from a
 * similar one. */
static void test_abbreviate_keeps_numbers(void **state)
{
    (void)state;
    assert_string_equal(abbrev("load_part_01", 6), "l_p_01");
    assert_string_equal(abbrev("load_part_01", 8), "lo_pa_01");
    assert_string_equal(abbrev("load_part_of_the_warehouse_01", 11), "lopaofthw01");
    assert_string_equal(abbrev("extract_table_number_07", 5), "etn07");
    /* Where digits start is a word too. */
    assert_string_equal(abbrev("partition12", 4), "pa12");
    /* Narrower than what must stay: the number shows. */
    assert_string_equal(abbrev("load_part_0123", 3), "123");
}

static char *abbrev_set(const char *const *names, size_t n, size_t i, int width)
{
    static char out[64];
    int at[16];
    size_t scratch[16];
    gl_distinguish(names, n, at, scratch);
    gl_abbreviate_at(names[i], width, at[i], out, sizeof out);
    return out;
}

static void test_abbreviations_stay_distinct(void **state)
{
    (void)state;
    const char *names[] = {"extract_orders", "extract_ordinals", "load", "load_all"};
    int at[4];
    size_t scratch[4];
    gl_distinguish(names, 4, at, scratch);
    assert_int_equal(at[0], 11); /* "extract_ord" is shared, 'e' / 'i' tells */
    assert_int_equal(at[1], 11);
    assert_int_equal(at[2], -1); /* a prefix of load_all: its end tells */
    assert_int_equal(at[3], 4);
    /* The word that differs keeps the letter that differs. */
    assert_string_equal(abbrev_set(names, 4, 0, 8), "ex_order");
    assert_string_equal(abbrev_set(names, 4, 1, 8), "ex_ordin");
    /* Without the other name, the turns start from the first word. */
    assert_string_equal(abbrev("extract_orders", 8), "extr_ord");
    /* Every width from 3 to the full length: all abbreviations differ. */
    char buf[30][48];
    const char *many[30];
    for (int i = 0; i < 30; i++) {
        snprintf(buf[i], sizeof buf[i], "load_part_of_the_warehouse_%02d", i + 1);
        many[i] = buf[i];
    }
    int mat[30];
    size_t msc[30];
    gl_distinguish(many, 30, mat, msc);
    for (int w = 3; w <= 29; w++) {
        char ab[30][64];
        for (int i = 0; i < 30; i++) {
            gl_abbreviate_at(many[i], w, mat[i], ab[i], sizeof ab[i]);
            assert_true((int)strlen(ab[i]) <= w);
            for (int j = 0; j < i; j++)
                assert_string_not_equal(ab[i], ab[j]);
        }
    }
}

static void test_abbreviate_never_exceeds_width(void **state)
{
    (void)state;
    const char *names[] = {"a_b_c_d_e_f_g_h_i_j_k_l_m_n_o_p_q_r", "aaaaaaaaaaaaaaaaaaaaaaaa",
                           "x_yyyyyyyyyyyyyyyyyyyy", "CamelCaseNameWithManyWords", "t1"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        for (int w = 1; w <= 20; w++)
            assert_true((int)strlen(abbrev(names[i], w)) <= w);
}

static void test_column_widths_widest_cap_that_fits(void **state)
{
    (void)state;
    const char *names[] = {"a", "extract_orders", "load"};
    int w[3];
    bool fits;
    /* Plenty of room: full names (short ones padded to the minimum). */
    int cap = gl_column_widths(names, 3, 200, w, &fits);
    assert_true(fits);
    assert_int_equal(cap, GL_MAX_COL);
    assert_int_equal(w[0], GL_MIN_COL);
    assert_int_equal(w[1], 14);
    assert_int_equal(w[2], 4);
    /* 3+1 + c+1 + 4+1 <= 16 -> c = 6. */
    cap = gl_column_widths(names, 3, 16, w, &fits);
    assert_true(fits);
    assert_int_equal(cap, 6);
    assert_int_equal(w[1], 6);
    /* Even the minimum does not fit: readable columns, then scrolling. */
    cap = gl_column_widths(names, 3, 8, w, &fits);
    assert_false(fits);
    assert_int_equal(cap, GL_SCROLL_COL);
    assert_int_equal(w[1], GL_SCROLL_COL);
    assert_int_equal(w[0], GL_MIN_COL);
}

static void test_scroll_columns_keeps_cursor_visible(void **state)
{
    (void)state;
    int w[40];
    for (int i = 0; i < 40; i++)
        w[i] = 5; /* 6 columns each with the gap */
    int left = 0;
    /* 60 columns: 10 tasks visible. */
    assert_int_equal(gl_scroll_columns(w, 40, 60, 0, &left), 10);
    assert_int_equal(left, 0);
    assert_int_equal(gl_scroll_columns(w, 40, 60, 9, &left), 10);
    assert_int_equal(left, 0);
    /* One to the right of the view scrolls by one. */
    gl_scroll_columns(w, 40, 60, 10, &left);
    assert_int_equal(left, 1);
    /* Jump to the end. */
    assert_int_equal(gl_scroll_columns(w, 40, 60, 39, &left), 10);
    assert_int_equal(left, 30);
    /* Back left past the view. */
    gl_scroll_columns(w, 40, 60, 5, &left);
    assert_int_equal(left, 5);
    /* Every cursor position is inside the visible range. */
    for (int cur = 0; cur < 40; cur++) {
        int n = gl_scroll_columns(w, 40, 60, cur, &left);
        assert_true(cur >= left && cur < left + n);
    }
}

static void test_scroll_columns_uneven_and_resize(void **state)
{
    (void)state;
    int w[] = {3, 16, 3, 16, 3, 16};
    int left = 0;
    int n = gl_scroll_columns(w, 6, 30, 5, &left);
    assert_true(5 >= left && 5 < left + n);
    /* A wider window scrolls back rather than leave blank space. */
    n = gl_scroll_columns(w, 6, 200, 5, &left);
    assert_int_equal(left, 0);
    assert_int_equal(n, 6);
    /* A column wider than the space still shows (cut), never zero. */
    left = 0;
    assert_int_equal(gl_scroll_columns(w, 6, 5, 1, &left), 1);
    assert_int_equal(left, 1);
    /* No tasks. */
    assert_int_equal(gl_scroll_columns(w, 0, 30, 0, &left), 0);
    assert_int_equal(left, 0);
}

static void test_scroll_rows(void **state)
{
    (void)state;
    int top = 0;
    gl_scroll_rows(365, 19, 0, &top);
    assert_int_equal(top, 0);
    gl_scroll_rows(365, 19, 18, &top);
    assert_int_equal(top, 0);
    gl_scroll_rows(365, 19, 19, &top);
    assert_int_equal(top, 1);
    gl_scroll_rows(365, 19, 364, &top);
    assert_int_equal(top, 346);
    gl_scroll_rows(365, 19, 100, &top);
    assert_int_equal(top, 100);
    /* Fewer rows than space: from the top. */
    top = 5;
    gl_scroll_rows(3, 19, 2, &top);
    assert_int_equal(top, 0);
    /* A taller window after scrolling down: no blank rows at the bottom. */
    top = 346;
    gl_scroll_rows(365, 40, 364, &top);
    assert_int_equal(top, 325);
}

static void test_80x24_fit(void **state)
{
    (void)state;
    /* 365 runs x 40 tasks with long names on 80x24. */
    char buf[40][40];
    const char *names[40];
    for (int i = 0; i < 40; i++) {
        snprintf(buf[i], sizeof buf[i], "extract_table_number_%02d", i);
        names[i] = buf[i];
    }
    int widths[40];
    gl_grid L = {0};
    int label_w = 10 + 4;
    gl_grid_layout(80, 24, label_w, names, 40, 365, 0, 0, widths, &L);
    /* Title, header; 19 runs; two detail lines; status. */
    assert_int_equal(L.geo.header_y, 1);
    assert_int_equal(L.geo.rows_y, 2);
    assert_int_equal(L.geo.rows, 19);
    assert_int_equal(L.geo.detail_y, 21);
    assert_int_equal(L.geo.status_y, 23);
    assert_int_equal(L.n_rows, 19);
    assert_false(L.fits);
    assert_int_equal(L.left, 0);
    /* The visible columns fit in the width. */
    int used = label_w;
    for (int j = L.left; j < L.left + L.n_cols; j++)
        used += widths[j] + 1;
    assert_true(used <= 80);
    assert_int_equal(L.n_cols, (80 - label_w) / (GL_SCROLL_COL + 1));
    /* The cursor at the far corner. */
    gl_grid_layout(80, 24, label_w, names, 40, 365, 364, 39, widths, &L);
    assert_int_equal(L.top, 346);
    assert_true(39 >= L.left && 39 < L.left + L.n_cols);
    assert_int_equal(L.left + L.n_cols, 40);
    /* Abbreviated headers fit their columns and differ from each other. */
    char a[GL_MAX_COL + 1], b[GL_MAX_COL + 1];
    gl_abbreviate(names[1], widths[1], a, sizeof a);
    gl_abbreviate(names[2], widths[2], b, sizeof b);
    assert_true((int)strlen(a) <= widths[1]);
    assert_string_not_equal(a, b);
}

/* At 200 columns a few long names show whole: the width is used. */
static void test_long_names_use_the_width(void **state)
{
    (void)state;
    const char *names[] = {"load_part_of_the_warehouse_01", "load_part_of_the_warehouse_02",
                           "load_part_of_the_warehouse_03"};
    int widths[3];
    gl_grid L = {0};
    gl_grid_layout(200, 30, 23, names, 3, 1, 0, 0, widths, &L);
    assert_true(L.fits);
    for (int i = 0; i < 3; i++)
        assert_int_equal(widths[i], 29);
}

static void test_few_tasks_fit_wide(void **state)
{
    (void)state;
    const char *names[] = {"say_hello", "extract_orders", "extract_users", "load_orders_to_dw"};
    int widths[4];
    gl_grid L = {0};
    gl_grid_layout(80, 24, 14, names, 4, 8, 0, 0, widths, &L);
    assert_true(L.fits);
    assert_int_equal(L.n_cols, 4);
    assert_int_equal(widths[0], 9);
    assert_int_equal(widths[3], 17); /* all fit: full names */
    assert_int_equal(L.n_rows, 8);
}

static void test_tiny_terminal(void **state)
{
    (void)state;
    const char *names[] = {"a", "b"};
    int widths[2];
    gl_grid L = {0};
    gl_grid_layout(10, 3, 14, names, 2, 100, 50, 1, widths, &L);
    assert_true(L.geo.rows >= 1);
    assert_int_equal(L.geo.avail, 0);
    assert_true(50 >= L.top && 50 < L.top + L.n_rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abbreviate_fits_unchanged),
        cmocka_unit_test(test_abbreviate_keeps_words_apart),
        cmocka_unit_test(test_abbreviate_keeps_numbers),
        cmocka_unit_test(test_abbreviations_stay_distinct),
        cmocka_unit_test(test_abbreviate_never_exceeds_width),
        cmocka_unit_test(test_column_widths_widest_cap_that_fits),
        cmocka_unit_test(test_scroll_columns_keeps_cursor_visible),
        cmocka_unit_test(test_scroll_columns_uneven_and_resize),
        cmocka_unit_test(test_scroll_rows),
        cmocka_unit_test(test_80x24_fit),
        cmocka_unit_test(test_long_names_use_the_width),
        cmocka_unit_test(test_few_tasks_fit_wide),
        cmocka_unit_test(test_tiny_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
