#include "events.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A held event owns copies of its strings: the run it speaks of may be
 * freed, or its state move on, before the commit lets it out. */
typedef struct held {
    struct event ev;
    char *strings[8];
} held;

struct events {
    struct {
        event_fn fn;
        void *arg;
    } subs[EVENTS_MAX_SUBSCRIBERS];
    size_t n_subs;
    held *queue;
    size_t n, cap;
};

static const char *const change_names[DAG_CHANGE_COUNT] = {
    [DAG_ADDED] = "added", [DAG_RELOADED] = "reloaded", [DAG_REMOVED] = "removed",
    [DAG_ERROR] = "error", [DAG_PAUSED] = "paused",     [DAG_UNPAUSED] = "unpaused",
};

const char *dag_change_name(enum dag_change c)
{
    return (unsigned)c < DAG_CHANGE_COUNT ? change_names[c] : "?";
}

const char *event_state_name(const struct event *ev)
{
    return ev->task_id ? ti_state_name(ev->ti_state) : run_state_name(ev->run_state);
}

static struct events *state_of(agent *ag)
{
    if (!ag->events)
        ag->events = xcalloc(1, sizeof *ag->events);
    return ag->events;
}

void events_subscribe(agent *ag, event_fn fn, void *arg)
{
    struct events *es = state_of(ag);
    if (es->n_subs == EVENTS_MAX_SUBSCRIBERS) {
        log_error("too many event subscribers");
        abort(); /* a programming error, found by the first start */
    }
    es->subs[es->n_subs].fn = fn;
    es->subs[es->n_subs].arg = arg;
    es->n_subs++;
}

static void deliver(agent *ag, const struct event *ev)
{
    struct events *es = ag->events;
    /* Notifiers and SLA timers see exactly what subscribers see. */
    for (size_t i = 0; es && i < es->n_subs; i++)
        es->subs[i].fn(es->subs[i].arg, ev);
}

static const char *keep(held *h, int k, const char *s)
{
    h->strings[k] = s ? xstrdup(s) : NULL;
    return h->strings[k];
}

static void held_free(held *h)
{
    for (size_t k = 0; k < sizeof h->strings / sizeof *h->strings; k++)
        free(h->strings[k]);
}

void events_emit(agent *ag, const struct event *ev)
{
    if (ag->events_held <= 0) {
        deliver(ag, ev);
        return;
    }
    struct events *es = state_of(ag);
    if (es->n == es->cap) {
        es->cap = es->cap ? es->cap * 2 : 16;
        es->queue = xrealloc(es->queue, es->cap * sizeof *es->queue);
    }
    held *h = &es->queue[es->n++];
    h->ev = *ev;
    h->ev.dag_id = keep(h, 0, ev->dag_id);
    h->ev.run_id = keep(h, 1, ev->run_id);
    h->ev.task_id = keep(h, 2, ev->task_id);
    h->ev.timezone = keep(h, 3, ev->timezone);
    h->ev.file = keep(h, 4, ev->file);
    h->ev.error = keep(h, 5, ev->error);
    h->ev.waiting_for = keep(h, 6, ev->waiting_for);
    h->ev.node = keep(h, 7, ev->node);
}

void events_hold(agent *ag)
{
    ag->events_held++;
}

static void drop_queue(held *queue, size_t n)
{
    for (size_t i = 0; i < n; i++)
        held_free(&queue[i]);
    free(queue);
}

void events_discard_held(agent *ag)
{
    struct events *es = ag->events;
    if (!es)
        return;
    drop_queue(es->queue, es->n);
    es->queue = NULL;
    es->n = es->cap = 0;
}

void events_release(agent *ag)
{
    struct events *es = ag->events;
    if (--ag->events_held > 0 || !es || !es->n)
        return;
    /* Taken first: a subscriber may emit (delivered at once) meanwhile. */
    held *queue = es->queue;
    size_t n = es->n;
    es->queue = NULL;
    es->n = es->cap = 0;
    for (size_t i = 0; i < n; i++)
        deliver(ag, &queue[i].ev);
    drop_queue(queue, n);
}

void events_free(agent *ag)
{
    events_discard_held(ag);
    free(ag->events);
    ag->events = NULL;
}

static struct event about_run(const run *r)
{
    const dag *m = r->model;
    return (struct event){
        .dag_id = r->de->dag_id,
        .run_id = r->run_id,
        .run_state = r->state,
        .logical_us = r->logical_us,
        .timezone = m ? m->timezone : NULL,
    };
}

void events_task(agent *ag, const run *r, size_t i)
{
    struct event ev = about_run(r);
    ev.kind = EVENT_TASK;
    ev.task_id = r->model->tasks[i].id;
    ev.ti_state = ti_shown_state(&r->tis[i]);
    ev.try_number = r->tis[i].try_number;
    ev.waiting_for = r->tis[i].state == TI_RUNNING ? r->tis[i].waiting_for : NULL;
    ev.node = r->tis[i].node;
    events_emit(ag, &ev);
}

void events_run(agent *ag, const run *r)
{
    struct event ev = about_run(r);
    ev.kind = EVENT_RUN;
    events_emit(ag, &ev);
}

void events_sla_miss(agent *ag, const run *r, int task)
{
    const dag *m = r->model;
    struct event ev = about_run(r);
    ev.kind = EVENT_SLA_MISS;
    ev.due_us = r->due_us;
    ev.sla_us = m->sla_us;
    if (task >= 0) {
        ev.task_id = m->tasks[task].id;
        ev.ti_state = r->tis[task].state;
        ev.try_number = r->tis[task].try_number;
        ev.sla_us = m->tasks[task].sla_us;
    }
    events_emit(ag, &ev);
}

void events_dag(agent *ag, const dag_entry *de, const char *what)
{
    struct event ev = {
        .kind = EVENT_DAG,
        .dag_id = de->dag_id,
        .paused = de->paused,
        .file = de->file,
        .error = de->error,
        .timezone = de->model ? de->model->timezone : NULL,
    };
    int c = 0;
    while (c < DAG_CHANGE_COUNT && strcmp(change_names[c], what) != 0)
        c++;
    if (c == DAG_CHANGE_COUNT) {
        log_warn("unknown DAG change \"%s\"; not announced", what);
        return;
    }
    ev.what = (enum dag_change)c;
    events_emit(ag, &ev);
}
