/* The nodes of a Docker Swarm from a manager's Engine API: GET /nodes, then
 * GET /tasks for how many tasks each node runs, over docker_api (libcurl on
 * the loop: asynchronous, never blocking). An adapter: no agent state. */
#ifndef DAGD_SWARM_NODES_H
#define DAGD_SWARM_NODES_H

#include "docker_api.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct swarm_nodes_call swarm_nodes_call;

/* Called once per fetch: ROWS (borrowed, valid during the call) is
 * [{"id","hostname","state","availability","labels","memory","cpus",
 * "tasks"}] in the engine's order, or NULL with ERROR saying why (the
 * engine unreachable, not a swarm manager, a reply that does not parse).
 * CANCELLED: the api is being freed; free your state, start nothing. */
typedef void (*swarm_nodes_fn)(void *arg, json_t *rows, const char *error, bool cancelled);

/* NULL when the call could not even start (DONE is not called then). */
swarm_nodes_call *swarm_nodes_fetch(docker_api *api, swarm_nodes_fn done, void *arg);
/* Stop it; DONE is not called. */
void swarm_nodes_cancel(swarm_nodes_call *c);

/* The rows from the two replies' bodies: NODES (GET /nodes) and TASKS (GET
 * /tasks, or NULL: every count 0). "tasks" counts the tasks whose
 * Status.State is running on the node, of any service. NULL with ERR when
 * NODES is not a list of nodes. */
json_t *swarm_nodes_rows(const char *nodes, size_t nodes_len, const char *tasks, size_t tasks_len,
                         char *err, size_t errlen);
/* How many of ROWS are ready (state "ready"). */
size_t swarm_nodes_ready(const json_t *rows);

#endif
