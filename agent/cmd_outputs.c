/* outputs: what the tasks of a run wrote to $DAGD_OUTPUT, as stored when
 * their tries succeeded: {"TASK":{"KEY":"VALUE"}}, one task or all. */
#include "commands.h"
#include "store.h"

json_t *cmd_outputs(request *rq)
{
    const char *task = arg_str(rq, "task_id") ? rq->dag->model->tasks[rq->task].id : NULL;
    return store_outputs_json(rq->ag->db, rq->dag->dag_id, rq->run_id, task);
}
