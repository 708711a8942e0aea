#include "agent.h"

#include <string.h>

/* Several entries can carry one id: a file that duplicates it, a broken
 * file named after it, a removed file whose runs finish. The live one with
 * a model is the DAG. */
static int rank(const dag_entry *de)
{
    return (de->duplicate ? 0 : 4) + (de->removed ? 0 : 2) + (de->model ? 1 : 0);
}

dag_entry *agent_find_dag(agent *ag, const char *dag_id)
{
    dag_entry *best = NULL;
    for (size_t i = 0; i < ag->n_dags; i++)
        if (strcmp(ag->dags[i]->dag_id, dag_id) == 0 && (!best || rank(ag->dags[i]) > rank(best)))
            best = ag->dags[i];
    return best;
}

run *agent_find_run(agent *ag, dag_entry *de, const char *run_id)
{
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry)
        if (r->de == de && strcmp(r->run_id, run_id) == 0)
            return r;
    return NULL;
}
