#include "server.h"
#include "log.h"
#include "access.h"
#include "commands.h"
#include "proto.h"
#include "refusals.h"
#include "server_int.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Open descriptors are recounted at most this often (ms); in between,
 * clients are counted exactly and the reserve covers the rest. */
#define FD_RECOUNT_MS 100
/* Refused connections are logged at most this often (ms). */
#define REFUSAL_LOG_MS 10000

void client_ref(client *c)
{
    c->refs++;
}

void client_unref(client *c)
{
    if (--c->refs == 0) {
        sb_free(&c->in);
        free(c);
    } else if (c->refs == 1) {
        server_out_close_if_answered(c); /* a half-closed client's last reply went */
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

/* A subscriber's kernel buffer is kept small: what it has not read is held
 * (and bounded) by the shared budget, and the kernel's share stays small
 * for hundreds of subscribers. */
#define SUBSCRIBER_SNDBUF (32 * 1024)

void client_subscribe(client *c)
{
    c->subscribed = true;
    uv_os_fd_t fd;
    int size = SUBSCRIBER_SNDBUF;
    if (uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

void server_release(server *srv)
{
    if (--srv->handles > 0)
        return;
    free(srv->users);
    free(srv->snap);
    free(srv->path);
    free(srv);
}

static void on_client_closed(uv_handle_t *h)
{
    client *c = h->data;
    server_out_release(c);
    server_release(c->srv);
    client_unref(c);
}

static user_count *user_of(server *srv, uid_t uid, bool add)
{
    for (size_t i = 0; i < srv->n_users; i++)
        if (srv->users[i].uid == uid)
            return &srv->users[i];
    if (!add)
        return NULL;
    if (srv->n_users == srv->cap_users) {
        srv->cap_users = srv->cap_users ? srv->cap_users * 2 : 8;
        srv->users = xrealloc(srv->users, srv->cap_users * sizeof *srv->users);
    }
    srv->users[srv->n_users] = (user_count){uid, 0};
    return &srv->users[srv->n_users++];
}

void client_close(client *c)
{
    if (c->closed)
        return;
    server_out_forget(c);
    c->closed = true;
    server *srv = c->srv;
    LIST_REMOVE(c, entry); /* linked once accepted; CLOSED guards the rest */
    srv->n_clients--;
    if (c->counted) {
        user_count *u = user_of(srv, c->uid, false);
        if (u && --u->n == 0)
            *u = srv->users[--srv->n_users]; /* drop the row */
    }
    uv_close((uv_handle_t *)&c->pipe, on_client_closed);
}

static void handle_line(client *c, const char *line, size_t len)
{
    proto_request req;
    const char *code;
    char err[256];
    if (proto_decode_request(line, len, &req, &code, err, sizeof err)) {
        server_reply_error(c, req.id, code, "%s", err);
    } else {
        request rq = {.ag = c->ag, .cl = c, .id = req.id, .args = req.args};
        if (!command_dispatch(&rq, req.cmd))
            server_reply_error(c, req.id, "unknown_command", "unknown command \"%s\"", req.cmd);
    }
    proto_request_free(&req);
}

static void refuse_long_line(client *c)
{
    server_reply_error(c, NULL, "too_long",
                       "request line longer than %d bytes (1 MiB) before its newline",
                       PROTO_MAX_LINE);
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
        else if (len > PROTO_MAX_LINE) /* it came whole in the last read */
            refuse_long_line(c);
        else if (len > 0)
            handle_line(c, c->in.data + start, len);
        start += len + 1;
        if (c->closed || c->draining)
            return;
    }
    memmove(c->in.data, c->in.data + start, c->in.len - start);
    c->in.len -= start;
    if (c->in.len > PROTO_MAX_LINE) {
        if (!c->discarding)
            refuse_long_line(c);
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
    if (n > 0 && !c->draining) {
        sb_append_len(&c->in, buf->base, (size_t)n);
        client_ref(c);
        take_lines(c);
        client_unref(c);
    } else if (n == UV_EOF && !c->subscribed) {
        /* `printf … | socat`: answer what was asked (also deferred replies,
         * which hold a reference), then close. */
        uv_read_stop(s);
        c->eof = true;
        server_out_close_if_answered(c);
    } else if (n < 0) {
        client_close(c);
    }
    free(buf->base);
}

static int count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    for (const struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own */
}

/* Descriptors still free, with the clients counted exactly. */
static int free_fds(server *srv, uv_loop_t *loop)
{
    uint64_t now = uv_now(loop);
    if (srv->counted_at == 0 || now - srv->counted_at >= FD_RECOUNT_MS) {
        int open = count_open_fds();
        if (open < 0)
            return 0; /* cannot even open a directory: none */
        srv->other_fds = open - (int)srv->n_clients;
        srv->counted_at = now;
    }
    return srv->fd_limit - srv->other_fds - (int)srv->n_clients;
}

/* One error line, written at once (the socket's buffer is empty), then
 * close: the client is told why instead of seeing a bare disconnect. */
static void refuse_connection(client *c, const char *message)
{
    char line[512];
    int len = snprintf(line, sizeof line,
                       "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"too_many_clients\","
                       "\"message\":\"%s\"}}\n",
                       message);
    uv_os_fd_t fd;
    if (len > 0 && uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0 &&
        send(fd, line, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        /* nothing more to do: it is closed either way */
    }
    uint64_t now = uv_now(c->pipe.loop);
    if (c->srv->refused_logged == 0 || now - c->srv->refused_logged >= REFUSAL_LOG_MS) {
        c->srv->refused_logged = now;
        log_warn("refusing connections of uid %u: %s", (unsigned)c->uid, message);
    }
    client_close(c);
}

/* Why the connection of C may not be kept, or NULL: its user holds
 * max_clients_per_user, or the free descriptors are down to the reserve
 * (kept for tasks, root and operators). */
static const char *over_limit(agent *ag, client *c, char *buf, size_t len)
{
    server *srv = c->srv;
    const user_count *u = user_of(srv, c->uid, false);
    if (!access_is_exempt(c->uid) && u && u->n >= ag->cfg.max_clients_per_user) {
        snprintf(buf, len, "uid %u holds %d connections, [access] max_clients_per_user",
                 (unsigned)c->uid, u->n);
        return buf;
    }
    if (free_fds(srv, ag->loop) < srv->fd_reserve &&
        !access_is_operator(ag->cfg.operators, c->uid)) {
        snprintf(buf, len,
                 "the agent keeps its last %d descriptors for tasks and operators; try later",
                 srv->fd_reserve);
        return buf;
    }
    return NULL;
}

static void on_connection(uv_stream_t *listener, int status)
{
    agent *ag = listener->data;
    server *srv = ag->srv;
    if (status < 0) /* EMFILE: libuv accepted and closed it on its spare descriptor */
        return;
    client *c = xcalloc(1, sizeof *c);
    c->ag = ag;
    c->srv = srv;
    c->refs = 1; /* held by the open handle */
    uv_pipe_init(ag->loop, &c->pipe, 0);
    srv->handles++;
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
    LIST_INSERT_HEAD(&srv->clients, c, entry);
    srv->n_clients++;
    char why[256];
    if (over_limit(ag, c, why, sizeof why)) {
        refuse_connection(c, why);
        return;
    }
    user_of(srv, c->uid, true)->n++;
    c->counted = true;
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

/* What tasks need to start (a log file, a pidfd and, for a branch, a
 * pipe's two ends each) and a few for operators; at most half of all. */
static void set_fd_reserve(server *srv, int parallelism)
{
    struct rlimit r;
    srv->fd_limit = getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < (rlim_t)INT32_MAX
                        ? (int)r.rlim_cur
                        : INT32_MAX;
    long want = 32 + 5L * parallelism;
    srv->fd_reserve = (int)(want < srv->fd_limit / 2 ? want : srv->fd_limit / 2);
}

int server_start(agent *ag, char *err, size_t errlen)
{
    const char *path = ag->cfg.socket;
    if (clear_stale_socket(path, err, errlen))
        return -1;
    server *srv = xcalloc(1, sizeof *srv);
    LIST_INIT(&srv->clients);
    srv->path = xstrdup(path);
    set_fd_reserve(srv, ag->cfg.parallelism);
    uv_pipe_init(ag->loop, &srv->listener, 0);
    srv->handles++;
    server_out_init(srv, ag->loop);
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
    server_release(h->data);
}

void server_stop(agent *ag)
{
    refusals_stop(ag); /* counts still open go to the audit */
    server *srv = ag->srv;
    if (!srv)
        return;
    while (!LIST_EMPTY(&srv->clients))
        client_close(LIST_FIRST(&srv->clients));
    unlink(srv->path);
    srv->listener.data = srv;
    uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
    server_out_stop(srv);
    ag->srv = NULL;
}
