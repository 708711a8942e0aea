/* Following the agent's pages (SPEC: no reply is too big to be sent): a
 * long list or a big grid comes in several replies, merged here into the
 * one document dagctl prints. */
#include "dagctl.h"

#include <stdlib.h>
#include <string.h>

json_t *ctl_fetch_list(ctl *x, const char *cmd, const char *key, json_t *args, long offset,
                       long limit, int *exit_code)
{
    json_t *all = json_array();
    for (;;) {
        json_t *a = json_deep_copy(args);
        json_object_set_new(a, "offset", json_integer(offset));
        if (limit > 0)
            json_object_set_new(a, "limit", json_integer(limit - (long)json_array_size(all)));
        json_t *r = ctl_call(x, cmd, a, 30000, exit_code);
        if (!r) {
            json_decref(all);
            json_decref(args);
            return NULL;
        }
        json_t *items = json_object_get(r, key);
        json_array_extend(all, items);
        bool more = json_is_true(json_object_get(r, "more"));
        long next = (long)json_integer_value(json_object_get(r, "next_offset"));
        bool advanced = json_array_size(items) > 0 && next > offset;
        json_decref(r);
        if (!more || !advanced || (limit > 0 && (long)json_array_size(all) >= limit))
            break;
        offset = next;
    }
    json_decref(args);
    return all;
}

/* One window of columns: every page of rows from OFFSET / BEFORE up to LIMIT
 * runs. Returns the first reply with "runs" holding all rows, and *MORE. */
static json_t *fetch_window(ctl *x, const char *dag_id, long limit, long offset, const char *before,
                            long task_offset, bool *more, int *exit_code)
{
    json_t *window = NULL, *rows = json_array();
    char *cursor = before ? strdup(before) : NULL;
    long got = 0, off = offset;
    for (;;) {
        json_t *a = json_pack("{s:s, s:i, s:I, s:I}", "dag_id", dag_id, "limit", (int)(limit - got),
                              "offset", (json_int_t)off, "task_offset", (json_int_t)task_offset);
        if (cursor)
            json_object_set_new(a, "before", json_string(cursor));
        json_t *r = ctl_call(x, "grid", a, 30000, exit_code);
        if (!r) {
            free(cursor);
            json_decref(window);
            json_decref(rows);
            return NULL;
        }
        json_t *runs = json_object_get(r, "runs");
        size_t n = json_array_size(runs);
        json_array_extend(rows, runs);
        got += (long)n;
        *more = json_is_true(json_object_get(r, "more"));
        free(cursor);
        cursor =
            n ? strdup(json_string_value(json_object_get(json_array_get(runs, n - 1), "run_id")))
              : NULL;
        if (!window)
            window = r;
        else
            json_decref(r);
        if (!*more || n == 0 || got >= limit)
            break;
        /* The next page from the last run seen: runs created meanwhile at
         * the top do not shift it. */
        off = 0;
    }
    free(cursor);
    json_object_set_new(window, "runs", rows);
    return window;
}

/* Copy the cells of ROWS into the runs of BY_ID with the same id. */
static void merge_cells(json_t *by_id, json_t *rows)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *known = json_object_get(by_id, json_string_value(json_object_get(r, "run_id")));
        if (known)
            json_object_update(json_object_get(known, "tasks"), json_object_get(r, "tasks"));
    }
}

json_t *ctl_fetch_grid(ctl *x, const char *dag_id, long limit, long offset, const char *before,
                       int *exit_code)
{
    json_t *grid = NULL, *by_id = json_object();
    long task_offset = 0;
    for (;;) {
        bool more = false;
        json_t *w = fetch_window(x, dag_id, limit, offset, before, task_offset, &more, exit_code);
        if (!w) {
            json_decref(grid);
            json_decref(by_id);
            return NULL;
        }
        json_t *next = json_object_get(w, "next_task_offset");
        long next_task = json_is_integer(next) ? (long)json_integer_value(next) : 0;
        json_t *rows = json_object_get(w, "runs");
        if (!grid) {
            grid = w;
            size_t i;
            json_t *r;
            json_array_foreach(rows, i, r)
            {
                json_object_set(by_id, json_string_value(json_object_get(r, "run_id")), r);
            }
            json_object_set_new(grid, "more", json_boolean(more));
            if (more)
                json_object_set_new(grid, "next_offset",
                                    json_integer(offset + (long)json_array_size(rows)));
            else
                json_object_del(grid, "next_offset");
            json_object_del(grid, "next_before");
            json_object_del(grid, "task_offset");
            json_object_del(grid, "next_task_offset");
        } else {
            merge_cells(by_id, rows);
            json_array_extend(json_object_get(grid, "tasks"), json_object_get(w, "tasks"));
            json_decref(w);
        }
        if (next_task <= task_offset)
            break;
        task_offset = next_task;
    }
    json_decref(by_id);
    return grid;
}
