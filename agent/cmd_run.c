/* run: one run in detail for dagtop's run view: its type, params, start,
 * end, duration, who made it (the audit), and a page of its task instances
 * in topological order with their times (the Gantt bars). */
#include "commands.h"
#include "page.h"
#include "runs.h"
#include "store.h"
#include "timeutil.h"
#include "versions.h"

#include <string.h>

static json_t *duration_or_null(int64_t start, int64_t end)
{
    if (!start)
        return json_null();
    int64_t until = end ? end : time_now_us();
    return json_real((double)(until - start) / USEC_PER_SEC);
}

json_t *cmd_run(request *rq)
{
    dag_entry *de = rq->dag;
    run *r = agent_find_run(rq->ag, de, rq->run_id);
    run *loaded = r ? NULL : store_load_run(rq->ag->db, de, rq->run_id);
    if (loaded)
        versions_restore(rq->ag, loaded); /* its tasks are those of its version */
    const run *shown = r ? r : loaded;
    const char *tz = de->model->timezone;
    long long offset = arg_int(rq, "offset"), limit = arg_int(rq, "limit");
    json_t *tasks = json_array();
    page pg = {.used = 1024}; /* the run's own fields */
    size_t i = (size_t)offset;
    for (; i < shown->n_tis && i < (size_t)(offset + limit); i++) {
        const ti *t = &shown->tis[i];
        json_t *row = json_pack(
            "{s:s, s:s, s:i, s:o, s:o, s:o}", "task_id", shown->model->tasks[i].id, "state",
            ti_state_name(ti_shown_state(t)), "try_number", t->try_number, "start_date",
            json_time_or_null(t->start_us, tz), "end_date", json_time_or_null(t->end_us, tz),
            "duration_s", duration_or_null(t->start_us, t->end_us));
        if (!page_take(&pg, row, 0, PAGE_BUDGET)) {
            json_decref(row);
            break;
        }
        json_array_append_new(tasks, row);
    }
    bool more = i < shown->n_tis;
    json_t *params = json_loads(shown->params_json ? shown->params_json : "{}", 0, NULL);
    bool backfill = strcmp(shown->run_type, "backfill") == 0;
    json_t *origin =
        store_run_origin(rq->ag->db, de->dag_id, shown->run_id, backfill,
                         shown->start_us ? shown->start_us : time_now_us(), rq->ag->cfg.timezone);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:b}", "dag_id",
        de->dag_id, "run_id", shown->run_id, "run_type", shown->run_type, "logical_date",
        json_date_or_null(shown->logical_us, tz), "state", run_state_name(shown->state), "params",
        params ? params : json_object(), "start_date", json_time_or_null(shown->start_us, tz),
        "end_date", json_time_or_null(shown->end_us, tz), "duration_s",
        duration_or_null(shown->start_us, shown->end_us), "triggered_by",
        origin ? origin : json_null(), "tasks", tasks, "n_tasks", (json_int_t)shown->n_tis,
        "offset", (json_int_t)offset, "more", more);
    if (more)
        json_object_set_new(o, "next_offset", json_integer((json_int_t)i));
    /* The DAG version it runs on (null: from before versions). */
    json_object_set_new(o, "version",
                        shown->version[0] ? json_string(shown->version) : json_null());
    if (loaded)
        runs_free(loaded);
    return o;
}
