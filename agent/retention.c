#include "retention.h"
#include "file_trigger.h"
#include "fsutil.h"
#include "logpath.h"
#include "log.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

/* One step: at most this many runs (or audit records) in one short
 * transaction, and no more than STEP_US of deleting (a run of 50 tasks is
 * ~0.1 ms in the store, its logs more), then back to the loop: a reply
 * never waits for more than one step. */
#define RETENTION_STEP_RUNS 100
#define RETENTION_STEP_AUDIT 1000
#define RETENTION_STEP_US 3000
/* Trigger-file records looked at in one step (a stat each, for those whose
 * run is gone). */
#define RETENTION_STEP_TRIGGERS 200
/* Between steps: not 0, since libuv runs a timer re-armed with 0 in the
 * same turn again, before any I/O (the whole pass would be one stall). */
#define RETENTION_GAP_MS 1
#define RETENTION_EVERY_MS (24ULL * 3600 * 1000)

/* What this pass removed, logged once at its end; where its walk through
 * the trigger-file records is (0: at the start, or through). */
static int pass_runs, pass_audit, pass_triggers;
static int64_t trigger_cursor;

static void on_step(uv_timer_t *t);

static int64_t cutoff(const agent *ag)
{
    return time_now_us() - (int64_t)ag->cfg.keep_days * USEC_PER_DAY;
}

/* Returns how much it removed, or 1 while the trigger-file walk goes on; 0
 * means this pass is done. */
static int step(agent *ag)
{
    if (ag->cfg.keep_days <= 0 || ag->degraded)
        return 0;
    int64_t before = cutoff(ag);
    strlist dags = {0}, runs = {0};
    int n = store_expired_runs(ag->db, before, RETENTION_STEP_RUNS, &dags, &runs);
    int removed = 0, deleted = 0, tried = 0;
    int64_t t0 = time_now_us();
    store_batch_begin(ag->db);
    /* Only what was really deleted counts: a step that deletes nothing
     * ends the pass (the same rows would come back at once, for ever). */
    for (; tried < n && (tried == 0 || time_now_us() - t0 < RETENTION_STEP_US); tried++)
        deleted += store_delete_run(ag->db, dags.items[tried], runs.items[tried]) == 0;
    int audit = store_delete_old_audit(ag->db, before, RETENTION_STEP_AUDIT);
    /* Versions go with the last run that used them (the current stays). */
    int versions = store_delete_unused_versions(ag->db);
    /* Once the pass's runs are gone: the walk then meets all their records. */
    int64_t cursor = trigger_cursor;
    int triggers = n > 0 ? 0
                         : store_prune_triggers(ag->db, &cursor, RETENTION_STEP_TRIGGERS,
                                                file_trigger_unchanged);
    if (store_batch_commit(ag->db) == 0) {
        removed = deleted + (audit > 0 ? audit : 0) + (triggers > 0 ? triggers : 0);
        /* A walk that goes on is work left even when nothing went. */
        trigger_cursor = triggers >= 0 ? cursor : 0;
        if (trigger_cursor && !removed)
            removed = 1;
        pass_triggers += triggers > 0 ? triggers : 0;
        if (versions > 0)
            log_info("retention: removed %d DAG version%s no run uses", versions,
                     versions == 1 ? "" : "s");
        for (int i = 0; i < tried; i++) {
            char *dir = logpath_run_dir(ag->cfg.state_dir, dags.items[i], runs.items[i]);
            rm_tree(dir);
            free(dir);
        }
        pass_runs += deleted;
        pass_audit += audit > 0 ? audit : 0;
    }
    strlist_free(&dags);
    strlist_free(&runs);
    return removed;
}

static void on_step(uv_timer_t *t)
{
    agent *ag = t->data;
    /* More to do: yield to the loop, go on next turn; else see you tomorrow. */
    if (step(ag) > 0) {
        uv_timer_start(t, on_step, RETENTION_GAP_MS, 0);
        return;
    }
    if (pass_runs || pass_audit)
        log_info("retention: removed %d runs and %d audit records older than %d days", pass_runs,
                 pass_audit, ag->cfg.keep_days);
    if (pass_triggers)
        log_info("retention: forgot %d trigger files that are gone, with their runs",
                 pass_triggers);
    pass_runs = pass_audit = pass_triggers = 0;
    trigger_cursor = 0;
    uv_timer_start(t, on_step, RETENTION_EVERY_MS, 0);
}

void retention_start(agent *ag)
{
    uv_timer_init(ag->loop, &ag->retention_timer);
    ag->retention_timer.data = ag;
    uv_timer_start(&ag->retention_timer, on_step, 0, 0);
}

void retention_stop(agent *ag)
{
    uv_timer_stop(&ag->retention_timer);
}
