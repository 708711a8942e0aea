/* The views over one reply, opened from the grid: the run under the cursor
 * (`run`: type, who, params, times, its tasks as bars on one time axis),
 * the cell's tries with what they ran (`task`), the DAG's audit log
 * (`audit`, newest first) and the cell's dependencies (from the detail).
 * Each asks for one page at a time; [ and ] walk the pages. Drawing is in
 * view_info_draw.c. */
#include "tui_views.h"

#include <ncurses.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void info_draw(app *a);

static int page_rows(void)
{
    int r = LINES - 9;
    return r < 5 ? 5 : r;
}

static void info_reply(void *owner, const tui_reply *r, void *ud)
{
    app *a = owner;
    info_view *iv = &a->info;
    if ((unsigned)(uintptr_t)ud != iv->gen || !iv->dag_id)
        return;
    iv->in_flight = false;
    if (r->ok) {
        json_decref(iv->data);
        iv->data = tj_parse(r->result);
        /* The audit's page is {"audit":[…]}; the run's tasks come in its object. */
        iv->more = json_is_true(json_object_get(iv->data, "more"));
        iv->error[0] = '\0';
    } else if (!app_reply_dropped(r)) {
        snprintf(iv->error, sizeof iv->error, "%s: %s", r->code ? r->code : "error",
                 r->message ? r->message : "refused");
    }
    a->dirty = true;
}

static void info_fetch(app *a)
{
    info_view *iv = &a->info;
    if (!iv->dag_id || !a->connected || iv->kind == INFO_DEPS)
        return;
    iv->page_len = iv->kind == INFO_RUN ? page_rows() : LINES - 3 > 5 ? LINES - 3 : 5;
    json_t *args;
    const char *cmd;
    if (iv->kind == INFO_RUN) {
        cmd = "run";
        args = json_pack("{s:s, s:s, s:I, s:i}", "dag_id", iv->dag_id, "run_id", iv->run_id,
                         "offset", (json_int_t)iv->offset, "limit", iv->page_len);
    } else if (iv->kind == INFO_COMMAND) {
        cmd = "task";
        args = json_pack("{s:s, s:s, s:s}", "dag_id", iv->dag_id, "run_id", iv->run_id, "task_id",
                         iv->task_id);
    } else {
        cmd = "audit";
        args = json_pack("{s:s, s:I, s:i}", "dag_id", iv->dag_id, "offset", (json_int_t)iv->offset,
                         "limit", iv->page_len);
    }
    iv->gen++;
    if (tc_request(&a->conn, cmd, args, view_info.on_reply, (void *)(uintptr_t)iv->gen))
        iv->in_flight = true;
}

void info_open(app *a, enum info_kind kind, const char *run_id, const char *task_id)
{
    info_view *iv = &a->info;
    info_close(a);
    iv->kind = kind;
    iv->dag_id = xstrdup(a->gv.dag_id);
    iv->run_id = run_id ? xstrdup(run_id) : NULL;
    iv->task_id = task_id ? xstrdup(task_id) : NULL;
    a->screen = SCR_INFO;
    info_fetch(a);
    a->dirty = true;
}

void info_close(app *a)
{
    info_view *iv = &a->info;
    free(iv->dag_id);
    free(iv->run_id);
    free(iv->task_id);
    json_decref(iv->data);
    unsigned gen = iv->gen + 1; /* replies on their way are dropped */
    memset(iv, 0, sizeof *iv);
    iv->gen = gen;
    if (a->screen == SCR_INFO)
        a->screen = SCR_GRID;
    a->dirty = true;
}

static scroller *info_scroll(app *a, int *lines, int *page)
{
    *lines = a->info.lines;
    *page = LINES - 3 > 1 ? LINES - 3 : 1;
    return &a->info.sc;
}

static int page_to(app *a, long long offset)
{
    info_view *iv = &a->info;
    if (iv->in_flight || offset < 0)
        return RD_NONE;
    iv->offset = offset;
    iv->sc.top = 0;
    info_fetch(a);
    return RD_DRAW;
}

static int act_next_page(app *a)
{
    info_view *iv = &a->info;
    if (!iv->more) {
        app_status(a, false, "this is the last page");
        return RD_DRAW;
    }
    return page_to(a, iv->offset + iv->page_len);
}

static int act_prev_page(app *a)
{
    info_view *iv = &a->info;
    if (iv->offset == 0) {
        app_status(a, false, "this is the first page");
        return RD_DRAW;
    }
    long long to = iv->offset - iv->page_len;
    return page_to(a, to < 0 ? 0 : to);
}

static int act_back(app *a)
{
    info_close(a);
    return RD_DRAW;
}

static const key_action info_keys[] = {
    {TK_FN(KEY_UP), "↑ ↓ k j", "scroll", view_line_up},
    {'k', NULL, NULL, view_line_up},
    {TK_FN(KEY_DOWN), NULL, NULL, view_line_down},
    {'j', NULL, NULL, view_line_down},
    {TK_FN(KEY_PPAGE), "PgUp PgDn", "scroll a page", view_page_up},
    {TK_FN(KEY_NPAGE), NULL, NULL, view_page_down},
    {'[', "[ ]", "the previous / next page from the agent (run's tasks, audit)", act_prev_page},
    {']', NULL, NULL, act_next_page},
    {'?', "?", "help", help_open},
    {'q', "q Esc", "back to the grid", act_back},
    {TK_ESC, NULL, NULL, act_back},
    {0, NULL, NULL, NULL},
};

static void info_hints(app *a, int width, char *out, size_t len)
{
    (void)a;
    VIEW_HINTS(width, out, len, {"[/] pages", 2}, {"PgUp/PgDn scroll", 3}, {"? help", 0},
               {"q back", 1});
}

const view view_info = {
    .title = "Run, command, audit, dependencies (R r A u)",
    .keys = info_keys,
    .draw = info_draw,
    .hints = info_hints,
    .scroll_of = info_scroll,
    .fetch = info_fetch,
    .on_reply = info_reply,
};
