/* The store's DAG rows: which file, paused or not, what overlap = skip left out. */
#include "store_int.h"
#include "util.h"

bool store_dag_sync(store *s, const char *dag_id, const char *file)
{
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO dags (dag_id, file) VALUES (?1, ?2)"
                                     " ON CONFLICT (dag_id) DO UPDATE SET file = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
    sqlite3_step(st);
    st = store_stmt(s, "SELECT paused FROM dags WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    return store_query_int64(st, 0) != 0;
}

char *store_dag_file(store *s, const char *dag_id)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT file FROM dags WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    char *file = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
        file = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return file;
}

int store_dag_set_paused(store *s, const char *dag_id, bool paused)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE dags SET paused = ?2 WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, paused);
    return store_write_done(s, st);
}

int64_t store_dag_last_success(store *s, const char *dag_id)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT MAX(end_date) FROM runs WHERE dag_id = ?1 AND state = 'success'");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    return store_query_int64(st, 0);
}

int store_dag_set_skipped(store *s, const char *dag_id, int64_t logical_us)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE dags SET skipped_through = ?2 WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, logical_us);
    return store_write_done(s, st);
}

int64_t store_dag_skipped(store *s, const char *dag_id)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT skipped_through FROM dags WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    return store_query_int64(st, -1);
}
