/* The grid's data: the `grid` request and its reply (the cursor stays on
 * its cell across reloads), the `task_instance` detail of the cell under the
 * cursor, opening and closing the grid, more runs as the cursor goes down. */
#include "states.h"
#include "timeutil.h"
#include "tui_views.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define GRID_LIMIT_MIN 100 /* runs asked for; grows as the cursor goes down */
#define BIG_REPLY (256 * 1024)

static bool request_grid_page(app *a, int limit, const char *before, long long task_offset);

static void grid_drop_part(grid_view *gv)
{
    if (gv->part_active)
        grid_model_free(&gv->part);
    gv->part_active = false;
}

/* Add the page NG to the grid being fetched. False when another page was
 * asked for; true when *NG now holds the whole grid (or nothing, zeroed,
 * when the pages did not fit together). */
static bool grid_take_page(app *a, grid_model *ng, tj_span result)
{
    grid_view *gv = &a->gv;
    if (strcmp(ng->dag_id, gv->dag_id) != 0) { /* for a DAG left meanwhile */
        grid_drop_part(gv);
        return true;
    }
    bool more;
    long long next_offset, next_task = -1;
    page_info(result, &more, &next_offset);
    tj_span v;
    if (tj_member(result, "next_task_offset", &v) && !tj_int(v, &next_task))
        next_task = -1;
    size_t page_rows = ng->n_runs;
    char *last = page_rows ? xstrdup(ng->runs[page_rows - 1].run_id) : NULL;
    if (!gv->part_active) {
        gv->part = *ng;
        gv->part_active = true;
    } else if (grid_model_merge(&gv->part, ng, gv->fetch_task_offset > 0) != 0) {
        grid_drop_part(gv);
        free(last);
        memset(ng, 0, sizeof *ng);
        ng->dag_id = xstrdup("");
        return true;
    }
    gv->window_rows += page_rows;
    /* The first window decides the rows; later ones fill in their columns. */
    size_t want = gv->fetch_task_offset == 0 ? (size_t)gv->limit : gv->part.n_runs;
    bool asked = false;
    if (more && page_rows && gv->window_rows < want && a->connected)
        asked = request_grid_page(a, (int)(want - gv->window_rows), last, gv->fetch_task_offset);
    else if (next_task > gv->fetch_task_offset && a->connected) {
        gv->fetch_task_offset = next_task;
        gv->window_rows = 0;
        asked = request_grid_page(a, gv->limit, NULL, next_task);
    }
    free(last);
    if (asked)
        return false;
    *ng = gv->part;
    gv->part_active = false;
    return true;
}

void grid_reply(void *owner, const tui_reply *r, void *ud)
{
    (void)ud;
    app *a = owner;
    grid_view *gv = &a->gv;
    gv->in_flight = false;
    if (!gv->dag_id) {
        grid_drop_part(gv);
        return;
    }
    if (r->ok) {
        grid_model ng;
        if (grid_model_load(&ng, r->result) != 0) {
            grid_drop_part(gv);
            app_status(a, true, "grid: the agent's reply did not parse");
        } else if (!grid_take_page(a, &ng, r->result)) {
            return; /* the next page is asked for */
        } else if (strcmp(ng.dag_id, gv->dag_id) != 0) {
            grid_model_free(&ng); /* for a DAG left meanwhile */
        } else {
            const char *run_id = NULL, *task_id = NULL;
            char *keep_run = NULL, *keep_task = NULL;
            if (gv->loaded && grid_cursor_cell(a, &run_id, &task_id)) {
                keep_run = xstrdup(run_id);
                keep_task = xstrdup(task_id);
            }
            grid_model_free(&gv->g);
            gv->g = ng;
            bool first = !gv->loaded;
            gv->loaded = true;
            gv->error[0] = '\0';
            if (!first)
                grid_restore_cursor(a, keep_run, keep_task);
            free(keep_run);
            free(keep_task);
            grid_seek_resume(a);
            app_trace(a, "grid dag=%s runs=%zu tasks=%zu", gv->g.dag_id, gv->g.n_runs,
                      gv->g.n_tasks);
            grid_request_detail(a);
        }
        /* A big reply leaves freed pages behind: hand them back. */
        if (r->result.n > BIG_REPLY)
            malloc_trim(0);
    } else if (!app_reply_dropped(r)) {
        grid_drop_part(gv);
        snprintf(gv->error, sizeof gv->error, "%s: %s", r->code ? r->code : "error",
                 r->message ? r->message : "");
        app_status_reply(a, "grid", r);
    }
    a->dirty = true;
    if (gv->stale && a->connected) {
        gv->stale = false;
        grid_request(a);
    }
}

void grid_request(app *a)
{
    grid_view *gv = &a->gv;
    if (!gv->dag_id)
        return;
    if (gv->in_flight) {
        gv->stale = true;
        return;
    }
    grid_drop_part(gv);
    gv->fetch_task_offset = 0;
    gv->window_rows = 0;
    request_grid_page(a, gv->limit, NULL, 0);
}

/* One page: LIMIT runs older than BEFORE (all when NULL), the task window
 * from TASK_OFFSET. */
static bool request_grid_page(app *a, int limit, const char *before, long long task_offset)
{
    grid_view *gv = &a->gv;
    json_t *args = json_pack("{s:s, s:i, s:I}", "dag_id", gv->dag_id, "limit", limit, "task_offset",
                             (json_int_t)task_offset);
    if (before)
        json_object_set_new(args, "before", json_string(before));
    if (gv->state_filter >= 0)
        json_object_set_new(args, "state", json_string(ti_state_name(gv->state_filter)));
    if (tc_request(&a->conn, "grid", args, view_grid.on_reply, NULL))
        gv->in_flight = true;
    return gv->in_flight;
}

static void detail_reply(void *owner, const tui_reply *r, void *ud)
{
    (void)ud;
    app *a = owner;
    grid_view *gv = &a->gv;
    gv->det_in_flight = false;
    if (r->ok) {
        json_t *o = tj_parse(r->result);
        ti_detail *d = &gv->det;
        memset(d, 0, sizeof *d);
        app_json_str(o, "dag_id", d->dag_id, sizeof d->dag_id);
        app_json_str(o, "run_id", d->run_id, sizeof d->run_id);
        app_json_str(o, "task_id", d->task_id, sizeof d->task_id);
        app_json_str(o, "state", d->state, sizeof d->state);
        app_json_str(o, "executor", d->executor, sizeof d->executor);
        app_json_str(o, "waiting_for", d->waiting, sizeof d->waiting);
        app_json_str(o, "node", d->node, sizeof d->node);
        app_json_str(o, "start_date", d->start, sizeof d->start);
        json_t *outs = json_object_get(o, "outputs");
        if (json_object_size(outs)) {
            size_t n = json_object_size(outs),
                   k = (size_t)snprintf(d->outputs, sizeof d->outputs, "%zu output%s:", n,
                                        n == 1 ? "" : "s");
            const char *key;
            json_t *v;
            json_object_foreach(outs, key, v)
            {
                if (k < sizeof d->outputs)
                    k += (size_t)snprintf(d->outputs + k, sizeof d->outputs - k, "%s%s",
                                          k && d->outputs[k - 1] == ':' ? " " : ",", key);
            }
        }
        d->try_number = (int)json_integer_value(json_object_get(o, "try_number"));
        d->max_tries = (int)json_integer_value(json_object_get(o, "max_tries"));
        const char *s = json_string_value(json_object_get(o, "start_date"));
        d->has_start = s && time_parse(s, "UTC", &d->start_us, NULL, 0) == 0;
        s = json_string_value(json_object_get(o, "end_date"));
        d->has_end = s && time_parse(s, "UTC", &d->end_us, NULL, 0) == 0;
        d->n_up = (int)json_integer_value(json_object_get(o, "n_upstream"));
        d->n_down = (int)json_integer_value(json_object_get(o, "n_downstream"));
        strlist *lists[2] = {&gv->det_up, &gv->det_down};
        const char *keys[2] = {"upstream", "downstream"};
        for (int k = 0; k < 2; k++) {
            strlist_free(lists[k]);
            size_t i;
            json_t *id;
            json_array_foreach(json_object_get(o, keys[k]), i, id)
            {
                if (json_is_string(id))
                    strlist_push(lists[k], json_string_value(id));
            }
        }
        d->valid = o != NULL;
        json_decref(o);
        a->dirty = true;
    } else if (r->code && strcmp(r->code, "unknown_command") == 0) {
        gv->det_unsupported = true; /* an older agent: the detail line makes do */
    }
    if (gv->det_stale && a->connected) {
        gv->det_stale = false;
        grid_request_detail(a);
    }
}

void grid_request_detail(app *a)
{
    grid_view *gv = &a->gv;
    const char *run_id, *task_id;
    if (gv->det_unsupported || !gv->loaded || !grid_cursor_cell(a, &run_id, &task_id))
        return;
    if (gv->det_in_flight) {
        gv->det_stale = true;
        return;
    }
    if (tc_request(&a->conn, "task_instance",
                   json_pack("{s:s, s:s, s:s}", "dag_id", gv->dag_id, "run_id", run_id, "task_id",
                             task_id),
                   detail_reply, NULL))
        gv->det_in_flight = true;
}

void app_open_grid(app *a, const char *dag_id)
{
    grid_view *gv = &a->gv;
    app_close_grid(a);
    gv->dag_id = xstrdup(dag_id);
    gv->limit = GRID_LIMIT_MIN;
    gv->state_filter = -1;
    a->screen = SCR_GRID;
    grid_request(a);
    a->dirty = true;
}

void app_close_grid(app *a)
{
    grid_view *gv = &a->gv;
    free(gv->dag_id);
    free(gv->keep_run);
    free(gv->keep_task);
    grid_model_free(&gv->g);
    grid_drop_part(gv);
    strlist_free(&gv->det_up);
    strlist_free(&gv->det_down);
    free(gv->seek_from);
    bool unsupported = gv->det_unsupported;
    /* Replies still on their way find no DAG and are dropped. */
    bool in_flight = gv->in_flight, det_in_flight = gv->det_in_flight;
    memset(gv, 0, sizeof *gv);
    gv->in_flight = in_flight;
    gv->det_in_flight = det_in_flight;
    gv->det_unsupported = unsupported;
    a->screen = SCR_LIST;
    a->dirty = true;
}

void grid_after_key(app *a)
{
    /* The cursor went further down than the runs loaded: ask for more. */
    grid_view *gv = &a->gv;
    if (gv->loaded && (int)gv->g.n_runs >= gv->limit && gv->cur_run + 60 >= (int)gv->g.n_runs &&
        gv->limit < 10000) {
        gv->limit = gv->limit * 2 > 10000 ? 10000 : gv->limit * 2;
        grid_request(a);
    }
    app_want(a, WANT_DETAIL);
}

void grid_fetch(app *a)
{
    grid_request(a);
    grid_request_detail(a);
}
