/* Clear / mark failed / mark success on the cell under the cursor: one
 * dialog with Airflow's toggles and the task instances it will touch, asked
 * of the agent as a dry run each time a toggle changes. */
#include "tui_draw.h"
#include "tui_text.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const tog_names[TOG_COUNT] = {"downstream", "upstream", "past", "future",
                                                 "failed only"};
static const char tog_keys[TOG_COUNT] = {'d', 'u', 'p', 'f', 'o'};
static const char *const tog_args[TOG_COUNT] = {"downstream", "upstream", "past", "future",
                                                "failed_only"};

static const char *verb(enum dialog_kind k)
{
    return k == DLG_CLEAR ? "clear" : "mark";
}

static json_t *args(const dialog *d, bool dry_run)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "dag_id", d->dag_id, "run_id", d->run_id,
                          "task_id", d->task_id, "dry_run", dry_run);
    for (int i = 0; i < TOG_COUNT; i++) {
        if (i == TOG_FAILED_ONLY && d->kind != DLG_CLEAR)
            continue;
        json_object_set_new(o, tog_args[i], json_boolean(d->tog[i]));
    }
    if (d->kind != DLG_CLEAR)
        json_object_set_new(o, "state",
                            json_string(d->kind == DLG_MARK_SUCCESS ? "success" : "failed"));
    return o;
}

/* The list in a clear / mark result, as "run_id  task_id" lines. */
static void take_items(dialog *d, json_t *result)
{
    strlist_free(&d->items);
    json_t *list = json_object_get(result, d->kind == DLG_CLEAR ? "cleared" : "marked");
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *r = json_string_value(json_object_get(e, "run_id"));
        const char *t = json_string_value(json_object_get(e, "task_id"));
        char *line = xasprintf("%s  %s", r ? r : "?", t ? t : "?");
        strlist_push(&d->items, line);
        free(line);
    }
}

static void preview_reply(void *owner, const tui_reply *r, void *ud)
{
    app *a = owner;
    dialog *d = &a->dlg;
    if (a->overlay != OV_DIALOG || (unsigned)(uintptr_t)ud != d->seq)
        return;
    d->loading = false;
    if (r->ok) {
        json_t *res = tj_parse(r->result);
        take_items(d, res);
        json_decref(res);
        d->error[0] = '\0';
    } else if (r->code && strcmp(r->code, "disconnected") != 0) {
        snprintf(d->error, sizeof d->error, "%s: %s", r->code, r->message ? r->message : "");
        if (strcmp(r->code, "unknown_command") == 0)
            app_status_reply(a, verb(d->kind), r);
    }
    a->dirty = true;
}

void dialog_preview(app *a)
{
    dialog *d = &a->dlg;
    d->seq++;
    d->loading = true;
    if (!tc_request(&a->conn, verb(d->kind), args(d, true), view_dialog.on_reply,
                    (void *)(uintptr_t)d->seq)) {
        d->loading = false;
        snprintf(d->error, sizeof d->error, "not connected to the agent");
    }
}

void dialog_open(app *a, enum dialog_kind kind)
{
    const char *run_id, *task_id;
    if (!grid_cursor_cell(a, &run_id, &task_id))
        return;
    dialog *d = &a->dlg;
    dialog_close(a);
    d->kind = kind;
    d->dag_id = xstrdup(a->gv.dag_id);
    d->run_id = xstrdup(run_id);
    d->task_id = xstrdup(task_id);
    memset(d->tog, 0, sizeof d->tog);
    /* As in Airflow: clearing takes the downstream tasks along by default. */
    d->tog[TOG_DOWNSTREAM] = kind == DLG_CLEAR;
    a->overlay = OV_DIALOG;
    dialog_preview(a);
}

void dialog_close(app *a)
{
    dialog *d = &a->dlg;
    free(d->dag_id);
    free(d->run_id);
    free(d->task_id);
    d->dag_id = d->run_id = d->task_id = NULL;
    strlist_free(&d->items);
    d->error[0] = '\0';
    d->sc.top = 0;
    d->applying = d->loading = false;
    d->seq++;
    if (a->overlay == OV_DIALOG)
        a->overlay = OV_NONE;
}

static void apply_reply(void *owner, const tui_reply *r, void *ud)
{
    app *a = owner;
    enum dialog_kind kind = (enum dialog_kind)(uintptr_t)ud;
    if (r->ok) {
        json_t *res = tj_parse(r->result);
        size_t n = json_array_size(json_object_get(res, kind == DLG_CLEAR ? "cleared" : "marked"));
        json_decref(res);
        app_status(a, false, "%s %zu task instance%s%s", kind == DLG_CLEAR ? "cleared" : "marked",
                   n, n == 1 ? "" : "s",
                   kind == DLG_CLEAR          ? ""
                   : kind == DLG_MARK_SUCCESS ? " success"
                                              : " failed");
        app_want(a, WANT_GRID | WANT_DETAIL | WANT_DAGS);
    } else if (strcmp(r->code, "disconnected") != 0) {
        app_status_reply(a, verb(kind), r);
    }
    if (a->overlay == OV_DIALOG && a->dlg.applying)
        dialog_close(a);
}

static int act_apply(app *a)
{
    dialog *d = &a->dlg;
    if (d->applying)
        return RD_NONE;
    if (tc_request(&a->conn, verb(d->kind), args(d, false), apply_reply,
                   (void *)(uintptr_t)d->kind))
        d->applying = true;
    else
        app_status(a, true, "not connected to the agent");
    return RD_DRAW;
}

static int act_cancel(app *a)
{
    dialog_close(a);
    return RD_DRAW;
}

static int toggle(app *a, int which)
{
    dialog *d = &a->dlg;
    if (which == TOG_FAILED_ONLY && d->kind != DLG_CLEAR)
        return RD_NONE;
    d->tog[which] = !d->tog[which];
    d->sc.top = 0;
    dialog_preview(a);
    return RD_DRAW;
}

static int act_down(app *a)
{
    return toggle(a, TOG_DOWNSTREAM);
}
static int act_up(app *a)
{
    return toggle(a, TOG_UPSTREAM);
}
static int act_past(app *a)
{
    return toggle(a, TOG_PAST);
}
static int act_future(app *a)
{
    return toggle(a, TOG_FUTURE);
}
static int act_failed_only(app *a)
{
    return toggle(a, TOG_FAILED_ONLY);
}

/* The list scrolls until its last item is the first shown. */
static scroller *dialog_scroll(app *a, int *lines, int *page)
{
    *lines = (int)a->dlg.items.n;
    *page = 1;
    return &a->dlg.sc;
}

static const key_action dialog_keys[] = {
    {'d', "d", "toggle downstream", act_down},
    {'u', "u", "toggle upstream", act_up},
    {'p', "p", "toggle past (earlier runs)", act_past},
    {'f', "f", "toggle future (later runs)", act_future},
    {'o', "o", "toggle failed only (clear)", act_failed_only},
    {TK_FN(KEY_UP), "↑ ↓ k j", "scroll the list", view_line_up},
    {'k', NULL, NULL, view_line_up},
    {TK_FN(KEY_DOWN), NULL, NULL, view_line_down},
    {'j', NULL, NULL, view_line_down},
    {'y', "y Enter", "apply", act_apply},
    {TK_ENTER, NULL, NULL, act_apply},
    {'n', "n Esc q", "cancel", act_cancel},
    {TK_ESC, NULL, NULL, act_cancel},
    {'q', NULL, NULL, act_cancel},
    {'?', "?", "help", help_open},
    {0, NULL, NULL, NULL},
};

static void dialog_hints(app *a, int width, char *out, size_t len);

static void dialog_draw(app *a)
{
    dialog *d = &a->dlg;
    int w = COLS - 4 < 76 ? COLS - 4 : 76;
    int list_rows = (int)d->items.n < 3 ? 3 : (int)d->items.n;
    int h = 8 + list_rows;
    if (h > LINES - 2)
        h = LINES - 2;
    list_rows = h - 8;
    if (w < 20 || list_rows < 1)
        return;
    int y = (LINES - 1 - h) / 2, x = (COLS - w) / 2;
    char title[256];
    const char *what = d->kind == DLG_CLEAR          ? "Clear"
                       : d->kind == DLG_MARK_SUCCESS ? "Mark success"
                                                     : "Mark failed";
    snprintf(title, sizeof title, "%s %s", what, d->task_id);
    draw_box(y, x, h, w, title);
    int iw = w - 4, ix = x + 2;
    draw_textf(y + 1, ix, iw, A_NORMAL, "run %s", d->run_id);
    /* Toggles on two lines so they fit 80 columns. */
    int tx = ix;
    for (int i = 0; i < TOG_COUNT; i++) {
        if (i == TOG_FAILED_ONLY && d->kind != DLG_CLEAR)
            continue;
        int ty = y + 2 + (i >= 3);
        if (i == 3)
            tx = ix;
        char t[64];
        snprintf(t, sizeof t, "[%s] %c %s", d->tog[i] ? "x" : " ", tog_keys[i], tog_names[i]);
        tx += draw_text(ty, tx, ix + iw - tx, d->tog[i] ? A_BOLD : A_NORMAL, t) + 3;
    }
    int ly = y + 5;
    if (d->error[0]) {
        draw_text(ly, ix, iw, theme_attr(ROLE_ERROR), d->error);
    } else if (d->loading && d->items.n == 0) {
        draw_text(ly, ix, iw, theme_attr(ROLE_DIM), "asking the agent…");
    } else {
        draw_textf(ly, ix, iw, A_BOLD, "%zu task instance%s will be %s%s:", d->items.n,
                   d->items.n == 1 ? "" : "s", d->kind == DLG_CLEAR ? "cleared" : "marked ",
                   d->kind == DLG_CLEAR          ? ""
                   : d->kind == DLG_MARK_SUCCESS ? "success"
                                                 : "failed");
        /* When the list is longer, its last row says how many more: a row
         * of its own, so no item's text shows past it. */
        int rest = (int)d->items.n - d->sc.top;
        int shown = rest > list_rows ? list_rows - 1 : rest;
        for (int i = 0; i < shown; i++)
            draw_text(ly + 1 + i, ix + 2, iw - 2, A_NORMAL, d->items.items[d->sc.top + i]);
        if (shown < rest) {
            draw_fill(ly + list_rows, ix, iw, A_NORMAL);
            draw_textf(ly + list_rows, ix + 2, iw - 2, theme_attr(ROLE_DIM), "… %d more (j/k)",
                       rest - shown);
        }
    }
    char hints[160];
    dialog_hints(a, iw, hints, sizeof hints);
    draw_text(y + h - 2, ix, iw, A_NORMAL, d->applying ? "applying…" : hints);
}

void dialog_hints(app *a, int width, char *out, size_t len)
{
    /* Mark has no "failed only": only clear advertises o. */
    text_hint h[] = {{"y/Enter apply", 1},
                     {"n/Esc cancel", 1},
                     {a->dlg.kind == DLG_CLEAR ? "d u p f o toggle" : "d u p f toggle", 2},
                     {"? help", 0}};
    text_hints(h, sizeof h / sizeof *h, width, out, len);
}

const view view_dialog = {
    .title = "Clear / mark dialog",
    .keys = dialog_keys,
    .draw = dialog_draw,
    .hints = dialog_hints,
    .scroll_of = dialog_scroll,
    .fetch = dialog_preview,
    .on_reply = preview_reply,
};
