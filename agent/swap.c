#include "swap.h"
#include "batch.h"
#include "executor.h"
#include "runs.h"
#include "slots.h"
#include "timeutil.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Tasks gone from the new version: a running try is stopped, the instance
 * becomes removed (saved against the old model, which still names it). */
static void remove_vanished(agent *ag, run *r, const dag *old, const dag *next)
{
    for (size_t k = 0; k < r->n_tis; k++) {
        if (dag_task_index(next, old->tasks[k].id) >= 0)
            continue;
        ti *t = &r->tis[k];
        if (t->exec) {
            t->ops->discard(t->exec);
            t->exec = NULL;
        }
        if (!ti_state_finished(t->state)) {
            t->state = TI_REMOVED;
            t->end_us = time_now_us();
            runs_save_ti(ag, r, k);
        }
    }
}

void swap_run(agent *ag, run *r, dag *next)
{
    dag *old = r->model;
    if (old == next)
        return;
    remove_vanished(ag, r, old, next);
    ti *tis = xcalloc(next->n_tasks, sizeof *tis);
    bool *added = xcalloc(next->n_tasks, sizeof *added);
    for (size_t j = 0; j < next->n_tasks; j++) {
        int k = dag_task_index(old, next->tasks[j].id);
        if (k >= 0) {
            tis[j] = r->tis[k];
        } else {
            tis[j].max_tries = next->tasks[j].retries + 1;
            added[j] = true;
        }
        tis[j].owner = r;
        tis[j].index = j;
        if (tis[j].exec)
            tis[j].ops->set_arg(tis[j].exec, &tis[j]);
    }
    for (size_t k = 0; k < old->n_tasks; k++)
        if (dag_task_index(next, old->tasks[k].id) < 0)
            free(r->tis[k].followed); /* the others moved to TIS */
    free(r->tis);
    r->tis = tis;
    r->n_tis = next->n_tasks;
    r->model = dag_ref(next); /* new tasks are saved under their own ids */
    memcpy(r->version, next->version, sizeof r->version);
    for (size_t j = 0; j < next->n_tasks; j++)
        if (added[j])
            runs_save_ti(ag, r, j);
    dag_unref(old);
    free(added);
    slots_recount(ag);
}

void swap_model(agent *ag, dag_entry *de, dag *next)
{
    dag *old = de->model;
    de->model = next;
    dag_unref(old); /* freed with the last active run of its version */
    slots_recount(ag);
}
