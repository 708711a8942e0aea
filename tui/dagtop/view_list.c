/* The DAG list: id, paused mark, schedule, next run, recent run states,
 * running count, and the load error of a broken file. Sorted by id. */
#include "states.h"
#include "timeutil.h"
#include "tui_draw.h"
#include "tui_text.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <stdlib.h>
#include <string.h>

size_t list_filtered(app *a, size_t *idx, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < a->dags.n && n < cap; i++)
        if (!a->lv.filter[0] || strcasestr(a->dags.rows[i].dag_id, a->lv.filter))
            idx[n++] = i;
    return n;
}

/* The filtered rows, allocated (the list may hold any number of DAGs). */
static size_t filtered(app *a, size_t **idx)
{
    *idx = xcalloc(a->dags.n ? a->dags.n : 1, sizeof **idx);
    return list_filtered(a, *idx, a->dags.n);
}

const char *list_selected(app *a)
{
    size_t *idx;
    size_t n = filtered(a, &idx);
    const char *id = NULL;
    if (n) {
        if (a->lv.sc.cur >= (int)n)
            a->lv.sc.cur = (int)n - 1;
        if (a->lv.sc.cur < 0)
            a->lv.sc.cur = 0;
        id = a->dags.rows[idx[a->lv.sc.cur]].dag_id;
    }
    free(idx);
    return id;
}

void list_keep_cursor(app *a, const char *dag_id)
{
    if (!dag_id)
        return;
    size_t *idx;
    size_t n = filtered(a, &idx);
    for (size_t i = 0; i < n; i++)
        if (strcmp(a->dags.rows[idx[i]].dag_id, dag_id) == 0)
            a->lv.sc.cur = (int)i;
    free(idx);
}

static bool request_dags_page(app *a, long long offset)
{
    return tc_request(&a->conn, "dags", json_pack("{s:I}", "offset", (json_int_t)offset),
                      view_list.on_reply, NULL) != 0;
}

/* The dags come in pages (no reply is too big to be sent): the list is
 * replaced once every page has arrived. */
static void dags_reply(void *owner, const tui_reply *r, void *ud)
{
    (void)ud;
    app *a = owner;
    a->dags_in_flight = false;
    if (r->ok) {
        bool more;
        long long next;
        page_info(r->result, &more, &next);
        int rc = a->dags_part.rows ? dag_list_append(&a->dags_part, r->result)
                                   : dag_list_load(&a->dags_part, r->result);
        if (rc == 0 && more && next > 0 && a->connected && request_dags_page(a, next)) {
            a->dags_in_flight = true; /* the next page */
            return;
        }
        const char *sel = a->dags_loaded ? list_selected(a) : NULL;
        char *keep = sel ? xstrdup(sel) : NULL;
        if (rc == 0) {
            dag_list_free(&a->dags);
            a->dags = a->dags_part;
            a->dags_part = (dag_list){0};
            a->dags_loaded = true;
            list_keep_cursor(a, keep);
            app_trace(a, "dags n=%zu", a->dags.n);
        }
        free(keep);
        dag_list_free(&a->dags_part);
    } else if (!app_reply_dropped(r)) {
        app_status_reply(a, "dags", r);
    }
    a->dirty = true;
    if (a->dags_stale && a->connected) {
        a->dags_stale = false;
        list_fetch(a);
    }
}

void list_fetch(app *a)
{
    if (a->dags_in_flight) {
        a->dags_stale = true;
        return;
    }
    dag_list_free(&a->dags_part);
    if (request_dags_page(a, 0))
        a->dags_in_flight = true;
}

/* The cursor moves over the DAGs the filter passes. */
static scroller *list_scroll(app *a, int *lines, int *page)
{
    size_t *idx;
    *lines = (int)filtered(a, &idx);
    free(idx);
    *page = LINES - 4 < 1 ? 1 : LINES - 4;
    return &a->lv.sc;
}

static int act_open(app *a)
{
    const char *id = list_selected(a);
    if (id)
        app_open_grid(a, id);
    return RD_DRAW;
}

static int act_pause(app *a)
{
    const char *id = list_selected(a);
    if (id)
        confirm_open(a, id);
    return RD_DRAW;
}

static int act_trigger(app *a)
{
    const char *id = list_selected(a);
    if (id)
        prompt_open(a, PR_TRIGGER_DATE, id);
    return RD_DRAW;
}

static int act_backfill(app *a)
{
    const char *id = list_selected(a);
    if (id)
        prompt_open(a, PR_BACKFILL_FROM, id);
    return RD_DRAW;
}

static int act_filter(app *a)
{
    prompt_open(a, PR_FILTER, NULL);
    return RD_DRAW;
}

static int act_clear_filter(app *a)
{
    a->lv.filter[0] = '\0';
    return RD_DRAW;
}

static int act_quit(app *a)
{
    (void)a;
    return RD_QUIT;
}

static const key_action list_keys[] = {
    {TK_FN(KEY_UP), "↑ k", "previous DAG", view_line_up},
    {'k', NULL, NULL, view_line_up},
    {TK_FN(KEY_DOWN), "↓ j", "next DAG", view_line_down},
    {'j', NULL, NULL, view_line_down},
    {TK_FN(KEY_PPAGE), "PgUp PgDn", "a page up / down", view_page_up},
    {TK_FN(KEY_NPAGE), NULL, NULL, view_page_down},
    {TK_FN(KEY_HOME), "Home g", "first DAG", view_first},
    {'g', NULL, NULL, view_first},
    {TK_FN(KEY_END), "End G", "last DAG", view_last},
    {'G', NULL, NULL, view_last},
    {TK_ENTER, "Enter → l", "open the DAG's grid", act_open},
    {TK_FN(KEY_RIGHT), NULL, NULL, act_open},
    {'l', NULL, NULL, act_open},
    {'p', "p", "pause / unpause the DAG (asks y/n)", act_pause},
    {'t', "t", "trigger a run (date, then params)", act_trigger},
    {'b', "b", "backfill a date range", act_backfill},
    {'/', "/", "filter DAGs by id", act_filter},
    {TK_ESC, "Esc", "clear the filter", act_clear_filter},
    {'?', "?", "help", help_open},
    {'q', "q", "quit", act_quit},
    {0, NULL, NULL, NULL},
};

/* Column widths of the list. */
enum { W_MARK = 2, W_SCHED = 14, W_NEXT = 9, W_RECENT = RECENT_MAX, W_RUN = 7 };

static void draw_row(app *a, const dag_row *r, int y, int id_w, bool cur)
{
    bool u = a->utf8;
    attr_t base = cur ? theme_attr(ROLE_CURSOR) : A_NORMAL;
    if (cur)
        draw_fill(y, 0, COLS, base);
    int x = 0;
    /* A mark that shows the cursor without colour or reverse video too. */
    if (cur)
        draw_text(y, x, 1, base | A_BOLD, u ? "▸" : ">");
    if (r->paused)
        draw_text(y, x + 1, 1, base | theme_attr(ROLE_PAUSED), u ? "‖" : "P");
    x += W_MARK;
    draw_text(y, x, id_w, base | (r->error ? theme_attr(ROLE_ERROR) : 0), r->dag_id);
    x += id_w + 1;
    draw_text(y, x, W_SCHED, base, r->schedule ? r->schedule : "broken");
    x += W_SCHED + 1;
    char next[32] = "-";
    if (r->paused)
        snprintf(next, sizeof next, "paused");
    else if (r->has_next)
        text_relative(r->next_start_us - time_now_us(), next, sizeof next);
    draw_text(y, x, W_NEXT, base, next);
    x += W_NEXT + 1;
    for (int k = 0; k < r->n_recent; k++)
        draw_text(y, x + k, 1, base | theme_run_attr(r->recent[k]),
                  theme_run_glyph(r->recent[k], u));
    x += W_RECENT + 1;
    if (r->running)
        draw_textf(y, x, W_RUN, base | theme_ti_attr(TI_RUNNING), "%d %s", r->running,
                   theme_ti_glyph(TI_RUNNING, u));
}

static void list_draw(app *a)
{
    char title[160];
    snprintf(title, sizeof title, " dagtop — %zu DAG%s%s%s%s", a->dags.n, a->dags.n == 1 ? "" : "s",
             a->lv.filter[0] ? "  filter: \"" : "", a->lv.filter, a->lv.filter[0] ? "\"" : "");
    draw_fill(0, 0, COLS, theme_attr(ROLE_BAR));
    draw_text(0, 0, COLS, theme_attr(ROLE_BAR), title);
    draw_text(0, COLS - 9, 9, theme_attr(ROLE_BAR), "? help ");

    size_t *idx;
    size_t n = filtered(a, &idx);
    int id_w = 10;
    for (size_t i = 0; i < n; i++) {
        int w = (int)strlen(a->dags.rows[idx[i]].dag_id);
        if (w > id_w)
            id_w = w;
    }
    int fixed = W_MARK + 1 + W_SCHED + 1 + W_NEXT + 1 + W_RECENT + 1 + W_RUN;
    if (id_w > COLS - fixed)
        id_w = COLS - fixed < 6 ? 6 : COLS - fixed;
    int x = W_MARK;
    attr_t h = theme_attr(ROLE_HEADER);
    draw_text(1, x, id_w, h, "DAG");
    x += id_w + 1;
    draw_text(1, x, W_SCHED, h, "SCHEDULE");
    x += W_SCHED + 1;
    draw_text(1, x, W_NEXT, h, "NEXT RUN");
    x += W_NEXT + 1;
    draw_text(1, x, W_RECENT, h, "RECENT");
    x += W_RECENT + 1;
    draw_text(1, x, W_RUN, h, "RUNNING");

    int y0 = 2, rows = LINES - 3;
    if (rows < 1)
        rows = 1;
    if (!a->dags_loaded) {
        draw_text(y0, 2, COLS - 2, theme_attr(ROLE_DIM),
                  a->ever_connected ? "loading…" : "waiting for the agent…");
        free(idx);
        return;
    }
    if (n == 0) {
        draw_text(y0, 2, COLS - 2, theme_attr(ROLE_DIM),
                  a->lv.filter[0] ? "no DAG matches the filter (Esc clears it)"
                                  : "no DAGs: put *.ini files in the agent's dags_dir");
        free(idx);
        return;
    }
    if (a->lv.sc.cur >= (int)n)
        a->lv.sc.cur = (int)n - 1;
    if (a->lv.sc.cur < 0)
        a->lv.sc.cur = 0;
    /* Display lines: a DAG, and under a broken one its error. */
    int *line_of = xcalloc(n + 1, sizeof *line_of);
    int lines = 0;
    for (size_t i = 0; i < n; i++) {
        line_of[i] = lines;
        lines += a->dags.rows[idx[i]].error ? 2 : 1;
    }
    line_of[n] = lines;
    int cur_first = line_of[a->lv.sc.cur], cur_last = line_of[a->lv.sc.cur + 1] - 1;
    scroll_show(&a->lv.sc.top, cur_first, cur_last, lines, rows);
    for (size_t i = 0; i < n; i++) {
        const dag_row *r = &a->dags.rows[idx[i]];
        int y = y0 + line_of[i] - a->lv.sc.top;
        if (y >= y0 && y < y0 + rows)
            draw_row(a, r, y, id_w, (int)i == a->lv.sc.cur);
        if (r->error && y + 1 >= y0 && y + 1 < y0 + rows)
            draw_textf(y + 1, W_MARK + 2, COLS - W_MARK - 2, theme_attr(ROLE_ERROR), "%s %s",
                       a->utf8 ? "✗" : "x", r->error);
    }
    free(line_of);
    free(idx);
}

int list_mouse(app *a, int y, int x)
{
    (void)x;
    size_t *idx;
    size_t n = filtered(a, &idx);
    int line = y - 2 + a->lv.sc.top, hit = -1;
    for (size_t i = 0, l = 0; i < n && y >= 2 && y < LINES - 1; i++) {
        size_t h = a->dags.rows[idx[i]].error ? 2 : 1;
        if (line >= (int)l && line < (int)(l + h))
            hit = (int)i;
        l += h;
    }
    free(idx);
    if (hit < 0)
        return RD_NONE;
    a->lv.sc.cur = hit;
    if (list_mouse_twice(a, hit))
        return act_open(a);
    return RD_DRAW;
}

static void list_hints(app *a, int width, char *out, size_t len)
{
    (void)a;
    VIEW_HINTS(width, out, len, {"Enter open", 2}, {"p pause", 5}, {"t trigger", 3},
               {"b backfill", 4}, {"/ filter", 2}, {"? help", 0}, {"q quit", 1});
}

const view view_list = {
    .title = "DAG list",
    .keys = list_keys,
    .cursor = true,
    .draw = list_draw,
    .hints = list_hints,
    .scroll_of = list_scroll,
    .fetch = list_fetch,
    .on_reply = dags_reply,
};
