/* dagtop's glue: connection callbacks, events applied to the models,
 * coalesced refreshes, screen changes, drawing and key dispatch. */
#include "tui_app.h"
#include "states.h"
#include "timeutil.h"
#include "tui_views.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define COALESCE_MS 40  /* a burst of events costs one request */
#define LOG_POLL_MS 500 /* a running task's log, when no event says more */
#define STATUS_KEEP_US (8 * USEC_PER_SEC)
#define LOG_KEEP (1024 * 1024)
#define GRID_LIMIT_MIN 100 /* runs asked for; grows as the cursor goes down */
#define BIG_REPLY (256 * 1024)

static void tracef(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tracef(app *a, const char *fmt, ...)
{
    if (!a->trace)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(a->trace, fmt, ap);
    va_end(ap);
    fputc('\n', a->trace);
    fflush(a->trace);
}

void app_status(app *a, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->status, sizeof a->status, fmt, ap);
    va_end(ap);
    a->status_error = error;
    a->status_at = time_mono_us();
    a->dirty = true;
}

void app_status_reply(app *a, const char *what, const tui_reply *r)
{
    if (r->code && strcmp(r->code, "unknown_command") == 0)
        app_status(a, true, "%s: the agent does not know this command yet (unknown_command)", what);
    else
        app_status(a, true, "%s: %s: %s", what, r->code ? r->code : "error",
                   r->message && *r->message ? r->message : "refused");
}

static bool dropped(const tui_reply *r)
{
    return !r->ok && r->code && strcmp(r->code, "disconnected") == 0;
}

/* ---- requests ---- */

static void request_dags(app *a);
static void request_grid(app *a);
static void request_detail(app *a);

static void dags_reply(void *owner, const tui_reply *r, void *ud)
{
    (void)ud;
    app *a = owner;
    a->dags_in_flight = false;
    if (r->ok) {
        const char *sel = a->dags_loaded ? list_selected(a) : NULL;
        char *keep = sel ? xstrdup(sel) : NULL;
        if (dag_list_load(&a->dags, r->result) == 0) {
            a->dags_loaded = true;
            list_keep_cursor(a, keep);
            tracef(a, "dags n=%zu", a->dags.n);
        }
        free(keep);
    } else if (!dropped(r)) {
        app_status_reply(a, "dags", r);
    }
    a->dirty = true;
    if (a->dags_stale && a->connected) {
        a->dags_stale = false;
        request_dags(a);
    }
}

static void request_dags(app *a)
{
    if (a->dags_in_flight) {
        a->dags_stale = true;
        return;
    }
    if (tc_request(&a->conn, "dags", NULL, dags_reply, NULL))
        a->dags_in_flight = true;
}

static void grid_reply(void *owner, const tui_reply *r, void *ud)
{
    (void)ud;
    app *a = owner;
    grid_view *gv = &a->gv;
    gv->in_flight = false;
    if (!gv->dag_id)
        return;
    if (r->ok) {
        grid_model ng;
        if (grid_model_load(&ng, r->result) != 0) {
            app_status(a, true, "grid: the agent's reply did not parse");
        } else if (strcmp(ng.dag_id, gv->dag_id) != 0) {
            grid_model_free(&ng); /* for a DAG left meanwhile */
        } else {
            const char *run_id = NULL, *task_id = NULL;
            char *keep_run = NULL, *keep_task = NULL;
            if (gv->loaded && grid_cursor_cell(a, &run_id, &task_id)) {
                keep_run = xstrdup(run_id);
                keep_task = xstrdup(task_id);
            }
            grid_model_free(&gv->g);
            gv->g = ng;
            bool first = !gv->loaded;
            gv->loaded = true;
            gv->error[0] = '\0';
            if (!first)
                grid_restore_cursor(a, keep_run, keep_task);
            free(keep_run);
            free(keep_task);
            tracef(a, "grid dag=%s runs=%zu tasks=%zu", gv->g.dag_id, gv->g.n_runs, gv->g.n_tasks);
            request_detail(a);
        }
        /* A big reply leaves freed pages behind: hand them back. */
        if (r->result.n > BIG_REPLY)
            malloc_trim(0);
    } else if (!dropped(r)) {
        snprintf(gv->error, sizeof gv->error, "%s: %s", r->code ? r->code : "error",
                 r->message ? r->message : "");
        app_status_reply(a, "grid", r);
    }
    a->dirty = true;
    if (gv->stale && a->connected) {
        gv->stale = false;
        request_grid(a);
    }
}

static void request_grid(app *a)
{
    grid_view *gv = &a->gv;
    if (!gv->dag_id)
        return;
    if (gv->in_flight) {
        gv->stale = true;
        return;
    }
    if (tc_request(&a->conn, "grid",
                   json_pack("{s:s, s:i}", "dag_id", gv->dag_id, "limit", gv->limit), grid_reply,
                   NULL))
        gv->in_flight = true;
}

static void copy_str(json_t *o, const char *key, char *buf, size_t len)
{
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(buf, len, "%s", s ? s : "");
}

static void detail_reply(void *owner, const tui_reply *r, void *ud)
{
    (void)ud;
    app *a = owner;
    grid_view *gv = &a->gv;
    gv->det_in_flight = false;
    if (r->ok) {
        json_t *o = tj_parse(r->result);
        ti_detail *d = &gv->det;
        memset(d, 0, sizeof *d);
        copy_str(o, "dag_id", d->dag_id, sizeof d->dag_id);
        copy_str(o, "run_id", d->run_id, sizeof d->run_id);
        copy_str(o, "task_id", d->task_id, sizeof d->task_id);
        copy_str(o, "state", d->state, sizeof d->state);
        copy_str(o, "executor", d->executor, sizeof d->executor);
        copy_str(o, "waiting_for", d->waiting, sizeof d->waiting);
        copy_str(o, "start_date", d->start, sizeof d->start);
        d->try_number = (int)json_integer_value(json_object_get(o, "try_number"));
        d->max_tries = (int)json_integer_value(json_object_get(o, "max_tries"));
        const char *s = json_string_value(json_object_get(o, "start_date"));
        d->has_start = s && time_parse(s, "UTC", &d->start_us, NULL, 0) == 0;
        s = json_string_value(json_object_get(o, "end_date"));
        d->has_end = s && time_parse(s, "UTC", &d->end_us, NULL, 0) == 0;
        d->valid = o != NULL;
        json_decref(o);
        a->dirty = true;
    } else if (r->code && strcmp(r->code, "unknown_command") == 0) {
        gv->det_unsupported = true; /* an older agent: the detail line makes do */
    }
    if (gv->det_stale && a->connected) {
        gv->det_stale = false;
        request_detail(a);
    }
}

static void request_detail(app *a)
{
    grid_view *gv = &a->gv;
    const char *run_id, *task_id;
    if (gv->det_unsupported || !gv->loaded || !grid_cursor_cell(a, &run_id, &task_id))
        return;
    if (gv->det_in_flight) {
        gv->det_stale = true;
        return;
    }
    if (tc_request(&a->conn, "task_instance",
                   json_pack("{s:s, s:s, s:s}", "dag_id", gv->dag_id, "run_id", run_id, "task_id",
                             task_id),
                   detail_reply, NULL))
        gv->det_in_flight = true;
}

static void on_coalesced(uv_timer_t *t)
{
    app *a = t->data;
    unsigned w = a->want;
    a->want = 0;
    if (!a->connected)
        return;
    if (w & WANT_DAGS)
        request_dags(a);
    if (w & WANT_GRID)
        request_grid(a);
    if (w & WANT_DETAIL)
        request_detail(a);
}

void app_want(app *a, unsigned what)
{
    a->want |= what;
    if (!uv_is_active((uv_handle_t *)&a->coalesce))
        uv_timer_start(&a->coalesce, on_coalesced, COALESCE_MS, 0);
}

/* ---- log ---- */

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
        copy_str(o, "state", lv->state, sizeof lv->state);
        lv->error[0] = '\0';
        more = !json_is_true(json_object_get(o, "eof"));
        json_decref(o);
        log_text_arrived(a);
        if (!more && !lv->finished)
            uv_timer_start(&a->log_timer, on_log_timer, LOG_POLL_MS, 0);
    } else if (!dropped(r)) {
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
    if (tc_request(&a->conn, "logs", args, log_reply, (void *)(uintptr_t)lv->gen))
        lv->in_flight = true;
}

static void log_restart(log_view *lv, int try_number)
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

/* ---- grid screen ---- */

void app_open_grid(app *a, const char *dag_id)
{
    grid_view *gv = &a->gv;
    app_close_grid(a);
    gv->dag_id = xstrdup(dag_id);
    gv->limit = GRID_LIMIT_MIN;
    a->screen = SCR_GRID;
    request_grid(a);
    a->dirty = true;
}

void app_close_grid(app *a)
{
    grid_view *gv = &a->gv;
    free(gv->dag_id);
    free(gv->keep_run);
    free(gv->keep_task);
    grid_model_free(&gv->g);
    bool unsupported = gv->det_unsupported;
    /* Replies still on their way find no DAG and are dropped. */
    bool in_flight = gv->in_flight, det_in_flight = gv->det_in_flight;
    memset(gv, 0, sizeof *gv);
    gv->in_flight = in_flight;
    gv->det_in_flight = det_in_flight;
    gv->det_unsupported = unsupported;
    a->screen = SCR_LIST;
    a->dirty = true;
}

void grid_after_key(app *a)
{
    /* The cursor went further down than the runs loaded: ask for more. */
    grid_view *gv = &a->gv;
    if (gv->loaded && (int)gv->g.n_runs >= gv->limit && gv->cur_run + 60 >= (int)gv->g.n_runs &&
        gv->limit < 10000) {
        gv->limit = gv->limit * 2 > 10000 ? 10000 : gv->limit * 2;
        request_grid(a);
    }
    app_want(a, WANT_DETAIL);
}

void grid_fetch(app *a)
{
    request_grid(a);
    request_detail(a);
}

void list_fetch(app *a)
{
    request_dags(a);
}

/* ---- events ---- */

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static void on_task_event(app *a, json_t *ev, const char *dag_id)
{
    grid_view *gv = &a->gv;
    const char *run_id = json_string_value(json_object_get(ev, "run_id"));
    const char *task_id = json_string_value(json_object_get(ev, "task_id"));
    int state = ti_state_parse(json_string_value(json_object_get(ev, "state")));
    json_t *tn = json_object_get(ev, "try_number");
    int try_number = json_is_integer(tn) ? (int)json_integer_value(tn) : -1;
    if (!run_id || !task_id)
        return;
    if (same(gv->dag_id, dag_id) && gv->loaded) {
        if (grid_apply_task(&gv->g, run_id, task_id, state, try_number))
            a->dirty = true;
        else
            app_want(a, WANT_GRID);
        /* Also other cells' changes can end a wait (pools, parallelism). */
        app_want(a, WANT_DETAIL);
    }
    log_view *lv = &a->logv;
    if (lv->dag_id && same(lv->dag_id, dag_id) && same(lv->run_id, run_id) &&
        same(lv->task_id, task_id)) {
        if (lv->try_number > 0 && try_number > lv->try_number)
            log_restart(lv, try_number); /* a new try: follow that one */
        app_log_fetch(a);
    }
}

static void on_run_event(app *a, json_t *ev, const char *dag_id)
{
    grid_view *gv = &a->gv;
    const char *run_id = json_string_value(json_object_get(ev, "run_id"));
    int state = run_state_parse(json_string_value(json_object_get(ev, "state")));
    if (!run_id || !same(gv->dag_id, dag_id) || !gv->loaded)
        return;
    if (grid_apply_run(&gv->g, run_id, state)) {
        a->dirty = true;
        return;
    }
    const char *logical = json_string_value(json_object_get(ev, "logical_date"));
    int at = grid_insert_run(&gv->g, run_id, logical, state);
    if (at < 0) {
        app_want(a, WANT_GRID);
        return;
    }
    /* The cursor stays on the run it was on. */
    if (gv->g.n_runs > 1 && at <= gv->cur_run)
        gv->cur_run++;
    a->dirty = true;
}

static void on_event(void *owner, json_t *ev)
{
    app *a = owner;
    const char *kind = json_string_value(json_object_get(ev, "event"));
    const char *dag_id = json_string_value(json_object_get(ev, "dag_id"));
    if (!kind || !dag_id)
        return;
    if (strcmp(kind, "task") == 0) {
        on_task_event(a, ev, dag_id);
    } else if (strcmp(kind, "run") == 0) {
        on_run_event(a, ev, dag_id);
    } else if (strcmp(kind, "dag") == 0) {
        const char *what = json_string_value(json_object_get(ev, "what"));
        if (same(a->gv.dag_id, dag_id) && what && strcmp(what, "paused") != 0 &&
            strcmp(what, "unpaused") != 0)
            app_want(a, WANT_GRID); /* tasks may have changed */
        int i = dag_list_find(&a->dags, dag_id);
        if (i >= 0 && json_is_boolean(json_object_get(ev, "paused"))) {
            a->dags.rows[i].paused = json_is_true(json_object_get(ev, "paused"));
            a->dirty = true;
        }
    }
    /* Running counts, recent states, next runs. */
    app_want(a, WANT_DAGS);
}

/* ---- connection ---- */

static void on_connected(void *owner)
{
    app *a = owner;
    bool again = a->ever_connected;
    a->connected = true;
    a->ever_connected = true;
    a->conn_error[0] = '\0';
    a->gv.det_unsupported = false;
    if (again)
        app_status(a, false, "reconnected to the agent");
    views_fetch(a);
    a->dirty = true;
}

static void on_disconnected(void *owner, const char *why)
{
    app *a = owner;
    a->connected = false;
    snprintf(a->conn_error, sizeof a->conn_error, "%s", why);
    tracef(a, "disconnected");
    a->dirty = true;
}

/* ---- timers and drawing ---- */

static void on_tick(uv_timer_t *t)
{
    app *a = t->data;
    if (a->status_at && time_mono_us() - a->status_at > STATUS_KEEP_US) {
        a->status_at = 0;
        a->status[0] = '\0';
    }
    /* Relative times ("in 3h") and running durations move on. */
    a->dirty = true;
}

static void on_paint(uv_prepare_t *p)
{
    app *a = p->data;
    if (a->dirty && !a->quit)
        app_draw(a);
}

void app_init(app *a, uv_loop_t *loop, const char *socket_path)
{
    memset(a, 0, sizeof *a);
    a->loop = loop;
    logbuf_init(&a->logv.buf, LOG_KEEP);
    tc_callbacks cb = {on_connected, on_disconnected, on_event};
    tc_init(&a->conn, loop, socket_path, &cb, a);
    uv_timer_init(loop, &a->coalesce);
    uv_timer_init(loop, &a->tick);
    uv_timer_init(loop, &a->log_timer);
    uv_prepare_init(loop, &a->painter);
    a->coalesce.data = a->tick.data = a->log_timer.data = a->painter.data = a;
    uv_timer_start(&a->tick, on_tick, 1000, 1000);
    uv_prepare_start(&a->painter, on_paint);
    snprintf(a->conn_error, sizeof a->conn_error, "connecting to %s", socket_path);
    tc_start(&a->conn);
}

void app_free(app *a)
{
    tc_shutdown(&a->conn);
    uv_close((uv_handle_t *)&a->coalesce, NULL);
    uv_close((uv_handle_t *)&a->tick, NULL);
    uv_close((uv_handle_t *)&a->log_timer, NULL);
    uv_close((uv_handle_t *)&a->painter, NULL);
    if (a->overlay == OV_DIALOG)
        dialog_close(a);
    if (a->screen == SCR_LOG)
        app_close_log(a);
    logbuf_free(&a->logv.buf);
    app_close_grid(a);
    dag_list_free(&a->dags);
    free(a->pr.dag_id);
    strlist_free(&a->pr.params);
    free(a->cf.dag_id);
}

/* ---- actions shared by screens ---- */

static void pause_reply(void *owner, const tui_reply *r, void *ud)
{
    app *a = owner;
    bool pause = ud != NULL;
    if (r->ok) {
        json_t *o = tj_parse(r->result);
        const char *id = json_string_value(json_object_get(o, "dag_id"));
        app_status(a, false, "%s %s", id ? id : "DAG", pause ? "paused" : "unpaused");
        json_decref(o);
        app_want(a, WANT_DAGS);
    } else if (!dropped(r)) {
        app_status_reply(a, pause ? "pause" : "unpause", r);
    }
}

void app_send_pause(app *a, const char *dag_id, bool pause)
{
    if (!tc_request(&a->conn, pause ? "pause" : "unpause", json_pack("{s:s}", "dag_id", dag_id),
                    pause_reply, pause ? (void *)1 : NULL))
        app_status(a, true, "not connected to the agent");
}
