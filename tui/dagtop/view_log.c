/* One task's log: the latest try, fetched by offset and followed while the
 * task runs (on its events, and every half second). */
#include "states.h"
#include "tui_draw.h"
#include "tui_text.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <stdlib.h>
#include <string.h>

static int text_rows(void)
{
    int r = LINES - 2;
    return r < 1 ? 1 : r;
}

static int last_top(app *a)
{
    return scroll_max((int)logbuf_lines(&a->logv.buf), text_rows());
}

void log_text_arrived(app *a)
{
    log_view *lv = &a->logv;
    /* Lines dropped from the head move what is on screen up. */
    size_t gone = lv->buf.dropped_lines - lv->seen_dropped;
    lv->seen_dropped = lv->buf.dropped_lines;
    lv->sc.top = lv->sc.top > (int)gone ? lv->sc.top - (int)gone : 0;
    if (lv->sc.follow)
        lv->sc.top = last_top(a);
}

/* Following resumes at the end, stops when scrolled up (scroll_by). */
static scroller *log_scroll(app *a, int *lines, int *page)
{
    *lines = (int)logbuf_lines(&a->logv.buf);
    *page = text_rows();
    return &a->logv.sc;
}
static int act_left(app *a)
{
    a->logv.hscroll = a->logv.hscroll >= 8 ? a->logv.hscroll - 8 : 0;
    return RD_DRAW;
}
static int act_right(app *a)
{
    a->logv.hscroll += 8;
    return RD_DRAW;
}
static int act_back(app *a)
{
    app_close_log(a);
    return RD_DRAW;
}

static const key_action log_keys[] = {
    {TK_FN(KEY_UP), "↑ k", "scroll up a line", view_line_up},
    {'k', NULL, NULL, view_line_up},
    {TK_FN(KEY_DOWN), "↓ j", "scroll down a line", view_line_down},
    {'j', NULL, NULL, view_line_down},
    {TK_FN(KEY_PPAGE), "PgUp PgDn", "a page up / down", view_page_up},
    {TK_FN(KEY_NPAGE), NULL, NULL, view_page_down},
    {' ', NULL, NULL, view_page_down},
    {TK_FN(KEY_HOME), "Home g", "the top", view_first},
    {'g', NULL, NULL, view_first},
    {TK_FN(KEY_END), "End G", "the end, and follow new output", view_last},
    {'G', NULL, NULL, view_last},
    {TK_FN(KEY_LEFT), "← →  h l", "scroll sideways", act_left},
    {'h', NULL, NULL, act_left},
    {TK_FN(KEY_RIGHT), NULL, NULL, act_right},
    {'l', NULL, NULL, act_right},
    {'?', "?", "help", help_open},
    {'q', "q Esc", "back to the grid", act_back},
    {TK_ESC, NULL, NULL, act_back},
    {0, NULL, NULL, NULL},
};

static void log_draw(app *a)
{
    log_view *lv = &a->logv;
    attr_t bar = theme_attr(ROLE_BAR);
    draw_fill(0, 0, COLS, bar);
    char title[512];
    const char *live = lv->finished ? "" : lv->sc.follow ? "  following" : "  (G follows)";
    if (lv->try_number)
        snprintf(title, sizeof title, " %s  %s  %s  try %d  %s%s", lv->dag_id, lv->run_id,
                 lv->task_id, lv->try_number, lv->state, live);
    else
        snprintf(title, sizeof title, " %s  %s  %s", lv->dag_id, lv->run_id, lv->task_id);
    draw_text(0, 0, COLS, bar, title);

    int rows = text_rows();
    size_t n = logbuf_lines(&lv->buf);
    if (lv->sc.top > last_top(a))
        lv->sc.top = last_top(a);
    int y = 1;
    if (n == 0) {
        draw_text(y, 1, COLS - 1, theme_attr(ROLE_DIM),
                  lv->error[0]    ? lv->error
                  : lv->in_flight ? "loading…"
                                  : "(no output yet)");
        return;
    }
    char *clean = xmalloc(4096);
    for (int i = 0; i < rows && (size_t)(lv->sc.top + i) < n; i++) {
        size_t len;
        const char *s = logbuf_line(&lv->buf, (size_t)lv->sc.top + (size_t)i, &len);
        size_t k = text_clean_line(s, len, a->utf8, clean, 4096);
        /* Skip HSCROLL columns. */
        int skipped;
        size_t off = text_fit(clean, k, lv->hscroll, &skipped);
        draw_text(y + i, 0, COLS, A_NORMAL, clean + off);
    }
    free(clean);
    if (lv->buf.dropped_lines && lv->sc.top == 0)
        draw_textf(1, 0, COLS, theme_attr(ROLE_DIM), "[%zu earlier bytes not kept]",
                   lv->buf.dropped_bytes);
}

static void log_hints(app *a, int width, char *out, size_t len)
{
    (void)a;
    VIEW_HINTS(width, out, len, {"PgUp/PgDn scroll", 3}, {"G end+follow", 2}, {"g top", 4},
               {"? help", 0}, {"q back", 1});
}

const view view_log = {
    .title = "Log",
    .keys = log_keys,
    .draw = log_draw,
    .hints = log_hints,
    .scroll_of = log_scroll,
    .fetch = app_log_fetch,
};
