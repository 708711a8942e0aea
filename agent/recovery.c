#include "recovery.h"
#include "local_task.h"
#include "log.h"
#include "timeutil.h"
#include "try_history.h"
#include "try_plan.h"
#include "try_status.h"
#include "logpath.h"
#include "executors.h"
#include "runner.h"
#include "runs.h"
#include "run_list.h"
#include "slots.h"
#include "store.h"
#include "versions.h"

#include <stdlib.h>

static void follow_try(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    const dag_task *task = &r->model->tasks[i];
    const executor_ops *ops = executor_for(task);
    try_files f; /* a try of an older agent keeps its files where they are */
    logpath_find(ag->cfg.state_dir, r->de->dag_id, r->run_id, task->id, t->try_number, &f);
    t->owner = r;
    t->index = i;
    t->old_layout = f.old;
    bool not_started = false;
    exec_handle *h = ops->follow(ag, r, i, &f, runner_try_done, t, &not_started);
    try_files_free(&f);
    if (not_started) {
        runner_unclaim(ag, r, i);
        return;
    }
    t->exec = h;
    t->ops = ops;
    slots_count(ag, r, i, +1);
}

/* Whether try N of task I has a record that says it started (or ended). */
static bool try_ran(agent *ag, const run *r, size_t i, int n)
{
    char *log = logpath_try(ag->cfg.state_dir, r->de->dag_id, r->run_id, r->model->tasks[i].id, n);
    int code;
    enum try_status st = try_status_read(log, &code);
    free(log);
    return st == TRY_STATUS_STARTED || st == TRY_STATUS_EXITED;
}

/* Closes the history row of try N, if it is still open, with the outcome
 * its record gives (a try followed by another one has ended). */
static void close_history(agent *ag, const run *r, size_t i, int n, int64_t now)
{
    const dag_task *task = &r->model->tasks[i];
    char *log = logpath_try(ag->cfg.state_dir, r->de->dag_id, r->run_id, task->id, n);
    int code = -1;
    bool ok = try_status_read(log, &code) == TRY_STATUS_EXITED && code == 0;
    free(log);
    store_try_end(ag->db, r->de->dag_id, r->run_id, task->id, n,
                  ti_state_name(ok ? TI_SUCCESS : TI_FAILED), now);
}

/* Tries that started before their claim was committed (batch.c): the
 * store still has the try before them, but the records of the next try
 * numbers say they started, or how they ended (more than one when a
 * start failed and its retry began in the same batch). The last of them
 * is the one to follow; those before it have ended. It gets its history
 * row now. */
static bool adopt_early_try(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    const dag_task *task = &r->model->tasks[i];
    if (executor_for(task) != &local_executor)
        return false;
    int last = t->try_number;
    while (try_ran(ag, r, i, last + 1))
        last++;
    if (last == t->try_number)
        return false;
    int64_t now = time_now_us();
    for (int n = t->try_number > 0 ? t->try_number : 1; n < last; n++)
        close_history(ag, r, i, n, now);
    t->try_number = last;
    t->state = TI_RUNNING;
    t->start_us = now;
    t->end_us = t->next_retry_us = 0;
    t->pid = 0;
    t->owner = r;
    t->index = i;
    runs_save_ti(ag, r, i); /* what the grid reads */
    char *log = logpath_try(ag->cfg.state_dir, r->de->dag_id, r->run_id, task->id, last);
    struct try_plan *p = try_plan_make(ag, r, i, log);
    try_history_begin(ag, r, i, &p->vars, p->command);
    try_plan_free(p);
    log_info("%s %s %s try %d started before its claim was stored: taken over", r->de->dag_id,
             r->run_id, task->id, t->try_number);
    return true;
}

static void adopt_one(void *arg, run *r)
{
    agent *ag = arg;
    r->ag = ag;
    versions_restore(ag, r); /* it finishes on the version it was created with */
    for (size_t i = 0; i < r->n_tis; i++) {
        ti *t = &r->tis[i];
        if (adopt_early_try(ag, r, i) || t->state == TI_RUNNING)
            follow_try(ag, r, i);
        else if (t->state == TI_QUEUED)
            t->state = TI_NONE; /* decided again by the next pass */
    }
    if (r->state == RUN_RUNNING)
        r->de->active_runs++;
    runs_insert(ag, r);
}

void recovery_adopt_runs(agent *ag, dag_entry *de)
{
    store_load_active_runs(ag->db, de, adopt_one, ag);
    de->refill = true; /* the queued ones are read in by the pass (backlog.c) */
}
