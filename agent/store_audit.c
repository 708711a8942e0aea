/* The store's audit log: who changed what, newest first; retention. */
#include "json_time.h"
#include "store_int.h"
#include "utf8.h"
#include "util.h"

#include <stdlib.h>

int store_audit(store *s, const audit_record *a)
{
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO audit (time, uid, user, action, dag_id, run_id,"
                                     " task_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    sqlite3_bind_int64(st, 1, a->time_us);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)a->uid);
    sqlite3_bind_text(st, 3, a->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, a->task_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, a->detail, -1, SQLITE_STATIC);
    return store_write_done(s, st);
}

/* A stored text for a reply: records written before refusals were
 * truncated can be huge, so at most AUDIT_SHOWN bytes (cut between UTF-8
 * sequences) and a note of what was left out. */
#define AUDIT_SHOWN 1024
static json_t *column_json_text(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    const char *text = (const char *)sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (n <= AUDIT_SHOWN)
        return json_text(text);
    size_t cut = utf8_cut(text, n, AUDIT_SHOWN);
    char *shown = xasprintf("%.*s... [%zu more bytes]", (int)cut, text, n - cut);
    json_t *j = json_text(shown);
    free(shown);
    return j;
}

json_t *store_audit_json(store *s, int limit, const char *tz)
{
    return store_audit_page(s, NULL, 0, limit, tz);
}

json_t *store_audit_page(store *s, const char *dag_id, long long offset, int limit, const char *tz)
{
    json_t *list = json_array();
    sqlite3_stmt *st =
        store_stmt(s, "SELECT time, uid, user, action, dag_id, run_id, task_id, detail"
                      " FROM audit WHERE (?3 IS NULL OR dag_id = ?3)"
                      " ORDER BY id DESC LIMIT ?1 OFFSET ?2");
    sqlite3_bind_int(st, 1, limit);
    if (dag_id)
        sqlite3_bind_text(st, 3, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, offset);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_array_append_new(
            list, json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "time",
                            json_time_or_null(sqlite3_column_int64(st, 0), tz), "uid",
                            (json_int_t)sqlite3_column_int64(st, 1), "user",
                            column_json_text(st, 2), "action", column_json_text(st, 3), "dag_id",
                            column_json_text(st, 4), "run_id", column_json_text(st, 5), "task_id",
                            column_json_text(st, 6), "detail", column_json_text(st, 7)));
    }
    return list;
}

int store_delete_old_audit(store *s, int64_t cutoff, int limit)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM audit WHERE id IN"
                                     " (SELECT id FROM audit WHERE time < ?1 LIMIT ?2)");
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int(st, 2, limit);
    if (store_write_done(s, st))
        return -1;
    return sqlite3_changes(s->db);
}
