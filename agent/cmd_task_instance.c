/* task_instance: one cell of the grid in detail, with why it waits. */
#include "commands.h"
#include "runner.h"
#include "runs.h"
#include "store.h"
#include "timeutil.h"

#define DEPS_SHOWN 100

json_t *cmd_task_instance(request *rq)
{
    dag_entry *de = rq->dag;
    const char *run_id = rq->run_id;
    size_t task = rq->task;
    run *r = agent_find_run(rq->ag, de, run_id);
    run *loaded = r ? NULL : store_load_run(rq->ag->db, de, run_id);
    const run *shown = r ? r : loaded;
    const ti *t = &shown->tis[task];
    const char *tz = de->model->timezone;
    char buf[128];
    const char *why = r ? runner_waiting_for(rq->ag, r, task, buf, sizeof buf) : NULL;
    int64_t end = t->end_us ? t->end_us : (t->start_us ? time_now_us() : 0);
    json_t *o = json_pack(
        "{s:s, s:s, s:o, s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:s, s:s?}", "dag_id", de->dag_id,
        "run_id", run_id, "logical_date", json_date_or_null(shown->logical_us, tz), "task_id",
        de->model->tasks[task].id, "state", ti_state_name(t->state), "try_number", t->try_number,
        "max_tries", t->max_tries, "start_date", json_time_or_null(t->start_us, tz), "end_date",
        json_time_or_null(t->end_us, tz), "duration_s",
        t->start_us ? json_real((double)(end - t->start_us) / USEC_PER_SEC) : json_null(),
        "executor", de->model->tasks[task].image ? "docker" : "local", "waiting_for", why);
    /* Its direct neighbours, for dagtop's detail line and dependency view
     * (the first DEPS_SHOWN of each, and how many there are). */
    const dag_task *task_m = &de->model->tasks[task];
    const size_t *idx[2] = {task_m->up, task_m->down};
    size_t n[2] = {task_m->n_up, task_m->n_down};
    static const char *const key[2][2] = {{"upstream", "n_upstream"},
                                          {"downstream", "n_downstream"}};
    for (int k = 0; k < 2; k++) {
        json_t *ids = json_array();
        for (size_t j = 0; j < n[k] && j < DEPS_SHOWN; j++)
            json_array_append_new(ids, json_string(de->model->tasks[idx[k][j]].id));
        json_object_set_new(o, key[k][0], ids);
        json_object_set_new(o, key[k][1], json_integer((json_int_t)n[k]));
    }
    if (loaded)
        runs_free(loaded);
    return o;
}
