/* versions: a DAG's versions, newest first, with how many runs use each. */
#include "commands.h"
#include "store.h"

json_t *cmd_versions(request *rq)
{
    dag_entry *de = rq->dag;
    return store_versions_json(rq->ag->db, de->dag_id, de->model ? de->model->timezone : "UTC");
}
