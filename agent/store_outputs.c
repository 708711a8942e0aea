/* The store's queries for outputs between tasks and for file triggers. */
#include "store_int.h"
#include "output_file.h"

#include <stdlib.h>
#include <string.h>

static void bind3(sqlite3_stmt *st, const char *a, const char *b, const char *c)
{
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    if (c)
        sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
}

int store_outputs_drop(store *s, const char *dag_id, const char *run_id, const char *task_id)
{
    sqlite3_stmt *st = store_stmt(
        s, "DELETE FROM task_outputs WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3");
    bind3(st, dag_id, run_id, task_id);
    return store_write_done(s, st);
}

int store_outputs_save(store *s, const char *dag_id, const char *run_id, const char *task_id,
                       int try_number, const output_set *o)
{
    if (store_outputs_drop(s, dag_id, run_id, task_id))
        return -1;
    for (size_t i = 0; i < o->n; i++) {
        sqlite3_stmt *st =
            store_stmt(s, "INSERT INTO task_outputs (dag_id, run_id, task_id,"
                          " try_number, key, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        bind3(st, dag_id, run_id, task_id);
        sqlite3_bind_int(st, 4, try_number);
        sqlite3_bind_text(st, 5, o->items[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, o->items[i].value, -1, SQLITE_STATIC);
        if (store_write_done(s, st))
            return -1;
    }
    return 0;
}

json_t *store_outputs_json(store *s, const char *dag_id, const char *run_id, const char *task_id)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT task_id, key, value FROM task_outputs"
                                     " WHERE dag_id = ?1 AND run_id = ?2"
                                     " AND (?3 IS NULL OR task_id = ?3) ORDER BY task_id, key");
    bind3(st, dag_id, run_id, task_id);
    json_t *all = json_object();
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        json_t *o = json_object_get(all, t);
        if (!o)
            json_object_set_new(all, t, o = json_object());
        json_object_set_new(o, (const char *)sqlite3_column_text(st, 1),
                            json_string((const char *)sqlite3_column_text(st, 2)));
    }
    sqlite3_reset(st);
    return all;
}

bool store_trigger_seen(store *s, const char *dag_id, const char *path, int64_t size,
                        int64_t mtime_ns)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM trigger_files WHERE dag_id = ?1 AND path = ?2"
                                     " AND size = ?3 AND mtime_ns = ?4");
    bind3(st, dag_id, path, NULL);
    sqlite3_bind_int64(st, 3, size);
    sqlite3_bind_int64(st, 4, mtime_ns);
    return store_query_int64(st, 0) == 1;
}

int store_trigger_record(store *s, const char *dag_id, const char *path, int64_t size,
                         int64_t mtime_ns, const char *run_id, int64_t seen_us)
{
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO trigger_files (dag_id, path, size, mtime_ns,"
                                     " run_id, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    bind3(st, dag_id, path, NULL);
    sqlite3_bind_int64(st, 3, size);
    sqlite3_bind_int64(st, 4, mtime_ns);
    sqlite3_bind_text(st, 5, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, seen_us);
    return store_write_done(s, st);
}

char *store_trigger_file(store *s, const char *dag_id, const char *run_id)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT path FROM trigger_files WHERE dag_id = ?1 AND run_id = ?2");
    bind3(st, dag_id, run_id, NULL);
    char *path = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        path = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return path;
}

int store_prune_triggers(store *s, int64_t *cursor, int limit,
                         bool (*keep)(const char *path, int64_t size, int64_t mtime_ns))
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT t.rowid, t.path, t.size, t.mtime_ns, EXISTS (SELECT 1 FROM runs r"
                      " WHERE r.dag_id = t.dag_id AND r.run_id = t.run_id) FROM trigger_files t"
                      " WHERE t.rowid > ?1 ORDER BY t.rowid LIMIT ?2");
    sqlite3_bind_int64(st, 1, *cursor);
    sqlite3_bind_int(st, 2, limit);
    /* Every row looked at counts against LIMIT, those of live runs too: a
     * step stays short however many runs keep their records. Collected
     * first: no row is deleted under a running SELECT. */
    int64_t *gone = xcalloc((size_t)limit, sizeof *gone);
    int n = 0, looked = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        looked++;
        *cursor = sqlite3_column_int64(st, 0);
        if (!sqlite3_column_int(st, 4) &&
            !keep((const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
                  sqlite3_column_int64(st, 3)))
            gone[n++] = *cursor;
    }
    sqlite3_reset(st);
    if (looked < limit)
        *cursor = 0;
    int deleted = 0;
    st = store_stmt(s, "DELETE FROM trigger_files WHERE rowid = ?1");
    for (int i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, gone[i]);
        if (store_write_done(s, st)) {
            deleted = -1;
            break;
        }
        deleted++;
    }
    free(gone);
    return deleted;
}
