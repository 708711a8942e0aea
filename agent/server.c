#include "server.h"
#include "commands.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct client {
    uv_pipe_t pipe;
    agent *ag;
    struct client *next;
    strbuf in;
    bool discarding; /* inside a line that was too long */
    bool subscribed;
    bool closed;
    int refs;
    size_t pending; /* bytes queued for writing */
    uid_t uid;
};

struct server {
    uv_pipe_t listener;
    client *clients;
    char *path;
};

typedef struct write_req {
    uv_write_t req;
    client *c;
    size_t len;
    char data[];
} write_req;

void client_ref(client *c)
{
    c->refs++;
}

static void on_client_closed(uv_handle_t *h)
{
    client *c = h->data;
    client_unref(c);
}

void client_unref(client *c)
{
    if (--c->refs == 0) {
        sb_free(&c->in);
        free(c);
    }
}

bool client_closed(const client *c)
{
    return c->closed;
}

uid_t client_uid(const client *c)
{
    return c->uid;
}

void client_subscribe(client *c)
{
    c->subscribed = true;
}

static void client_close(client *c)
{
    if (c->closed)
        return;
    c->closed = true;
    server *srv = c->ag->srv;
    for (client **l = &srv->clients; *l; l = &(*l)->next) {
        if (*l == c) {
            *l = c->next;
            break;
        }
    }
    uv_close((uv_handle_t *)&c->pipe, on_client_closed);
}

static void on_written(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    w->c->pending -= w->len;
    if (status < 0)
        client_close(w->c);
    client_unref(w->c);
    free(w);
}

/* Queue one JSON line. A client that does not read is cut off rather than
 * allowed to hold memory or slow anyone. */
static void send_json(client *c, json_t *msg)
{
    if (c->closed)
        return;
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text) /* nothing jansson can encode (NULL): drop it rather than crash */
        return;
    size_t len = strlen(text);
    if (c->pending + len + 1 > SERVER_MAX_PENDING) {
        free(text);
        client_close(c);
        return;
    }
    write_req *w = xmalloc(sizeof *w + len + 1);
    memcpy(w->data, text, len);
    w->data[len] = '\n';
    w->len = len + 1;
    w->c = c;
    free(text);
    uv_buf_t buf = uv_buf_init(w->data, (unsigned)w->len);
    client_ref(c);
    c->pending += w->len;
    if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &buf, 1, on_written) < 0) {
        c->pending -= w->len;
        client_unref(c);
        free(w);
        client_close(c);
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

void server_broadcast(agent *ag, json_t *event)
{
    if (ag->srv) {
        for (client *c = ag->srv->clients, *next; c; c = next) {
            next = c->next; /* send_json may close c */
            if (c->subscribed)
                send_json(c, event);
        }
    }
    json_decref(event);
}

static void handle_line(client *c, const char *line, size_t len)
{
    proto_request req;
    const char *code;
    char err[256];
    if (proto_decode_request(line, len, &req, &code, err, sizeof err)) {
        server_reply_error(c, req.id, code, "%s", err);
    } else {
        request rq = {c->ag, c, req.id, req.args};
        if (!command_dispatch(&rq, req.cmd))
            server_reply_error(c, req.id, "unknown_command", "unknown command \"%s\"", req.cmd);
    }
    proto_request_free(&req);
}

static void take_lines(client *c)
{
    size_t start = 0;
    for (;;) {
        char *nl = memchr(c->in.data + start, '\n', c->in.len - start);
        if (!nl)
            break;
        size_t len = (size_t)(nl - (c->in.data + start));
        if (c->discarding)
            c->discarding = false;
        else if (len > 0)
            handle_line(c, c->in.data + start, len);
        start += len + 1;
        if (c->closed)
            return;
    }
    memmove(c->in.data, c->in.data + start, c->in.len - start);
    c->in.len -= start;
    if (c->in.len > SERVER_MAX_LINE) {
        if (!c->discarding)
            server_reply_error(c, NULL, "too_long", "request line longer than %d bytes",
                               SERVER_MAX_LINE);
        c->discarding = true;
        c->in.len = 0;
    }
    if (c->in.data)
        c->in.data[c->in.len] = '\0';
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    client *c = s->data;
    if (n > 0) {
        sb_append_len(&c->in, buf->base, (size_t)n);
        client_ref(c);
        take_lines(c);
        client_unref(c);
    } else if (n < 0) {
        client_close(c);
    }
    free(buf->base);
}

static void on_connection(uv_stream_t *listener, int status)
{
    agent *ag = listener->data;
    if (status < 0)
        return;
    client *c = xcalloc(1, sizeof *c);
    c->ag = ag;
    c->refs = 1; /* held by the open handle */
    uv_pipe_init(ag->loop, &c->pipe, 0);
    c->pipe.data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->pipe) < 0) {
        c->closed = true;
        uv_close((uv_handle_t *)&c->pipe, on_client_closed);
        return;
    }
    uv_os_fd_t fd;
    struct ucred cred;
    socklen_t len = sizeof cred;
    c->uid = (uid_t)-1;
    if (uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0 &&
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
        c->uid = cred.uid;
    c->next = ag->srv->clients;
    ag->srv->clients = c;
    uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}

/* Refuse to steal the socket of a live agent; remove a stale one. */
static int clear_stale_socket(const char *path, char *err, size_t errlen)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "socket path too long: %s", path);
        close(fd);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int live = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    if (live) {
        snprintf(err, errlen, "%s: another agent is listening there", path);
        return -1;
    }
    unlink(path);
    return 0;
}

int server_start(agent *ag, char *err, size_t errlen)
{
    const char *path = ag->cfg.socket;
    if (clear_stale_socket(path, err, errlen))
        return -1;
    server *srv = xcalloc(1, sizeof *srv);
    srv->path = xstrdup(path);
    uv_pipe_init(ag->loop, &srv->listener, 0);
    srv->listener.data = ag;
    ag->srv = srv;
    int rc = uv_pipe_bind(&srv->listener, path);
    if (!rc)
        rc = uv_listen((uv_stream_t *)&srv->listener, 128, on_connection);
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, uv_strerror(rc));
        server_stop(ag);
        return -1;
    }
    /* Who may connect at all: the mode and group of the socket file. */
    if (ag->cfg.socket_group && ag->cfg.socket_group[0]) {
        const struct group *gr = getgrnam(ag->cfg.socket_group);
        if (!gr || chown(path, (uid_t)-1, gr->gr_gid)) {
            snprintf(err, errlen, "%s: cannot give the socket to group \"%s\"", path,
                     ag->cfg.socket_group);
            server_stop(ag);
            return -1;
        }
    }
    chmod(path, (mode_t)ag->cfg.socket_mode);
    return 0;
}

static void on_listener_closed(uv_handle_t *h)
{
    server *srv = h->data;
    free(srv->path);
    free(srv);
}

void server_stop(agent *ag)
{
    server *srv = ag->srv;
    if (!srv)
        return;
    while (srv->clients)
        client_close(srv->clients);
    unlink(srv->path);
    srv->listener.data = srv;
    uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
    ag->srv = NULL;
}
