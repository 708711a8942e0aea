/* task: one task instance as the contract shows it: task_instance's detail
 * and the tries, each with what it ran (the rendered command; the names of
 * its environment, never the values). */
#include "commands.h"
#include "store.h"

json_t *cmd_task(request *rq)
{
    json_t *o = cmd_task_instance(rq);
    const dag_entry *de = rq->dag;
    const char *task_id = de->model->tasks[rq->task].id;
    json_t *tries =
        store_tries_json(rq->ag->db, de->dag_id, rq->run_id, task_id, de->model->timezone);
    /* A try from before tries were recorded: what the instance knows. */
    json_int_t latest = json_integer_value(json_object_get(o, "try_number"));
    json_t *last = json_array_get(tries, json_array_size(tries) - 1);
    if (latest > 0 && json_integer_value(json_object_get(last, "try")) != latest)
        json_array_append_new(tries, json_pack("{s:I, s:O, s:O, s:O, s:O, s:O, s:n, s:n, s:[]}",
                                               "try", latest, "state", json_object_get(o, "state"),
                                               "start", json_object_get(o, "start_date"), "end",
                                               json_object_get(o, "end_date"), "duration_s",
                                               json_object_get(o, "duration_s"), "executor",
                                               json_object_get(o, "executor"), "image", "command",
                                               "env_names"));
    json_object_set_new(o, "tries", tries);
    return o;
}
