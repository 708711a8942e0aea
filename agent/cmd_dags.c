/* dags: every DAG file with its schedule, pause flag, next run and error. */
#include "commands.h"
#include "store.h"

#define RECENT_RUNS 10

void cmd_dags(request *rq)
{
    agent *ag = rq->ag;
    json_t *list = json_array();
    for (size_t i = 0; i < ag->n_dags; i++) {
        const dag_entry *de = ag->dags[i];
        const char *tz = de->model ? de->model->timezone : "UTC";
        json_t *o = json_pack(
            "{s:s, s:b, s:s?, s:o, s:o, s:s, s:s?, s:i, s:o}", "dag_id", de->dag_id, "paused",
            de->paused, "schedule", de->model ? de->model->schedule : NULL, "next_run",
            json_date_or_null(de->next_logical_us, tz), "next_run_starts_at",
            json_time_or_null(de->next_due_us, tz), "file", de->file, "error", de->error, "running",
            de->running_tasks, "recent", store_recent_states_json(ag->db, de->dag_id, RECENT_RUNS));
        /* Declared params with their defaults, in file order (trigger
         * prompts); JSON objects keep insertion order in jansson. */
        json_t *params = json_object();
        for (size_t k = 0; de->model && k < de->model->n_params; k++)
            json_object_set_new(params, de->model->params[k].name,
                                json_string(de->model->params[k].value));
        json_object_set_new(o, "params", params);
        json_array_append_new(list, o);
    }
    server_reply_ok(rq->cl, rq->id, list);
}
