/* The store's DAG versions: each content of a DAG's file, kept with its
 * text from the first time it was seen; the DAG's current version; and
 * what retention may drop (versions no run uses, other than the current). */
#include "store_int.h"
#include "json_time.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int store_version_seen(store *s, const char *dag_id, const char *version, const char *text,
                       size_t len, int64_t now_us)
{
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO versions (dag_id, version, first_seen, text)"
                                     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now_us);
    sqlite3_bind_text(st, 4, text ? text : "", (int)len, SQLITE_STATIC);
    if (store_write_done(s, st))
        return -1;
    st = store_stmt(s, "UPDATE dags SET version = ?2 WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    return store_write_done(s, st);
}

char *store_version_text(store *s, const char *dag_id, const char *version, size_t *len)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT text FROM versions WHERE dag_id = ?1 AND version = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    char *text = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        text = xmalloc(n + 1);
        memcpy(text, sqlite3_column_text(st, 0), n);
        text[n] = '\0';
        if (len)
            *len = n;
    }
    sqlite3_reset(st);
    return text;
}

json_t *store_versions_json(store *s, const char *dag_id, const char *tz)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT v.version, v.first_seen,"
                                     " (SELECT count(*) FROM runs r WHERE r.dag_id = v.dag_id"
                                     "  AND r.version = v.version)"
                                     " FROM versions v WHERE v.dag_id = ?1"
                                     " ORDER BY v.first_seen DESC, v.version DESC");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    json_t *list = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(
            list, json_pack("{s:s, s:o, s:I}", "version", (const char *)sqlite3_column_text(st, 0),
                            "first_seen", json_time_or_null(sqlite3_column_int64(st, 1), tz),
                            "runs", (json_int_t)sqlite3_column_int64(st, 2)));
    sqlite3_reset(st);
    return list;
}

int store_delete_unused_versions(store *s)
{
    sqlite3_stmt *st = store_stmt(
        s, "DELETE FROM versions WHERE NOT EXISTS (SELECT 1 FROM runs r"
           " WHERE r.dag_id = versions.dag_id AND r.version = versions.version)"
           " AND version IS NOT (SELECT d.version FROM dags d WHERE d.dag_id = versions.dag_id)");
    if (store_write_done(s, st))
        return -1;
    return sqlite3_changes(s->db);
}
