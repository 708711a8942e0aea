#include "scheduler.h"
#include "metrics.h"
#include "log.h"
#include "runs.h"
#include "store.h"
#include "timeutil.h"

#include <stdio.h>

static void on_wake(uv_timer_t *t)
{
    agent *ag = t->data;
    ag->pass(ag); /* the agent's pass (engine.h), which arms the timer again */
}

void scheduler_init(agent *ag)
{
    uv_timer_init(ag->loop, &ag->wake_timer);
    ag->wake_timer.data = ag;
}

/* The latest interval that has ended by NOW: its logical date, or -1. */
static int64_t latest_complete(const dag *m, int64_t now)
{
    int64_t end = cron_prev(&m->cron, m->timezone, now);
    return end < 0 ? -1 : cron_prev(&m->cron, m->timezone, end - 1);
}

/* The first interval at or after LOGICAL that has no run yet (manual and
 * backfill runs take their dates, as in Airflow), or -1 past end_date.
 * cron_next is strictly increasing, so each step progresses; a DAG has at
 * most one run per date, so the steps are bounded by its runs. */
static int64_t first_free(agent *ag, const dag_entry *de, int64_t logical)
{
    const dag *m = de->model;
    while (logical >= 0 && !(m->end_date != DAG_NO_DATE && logical > m->end_date) &&
           store_run_exists_at(ag->db, de->dag_id, logical)) {
        int64_t next = cron_next(&m->cron, m->timezone, logical);
        if (next <= logical)
            return -1; /* cannot happen (cron_next is strict); never loop on it */
        logical = next;
    }
    return logical;
}

/* catchup_window: intervals that became due (ended) before NOW - window
 * are left out: LOGICAL moves to the first one that ended within it. */
static int64_t apply_window(dag_entry *de, int64_t logical, int64_t now)
{
    const dag *m = de->model;
    if (!m->catchup || m->catchup_window_us <= 0 || logical < 0)
        return logical;
    int64_t end0 = cron_next(&m->cron, m->timezone, now - m->catchup_window_us - 1);
    int64_t first = end0 < 0 ? -1 : cron_prev(&m->cron, m->timezone, end0 - 1);
    if (first <= logical)
        return logical;
    if (first > de->window_logged_us) {
        /* Count them, bounded: a minutely schedule a year behind is huge. */
        long n = 0;
        for (int64_t l = logical; l >= 0 && l < first && n < 1000000; n++) {
            int64_t next = cron_next(&m->cron, m->timezone, l);
            if (next <= l)
                break;
            l = next;
        }
        char iso[48];
        time_format_iso(first, m->timezone, iso, sizeof iso);
        log_info("%s: catchup_window left out %ld%s missed interval%s before %s", de->dag_id, n,
                 n >= 1000000 ? " or more" : "", n == 1 ? "" : "s", iso);
        de->window_logged_us = first;
    }
    return first;
}

void scheduler_plan(agent *ag, dag_entry *de)
{
    const dag *m = de->model;
    de->next_logical_us = de->next_due_us = -1;
    if (!m || m->cron.none)
        return;
    int64_t now = time_now_us();
    int64_t last = store_last_logical(ag->db, de->dag_id, "scheduled");
    if (de->skipped_logical_us < 0 && m->overlap_skip) /* after a start */
        de->skipped_logical_us = store_dag_skipped(ag->db, de->dag_id);
    int64_t logical;
    if (last >= 0)
        logical = cron_next(&m->cron, m->timezone, last);
    else if (m->start_date != DAG_NO_DATE)
        logical = cron_next(&m->cron, m->timezone, m->start_date - 1);
    else
        logical = latest_complete(m, now); /* no start_date: from the latest interval */
    if (!m->catchup) {
        int64_t latest = latest_complete(m, now);
        if (latest > logical)
            logical = latest;
    }
    logical = apply_window(de, logical, now);
    /* overlap = skip: what was left out stays out. */
    if (de->skipped_logical_us >= 0 && logical >= 0 && logical <= de->skipped_logical_us)
        logical = cron_next(&m->cron, m->timezone, de->skipped_logical_us);
    if (logical < 0) /* nothing complete yet: the first interval from now */
        logical = cron_next(&m->cron, m->timezone, now);
    if (m->start_date != DAG_NO_DATE && logical >= 0 && logical < m->start_date)
        logical = cron_next(&m->cron, m->timezone, m->start_date - 1);
    logical = first_free(ag, de, logical);
    if (logical < 0 || (m->end_date != DAG_NO_DATE && logical > m->end_date))
        return;
    de->next_logical_us = logical;
    de->next_due_us = cron_next(&m->cron, m->timezone, logical);
    if (de->next_due_us >= 0) /* jitter: the start moves, the logical date does not */
        de->next_due_us += dag_jitter_offset(de->dag_id, m->jitter_us);
}

/* overlap = skip: the due interval is not created while max_active_runs
 * runs are active. Returns false when the plan does not move. */
/* Skipped at once, at most (a minutely DAG far behind is not walked one
 * log line at a time). */
#define SKIP_MAX 1000000L

static bool skip_due(agent *ag, dag_entry *de, int64_t now)
{
    const dag *m = de->model;
    int64_t first = de->next_logical_us, last = first;
    int64_t offset = dag_jitter_offset(de->dag_id, m->jitter_us);
    long n = 1;
    /* Every interval due by now goes with it: one line says how many. */
    for (; n < SKIP_MAX; n++) {
        int64_t next = cron_next(&m->cron, m->timezone, last);
        int64_t due = next < 0 ? -1 : cron_next(&m->cron, m->timezone, next);
        if (next <= last || due < 0 || due + offset > now ||
            (m->end_date != DAG_NO_DATE && next > m->end_date))
            break;
        last = next;
    }
    char a[48], b[48];
    time_format_iso(first, m->timezone, a, sizeof a);
    time_format_iso(last, m->timezone, b, sizeof b);
    int open = runs_open(ag, de);
    if (n == 1)
        log_info("%s: overlap = skip: the run for %s was not created (%d active run%s, "
                 "max_active_runs %d)",
                 de->dag_id, a, open, open == 1 ? "" : "s", m->max_active_runs);
    else
        log_info("%s: overlap = skip: %ld runs from %s to %s were not created (%d active run%s, "
                 "max_active_runs %d)",
                 de->dag_id, n, a, b, open, open == 1 ? "" : "s", m->max_active_runs);
    metrics_runs_skipped(de->dag_id, n);
    de->skipped_logical_us = last;
    if (store_dag_set_skipped(ag->db, de->dag_id, last))
        log_error("store: saving what overlap = skip left out: %s", store_error(ag->db));
    scheduler_plan(ag, de);
    return de->next_logical_us < 0 || de->next_logical_us > last;
}

/* After the store refused to create a run. */
#define CREATE_RETRY_US (1000 * 1000)

void scheduler_create_due_runs(agent *ag)
{
    if (ag->degraded)
        return; /* created once the store takes writes again */
    int64_t now = time_now_us();
    for (size_t k = 0; k < ag->n_dags; k++) {
        dag_entry *de = ag->dags[k];
        /* Each turn creates the run for next_logical_us or finds it taken;
         * either way the plan moves past it. A plan that does not move
         * (it cannot, but a loop must not rely on that) ends the turn. */
        while (de->model && !de->paused && de->next_due_us >= 0 && de->next_due_us <= now) {
            if (runs_open(ag, de) >= de->model->max_active_runs) {
                /* queue: the interval waits for a run to finish (Airflow). */
                if (!de->model->overlap_skip || !skip_due(ag, de, now))
                    break;
                continue;
            }
            int64_t logical = de->next_logical_us;
            int64_t end = cron_next(&de->model->cron, de->model->timezone, logical);
            int rc;
            int64_t due = end + dag_jitter_offset(de->dag_id, de->model->jitter_us);
            runs_create(ag, de, "scheduled", logical, logical, end, due, NULL, &rc);
            if (rc < 0) {
                /* The store refused: the timer tries again in a while, not
                 * at once (a due time in the past would wake it at once). */
                de->next_due_us = now + CREATE_RETRY_US;
                break;
            }
            scheduler_plan(ag, de);
            if (de->next_logical_us >= 0 && de->next_logical_us <= logical) {
                log_error("%s: the schedule does not move past %lld; stopped", de->dag_id,
                          (long long)logical);
                de->next_logical_us = de->next_due_us = -1;
                break;
            }
        }
    }
}

void scheduler_arm(agent *ag, int64_t next_retry_us)
{
    int64_t due = next_retry_us;
    for (size_t k = 0; k < ag->n_dags; k++) {
        const dag_entry *de = ag->dags[k];
        /* A store that refuses writes creates nothing: the resync passes
         * when it takes them again (else a due run would wake it at once,
         * for ever). */
        if (!de->model || de->paused || de->next_due_us < 0 || ag->degraded)
            continue;
        /* A DAG at max_active_runs is woken by its runs finishing instead
         * (with overlap = skip, at the due time: to leave the run out). */
        if (runs_open(ag, de) >= de->model->max_active_runs && !de->model->overlap_skip)
            continue;
        if (due < 0 || de->next_due_us < due)
            due = de->next_due_us;
    }
    uv_timer_stop(&ag->wake_timer);
    if (due < 0 || ag->stopping)
        return;
    int64_t delay_us = due - time_now_us();
    uint64_t delay_ms = delay_us <= 0 ? 0 : (uint64_t)((delay_us + 999) / 1000);
    uv_timer_start(&ag->wake_timer, on_wake, delay_ms, 0);
}

int scheduler_upcoming(const dag_entry *de, int64_t now, int count, int64_t *logical,
                       int64_t *starts)
{
    const dag *m = de->model;
    if (!m || m->cron.none || de->next_logical_us < 0)
        return 0;
    int n = 0;
    int64_t l = de->next_logical_us;
    /* Intervals already due but not created yet come first. */
    (void)now;
    while (n < count && l >= 0 && !(m->end_date != DAG_NO_DATE && l > m->end_date)) {
        int64_t s = cron_next(&m->cron, m->timezone, l);
        if (s <= l)
            break; /* -1, or (never) no progress */
        logical[n] = l;
        starts[n] = s + dag_jitter_offset(de->dag_id, m->jitter_us);
        n++;
        l = s;
    }
    return n;
}
