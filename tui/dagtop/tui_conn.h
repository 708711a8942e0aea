/* dagtop's one connection to the agent, on the libuv loop: it subscribes to
 * events first, then carries requests; replies and events arrive on the same
 * ordered stream, so a reply already reflects every event received before
 * it. When the agent goes away it reconnects with back-off (100 ms doubling
 * to 2 s). */
#ifndef DAGD_TUI_CONN_H
#define DAGD_TUI_CONN_H

#include "tui_json.h"
#include "util.h"

#include <jansson.h>
#include <stdbool.h>
#include <uv.h>

typedef struct tui_reply {
    bool ok;
    tj_span result;      /* valid during the callback only */
    const char *code;    /* on error; "disconnected" when the connection dropped */
    const char *message; /* on error */
} tui_reply;

/* Called exactly once per request: with the reply, or with "disconnected". */
typedef void (*tc_reply_fn)(void *owner, const tui_reply *r, void *ud);

typedef struct tc_callbacks {
    void (*connected)(void *owner);
    void (*disconnected)(void *owner, const char *why);
    void (*event)(void *owner, json_t *event); /* borrowed */
} tc_callbacks;

typedef struct tc_pending {
    int id;
    tc_reply_fn fn;
    void *ud;
} tc_pending;

enum tc_state { TC_IDLE, TC_CONNECTING, TC_OPEN, TC_CLOSING, TC_STOPPED };

typedef struct tui_conn {
    uv_loop_t *loop;
    char *path;
    tc_callbacks cb;
    void *owner;
    uv_pipe_t pipe;
    uv_connect_t creq;
    uv_timer_t retry;
    enum tc_state st;
    bool was_open;
    bool subscribed;
    int backoff_ms;
    int next_id;
    tc_pending *pend;
    size_t n_pend, cap_pend;
    strbuf in;
    char why[160];
    char rbuf[64 * 1024];
} tui_conn;

void tc_init(tui_conn *c, uv_loop_t *loop, const char *path, const tc_callbacks *cb, void *owner);
/* Connect now (later attempts are automatic). */
void tc_start(tui_conn *c);
bool tc_is_open(const tui_conn *c);
/* Send CMD with ARGS (stolen, may be NULL). Returns the request id, or 0 when
 * not connected (then FN is not called). */
int tc_request(tui_conn *c, const char *cmd, json_t *args, tc_reply_fn fn, void *ud);
/* Stop for good: pending requests get "disconnected", handles are closed
 * (run the loop once more to let them finish closing). */
void tc_shutdown(tui_conn *c);

#endif
