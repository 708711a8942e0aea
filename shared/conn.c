#include "conn.h"
#include "timeutil.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const char *conn_default_path(const char *flag)
{
    if (flag)
        return flag;
    const char *env = getenv("DAGD_SOCKET");
    if (env && *env)
        return env;
    struct stat st;
    if (stat("var/dagd.sock", &st) == 0)
        return "var/dagd.sock";
    return "/var/lib/dagd/dagd.sock";
}

int conn_open(conn *c, const char *path, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->next_id = 1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "socket path too long: %s", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        snprintf(err, errlen, "cannot connect to %s: %s (is dagd running?)", path, strerror(errno));
        conn_close(c);
        return -1;
    }
    return 0;
}

void conn_close(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    sb_free(&c->in);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int conn_send(conn *c, const char *cmd, json_t *args, char *err, size_t errlen)
{
    int id = c->next_id++;
    json_t *msg =
        json_pack("{s:i, s:s, s:o}", "id", id, "cmd", cmd, "args", args ? args : json_object());
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text) {
        snprintf(err, errlen, "cannot encode the request (text that is not UTF-8?)");
        return -1;
    }
    strbuf line = {0};
    sb_append(&line, text);
    sb_append(&line, "\n");
    free(text);
    int rc = write_all(c->fd, line.data, line.len);
    sb_free(&line);
    if (rc) {
        snprintf(err, errlen, "lost the connection to the agent: %s", strerror(errno));
        return -1;
    }
    return id;
}

json_t *conn_read(conn *c, int timeout_ms, char *err, size_t errlen)
{
    int64_t deadline = time_mono_us() + (int64_t)timeout_ms * 1000;
    for (;;) {
        char *nl = c->in.data ? memchr(c->in.data, '\n', c->in.len) : NULL;
        if (nl) {
            size_t len = (size_t)(nl - c->in.data);
            json_error_t jerr;
            json_t *msg = json_loadb(c->in.data, len, 0, &jerr);
            memmove(c->in.data, nl + 1, c->in.len - len - 1);
            c->in.len -= len + 1;
            if (!msg)
                snprintf(err, errlen, "bad reply from the agent: %s", jerr.text);
            return msg;
        }
        int wait_ms = -1;
        if (timeout_ms >= 0) {
            int64_t left = deadline - time_mono_us();
            if (left <= 0) {
                snprintf(err, errlen, "timeout");
                return NULL;
            }
            wait_ms = (int)((left + 999) / 1000);
        }
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int rc = poll(&p, 1, wait_ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0)
            continue; /* the deadline check above ends it */
        char buf[65536];
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "the agent closed the connection");
            return NULL;
        }
        sb_append_len(&c->in, buf, (size_t)n);
    }
}

json_t *conn_call(conn *c, const char *cmd, json_t *args, int timeout_ms, char *err, size_t errlen)
{
    int id = conn_send(c, cmd, args, err, errlen);
    if (id < 0)
        return NULL;
    for (;;) {
        json_t *msg = conn_read(c, timeout_ms, err, errlen);
        if (!msg)
            return NULL;
        json_t *got = json_object_get(msg, "id");
        if (json_is_integer(got) && json_integer_value(got) == id)
            return msg;
        if (!json_object_get(msg, "event") && json_is_null(got))
            return msg; /* an error about the line itself */
        json_decref(msg);
    }
}
