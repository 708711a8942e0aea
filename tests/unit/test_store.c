/* The store against real SQLite files: schema, migrations, runs, task
 * instances, and that every write is committed at once (visible to another
 * connection) even right after single-row reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runs.h"
#include "store.h"
#include "timeutil.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <uv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];
    char *path;
    store *s;
    dag_entry de;
    diag_list diags;
} fixture;

static const char dag_text[] = "[dag]\nschedule = @daily\n"
                               "[task a]\ncommand = true\n"
                               "[task b]\nupstream = a\ncommand = true\n";

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/dagd-store.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->path = xasprintf("%s/dagd.db", f->dir);
    char err[256] = "";
    f->s = store_open(f->path, err, sizeof err);
    assert_non_null(f->s);
    FILE *in = fmemopen((void *)dag_text, sizeof dag_text - 1, "r");
    f->de.model = dag_load_stream(in, "d.ini", "UTC", &f->diags);
    fclose(in);
    assert_non_null(f->de.model);
    f->de.dag_id = "d";
    f->de.file = "d.ini";
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    dag_free(f->de.model);
    diag_free(&f->diags);
    char *cmd = xasprintf("rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f->path);
    free(f);
    return 0;
}

static run *make_run(fixture *f, const char *id, int64_t logical)
{
    run *r = calloc(1, sizeof *r);
    r->de = &f->de;
    r->model = f->de.model;
    r->run_id = xstrdup(id);
    r->run_type = xstrdup("scheduled");
    r->logical_us = logical;
    r->interval_start_us = logical;
    r->interval_end_us = logical + USEC_PER_DAY;
    r->params_json = xstrdup("{}");
    r->n_tis = f->de.model->n_tasks;
    r->tis = calloc(r->n_tis, sizeof *r->tis);
    for (size_t i = 0; i < r->n_tis; i++)
        r->tis[i].max_tries = 1;
    return r;
}

static void free_run(run *r)
{
    free(r->run_id);
    free(r->run_type);
    free(r->params_json);
    free(r->tis);
    free(r);
}

/* What another process sees right now. */
static char *peek(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    char *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        out = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static void test_schema_version(void **state)
{
    fixture *f = *state;
    assert_int_equal(store_schema_version(f->s), STORE_SCHEMA_VERSION);
    char *mode = peek(f->path, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    char *other = xasprintf("%s/new.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[256] = "";
    assert_null(store_open(other, err, sizeof err));
    assert_non_null(strstr(err, "newer"));
    free(other);
}

static void test_run_insert_and_unique(void **state)
{
    fixture *f = *state;
    run *r = make_run(f, "scheduled__x", 1000 * USEC_PER_SEC);
    assert_int_equal(store_run_insert(f->s, r), 0);
    run *dup = make_run(f, "other_id", 1000 * USEC_PER_SEC);
    assert_int_equal(store_run_insert(f->s, dup), 1); /* same logical date */
    run *dup2 = make_run(f, "scheduled__x", 2000 * USEC_PER_SEC);
    assert_int_equal(store_run_insert(f->s, dup2), 1); /* same run id */
    assert_int_equal(store_last_logical(f->s, "d", "scheduled"), 1000 * USEC_PER_SEC);
    assert_int_equal(store_last_logical(f->s, "d", "manual"), -1);
    char *n = peek(f->path, "SELECT count(*) FROM task_instances");
    assert_string_equal(n, "2");
    free(n);
    free_run(r);
    free_run(dup);
    free_run(dup2);
}

static void test_writes_visible_at_once(void **state)
{
    fixture *f = *state;
    run *r = make_run(f, "scheduled__y", 5000 * USEC_PER_SEC);
    assert_int_equal(store_run_insert(f->s, r), 0);
    /* Reads that return one row must not leave their statement active. */
    enum ti_state st;
    assert_int_equal(store_ti_try(f->s, "d", "scheduled__y", "a", &st), 0);
    assert_true(store_run_exists_at(f->s, "d", 5000 * USEC_PER_SEC));
    (void)store_dag_sync(f->s, "d", "d.ini");
    r->tis[0].state = TI_RUNNING;
    r->tis[0].try_number = 1;
    assert_int_equal(store_ti_save(f->s, r, 0), 0);
    char *seen = peek(f->path, "SELECT state || ':' || try_number FROM task_instances"
                               " WHERE run_id = 'scheduled__y' AND task_id = 'a'");
    assert_string_equal(seen, "running:1");
    free(seen);
    r->state = RUN_SUCCESS;
    assert_int_equal(store_run_save(f->s, r), 0);
    seen = peek(f->path, "SELECT state FROM runs WHERE run_id = 'scheduled__y'");
    assert_string_equal(seen, "success");
    free(seen);
    free_run(r);
}

static void test_find_run_by_date(void **state)
{
    fixture *f = *state;
    int64_t day;
    char err[128];
    assert_int_equal(time_parse("2026-11-22", "UTC", &day, err, sizeof err), 0);
    run *r = make_run(f, "scheduled__2026-11-22T00:00:00+00:00", day);
    assert_int_equal(store_run_insert(f->s, r), 0);
    char *id = NULL;
    enum run_state rs;
    assert_int_equal(store_find_run(f->s, "d", "UTC", "2026-11-22", &id, &rs), 0);
    assert_string_equal(id, r->run_id);
    free(id);
    assert_int_equal(store_find_run(f->s, "d", "UTC", r->run_id, &id, &rs), 0);
    free(id);
    assert_int_equal(store_find_run(f->s, "d", "UTC", "2026-11-23", &id, &rs), 1);
    /* Two runs on one day: a bare date is ambiguous. */
    run *r2 = make_run(f, "manual__2026-11-22T10:00:00+00:00", day + 10 * USEC_PER_HOUR);
    assert_int_equal(store_run_insert(f->s, r2), 0);
    assert_int_equal(store_find_run(f->s, "d", "UTC", "2026-11-22", &id, &rs), 2);
    free_run(r);
    free_run(r2);
}

static void test_prev_ti_state(void **state)
{
    fixture *f = *state;
    run *r1 = make_run(f, "r1", 1 * USEC_PER_DAY);
    run *r2 = make_run(f, "r2", 2 * USEC_PER_DAY);
    r1->tis[0].state = TI_FAILED;
    assert_int_equal(store_run_insert(f->s, r1), 0);
    assert_int_equal(store_run_insert(f->s, r2), 0);
    assert_int_equal(store_prev_ti_state(f->s, "d", 2 * USEC_PER_DAY, "a"), TI_FAILED);
    assert_int_equal(store_prev_ti_state(f->s, "d", 1 * USEC_PER_DAY, "a"), -1);
    assert_int_equal(store_prev_ti_state(f->s, "d", 2 * USEC_PER_DAY, "nope"), -1);
    free_run(r1);
    free_run(r2);
}

/* A claimed swarm try waiting for a node is stored queued with its reason
 * and read back as the claimed (running) try it is, so that a restarted
 * agent follows it instead of starting a second one; the node stays. */
static void test_waiting_try_roundtrip(void **state)
{
    fixture *f = *state;
    run *r = make_run(f, "manual__w", 3 * USEC_PER_DAY);
    assert_int_equal(store_run_insert(f->s, r), 0);
    ti *t = &r->tis[0];
    t->state = TI_RUNNING;
    t->try_number = 1;
    t->waiting_for = xstrdup("no suitable node (insufficient resources on 1 node)");
    assert_int_equal(store_ti_save(f->s, r, 0), 0);
    char *seen = peek(f->path, "SELECT state || ':' || waiting_for FROM task_instances"
                               " WHERE run_id = 'manual__w' AND task_id = 'a'");
    assert_string_equal(seen, "queued:no suitable node (insufficient resources on 1 node)");
    free(seen);
    run *back = store_load_run(f->s, &f->de, "manual__w");
    assert_non_null(back);
    assert_int_equal(back->tis[0].state, TI_RUNNING);
    assert_string_equal(back->tis[0].waiting_for, t->waiting_for);
    runs_free(back);
    /* On a node: running, no reason, the node kept (after the end too). */
    free(t->waiting_for);
    t->waiting_for = NULL;
    t->node = xstrdup("gpu-1");
    assert_int_equal(store_ti_save(f->s, r, 0), 0);
    t->state = TI_SUCCESS;
    assert_int_equal(store_ti_save(f->s, r, 0), 0);
    seen = peek(f->path, "SELECT state || ':' || ifnull(waiting_for, '-') || ':' || node"
                         " FROM task_instances WHERE run_id = 'manual__w' AND task_id = 'a'");
    assert_string_equal(seen, "success:-:gpu-1");
    free(seen);
    back = store_load_run(f->s, &f->de, "manual__w");
    assert_int_equal(back->tis[0].state, TI_SUCCESS);
    assert_null(back->tis[0].waiting_for);
    assert_string_equal(back->tis[0].node, "gpu-1");
    runs_free(back);
    free(t->node);
    free_run(r);
}

/* Retention of file-trigger records: only those of runs that are gone and
 * whose file is not there as seen; every row looked at counts against the
 * step's limit, so a walk over 500 records takes 3 steps of 200. */
static bool keep_every_third(const char *path, int64_t size, int64_t mtime_ns)
{
    (void)size;
    (void)mtime_ns;
    return atoi(strrchr(path, '/') + 1) % 3 == 0;
}

static void test_prune_triggers(void **state)
{
    fixture *f = *state;
    run *live = make_run(f, "file__live", 0);
    assert_int_equal(store_run_insert(f->s, live), 0);
    for (int i = 0; i < 500; i++) {
        char path[32], run_id[32];
        snprintf(path, sizeof path, "/in/%d.csv", i);
        snprintf(run_id, sizeof run_id, i < 50 ? "file__live" : "file__gone%d", i);
        assert_int_equal(store_trigger_record(f->s, "d", path, 1, 1, run_id, 0), 0);
    }
    int64_t cursor = 0;
    int deleted = 0, steps = 0;
    do {
        int n = store_prune_triggers(f->s, &cursor, 200, keep_every_third);
        assert_true(n >= 0);
        deleted += n;
        steps++;
    } while (cursor != 0 && steps < 10);
    assert_int_equal(steps, 3);
    int expect = 0; /* runs gone (50..499), files not kept */
    for (int i = 50; i < 500; i++)
        expect += i % 3 != 0;
    assert_int_equal(deleted, expect);
    char *left = peek(f->path, "SELECT count(*) FROM trigger_files");
    assert_int_equal(atoi(left), 500 - expect);
    free(left);
    assert_true(store_trigger_seen(f->s, "d", "/in/1.csv", 1, 1));   /* a live run's */
    assert_true(store_trigger_seen(f->s, "d", "/in/51.csv", 1, 1));  /* its file is there */
    assert_false(store_trigger_seen(f->s, "d", "/in/52.csv", 1, 1)); /* gone with its run */
    free_run(live);
}

/* The checkpoints on LOOP, as the agent has them. */
static void checkpoints_start(fixture *f, uv_loop_t *loop)
{
    assert_int_equal(uv_loop_init(loop), 0);
    store_checkpoint_in_background(f->s, loop);
}

/* Turn LOOP until nothing is left on it (a timer, a pass), at most 10 s. */
static void run_until_idle(uv_loop_t *loop)
{
    int64_t deadline = time_now_us() + 10 * USEC_PER_SEC;
    while (uv_run(loop, UV_RUN_NOWAIT)) {
        assert_true(time_now_us() < deadline);
        uv_sleep(1);
    }
}

/* Their end: the timer closed and every pass in flight done. */
static void checkpoints_stop(fixture *f, uv_loop_t *loop)
{
    store_checkpoint_stop(f->s);
    run_until_idle(loop);
    assert_int_equal(uv_loop_close(loop), 0);
}

/* One commit of a few pages (a file trigger's record), then a loop turn. */
static void commit_one(fixture *f, uv_loop_t *loop, int i)
{
    char path[32];
    snprintf(path, sizeof path, "/in/%d.csv", i);
    assert_int_equal(store_trigger_record(f->s, "d", path, 1, 1, "file__x", 0), 0);
    uv_run(loop, UV_RUN_NOWAIT);
}

/* The WAL file's header (SQLite's file format): frames follow 32 bytes,
 * each a 24-byte header and a page; bytes 12-15 count the restarts. */
static long wal_frames(const char *wal)
{
    struct stat st;
    return stat(wal, &st) == 0 ? (long)((st.st_size - 32) / (24 + 4096)) : 0;
}

static uint32_t wal_restarts(const char *wal)
{
    unsigned char h[16] = {0};
    FILE *in = fopen(wal, "rb");
    assert_non_null(in);
    assert_int_equal(fread(h, 1, sizeof h, in), sizeof h);
    fclose(in);
    return (uint32_t)h[12] << 24 | (uint32_t)h[13] << 16 | (uint32_t)h[14] << 8 | h[15];
}

/* Under steady writes the WAL still starts again from its beginning: with
 * the restart at 2,000 pages and a pass every 1,000, 20,000 commits (some
 * 40,000 pages) leave a WAL file (which keeps its largest size) well under
 * 40,000 pages. The loop turns between commits, as the agent's does. */
static void test_wal_restarts_under_steady_writes(void **state)
{
    fixture *f = *state;
    uv_loop_t loop;
    checkpoints_start(f, &loop);
    for (int i = 0; i < 20000; i++)
        commit_one(f, &loop, i);
    run_until_idle(&loop); /* the last pass, if one is in flight */
    char *wal = xasprintf("%s-wal", f->path);
    long frames = wal_frames(wal);
    assert_true(frames > 1000); /* the WAL was written: the check means something */
    assert_true(frames < 6000);
    free(wal);
    checkpoints_stop(f, &loop);
}

/* The pass at 1,000 pages copies them into the database file while the
 * writes go on, long before the loop's catch-up at 2,000: the file grows. */
static void test_wal_pass_fills_the_database(void **state)
{
    fixture *f = *state;
    uv_loop_t loop;
    checkpoints_start(f, &loop);
    char *wal = xasprintf("%s-wal", f->path);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    off_t before = st.st_size;
    int64_t deadline = time_now_us() + 10 * USEC_PER_SEC;
    for (int i = 0; stat(f->path, &st) == 0 && st.st_size == before; i++) {
        assert_true(wal_frames(wal) < 2000); /* the catch-up did it, not the pass */
        assert_true(time_now_us() < deadline);
        commit_one(f, &loop, i);
        if (wal_frames(wal) >= 1100)
            uv_sleep(1); /* let the pass run */
    }
    free(wal);
    checkpoints_stop(f, &loop);
}

/* A burst of 1,200 pages (a pass at 1,000, no catch-up below 2,000),
 * then quiet: a pass takes the rest by itself, so the next write starts
 * the WAL again. Without the quiet pass 200 pages stay behind and the WAL
 * goes on growing from where it is. */
static void test_wal_restarts_after_a_burst(void **state)
{
    fixture *f = *state;
    uv_loop_t loop;
    checkpoints_start(f, &loop);
    char *wal = xasprintf("%s-wal", f->path);
    for (int i = 0; wal_frames(wal) < 1200; i++)
        commit_one(f, &loop, i);
    uint32_t restarts = wal_restarts(wal);
    run_until_idle(&loop); /* the quiet timer, then its pass */
    commit_one(f, &loop, -1);
    assert_int_equal(wal_restarts(wal), restarts + 1);
    assert_true(wal_frames(wal) > 1000); /* the file keeps its size: the header says it */
    free(wal);
    checkpoints_stop(f, &loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_insert_and_unique, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_visible_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_run_by_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prev_ti_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiting_try_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_triggers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_restarts_under_steady_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_pass_fills_the_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_restarts_after_a_burst, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
