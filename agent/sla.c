#include "sla.h"
#include "log.h"
#include "events.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

struct sla {
    agent *ag;
    uv_timer_t timer;
};

static void on_timer(uv_timer_t *t);

static bool run_finished(const run *r)
{
    return r->state == RUN_SUCCESS || r->state == RUN_FAILED;
}

/* Deadline of the run's own SLA, or -1 when there is none to watch. */
static int64_t run_deadline(const run *r)
{
    const dag *m = r->model;
    if (!m || m->sla_us <= 0 || r->due_us <= 0 || r->sla_done || run_finished(r))
        return -1;
    return r->due_us + m->sla_us;
}

static int64_t ti_deadline(const run *r, size_t i)
{
    const dag *m = r->model;
    if (!m || i >= m->n_tasks || r->due_us <= 0)
        return -1;
    const ti *t = &r->tis[i];
    if (m->tasks[i].sla_us <= 0 || t->sla_done || ti_state_finished(t->state))
        return -1;
    return r->due_us + m->tasks[i].sla_us;
}

static void announce(agent *ag, const run *r, int task, int64_t now)
{
    const dag *m = r->model;
    const char *task_id = task >= 0 ? m->tasks[task].id : NULL;
    int64_t sla_us = task >= 0 ? m->tasks[task].sla_us : m->sla_us;
    char sla_text[32];
    duration_format(sla_us, sla_text, sizeof sla_text);
    log_warn("sla_miss: %s %s%s%s not finished %s after it became due (%.1f s late)", r->de->dag_id,
             r->run_id, task_id ? " task " : "", task_id ? task_id : "", sla_text,
             (double)(now - r->due_us - sla_us) / 1e6);
    /* Recorded (committed: no batch is open in a timer callback) before it
     * is announced, like every other event; held like them if one is. */
    events_sla_miss(ag, r, task);
}

/* Once per run / task instance: the store's key decides, so that a
 * restarted agent does not fire again. */
static void miss(agent *ag, run *r, int task, int64_t now)
{
    const char *task_id = task >= 0 ? r->model->tasks[task].id : NULL;
    if (task >= 0)
        r->tis[task].sla_done = true;
    else
        r->sla_done = true;
    int rc = store_sla_miss_record(ag->db, r->de->dag_id, r->run_id, task_id, now);
    if (rc < 0)
        log_error("store: recording an SLA miss: %s", store_error(ag->db));
    if (rc == 0)
        announce(ag, r, task, now);
}

/* With FIRE, the deadlines that passed fire; without, they only arm the
 * timer (at once), so that an sla_miss never overtakes the event being
 * delivered. */
static void check(agent *ag, bool fire)
{
    sla *s = ag->sla;
    if (!s)
        return;
    int64_t now = time_now_us(), next = -1;
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry) {
        if (!r->model)
            continue;
        int64_t d = run_deadline(r);
        if (fire && d >= 0 && d <= now)
            miss(ag, r, -1, now);
        else if (d >= 0 && (next < 0 || d < next))
            next = d;
        for (size_t i = 0; i < r->n_tis; i++) {
            d = ti_deadline(r, i);
            if (fire && d >= 0 && d <= now)
                miss(ag, r, (int)i, now);
            else if (d >= 0 && (next < 0 || d < next))
                next = d;
        }
    }
    if (next < 0 || ag->stopping) {
        uv_timer_stop(&s->timer);
        return;
    }
    /* Round up: firing a little late is fine, early means a second turn. */
    uint64_t delay_ms = next > now ? (uint64_t)((next - now + 999) / 1000) : 0;
    uv_timer_start(&s->timer, on_timer, delay_ms, 0);
}

static void on_timer(uv_timer_t *t)
{
    sla *s = t->data;
    check(s->ag, true);
}

void sla_arm(agent *ag)
{
    check(ag, false);
}

/* A finished run that clear brought back: deadlines already past were met
 * or missed (and recorded) while it ran the first time. */
static void settle_reopened(agent *ag, const struct event *ev)
{
    const char *dag_id = ev->dag_id;
    const char *run_id = ev->run_id;
    dag_entry *de = dag_id ? agent_find_dag(ag, dag_id) : NULL;
    run *r = de && run_id ? agent_find_run(ag, de, run_id) : NULL;
    if (!r || !r->model)
        return;
    bool history = r->start_us > 0;
    for (size_t i = 0; i < r->n_tis && !history; i++)
        history = r->tis[i].try_number > 0;
    if (!history)
        return; /* a new run */
    int64_t now = time_now_us();
    int64_t d = run_deadline(r);
    if (d >= 0 && d <= now)
        r->sla_done = true;
    for (size_t i = 0; i < r->n_tis; i++) {
        d = ti_deadline(r, i);
        if (d >= 0 && d <= now)
            r->tis[i].sla_done = true;
    }
}

void sla_on_event(void *arg, const struct event *ev)
{
    agent *ag = arg;
    if (!ag->sla)
        return;
    if (ev->kind == EVENT_RUN) {
        if (ev->run_state == RUN_QUEUED)
            settle_reopened(ag, ev);
        sla_arm(ag);
    } else if (ev->kind == EVENT_DAG) {
        sla_arm(ag); /* a reload may have changed an sla */
    }
}

void sla_init(agent *ag)
{
    sla *s = xcalloc(1, sizeof *s);
    s->ag = ag;
    uv_timer_init(ag->loop, &s->timer);
    s->timer.data = s;
    ag->sla = s;
}

static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

void sla_free(agent *ag)
{
    sla *s = ag->sla;
    if (!s)
        return;
    ag->sla = NULL;
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, on_closed);
}
