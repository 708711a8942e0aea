#include "runs.h"
#include "backlog.h"
#include "run_list.h"
#include "log.h"
#include "events.h"
#include "procutil.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void runs_log_store_error(agent *ag, const char *what)
{
    log_error("store: %s: %s", what, store_error(ag->db));
}

void runs_pid_start(ti *t)
{
    if (t->state == TI_RUNNING && t->pid > 0 && t->pid_start == 0)
        t->pid_start = proc_start_ticks(t->pid);
}

void runs_save_ti(agent *ag, run *r, size_t i)
{
    runs_pid_start(&r->tis[i]);
    if (store_ti_save(ag->db, r, i))
        runs_log_store_error(ag, "saving a task instance");
    events_task(ag, r, i);
}

void runs_save(agent *ag, run *r)
{
    if (store_run_save(ag->db, r))
        runs_log_store_error(ag, "saving a run");
    events_run(ag, r);
}

static bool keep(agent *ag, run *r);

run *runs_create(agent *ag, dag_entry *de, const char *run_type, int64_t logical_us,
                 int64_t interval_start_us, int64_t interval_end_us, int64_t due_us,
                 const char *params_json, int *rc)
{
    const dag *m = de->model;
    char iso[48];
    time_format_iso(logical_us, m->timezone, iso, sizeof iso);
    run *r = xcalloc(1, sizeof *r);
    r->ag = ag;
    r->de = de;
    r->run_id = xasprintf("%s__%s", run_type, iso);
    r->run_type = xstrdup(run_type);
    r->logical_us = logical_us;
    r->interval_start_us = interval_start_us;
    r->interval_end_us = interval_end_us;
    r->due_us = due_us;
    r->state = RUN_QUEUED;
    r->params_json = xstrdup(params_json ? params_json : "{}");
    r->model = dag_ref(de->model);
    r->no_outputs = true;
    memcpy(r->version, m->version, sizeof r->version);
    runs_init_tis(r);
    *rc = store_run_insert(ag->db, r);
    if (*rc) {
        if (*rc < 0)
            runs_log_store_error(ag, "creating a run");
        runs_free(r);
        return NULL;
    }
    events_run(ag, r);
    if (!keep(ag, r)) {
        /* Its instances are all new: batch.c makes them again if the
         * batch has to be written again; the store has them. */
        free(r->tis);
        r->tis = NULL;
        r->n_tis = 0;
        backlog_park(ag, r);
    }
    return r;
}

void runs_init_tis(run *r)
{
    const dag *m = r->model; /* the run's version */
    r->n_tis = m->n_tasks;
    r->tis = xcalloc(m->n_tasks, sizeof *r->tis);
    for (size_t i = 0; i < m->n_tasks; i++)
        r->tis[i].max_tries = m->tasks[i].retries + 1;
}

/* Keep R in memory when it is among the next to start (the pass checks
 * the order); false: it waits in the store. */
static bool keep(agent *ag, run *r)
{
    dag_entry *de = r->de;
    de->refill = true; /* the pass checks it is among the next ones */
    if (de->backlog || backlog_in_memory(ag, de) >= de->model->max_active_runs)
        return false;
    runs_insert(ag, r);
    return true;
}

void runs_reopen(agent *ag, run *r)
{
    r->ag = ag;
    r->end_us = 0;
    r->state = RUN_QUEUED; /* started by the pass as max_active_runs allows */
    runs_save(ag, r);
    if (!keep(ag, r))
        backlog_park(ag, r);
}

int runs_open(const agent *ag, const dag_entry *de)
{
    /* Queued runs in the store count too (at least one when any). */
    return backlog_in_memory(ag, de) + de->backlog;
}

void runs_ti_free(ti *t)
{
    free(t->followed);
    free(t->waiting_for);
    free(t->node);
}

void runs_free(run *r)
{
    free(r->run_id);
    free(r->run_type);
    free(r->params_json);
    free(r->dates);
    for (size_t i = 0; r->tis && i < r->n_tis; i++)
        runs_ti_free(&r->tis[i]);
    free(r->tis);
    dag_unref(r->model);
    free(r);
}

void runs_free_list(struct run_list *list)
{
    run *r;
    while ((r = TAILQ_FIRST(list))) {
        TAILQ_REMOVE(list, r, entry);
        runs_free(r);
    }
}
