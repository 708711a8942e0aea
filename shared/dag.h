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
    strindex *task_ix; /* task id -> index into tasks (NULL: not built yet) */
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
