/* Inside the store (store*.c only): the connection, its statement cache and
 * the helpers every query file shares. The API is store.h. */
#ifndef DAGD_STORE_INT_H
#define DAGD_STORE_INT_H

#include "store.h"

#include <sqlite3.h>

#define STMT_CACHE 96 /* above the number of statements there are */

struct store {
    sqlite3 *db;
    int batch_depth;
    bool batch_failed;
    char last_error[256]; /* of the last failed write, before any rollback */
    /* Prepared statements keyed by their SQL literal's address. */
    const char *sql[STMT_CACHE];
    sqlite3_stmt *st[STMT_CACHE];
    struct checkpointer *checkpointer; /* store_checkpoint.c, NULL: SQLite's own */
};

/* Close the background checkpoint's connection (store_close). */
void store_checkpoint_free(store *s);

/* The cached prepared statement for SQL (keyed by the literal's address),
 * reset and unbound. A bad statement aborts: it is a programming error. */
sqlite3_stmt *store_stmt(store *s, const char *sql);
/* Step a write: 0 done, -1 failed (dooms the batch it is in). */
int store_write_done(store *s, sqlite3_stmt *st);
/* One integer from the first row, FALLBACK when none; resets ST. */
int64_t store_query_int64(sqlite3_stmt *st, int64_t fallback);
/* Times <= 0 are stored as NULL and read back as 0. */
void store_bind_opt_time(sqlite3_stmt *st, int i, int64_t t);
int64_t store_column_time(sqlite3_stmt *st, int i);
/* SQL text outside the cache (savepoints, transactions). */
int store_exec(store *s, const char *sql);

#endif
