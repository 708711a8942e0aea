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
        if (try_number > lv->latest_try)
            lv->latest_try = try_number;
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
    lv->match_line = -1;
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
    lv->search[0] = '\0';
    grid_cell *c = grid_cell_at(&a->gv.g, (size_t)a->gv.cur_run, (size_t)a->gv.cur_task);
    lv->latest_try = c->state == CELL_ABSENT ? 0 : c->try_number;
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

/* ---- the tries ---- */

static int show_try(app *a, int try_number)
{
    log_view *lv = &a->logv;
    if (try_number < 1 || try_number > lv->latest_try || try_number == lv->try_number)
        return RD_NONE;
    log_restart(lv, try_number);
    app_log_fetch(a);
    return RD_DRAW;
}
static int act_prev_try(app *a)
{
    if (a->logv.try_number <= 1)
        app_status(a, false, "this is the first try");
    return show_try(a, a->logv.try_number - 1) | RD_DRAW;
}
static int act_next_try(app *a)
{
    if (a->logv.try_number >= a->logv.latest_try)
        app_status(a, false, "this is the latest try");
    return show_try(a, a->logv.try_number + 1) | RD_DRAW;
}

/* ---- search: case-blind, on the text as shown ---- */

static bool line_has(app *a, size_t i, const char *pat, char *clean, size_t cap, size_t *at)
{
    size_t len;
    const char *s = logbuf_line(&a->logv.buf, i, &len);
    text_clean_line(s, len, a->utf8, clean, cap);
    const char *m = strcasestr(clean, pat);
    if (m && at)
        *at = (size_t)(m - clean);
    return m != NULL;
}

/* The next line from FROM (DIR 1 down, -1 up, wrapping once) with a match. */
static long find_match(app *a, long from, int dir)
{
    log_view *lv = &a->logv;
    long n = (long)logbuf_lines(&lv->buf);
    if (!lv->search[0] || n == 0)
        return -1;
    char *clean = xmalloc(4096);
    long found = -1;
    for (long k = 0; k < n && found < 0; k++) {
        long i = ((from + dir * k) % n + n) % n;
        if (line_has(a, (size_t)i, lv->search, clean, 4096, NULL))
            found = i;
    }
    free(clean);
    return found;
}

static int go_match(app *a, long from, int dir)
{
    log_view *lv = &a->logv;
    long i = find_match(a, from, dir);
    if (i < 0) {
        if (lv->search[0])
            app_status(a, true, "no match for \"%s\"", lv->search);
        return RD_DRAW;
    }
    lv->match_line = i;
    lv->sc.follow = false;
    int rows = text_rows();
    if (i < lv->sc.top || i >= lv->sc.top + rows)
        lv->sc.top = (int)(i > 2 ? i - 2 : 0);
    if (lv->sc.top > last_top(a))
        lv->sc.top = last_top(a);
    return RD_DRAW;
}

void log_search_set(app *a, const char *text)
{
    log_view *lv = &a->logv;
    snprintf(lv->search, sizeof lv->search, "%s", text);
    lv->match_line = -1;
    go_match(a, lv->sc.top, 1);
    a->dirty = true;
}

static int act_search(app *a)
{
    prompt_open(a, PR_SEARCH, NULL);
    return RD_DRAW;
}
static int act_next_match(app *a)
{
    log_view *lv = &a->logv;
    return go_match(a, lv->match_line >= 0 ? lv->match_line + 1 : lv->sc.top, 1);
}
static int act_prev_match(app *a)
{
    log_view *lv = &a->logv;
    return go_match(a, lv->match_line >= 0 ? lv->match_line - 1 : lv->sc.top, -1);
}

static const key_action log_keys[] = {
    {'[', "[ ]", "the previous / next try of the task", act_prev_try},
    {']', NULL, NULL, act_next_try},
    {'/', "/", "search the log (case-blind)", act_search},
    {'n', "n N", "next / previous match", act_next_match},
    {'N', NULL, NULL, act_prev_match},
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
    int of = lv->latest_try > lv->try_number ? lv->latest_try : lv->try_number;
    /* The state is the instance's: it says nothing of an earlier try. */
    if (lv->try_number)
        snprintf(title, sizeof title, " %s  %s  try %d of %d  %s%s  %s", lv->task_id,
                 lv->try_number < of ? "earlier try" : lv->state, lv->try_number, of, lv->dag_id,
                 live, lv->run_id);
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
        /* The search's matches stand out; the current one's line too. */
        const char *m = lv->search[0] ? strcasestr(clean, lv->search) : NULL;
        if (m && (size_t)(m - clean) >= off) {
            char before[4096];
            snprintf(before, sizeof before, "%.*s", (int)((size_t)(m - clean) - off), clean + off);
            int mx = text_width(before);
            char hit[sizeof lv->search * 4];
            snprintf(hit, sizeof hit, "%.*s", (int)strlen(lv->search), m);
            bool current = lv->sc.top + i == lv->match_line;
            if (mx < COLS)
                draw_text(y + i, mx, COLS - mx, current ? A_REVERSE : A_REVERSE | A_DIM, hit);
        }
    }
    free(clean);
    if (lv->buf.dropped_lines && lv->sc.top == 0)
        draw_textf(1, 0, COLS, theme_attr(ROLE_DIM), "[%zu earlier bytes not kept]",
                   lv->buf.dropped_bytes);
}

static void log_hints(app *a, int width, char *out, size_t len)
{
    (void)a;
    VIEW_HINTS(width, out, len, {"[/] tries", 2}, {"/ search", 3}, {"PgUp/PgDn scroll", 5},
               {"G end+follow", 4}, {"g top", 6}, {"? help", 0}, {"q back", 1});
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
