/* The store's record of tries: what each one ran and how it ended, and who
 * made a run (from the audit). */
#include "json_time.h"
#include "store_int.h"
#include "timeutil.h"

static void bind_ids(sqlite3_stmt *st, const char *dag_id, const char *run_id, const char *task_id)
{
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, task_id, -1, SQLITE_STATIC);
}

int store_try_begin(store *s, const char *dag_id, const char *run_id, const char *task_id,
                    const try_record *t)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT OR REPLACE INTO tries (dag_id, run_id, task_id, try_number, state,"
                      " start_date, executor, image, command, env_names)"
                      " VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7, ?8, ?9)");
    bind_ids(st, dag_id, run_id, task_id);
    sqlite3_bind_int(st, 4, t->try_number);
    store_bind_opt_time(st, 5, t->start_us);
    sqlite3_bind_text(st, 6, t->executor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, t->image, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, t->command, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, t->env_names, -1, SQLITE_STATIC);
    return store_write_done(s, st);
}

int store_try_end(store *s, const char *dag_id, const char *run_id, const char *task_id,
                  int try_number, const char *state, int64_t end_us)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE tries SET state = ?5, end_date = ?6"
                                     " WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3"
                                     " AND try_number = ?4 AND state = 'running'");
    bind_ids(st, dag_id, run_id, task_id);
    sqlite3_bind_int(st, 4, try_number);
    sqlite3_bind_text(st, 5, state, -1, SQLITE_STATIC);
    store_bind_opt_time(st, 6, end_us);
    return store_write_done(s, st);
}

int store_try_forget(store *s, const char *dag_id, const char *run_id, const char *task_id,
                     int try_number)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM tries WHERE dag_id = ?1 AND run_id = ?2"
                                     " AND task_id = ?3 AND try_number = ?4");
    bind_ids(st, dag_id, run_id, task_id);
    sqlite3_bind_int(st, 4, try_number);
    return store_write_done(s, st);
}

static json_t *column_text_or_null(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return json_string((const char *)sqlite3_column_text(st, i));
}

json_t *store_tries_json(store *s, const char *dag_id, const char *run_id, const char *task_id,
                         const char *tz)
{
    json_t *list = json_array();
    sqlite3_stmt *st =
        store_stmt(s, "SELECT try_number, state, start_date, end_date, executor, image, command,"
                      " env_names FROM tries WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3"
                      " ORDER BY try_number");
    bind_ids(st, dag_id, run_id, task_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t start = store_column_time(st, 2), end = store_column_time(st, 3);
        int64_t until = end ? end : time_now_us();
        json_t *names = NULL;
        if (sqlite3_column_type(st, 7) != SQLITE_NULL)
            names = json_loads((const char *)sqlite3_column_text(st, 7), 0, NULL);
        json_array_append_new(
            list,
            json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "try",
                      sqlite3_column_int(st, 0), "state", column_text_or_null(st, 1), "start",
                      json_time_or_null(start, tz), "end", json_time_or_null(end, tz), "duration_s",
                      start ? json_real((double)(until - start) / USEC_PER_SEC) : json_null(),
                      "executor", column_text_or_null(st, 4), "image", column_text_or_null(st, 5),
                      "command", column_text_or_null(st, 6), "env_names",
                      names ? names : json_array()));
    }
    sqlite3_reset(st);
    return list;
}

static json_t *origin_row(sqlite3_stmt *st, const char *tz)
{
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        o = json_pack("{s:o, s:I, s:o, s:o}", "time",
                      json_time_or_null(sqlite3_column_int64(st, 0), tz), "uid",
                      (json_int_t)sqlite3_column_int64(st, 1), "user", column_text_or_null(st, 2),
                      "action", column_text_or_null(st, 3));
    sqlite3_reset(st);
    return o;
}

json_t *store_run_origin(store *s, const char *dag_id, const char *run_id, bool backfill,
                         int64_t at_us, const char *tz)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT time, uid, user, action FROM audit"
                                     " WHERE dag_id = ?1 AND run_id = ?2 AND action = 'trigger'"
                                     " ORDER BY id DESC LIMIT 1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    json_t *o = origin_row(st, tz);
    if (o || !backfill)
        return o;
    /* A backfill's one record names its range, not each run: the latest
     * backfill of the DAG made before the run started. */
    st = store_stmt(s, "SELECT time, uid, user, action FROM audit"
                       " WHERE dag_id = ?1 AND run_id IS NULL AND action = 'backfill'"
                       " AND time <= ?2 ORDER BY id DESC LIMIT 1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at_us);
    return origin_row(st, tz);
}
