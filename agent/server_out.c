/* What the server sends: replies, and events that every subscriber shares.
 * An event is serialized once into a refcounted line; each subscriber's
 * queue points at it. All subscribers together hold at most SUB_BUDGET
 * bytes of queued events (SUB_CLIENT_MAX each); over it, the slowest (most
 * queued) is cut: it gets a last {"event":"overflow"} line after what is
 * queued, DRAIN_MS to read it, and is closed. */
#include "server_int.h"
#include "proto.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUB_BUDGET (16u * 1024 * 1024)
#define SUB_CLIENT_MAX (4u * 1024 * 1024)
/* Cut clients still hold their queues; together at most this much. */
#define DRAIN_BUDGET (4u * 1024 * 1024)
#define DRAIN_MS 5000
/* After this much was queued, freed memory is given back to the system. */
#define TRIM_MIN (1u * 1024 * 1024)
#define TICK_MS 250

typedef struct shared_line {
    int refs;
    size_t len;
    char data[]; /* the JSON and its newline */
} shared_line;

typedef struct write_req {
    uv_write_t req;
    client *c;
    shared_line *line; /* an event shared by all subscribers, or NULL: data */
    size_t charge;     /* bytes held: the unsent text and this request */
    bool event;
    char data[];
} write_req;

static void line_unref(shared_line *l)
{
    if (l && --l->refs == 0)
        free(l);
}

static void on_tick(uv_timer_t *t);

static void arm(server *srv)
{
    if (!uv_is_active((uv_handle_t *)&srv->timer))
        uv_timer_start(&srv->timer, on_tick, TICK_MS, TICK_MS);
}

static void charge(client *c, write_req *w, bool add)
{
    server *srv = c->srv;
    size_t n = w->charge;
    c->pending = add ? c->pending + n : c->pending - n;
    srv->pending_total = add ? srv->pending_total + n : srv->pending_total - n;
    if (w->event) {
        c->charged = add ? c->charged + n : c->charged - n;
        if (c->closed)
            return; /* server_out_forget took it out of the pools */
        size_t *pool = c->draining ? &srv->drain_charged : &srv->live_charged;
        *pool = add ? *pool + n : *pool - n;
    }
    if (srv->pending_total > srv->pending_peak) {
        srv->pending_peak = srv->pending_total;
        if (srv->pending_peak >= TRIM_MIN)
            arm(srv);
    }
}

static void on_written(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    client *c = w->c;
    charge(c, w, false);
    line_unref(w->line);
    if (status < 0 || (c->draining && c->pending == 0))
        client_close(c);
    client_unref(c);
    free(w);
}

/* Send LEN bytes of DATA (inside LINE when shared): written at once when
 * nothing is queued, else queued. Returns false when the client was closed. */
static bool queue(client *c, const char *data, size_t len, shared_line *line, bool event)
{
    size_t off = 0;
    if (c->pending == 0) {
        uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
        int n = uv_try_write((uv_stream_t *)&c->pipe, &b, 1);
        if (n == (int)len)
            return true;
        if (n > 0) {
            off = (size_t)n;
        } else if (n != UV_EAGAIN) {
            client_close(c);
            return false;
        }
    }
    size_t rest = len - off;
    write_req *w = xmalloc(sizeof *w + (line ? 0 : rest));
    w->c = c;
    w->line = line;
    w->event = event;
    w->charge = sizeof *w + rest;
    const char *src = data + off;
    if (line) {
        line->refs++;
    } else {
        memcpy(w->data, src, rest);
        src = w->data;
    }
    uv_buf_t buf = uv_buf_init((char *)src, (unsigned)rest);
    client_ref(c);
    charge(c, w, true);
    if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &buf, 1, on_written) < 0) {
        charge(c, w, false);
        line_unref(line);
        client_unref(c);
        free(w);
        client_close(c);
        return false;
    }
    return true;
}

/* The oldest cut clients go first when they hold too much. */
static void enforce_drain_budget(server *srv)
{
    while (srv->drain_charged > DRAIN_BUDGET) {
        client *oldest = NULL;
        for (client *c = srv->clients; c; c = c->next)
            if (c->draining && (!oldest || c->drain_by < oldest->drain_by))
                oldest = c;
        if (!oldest)
            break;
        client_close(oldest);
    }
}

static void cut(client *c)
{
    server *srv = c->srv;
    c->draining = true;
    srv->live_charged -= c->charged;
    srv->drain_charged += c->charged;
    c->drain_by = uv_now(c->pipe.loop) + DRAIN_MS;
    uv_read_stop((uv_stream_t *)&c->pipe);
    static const char overflow[] = "{\"event\":\"overflow\"}\n";
    if (queue(c, overflow, sizeof overflow - 1, NULL, false) && c->pending == 0)
        client_close(c); /* all of it was written at once */
    arm(srv);
    enforce_drain_budget(srv);
}

static client *slowest(server *srv)
{
    client *worst = NULL;
    for (client *c = srv->clients; c; c = c->next)
        if (c->subscribed && !c->draining && (!worst || c->charged > worst->charged))
            worst = c;
    return worst;
}

static void send_event(client *c, shared_line *line)
{
    server *srv = c->srv;
    size_t need = line->len + sizeof(write_req);
    if (c->charged + need > SUB_CLIENT_MAX) {
        cut(c);
        return;
    }
    while (srv->live_charged + need > SUB_BUDGET) {
        client *v = slowest(srv);
        if (!v || v->charged == 0)
            break;
        cut(v);
        if (v == c)
            return;
    }
    queue(c, line->data, line->len, line, true);
}

void server_broadcast(agent *ag, json_t *event)
{
    server *srv = ag->srv;
    if (!event || !srv) {
        json_decref(event);
        return;
    }
    /* Cutting one subscriber may close others: send to a snapshot. */
    size_t n = 0;
    for (client *c = srv->clients; c; c = c->next) {
        if (!c->subscribed || c->draining)
            continue;
        if (n == srv->cap_snap) {
            srv->cap_snap = srv->cap_snap ? srv->cap_snap * 2 : 16;
            srv->snap = xrealloc(srv->snap, srv->cap_snap * sizeof *srv->snap);
        }
        client_ref(c);
        srv->snap[n++] = c;
    }
    shared_line *line = NULL;
    if (n) {
        char *text = json_dumps(event, JSON_COMPACT);
        if (text) {
            size_t len = strlen(text);
            line = xmalloc(sizeof *line + len + 1);
            line->refs = 1;
            line->len = len + 1;
            memcpy(line->data, text, len);
            line->data[len] = '\n';
            free(text);
        } else {
            fprintf(stderr, "dagd: an event could not be encoded; not sent\n");
        }
    }
    for (size_t i = 0; i < n; i++) {
        client *c = srv->snap[i];
        if (line && !c->closed && !c->draining)
            send_event(c, line);
        client_unref(c);
    }
    line_unref(line);
    json_decref(event);
}

/* A client that does not read its replies is cut off rather than allowed
 * to hold memory or slow anyone. */
static void send_json(client *c, json_t *msg)
{
    if (c->closed || c->draining)
        return;
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        text = xstrdup("{\"id\":null,\"ok\":false,\"error\":{\"code\":\"internal\","
                       "\"message\":\"the reply could not be encoded\"}}");
    size_t len = strlen(text);
    if (c->pending + len + 1 > SERVER_MAX_PENDING) {
        free(text);
        client_close(c);
        return;
    }
    text = xrealloc(text, len + 2);
    text[len] = '\n';
    queue(c, text, len + 1, NULL, false);
    free(text);
}

void server_reply_ok(client *c, json_t *id, json_t *result)
{
    json_t *msg =
        json_pack("{s:O?, s:b, s:o}", "id", id, "ok", 1, "result", result ? result : json_null());
    send_json(c, msg);
    json_decref(msg);
}

void server_reply_error(client *c, json_t *id, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = xvasprintf(fmt, ap);
    va_end(ap);
    json_t *msg = json_pack("{s:O?, s:b, s:{s:s, s:s}}", "id", id, "ok", 0, "error", "code", code,
                            "message", message);
    free(message);
    send_json(c, msg);
    json_decref(msg);
}

/* Cut clients whose time is up are closed; once the queues have drained,
 * glibc is asked to give the freed pages back (it keeps them otherwise). */
static void on_tick(uv_timer_t *t)
{
    server *srv = t->data;
    uint64_t now = uv_now(t->loop);
    bool draining = false;
    for (client *c = srv->clients, *next; c; c = next) {
        next = c->next; /* client_close unlinks only c */
        if (c->draining && now >= c->drain_by)
            client_close(c);
        else if (c->draining)
            draining = true;
    }
    if (srv->pending_peak >= TRIM_MIN && srv->pending_total < srv->pending_peak / 8) {
#ifdef __GLIBC__
        malloc_trim(0);
#endif
        srv->pending_peak = srv->pending_total;
    }
    if (!draining && srv->pending_peak < TRIM_MIN)
        uv_timer_stop(t);
}

void server_out_forget(client *c)
{
    server *srv = c->srv;
    if (c->draining)
        srv->drain_charged -= c->charged;
    else
        srv->live_charged -= c->charged;
}

static void on_timer_closed(uv_handle_t *h)
{
    server_release(h->data);
}

void server_out_init(server *srv, uv_loop_t *loop)
{
    uv_timer_init(loop, &srv->timer);
    srv->timer.data = srv;
    srv->handles++;
}

void server_out_stop(server *srv)
{
    uv_close((uv_handle_t *)&srv->timer, on_timer_closed);
}
