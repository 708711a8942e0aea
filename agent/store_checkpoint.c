/* WAL checkpoints off the loop. SQLite's own checkpoint runs inside the
 * commit that crosses 1,000 pages of WAL: it copies them into the database
 * file there and then, and a reply waits for it (20-70 ms seen while
 * retention deleted a big history). Here a commit only notes the WAL's
 * size: every 1,000 pages written since the last pass, a second connection
 * on the thread pool does a passive checkpoint, which never blocks the
 * agent's reads or writes. Under steady writes such a pass never reaches
 * the WAL's end, and only a checkpoint that does lets the next write start
 * the WAL again from its beginning (else it would grow for ever): once the
 * WAL holds WAL_RESTART_PAGES, back on the loop, the agent's connection
 * checkpoints the few pages committed since the last pass. That catch-up
 * costs the loop its fsyncs (some 7 ms on a journaled ext4), so it comes
 * once in 2,000 pages (8 MiB of WAL) rather than once in 1,000; not rarer,
 * since it also grows with the WAL (at 8,000 pages, `status` replies waited
 * up to 23 ms behind it while retention deleted, against 7-9 ms). Durability
 * is the WAL's either way: a checkpoint only moves committed pages. */
#include "store_int.h"
#include "util.h"

#include <stdlib.h>

#define CHECKPOINT_PAGES 1000
#define WAL_RESTART_PAGES 2000

struct checkpointer {
    uv_work_t work;
    uv_loop_t *loop;
    store *s;
    char *path;
    sqlite3 *db;   /* the thread pool's connection, opened at the first use */
    int wal_pages; /* the WAL's size at the last commit */
    int passed_at; /* ... when the last pass began (the WAL can restart below it) */
    bool busy;
};

static void do_checkpoint(uv_work_t *w)
{
    struct checkpointer *c = w->data;
    if (!c->db && sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(c->db);
        c->db = NULL;
        return; /* tried again at the next commit that finds the WAL big */
    }
    sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static void after_checkpoint(uv_work_t *w, int status)
{
    (void)status;
    struct checkpointer *c = w->data;
    c->busy = false;
    if (c->wal_pages >= WAL_RESTART_PAGES && !store_in_batch(c->s)) {
        sqlite3_wal_checkpoint_v2(c->s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        c->passed_at = 0; /* the next write starts the WAL again */
    }
}

static int on_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    struct checkpointer *c = arg;
    if (pages < c->wal_pages) /* it started again */
        c->passed_at = 0;
    c->wal_pages = pages;
    if (pages - c->passed_at >= CHECKPOINT_PAGES && !c->busy) {
        c->busy = true;
        c->passed_at = pages;
        uv_queue_work(c->loop, &c->work, do_checkpoint, after_checkpoint);
    }
    return SQLITE_OK;
}

void store_checkpoint_in_background(store *s, uv_loop_t *loop)
{
    struct checkpointer *c = xcalloc(1, sizeof *c);
    c->loop = loop;
    c->s = s;
    c->path = xstrdup(sqlite3_db_filename(s->db, "main"));
    c->work.data = c;
    s->checkpointer = c;
    sqlite3_wal_hook(s->db, on_commit, c); /* replaces the automatic checkpoint */
}

void store_checkpoint_free(store *s)
{
    struct checkpointer *c = s->checkpointer;
    if (!c)
        return;
    /* The loop has run to its end: no checkpoint is in flight. */
    sqlite3_close(c->db);
    free(c->path);
    free(c);
    s->checkpointer = NULL;
}
