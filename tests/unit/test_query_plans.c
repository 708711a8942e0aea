/* Every query the store makes (the scheduler's, the grid's with its
 * paging, the DAG list's, retention's, the read-in of queued runs) is a
 * seek in an index: none scans runs, task_instances or sla_misses, none
 * sorts in a temporary b-tree. So each is O(log n) in the history. The
 * statements are taken from the store's own cache after every API call
 * has run once: a new query is checked without being listed here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store_int.h"
#include "timeutil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char dag_text[] = "[dag]\nschedule = @daily\n"
                               "[task a]\ncommand = true\n"
                               "[task b]\nupstream = a\ncommand = true\n";

static run *make_run(dag_entry *de, int64_t logical, const char *type)
{
    run *r = xcalloc(1, sizeof *r);
    r->de = de;
    r->model = de->model;
    char iso[48];
    time_format_iso(logical, "UTC", iso, sizeof iso);
    r->run_id = xasprintf("%s__%s", type, iso);
    r->run_type = xstrdup(type);
    r->logical_us = r->interval_start_us = logical;
    r->interval_end_us = logical + USEC_PER_DAY;
    r->params_json = xstrdup("{}");
    r->n_tis = de->model->n_tasks;
    r->tis = xcalloc(r->n_tis, sizeof *r->tis);
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

static void count_ref(void *arg, const char *run_id, int64_t logical)
{
    (void)run_id;
    (void)logical;
    (*(int *)arg)++;
}

static void free_loaded(void *arg, run *r)
{
    (*(int *)arg)++;
    for (size_t i = 0; i < r->n_tis; i++)
        free(r->tis[i].followed);
    free_run(r);
}

#define DAY0 (1700000000LL * USEC_PER_SEC)
#define QUEUED 10

/* HISTORY finished runs, then QUEUED queued ones; returns the last. */
static run *fill(store *s, dag_entry *de, int history)
{
    run *last = NULL;
    for (int i = 0; i < history + QUEUED; i++) {
        run *r = make_run(de, DAY0 + i * USEC_PER_DAY, i % 3 ? "scheduled" : "backfill");
        r->state = i < history ? RUN_SUCCESS : RUN_QUEUED;
        assert_int_equal(store_run_insert(s, r), 0);
        r->end_us = r->logical_us + 1;
        assert_int_equal(store_run_save(s, r), 0);
        r->tis[0].state = TI_SUCCESS;
        assert_int_equal(store_ti_save(s, r, 0), 0);
        if (last)
            free_run(last);
        last = r;
    }
    return last;
}

/* Each API call once (both variants where a call has two statements),
 * with the same arguments whatever the length of the history. */
static bool keep_none(const char *path, int64_t size, int64_t mtime_ns)
{
    (void)path;
    (void)size;
    (void)mtime_ns;
    return false;
}

static void exercise(store *s, dag_entry *de, const run *last)
{
    int64_t day0 = DAY0;
    assert_false(store_dag_sync(s, "d", "d.ini"));
    free(store_dag_file(s, "d"));
    assert_int_equal(store_dag_set_paused(s, "d", false), 0);
    assert_true(store_last_logical(s, "d", "scheduled") > 0);
    assert_true(store_last_logical(s, "d", NULL) > 0);
    int n = 0;
    store_load_active_runs(s, de, free_loaded, &n);
    strlist ids = {0};
    assert_int_equal(store_queued_runs(s, "d", false, 4, &ids), 4);
    assert_int_equal(store_queued_runs(s, "d", true, 4, &ids), 3);
    strlist_free(&ids);
    assert_int_equal(store_count_queued(s, "d", 100), QUEUED);
    run *loaded = store_load_run(s, de, last->run_id);
    assert_non_null(loaded);
    free_loaded(&n, loaded);
    n = 0;
    store_list_runs(s, "d", last->logical_us - USEC_PER_DAY, INT64_MAX, count_ref, &n);
    assert_int_equal(n, 2);
    audit_record a = {day0, 0, "u", "pause", "d", NULL, NULL, NULL};
    assert_int_equal(store_audit(s, &a), 0);
    json_decref(store_audit_json(s, 10, "UTC"));
    json_decref(store_audit_page(s, NULL, 1, 10, "UTC"));
    json_decref(store_audit_page(s, "d", 1, 10, "UTC"));
    store_prev_ti_state(s, "d", last->logical_us, "a");
    char *id = NULL;
    enum run_state st;
    assert_int_equal(store_find_run(s, "d", "UTC", last->run_id, &id, &st), 0);
    free(id);
    id = NULL;
    assert_int_equal(store_find_run(s, "d", "UTC", "2023-11-20", &id, &st), 0);
    free(id);
    assert_true(store_run_exists_at(s, "d", last->logical_us));
    json_decref(store_grid_json(s, de, 25));
    /* A page deep in the history: a seek, not a walk from the newest run. */
    json_decref(store_grid_runs(s, de, day0 + 12 * USEC_PER_DAY, 1, 5, NULL));
    json_decref(store_grid_runs(s, de, day0 + 12 * USEC_PER_DAY, 1, 5, "success"));
    /* The newest runs with a cell in a state (dagtop's /state:): each run
     * row a seek by run, whatever the number of such cells in the DAG. */
    json_decref(store_grid_runs(s, de, -1, 0, 5, "success"));
    /* Versions, outputs, tries, a run's origin, file triggers. */
    json_decref(store_versions_json(s, "d", "UTC"));
    assert_true(store_delete_unused_versions(s) >= 0);
    json_decref(store_outputs_json(s, "d", last->run_id, NULL));
    json_decref(store_outputs_json(s, "d", last->run_id, "a"));
    json_decref(store_tries_json(s, "d", last->run_id, "a", "UTC"));
    json_decref(store_run_origin(s, "d", last->run_id, false, day0, "UTC"));
    json_decref(store_run_origin(s, "d", last->run_id, true, day0, "UTC"));
    store_trigger_seen(s, "d", "/x", 1, 1);
    int64_t cursor = 0;
    assert_true(store_prune_triggers(s, &cursor, 10, keep_none) >= 0);
    json_decref(store_grid_cells(s, "d", last->run_id, NULL));
    json_decref(store_recent_states_json(s, "d", 10));
    store_ti_try(s, "d", last->run_id, "a", NULL);
    store_sla_miss_record(s, "d", last->run_id, NULL, day0);
    store_run_logical(s, "d", last->run_id);
    strlist dags = {0}, runs = {0};
    /* The 3 oldest are expired: the others must not be walked through. */
    assert_true(store_expired_runs(s, day0 + 3 * USEC_PER_DAY, 10, &dags, &runs) > 0);
    assert_int_equal(store_delete_run(s, dags.items[0], runs.items[0]), 0);
    strlist_free(&dags);
    strlist_free(&runs);
    assert_true(store_delete_old_audit(s, day0 + 1, 10) >= 0);
}

/* A plan step that reads a whole table (or an alias of one) or sorts. */
static bool bad_step(const char *detail)
{
    static const char *const tables[] = {"runs", "task_instances", "sla_misses", "r", "ti"};
    if (strstr(detail, "TEMP B-TREE"))
        return true;
    if (strncmp(detail, "SCAN ", 5) != 0)
        return false;
    const char *name = detail + 5;
    size_t len = strcspn(name, " ");
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        if (strlen(tables[i]) == len && strncmp(name, tables[i], len) == 0)
            return true;
    return false;
}

typedef struct plan_run {
    char dir[32];
    store *s;
    dag_entry de;
    diag_list diags;
    /* The virtual machine steps of each cached statement during exercise:
     * a seek costs the same whatever the history, a walk grows with it. */
    long long steps[STMT_CACHE];
} plan_run;

static void plan_open(plan_run *p, int history)
{
    strcpy(p->dir, "/tmp/dagd-plans.XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    char *path = xasprintf("%s/dagd.db", p->dir);
    char err[256] = "";
    p->s = store_open(path, err, sizeof err);
    free(path);
    assert_non_null(p->s);
    FILE *in = fmemopen((void *)dag_text, sizeof dag_text - 1, "r");
    p->de.dag_id = "d";
    p->de.file = "d.ini";
    p->de.model = dag_load_stream(in, "d.ini", "UTC", &p->diags);
    fclose(in);
    assert_non_null(p->de.model);
    run *last = fill(p->s, &p->de, history);
    exercise(p->s, &p->de, last); /* every statement is prepared once */
    for (int i = 0; i < STMT_CACHE && p->s->sql[i]; i++)
        sqlite3_stmt_status(p->s->st[i], SQLITE_STMTSTATUS_VM_STEP, 1);
    exercise(p->s, &p->de, last);
    for (int i = 0; i < STMT_CACHE && p->s->sql[i]; i++)
        p->steps[i] = sqlite3_stmt_status(p->s->st[i], SQLITE_STMTSTATUS_VM_STEP, 0);
    free_run(last);
}

static void plan_close(plan_run *p)
{
    store_close(p->s);
    dag_free(p->de.model);
    diag_free(&p->diags);
    char *cmd = xasprintf("rm -rf %s", p->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static long long steps_of(const plan_run *p, const char *sql)
{
    for (int i = 0; i < STMT_CACHE && p->s->sql[i]; i++)
        if (p->s->sql[i] == sql)
            return p->steps[i];
    return -1;
}

static void test_no_query_scans(void **state)
{
    (void)state;
    plan_run small = {0}, big = {0};
    plan_open(&small, 50);
    plan_open(&big, 1000);
    store *s = big.s;
    int checked = 0, bad = 0;
    for (int i = 0; i < STMT_CACHE && s->sql[i]; i++) {
        char *eqp = xasprintf("EXPLAIN QUERY PLAN %s", s->sql[i]);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(s->db, eqp, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(st, 3);
            if (bad_step(detail)) {
                fprintf(stderr, "full scan or sort: %s\n  in: %s\n", detail, s->sql[i]);
                bad++;
            }
        }
        sqlite3_finalize(st);
        free(eqp);
        /* 20 times the history: a seek does the same work (give or
         * take the b-tree's depth, which is no VM step). */
        long long few = steps_of(&small, s->sql[i]), many = big.steps[i];
        /* Where a failed run stands among all (dagtop's n / N, one run at
         * a time): a count over an index range, linear in the newer runs
         * by nature (SQLite's b-trees keep no counts). */
        bool counts_range = strstr(s->sql[i], "SELECT count(*) FROM runs WHERE dag_id = ?1 AND "
                                              "logical_date > ?2") != NULL;
        if (!counts_range && many > 2 * few + 50) {
            fprintf(stderr, "%lld steps with 1000 runs, %lld with 50: %s\n", many, few, s->sql[i]);
            bad++;
        }
        checked++;
    }
    /* Every API call above made its statement: the cache is the list. */
    assert_true(checked >= 30);
    assert_int_equal(bad, 0);
    plan_close(&small);
    plan_close(&big);
}
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_query_scans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
