/* task_instance: one cell of the grid in detail, with why it waits. */
#include "commands.h"
#include "executors.h"
#include "runner.h"
#include "runs.h"
#include "store.h"
#include "timeutil.h"
#include "versions.h"

#define DEPS_SHOWN 100

json_t *cmd_task_instance(request *rq)
{
    dag_entry *de = rq->dag;
    const char *run_id = rq->run_id;
    size_t task = rq->task;
    run *r = agent_find_run(rq->ag, de, run_id);
    run *loaded = r ? NULL : store_load_run(rq->ag->db, de, run_id);
    if (loaded)
        versions_restore(rq->ag, loaded);
    const run *shown = r ? r : loaded;
    /* TASK is an index into the current model; the run may be on another
     * version (matched by task id; none there: an instance that never was). */
    int own = dag_task_index(shown->model, de->model->tasks[task].id);
    static const ti none = {.state = TI_NONE};
    const ti *t = own >= 0 ? &shown->tis[own] : &none;
    const dag_task *dt = own >= 0 ? &shown->model->tasks[own] : &de->model->tasks[task];
    task = own >= 0 ? (size_t)own : task;
    const char *tz = de->model->timezone;
    char buf[128];
    /* A queued run waiting in the store (backlog.h) waits like one in
     * memory: for a slot, or for an unpause. */
    const char *why = own < 0 ? NULL
                      : r     ? runner_waiting_for(rq->ag, r, task, buf, sizeof buf)
                      : loaded->state == RUN_QUEUED
                          ? runner_waiting_for(rq->ag, loaded, task, buf, sizeof buf)
                          : NULL;
    int64_t end = t->end_us ? t->end_us : (t->start_us ? time_now_us() : 0);
    json_t *o = json_pack(
        "{s:s, s:s, s:o, s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:s, s:s?}", "dag_id", de->dag_id,
        "run_id", run_id, "logical_date", json_date_or_null(shown->logical_us, tz), "task_id",
        dt->id, "state", ti_state_name(ti_shown_state(t)), "try_number", t->try_number, "max_tries",
        t->max_tries, "start_date", json_time_or_null(t->start_us, tz), "end_date",
        json_time_or_null(t->end_us, tz), "duration_s",
        t->start_us ? json_real((double)(end - t->start_us) / USEC_PER_SEC) : json_null(),
        "executor", executor_for(dt)->name, "waiting_for", why);
    if (o && t->node)
        json_object_set_new(o, "node", json_string(t->node));
    json_t *outs = store_outputs_json(rq->ag->db, de->dag_id, run_id, dt->id);
    json_t *mine = json_object_get(outs, dt->id);
    json_object_set_new(o, "outputs", mine ? json_incref(mine) : json_object());
    json_decref(outs);
    /* Its direct neighbours, for dagtop's detail line and dependency view
     * (the first DEPS_SHOWN of each, and how many there are). */
    const size_t *idx[2] = {dt->up, dt->down};
    size_t n[2] = {dt->n_up, dt->n_down};
    const dag *dm = own >= 0 ? shown->model : de->model;
    static const char *const key[2][2] = {{"upstream", "n_upstream"},
                                          {"downstream", "n_downstream"}};
    for (int k = 0; k < 2; k++) {
        json_t *ids = json_array();
        for (size_t j = 0; j < n[k] && j < DEPS_SHOWN; j++)
            json_array_append_new(ids, json_string(dm->tasks[idx[k][j]].id));
        json_object_set_new(o, key[k][0], ids);
        json_object_set_new(o, key[k][1], json_integer((json_int_t)n[k]));
    }
    if (loaded)
        runs_free(loaded);
    return o;
}
