/* Events from the agent applied to what is open: a task's or a run's new
 * state goes into the grid in place (or asks for it again), the log follows
 * its task's new try, a DAG's pause into the list; every event refreshes the
 * list's counts, coalesced. */
#include "states.h"
#include "tui_views.h"

#include <string.h>

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static void on_task_event(app *a, json_t *ev, const char *dag_id)
{
    grid_view *gv = &a->gv;
    const char *run_id = json_string_value(json_object_get(ev, "run_id"));
    const char *task_id = json_string_value(json_object_get(ev, "task_id"));
    int state = ti_state_parse(json_string_value(json_object_get(ev, "state")));
    json_t *tn = json_object_get(ev, "try_number");
    int try_number = json_is_integer(tn) ? (int)json_integer_value(tn) : -1;
    if (!run_id || !task_id)
        return;
    if (same(gv->dag_id, dag_id) && gv->loaded) {
        if (grid_apply_task(&gv->g, run_id, task_id, state, try_number))
            a->dirty = true;
        else
            app_want(a, WANT_GRID);
        if (gv->durations) /* the cell's duration comes with the grid */
            app_want(a, WANT_GRID);
        /* Also other cells' changes can end a wait (pools, parallelism). */
        app_want(a, WANT_DETAIL);
    }
    log_view *lv = &a->logv;
    if (lv->dag_id && same(lv->dag_id, dag_id) && same(lv->run_id, run_id) &&
        same(lv->task_id, task_id)) {
        /* A new try: follow it, unless an older try is being read. */
        bool on_latest = lv->try_number == 0 || lv->try_number >= lv->latest_try;
        if (try_number > lv->latest_try)
            lv->latest_try = try_number;
        if (on_latest && lv->try_number > 0 && try_number > lv->try_number)
            log_restart(lv, try_number);
        if (on_latest)
            app_log_fetch(a);
    }
}

static void on_run_event(app *a, json_t *ev, const char *dag_id)
{
    grid_view *gv = &a->gv;
    const char *run_id = json_string_value(json_object_get(ev, "run_id"));
    int state = run_state_parse(json_string_value(json_object_get(ev, "state")));
    if (!run_id || !same(gv->dag_id, dag_id) || !gv->loaded)
        return;
    if (grid_apply_run(&gv->g, run_id, state)) {
        a->dirty = true;
        return;
    }
    const char *logical = json_string_value(json_object_get(ev, "logical_date"));
    int at = grid_insert_run(&gv->g, run_id, logical, state);
    if (at < 0) {
        app_want(a, WANT_GRID);
        return;
    }
    /* The cursor stays on the run it was on. */
    if (gv->g.n_runs > 1 && at <= gv->cur_run)
        gv->cur_run++;
    a->dirty = true;
}

void app_on_event(void *owner, json_t *ev)
{
    app *a = owner;
    const char *kind = json_string_value(json_object_get(ev, "event"));
    const char *dag_id = json_string_value(json_object_get(ev, "dag_id"));
    if (!kind || !dag_id)
        return;
    if (strcmp(kind, "task") == 0) {
        on_task_event(a, ev, dag_id);
    } else if (strcmp(kind, "run") == 0) {
        on_run_event(a, ev, dag_id);
    } else if (strcmp(kind, "dag") == 0) {
        const char *what = json_string_value(json_object_get(ev, "what"));
        if (same(a->gv.dag_id, dag_id) && what && strcmp(what, "paused") != 0 &&
            strcmp(what, "unpaused") != 0)
            app_want(a, WANT_GRID); /* tasks may have changed */
        int i = dag_list_find(&a->dags, dag_id);
        if (i >= 0 && json_is_boolean(json_object_get(ev, "paused"))) {
            a->dags.rows[i].paused = json_is_true(json_object_get(ev, "paused"));
            a->dirty = true;
        }
    }
    /* Running counts, recent states, next runs. */
    app_want(a, WANT_DAGS);
}
