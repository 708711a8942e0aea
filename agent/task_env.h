/* What a task try sees: its template values and its environment. */
#ifndef DAGD_TASK_ENV_H
#define DAGD_TASK_ENV_H

#include "agent.h"
#include "template.h"

/* Owns the strings a template_ctx points to. */
/* The run's dates as text, the same for all its tries (its logical date
 * and interval, the schedule's dates before and after, in the zone of the
 * model they were made for). */
struct run_dates {
    const dag *model;
    char ds[16], ds_nodash[16], ts[48], start[48], end[48], prev_ds[16], next_ds[16];
};

typedef struct task_vars {
    template_ctx ctx;
    struct run_dates dates; /* its run's, copied: the template context points here */
    char try_number[16];
    const char *timezone; /* the DAG's, for DAGD_TIMEZONE */
    const char **names;
    const char **values;
    void *params; /* the parsed run params (json_t) */
    /* {"TASK":{"KEY":"VALUE"}} of the tasks upstream of this one (directly
     * or not) in its run (json_t), NULL before task_vars_load. */
    void *outputs;
    char *trigger_file;      /* a file__ run's file, NULL otherwise */
    const char *output_path; /* $DAGD_OUTPUT of a local try, NULL: none */
    char **own;              /* what dagd sets for the try, once made (task_env_prepare) */
} task_vars;

/* R's dates are made at its first try and kept (R->dates). */
void task_vars_init(task_vars *v, run *r, size_t task_index);
/* What the store holds for the try: the outputs of its upstream tasks and
 * the run's trigger file. */
void task_vars_load(task_vars *v, store *db, const run *r, size_t task_index);
void task_vars_free(task_vars *v);

/* Makes V->own, what dagd sets for the try: the contract's variables,
 * DAGD_OUTPUT_<TASK>_<KEY> of the upstream outputs, DAGD_TRIGGER_FILE,
 * DAGD_OUTPUT (OUTPUT_PATH, a local try's), the task's env = lines
 * (rendered), DAGD_TIMEZONE (the DAG's zone) and, with a LOG_PATH (a local
 * try), DAGD_LOG_FILE (it also lets a restarted agent find the try's
 * process). NULL-terminated. Made once at the claim, for the try's record
 * (its names) and its launch: a container's environment is V->own as it
 * is (LOG_PATH NULL; none of the agent's). False, with ERR set, when an
 * env template fails. */
bool task_env_prepare(task_vars *v, const dag_task *t, const char *log_path, char *err,
                      size_t errlen);
/* A local try's environment from V->own: the agent's own, less the names
 * that V->own sets, then V->own. The strings are theirs: free only the
 * array. */
char **task_env_local(const task_vars *v);
void task_env_free(char **env);

#endif
