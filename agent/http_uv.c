/* libcurl's multi socket interface on the agent's libuv loop.
 *
 * curl tells us which sockets to watch (socket callback) and when to call it
 * back (timer callback); libuv tells us when a socket is ready. Each watched
 * socket gets a uv_poll_t; the multi handle's one timer is a uv_timer_t. A
 * finished transfer is reported from check_done(), outside any curl callback,
 * so DONE may start or cancel other transfers. */
#include "http_uv.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    struct http_client *h;
    LIST_ENTRY(sock_ctx) entry; /* h->socks: free closes the ones curl leaves */
} sock_ctx;

typedef struct xfer {
    CURL *easy;
    http_done_fn done;
    void *arg;
    char errbuf[CURL_ERROR_SIZE];
    LIST_ENTRY(xfer) entry; /* h->xfers */
} xfer;

struct http_client {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    LIST_HEAD(, sock_ctx) socks; /* watched for curl */
    LIST_HEAD(, xfer) xfers;     /* added to the multi handle */
    bool freeing;
};

static void on_sock_closed(uv_handle_t *handle)
{
    free(handle->data);
}

static void sock_close(sock_ctx *c)
{
    LIST_REMOVE(c, entry);
    if (uv_is_closing((uv_handle_t *)&c->poll)) {
        free(c); /* see http_client_free: the loop already closed it */
        return;
    }
    uv_poll_stop(&c->poll);
    c->poll.data = c;
    uv_close((uv_handle_t *)&c->poll, on_sock_closed);
}

/* Report every finished transfer. Each message is taken before DONE runs, so
 * a DONE that adds or removes handles does not disturb the loop. */
static void check_done(http_client *h)
{
    CURLMsg *msg;
    int left;
    while (!h->freeing && (msg = curl_multi_info_read(h->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result;
        xfer *x = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(h->multi, easy);
        LIST_REMOVE(x, entry);
        if (rc != CURLE_OK && !x->errbuf[0])
            strncpy(x->errbuf, curl_easy_strerror(rc), sizeof x->errbuf - 1);
        x->done(x->arg, rc, status, x->errbuf);
        curl_easy_cleanup(easy);
        free(x);
    }
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
    sock_ctx *c = poll->data;
    http_client *h = c->h;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    /* C may be freed by this call (curl removes the socket). */
    curl_multi_socket_action(h->multi, c->fd, flags, &running);
    check_done(h);
}

static void on_timer(uv_timer_t *t)
{
    http_client *h = t->data;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

/* curl's CURLMOPT_TIMERFUNCTION: -1 stops the timer; 0 fires on the next
 * loop turn (curl must not be re-entered from its own callback). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    http_client *h = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&h->timer);
    else
        uv_timer_start(&h->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* curl's CURLMOPT_SOCKETFUNCTION: watch S for WHAT, or stop watching it. */
static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)easy;
    http_client *h = userp;
    sock_ctx *c = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (c) {
            sock_close(c);
            if (!h->freeing)
                curl_multi_assign(h->multi, s, NULL);
        }
        return 0;
    }
    if (!c) {
        c = xcalloc(1, sizeof *c);
        c->fd = s;
        c->h = h;
        if (uv_poll_init_socket(h->loop, &c->poll, s) != 0) {
            free(c);
            return -1; /* curl fails the transfer */
        }
        c->poll.data = c;
        LIST_INSERT_HEAD(&h->socks, c, entry);
        curl_multi_assign(h->multi, s, c);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    uv_poll_start(&c->poll, events, on_poll);
    return 0;
}

/* libcurl is only opened (curl_lazy.c) when the first transfer starts. */
http_client *http_client_new(uv_loop_t *loop)
{
    http_client *h = xcalloc(1, sizeof *h);
    LIST_INIT(&h->socks);
    LIST_INIT(&h->xfers);
    h->loop = loop;
    uv_timer_init(loop, &h->timer);
    h->timer.data = h;
    return h;
}

static bool ensure_multi(http_client *h)
{
    if (h->multi)
        return true;
    h->multi = curl_multi_init();
    if (!h->multi)
        return false;
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    return true;
}

static void on_timer_closed(uv_handle_t *handle)
{
    free(handle->data);
}

void http_client_free(http_client *h)
{
    if (!h)
        return;
    xfer *x;
    while ((x = LIST_FIRST(&h->xfers))) {
        LIST_REMOVE(x, entry);
        curl_multi_remove_handle(h->multi, x->easy);
        curl_easy_cleanup(x->easy);
        free(x);
    }
    h->freeing = true;
    if (h->multi)
        curl_multi_cleanup(h->multi);
    /* Sockets curl did not report as removed (kept-alive connections). */
    while (!LIST_EMPTY(&h->socks))
        sock_close(LIST_FIRST(&h->socks));
    uv_timer_stop(&h->timer);
    if (uv_is_closing((uv_handle_t *)&h->timer)) {
        /* Called after a walk closed every handle and the loop ran their
         * close callbacks: nothing of ours is pending any more. Call it
         * before such a walk whenever possible. */
        free(h);
        return;
    }
    h->timer.data = h;
    uv_close((uv_handle_t *)&h->timer, on_timer_closed);
}

int http_start(http_client *h, CURL *easy, http_done_fn done, void *arg)
{
    xfer *x = xcalloc(1, sizeof *x);
    x->easy = easy;
    x->done = done;
    x->arg = arg;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, x->errbuf);
    if (h->freeing || !ensure_multi(h) || curl_multi_add_handle(h->multi, easy) != CURLM_OK) {
        curl_easy_cleanup(easy);
        free(x);
        return -1;
    }
    LIST_INSERT_HEAD(&h->xfers, x, entry);
    return 0;
}

void http_cancel(http_client *h, CURL *easy)
{
    xfer *x = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
    curl_multi_remove_handle(h->multi, easy);
    if (x)
        LIST_REMOVE(x, entry);
    curl_easy_cleanup(easy);
    free(x);
}
