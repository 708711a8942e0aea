/* grid: runs (newest first) by tasks (topological), from the store. */
#include "commands.h"
#include "store.h"

json_t *cmd_grid(request *rq)
{
    return store_grid_json(rq->ag->db, rq->dag, (int)arg_int(rq, "limit"));
}
