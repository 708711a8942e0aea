/* The DAG model: one DAG file, validated; tasks in topological order. */
#ifndef DAGD_DAG_H
#define DAGD_DAG_H

#include "cron.h"
#include "diag.h"
#include "states.h"
#include "strindex.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct dag_param {
    char *name, *value;
    int line;
} dag_param;

/* Where a task's tries run (SPEC "Executors"): resolved at load, never
 * EXECUTOR_DEFAULT in a loaded model. */
enum task_executor { EXECUTOR_DEFAULT, EXECUTOR_LOCAL, EXECUTOR_DOCKER, EXECUTOR_SWARM };

typedef struct dag_task {
    char *id;
    int line;      /* the [task ID] header */
    char *command; /* may hold several lines (a multi-line script) */
    int command_line;
    strlist upstream; /* task ids as written */
    size_t *up;       /* resolved upstream indices into dag.tasks */
    size_t n_up;
    size_t *down; /* downstream indices */
    size_t n_down;
    strlist env;     /* KEY=VALUE, templates allowed */
    char *image;     /* set: a Docker task */
    strlist volumes; /* HOST:CTR[:ro] */
    char *network, *user, *workdir, *entrypoint, *pull;
    bool keep;
    enum task_executor executor;
    strlist constraints;       /* swarm placement: node.labels.pool==gpu */
    strlist generic_resources; /* swarm: KIND=N, e.g. NVIDIA-GPU=1 */
    int retries;
    int64_t retry_delay_us;
    int64_t timeout_us; /* 0: none */
    char *pool;         /* NULL: no pool */
    enum trigger_rule trigger_rule;
    bool branch;
    bool depends_on_past;
    int64_t memory_bytes; /* 0: undeclared */
    double cpus;          /* 0: undeclared */
    strlist notify;       /* in addition to the DAG's */
    int notify_line;      /* of the notify key, 0: absent */
    int64_t sla_us;
} dag_task;

typedef struct dag {
    char *id;
    char *file;     /* path as given to the loader */
    char *dir;      /* folder of the file: commands run there */
    char *schedule; /* as written, "none" when absent */
    cron_spec cron;
    char *timezone;
    /* DAG_NO_DATE: none (then scheduled runs start from load time); 0 is
     * the epoch, a valid date. */
    int64_t start_date;
    int64_t end_date;
    bool catchup;
    int max_active_runs;
    int max_active_tasks;
    strlist notify;
    int notify_line; /* of [dag] notify, 0: absent */
    int64_t sla_us;
    dag_param *params;
    size_t n_params;
    dag_task *tasks; /* in topological order (upstream before downstream) */
    size_t n_tasks;
    strindex *task_ix;         /* task id -> index into tasks (NULL: not built yet) */
    int64_t catchup_window_us; /* 0: no window (every missed interval) */
    bool overlap_skip;         /* overlap = skip: a run due at max_active_runs is not made */
    int64_t jitter_us;         /* 0: none; scheduled runs start up to this much late */
    char *family;              /* a family's member: the file's name without .ini; else NULL */
    char *member;              /* the member's name, NULL for a plain DAG */
    char version[13];          /* first 12 hex digits of the file's SHA-256 ("" unknown) */
    char *text;                /* the file's bytes (NUL-terminated), NULL unknown */
    size_t text_len;
    int refs; /* holders (the agent's entry and its runs): dag_unref frees at 0 */
    /* trigger_files: an absolute glob, wildcards in the last part only
     * (file_trigger.c); NULL: none. */
    char *trigger_files;
} dag;

/* Defaults when the DAG file is silent. */
#define DAG_DEFAULT_MAX_ACTIVE_RUNS 16
#define DAG_DEFAULT_MAX_ACTIVE_TASKS 16
#define DAG_DEFAULT_RETRY_DELAY_US (300LL * 1000000LL)

/* Load PATH. DEFAULT_TZ comes from the agent config. Returns NULL when it has
 * errors; every problem (errors and warnings) goes to DIAGS as FILE:LINE. */
dag *dag_load_file(const char *path, const char *default_tz, diag_list *diags);
/* Same from an open stream; NAME is used in messages and for the default id
 * (its basename without ".ini"). */
dag *dag_load_stream(FILE *f, const char *name, const char *default_tz, diag_list *diags);
void dag_free(dag *d);
/* Another holder of D / one holder fewer (freed with the last). A loaded
 * DAG has one holder, its loader. */
dag *dag_ref(dag *d);
void dag_unref(dag *d);

/* Every DAG of the file PATH: one for a plain file, one per member of a
 * family file ([family] members = …), in the order of members, each with
 * the file's version and text. Returns how many are in *OUT (a new array),
 * 0 (and *OUT NULL) when the file has errors; problems go to DIAGS. */
size_t dag_load_file_all(const char *path, const char *default_tz, diag_list *diags, dag ***out);
/* The same from the bytes TEXT (LEN of them), named NAME in messages. */
size_t dag_load_text_all(const char *text, size_t len, const char *name, const char *default_tz,
                         diag_list *diags, dag ***out);
void dag_free_all(dag **list, size_t n);

/* Index of task ID, or -1 (constant time once dag_link has run). */
int dag_task_index(const dag *d, const char *id);
/* Index of param NAME, or -1. */
int dag_param_index(const dag *d, const char *name);
/* Tasks without downstream tasks: the ones that decide a run's state. */
bool dag_task_is_leaf(const dag *d, size_t i);

/* Ids of DAGs, tasks, pools and notifiers (Airflow's rule): [A-Za-z0-9_.-],
 * 1 to DAG_ID_MAX characters, and not "." or ".." (they are path parts). */
#define DAG_ID_MAX 250
/* start_date / end_date not given: before every valid date (timeutil.h). */
#define DAG_NO_DATE (-1)
bool dag_id_valid(const char *s);

/* How late the scheduled runs of DAG_ID start within JITTER_US: fixed per id
 * (a hash of it), in [0, JITTER_US). */
int64_t dag_jitter_offset(const char *dag_id, int64_t jitter_us);

/* Resolve every task's upstream ids into up/down, report unknown upstream
 * tasks and cycles (as FILE:LINE into DIAGS), then reorder d->tasks
 * topologically (upstream first, ties in file order) and index them by id.
 * Linear in tasks and edges (a task id may be declared once: duplicates
 * after the first are not indexed). UP_LINES[i][j] is the
 * line of task i's j-th upstream item (NULL: use the task's header line).
 * up[j] always resolves upstream.items[j]. Returns the number of errors; on
 * errors the task order is left unchanged. */
size_t dag_link(dag *d, int *const *up_lines, diag_list *diags);

#endif
