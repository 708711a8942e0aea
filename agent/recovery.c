#include "recovery.h"
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

static void adopt_one(void *arg, run *r)
{
    agent *ag = arg;
    r->ag = ag;
    versions_restore(ag, r); /* it finishes on the version it was created with */
    for (size_t i = 0; i < r->n_tis; i++) {
        ti *t = &r->tis[i];
        if (t->state == TI_RUNNING)
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
