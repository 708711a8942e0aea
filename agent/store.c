/* The store's connection: opening, the schema and its migrations (one array,
 * here), batches, and the helpers the query files share (store_int.h). The
 * queries are in store_dags.c, store_runs.c, store_grid.c, store_audit.c. */
#include "store_int.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    /* A claimed swarm try waiting for a node (state queued, why) and the
     * node a try runs on: a restarted agent follows the waiting one. */
    "ALTER TABLE task_instances ADD COLUMN waiting_for TEXT;"
    "ALTER TABLE task_instances ADD COLUMN node TEXT;",
    /* DAG versions: each content of a file, stored the first time seen
     * (per DAG: a family's members each have the file's); the version of
     * each run, and the DAG's current one (retention keeps it). */
    "CREATE TABLE versions (dag_id TEXT NOT NULL, version TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (dag_id, version));"
    "ALTER TABLE runs ADD COLUMN version TEXT;"
    "ALTER TABLE dags ADD COLUMN version TEXT;"
    /* overlap = skip: the latest interval left out, so that a restart does
     * not create it after all. */
    "ALTER TABLE dags ADD COLUMN skipped_through INTEGER;",
    /* Outputs of a try that succeeded ($DAGD_OUTPUT), and the files that
     * triggered runs: a file (path, size, mtime) triggers once, across
     * restarts too; its row outlives the run (retention) so that a file
     * left in place does not trigger again. */
    "CREATE TABLE task_outputs (dag_id TEXT NOT NULL, run_id TEXT NOT NULL,"
    "  task_id TEXT NOT NULL, try_number INTEGER NOT NULL, key TEXT NOT NULL,"
    "  value TEXT NOT NULL, PRIMARY KEY (dag_id, run_id, task_id, key));"
    "CREATE TABLE trigger_files (dag_id TEXT NOT NULL, path TEXT NOT NULL,"
    "  size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, run_id TEXT NOT NULL,"
    "  seen_at INTEGER NOT NULL, PRIMARY KEY (dag_id, path, size, mtime_ns));"
    "CREATE INDEX trigger_files_run ON trigger_files (dag_id, run_id);",
    /* What each try ran (the rendered command, image, the names of its
     * environment, never the values), for `task` and dagtop's try history;
     * who triggered a run (the audit by run); runs with a cell in a state. */
    "CREATE TABLE tries (dag_id TEXT NOT NULL, run_id TEXT NOT NULL, task_id TEXT NOT NULL,"
    "  try_number INTEGER NOT NULL, state TEXT NOT NULL, start_date INTEGER, end_date INTEGER,"
    "  executor TEXT, image TEXT, command TEXT, env_names TEXT,"
    "  PRIMARY KEY (dag_id, run_id, task_id, try_number));"
    "CREATE INDEX audit_run ON audit (dag_id, run_id);"
    "CREATE INDEX ti_state ON task_instances (dag_id, state);",
    /* Every query of the scheduler, the grid, the DAG list, retention and
     * the read-in of queued runs is a seek (O(log n) in the history):
     * tests/unit/test_query_plans.c checks each plan. The lone state index
     * served none of them. */
    "CREATE INDEX runs_dag_state ON runs (dag_id, state, logical_date);"
    "CREATE INDEX runs_dag_type ON runs (dag_id, run_type, logical_date);"
    "CREATE INDEX runs_done ON runs (coalesce(end_date, logical_date))"
    "  WHERE state IN ('success', 'failed');"
    "DROP INDEX runs_state;",
    /* Versions newest first, and how many runs use each (retention drops
     * the unused ones each step): seeks too. */
    "CREATE INDEX versions_seen ON versions (dag_id, first_seen, version);"
    "CREATE INDEX runs_version ON runs (dag_id, version);",
    /* The state index cost two pages of every try's commit (a third of its
     * WAL writes), and the grid's state filter, its one user, did better
     * without it: a seek by run instead of a walk over every instance of
     * the DAG in that state for each run row. */
    "DROP INDEX IF EXISTS ti_state;",
};

sqlite3_stmt *store_stmt(store *s, const char *sql)
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
        log_error("store: %s", sqlite3_errmsg(s->db));
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
int store_write_done(store *s, sqlite3_stmt *st)
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
int64_t store_query_int64(sqlite3_stmt *st, int64_t fallback)
{
    int64_t v = fallback;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return v;
}

void store_bind_opt_time(sqlite3_stmt *st, int i, int64_t t)
{
    if (t > 0)
        sqlite3_bind_int64(st, i, t);
    else
        sqlite3_bind_null(st, i);
}

int store_exec(store *s, const char *sql)
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
        log_error("store: %s", msg ? msg : "?");
    sqlite3_free(msg);
    return already ? 0 : -1;
}

int64_t store_column_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

int store_schema_version(store *s)
{
    sqlite3_stmt *st = store_stmt(s, "PRAGMA user_version");
    return (int)store_query_int64(st, -1);
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
        int rc = store_exec(s, sql);
        free(sql);
        if (rc) {
            store_exec(s, "ROLLBACK");
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
    /* Nothing reads SQLite's memory statistics: without them its
     * allocations take no global mutex. Only before the library's first
     * use (later calls are refused, harmlessly). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* NOMUTEX: this connection is the loop thread's alone (the
     * checkpointer and the backup open their own), so its calls need not
     * lock it. */
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* WAL + NORMAL: a commit is durable against a crash of the agent, and a
     * power cut loses at most the last commits, never consistency. */
    /* 1 MiB of page cache (SQLite's default is 2): the agent's RSS budget
     * is a few MiB; the kernel's page cache holds the rest of the file. */
    if (store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                      " PRAGMA cache_size = -1024;") ||
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
    store_checkpoint_free(s);
    sqlite3_close(s->db);
    free(s);
}

const char *store_error(store *s)
{
    return s->last_error[0] ? s->last_error : sqlite3_errmsg(s->db);
}

/* BEGIN and COMMIT run for every batch: prepared once, not parsed each
 * time as sqlite3_exec would. */
static int exec_prepared(store *s, const char *sql)
{
    if (store_write_done(s, store_stmt(s, sql)) == 0)
        return 0;
    log_error("store: %s", s->last_error);
    return -1;
}

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";

int store_batch_begin(store *s)
{
    if (s->batch_depth++ > 0)
        return 0;
    if (exec_prepared(s, sql_begin) == 0)
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
    if (!failed && exec_prepared(s, sql_commit) == 0) {
        s->last_error[0] = '\0';
        return 0;
    }
    store_exec(s, "ROLLBACK"); /* a failed COMMIT (disk full) leaves it open */
    return -1;
}

bool store_in_batch(const store *s)
{
    return s->batch_depth > 0;
}
