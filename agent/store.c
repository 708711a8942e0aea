#include "store.h"
#include "timeutil.h"
#include "utf8.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 48

struct store {
    sqlite3 *db;
    int batch_depth;
    bool batch_failed;
    char last_error[256]; /* of the last failed write, before any rollback */
    /* Prepared statements keyed by their SQL literal's address. */
    const char *sql[STMT_CACHE];
    sqlite3_stmt *st[STMT_CACHE];
};

/* Each entry takes the schema from version i to i+1. */
static const char *const migrations[] = {
    "CREATE TABLE dags (dag_id TEXT PRIMARY KEY, paused INTEGER NOT NULL DEFAULT 0,"
    "  file TEXT);"
    "CREATE TABLE runs (dag_id TEXT NOT NULL, run_id TEXT NOT NULL,"
    "  run_type TEXT NOT NULL, logical_date INTEGER NOT NULL,"
    "  interval_start INTEGER NOT NULL, interval_end INTEGER NOT NULL,"
    "  state TEXT NOT NULL, params TEXT NOT NULL DEFAULT '{}', due_at INTEGER,"
    "  start_date INTEGER, end_date INTEGER,"
    "  PRIMARY KEY (dag_id, run_id), UNIQUE (dag_id, logical_date));"
    "CREATE INDEX runs_state ON runs (state);"
    "CREATE TABLE task_instances (dag_id TEXT NOT NULL, run_id TEXT NOT NULL,"
    "  task_id TEXT NOT NULL, state TEXT NOT NULL, try_number INTEGER NOT NULL DEFAULT 0,"
    "  max_tries INTEGER NOT NULL DEFAULT 1, start_date INTEGER, end_date INTEGER,"
    "  next_retry_at INTEGER, PRIMARY KEY (dag_id, run_id, task_id));",
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, uid INTEGER,"
    "  user TEXT, action TEXT NOT NULL, dag_id TEXT, run_id TEXT, task_id TEXT,"
    "  detail TEXT);"
    "CREATE INDEX audit_time ON audit (time);",
    /* A try's process, so a restarted agent can find it (pid_start: start
     * time in clock ticks from /proc, against pid reuse). */
    "ALTER TABLE task_instances ADD COLUMN pid INTEGER;"
    "ALTER TABLE task_instances ADD COLUMN pid_start INTEGER;",
    /* SLA misses, each recorded once (task_id '' for the run's own SLA);
     * the key is what makes sla_miss fire once, across restarts too. */
    "CREATE TABLE sla_misses (dag_id TEXT NOT NULL, run_id TEXT NOT NULL,"
    "  task_id TEXT NOT NULL, time INTEGER NOT NULL,"
    "  PRIMARY KEY (dag_id, run_id, task_id));",
    /* A branch's decision, so that a task it did not follow is skipped
     * again when cleared, after a restart too. */
    "ALTER TABLE task_instances ADD COLUMN branch_followed TEXT;",
};

static sqlite3_stmt *stmt(store *s, const char *sql)
{
    for (int i = 0; i < STMT_CACHE && s->sql[i]; i++) {
        if (s->sql[i] == sql) {
            sqlite3_reset(s->st[i]);
            sqlite3_clear_bindings(s->st[i]);
            return s->st[i];
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "dagd: store: %s\n", sqlite3_errmsg(s->db));
        abort(); /* a bad statement is a programming error */
    }
    for (int i = 0; i < STMT_CACHE; i++) {
        if (!s->sql[i]) {
            s->sql[i] = sql;
            s->st[i] = st;
            return st;
        }
    }
    abort();
}

/* A write's outcome. A failed write inside a batch dooms the batch: its
 * commit rolls everything back, so a batch is never half stored. */
static int write_done(store *s, sqlite3_stmt *st)
{
    if (sqlite3_step(st) == SQLITE_DONE)
        return 0;
    snprintf(s->last_error, sizeof s->last_error, "%s", sqlite3_errmsg(s->db));
    if (s->batch_depth > 0)
        s->batch_failed = true;
    return -1;
}

/* One integer from the first row (FALLBACK when no row or NULL). The
 * statement is reset at once: an active statement would hold back the
 * commit of every autocommit write on this connection. */
static int64_t query_int64(sqlite3_stmt *st, int64_t fallback)
{
    int64_t v = fallback;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return v;
}

static void bind_opt_time(sqlite3_stmt *st, int i, int64_t t)
{
    if (t > 0)
        sqlite3_bind_int64(st, i, t);
    else
        sqlite3_bind_null(st, i);
}

static int exec(store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    bool rollback = strncmp(sql, "ROLLBACK", 8) == 0;
    /* After SQLITE_FULL SQLite may have rolled back by itself. */
    bool already = rollback && msg && strstr(msg, "no transaction");
    if (!rollback)
        snprintf(s->last_error, sizeof s->last_error, "%s", msg ? msg : "?");
    if (!already)
        fprintf(stderr, "dagd: store: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    return already ? 0 : -1;
}

int store_schema_version(store *s)
{
    sqlite3_stmt *st = stmt(s, "PRAGMA user_version");
    return (int)query_int64(st, -1);
}

static int migrate(store *s, char *err, size_t errlen)
{
    int version = store_schema_version(s);
    int latest = (int)(sizeof migrations / sizeof *migrations);
    if (version > latest) {
        snprintf(err, errlen, "store schema version %d is newer than this dagd (%d)", version,
                 latest);
        return -1;
    }
    for (; version < latest; version++) {
        char *sql = xasprintf("BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
                              migrations[version], version + 1);
        int rc = exec(s, sql);
        free(sql);
        if (rc) {
            exec(s, "ROLLBACK");
            snprintf(err, errlen, "migration to schema version %d failed: %s", version + 1,
                     sqlite3_errmsg(s->db));
            return -1;
        }
    }
    return 0;
}

store *store_open(const char *path, char *err, size_t errlen)
{
    store *s = xcalloc(1, sizeof *s);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* WAL + NORMAL: a commit is durable against a crash of the agent, and a
     * power cut loses at most the last commits, never consistency. */
    if (exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;") ||
        migrate(s, err, errlen)) {
        if (!err[0])
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(store *s)
{
    if (!s)
        return;
    for (int i = 0; i < STMT_CACHE && s->sql[i]; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

const char *store_error(store *s)
{
    return s->last_error[0] ? s->last_error : sqlite3_errmsg(s->db);
}

int store_batch_begin(store *s)
{
    if (s->batch_depth++ > 0)
        return 0;
    if (exec(s, "BEGIN IMMEDIATE") == 0)
        return 0;
    s->batch_failed = true;
    return -1;
}

int store_batch_commit(store *s)
{
    if (--s->batch_depth > 0)
        return 0;
    bool failed = s->batch_failed;
    s->batch_failed = false;
    if (!failed && exec(s, "COMMIT") == 0) {
        s->last_error[0] = '\0';
        return 0;
    }
    exec(s, "ROLLBACK"); /* a failed COMMIT (disk full) leaves it open */
    return -1;
}

bool store_in_batch(const store *s)
{
    return s->batch_depth > 0;
}

bool store_dag_sync(store *s, const char *dag_id, const char *file)
{
    sqlite3_stmt *st = stmt(s, "INSERT INTO dags (dag_id, file) VALUES (?1, ?2)"
                               " ON CONFLICT (dag_id) DO UPDATE SET file = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
    sqlite3_step(st);
    st = stmt(s, "SELECT paused FROM dags WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    return query_int64(st, 0) != 0;
}

char *store_dag_file(store *s, const char *dag_id)
{
    sqlite3_stmt *st = stmt(s, "SELECT file FROM dags WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    char *file = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
        file = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return file;
}

int store_dag_set_paused(store *s, const char *dag_id, bool paused)
{
    sqlite3_stmt *st = stmt(s, "UPDATE dags SET paused = ?2 WHERE dag_id = ?1");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, paused);
    return write_done(s, st);
}

static int insert_ti(store *s, const run *r, size_t i)
{
    sqlite3_stmt *st =
        stmt(s, "INSERT INTO task_instances (dag_id, run_id, task_id, state, try_number,"
                " max_tries) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    sqlite3_bind_text(st, 1, r->de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->de->model->tasks[i].id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ti_state_name(r->tis[i].state), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, r->tis[i].try_number);
    sqlite3_bind_int(st, 6, r->tis[i].max_tries);
    return write_done(s, st);
}

/* A savepoint, so that it nests inside a batch and stands alone outside. */
int store_run_insert(store *s, const run *r)
{
    if (exec(s, "SAVEPOINT run_insert"))
        return -1;
    sqlite3_stmt *st = stmt(s, "INSERT INTO runs (dag_id, run_id, run_type, logical_date,"
                               " interval_start, interval_end, state, params, due_at)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    sqlite3_bind_text(st, 1, r->de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->run_type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->logical_us);
    sqlite3_bind_int64(st, 5, r->interval_start_us);
    sqlite3_bind_int64(st, 6, r->interval_end_us);
    sqlite3_bind_text(st, 7, run_state_name(r->state), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->params_json, -1, SQLITE_STATIC);
    bind_opt_time(st, 9, r->due_us);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        int code = sqlite3_extended_errcode(s->db);
        exec(s, "ROLLBACK TO run_insert; RELEASE run_insert");
        return code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY ? 1 : -1;
    }
    for (size_t i = 0; i < r->n_tis; i++) {
        if (insert_ti(s, r, i)) {
            exec(s, "ROLLBACK TO run_insert; RELEASE run_insert");
            return -1;
        }
    }
    return exec(s, "RELEASE run_insert");
}

int store_run_save(store *s, const run *r)
{
    sqlite3_stmt *st = stmt(s, "UPDATE runs SET state = ?3, start_date = ?4, end_date = ?5"
                               " WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, r->de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, run_state_name(r->state), -1, SQLITE_STATIC);
    bind_opt_time(st, 4, r->start_us);
    bind_opt_time(st, 5, r->end_us);
    return write_done(s, st);
}

int store_ti_save(store *s, const run *r, size_t i)
{
    const ti *t = &r->tis[i];
    sqlite3_stmt *st =
        stmt(s, "INSERT INTO task_instances (dag_id, run_id, task_id, state,"
                " try_number, max_tries, start_date, end_date, next_retry_at, pid, pid_start,"
                " branch_followed)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                " ON CONFLICT (dag_id, run_id, task_id) DO UPDATE SET"
                " state = ?4, try_number = ?5, max_tries = ?6, start_date = ?7,"
                " end_date = ?8, next_retry_at = ?9, pid = ?10, pid_start = ?11,"
                " branch_followed = ?12");
    sqlite3_bind_text(st, 1, r->de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->de->model->tasks[i].id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ti_state_name(t->state), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, t->try_number);
    sqlite3_bind_int(st, 6, t->max_tries);
    bind_opt_time(st, 7, t->start_us);
    bind_opt_time(st, 8, t->end_us);
    bind_opt_time(st, 9, t->next_retry_us);
    bind_opt_time(st, 10, t->state == TI_RUNNING ? t->pid : 0);
    bind_opt_time(st, 11, t->state == TI_RUNNING ? t->pid_start : 0);
    if (t->followed)
        sqlite3_bind_text(st, 12, t->followed, -1, SQLITE_STATIC);
    return write_done(s, st);
}

int64_t store_last_logical(store *s, const char *dag_id, const char *run_type)
{
    sqlite3_stmt *st = stmt(s, "SELECT max(logical_date) FROM runs WHERE dag_id = ?1"
                               " AND (?2 IS NULL OR run_type = ?2)");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    if (run_type)
        sqlite3_bind_text(st, 2, run_type, -1, SQLITE_STATIC);
    return query_int64(st, -1);
}

static int64_t column_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

static void load_tis(store *s, run *r)
{
    const dag *m = r->de->model;
    r->n_tis = m->n_tasks;
    r->tis = xcalloc(m->n_tasks, sizeof *r->tis);
    for (size_t i = 0; i < m->n_tasks; i++)
        r->tis[i].max_tries = m->tasks[i].retries + 1;
    sqlite3_stmt *st = stmt(s, "SELECT task_id, state, try_number, max_tries, start_date,"
                               " end_date, next_retry_at, pid, pid_start, branch_followed"
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
        t->start_us = column_time(st, 4);
        t->end_us = column_time(st, 5);
        t->next_retry_us = column_time(st, 6);
        t->pid = (int)column_time(st, 7);
        t->pid_start = column_time(st, 8);
        if (sqlite3_column_type(st, 9) != SQLITE_NULL)
            t->followed = xstrdup((const char *)sqlite3_column_text(st, 9));
    }
}

#define RUN_COLUMNS                                                                                \
    "run_id, run_type, logical_date, interval_start, interval_end, state, params, due_at,"         \
    " start_date, end_date"

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
    r->due_us = column_time(st, 7);
    r->start_us = column_time(st, 8);
    r->end_us = column_time(st, 9);
    return r;
}

run *store_load_run(store *s, dag_entry *de, const char *run_id)
{
    sqlite3_stmt *st =
        stmt(s, "SELECT " RUN_COLUMNS " FROM runs WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    run *r = sqlite3_step(st) == SQLITE_ROW ? run_from_row(st, de) : NULL;
    sqlite3_reset(st);
    if (r)
        load_tis(s, r);
    return r;
}

int store_list_runs(store *s, const char *dag_id, store_run_ref_fn fn, void *arg)
{
    sqlite3_stmt *st = stmt(s, "SELECT run_id, logical_date FROM runs WHERE dag_id = ?1"
                               " ORDER BY logical_date");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
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
    sqlite3_stmt *st = stmt(s, "SELECT " RUN_COLUMNS " FROM runs WHERE dag_id = ?1"
                               " AND state IN ('queued', 'running') ORDER BY logical_date");
    sqlite3_bind_text(st, 1, de->dag_id, -1, SQLITE_STATIC);
    run *list = NULL, **tail = &list;
    while (sqlite3_step(st) == SQLITE_ROW) {
        run *r = run_from_row(st, de);
        *tail = r;
        tail = &r->next;
    }
    while (list) {
        run *r = list;
        list = r->next;
        r->next = NULL;
        load_tis(s, r);
        fn(arg, r);
    }
    return 0;
}

int store_prev_ti_state(store *s, const char *dag_id, int64_t logical_us, const char *task_id)
{
    sqlite3_stmt *st = stmt(s, "SELECT ti.state FROM runs r LEFT JOIN task_instances ti"
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
    sqlite3_stmt *st = stmt(s, "SELECT run_id, state FROM runs WHERE dag_id = ?1 AND run_id = ?2");
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
    sqlite3_stmt *st = stmt(s, "SELECT run_id, state, logical_date FROM runs WHERE dag_id = ?1"
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
    sqlite3_stmt *st = stmt(s, "SELECT 1 FROM runs WHERE dag_id = ?1 AND logical_date = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, logical_us);
    return query_int64(st, 0) != 0;
}

/* Instants where 0 (NULL) means none: a logical date is never NULL and 0 is
 * the epoch, so json_date formats every value. */
static json_t *json_date(int64_t t, const char *tz)
{
    char buf[48];
    time_format_iso(t, tz, buf, sizeof buf);
    return json_string(buf);
}

static json_t *json_time(int64_t t, const char *tz)
{
    if (t <= 0)
        return json_null();
    char buf[48];
    time_format_iso(t, tz, buf, sizeof buf);
    return json_string(buf);
}

json_t *store_grid_cells(store *s, const char *dag_id, const char *run_id, const json_t *only)
{
    json_t *tasks = json_object();
    sqlite3_stmt *st = stmt(s, "SELECT task_id, state, try_number FROM task_instances"
                               " WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *task = (const char *)sqlite3_column_text(st, 0);
        if (only && !json_object_get(only, task))
            continue;
        json_object_set_new(tasks, task,
                            json_pack("{s:s, s:i}", "state", sqlite3_column_text(st, 1),
                                      "try_number", sqlite3_column_int(st, 2)));
    }
    return tasks;
}

json_t *store_grid_runs(store *s, const dag_entry *de, int64_t before_us, long long offset,
                        int limit)
{
    const char *tz = de->model ? de->model->timezone : "UTC";
    json_t *runs = json_array();
    sqlite3_stmt *st = stmt(s, "SELECT run_id, logical_date, state, run_type, start_date,"
                               " end_date FROM runs WHERE dag_id = ?1"
                               " AND (?2 < 0 OR logical_date < ?2)"
                               " ORDER BY logical_date DESC LIMIT ?3 OFFSET ?4");
    sqlite3_bind_text(st, 1, de->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, before_us);
    sqlite3_bind_int(st, 3, limit);
    sqlite3_bind_int64(st, 4, offset);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_array_append_new(
            runs, json_pack("{s:s, s:o, s:s, s:s, s:o, s:o}", "run_id", sqlite3_column_text(st, 0),
                            "logical_date", json_date(sqlite3_column_int64(st, 1), tz), "state",
                            sqlite3_column_text(st, 2), "run_type", sqlite3_column_text(st, 3),
                            "start_date", json_time(column_time(st, 4), tz), "end_date",
                            json_time(column_time(st, 5), tz)));
    }
    sqlite3_reset(st);
    return runs;
}

json_t *store_grid_json(store *s, const dag_entry *de, int limit)
{
    json_t *runs = store_grid_runs(s, de, -1, 0, limit);
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        const char *run_id = json_string_value(json_object_get(r, "run_id"));
        json_object_set_new(r, "tasks", store_grid_cells(s, de->dag_id, run_id, NULL));
    }
    json_t *tasks = json_array();
    for (size_t t = 0; de->model && t < de->model->n_tasks; t++)
        json_array_append_new(tasks, json_string(de->model->tasks[t].id));
    store_grid_add_sla(s, de->dag_id, runs);
    return json_pack("{s:s, s:o, s:o}", "dag_id", de->dag_id, "tasks", tasks, "runs", runs);
}

json_t *store_recent_states_json(store *s, const char *dag_id, int limit)
{
    json_t *states = json_array();
    sqlite3_stmt *st = stmt(s, "SELECT state FROM runs WHERE dag_id = ?1"
                               " ORDER BY logical_date DESC LIMIT ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, limit);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(states, json_string((const char *)sqlite3_column_text(st, 0)));
    return states;
}

int store_ti_try(store *s, const char *dag_id, const char *run_id, const char *task_id,
                 enum ti_state *state)
{
    sqlite3_stmt *st = stmt(s, "SELECT try_number, state FROM task_instances"
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

int store_audit(store *s, const audit_record *a)
{
    sqlite3_stmt *st = stmt(s, "INSERT INTO audit (time, uid, user, action, dag_id, run_id,"
                               " task_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    sqlite3_bind_int64(st, 1, a->time_us);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)a->uid);
    sqlite3_bind_text(st, 3, a->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, a->task_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, a->detail, -1, SQLITE_STATIC);
    return write_done(s, st);
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
    size_t cut = AUDIT_SHOWN;
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
        cut--;
    char *shown = xasprintf("%.*s... [%zu more bytes]", (int)cut, text, n - cut);
    json_t *j = json_text(shown);
    free(shown);
    return j;
}

json_t *store_audit_json(store *s, int limit, const char *tz)
{
    return store_audit_page(s, 0, limit, tz);
}

json_t *store_audit_page(store *s, long long offset, int limit, const char *tz)
{
    json_t *list = json_array();
    sqlite3_stmt *st = stmt(s, "SELECT time, uid, user, action, dag_id, run_id, task_id, detail"
                               " FROM audit ORDER BY id DESC LIMIT ?1 OFFSET ?2");
    sqlite3_bind_int(st, 1, limit);
    sqlite3_bind_int64(st, 2, offset);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_array_append_new(
            list, json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "time",
                            json_time(sqlite3_column_int64(st, 0), tz), "uid",
                            (json_int_t)sqlite3_column_int64(st, 1), "user",
                            column_json_text(st, 2), "action", column_json_text(st, 3), "dag_id",
                            column_json_text(st, 4), "run_id", column_json_text(st, 5), "task_id",
                            column_json_text(st, 6), "detail", column_json_text(st, 7)));
    }
    return list;
}

int store_sla_miss_record(store *s, const char *dag_id, const char *run_id, const char *task_id,
                          int64_t time_us)
{
    sqlite3_stmt *st = stmt(s, "INSERT OR IGNORE INTO sla_misses (dag_id, run_id, task_id, time)"
                               " VALUES (?1, ?2, ?3, ?4)");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, task_id ? task_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, time_us);
    if (sqlite3_step(st) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(s->db) > 0 ? 0 : 1;
}

void store_grid_add_sla(store *s, const char *dag_id, json_t *runs)
{
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        json_t *cells = json_object_get(r, "tasks");
        const char *key;
        json_t *cell;
        json_object_foreach(cells, key, cell)
        {
            json_object_set_new(cell, "sla_miss", json_false());
        }
        json_object_set_new(r, "sla_miss", json_false());
        sqlite3_stmt *st =
            stmt(s, "SELECT task_id FROM sla_misses WHERE dag_id = ?1 AND run_id = ?2");
        sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, json_string_value(json_object_get(r, "run_id")), -1,
                          SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *task = (const char *)sqlite3_column_text(st, 0);
            json_t *target = *task ? json_object_get(cells, task) : r;
            if (target)
                json_object_set_new(target, "sla_miss", json_true());
        }
        sqlite3_reset(st);
    }
}

int64_t store_run_logical(store *s, const char *dag_id, const char *run_id)
{
    sqlite3_stmt *st = stmt(s, "SELECT logical_date FROM runs WHERE dag_id = ?1 AND run_id = ?2");
    sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    return query_int64(st, -1);
}

int store_expired_runs(store *s, int64_t cutoff, int limit, strlist *dag_ids, strlist *run_ids)
{
    /* By when it finished: a backfill of last year stays as long as any. */
    sqlite3_stmt *st = stmt(s, "SELECT dag_id, run_id FROM runs"
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
        "DELETE FROM sla_misses WHERE dag_id = ?1 AND run_id = ?2",
        "DELETE FROM runs WHERE dag_id = ?1 AND run_id = ?2",
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        sqlite3_stmt *st = stmt(s, sql[i]);
        sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
        if (write_done(s, st))
            return -1;
    }
    return 0;
}

int store_delete_old_audit(store *s, int64_t cutoff, int limit)
{
    sqlite3_stmt *st = stmt(s, "DELETE FROM audit WHERE id IN"
                               " (SELECT id FROM audit WHERE time < ?1 LIMIT ?2)");
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int(st, 2, limit);
    if (write_done(s, st))
        return -1;
    return sqlite3_changes(s->db);
}
