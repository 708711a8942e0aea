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
    {0, NULL, NULL, NULL},
};

static const struct {
    const char *title;
    const key_action *keys;
} sections[] = {
    {"Everywhere", global_keys},
    {"DAG list", list_keys},
    {"Grid", grid_keys},
    {"Log", log_keys},
    {"Clear / mark dialog", dialog_keys},
    {"Pause question", confirm_keys},
    {"Prompts (filter, trigger, backfill)", prompt_keys},
    {"This help", help_keys},
};
enum { N_SECTIONS = sizeof sections / sizeof *sections };

/* Lines of the help text: section titles and one line per listed key. */
static int help_lines(void)
{
    int n = 0;
    for (int s = 0; s < N_SECTIONS; s++) {
        n += 2;
        for (const key_action *k = sections[s].keys; k->fn; k++)
            n += k->help != NULL;
    }
    return n;
}

int help_open(app *a)
{
    a->overlay = OV_HELP;
    a->help_top = 0;
    /* Start at the section of the screen the help was asked from. */
    int want = a->screen == SCR_LIST ? 1 : a->screen == SCR_GRID ? 2 : 3;
    for (int s = 0; s < want; s++) {
        a->help_top += 2;
        for (const key_action *k = sections[s].keys; k->fn; k++)
            a->help_top += k->help != NULL;
    }
    return RD_DRAW;
}

static int rows(void)
{
    return LINES - 3 < 1 ? 1 : LINES - 3;
}

static int scroll_by(app *a, int d)
{
    int max = help_lines() - rows();
    a->help_top += d;
    if (a->help_top > max)
        a->help_top = max;
    if (a->help_top < 0)
        a->help_top = 0;
    return RD_DRAW;
}

static int act_up(app *a)
{
    return scroll_by(a, -1);
}
static int act_down(app *a)
{
    return scroll_by(a, 1);
}
static int act_pgup(app *a)
{
    return scroll_by(a, -rows());
}
static int act_pgdn(app *a)
{
    return scroll_by(a, rows());
}
static int act_close(app *a)
{
    a->overlay = OV_NONE;
    return RD_DRAW;
}

const key_action help_keys[] = {
    {TK_FN(KEY_UP), "↑ ↓ k j", "scroll", act_up},
    {'k', NULL, NULL, act_up},
    {TK_FN(KEY_DOWN), NULL, NULL, act_down},
    {'j', NULL, NULL, act_down},
    {TK_FN(KEY_PPAGE), "PgUp PgDn", "a page", act_pgup},
    {TK_FN(KEY_NPAGE), NULL, NULL, act_pgdn},
    {' ', NULL, NULL, act_pgdn},
    {'q', "q Esc ?", "close the help", act_close},
    {TK_ESC, NULL, NULL, act_close},
    {'?', NULL, NULL, act_close},
    {TK_ENTER, NULL, NULL, act_close},
    {0, NULL, NULL, NULL},
};

void help_draw(app *a)
{
    int h = LINES - 1, w = COLS;
    draw_box(0, 0, h, w, "dagtop help — q closes");
    int line = 0, y0 = 1, r = rows();
    scroll_by(a, 0);
    for (int s = 0; s < N_SECTIONS; s++) {
        int y = y0 + line - a->help_top;
        if (y >= y0 && y < y0 + r)
            draw_text(y, 2, w - 4, A_BOLD | A_UNDERLINE, sections[s].title);
        line++;
        for (const key_action *k = sections[s].keys; k->fn; k++) {
            if (!k->help)
                continue;
            y = y0 + line - a->help_top;
            if (y >= y0 && y < y0 + r) {
                draw_text(y, 4, 14, A_BOLD, k->label);
                draw_text(y, 19, w - 21, A_NORMAL, k->help);
            }
            line++;
        }
        line++;
    }
    if (a->help_top + r < help_lines())
        draw_text(h - 1, w - 12, 10, A_NORMAL, a->utf8 ? " more ↓ " : " more v ");
}

#define HINTS(...)                                                                                 \
    do {                                                                                           \
        static const text_hint h[] = {__VA_ARGS__};                                                \
        text_hints(h, sizeof h / sizeof *h, width, out, len);                                      \
        return;                                                                                    \
    } while (0)

/* Priorities: 0 stays longest ("? help", then the way back), the higher
 * the sooner a hint makes room on a narrow terminal. */
void view_hints(app *a, int width, char *out, size_t len)
{
    switch (a->overlay) {
    case OV_HELP:
        HINTS({"↑↓ scroll", 2}, {"q close", 0});
    case OV_DIALOG:
        dialog_hints(a, width, out, len);
        return;
    case OV_CONFIRM:
        if (a->cf.kind == CF_BACKFILL)
            HINTS({"y/Enter create", 1}, {"n/Esc cancel", 1}, {"? help", 0});
        HINTS({"y/Enter yes", 1}, {"n/Esc no", 1}, {"? help", 0});
    case OV_PROMPT:
        HINTS({"Enter accept", 1}, {"Esc cancel", 1});
    case OV_NONE:
        break;
    }
    switch (a->screen) {
    case SCR_LIST:
        HINTS({"Enter open", 2}, {"p pause", 5}, {"t trigger", 3}, {"b backfill", 4},
              {"/ filter", 2}, {"? help", 0}, {"q quit", 1});
    case SCR_GRID:
        HINTS({"Enter/l log", 2}, {"c clear", 3}, {"f/s mark", 4}, {"p pause", 7}, {"t trigger", 5},
              {"b backfill", 6}, {"? help", 0}, {"q back", 1});
    case SCR_LOG:
        HINTS({"PgUp/PgDn scroll", 3}, {"G end+follow", 2}, {"g top", 4}, {"? help", 0},
              {"q back", 1});
    }
    out[0] = '\0';
}
