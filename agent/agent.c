#include "agent.h"

#include <string.h>

dag_entry *agent_find_dag(agent *ag, const char *dag_id)
{
    for (size_t i = 0; i < ag->n_dags; i++)
        if (strcmp(ag->dags[i]->dag_id, dag_id) == 0)
            return ag->dags[i];
    return NULL;
}

run *agent_find_run(agent *ag, dag_entry *de, const char *run_id)
{
    for (run *r = ag->runs; r; r = r->next)
        if (r->de == de && strcmp(r->run_id, run_id) == 0)
            return r;
    return NULL;
}
