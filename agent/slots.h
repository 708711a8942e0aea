/* Slots of running tries: the agent's parallelism, a DAG's
 * max_active_tasks, pools, and the memory / cpus budgets (admission.h). */
#ifndef DAGD_SLOTS_H
#define DAGD_SLOTS_H

#include "agent.h"

/* May task I of R take a slot now? */
bool slots_admit(const agent *ag, const run *r, size_t task_index);
/* Task I of R takes (+1) or gives back (-1) its slots. */
void slots_count(agent *ag, run *r, size_t task_index, int delta);
/* Running counts (agent, DAGs, pools) from scratch, after a reload. */
void slots_recount(agent *ag);
/* The slot task I of R waits for ("parallelism", "pool P", "memory", ...),
 * or NULL. */
const char *slots_waiting_for(const agent *ag, const run *r, size_t task_index, char *buf,
                              size_t len);

#endif
