/* The store: SQLite in WAL mode, schema versions with migrations, and the
 * queries the agent needs. Every state change is committed before it is
 * announced. */
#ifndef DAGD_STORE_H
#define DAGD_STORE_H

#include "agent.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STORE_SCHEMA_VERSION 12

store *store_open(const char *path, char *err, size_t errlen);
void store_close(store *s);
/* Checkpoint the WAL on the thread pool of LOOP instead of in the commit
 * that fills it (store_checkpoint.c); the WAL starts again once it holds
 * 2,000 pages, or once the writes pause. Until the loop has run to its
 * end, store_close must wait. */
void store_checkpoint_in_background(store *s, uv_loop_t *loop);
/* Close its timer (a handle on LOOP), before the loop's last run. */
void store_checkpoint_stop(store *s);
int store_schema_version(store *s);
/* Copy the store at DB_PATH into DEST (a new file) with SQLite's online
 * backup, on a connection of its own: blocking, for a worker thread. 0 done,
 * -1 with ERR. */
int store_backup_file(const char *db_path, const char *dest, char *err, size_t errlen);
/* The last SQLite error, for log lines. */
const char *store_error(store *s);

/* Batches nest: only the outermost commit commits. Changes made in one loop
 * turn go into one transaction. */
int store_batch_begin(store *s);
int store_batch_commit(store *s);
bool store_in_batch(const store *s);

/* Make sure the DAG has a row; returns its paused flag. */
bool store_dag_sync(store *s, const char *dag_id, const char *file);
/* The file last synced for DAG_ID (new string), or NULL. */
char *store_dag_file(store *s, const char *dag_id);
int store_dag_set_paused(store *s, const char *dag_id, bool paused);
/* When DAG_ID's latest successful run ended (microseconds), 0: never. */
int64_t store_dag_last_success(store *s, const char *dag_id);

/* Insert a run and its task instances (one transaction). 0 done, 1 a run
 * with that id or logical date exists, -1 error. */
int store_run_insert(store *s, const run *r);
int store_run_save(store *s, const run *r);
int store_ti_save(store *s, const run *r, size_t task_index);
/* Largest logical date among runs of TYPE (NULL: any), or -1. */
int64_t store_last_logical(store *s, const char *dag_id, const char *run_type);

/* Calls FN for every running run of DAG_ID, oldest first, with its task
 * instances filled in by task id against the DAG's model (queued runs stay
 * in the store until a slot frees: backlog.c). */
typedef void (*store_run_fn)(void *arg, run *r);
int store_load_active_runs(store *s, dag_entry *de, store_run_fn fn, void *arg);
/* The ids of the first LIMIT queued runs of DAG_ID by logical date (only
 * backfills with BACKFILL_ONLY), appended to IDS. */
int store_queued_runs(store *s, const char *dag_id, bool backfill_only, int limit, strlist *ids);
/* How many queued runs DAG_ID has, counting up to LIMIT at most. */
int store_count_queued(store *s, const char *dag_id, int limit);

/* R's task instances again, against R->model (its version's). */
void store_load_tis(store *s, run *r);
/* One finished or active run with its task instances, NULL if unknown. */
run *store_load_run(store *s, dag_entry *de, const char *run_id);
/* Calls FN with every run of DAG_ID whose logical date is in [FROM, TO],
 * oldest first. */
typedef void (*store_run_ref_fn)(void *arg, const char *run_id, int64_t logical_us);
int store_list_runs(store *s, const char *dag_id, int64_t from_us, int64_t to_us,
                    store_run_ref_fn fn, void *arg);

typedef struct audit_record {
    int64_t time_us;
    uid_t uid;
    const char *user, *action, *dag_id, *run_id, *task_id, *detail;
} audit_record;
int store_audit(store *s, const audit_record *a);
/* Newest first, times in TZ. */
json_t *store_audit_json(store *s, int limit, const char *tz);
/* LIMIT records, newest first, after skipping OFFSET; only DAG_ID's
 * when not NULL. */
json_t *store_audit_page(store *s, const char *dag_id, long long offset, int limit, const char *tz);

/* State of TASK_ID in the run of DAG_ID just before LOGICAL; -1 when there is
 * no earlier run or it has no such task. */
int store_prev_ti_state(store *s, const char *dag_id, int64_t logical_us, const char *task_id);

/* A run addressed by id or by logical date. Fills RUN_ID (new string) and
 * STATE. Returns 0, 1 not found, 2 ambiguous. */
int store_find_run(store *s, const char *dag_id, const char *tz, const char *ref, char **run_id,
                   enum run_state *state);
int store_run_exists_at(store *s, const char *dag_id, int64_t logical_us);

/* The grid of the contract: runs newest first, each with its tasks. */
json_t *store_grid_json(store *s, const dag_entry *de, int limit);
/* Grid rows without cells: runs newest first whose logical date is before
 * BEFORE_US (-1: any), skipping OFFSET, at most LIMIT; with STATE only runs
 * with a task instance in that state, each with its "position" (how many
 * runs of the DAG are newer). */
json_t *store_grid_runs(store *s, const dag_entry *de, int64_t before_us, long long offset,
                        int limit, const char *state);
/* How many runs of DAG_ID are newer than LOGICAL_US. */
long long store_newer_runs(store *s, const char *dag_id, int64_t logical_us);
/* One row's cells {"T":{"state","try_number"}}, only tasks that are keys of
 * ONLY (NULL: all). */
json_t *store_grid_cells(store *s, const char *dag_id, const char *run_id, const json_t *only);
/* The last LIMIT run states of a DAG, newest first, as a JSON array. */
json_t *store_recent_states_json(store *s, const char *dag_id, int limit);
/* Try number of a task instance (0 if it never ran), -1 if not found. */
int store_ti_try(store *s, const char *dag_id, const char *run_id, const char *task_id,
                 enum ti_state *state);

/* A try as it starts (store_tries.c): what it runs; ENV_NAMES a JSON
 * array of names. Replaces a row of the same number (a claim that never
 * started). */
typedef struct try_record {
    int try_number;
    int64_t start_us;
    const char *executor, *image, *command, *env_names;
} try_record;
int store_try_begin(store *s, const char *dag_id, const char *run_id, const char *task_id,
                    const try_record *t);
/* The try TRY_NUMBER ends in STATE (only while it is recorded running). */
int store_try_end(store *s, const char *dag_id, const char *run_id, const char *task_id,
                  int try_number, const char *state, int64_t end_us);
/* A claimed try that never started: forget it. */
int store_try_forget(store *s, const char *dag_id, const char *run_id, const char *task_id,
                     int try_number);
/* The tries of a task instance, oldest first: [{"try","state","start","end",
 * "duration_s","executor","image","command","env_names"}], times in TZ. */
json_t *store_tries_json(store *s, const char *dag_id, const char *run_id, const char *task_id,
                         const char *tz);
/* Who made a run: its trigger's audit record, or for a backfill run the
 * DAG's latest backfill at or before AT_US; {"user","uid","time","action"}
 * or NULL. */
json_t *store_run_origin(store *s, const char *dag_id, const char *run_id, bool backfill,
                         int64_t at_us, const char *tz);

/* SLA misses: record one (TASK_ID NULL: the run's own SLA). 0 recorded
 * now, 1 it was recorded before, -1 error. */
int store_sla_miss_record(store *s, const char *dag_id, const char *run_id, const char *task_id,
                          int64_t time_us);
/* Set "sla_miss" (true / false) on every run of a grid and on its task
 * cells. */
void store_grid_add_sla(store *s, const char *dag_id, json_t *runs);
/* Logical date of a run, -1 if unknown. */
int64_t store_run_logical(store *s, const char *dag_id, const char *run_id);

/* The state of the DAG's finished run (success or failed) with the latest
 * logical date before LOGICAL_US, -1 when there is none (recovery). */
int store_prev_finished_state(store *s, const char *dag_id, int64_t logical_us);

/* Versions (store_versions.c). VERSION of DAG_ID was seen (its TEXT kept
 * the first time) and is its current one; the text of one (new string,
 * NULL unknown); [{"version","first_seen","runs"}] newest first; and
 * retention's part: delete the versions that no run uses and that are not
 * their DAG's current one (returns how many, -1 error). */
int store_version_seen(store *s, const char *dag_id, const char *version, const char *text,
                       size_t len, int64_t now_us);
char *store_version_text(store *s, const char *dag_id, const char *version, size_t *len);
json_t *store_versions_json(store *s, const char *dag_id, const char *tz);
int store_delete_unused_versions(store *s);
/* overlap = skip: the latest logical date left out (-1: none). */
int store_dag_set_skipped(store *s, const char *dag_id, int64_t logical_us);
int64_t store_dag_skipped(store *s, const char *dag_id);

/* Outputs of a task instance's try that succeeded: replaces what it had. */
typedef struct output_set output_set;
int store_outputs_save(store *s, const char *dag_id, const char *run_id, const char *task_id,
                       int try_number, const output_set *o);
/* Cleared: its outputs go (a new try writes its own, as Airflow's XCom). */
int store_outputs_drop(store *s, const char *dag_id, const char *run_id, const char *task_id);
/* {"TASK":{"KEY":"VALUE"}} of a run, of one task (TASK_ID) or all (NULL). */
json_t *store_outputs_json(store *s, const char *dag_id, const char *run_id, const char *task_id);

/* File triggers: was this (path, size, mtime) seen for DAG_ID? Record it
 * with the run it made (in that run's batch). The file of a run, or NULL
 * (new string). */
bool store_trigger_seen(store *s, const char *dag_id, const char *path, int64_t size,
                        int64_t mtime_ns);
int store_trigger_record(store *s, const char *dag_id, const char *path, int64_t size,
                         int64_t mtime_ns, const char *run_id, int64_t seen_us);
char *store_trigger_file(store *s, const char *dag_id, const char *run_id);
/* Retention of those records: looks at up to LIMIT of them from rowid
 * *CURSOR on and deletes each whose run is gone and whose file KEEP does not
 * find unchanged (a file still there keeps its record, or it would trigger
 * again). Returns how many it deleted, or -1; *CURSOR moves on, to 0 once
 * the table is through. */
int store_prune_triggers(store *s, int64_t *cursor, int limit,
                         bool (*keep)(const char *path, int64_t size, int64_t mtime_ns));

/* Retention: runs that finished before CUTOFF (at most
 * LIMIT, appended to the lists); deleting one run with its task instances;
 * deleting at most LIMIT audit records older than CUTOFF (returns how
 * many). */
int store_expired_runs(store *s, int64_t cutoff, int limit, strlist *dag_ids, strlist *run_ids);
int store_delete_run(store *s, const char *dag_id, const char *run_id);
int store_delete_old_audit(store *s, int64_t cutoff, int limit);

#endif
