/* Pause / unpause / backfill: a y/n question before the change. A backfill
 * first asks the agent (dry run) how many runs it would create, so that a
 * typo in a year shows as thousands of runs before any is made. */
#include "tui_draw.h"
#include "tui_text.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void confirm_open(app *a, const char *dag_id)
{
    if (!dag_id)
        return;
    int i = dag_list_find(&a->dags, dag_id);
    bool paused = i >= 0 && a->dags.rows[i].paused;
    free(a->cf.dag_id);
    a->cf.dag_id = xstrdup(dag_id);
    a->cf.kind = paused ? CF_UNPAUSE : CF_PAUSE;
    a->overlay = OV_CONFIRM;
}

static void close_confirm(app *a)
{
    free(a->cf.dag_id);
    a->cf.dag_id = NULL;
    a->cf.seq++;
    a->overlay = OV_NONE;
}

static void backfill_reply(void *owner, const tui_reply *r, void *ud)
{
    (void)ud;
    app *a = owner;
    if (r->ok) {
        json_t *o = tj_parse(r->result);
        size_t n = json_array_size(json_object_get(o, "run_ids"));
        app_status(a, false, "backfill: %zu run%s created", n, n == 1 ? "" : "s");
        json_decref(o);
        app_want(a, WANT_DAGS | WANT_GRID);
    } else if (strcmp(r->code, "disconnected") != 0) {
        app_status_reply(a, "backfill", r);
    }
}

static void copy_time(json_t *o, const char *key, char *buf, size_t len)
{
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(buf, len, "%s", s ? s : "");
}

static void preview_reply(void *owner, const tui_reply *r, void *ud)
{
    app *a = owner;
    confirm *c = &a->cf;
    if (a->overlay != OV_CONFIRM || c->kind != CF_BACKFILL || (unsigned)(uintptr_t)ud != c->seq)
        return;
    json_t *o = r->ok ? tj_parse(r->result) : NULL;
    if (r->ok && !json_is_true(json_object_get(o, "dry_run"))) {
        /* An agent without dry runs has made them already: say so. */
        json_decref(o);
        close_confirm(a);
        backfill_reply(owner, r, NULL);
        return;
    }
    if (!r->ok) {
        if (strcmp(r->code, "disconnected") != 0)
            app_status_reply(a, "backfill", r);
        close_confirm(a);
        a->dirty = true;
        return;
    }
    c->loading = false;
    c->count = (int)json_integer_value(json_object_get(o, "count"));
    copy_time(o, "first", c->first, sizeof c->first);
    copy_time(o, "last", c->last, sizeof c->last);
    json_decref(o);
    a->dirty = true;
}

void confirm_backfill(app *a, const char *dag_id, const char *from, const char *to)
{
    confirm *c = &a->cf;
    free(c->dag_id);
    c->dag_id = xstrdup(dag_id);
    c->kind = CF_BACKFILL;
    snprintf(c->from, sizeof c->from, "%s", from);
    snprintf(c->to, sizeof c->to, "%s", to);
    c->loading = true;
    c->count = 0;
    c->first[0] = c->last[0] = '\0';
    c->seq++;
    a->overlay = OV_CONFIRM;
    if (!tc_request(&a->conn, "backfill",
                    json_pack("{s:s, s:s, s:s, s:b}", "dag_id", dag_id, "from", from, "to", to,
                              "dry_run", true),
                    view_confirm.on_reply, (void *)(uintptr_t)c->seq)) {
        app_status(a, true, "not connected to the agent");
        close_confirm(a);
    }
}

static int act_yes(app *a)
{
    confirm *c = &a->cf;
    if (c->kind == CF_BACKFILL) {
        if (c->loading)
            return RD_NONE; /* the count first */
        if (!tc_request(
                &a->conn, "backfill",
                json_pack("{s:s, s:s, s:s}", "dag_id", c->dag_id, "from", c->from, "to", c->to),
                backfill_reply, NULL))
            app_status(a, true, "not connected to the agent");
    } else {
        app_send_pause(a, c->dag_id, c->kind == CF_PAUSE);
    }
    close_confirm(a);
    return RD_DRAW;
}

static int act_no(app *a)
{
    close_confirm(a);
    return RD_DRAW;
}

static const key_action confirm_keys[] = {
    {'y', "y Enter", "yes (pause, unpause, backfill)", act_yes},
    {TK_ENTER, NULL, NULL, act_yes},
    {'n', "n Esc q", "no", act_no},
    {TK_ESC, NULL, NULL, act_no},
    {'q', NULL, NULL, act_no},
    {'?', "?", "help", help_open},
    {0, NULL, NULL, NULL},
};

static void draw_backfill(app *a, int y, int x, int w)
{
    confirm *c = &a->cf;
    int iw = w - 4, ix = x + 2;
    draw_textf(y + 1, ix, iw, A_NORMAL, "from %s to %s", c->from, c->to);
    if (c->loading) {
        draw_text(y + 2, ix, iw, theme_attr(ROLE_DIM), "asking the agent…");
        return;
    }
    draw_textf(y + 2, ix, iw, A_BOLD, "%d run%s will be created", c->count,
               c->count == 1 ? "" : "s");
    if (c->count > 0) {
        char f[32], l[32];
        /* "2026-04-01", with the time when it is not midnight. */
        grid_date_label(c->first, f, sizeof f);
        grid_date_label(c->last, l, sizeof l);
        if (c->count == 1)
            draw_textf(y + 3, ix, iw, A_NORMAL, "for %s", f);
        else
            draw_textf(y + 3, ix, iw, A_NORMAL, "for %s … %s", f, l);
    } else {
        draw_text(y + 3, ix, iw, theme_attr(ROLE_DIM), "every interval in the range has a run");
    }
}

static void confirm_draw(app *a)
{
    bool backfill = a->cf.kind == CF_BACKFILL;
    int w = COLS - 4 < 60 ? COLS - 4 : 60, h = backfill ? 6 : 5;
    if (w < 20)
        return;
    int y = (LINES - 1 - h) / 2, x = (COLS - w) / 2;
    char hints[160];
    view_hints(a, w - 4, hints, sizeof hints);
    if (backfill) {
        char title[200];
        snprintf(title, sizeof title, "Backfill %s", a->cf.dag_id);
        draw_box(y, x, h, w, title);
        draw_backfill(a, y, x, w);
        draw_text(y + 4, x + 2, w - 4, A_BOLD, hints);
        return;
    }
    bool pause = a->cf.kind == CF_PAUSE;
    draw_box(y, x, h, w, pause ? "Pause" : "Unpause");
    draw_textf(y + 1, x + 2, w - 4, A_NORMAL, "%s DAG %s?", pause ? "Pause" : "Unpause",
               a->cf.dag_id);
    draw_text(y + 2, x + 2, w - 4, A_DIM,
              pause ? "no new runs or task starts; running tasks finish"
                    : "scheduling resumes (missed intervals with catchup)");
    draw_text(y + 3, x + 2, w - 4, A_BOLD, hints);
}

static void confirm_hints(app *a, int width, char *out, size_t len)
{
    if (a->cf.kind == CF_BACKFILL)
        VIEW_HINTS(width, out, len, {"y/Enter create", 1}, {"n/Esc cancel", 1}, {"? help", 0});
    else
        VIEW_HINTS(width, out, len, {"y/Enter yes", 1}, {"n/Esc no", 1}, {"? help", 0});
}

const view view_confirm = {
    .title = "Pause question",
    .keys = confirm_keys,
    .draw = confirm_draw,
    .hints = confirm_hints,
    .on_reply = preview_reply,
};
