/* task_instance: one cell of the grid in detail, with why it waits. */
#include "commands.h"
#include "runner.h"
#include "runs.h"
#include "store.h"
#include "timeutil.h"

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
    /* A queued run waiting in the store (backlog.h) waits like one in
     * memory: for a slot, or for an unpause. */
    const char *why = r ? runner_waiting_for(rq->ag, r, task, buf, sizeof buf)
                      : loaded->state == RUN_QUEUED
                          ? runner_waiting_for(rq->ag, loaded, task, buf, sizeof buf)
                          : NULL;
    int64_t end = t->end_us ? t->end_us : (t->start_us ? time_now_us() : 0);
    json_t *o = json_pack(
        "{s:s, s:s, s:o, s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:s, s:s?}", "dag_id", de->dag_id,
        "run_id", run_id, "logical_date", json_date_or_null(shown->logical_us, tz), "task_id",
        de->model->tasks[task].id, "state", ti_state_name(t->state), "try_number", t->try_number,
        "max_tries", t->max_tries, "start_date", json_time_or_null(t->start_us, tz), "end_date",
        json_time_or_null(t->end_us, tz), "duration_s",
        t->start_us ? json_real((double)(end - t->start_us) / USEC_PER_SEC) : json_null(),
        "executor", de->model->tasks[task].image ? "docker" : "local", "waiting_for", why);
    if (loaded)
        runs_free(loaded);
    return o;
}
