/* The store's runs and task instances: written as they change, loaded
 * after a start or for a finished run, found by id or date, deleted by
 * retention. */
#include "store_int.h"
#include "timeutil.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static int insert_ti(store *s, const run *r, size_t i)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT INTO task_instances (dag_id, run_id, task_id, state, try_number,"
                      " max_tries) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    sqlite3_bind_text(st, 1, r->de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->model->tasks[i].id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ti_state_name(r->tis[i].state), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, r->tis[i].try_number);
    sqlite3_bind_int(st, 6, r->tis[i].max_tries);
    return store_write_done(s, st);
}

/* A savepoint, so that it nests inside a batch and stands alone outside. */
int store_run_insert(store *s, const run *r)
{
    if (store_exec(s, "SAVEPOINT run_insert"))
        return -1;
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO runs (dag_id, run_id, run_type, logical_date,"
                                     " interval_start, interval_end, state, params, due_at,"
                                     " version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    sqlite3_bind_text(st, 1, r->de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->run_type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->logical_us);
    sqlite3_bind_int64(st, 5, r->interval_start_us);
    sqlite3_bind_int64(st, 6, r->interval_end_us);
    sqlite3_bind_text(st, 7, run_state_name(r->state), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->params_json, -1, SQLITE_STATIC);
    store_bind_opt_time(st, 9, r->due_us);
    if (r->version[0])
        sqlite3_bind_text(st, 10, r->version, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        int code = sqlite3_extended_errcode(s->db);
        store_exec(s, "ROLLBACK TO run_insert; RELEASE run_insert");
        return code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY ? 1 : -1;
    }
    for (size_t i = 0; i < r->n_tis; i++) {
        if (insert_ti(s, r, i)) {
            store_exec(s, "ROLLBACK TO run_insert; RELEASE run_insert");
            return -1;
        }
    }
    return store_exec(s, "RELEASE run_insert");
}

int store_run_save(store *s, const run *r)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE runs SET state = ?3, start_date = ?4, end_date = ?5,"
                                     " version = coalesce(?6, version)"
                                     " WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, r->de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, run_state_name(r->state), -1, SQLITE_STATIC);
    store_bind_opt_time(st, 4, r->start_us);
    store_bind_opt_time(st, 5, r->end_us);
    if (r->version[0])
        sqlite3_bind_text(st, 6, r->version, -1, SQLITE_STATIC);
    return store_write_done(s, st);
}

/* How a try ended, from its instance's state when it stopped running: a
 * try that will be retried failed; one cleared while running was stopped
 * before it could succeed, so it failed too. */
static const char *try_outcome(enum ti_state s)
{
    if (ti_state_finished(s))
        return ti_state_name(s);
    return ti_state_name(TI_FAILED);
}

/* The row's values, in the parameters both statements below number alike. */
static void bind_ti(sqlite3_stmt *st, const run *r, size_t i)
{
    const ti *t = &r->tis[i];
    sqlite3_bind_text(st, 1, r->de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->model->tasks[i].id, -1, SQLITE_STATIC);
    /* A claimed try waiting for a node is stored queued with why:
     * load_tis reads it back as the claimed try it is. */
    sqlite3_bind_text(st, 4, ti_state_name(ti_shown_state(t)), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, t->try_number);
    sqlite3_bind_int(st, 6, t->max_tries);
    store_bind_opt_time(st, 7, t->start_us);
    store_bind_opt_time(st, 8, t->end_us);
    store_bind_opt_time(st, 9, t->next_retry_us);
    store_bind_opt_time(st, 10, t->state == TI_RUNNING ? t->pid : 0);
    store_bind_opt_time(st, 11, t->state == TI_RUNNING ? t->pid_start : 0);
    if (t->followed)
        sqlite3_bind_text(st, 12, t->followed, -1, SQLITE_STATIC);
    if (t->state == TI_RUNNING && t->waiting_for)
        sqlite3_bind_text(st, 13, t->waiting_for, -1, SQLITE_STATIC);
    if (t->node)
        sqlite3_bind_text(st, 14, t->node, -1, SQLITE_STATIC);
}

/* An UPDATE first: the row is there from the run's start in all but a
 * run's first save, and SQLite's upsert (an insert that finds the key
 * taken, then the update) cost a third more. */
int store_ti_save(store *s, const run *r, size_t i)
{
    const ti *t = &r->tis[i];
    sqlite3_stmt *st = store_stmt(
        s, "UPDATE task_instances SET state = ?4, try_number = ?5, max_tries = ?6,"
           " start_date = ?7, end_date = ?8, next_retry_at = ?9, pid = ?10, pid_start = ?11,"
           " branch_followed = ?12, waiting_for = ?13, node = ?14"
           " WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3");
    bind_ti(st, r, i);
    int rc = store_write_done(s, st);
    if (rc == 0 && sqlite3_changes(s->db) == 0) {
        st = store_stmt(s, "INSERT INTO task_instances (dag_id, run_id, task_id, state,"
                           " try_number, max_tries, start_date, end_date, next_retry_at, pid,"
                           " pid_start, branch_followed, waiting_for, node)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
        bind_ti(st, r, i);
        rc = store_write_done(s, st);
    }
    /* Leaving running ends the try's record (a no-op when it has ended). */
    if (rc == 0 && t->state != TI_RUNNING && t->try_number > 0)
        rc = store_try_end(s, r->de->dag_id, r->run_id, r->model->tasks[i].id, t->try_number,
                           try_outcome(t->state), t->end_us ? t->end_us : time_now_us());
    return rc;
}

int64_t store_last_logical(store *s, const char *dag_id, const char *run_type)
{
    /* Two statements: an "OR ?2 IS NULL" would keep SQLite off the index
     * (a walk through the DAG's whole history). */
    sqlite3_stmt *st = run_type
                           ? store_stmt(s, "SELECT max(logical_date) FROM runs WHERE dag_id = ?1"
                                           " AND run_type = ?2")
                           : store_stmt(s, "SELECT max(logical_date) FROM runs WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    if (run_type)
        sqlite3_bind_text(st, 2, run_type, -1, SQLITE_STATIC);
    return store_query_int64(st, -1);
}

void store_load_tis(store *s, run *r)
{
    const dag *m = r->model;
    for (size_t i = 0; r->tis && i < r->n_tis; i++)
        free(r->tis[i].followed);
    free(r->tis);
    r->n_tis = m->n_tasks;
    r->tis = xcalloc(m->n_tasks, sizeof *r->tis);
    for (size_t i = 0; i < m->n_tasks; i++)
        r->tis[i].max_tries = m->tasks[i].retries + 1;
    sqlite3_stmt *st = store_stmt(s, "SELECT task_id, state, try_number, max_tries, start_date,"
                                     " end_date, next_retry_at, pid, pid_start, branch_followed,"
                                     " waiting_for, node"
                                     " FROM task_instances WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, r->de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int i = dag_task_index(m, (const char *)sqlite3_column_text(st, 0));
        if (i < 0)
            continue; /* a task no longer in the DAG file */
        ti *t = &r->tis[i];
        int state = ti_state_parse((const char *)sqlite3_column_text(st, 1));
        t->state = state < 0 ? TI_NONE : (enum ti_state)state;
        t->try_number = sqlite3_column_int(st, 2);
        t->max_tries = sqlite3_column_int(st, 3);
        t->start_us = store_column_time(st, 4);
        t->end_us = store_column_time(st, 5);
        t->next_retry_us = store_column_time(st, 6);
        t->pid = (int)store_column_time(st, 7);
        t->pid_start = store_column_time(st, 8);
        if (sqlite3_column_type(st, 9) != SQLITE_NULL)
            t->followed = xstrdup((const char *)sqlite3_column_text(st, 9));
        if (t->state == TI_QUEUED && sqlite3_column_type(st, 10) != SQLITE_NULL) {
            /* Queued with a reason: a claimed try waiting for a node. */
            t->state = TI_RUNNING;
            t->waiting_for = xstrdup((const char *)sqlite3_column_text(st, 10));
        }
        if (sqlite3_column_type(st, 11) != SQLITE_NULL)
            t->node = xstrdup((const char *)sqlite3_column_text(st, 11));
    }
}

#define RUN_COLUMNS                                                                                \
    "run_id, run_type, logical_date, interval_start, interval_end, state, params, due_at,"         \
    " start_date, end_date, version"

static run *run_from_row(sqlite3_stmt *st, dag_entry *de)
{
    run *r = xcalloc(1, sizeof *r);
    r->de = de;
    r->run_id = xstrdup((const char *)sqlite3_column_text(st, 0));
    r->run_type = xstrdup((const char *)sqlite3_column_text(st, 1));
    r->logical_us = sqlite3_column_int64(st, 2);
    r->interval_start_us = sqlite3_column_int64(st, 3);
    r->interval_end_us = sqlite3_column_int64(st, 4);
    int state = run_state_parse((const char *)sqlite3_column_text(st, 5));
    r->state = state < 0 ? RUN_QUEUED : (enum run_state)state;
    r->params_json = xstrdup((const char *)sqlite3_column_text(st, 6));
    r->due_us = store_column_time(st, 7);
    r->start_us = store_column_time(st, 8);
    r->end_us = store_column_time(st, 9);
    r->model = dag_ref(de->model); /* the current version, unless the caller says otherwise */
    if (sqlite3_column_type(st, 10) == SQLITE_TEXT)
        snprintf(r->version, sizeof r->version, "%s", (const char *)sqlite3_column_text(st, 10));
    return r;
}

run *store_load_run(store *s, dag_entry *de, const char *run_id)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT " RUN_COLUMNS " FROM runs WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    run *r = sqlite3_step(st) == SQLITE_ROW ? run_from_row(st, de) : NULL;
    sqlite3_reset(st);
    if (r)
        store_load_tis(s, r);
    return r;
}

int store_list_runs(store *s, const char *dag_id, int64_t from_us, int64_t to_us,
                    store_run_ref_fn fn, void *arg)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT run_id, logical_date FROM runs WHERE dag_id = ?1"
                                     " AND logical_date BETWEEN ?2 AND ?3 ORDER BY logical_date");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from_us);
    sqlite3_bind_int64(st, 3, to_us);
    strlist ids = {0};
    int64_t *dates = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        strlist_push(&ids, (const char *)sqlite3_column_text(st, 0));
        dates = xrealloc(dates, ids.n * sizeof *dates);
        dates[ids.n - 1] = sqlite3_column_int64(st, 1);
    }
    for (size_t i = 0; i < ids.n; i++)
        fn(arg, ids.items[i], dates[i]);
    strlist_free(&ids);
    free(dates);
    return 0;
}

int store_load_active_runs(store *s, dag_entry *de, store_run_fn fn, void *arg)
{
    /* Collect first: the callback may use other statements. */
    sqlite3_stmt *st = store_stmt(s, "SELECT " RUN_COLUMNS " FROM runs WHERE dag_id = ?1"
                                     " AND state = 'running' ORDER BY logical_date");
    sqlite3_bind_text(st, 1, de->dag_id, -1, SQLITE_STATIC);
    /* A run is in no list of the agent's yet: its entry serves this one
     * until FN takes it. */
    struct run_list list = TAILQ_HEAD_INITIALIZER(list);
    while (sqlite3_step(st) == SQLITE_ROW) {
        run *r = run_from_row(st, de);
        TAILQ_INSERT_TAIL(&list, r, entry);
    }
    run *r;
    while ((r = TAILQ_FIRST(&list))) {
        TAILQ_REMOVE(&list, r, entry);
        store_load_tis(s, r);
        fn(arg, r);
    }
    return 0;
}

int store_queued_runs(store *s, const char *dag_id, bool backfill_only, int limit, strlist *ids)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT run_id FROM runs WHERE dag_id = ?1 AND state = 'queued'"
                      " AND (?2 = 0 OR run_type = 'backfill')"
                      " ORDER BY logical_date LIMIT ?3");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, backfill_only);
    sqlite3_bind_int(st, 3, limit);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        strlist_push(ids, (const char *)sqlite3_column_text(st, 0));
        n++;
    }
    sqlite3_reset(st);
    return n;
}

int store_count_queued(store *s, const char *dag_id, int limit)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM (SELECT 1 FROM runs WHERE dag_id = ?1"
                                     " AND state = 'queued' LIMIT ?2)");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, limit);
    return (int)store_query_int64(st, 0);
}

int store_prev_ti_state(store *s, const char *dag_id, int64_t logical_us, const char *task_id)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT ti.state FROM runs r LEFT JOIN task_instances ti"
                                     " ON ti.dag_id = r.dag_id AND ti.run_id = r.run_id"
                                     " AND ti.task_id = ?3"
                                     " WHERE r.dag_id = ?1 AND r.logical_date < ?2"
                                     " ORDER BY r.logical_date DESC LIMIT 1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, logical_us);
    sqlite3_bind_text(st, 3, task_id, -1, SQLITE_STATIC);
    int state = -1;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        state = ti_state_parse((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return state;
}

static int find_by_id(store *s, const char *dag_id, const char *run_id, char **out,
                      enum run_state *state)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT run_id, state FROM runs WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    int rc = 1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out = xstrdup((const char *)sqlite3_column_text(st, 0));
        *state = (enum run_state)run_state_parse((const char *)sqlite3_column_text(st, 1));
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

int store_find_run(store *s, const char *dag_id, const char *tz, const char *ref, char **out,
                   enum run_state *state)
{
    if (find_by_id(s, dag_id, ref, out, state) == 0)
        return 0;
    int64_t t;
    char err[128];
    if (time_parse(ref, tz, &t, err, sizeof err))
        return 1;
    /* An exact logical date first; a bare date also matches any run whose
     * logical date falls on that day in the DAG's zone. */
    sqlite3_stmt *st =
        store_stmt(s, "SELECT run_id, state, logical_date FROM runs WHERE dag_id = ?1"
                      " AND logical_date >= ?2 AND logical_date < ?3"
                      " ORDER BY logical_date");
    bool date_only = strlen(ref) == 10;
    int64_t end = t + 1;
    if (date_only) {
        struct tm tm;
        tz_local(tz, t, &tm);
        end = tz_from_local(tz, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + 1, 0, 0, 0, NULL);
    }
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, t);
    sqlite3_bind_int64(st, 3, end);
    int found = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (found++) {
            free(*out);
            *out = NULL;
            sqlite3_reset(st);
            return 2;
        }
        *out = xstrdup((const char *)sqlite3_column_text(st, 0));
        *state = (enum run_state)run_state_parse((const char *)sqlite3_column_text(st, 1));
    }
    return found ? 0 : 1;
}

int store_run_exists_at(store *s, const char *dag_id, int64_t logical_us)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM runs WHERE dag_id = ?1 AND logical_date = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, logical_us);
    return store_query_int64(st, 0) != 0;
}

int store_ti_try(store *s, const char *dag_id, const char *run_id, const char *task_id,
                 enum ti_state *state)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT try_number, state FROM task_instances"
                                     " WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, task_id, -1, SQLITE_STATIC);
    int try_number = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        try_number = sqlite3_column_int(st, 0);
        if (state)
            *state = (enum ti_state)ti_state_parse((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    return try_number;
}

int64_t store_run_logical(store *s, const char *dag_id, const char *run_id)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT logical_date FROM runs WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    return store_query_int64(st, -1);
}

int store_prev_finished_state(store *s, const char *dag_id, int64_t logical_us)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT state FROM runs WHERE dag_id = ?1"
                                     " AND logical_date < ?2 AND state IN ('success', 'failed')"
                                     " ORDER BY logical_date DESC LIMIT 1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, logical_us);
    int state = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        state = run_state_parse((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return state;
}

int store_expired_runs(store *s, int64_t cutoff, int limit, strlist *dag_ids, strlist *run_ids)
{
    /* By when it finished: a backfill of last year stays as long as any. */
    sqlite3_stmt *st = store_stmt(s, "SELECT dag_id, run_id FROM runs"
                                     " WHERE coalesce(end_date, logical_date) < ?1"
                                     " AND state IN ('success', 'failed') LIMIT ?2");
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int(st, 2, limit);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        strlist_push(dag_ids, (const char *)sqlite3_column_text(st, 0));
        strlist_push(run_ids, (const char *)sqlite3_column_text(st, 1));
        n++;
    }
    return n;
}

int store_delete_run(store *s, const char *dag_id, const char *run_id)
{
    static const char *const sql[] = {
        "DELETE FROM task_instances WHERE dag_id = ?1 AND run_id = ?2",
        "DELETE FROM tries WHERE dag_id = ?1 AND run_id = ?2",
        "DELETE FROM sla_misses WHERE dag_id = ?1 AND run_id = ?2",
        "DELETE FROM task_outputs WHERE dag_id = ?1 AND run_id = ?2",
        "DELETE FROM runs WHERE dag_id = ?1 AND run_id = ?2",
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        sqlite3_stmt *st = store_stmt(s, sql[i]);
        sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
        if (store_write_done(s, st))
            return -1;
    }
    return 0;
}
