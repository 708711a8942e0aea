/* One task's log: the latest try, fetched by offset and followed while the
 * task runs (on its events, and every half second). */
#include "states.h"
#include "tui_draw.h"
#include "tui_text.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LOG_POLL_MS 500 /* a running task's log, when no event says more */

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

/* ---- fetching: by offset, following the latest try ---- */

static void on_log_timer(uv_timer_t *t)
{
    app_log_fetch(t->data);
}

static void log_reply(void *owner, const tui_reply *r, void *ud)
{
    app *a = owner;
    log_view *lv = &a->logv;
    if ((unsigned)(uintptr_t)ud != lv->gen || !lv->dag_id)
        return;
    lv->in_flight = false;
    bool more = false;
    if (r->ok) {
        json_t *o = tj_parse(r->result);
        const char *text = json_string_value(json_object_get(o, "text"));
        size_t n = json_string_length(json_object_get(o, "text"));
        int try_number = (int)json_integer_value(json_object_get(o, "try_number"));
        if (lv->try_number == 0)
            lv->try_number = try_number;
        if (text && n)
            logbuf_append(&lv->buf, text, n);
        lv->offset = json_integer_value(json_object_get(o, "offset"));
        lv->finished = json_is_true(json_object_get(o, "finished"));
        app_json_str(o, "state", lv->state, sizeof lv->state);
        lv->error[0] = '\0';
        more = !json_is_true(json_object_get(o, "eof"));
        json_decref(o);
        log_text_arrived(a);
        if (!more && !lv->finished)
            uv_timer_start(&a->log_timer, on_log_timer, LOG_POLL_MS, 0);
    } else if (!app_reply_dropped(r)) {
        /* Typically a task that has not started: no try, no log yet. A task
         * event fetches again. */
        if (lv->try_number == 0 && r->code && strcmp(r->code, "not_found") == 0)
            snprintf(lv->error, sizeof lv->error,
                     "no log yet: the task has not started (this view follows it when it does)");
        else
            snprintf(lv->error, sizeof lv->error, "%s: %s", r->code ? r->code : "error",
                     r->message ? r->message : "no log");
    }
    a->dirty = true;
    if (more || lv->again) {
        lv->again = false;
        app_log_fetch(a);
    }
}

void app_log_fetch(app *a)
{
    log_view *lv = &a->logv;
    if (!lv->dag_id || !a->connected)
        return;
    if (lv->in_flight) {
        lv->again = true;
        return;
    }
    uv_timer_stop(&a->log_timer);
    json_t *args = json_pack("{s:s, s:s, s:s, s:I}", "dag_id", lv->dag_id, "run_id", lv->run_id,
                             "task_id", lv->task_id, "offset", (json_int_t)lv->offset);
    if (lv->try_number > 0)
        json_object_set_new(args, "try", json_integer(lv->try_number));
    if (tc_request(&a->conn, "logs", args, view_log.on_reply, (void *)(uintptr_t)lv->gen))
        lv->in_flight = true;
}

void log_restart(log_view *lv, int try_number)
{
    logbuf_reset(&lv->buf);
    lv->gen++;
    lv->in_flight = false;
    lv->again = false;
    lv->offset = 0;
    lv->try_number = try_number;
    lv->finished = false;
    lv->sc.top = 0;
    lv->seen_dropped = 0;
    lv->sc.follow = true;
    lv->error[0] = '\0';
}

void app_open_log(app *a)
{
    const char *run_id, *task_id;
    if (!a->gv.loaded || !grid_cursor_cell(a, &run_id, &task_id))
        return;
    log_view *lv = &a->logv;
    lv->dag_id = xstrdup(a->gv.dag_id);
    lv->run_id = xstrdup(run_id);
    lv->task_id = xstrdup(task_id);
    lv->hscroll = 0;
    lv->state[0] = '\0';
    log_restart(lv, 0);
    a->screen = SCR_LOG;
    app_log_fetch(a);
    a->dirty = true;
}

void app_close_log(app *a)
{
    log_view *lv = &a->logv;
    uv_timer_stop(&a->log_timer);
    free(lv->dag_id);
    free(lv->run_id);
    free(lv->task_id);
    lv->dag_id = lv->run_id = lv->task_id = NULL;
    log_restart(lv, 0);
    logbuf_free(&lv->buf);
    logbuf_init(&lv->buf, LOG_KEEP);
    a->screen = SCR_GRID;
    a->dirty = true;
}

/* ---- keys and drawing ---- */

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
    .on_reply = log_reply,
};
