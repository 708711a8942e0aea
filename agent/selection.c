#include "selection.h"

#include <string.h>

static void walk(const dag *m, size_t t, bool down, bool *mask)
{
    const dag_task *task = &m->tasks[t];
    size_t n = down ? task->n_down : task->n_up;
    const size_t *next = down ? task->down : task->up;
    for (size_t k = 0; k < n; k++) {
        if (!mask[next[k]]) {
            mask[next[k]] = true;
            walk(m, next[k], down, mask);
        }
    }
}

void selection_tasks(const dag *m, size_t task, const selection_flags *f, bool *mask)
{
    memset(mask, 0, m->n_tasks * sizeof *mask);
    mask[task] = true;
    if (f->downstream)
        walk(m, task, true, mask);
    /* Upstream of the chosen task only; in a DAG none of its ancestors is
     * among its descendants, so the walks do not meet. */
    if (f->upstream)
        walk(m, task, false, mask);
}

bool selection_run_in_scope(int64_t chosen, int64_t candidate, const selection_flags *f)
{
    if (candidate == chosen)
        return true;
    return candidate < chosen ? f->past : f->future;
}

bool selection_state_in_scope(enum ti_state state, const selection_flags *f)
{
    return !f->failed_only || state == TI_FAILED || state == TI_UPSTREAM_FAILED;
}
