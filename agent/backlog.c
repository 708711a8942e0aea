#include "backlog.h"
#include "log.h"
#include "run_list.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int backlog_in_memory(const agent *ag, const dag_entry *de)
{
    int n = 0;
    const run *r;
    TAILQ_FOREACH(r, &ag->runs, entry)
        n += r->de == de;
    return n;
}

void backlog_park(agent *ag, run *r)
{
    r->de->backlog = true;
    r->de->refill = true;
    /* Freed with the finished runs once the batch commits; if it does not,
     * they are written again from there (batch.c), this one too. */
    TAILQ_INSERT_HEAD(&ag->finished, r, entry);
}

/* A queued run may go back to the store: nothing of it is running. */
static bool can_leave(const run *r)
{
    if (r->state != RUN_QUEUED)
        return false;
    for (size_t i = 0; i < r->n_tis; i++)
        if (r->tis[i].exec)
            return false;
    return true;
}

static void read_in(agent *ag, dag_entry *de, const char *run_id)
{
    run *r = store_load_run(ag->db, de, run_id);
    if (!r)
        return;
    r->ag = ag;
    for (size_t i = 0; i < r->n_tis; i++)
        if (r->tis[i].state == TI_QUEUED)
            r->tis[i].state = TI_NONE; /* decided again by the pass */
    runs_insert(ag, r);
}

static void refill_one(agent *ag, dag_entry *de)
{
    de->refill = false;
    int running = 0, queued = 0;
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry)
        if (r->de == de)
            running += r->state == RUN_RUNNING;
    int room = de->model->max_active_runs - running;
    strlist want = {0};
    if (room > 0)
        store_queued_runs(ag->db, de->dag_id, de->paused, room, &want);
    /* Back to the store: queued runs no longer among the next ones. */
    for (run *at = TAILQ_FIRST(&ag->runs), *next; at; at = next) {
        next = TAILQ_NEXT(at, entry);
        if (at->de != de || at->state != RUN_QUEUED)
            continue;
        if (strlist_contains(&want, at->run_id) || !can_leave(at)) {
            queued++;
            continue;
        }
        TAILQ_REMOVE(&ag->runs, at, entry);
        TAILQ_INSERT_HEAD(&ag->finished, at, entry);
    }
    for (size_t k = 0; k < want.n; k++) {
        if (agent_find_run(ag, de, want.items[k]))
            continue;
        read_in(ag, de, want.items[k]);
        queued++;
    }
    strlist_free(&want);
    de->backlog = store_count_queued(ag->db, de->dag_id, queued + 1) > queued;
}

void backlog_refill(agent *ag)
{
    if (ag->degraded)
        return; /* memory holds the truth until the store takes writes again */
    for (size_t k = 0; k < ag->n_dags; k++) {
        dag_entry *de = ag->dags[k];
        if (de->refill && de->model)
            refill_one(ag, de);
    }
}
