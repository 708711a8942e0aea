#include "control.h"
#include "runner.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"
#include "runs.h"
#include "swap.h"
#include "versions.h"

#include <stdint.h>
#include <string.h>

#define BACKFILL_MAX 10000

typedef struct scope {
    agent *ag;
    dag_entry *de;
    int64_t chosen;
    const selection_flags *f;
    strlist run_ids;
} scope;

static void collect_run(void *arg, const char *run_id, int64_t logical)
{
    scope *sc = arg;
    if (selection_run_in_scope(sc->chosen, logical, sc->f))
        strlist_push(&sc->run_ids, run_id);
}

static void clear_one(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    runner_kill_try(ag, r, i);
    /* The try number stays; the retry budget starts again. */
    t->max_tries = t->try_number + r->model->tasks[i].retries + 1;
    t->start_us = t->end_us = t->next_retry_us = 0;
    runner_log_used(r, t); /* made ahead or not, try 1's log is there now */
    t->log_ready = false;
    /* Its outputs go with it (Airflow clears XCom): the next try's count. */
    if (store_outputs_drop(ag->db, r->de->dag_id, r->run_id, r->model->tasks[i].id))
        runs_log_store_error(ag, "dropping outputs");
    runner_set_state(ag, r, i, TI_NONE);
}

/* Airflow's set_task_instance_state: after a mark success, the failed and
 * upstream_failed instances below the chosen task are cleared, so that they
 * run again ("I fixed it by hand, go on"), even when the chosen one was a
 * success already. Returns how many. */
static int clear_failed_below(agent *ag, run *r, size_t task)
{
    const dag *m = r->model;
    bool *below = xcalloc(m->n_tasks, sizeof *below);
    selection_flags down = {.downstream = true};
    selection_tasks(m, task, &down, below);
    int n = 0;
    for (size_t k = 0; k < m->n_tasks; k++) {
        enum ti_state s = r->tis[k].state;
        if (k != task && below[k] && (s == TI_FAILED || s == TI_UPSTREAM_FAILED)) {
            clear_one(ag, r, k);
            n++;
        }
    }
    free(below);
    return n;
}

static void mark_one(agent *ag, run *r, size_t i, enum ti_state target)
{
    ti *t = &r->tis[i];
    runner_kill_try(ag, r, i);
    t->next_retry_us = 0;
    t->end_us = time_now_us();
    runner_set_state(ag, r, i, target);
}

/* A run loaded from the store (finished): reopen it when something is left
 * to run, else recompute its state from the leaves. Takes ownership. */
static void settle_stored_run(agent *ag, run *r)
{
    enum run_state outcome;
    if (!runner_run_outcome(r, &outcome)) {
        runs_reopen(ag, r);
        return;
    }
    if (outcome != r->state) {
        r->state = outcome;
        r->end_us = time_now_us();
        runs_save(ag, r);
    }
    runs_free(r);
}

/* Whether task K of R's model is among TASKS (chosen on the current
 * model: a run of an older version is matched by task id). */
static bool chosen_task(const dag_entry *de, const run *r, const bool *tasks, size_t k)
{
    if (r->model == de->model)
        return tasks[k];
    int i = dag_task_index(de->model, r->model->tasks[k].id);
    return i >= 0 && tasks[i];
}

/* How many instances of R the selection touches. */
static int count_touched(const dag_entry *de, const run *r, const bool *tasks, enum ti_state target,
                         const selection_flags *f)
{
    int n = 0;
    for (size_t i = 0; i < r->model->n_tasks; i++) {
        enum ti_state s = r->tis[i].state;
        n += chosen_task(de, r, tasks, i) && selection_state_in_scope(s, f) &&
             !(target != TI_NONE && s == target);
    }
    return n;
}

static int touch_run(agent *ag, dag_entry *de, const char *run_id, size_t task, const bool *tasks,
                     enum ti_state target, const selection_flags *f, bool dry_run, json_t *touched)
{
    run *r = agent_find_run(ag, de, run_id);
    bool stored = !r;
    if (stored && !(r = store_load_run(ag->db, de, run_id)))
        return 0;
    r->ag = ag;
    if (stored)
        versions_restore(ag, r); /* judged on its own version first */
    /* clear moves a run it touches to the current version (Airflow 3),
     * unless --keep-version; mark never moves one. */
    bool moved = false;
    if (!dry_run && target == TI_NONE && !f->keep_version && r->model != de->model &&
        count_touched(de, r, tasks, target, f) > 0) {
        swap_run(ag, r, de->model);
        moved = true;
    }
    const dag *m = r->model;
    int n = 0;
    for (size_t i = 0; i < m->n_tasks; i++) {
        enum ti_state s = r->tis[i].state;
        if (!chosen_task(de, r, tasks, i) || !selection_state_in_scope(s, f))
            continue;
        if (target != TI_NONE && s == target)
            continue; /* marking what already is changes nothing */
        json_array_append_new(touched,
                              json_pack("{s:s, s:s}", "run_id", run_id, "task_id", m->tasks[i].id));
        n++;
        if (dry_run)
            continue;
        if (target == TI_NONE)
            clear_one(ag, r, i);
        else
            mark_one(ag, r, i, target);
    }
    int own = dag_task_index(m, de->model->tasks[task].id);
    int cleared =
        !dry_run && target == TI_SUCCESS && own >= 0 ? clear_failed_below(ag, r, (size_t)own) : 0;
    if (moved)
        runs_save(ag, r); /* its new version */
    /* What can no longer run is settled at once, on a paused DAG too. */
    if (!dry_run && (n || cleared))
        runner_settle(ag, r);
    if (stored) {
        if (!dry_run && (n || cleared))
            settle_stored_run(ag, r);
        else
            runs_free(r);
    }
    return n;
}

int control_apply(agent *ag, dag_entry *de, const char *run_id, size_t task, enum ti_state target,
                  const selection_flags *f, bool dry_run, json_t *touched)
{
    run *chosen = agent_find_run(ag, de, run_id);
    run *loaded = chosen ? NULL : store_load_run(ag->db, de, run_id);
    if (!chosen && !loaded)
        return -1;
    scope sc = {ag, de, (chosen ? chosen : loaded)->logical_us, f, {0}};
    if (loaded)
        runs_free(loaded);
    bool *tasks = xcalloc(de->model->n_tasks, sizeof *tasks);
    selection_tasks(de->model, task, f, tasks);
    /* Only the dates in scope are read: a clear of one run does not walk
     * the DAG's history. */
    store_list_runs(ag->db, de->dag_id, f->past ? INT64_MIN : sc.chosen,
                    f->future ? INT64_MAX : sc.chosen, collect_run, &sc);
    int n = 0;
    for (size_t k = 0; k < sc.run_ids.n; k++)
        n += touch_run(ag, de, sc.run_ids.items[k], task, tasks, target, f, dry_run, touched);
    strlist_free(&sc.run_ids);
    free(tasks);
    return n;
}

int control_backfill_dates(agent *ag, dag_entry *de, int64_t from, int64_t to, json_t *dates,
                           char *err, size_t errlen)
{
    const dag *m = de->model;
    if (m->cron.none) {
        snprintf(err, errlen, "DAG \"%s\" has no schedule to backfill", de->dag_id);
        return -1;
    }
    if (to < from) {
        snprintf(err, errlen, "--to is before --from");
        return -1;
    }
    /* Intervals that have ended, on or after start_date: the one in
     * progress (or any later) is refused, earlier dates are left out. */
    int64_t now = time_now_us();
    int64_t open = cron_prev(&m->cron, m->timezone, now);
    if (open < 0)
        open = cron_next(&m->cron, m->timezone, now);
    if (open >= 0 && to >= open) {
        char iso[48];
        time_format_iso(open, m->timezone, iso, sizeof iso);
        snprintf(err, errlen, "--to reaches the interval of %s, which has not ended", iso);
        return -1;
    }
    if (m->start_date != DAG_NO_DATE && from < m->start_date)
        from = m->start_date;
    int seen = 0;
    for (int64_t l = cron_next(&m->cron, m->timezone, from - 1); l >= 0 && l <= to;
         l = cron_next(&m->cron, m->timezone, l)) {
        if (++seen > BACKFILL_MAX) {
            snprintf(err, errlen, "more than %d intervals; backfill a shorter range", BACKFILL_MAX);
            return -1;
        }
    }
    int n = 0;
    for (int64_t l = cron_next(&m->cron, m->timezone, from - 1); l >= 0 && l <= to;
         l = cron_next(&m->cron, m->timezone, l)) {
        if (!store_run_exists_at(ag->db, de->dag_id, l)) {
            json_array_append_new(dates, json_integer(l));
            n++;
        }
    }
    return n;
}

bool control_backfill_one(agent *ag, dag_entry *de, int64_t logical, json_t *run_ids)
{
    const dag *m = de->model;
    if (store_run_exists_at(ag->db, de->dag_id, logical))
        return false;
    int64_t end = cron_next(&m->cron, m->timezone, logical);
    int rc;
    run *r = runs_create(ag, de, "backfill", logical, logical, end, time_now_us(), NULL, &rc);
    if (r)
        json_array_append_new(run_ids, json_string(r->run_id));
    return r != NULL;
}
