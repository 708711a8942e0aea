#include "tui_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
/* A reply line larger than this is not one the agent sends: drop the link. */
#define MAX_LINE (64 * 1024 * 1024)
/* Keep a big read buffer only while it is in use. */
#define KEEP_BUFFER (256 * 1024)

typedef struct write_req {
    uv_write_t req;
    size_t len;
    char data[];
} write_req;

static void start_retry(tui_conn *c);

static void fail_pending(tui_conn *c, const char *message)
{
    /* Callbacks may send new requests (refused while closed): take the list. */
    tc_pending *list = c->pend;
    size_t n = c->n_pend;
    c->pend = NULL;
    c->n_pend = c->cap_pend = 0;
    tui_reply r = {false, {NULL, 0}, "disconnected", message};
    for (size_t i = 0; i < n; i++)
        if (list[i].fn)
            list[i].fn(c->owner, &r, list[i].ud);
    free(list);
}

static void on_closed(uv_handle_t *h)
{
    tui_conn *c = h->data;
    bool was_open = c->was_open;
    c->was_open = false;
    c->subscribed = false;
    c->in.len = 0;
    if (c->in.cap > KEEP_BUFFER)
        sb_free(&c->in);
    fail_pending(c, c->why);
    if (c->st == TC_STOPPED)
        return;
    c->st = TC_IDLE;
    if (was_open && c->cb.disconnected)
        c->cb.disconnected(c->owner, c->why);
    start_retry(c);
}

static void drop(tui_conn *c, const char *why)
{
    if (c->st != TC_OPEN && c->st != TC_CONNECTING)
        return;
    snprintf(c->why, sizeof c->why, "%s", why);
    c->st = TC_CLOSING;
    uv_close((uv_handle_t *)&c->pipe, on_closed);
}

static void on_written(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    tui_conn *c = req->data;
    free(w);
    if (status < 0 && status != UV_ECANCELED)
        drop(c, uv_strerror(status));
}

static void subscribed(void *owner, const tui_reply *r, void *ud)
{
    (void)owner;
    tui_conn *c = ud;
    if (r->ok)
        c->subscribed = true;
}

static void handle_line(tui_conn *c, const char *line, size_t len)
{
    tj_span obj = {line, len};
    tj_span v;
    if (tj_member(obj, "event", &v)) {
        json_t *ev = tj_parse(obj);
        if (ev && c->cb.event)
            c->cb.event(c->owner, ev);
        json_decref(ev);
        return;
    }
    long long id;
    if (!tj_member(obj, "id", &v) || !tj_int(v, &id))
        return; /* an error about no request in particular */
    size_t i = 0;
    while (i < c->n_pend && c->pend[i].id != id)
        i++;
    if (i == c->n_pend)
        return;
    tc_pending p = c->pend[i];
    memmove(c->pend + i, c->pend + i + 1, (c->n_pend - i - 1) * sizeof *c->pend);
    c->n_pend--;
    tui_reply r = {false, {NULL, 0}, "bad_reply", "malformed reply"};
    char code[64] = "", message[512] = "";
    if (tj_member(obj, "ok", &v) && tj_is_true(v)) {
        r.ok = true;
        if (!tj_member(obj, "result", &r.result))
            r.result = (tj_span){"null", 4};
    } else if (tj_member(obj, "error", &v)) {
        tj_span f;
        if (tj_member(v, "code", &f))
            tj_string(f, code, sizeof code);
        if (tj_member(v, "message", &f))
            tj_string(f, message, sizeof message);
        r.code = code;
        r.message = message;
    }
    if (p.fn)
        p.fn(c->owner, &r, p.ud);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    tui_conn *c = h->data;
    buf->base = c->rbuf;
    buf->len = sizeof c->rbuf;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    tui_conn *c = s->data;
    if (n < 0) {
        drop(c, n == UV_EOF ? "the agent closed the connection" : uv_strerror((int)n));
        return;
    }
    if (n == 0)
        return; /* EAGAIN */
    size_t old = c->in.len;
    sb_append_len(&c->in, buf->base, (size_t)n);
    size_t start = 0;
    /* Only the new bytes can hold the next newline. */
    const char *from = c->in.data + old;
    for (;;) {
        char *nl = memchr(from, '\n', c->in.len - (size_t)(from - c->in.data));
        if (!nl)
            break;
        size_t len = (size_t)(nl - (c->in.data + start));
        if (len > 0)
            handle_line(c, c->in.data + start, len);
        if (c->st != TC_OPEN)
            return;
        start += len + 1;
        from = c->in.data + start;
    }
    memmove(c->in.data, c->in.data + start, c->in.len - start);
    c->in.len -= start;
    c->in.data[c->in.len] = '\0';
    if (c->in.len > MAX_LINE)
        drop(c, "reply line too long");
    else if (c->in.len == 0 && c->in.cap > KEEP_BUFFER)
        sb_free(&c->in);
}

static void on_connect(uv_connect_t *req, int status)
{
    tui_conn *c = req->data;
    if (c->st != TC_CONNECTING)
        return;
    if (status < 0) {
        drop(c, uv_strerror(status));
        return;
    }
    c->st = TC_OPEN;
    c->was_open = true;
    c->backoff_ms = BACKOFF_MIN_MS;
    uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
    tc_request(c, "subscribe", NULL, subscribed, c);
    if (c->cb.connected)
        c->cb.connected(c->owner);
}

static void connect_now(tui_conn *c)
{
    uv_pipe_init(c->loop, &c->pipe, 0);
    c->pipe.data = c;
    c->creq.data = c;
    c->st = TC_CONNECTING;
    uv_pipe_connect(&c->creq, &c->pipe, c->path, on_connect);
}

static void on_retry(uv_timer_t *t)
{
    tui_conn *c = t->data;
    if (c->st == TC_IDLE)
        connect_now(c);
}

static void start_retry(tui_conn *c)
{
    uv_timer_start(&c->retry, on_retry, (uint64_t)c->backoff_ms, 0);
    c->backoff_ms *= 2;
    if (c->backoff_ms > BACKOFF_MAX_MS)
        c->backoff_ms = BACKOFF_MAX_MS;
}

void tc_init(tui_conn *c, uv_loop_t *loop, const char *path, const tc_callbacks *cb, void *owner)
{
    memset(c, 0, sizeof *c);
    c->loop = loop;
    c->path = xstrdup(path);
    c->cb = *cb;
    c->owner = owner;
    c->backoff_ms = BACKOFF_MIN_MS;
    c->next_id = 1;
    uv_timer_init(loop, &c->retry);
    c->retry.data = c;
}

void tc_start(tui_conn *c)
{
    if (c->st == TC_IDLE)
        connect_now(c);
}

bool tc_is_open(const tui_conn *c)
{
    return c->st == TC_OPEN;
}

int tc_request(tui_conn *c, const char *cmd, json_t *args, tc_reply_fn fn, void *ud)
{
    if (c->st != TC_OPEN) {
        json_decref(args);
        return 0;
    }
    int id = c->next_id++;
    json_t *msg =
        json_pack("{s:i, s:s, s:o}", "id", id, "cmd", cmd, "args", args ? args : json_object());
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text) /* json_pack refused a value (text that is not UTF-8): no request */
        return 0;
    size_t len = strlen(text);
    write_req *w = xmalloc(sizeof *w + len + 1);
    memcpy(w->data, text, len);
    w->data[len] = '\n';
    w->len = len + 1;
    free(text);
    w->req.data = c;
    uv_buf_t buf = uv_buf_init(w->data, (unsigned)w->len);
    if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &buf, 1, on_written) < 0) {
        free(w);
        drop(c, "cannot write to the agent");
        return 0;
    }
    if (c->n_pend == c->cap_pend) {
        c->cap_pend = c->cap_pend ? c->cap_pend * 2 : 16;
        c->pend = xrealloc(c->pend, c->cap_pend * sizeof *c->pend);
    }
    c->pend[c->n_pend++] = (tc_pending){id, fn, ud};
    return id;
}

void tc_shutdown(tui_conn *c)
{
    enum tc_state was = c->st;
    c->st = TC_STOPPED;
    uv_timer_stop(&c->retry);
    uv_close((uv_handle_t *)&c->retry, NULL);
    if (was == TC_OPEN || was == TC_CONNECTING) {
        snprintf(c->why, sizeof c->why, "closing");
        uv_close((uv_handle_t *)&c->pipe, on_closed);
    } else {
        fail_pending(c, "closing");
    }
    sb_free(&c->in);
    free(c->path);
    c->path = NULL;
}
