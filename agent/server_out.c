/* What the server sends: replies, and events that every subscriber shares.
 * An event is serialized once into a refcounted line; each subscriber's
 * queue holds a pointer to it, and one write at a time sends a batch of
 * lines. All subscribers together owe at most SUB_BUDGET bytes of events
 * (SUB_CLIENT_MAX each); over it, the slowest (most owed) is cut: it gets a
 * last {"event":"overflow"} line after what is queued, DRAIN_MS to read it,
 * and is closed. */
#include "server_int.h"
#include "log.h"
#include "event_json.h"
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
/* After this much was queued, freed memory is given back to the system;
 * also after a reply of TRIM_REPLY bytes, whose JSON tree took some times
 * as much (a grid of 100 runs x 40 tasks left the agent 2.4 MiB larger for
 * good). */
#define TRIM_MIN (1u * 1024 * 1024)
#define TRIM_REPLY (64u * 1024)
#define TICK_MS 250
/* Lines handed to one write. */
#define BATCH 64

typedef struct out_line {
    int refs;
    bool event; /* charged to the subscribers' budget */
    size_t len;
    char data[]; /* the JSON and its newline */
} out_line;

static out_line *line_new(const char *text, size_t len, bool event)
{
    out_line *l = xmalloc(sizeof *l + len + 1);
    l->refs = 1;
    l->event = event;
    l->len = len + 1;
    memcpy(l->data, text, len);
    l->data[len] = '\n';
    return l;
}

static void line_unref(out_line *l)
{
    if (l && --l->refs == 0)
        free(l);
}

static size_t cost(const out_line *l)
{
    return l->len + sizeof l;
}

static void on_tick(uv_timer_t *t);

static void arm(server *srv)
{
    if (!uv_is_active((uv_handle_t *)&srv->timer))
        uv_timer_start(&srv->timer, on_tick, TICK_MS, TICK_MS);
}

static void charge(client *c, const out_line *l, bool add)
{
    server *srv = c->srv;
    size_t n = cost(l);
    c->pending = add ? c->pending + n : c->pending - n;
    srv->pending_total = add ? srv->pending_total + n : srv->pending_total - n;
    if (l->event) {
        c->charged = add ? c->charged + n : c->charged - n;
        if (!c->closed) { /* else server_out_forget took it out of the pools */
            size_t *pool = c->draining ? &srv->drain_charged : &srv->live_charged;
            *pool = add ? *pool + n : *pool - n;
        }
    }
    if (srv->pending_total > srv->pending_peak) {
        srv->pending_peak = srv->pending_total;
        if (srv->pending_peak >= TRIM_MIN)
            arm(srv);
    }
}

static out_line *q_pop(client *c)
{
    out_line *l = c->q[c->q_head++];
    if (--c->q_len == 0)
        c->q_head = 0;
    charge(c, l, false);
    return l;
}

static void q_push(client *c, out_line *l)
{
    if (c->q_head + c->q_len == c->q_cap) {
        if (c->q_head > c->q_len) {
            memmove(c->q, c->q + c->q_head, c->q_len * sizeof *c->q);
            c->q_head = 0;
        } else {
            c->q_cap = c->q_cap ? c->q_cap * 2 : 16;
            c->q = xrealloc(c->q, c->q_cap * sizeof *c->q);
        }
    }
    c->q[c->q_head + c->q_len++] = l;
    l->refs++;
    charge(c, l, true);
}

static void kick(client *c);

static void on_written(uv_write_t *req, int status)
{
    client *c = req->data;
    for (size_t n = c->q_busy; n > 0; n--)
        line_unref(q_pop(c));
    c->q_busy = 0;
    c->q_off = 0;
    if (status < 0 || (c->draining && c->q_len == 0))
        client_close(c);
    else
        kick(c);
    client_unref(c);
}

void server_out_close_if_answered(client *c)
{
    /* One reference is the open handle's; any other is a write in flight or
     * a deferred reply (wait, logs -f) still to come. */
    if (c->eof && !c->closed && c->q_len == 0 && c->refs == 1)
        client_close(c);
}

/* Start a write of the next lines, unless one is in flight. */
static void kick(client *c)
{
    if (c->closed || c->q_busy || c->q_len == 0)
        return;
    uv_buf_t bufs[BATCH];
    size_t n = c->q_len < BATCH ? c->q_len : BATCH;
    for (size_t i = 0; i < n; i++) {
        out_line *l = c->q[c->q_head + i];
        size_t off = i == 0 ? c->q_off : 0;
        bufs[i] = uv_buf_init(l->data + off, (unsigned)(l->len - off));
    }
    c->write.data = c;
    if (uv_write(&c->write, (uv_stream_t *)&c->pipe, bufs, (unsigned)n, on_written) < 0) {
        client_close(c);
        return;
    }
    c->q_busy = n;
    client_ref(c);
}

/* Send L: written at once when nothing is queued, else queued. */
static void enqueue(client *c, out_line *l)
{
    if (c->closed)
        return;
    if (c->q_len == 0) {
        uv_buf_t b = uv_buf_init(l->data, (unsigned)l->len);
        int n = uv_try_write((uv_stream_t *)&c->pipe, &b, 1);
        if (n == (int)l->len)
            return;
        if (n < 0 && n != UV_EAGAIN) {
            client_close(c);
            return;
        }
        c->q_off = n > 0 ? (size_t)n : 0;
    }
    q_push(c, l);
    kick(c);
}

void server_out_release(client *c)
{
    while (c->q_len)
        line_unref(q_pop(c));
    free(c->q);
    c->q = NULL;
    c->q_cap = c->q_busy = 0;
}

/* The oldest cut clients go first when they hold too much. */
static void enforce_drain_budget(server *srv)
{
    while (srv->drain_charged > DRAIN_BUDGET) {
        client *oldest = NULL, *c;
        LIST_FOREACH(c, &srv->clients, entry)
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
    static const char overflow[] = "{\"event\":\"overflow\"}";
    out_line *l = line_new(overflow, sizeof overflow - 1, false);
    enqueue(c, l);
    line_unref(l);
    if (!c->closed && c->q_len == 0)
        client_close(c); /* all of it was written at once */
    arm(srv);
    enforce_drain_budget(srv);
}

static client *slowest(server *srv)
{
    client *worst = NULL, *c;
    LIST_FOREACH(c, &srv->clients, entry)
        if (c->subscribed && !c->draining && (!worst || c->charged > worst->charged))
            worst = c;
    return worst;
}

static void send_event(client *c, out_line *line)
{
    server *srv = c->srv;
    size_t need = cost(line);
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
    enqueue(c, line);
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
    client *c;
    LIST_FOREACH(c, &srv->clients, entry) {
        if (!c->subscribed || c->draining)
            continue;
        if (n == srv->cap_snap) {
            srv->cap_snap = srv->cap_snap ? srv->cap_snap * 2 : 16;
            srv->snap = xrealloc(srv->snap, srv->cap_snap * sizeof *srv->snap);
        }
        client_ref(c);
        srv->snap[n++] = c;
    }
    out_line *line = NULL;
    if (n) {
        char *text = json_dumps(event, JSON_COMPACT);
        if (text) {
            line = line_new(text, strlen(text), true);
            free(text);
        } else {
            log_error("an event could not be encoded; not sent");
        }
    }
    for (size_t i = 0; i < n; i++) {
        c = srv->snap[i];
        if (line && !c->closed && !c->draining)
            send_event(c, line);
        client_unref(c);
    }
    line_unref(line);
    json_decref(event);
}

void server_on_event(void *arg, const struct event *ev)
{
    agent *ag = arg;
    server *srv = ag->srv;
    bool anyone = false;
    client *c;
    if (srv)
        LIST_FOREACH(c, &srv->clients, entry)
            if ((anyone = c->subscribed && !c->draining))
                break;
    if (anyone) /* the one place an event becomes JSON */
        server_broadcast(ag, event_json(ev));
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
    out_line *l = line_new(text, len, false);
    free(text);
    enqueue(c, l);
    line_unref(l);
    if (len >= TRIM_REPLY) {
        c->srv->big_reply = true;
        arm(c->srv);
    }
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
    /* By hand, as glibc's sys/queue.h has no LIST_FOREACH_SAFE: the next
     * one is taken first (client_close unlinks only c). */
    for (client *c = LIST_FIRST(&srv->clients), *next; c; c = next) {
        next = LIST_NEXT(c, entry);
        if (c->draining && now >= c->drain_by)
            client_close(c);
        else if (c->draining)
            draining = true;
    }
    /* A reply written at once was never queued: nothing pending then. */
    if ((srv->pending_peak >= TRIM_MIN || srv->big_reply) &&
        (srv->pending_total == 0 || srv->pending_total < srv->pending_peak / 8)) {
#ifdef __GLIBC__
        malloc_trim(0);
#endif
        srv->pending_peak = srv->pending_total;
        srv->big_reply = false;
    }
    if (!draining && srv->pending_peak < TRIM_MIN && !srv->big_reply)
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
