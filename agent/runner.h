/* The runner: task-instance state machine of active runs, trigger rules,
 * depends_on_past, retries, admission (parallelism, max_active_tasks, pools)
 * and branching. */
#ifndef DAGD_RUNNER_H
#define DAGD_RUNNER_H

#include "agent.h"

/* Create a run with every task instance in state none, store it, keep it.
 * Returns the run, or NULL with *RC = 1 (a run exists for that id or logical
 * date) or -1 (store error). */
run *runner_create_run(agent *ag, dag_entry *de, const char *run_type, int64_t logical_us,
                       int64_t interval_start_us, int64_t interval_end_us, int64_t due_us,
                       const char *params_json, int *rc);

/* Take over the active runs of DE found in the store after a start. Task
 * instances that were running when the agent stopped are handed to the
 * retry policy, so none stays running for ever. */
void runner_adopt_runs(agent *ag, dag_entry *de);

/* Decide and start everything that can move now. Safe to call at any time;
 * a call from inside a pass makes the pass go round once more. */
void runner_pass(agent *ag);

/* The earliest moment a task waiting for a retry becomes ready, or -1. */
int64_t runner_next_retry(const agent *ag);

/* Runs of DE that are queued or running. */
int runner_open_runs(const agent *ag, const dag_entry *de);

/* Log file of a try. New string. */
char *runner_log_path(const agent *ag, const char *dag_id, const char *run_id,
                      const char *task_id, int try_number);

void runner_free_run(run *r);

#endif
