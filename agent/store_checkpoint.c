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
 * checkpoints the pages committed since the last pass began. That catch-up
 * costs the loop two fsyncs (a few ms on a journaled ext4), so it comes
 * once in 2,000 pages (8 MiB of WAL) rather than once in 1,000. Durability
 * is the WAL's either way: a checkpoint only moves committed pages.
 *
 * Most work comes in bursts (a run's tries, a backfill's steps) with quiet
 * between them, and a pass that finds no new commit reaches the WAL's end
 * by itself: so once no commit has come for QUIET_MS, a pass takes the
 * pages committed since the last one (at least QUIET_PASS_PAGES of them),
 * and the next write starts the WAL again without the loop's catch-up. A
 * 200-task fan-out writes some 1,800 pages. */
#include "store_int.h"
#include "util.h"

#include <stdlib.h>

#define CHECKPOINT_PAGES 1000
#define WAL_RESTART_PAGES 2000
#define QUIET_MS 50
#define QUIET_PASS_PAGES 100 /* a few tries' worth: fewer wait for the next burst */

struct checkpointer {
    uv_work_t work;
    uv_loop_t *loop;
    store *s;
    char *path;
    sqlite3 *db;   /* the thread pool's connection, opened at the first use */
    int wal_pages; /* the WAL's size at the last commit */
    int passed_at; /* ... when the last pass began (the WAL can restart below it) */
    bool busy;
    uv_timer_t quiet; /* restarted by every commit: fires once the writes pause */
};

static void do_checkpoint(uv_work_t *w)
{
    struct checkpointer *c = w->data;
    /* A connection that has read nothing has not opened the WAL yet, and
     * its checkpoint does nothing at all (pnLog -1): so it reads first. */
    if (!c->db && (sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
                   sqlite3_exec(c->db, "PRAGMA schema_version", NULL, NULL, NULL) != SQLITE_OK)) {
        sqlite3_close(c->db);
        c->db = NULL;
        return; /* tried again at the next commit that finds the WAL big */
    }
    sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static void after_checkpoint(uv_work_t *w, int status);

static void start_pass(struct checkpointer *c)
{
    c->busy = true;
    c->passed_at = c->wal_pages;
    uv_queue_work(c->loop, &c->work, do_checkpoint, after_checkpoint);
}

/* Enough pages behind for a pass once the writes pause. */
static bool quiet_pass_due(struct checkpointer *c)
{
    return c->wal_pages - c->passed_at >= QUIET_PASS_PAGES &&
           !uv_is_closing((uv_handle_t *)&c->quiet);
}

static void on_quiet(uv_timer_t *t)
{
    struct checkpointer *c = t->data;
    if (!c->busy && quiet_pass_due(c))
        start_pass(c);
}

static void after_checkpoint(uv_work_t *w, int status)
{
    (void)status;
    struct checkpointer *c = w->data;
    c->busy = false;
    if (c->wal_pages >= WAL_RESTART_PAGES && !store_in_batch(c->s)) {
        sqlite3_wal_checkpoint_v2(c->s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        c->passed_at = c->wal_pages; /* all of it: the next write starts the WAL again */
    } else if (quiet_pass_due(c) && !uv_is_active((uv_handle_t *)&c->quiet)) {
        /* The writes may have paused while this pass ran. */
        uv_timer_start(&c->quiet, on_quiet, QUIET_MS, 0);
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
    if (pages - c->passed_at >= CHECKPOINT_PAGES && !c->busy)
        start_pass(c);
    else if (quiet_pass_due(c))
        uv_timer_start(&c->quiet, on_quiet, QUIET_MS, 0);
    return SQLITE_OK;
}

void store_checkpoint_in_background(store *s, uv_loop_t *loop)
{
    struct checkpointer *c = xcalloc(1, sizeof *c);
    c->loop = loop;
    c->s = s;
    c->path = xstrdup(sqlite3_db_filename(s->db, "main"));
    c->work.data = c;
    uv_timer_init(loop, &c->quiet);
    c->quiet.data = c;
    s->checkpointer = c;
    sqlite3_wal_hook(s->db, on_commit, c); /* replaces the automatic checkpoint */
}

void store_checkpoint_stop(store *s)
{
    struct checkpointer *c = s ? s->checkpointer : NULL;
    if (c && !uv_is_closing((uv_handle_t *)&c->quiet))
        uv_close((uv_handle_t *)&c->quiet, NULL);
}

void store_checkpoint_free(store *s)
{
    struct checkpointer *c = s->checkpointer;
    if (!c)
        return;
    /* The loop has run to its end: no checkpoint is in flight, and the
     * timer is closed (store_checkpoint_stop, or the agent's last walk). */
    sqlite3_close(c->db);
    free(c->path);
    free(c);
    s->checkpointer = NULL;
}
