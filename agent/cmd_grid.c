/* grid: runs (newest first) by tasks (topological), from the store, in
 * pages that each stay under PAGE_BUDGET bytes.
 *
 * Rows page by runs: args.offset skips runs, args.before (a RUN) starts
 * below that run; a page ends at args.limit runs or at the budget, and
 * then says more: true with next_offset (and next_before, the last run id).
 * Columns page by tasks when one row would be too big (a 10,000-task DAG):
 * args.task_offset starts the window, and next_task_offset is set when
 * tasks are left; "tasks" lists the window, n_tasks counts them all.
 * args.state keeps only the runs with a task instance in that state (the
 * failed ones, for dagtop's n / N and filter), each with its position. */
#include "commands.h"
#include "page.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

/* A cell of the widest state: "T":{"state":"upstream_failed","try_number":
 * 99999,"sla_miss":false,"duration_s":1234567.123456}, and its name in
 * "tasks". */
#define CELL_COST(id_len) (2 * (id_len) + 110)

/* Tasks [from, *to) whose list and one row of cells take at most a quarter
 * of the budget, so that a page holds a few rows. At least one task. */
static json_t *task_window(const dag *m, size_t from, size_t *to)
{
    json_t *only = json_object();
    size_t cost = 0, i = from;
    for (; m && i < m->n_tasks; i++) {
        size_t c = CELL_COST(strlen(m->tasks[i].id));
        if (i > from && cost + c > PAGE_BUDGET / 4)
            break;
        cost += c;
        json_object_set_new(only, m->tasks[i].id, json_true());
    }
    *to = i;
    return only;
}

json_t *cmd_grid(request *rq)
{
    dag_entry *de = rq->dag;
    long long limit = arg_int(rq, "limit"), offset = arg_int(rq, "offset"),
              task_offset = arg_int(rq, "task_offset");
    const dag *m = de->model;
    size_t n_tasks = m ? m->n_tasks : 0;
    if (task_offset > 0 && (size_t)task_offset >= n_tasks) {
        server_reply_error(rq->cl, rq->id, "bad_request",
                           "field \"args.task_offset\" out of range");
        return NULL;
    }
    /* args.before, the one run argument of grid, resolved by dispatch. */
    int64_t before_us = rq->run_id ? store_run_logical(rq->ag->db, de->dag_id, rq->run_id) : -1;
    size_t task_end;
    json_t *only = task_window(m, (size_t)task_offset, &task_end);
    bool all_tasks = task_offset == 0 && task_end >= n_tasks;
    json_t *tasks = json_array();
    for (size_t t = (size_t)task_offset; t < task_end; t++)
        json_array_append_new(tasks, json_string(m->tasks[t].id));

    page pg = {.used = page_size_of(tasks) + 512}; /* and the result's own fields */
    /* One more than asked: whether older runs are left. */
    json_t *candidates =
        store_grid_runs(rq->ag->db, de, before_us, offset, (int)limit + 1, arg_str(rq, "state"));
    json_t *runs = json_array();
    bool more = json_array_size(candidates) > (size_t)limit;
    size_t i;
    json_t *r;
    json_array_foreach(candidates, i, r)
    {
        if (i == (size_t)limit)
            break;
        const char *run_id = json_string_value(json_object_get(r, "run_id"));
        json_object_set_new(
            r, "tasks", store_grid_cells(rq->ag->db, de->dag_id, run_id, all_tasks ? NULL : only));
        json_t *one = json_pack("[O]", r);
        store_grid_add_sla(rq->ag->db, de->dag_id, one);
        json_decref(one);
        if (!page_take(&pg, r, 0, PAGE_BUDGET)) {
            more = true;
            break;
        }
        json_array_append(runs, r);
    }
    json_decref(candidates);
    json_decref(only);
    size_t n = json_array_size(runs);
    json_t *o = json_pack("{s:s, s:o, s:o, s:I, s:I, s:I, s:b}", "dag_id", de->dag_id, "tasks",
                          tasks, "runs", runs, "n_tasks", (json_int_t)n_tasks, "task_offset",
                          (json_int_t)task_offset, "offset", (json_int_t)offset, "more", more);
    if (more) {
        json_object_set_new(o, "next_offset", json_integer(offset + (long long)n));
        json_t *last = json_array_get(runs, n - 1);
        json_object_set(o, "next_before", json_object_get(last, "run_id"));
    }
    if (task_end < n_tasks)
        json_object_set_new(o, "next_task_offset", json_integer((json_int_t)task_end));
    /* The DAG's current version: runs of another one are older. */
    json_object_set_new(o, "version", m && m->version[0] ? json_string(m->version) : json_null());
    return o;
}
