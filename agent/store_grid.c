/* The store's views for the grid and the DAG list, and the SLA misses
 * the grid shows. */
#include "json_time.h"
#include "store_int.h"
#include "utf8.h"
#include "timeutil.h"

#include <stdint.h>

json_t *store_grid_cells(store *s, const char *dag_id, const char *run_id, const json_t *only)
{
    json_t *tasks = json_object();
    sqlite3_stmt *st =
        store_stmt(s, "SELECT task_id, state, try_number, waiting_for, node, start_date, end_date"
                      " FROM task_instances"
                      " WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    int64_t now = time_now_us();
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *task = (const char *)sqlite3_column_text(st, 0);
        if (only && !json_object_get(only, task))
            continue;
        json_t *cell = json_pack("{s:s, s:i}", "state", sqlite3_column_text(st, 1), "try_number",
                                 sqlite3_column_int(st, 2));
        /* Only where set (swarm tries): the cells of other tasks stay as small. */
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            json_object_set_new(cell, "waiting_for",
                                json_text((const char *)sqlite3_column_text(st, 3)));
        if (sqlite3_column_type(st, 4) != SQLITE_NULL)
            json_object_set_new(cell, "node", json_text((const char *)sqlite3_column_text(st, 4)));
        /* How long its latest try took (so far, while it runs). */
        int64_t start = store_column_time(st, 5), end = store_column_time(st, 6);
        if (start)
            json_object_set_new(cell, "duration_s",
                                json_real((double)((end ? end : now) - start) / USEC_PER_SEC));
        json_object_set_new(tasks, task, cell);
    }
    return tasks;
}

json_t *store_grid_runs(store *s, const dag_entry *de, int64_t before_us, long long offset,
                        int limit, const char *state)
{
    const char *tz = de->model ? de->model->timezone : "UTC";
    json_t *runs = json_array();
    /* No "?2 < 0 OR": the range must reach the index (a page deep in the
     * history is then a seek, not a walk from the newest run). */
    sqlite3_stmt *st = store_stmt(
        s, "SELECT run_id, logical_date, state, run_type, start_date,"
           " end_date, version FROM runs WHERE dag_id = ?1 AND logical_date < ?2"
           " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM task_instances t WHERE t.dag_id = ?1"
           "  AND t.state = ?5 AND t.run_id = runs.run_id))"
           " ORDER BY logical_date DESC LIMIT ?3 OFFSET ?4");
    sqlite3_bind_text(st, 1, de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, before_us < 0 ? INT64_MAX : before_us);
    sqlite3_bind_int(st, 3, limit);
    sqlite3_bind_int64(st, 4, offset);
    if (state)
        sqlite3_bind_text(st, 5, state, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *row =
            json_pack("{s:s, s:o, s:s, s:s, s:o, s:o}", "run_id", sqlite3_column_text(st, 0),
                      "logical_date", json_date_or_null(sqlite3_column_int64(st, 1), tz), "state",
                      sqlite3_column_text(st, 2), "run_type", sqlite3_column_text(st, 3),
                      "start_date", json_time_or_null(store_column_time(st, 4), tz), "end_date",
                      json_time_or_null(store_column_time(st, 5), tz));
        /* The run's DAG version (null: from before versions). */
        json_object_set_new(row, "version",
                            sqlite3_column_type(st, 6) == SQLITE_TEXT
                                ? json_string((const char *)sqlite3_column_text(st, 6))
                                : json_null());
        if (state) /* where it is among all the runs: newer ones before it */
            json_object_set_new(
                row, "position",
                json_integer(store_newer_runs(s, de->dag_id, sqlite3_column_int64(st, 1))));
        json_array_append_new(runs, row);
    }
    sqlite3_reset(st);
    return runs;
}

long long store_newer_runs(store *s, const char *dag_id, int64_t logical_us)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT count(*) FROM runs WHERE dag_id = ?1 AND logical_date > ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, logical_us);
    return store_query_int64(st, 0);
}

json_t *store_grid_json(store *s, const dag_entry *de, int limit)
{
    json_t *runs = store_grid_runs(s, de, -1, 0, limit, NULL);
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        const char *run_id = json_string_value(json_object_get(r, "run_id"));
        json_object_set_new(r, "tasks", store_grid_cells(s, de->dag_id, run_id, NULL));
    }
    json_t *tasks = json_array();
    for (size_t t = 0; de->model && t < de->model->n_tasks; t++)
        json_array_append_new(tasks, json_string(de->model->tasks[t].id));
    store_grid_add_sla(s, de->dag_id, runs);
    json_t *o = json_pack("{s:s, s:o, s:o}", "dag_id", de->dag_id, "tasks", tasks, "runs", runs);
    json_object_set_new(o, "version",
                        de->model && de->model->version[0] ? json_string(de->model->version)
                                                           : json_null());
    return o;
}

json_t *store_recent_states_json(store *s, const char *dag_id, int limit)
{
    json_t *states = json_array();
    sqlite3_stmt *st = store_stmt(s, "SELECT state FROM runs WHERE dag_id = ?1"
                                     " ORDER BY logical_date DESC LIMIT ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, limit);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(states, json_string((const char *)sqlite3_column_text(st, 0)));
    return states;
}

int store_sla_miss_record(store *s, const char *dag_id, const char *run_id, const char *task_id,
                          int64_t time_us)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT OR IGNORE INTO sla_misses (dag_id, run_id, task_id, time)"
                      " VALUES (?1, ?2, ?3, ?4)");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, task_id ? task_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, time_us);
    if (sqlite3_step(st) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(s->db) > 0 ? 0 : 1;
}

void store_grid_add_sla(store *s, const char *dag_id, json_t *runs)
{
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        json_t *cells = json_object_get(r, "tasks");
        const char *key;
        json_t *cell;
        json_object_foreach(cells, key, cell)
        {
            json_object_set_new(cell, "sla_miss", json_false());
        }
        json_object_set_new(r, "sla_miss", json_false());
        sqlite3_stmt *st =
            store_stmt(s, "SELECT task_id FROM sla_misses WHERE dag_id = ?1 AND run_id = ?2");
        sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, json_string_value(json_object_get(r, "run_id")), -1,
                          SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *task = (const char *)sqlite3_column_text(st, 0);
            json_t *target = *task ? json_object_get(cells, task) : r;
            if (target)
                json_object_set_new(target, "sla_miss", json_true());
        }
        sqlite3_reset(st);
    }
}
