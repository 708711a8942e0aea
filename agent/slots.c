#include "slots.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static int pool_index(const agent *ag, const char *pool)
{
    for (size_t i = 0; pool && i < ag->cfg.n_pools; i++)
        if (strcmp(ag->cfg.pools[i].name, pool) == 0)
            return (int)i;
    return -1;
}

/* The agent's memory and cpu budgets are for what runs here: a swarm
 * job's reservations are the cluster's to meet. */
static int64_t budget_memory(const dag_task *task)
{
    return task->executor == EXECUTOR_SWARM ? 0 : task->memory_bytes;
}

static double budget_cpus(const dag_task *task)
{
    return task->executor == EXECUTOR_SWARM ? 0 : task->cpus;
}

bool slots_admit(const agent *ag, const run *r, size_t i)
{
    const dag_task *task = &r->model->tasks[i];
    if (ag->stopping || ag->degraded)
        return false;
    if (ag->running_tasks >= ag->cfg.parallelism)
        return false;
    if (r->de->running_tasks >= r->model->max_active_tasks)
        return false;
    int p = pool_index(ag, task->pool);
    if (p >= 0 && ag->pool_used[p] >= ag->cfg.pools[p].slots)
        return false;
    return admission_check(&ag->adm, budget_memory(task), budget_cpus(task)) == NULL;
}

void slots_count(agent *ag, run *r, size_t i, int delta)
{
    ag->running_tasks += delta;
    r->de->running_tasks += delta;
    const dag_task *task = &r->model->tasks[i];
    int p = pool_index(ag, task->pool);
    if (p >= 0)
        ag->pool_used[p] += delta;
    admission_account(&ag->adm, budget_memory(task), budget_cpus(task), delta);
}

void slots_recount(agent *ag)
{
    ag->running_tasks = 0;
    ag->adm.mem_used = ag->adm.cpu_used = 0;
    ag->pool_used = xrealloc(ag->pool_used, (ag->cfg.n_pools + 1) * sizeof *ag->pool_used);
    memset(ag->pool_used, 0, (ag->cfg.n_pools + 1) * sizeof *ag->pool_used);
    for (size_t k = 0; k < ag->n_dags; k++)
        ag->dags[k]->running_tasks = 0;
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry)
        for (size_t i = 0; i < r->n_tis; i++)
            if (r->tis[i].state == TI_RUNNING)
                slots_count(ag, r, i, +1);
}

const char *slots_waiting_for(const agent *ag, const run *r, size_t i, char *buf, size_t len)
{
    const dag_task *task = &r->model->tasks[i];
    if (ag->running_tasks >= ag->cfg.parallelism)
        return "parallelism";
    if (r->de->running_tasks >= r->model->max_active_tasks)
        return "max_active_tasks";
    int p = pool_index(ag, task->pool);
    if (p >= 0 && ag->pool_used[p] >= ag->cfg.pools[p].slots) {
        snprintf(buf, len, "pool %s", task->pool);
        return buf;
    }
    return admission_check(&ag->adm, budget_memory(task), budget_cpus(task)); /* memory, cpus */
}
