/* wait: reply when a run finishes, or when the timeout passes. */
#include "commands.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

typedef struct waiter {
    uv_timer_t timer;
    client *cl;
    json_t *id;
    char *dag_id, *run_id;
    json_t *logical_date; /* read back in the reply, as everywhere */
    LIST_ENTRY(waiter) entry;
} waiter;

static LIST_HEAD(waiter_list, waiter) waiters = LIST_HEAD_INITIALIZER(waiters);

static void on_waiter_closed(uv_handle_t *h)
{
    waiter *w = h->data;
    client_unref(w->cl);
    json_decref(w->id);
    free(w->dag_id);
    free(w->run_id);
    json_decref(w->logical_date);
    free(w);
}

static void drop(waiter *w)
{
    LIST_REMOVE(w, entry);
    uv_close((uv_handle_t *)&w->timer, on_waiter_closed);
}

static void reply(waiter *w, const char *state, bool timed_out)
{
    if (!client_closed(w->cl))
        server_reply_ok(w->cl, w->id,
                        json_pack("{s:s, s:O, s:s, s:b}", "run_id", w->run_id, "logical_date",
                                  w->logical_date, "state", state, "timed_out", timed_out));
    drop(w);
}

static void on_timeout(uv_timer_t *t)
{
    reply(t->data, "running", true);
}

void wait_on_event(void *arg, const struct event *ev)
{
    (void)arg;
    if (ev->kind != EVENT_RUN || !run_state_finished(ev->run_state))
        return;
    const char *state = run_state_name(ev->run_state);
    /* reply() unlinks W: the next one is read first (no _SAFE in glibc). */
    for (waiter *w = LIST_FIRST(&waiters), *next; w; w = next) {
        next = LIST_NEXT(w, entry);
        if (strcmp(w->dag_id, ev->dag_id) == 0 && strcmp(w->run_id, ev->run_id) == 0)
            reply(w, state, false);
    }
}

void wait_shutdown(agent *ag)
{
    (void)ag;
    waiter *w;
    while ((w = LIST_FIRST(&waiters)))
        drop(w);
}

json_t *cmd_wait(request *rq)
{
    long long timeout_s = arg_int(rq, "timeout_s");
    json_t *logical = json_date_or_null(store_run_logical(rq->ag->db, rq->dag->dag_id, rq->run_id),
                                        rq->dag->model ? rq->dag->model->timezone : "UTC");
    if (run_state_finished(rq->run_state))
        return json_pack("{s:s, s:o, s:s, s:b}", "run_id", rq->run_id, "logical_date", logical,
                         "state", run_state_name(rq->run_state), "timed_out", 0);
    waiter *w = xcalloc(1, sizeof *w);
    w->cl = rq->cl;
    client_ref(w->cl);
    w->id = json_incref(rq->id);
    w->dag_id = xstrdup(rq->dag->dag_id);
    w->run_id = xstrdup(rq->run_id);
    w->logical_date = logical;
    uv_timer_init(rq->ag->loop, &w->timer);
    w->timer.data = w;
    if (timeout_s > 0)
        uv_timer_start(&w->timer, on_timeout, (uint64_t)timeout_s * 1000, 0);
    LIST_INSERT_HEAD(&waiters, w, entry);
    return NULL; /* the reply comes when the run finishes */
}
