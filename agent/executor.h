/* The executor interface: one table of operations per way of running a try
 * (local processes, Docker containers, ...), one opaque handle per running
 * try. The runner sees only this; executors.c lists the executors. Each
 * executor's glue file (local_task.c, docker_task.c) turns a task instance
 * into its adapter's request. */
#ifndef DAGD_EXECUTOR_H
#define DAGD_EXECUTOR_H

#include "agent.h"
#include "exec_result.h"
#include "logpath.h"
#include "task_env.h"
#include "try_plan.h"

typedef struct exec_handle exec_handle;

typedef struct executor_ops {
    const char *name;
    /* Does this executor run TASK? executors.c asks each in turn. */
    bool (*claims)(const dag_task *task);
    /* Start try r->tis[I].try_number of task I of R as PLAN says: its
     * command is rendered, its vars render the rest, output goes to its
     * log_path (an executor may take its log_fd). DONE(ARG) is called
     * exactly once, from a later loop turn, unless released or discarded.
     * NULL with ERR when the request cannot be made (nothing started). */
    exec_handle *(*start)(agent *ag, run *r, size_t i, struct try_plan *plan, exec_done_fn done,
                          void *arg, char *err, size_t errlen);
    /* The try of task I of R was running when the agent stopped: follow it
     * to its end (DONE as for start). *NOT_STARTED when nothing of it ever
     * ran (then NULL: the runner starts it again with the same number).
     * FILES: where its log and status record are (an older agent's, maybe). */
    exec_handle *(*follow)(agent *ag, run *r, size_t i, const try_files *files, exec_done_fn done,
                           void *arg, bool *not_started);
    /* Stop it (cancelled, marked, shutdown with --stop-tasks); DONE follows. */
    void (*stop)(exec_handle *h);
    /* Agent shutdown: forget it, never call DONE; KILL kills it (if the
     * executor can), else it runs on and is followed after the next start. */
    void (*release)(exec_handle *h, bool kill);
    /* Its task is gone (DAG reload): never call DONE, end it. */
    void (*discard)(exec_handle *h);
    /* The task instance moved (a reloaded DAG): DONE gets ARG from now on. */
    void (*set_arg)(exec_handle *h, void *arg);
} executor_ops;

#endif
