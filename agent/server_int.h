/* Inside the socket server: the structs shared by server.c (listener,
 * connection limits, framing) and server_out.c (replies, and the one output
 * budget that all subscribers share). */
#ifndef DAGD_SERVER_INT_H
#define DAGD_SERVER_INT_H

#include "server.h"
#include "util.h"

#include <stdint.h>
#include <sys/queue.h>

struct client {
    uv_pipe_t pipe;
    agent *ag;
    server *srv;              /* outlives the client's handle (server_stop) */
    LIST_ENTRY(client) entry; /* srv->clients, while open */
    strbuf in;
    bool discarding; /* inside a line that was too long */
    bool subscribed;
    bool closed;
    bool counted;      /* in its user's connection count */
    bool draining;     /* cut off: sends what is queued and a last overflow line */
    bool eof;          /* the peer shut down its side: closed once all is answered */
    uint64_t drain_by; /* loop time (ms) by which a draining client is closed */
    int refs;
    /* Output not yet written, in order: lines that events share, and
     * replies; the first Q_BUSY of them are in the write in flight. */
    struct out_line **q;
    size_t q_head, q_len, q_cap, q_busy;
    size_t q_off;     /* bytes of the first line written already */
    uv_write_t write; /* the write in flight, when q_busy > 0 */
    size_t pending;   /* bytes queued */
    size_t charged;   /* of which events: charged to the subscribers' budget */
    uid_t uid;
};

typedef struct user_count {
    uid_t uid;
    int n;
} user_count;

struct server {
    uv_pipe_t listener;
    uv_timer_t timer;            /* closes draining clients, returns freed memory */
    LIST_HEAD(, client) clients; /* newest first */
    size_t n_clients;
    char *path;
    int handles;   /* listener, timer and client pipes not yet closed */
    client **snap; /* broadcast's list of subscribers */
    size_t cap_snap;
    uint64_t refused_logged; /* loop time of the last log line about refusals */
    user_count *users;
    size_t n_users, cap_users;
    int fd_limit, fd_reserve;
    int other_fds;       /* open descriptors that are not clients, recounted */
    uint64_t counted_at; /* loop time of that count */
    size_t live_charged; /* events queued for subscribers that keep up */
    size_t drain_charged;
    size_t pending_total; /* everything queued, for returning memory */
    size_t pending_peak;  /* since memory was last returned */
    bool big_reply;       /* one was built since: its JSON tree was freed, not returned */
};

/* server_out.c */
void server_out_init(server *srv, uv_loop_t *loop);
void server_out_stop(server *srv); /* closes the timer */
/* C is closing: its queued events leave the budget now, not when the
 * cancelled writes come back. */
void server_out_forget(client *c);
/* A half-closed client with nothing left to send or to come is closed. */
void server_out_close_if_answered(client *c);
/* C's handle is closed: what it still had queued is dropped. */
void server_out_release(client *c);
/* server.c */
void client_close(client *c);
void server_release(server *srv); /* a handle of the server is closed */

#endif
