/* A consistent copy of the store with SQLite's online backup API, on a
 * connection of its own: the caller runs it on a worker thread, so the
 * agent's loop (and its connection) never waits for it. In WAL mode the
 * copy's one read transaction is a snapshot: the agent's commits go on
 * meanwhile and are simply not in the copy. */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

/* Pages per step: the read transaction is held from the first step to the
 * last, so the copy is one snapshot whatever the step size. */
#define BACKUP_PAGES -1

int store_backup_file(const char *db_path, const char *dest, char *err, size_t errlen)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(src, 5000);
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
        if (!b) {
            rc = sqlite3_errcode(dst);
        } else {
            do {
                rc = sqlite3_backup_step(b, BACKUP_PAGES);
                if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                    sqlite3_sleep(10); /* a checkpoint holds the file a moment */
            } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
            int fin = sqlite3_backup_finish(b);
            if (rc == SQLITE_DONE)
                rc = fin;
        }
    }
    /* The copy stands alone: its own journal, nothing in a -wal beside it. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "%s", sqlite3_errstr(rc));
    sqlite3_close(dst);
    sqlite3_close(src);
    return rc == SQLITE_OK ? 0 : -1;
}
