/* Dispatch through the view tables: which view is on top, drawing the open
 * ones, keys to the one on top, re-fetching after a reconnect, and the
 * moving keys that every view with a scroller shares. */
#include "tui_draw.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <ncurses.h>

static const view *const screens[] = {
    [SCR_LIST] = &view_list,
    [SCR_GRID] = &view_grid,
    [SCR_LOG] = &view_log,
    [SCR_INFO] = &view_info,
};
static const view *const overlays[] = {
    [OV_NONE] = NULL,           [OV_HELP] = &view_help,       [OV_DIALOG] = &view_dialog,
    [OV_PROMPT] = &view_prompt, [OV_CONFIRM] = &view_confirm,
};

const view *view_screen(app *a)
{
    return screens[a->screen];
}

const view *view_top(app *a)
{
    return a->overlay != OV_NONE ? overlays[a->overlay] : screens[a->screen];
}

void views_fetch(app *a)
{
    /* The list is always under the rest; the grid stays open under its log. */
    view_list.fetch(a);
    if (a->gv.dag_id)
        view_grid.fetch(a);
    if (a->screen == SCR_LOG)
        view_log.fetch(a);
    if (a->screen == SCR_INFO)
        view_info.fetch(a);
    const view *o = overlays[a->overlay];
    if (o && o->fetch)
        o->fetch(a);
}

void view_hints(app *a, int width, char *out, size_t len)
{
    out[0] = '\0';
    const view *v = view_top(a);
    if (v->hints)
        v->hints(a, width, out, len);
}

/* ---- the moving keys ---- */

enum { MV_LINE, MV_PAGE, MV_ALL = 1 << 30 };

static int move_by(app *a, int dir, int how)
{
    const view *v = view_top(a);
    int lines = 0, page = 1;
    scroller *s = v->scroll_of ? v->scroll_of(a, &lines, &page) : NULL;
    if (!s)
        return RD_NONE;
    long d = how == MV_LINE ? 1 : how == MV_PAGE ? page : MV_ALL;
    if (v->cursor)
        scroll_move(s, dir * d, lines);
    else
        scroll_by(s, dir * d, lines, page);
    return RD_DRAW;
}

int view_line_up(app *a)
{
    return move_by(a, -1, MV_LINE);
}
int view_line_down(app *a)
{
    return move_by(a, 1, MV_LINE);
}
int view_page_up(app *a)
{
    return move_by(a, -1, MV_PAGE);
}
int view_page_down(app *a)
{
    return move_by(a, 1, MV_PAGE);
}
int view_first(app *a)
{
    return move_by(a, -1, MV_ALL);
}
int view_last(app *a)
{
    return move_by(a, 1, MV_ALL);
}

/* ---- the mouse: a press selects, a second one on the same opens ---- */

int app_mouse(app *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || !(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
        return RD_NONE;
    if (a->overlay != OV_NONE)
        return RD_NONE;
    int rd = RD_NONE;
    if (a->screen == SCR_LIST)
        rd = list_mouse(a, ev.y, ev.x);
    else if (a->screen == SCR_GRID)
        rd = grid_mouse(a, ev.y, ev.x);
    return rd;
}

/* ---- drawing and keys ---- */

static void draw_status(app *a)
{
    int y = LINES - 1;
    draw_fill(y, 0, COLS, theme_attr(ROLE_BAR));
    if (!a->connected) {
        draw_textf(y, 0, COLS, theme_attr(ROLE_ERROR) | A_REVERSE, " %s: %s ",
                   a->ever_connected ? "disconnected, retrying" : "connecting", a->conn_error);
    } else if (a->status_at) {
        draw_textf(y, 0, COLS,
                   a->status_error ? theme_attr(ROLE_ERROR) | A_REVERSE : theme_attr(ROLE_BAR),
                   " %s", a->status);
    } else {
        char hints[256];
        view_hints(a, COLS - 1, hints, sizeof hints);
        draw_textf(y, 0, COLS, theme_attr(ROLE_BAR), " %s", hints);
    }
}

void app_draw(app *a)
{
    a->dirty = false;
    erase();
    view_screen(a)->draw(a);
    if (a->overlay != OV_NONE)
        overlays[a->overlay]->draw(a);
    draw_status(a);
    wnoutrefresh(stdscr);
    doupdate();
}

int app_key(app *a, int key)
{
    key = keys_normalize(key);
    if (key == TK_FN(KEY_RESIZE))
        return RD_DRAW;
    bool found;
    int rd = keys_run(global_keys, a, key, &found);
    if (found)
        return rd;
    const view *v = view_top(a);
    if (v->key)
        return v->key(a, key);
    rd = keys_run(v->keys, a, key, &found);
    /* The view on top after the key (it may have changed): the grid asks
     * for the cell's detail also when a key brought it back on top. */
    const view *t = view_top(a);
    if (found && t->after_key)
        t->after_key(a);
    return rd;
}
