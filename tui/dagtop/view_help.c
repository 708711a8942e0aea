/* Help: every key of every screen, from the same tables the keys run. */
#include "tui_draw.h"
#include "tui_text.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <string.h>

static int act_redraw(app *a)
{
    (void)a;
    clearok(curscr, TRUE); /* the terminal may hold anything: repaint it all */
    return RD_DRAW;
}

const key_action global_keys[] = {
    {TK_CTRL('l'), "Ctrl-L", "redraw the whole screen", act_redraw},
    {TK_FN(KEY_MOUSE), "click", "select a DAG or a cell; a double click opens it", app_mouse},
    {0, NULL, NULL, NULL},
};

/* The help's sections: keys that work everywhere, then each view's. */
static const view *const order[] = {&view_list,   &view_grid,    &view_log,    &view_info,
                                    &view_dialog, &view_confirm, &view_prompt, &view_help};
enum { N_SECTIONS = 1 + sizeof order / sizeof *order };

static const char *section_title(int s)
{
    return s == 0 ? "Everywhere" : order[s - 1]->title;
}

static const key_action *section_keys(int s)
{
    return s == 0 ? global_keys : order[s - 1]->keys;
}

/* Lines of section S: its title, one line per listed key, a blank line. */
static int section_lines(int s)
{
    int n = 2;
    for (const key_action *k = section_keys(s); k->fn; k++)
        n += k->help != NULL;
    return n;
}

static int help_lines(void)
{
    int n = 0;
    for (int s = 0; s < N_SECTIONS; s++)
        n += section_lines(s);
    return n;
}

int help_open(app *a)
{
    a->overlay = OV_HELP;
    a->help.top = 0;
    /* Start at the section of the screen the help was asked from. */
    const view *screen = view_screen(a);
    for (int s = 0; s < N_SECTIONS && (s == 0 || order[s - 1] != screen); s++)
        a->help.top += section_lines(s);
    return RD_DRAW;
}

static int rows(void)
{
    return LINES - 3 < 1 ? 1 : LINES - 3;
}

static scroller *help_scroll(app *a, int *lines, int *page)
{
    *lines = help_lines();
    *page = rows();
    return &a->help;
}

static int act_close(app *a)
{
    a->overlay = OV_NONE;
    return RD_DRAW;
}

static const key_action help_keys[] = {
    {TK_FN(KEY_UP), "↑ ↓ k j", "scroll", view_line_up},
    {'k', NULL, NULL, view_line_up},
    {TK_FN(KEY_DOWN), NULL, NULL, view_line_down},
    {'j', NULL, NULL, view_line_down},
    {TK_FN(KEY_PPAGE), "PgUp PgDn", "a page", view_page_up},
    {TK_FN(KEY_NPAGE), NULL, NULL, view_page_down},
    {' ', NULL, NULL, view_page_down},
    {'q', "q Esc ?", "close the help", act_close},
    {TK_ESC, NULL, NULL, act_close},
    {'?', NULL, NULL, act_close},
    {TK_ENTER, NULL, NULL, act_close},
    {0, NULL, NULL, NULL},
};

static void help_draw(app *a)
{
    int h = LINES - 1, w = COLS;
    draw_box(0, 0, h, w, "dagtop help — q closes");
    int line = 0, y0 = 1, r = rows();
    scroll_by(&a->help, 0, help_lines(), r);
    for (int s = 0; s < N_SECTIONS; s++) {
        int y = y0 + line - a->help.top;
        if (y >= y0 && y < y0 + r)
            draw_text(y, 2, w - 4, A_BOLD | A_UNDERLINE, section_title(s));
        line++;
        for (const key_action *k = section_keys(s); k->fn; k++) {
            if (!k->help)
                continue;
            y = y0 + line - a->help.top;
            if (y >= y0 && y < y0 + r) {
                draw_text(y, 4, 14, A_BOLD, k->label);
                draw_text(y, 19, w - 21, A_NORMAL, k->help);
            }
            line++;
        }
        line++;
    }
    if (a->help.top + r < help_lines())
        draw_text(h - 1, w - 12, 10, A_NORMAL, a->utf8 ? " more ↓ " : " more v ");
}

static void help_hints(app *a, int width, char *out, size_t len)
{
    (void)a;
    VIEW_HINTS(width, out, len, {"↑↓ scroll", 2}, {"q close", 0});
}

const view view_help = {
    .title = "This help",
    .keys = help_keys,
    .draw = help_draw,
    .hints = help_hints,
    .scroll_of = help_scroll,
};
