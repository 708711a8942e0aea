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
 * instances that were running when the agent stopped are followed to their
 * end (or settled from their log at once), so none stays running for ever
 * and none runs twice at the same time. */
void runner_adopt_runs(agent *ag, dag_entry *de);

/* Decide and start everything that can move now. Safe to call at any time;
 * a call from inside a pass makes the pass go round once more. */
void runner_pass(agent *ag);

/* The earliest moment a task waiting for a retry becomes ready, or -1. */
int64_t runner_next_retry(const agent *ag);

/* Runs of DE that are queued or running. */
int runner_open_runs(const agent *ag, const dag_entry *de);

/* Log file of a try. New string. */
char *runner_log_path(const agent *ag, const char *dag_id, const char *run_id, const char *task_id,
                      int try_number);

void runner_free_run(run *r);

/* Changes made between begin and end are one store transaction; processes
 * of tries claimed meanwhile start after the commit, events go out after
 * it. Nestable. */
void runner_batch_begin(agent *ag);
/* -1 when the store refused the batch: then nothing of it is announced, the
 * agent is degraded (starts nothing) and writes everything again when it
 * can. */
int runner_batch_end(agent *ag);

/* Shutdown: SIGTERM every running try; or release them all (killing their
 * groups with KILL_GROUP, else leaving them to run on). */
void runner_kill_all(agent *ag);
void runner_detach_all(agent *ag, bool kill_group);

/* A DAG file changed: its runs move to the NEXT model (tasks matched by id;
 * new tasks start at none, vanished ones become removed). Takes NEXT. */
void runner_swap_model(agent *ag, dag_entry *de, dag *next);
/* Running counts (agent, DAGs, pools) from scratch, after a reload. */
void runner_recount(agent *ag);

/* For the operator controls (control.c). */
void runner_kill_try(agent *ag, run *r, size_t task_index);
/* Settles what can no longer run (skipped, upstream_failed) without
 * starting anything: after a mark or clear, on a paused DAG too. */
void runner_settle(agent *ag, run *r);
void runner_set_state(agent *ag, run *r, size_t task_index, enum ti_state state);
void runner_save_run(agent *ag, run *r);
/* Put a finished run (loaded from the store) back in play as queued. */
void runner_reopen(agent *ag, run *r);
/* A run's state from its leaves when nothing is left to run; false if
 * something is. */
bool runner_run_outcome(const run *r, enum run_state *state);
/* Why a task instance waits (NULL: it does not), for the detail line. */
const char *runner_waiting_for(agent *ag, const run *r, size_t task_index, char *buf, size_t len);

#endif
