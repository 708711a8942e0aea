/* dags: every DAG file with its schedule, pause flag, next run and error.
 * With args.offset (and args.limit) the result is a page {"dags":[…],
 * "offset","more","next_offset"} under PAGE_BUDGET bytes; without it the
 * plain list of the contract, refused when it is too big to send. */
#include "commands.h"
#include "page.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define RECENT_RUNS 10
/* A file with thousands of problems: the first ones, so a row fits a page
 * (dagd --check prints them all). */
#define ERROR_SHOWN (32 * 1024)

static json_t *error_json(const char *error)
{
    if (!error)
        return json_null();
    size_t n = strlen(error);
    if (n <= ERROR_SHOWN)
        return json_text(error);
    size_t cut = utf8_cut(error, n, ERROR_SHOWN);
    char *shown =
        xasprintf("%.*s\n... [%zu more bytes: see dagd --check]", (int)cut, error, n - cut);
    json_t *j = json_text(shown);
    free(shown);
    return j;
}

static json_t *dag_row(agent *ag, const dag_entry *de)
{
    const char *tz = de->model ? de->model->timezone : "UTC";
    json_t *o =
        json_pack("{s:o, s:b, s:s?, s:o, s:o, s:o, s:o, s:i, s:o}", "dag_id", json_text(de->dag_id),
                  "paused", de->paused, "schedule", de->model ? de->model->schedule : NULL,
                  "next_run", json_date_or_null(de->next_logical_us, tz), "next_run_starts_at",
                  json_time_or_null(de->next_due_us, tz), "file", json_text(de->file), "error",
                  error_json(de->error), "running", de->running_tasks, "recent",
                  store_recent_states_json(ag->db, de->dag_id, RECENT_RUNS));
    if (!o) /* cannot happen with the values above; never drop a file silently */
        return json_pack("{s:o, s:o, s:s}", "dag_id", json_text(de->dag_id), "file",
                         json_text(de->file), "error", "cannot encode this DAG's entry");
    json_object_set_new(
        o, "family", de->model && de->model->family ? json_text(de->model->family) : json_null());
    /* Declared params with their defaults, in file order (trigger
     * prompts); JSON objects keep insertion order in jansson. */
    json_t *params = json_object();
    for (size_t k = 0; de->model && k < de->model->n_params; k++)
        json_object_set_new(params, de->model->params[k].name,
                            json_text(de->model->params[k].value));
    json_object_set_new(o, "params", params);
    return o;
}

json_t *cmd_dags(request *rq)
{
    agent *ag = rq->ag;
    long long offset = arg_int(rq, "offset"), limit = arg_int(rq, "limit");
    bool paged = arg_given(rq, "offset");
    json_t *list = json_array();
    page pg = {.used = 256};
    bool more = false;
    size_t i = (size_t)offset;
    for (; i < ag->n_dags; i++) {
        if (json_array_size(list) == (size_t)limit) {
            more = true;
            break;
        }
        json_t *o = dag_row(ag, ag->dags[i]);
        bool fits = page_take(&pg, o, 0, PAGE_BUDGET);
        if (fits)
            json_array_append(list, o);
        json_decref(o);
        if (!fits) {
            more = true;
            break;
        }
    }
    if (!paged) {
        if (more && json_array_size(list) < (size_t)limit) {
            json_decref(list);
            server_reply_error(rq->cl, rq->id, "too_big",
                               "%zu DAGs do not fit in one reply: page with args.offset",
                               ag->n_dags);
            return NULL;
        }
        return list;
    }
    json_t *o = json_pack("{s:o, s:I, s:b, s:I}", "dags", list, "offset", (json_int_t)offset,
                          "more", more, "total", (json_int_t)ag->n_dags);
    if (more)
        json_object_set_new(o, "next_offset", json_integer((json_int_t)i));
    return o;
}
