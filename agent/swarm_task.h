/* A task try as a Docker Swarm job (exec_swarm.c): the glue between the
 * runner's task instance and the swarm executor's request, and the sweep
 * of this agent's services after a start. */
#ifndef DAGD_SWARM_TASK_H
#define DAGD_SWARM_TASK_H

#include "executor.h"

/* A swarm try without a timeout waits for a node at most this long. */
#define SWARM_WAIT_DEFAULT_US (3600LL * 1000000LL)

/* Tasks with an image and executor = swarm. */
extern const executor_ops swarm_executor;

/* This agent's label value on its services (swarm_agent_id). */
const char *swarm_task_agent_id(const agent *ag);

/* After a start: remove this agent's services whose try is not running
 * (finished in the store, or of a DAG or run it does not know). */
void swarm_sweep(agent *ag);

#endif
