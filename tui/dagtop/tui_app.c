/* dagtop's glue: the status line and trace, coalesced refreshes, the
 * connection's callbacks, the timers, start and end. What each view fetches
 * is in its view_*.c; events are in tui_events.c; drawing and keys go
 * through the view tables (tui_views.c). */
#include "tui_app.h"
#include "timeutil.h"
#include "tui_views.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define COALESCE_MS 40 /* a burst of events costs one request */
#define STATUS_KEEP_US (8 * USEC_PER_SEC)

void app_trace(app *a, const char *fmt, ...)
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

void page_info(tj_span result, bool *more, long long *next_offset)
{
    tj_span v;
    *more = tj_member(result, "more", &v) && tj_is_true(v);
    *next_offset = -1;
    if (tj_member(result, "next_offset", &v) && !tj_int(v, next_offset))
        *next_offset = -1;
}

bool app_reply_dropped(const tui_reply *r)
{
    return !r->ok && r->code && strcmp(r->code, "disconnected") == 0;
}

void app_json_str(json_t *o, const char *key, char *buf, size_t len)
{
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(buf, len, "%s", s ? s : "");
}

static void on_coalesced(uv_timer_t *t)
{
    app *a = t->data;
    unsigned w = a->want;
    a->want = 0;
    if (!a->connected)
        return;
    if (w & WANT_DAGS)
        list_fetch(a);
    if (w & WANT_GRID)
        grid_request(a);
    if (w & WANT_DETAIL)
        grid_request_detail(a);
}

void app_want(app *a, unsigned what)
{
    a->want |= what;
    if (!uv_is_active((uv_handle_t *)&a->coalesce))
        uv_timer_start(&a->coalesce, on_coalesced, COALESCE_MS, 0);
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
    app_trace(a, "disconnected");
    a->dirty = true;
}

/* ---- timers, start and end ---- */

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
    tc_callbacks cb = {on_connected, on_disconnected, app_on_event};
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
    info_close(a);
    logbuf_free(&a->logv.buf);
    app_close_grid(a);
    dag_list_free(&a->dags);
    dag_list_free(&a->dags_part);
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
    } else if (!app_reply_dropped(r)) {
        app_status_reply(a, pause ? "pause" : "unpause", r);
    }
}

void app_send_pause(app *a, const char *dag_id, bool pause)
{
    if (!tc_request(&a->conn, pause ? "pause" : "unpause", json_pack("{s:s}", "dag_id", dag_id),
                    pause_reply, pause ? (void *)1 : NULL))
        app_status(a, true, "not connected to the agent");
}
