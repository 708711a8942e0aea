/* grid: runs (newest first) by tasks (topological), from the store. */
#include "commands.h"
#include "store.h"

void cmd_grid(request *rq)
{
    dag_entry *de = arg_dag(rq);
    long long limit = 25;
    if (!de || !arg_int(rq, "limit", false, &limit))
        return;
    if (limit < 1 || limit > 10000) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.limit\" must be 1..10000");
        return;
    }
    server_reply_ok(rq->cl, rq->id, store_grid_json(rq->ag->db, de, (int)limit));
}
