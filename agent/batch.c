#include "batch.h"
#include "log.h"
#include "events.h"
#include "runs.h"
#include "slots.h"
#include "store.h"
#include "try_plan.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How often a store that refused writes is tried again. */
#define RESYNC_MS 2000

/* The pids of tries still running a moment after they started, so that a
 * restarted agent finds them at once. A short try's pid never needs its
 * own commit (its end is committed first); a pid lost to a crash before
 * this is found by the try's DAGD_LOG_FILE instead (the local executor's
 * follow). */
#define PID_SAVE_DELAY_MS 100

static void on_resync(uv_timer_t *t);

static void arm_resync(agent *ag)
{
    if (!ag->resync_timer.loop) {
        uv_timer_init(ag->loop, &ag->resync_timer);
        ag->resync_timer.data = ag;
    }
    uv_timer_start(&ag->resync_timer, on_resync, RESYNC_MS, 0);
}

void batch_hold_starts(agent *ag, const char *path)
{
    const char *why = strerror(errno);
    log_error("cannot write %s (%s); no task starts until it can", path, why);
    ag->degraded = true;
    free(ag->degraded_reason);
    ag->degraded_reason = xasprintf("cannot write the state folder: %s", why);
    arm_resync(ag);
}

void batch_add_pending(agent *ag, ti *t)
{
    if (ag->n_pending == ag->cap_pending) {
        ag->cap_pending = ag->cap_pending ? ag->cap_pending * 2 : 16;
        ag->pending = xrealloc(ag->pending, ag->cap_pending * sizeof *ag->pending);
    }
    ag->pending[ag->n_pending++] = t;
}

void batch_save_later(agent *ag, run *r, size_t i)
{
    if (ag->n_later == ag->cap_later) {
        ag->cap_later = ag->cap_later ? ag->cap_later * 2 : 64;
        ag->later = xrealloc(ag->later, ag->cap_later * sizeof *ag->later);
    }
    ag->later[ag->n_later++] = (struct ti_ref){r, i};
}

/* A run that ended in the batch is freed at its commit: its instances are
 * stored with it, in their final states. */
static void forget_later_of_finished(agent *ag)
{
    size_t kept = 0;
    for (size_t k = 0; k < ag->n_later; k++) {
        bool gone = false;
        run *f;
        TAILQ_FOREACH(f, &ag->finished, entry)
            gone |= f == ag->later[k].r;
        if (!gone)
            ag->later[kept++] = ag->later[k];
    }
    ag->n_later = kept;
}

static void enter_degraded(agent *ag);

/* Each in its state of now (a later change in the batch may have moved it
 * on, and was stored already: storing it again is the same row). */
static void save_later(agent *ag)
{
    if (ag->n_later == 0)
        return;
    struct ti_ref *list = ag->later;
    size_t n = ag->n_later;
    ag->later = NULL;
    ag->n_later = ag->cap_later = 0;
    store_batch_begin(ag->db);
    events_hold(ag);
    for (size_t k = 0; k < n; k++)
        runs_save_ti(ag, list[k].r, list[k].i);
    free(list);
    if (store_batch_commit(ag->db)) {
        runs_log_store_error(ag, "committing");
        enter_degraded(ag);
    }
    events_release(ag);
}

static void on_save_pids(uv_timer_t *timer)
{
    agent *ag = timer->data;
    if (ag->degraded)
        return; /* the resync writes them */
    store_batch_begin(ag->db);
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry) {
        for (size_t i = 0; i < r->n_tis; i++) {
            ti *t = &r->tis[i];
            if (t->pid_unsaved && t->state == TI_RUNNING) {
                runs_pid_start(t);
                store_ti_save(ag->db, r, i);
            }
            t->pid_unsaved = false;
        }
    }
    if (store_batch_commit(ag->db))
        runs_log_store_error(ag, "saving process ids");
}

void batch_save_pids_soon(agent *ag)
{
    if (!ag->pid_timer.loop) {
        uv_timer_init(ag->loop, &ag->pid_timer);
        ag->pid_timer.data = ag;
    }
    if (!uv_is_active((uv_handle_t *)&ag->pid_timer))
        uv_timer_start(&ag->pid_timer, on_save_pids, PID_SAVE_DELAY_MS, 0);
}

void batch_begin(agent *ag)
{
    store_batch_begin(ag->db);
    events_hold(ag);
}

/* The claimed tries of a batch that did not commit never started. */
static void unclaim_pending(agent *ag)
{
    for (size_t k = 0; k < ag->n_pending; k++) {
        ti *t = ag->pending[k];
        try_plan_free(t->plan);
        t->plan = NULL;
        slots_count(ag, t->owner, t->index, -1);
        t->try_number--;
        t->state = TI_QUEUED;
        t->start_us = 0;
    }
    free(ag->pending);
    ag->pending = NULL;
    ag->n_pending = ag->cap_pending = 0;
}

/* The store refused a batch (disk full, I/O error): memory holds the truth;
 * start nothing new and try to write everything again every few seconds. */
static void enter_degraded(agent *ag)
{
    if (!ag->degraded)
        log_error("store: cannot write (%s); no task starts until it can", store_error(ag->db));
    ag->degraded = true;
    free(ag->degraded_reason);
    ag->degraded_reason = xasprintf("cannot write the store: %s", store_error(ag->db));
    run *r;
    while ((r = TAILQ_FIRST(&ag->finished))) { /* finished runs are kept until they are stored */
        TAILQ_REMOVE(&ag->finished, r, entry);
        TAILQ_INSERT_HEAD(&ag->unsaved, r, entry);
    }
    unclaim_pending(ag);
    free(ag->later); /* the resync stores whole runs */
    ag->later = NULL;
    ag->n_later = ag->cap_later = 0;
    events_discard_held(ag);
    arm_resync(ag);
}

static void save_whole_run(agent *ag, run *r)
{
    if (!r->tis)
        runs_init_tis(r);        /* a new run that waited in the store (backlog.c) */
    store_run_insert(ag->db, r); /* created in a batch that was refused */
    runs_save(ag, r);
    for (size_t i = 0; i < r->n_tis; i++)
        runs_save_ti(ag, r, i);
}

static void on_resync(uv_timer_t *timer)
{
    agent *ag = timer->data;
    store_batch_begin(ag->db);
    events_hold(ag);
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry)
        save_whole_run(ag, r);
    TAILQ_FOREACH(r, &ag->unsaved, entry)
        save_whole_run(ag, r);
    if (store_batch_commit(ag->db)) {
        events_discard_held(ag);
        events_release(ag);
        uv_timer_start(timer, on_resync, RESYNC_MS, 0);
        return;
    }
    log_info("store: writable again; resuming");
    ag->degraded = false;
    free(ag->degraded_reason);
    ag->degraded_reason = NULL;
    runs_free_list(&ag->unsaved);
    events_release(ag);
    ag->pass(ag);
}

/* Commit, then start the processes of the tries claimed in the batch, then
 * announce. */
int batch_end(agent *ag)
{
    int rc = store_batch_commit(ag->db);
    if (store_in_batch(ag->db)) {
        events_release(ag);
        return rc;
    }
    if (rc) {
        runs_log_store_error(ag, "committing");
        enter_degraded(ag);
        events_release(ag);
        return -1;
    }
    forget_later_of_finished(ag);
    runs_free_list(&ag->finished);
    bool failed = false;
    {
        size_t n = ag->n_pending;
        ti **list = ag->pending;
        ag->pending = NULL;
        ag->n_pending = ag->cap_pending = 0;
        bool launched = false;
        for (size_t k = 0; k < n; k++) {
            bool ok = ag->launch(ag, list[k]);
            failed |= !ok;
            launched |= ok;
        }
        if (launched)
            batch_save_pids_soon(ag);
        free(list);
    }
    events_release(ag);
    save_later(ag);
    if (failed && !ag->stopping)
        ag->pass(ag);
    return 0;
}
