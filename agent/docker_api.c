#include "docker_api.h"
#include "docker_events.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

/* An error reply is small: what follows its first MiB is dropped. A list
 * (containers, services, tasks) grows with what the engine holds: up to
 * 64 MiB of it is read, and a longer one fails the call, saying so, rather
 * than hand on a cut JSON that reads as an empty list. Either way a runaway
 * reply cannot eat the agent's memory. */
#define ERROR_REPLY_MAX (1 << 20)
#define REPLY_MAX (64 << 20)

struct docker_api {
    http_client *http;
    char *host;
    char *sock;                     /* unix socket path, NULL for tcp */
    char *base;                     /* http://…/v1.41 */
    LIST_HEAD(, docker_call) calls; /* started, not done nor cancelled */
    docker_events *events;
    bool freeing;
};

struct docker_call {
    docker_api *api;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    strbuf in;
    docker_data_fn data;
    docker_reply_fn done;
    void (*ready)(void *arg);
    void *arg;
    bool too_big;                  /* a 2xx reply over REPLY_MAX: the transfer was stopped */
    LIST_ENTRY(docker_call) entry; /* api->calls */
};

static int parse_host(const char *host, char **sock, char **base, char *err, size_t errlen)
{
    if (str_starts_with(host, "unix://") && host[7] == '/') {
        if (sock)
            *sock = xstrdup(host + 7);
        if (base)
            *base = xstrdup("http://localhost/" DOCKER_API_VERSION);
        return 0;
    }
    if (str_starts_with(host, "tcp://") && host[6] && !strchr(host + 6, '/')) {
        const char *colon = strrchr(host + 6, ':');
        if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
            if (sock)
                *sock = NULL;
            if (base)
                *base = xasprintf("http://%s/" DOCKER_API_VERSION, host + 6);
            return 0;
        }
    }
    snprintf(err, errlen, "expected unix:///PATH or tcp://HOST:PORT, got \"%s\"", host);
    return -1;
}

int docker_host_check(const char *host, char *err, size_t errlen)
{
    return parse_host(host, NULL, NULL, err, errlen);
}

docker_api *docker_api_new(http_client *http, const char *host, char *err, size_t errlen)
{
    docker_api *api = xcalloc(1, sizeof *api);
    LIST_INIT(&api->calls);
    if (parse_host(host, &api->sock, &api->base, err, errlen)) {
        free(api);
        return NULL;
    }
    api->http = http;
    api->host = xstrdup(host);
    return api;
}

const char *docker_api_host(const docker_api *api)
{
    return api->host;
}

static void unlink_call(docker_call *c)
{
    LIST_REMOVE(c, entry);
}

static void free_call(docker_call *c)
{
    curl_slist_free_all(c->headers);
    free(c->body);
    sb_free(&c->in);
    free(c);
}

static size_t on_write(char *ptr, size_t size, size_t n, void *userp)
{
    docker_call *c = userp;
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    bool ok = status >= 200 && status < 300;
    if (c->data && ok) {
        c->data(c->arg, ptr, len);
    } else if (ok && c->in.len + len > REPLY_MAX) {
        c->too_big = true;
        return 0; /* curl stops the transfer: CURLE_WRITE_ERROR */
    } else if (ok || c->in.len < ERROR_REPLY_MAX) {
        sb_append_len(&c->in, ptr, len);
    }
    return len;
}

/* The blank line that ends a reply's headers: a 2xx one is READY. */
static size_t on_header(char *ptr, size_t size, size_t n, void *userp)
{
    docker_call *c = userp;
    size_t len = size * n;
    if (c->ready && (len == 2 || len == 1) && (ptr[0] == '\r' || ptr[0] == '\n')) {
        long status = 0;
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300) {
            void (*ready)(void *) = c->ready;
            c->ready = NULL;
            ready(c->arg);
        }
    }
    return len;
}

void docker_call_on_ready(docker_call *c, void (*ready)(void *arg))
{
    c->ready = ready;
}

/* The engine's error replies are {"message": "…"}. */
static void engine_message(const docker_call *c, long status, char *out, size_t outlen)
{
    json_t *j = c->in.len ? json_loadb(c->in.data, c->in.len, 0, NULL) : NULL;
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (msg)
        snprintf(out, outlen, "%s", msg);
    else if (c->in.len)
        snprintf(out, outlen, "HTTP %ld: %.*s", status, (int)(c->in.len > 200 ? 200 : c->in.len),
                 c->in.data);
    else
        snprintf(out, outlen, "HTTP %ld", status);
    json_decref(j);
    /* Replies end with a newline; messages are quoted inside a line. */
    size_t l = strlen(out);
    while (l && (out[l - 1] == '\n' || out[l - 1] == '\r'))
        out[--l] = '\0';
}

static void on_done(void *arg, CURLcode rc, long status, const char *errbuf)
{
    docker_call *c = arg;
    unlink_call(c);
    char msg[512] = "";
    docker_reply rep = {.status = status};
    if (rc != CURLE_OK) { /* a stopped too-big reply is one (CURLE_WRITE_ERROR) */
        rep.transport_error = true;
        rep.status = 0;
        if (c->too_big) {
            snprintf(msg, sizeof msg, "the engine's reply is over %d MiB; not read",
                     REPLY_MAX >> 20);
            sb_free(&c->in); /* a cut list: nothing of it is handed on */
        } else {
            snprintf(msg, sizeof msg, "%s", errbuf && *errbuf ? errbuf : curl_easy_strerror(rc));
        }
    } else if (status < 200 || status >= 300) {
        engine_message(c, status, msg, sizeof msg);
    }
    rep.error = msg;
    rep.body = c->in.data ? c->in.data : "";
    rep.len = c->in.len;
    c->done(c->arg, &rep);
    free_call(c);
}

docker_call *docker_request(docker_api *api, const char *method, const char *path, const char *body,
                            docker_data_fn data, docker_reply_fn done, void *arg, long timeout_s)
{
    if (api->freeing)
        return NULL;
    CURL *easy = curl_easy_init();
    if (!easy)
        return NULL;
    docker_call *c = xcalloc(1, sizeof *c);
    c->api = api;
    c->easy = easy;
    c->data = data;
    c->done = done;
    c->arg = arg;
    char *url = xasprintf("%s%s", api->base, path);
    curl_easy_setopt(easy, CURLOPT_URL, url);
    free(url);
    if (api->sock)
        curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, api->sock);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 10L);
    if (timeout_s > 0)
        curl_easy_setopt(easy, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, c);
    /* No "Expect: 100-continue": it costs a round trip per create. */
    c->headers = curl_slist_append(NULL, "Expect:");
    if (strcmp(method, "POST") == 0) {
        c->body = xstrdup(body ? body : "");
        c->headers = curl_slist_append(c->headers, "Content-Type: application/json");
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, c->body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)strlen(c->body));
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, c->headers);
    LIST_INSERT_HEAD(&api->calls, c, entry);
    if (http_start(api->http, easy, on_done, c)) {
        unlink_call(c);
        free_call(c);
        return NULL;
    }
    return c;
}

void docker_call_cancel(docker_call *c)
{
    if (!c)
        return;
    unlink_call(c);
    http_cancel(c->api->http, c->easy);
    free_call(c);
}

void docker_api_free(docker_api *api)
{
    if (!api)
        return;
    api->freeing = true;
    docker_call *c;
    while ((c = LIST_FIRST(&api->calls))) {
        unlink_call(c);
        http_cancel(api->http, c->easy);
        docker_reply rep = {.cancelled = true, .body = "", .error = "agent stopping"};
        c->done(c->arg, &rep);
        free_call(c);
    }
    docker_events_free(api->events);
    free(api->host);
    free(api->sock);
    free(api->base);
    free(api);
}

struct docker_events **docker_api_events(docker_api *api)
{
    return &api->events;
}

char *docker_escape(docker_api *api, const char *s)
{
    (void)api;
    char *e = curl_easy_escape(NULL, s, 0);
    char *copy = xstrdup(e ? e : "");
    curl_free(e);
    return copy;
}
