/* WAL checkpoints off the loop. SQLite's own checkpoint runs inside the
 * commit that crosses 1,000 pages of WAL: it copies them into the database
 * file there and then, and a reply waits for it (20-70 ms seen while
 * retention deleted a big history). Here the commit only notes the size
 * and a second connection on the thread pool does a passive checkpoint,
 * which never blocks the agent's reads or writes; back on the loop, the
 * agent's connection checkpoints the few pages committed meanwhile, so
 * that the WAL is all copied and the next write starts it again from its
 * beginning (else it would grow for ever under steady writes). Durability
 * is the WAL's either way: a checkpoint only moves committed pages. */
#include "store_int.h"
#include "util.h"

#include <stdlib.h>

#define CHECKPOINT_PAGES 1000

struct checkpointer {
    uv_work_t work;
    uv_loop_t *loop;
    store *s;
    char *path;
    sqlite3 *db; /* the thread pool's connection, opened at the first use */
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
    if (!store_in_batch(c->s))
        sqlite3_wal_checkpoint_v2(c->s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static int on_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    struct checkpointer *c = arg;
    if (pages >= CHECKPOINT_PAGES && !c->busy) {
        c->busy = true;
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
